//! Encapsulated Pixel Data blanked frame by frame as it streams (PS3.5 A.4): the fragments of
//! one frame are gathered, the frame is handed to its codec (`Codec`), and what comes back is
//! emitted, before the next frame arrives. One frame in memory at a time, whatever the number.
//!
//! Where one frame ends: RLE has exactly one fragment per frame (PS3.5 A.4.2). The JPEG family
//! and JPEG 2000 may split a frame over fragments: a Basic Offset Table, when there is one, says
//! where each frame starts; without one, a single-frame image is every fragment, and in a
//! multi-frame image a frame ends with the fragment that ends with its end-of-image marker
//! (FFD9, which coded data cannot hold at a fragment's end; PS3.5 A.4 allows splitting only
//! between frames or inside one), zero padding after it allowed.
//!
//! Frames change length, so the Basic Offset Table is written empty (always valid): its offsets
//! are only known once every frame has passed, and rewriting it would mean holding the output.
//! A codec with no encoder here (JPEG 2000) has its frames encoded in JPEG-LS Lossless, and the
//! header says so (`Plan::output_syntax`).

use pixel_codecs::segments::ends_with_eoi;
use pixel_codecs::{jpeg, rle, BlankFrame, Clip, CodecError, Transcoder};

use super::geometry::PIXEL_PATH;
use super::text_segments::after_eoi_finding;
use crate::error::{Error, Result};
use crate::findings::Finding;
use crate::fragments::{Item, ItemHeads};

/// How frames of one transfer syntax are blanked: by a codec of `pixel_codecs`.
#[derive(Debug, Clone)]
pub(crate) enum Codec {
    /// Decoded, blanked in byte planes, PackBits-encoded again.
    Rle(rle::Blanker),
    /// Blanked in the coded domain, block by block.
    Jpeg(jpeg::Blanker),
    /// Decoded, blanked, encoded again with first-order prediction (valid in 4.57 and 4.70).
    JpegLossless(Transcoder),
    /// Decoded, blanked, encoded again losslessly (T.87).
    JpegLs(Transcoder),
    /// Decoded, blanked, encoded in JPEG-LS Lossless: there is no pure-Rust JPEG 2000 encoder,
    /// and every DICOM reader decodes JPEG-LS (uncompressed, a 4 MB coded mammogram was 27 MB).
    J2k(Transcoder),
}

impl Codec {
    /// How it blanks, for the report.
    pub(super) fn how(&self) -> &'static str {
        match self {
            Codec::Rle(_) => " (RLE: every frame decoded and encoded again; the Basic Offset Table is written empty)",
            Codec::Jpeg(_) => " (JPEG: the blocks touching a region lose their AC coefficients and take black's DC, in the coded domain; every other block is kept as it was coded; APPn and COM segments and any bytes after the end-of-image marker are dropped; the Basic Offset Table is written empty)",
            Codec::JpegLossless(_) => " (JPEG Lossless: every frame decoded and encoded again with first-order prediction; the Basic Offset Table is written empty)",
            Codec::JpegLs(_) => " (JPEG-LS: every frame decoded and encoded again losslessly; the Basic Offset Table is written empty)",
            Codec::J2k(_) => " (JPEG 2000: every frame decoded and encoded in JPEG-LS Lossless; the Basic Offset Table is written empty)",
        }
    }

    /// The codec itself, as the frame stream calls it.
    fn blanker(&mut self) -> &mut dyn BlankFrame {
        match self {
            Codec::Rle(c) => c,
            Codec::Jpeg(c) => c,
            Codec::JpegLossless(c) | Codec::JpegLs(c) | Codec::J2k(c) => c,
        }
    }

    fn one_fragment_per_frame(&self) -> bool {
        matches!(self, Codec::Rle(_))
    }

    /// The marker a codestream starts with: SOI for the JPEG family, SOC for JPEG 2000.
    fn start_marker(&self) -> [u8; 2] {
        match self {
            Codec::J2k(_) => [0xFF, 0x4F],
            _ => [0xFF, 0xD8],
        }
    }
}

/// What to blank in the frames of an image, and how.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(super) codec: Codec,
    /// The error code for frames that are not what their transfer syntax says.
    pub(super) bad: &'static str,
    pub(super) rows: u64,
    pub(super) cols: u64,
    /// Samples per pixel.
    pub(super) spp: u64,
    pub(super) frames: u64,
    pub(super) regions: Vec<Clip>,
    /// The longest coded frame accepted: a bound on memory, far above any real frame.
    pub(super) max_frame: u64,
    /// The output's transfer syntax, when it is not the input's.
    pub(super) output_syntax: Option<&'static str>,
}

impl Plan {
    /// The output's transfer syntax, when blanking changes it.
    pub(crate) fn output_syntax(&self) -> Option<&'static str> {
        self.output_syntax
    }

    /// Whether frames come out of a JPEG 2000 decoder: colour-transformed ones as RGB.
    pub(super) fn decodes_j2k(&self) -> bool {
        matches!(self.codec, Codec::J2k(_))
    }

    /// A codec's error as the sanitizer's: broken data is a read error of the codec's code, a
    /// variant this build does not handle is `pixel.unsupported`.
    fn codec_error(&self, e: CodecError, index: u64, at: u64) -> Error {
        match e {
            CodecError::Malformed(why) => Error::Read {
                code: self.bad,
                offset: None,
                message: format!("frame {index} (byte {at} of Pixel Data): {why}"),
            },
            CodecError::Unsupported(why) => Error::Deidentify {
                code: "pixel.unsupported",
                path: PIXEL_PATH.into(),
                message: format!("frame {index}: {why}"),
            },
        }
    }
}

/// What the JPEG blanker did over all frames, for the report.
#[derive(Debug, Default)]
struct Tally {
    /// Blocks blanked flat at their own average: black's DC had no Huffman code.
    flat_at_average: u64,
    /// APPn and COM segments dropped.
    segments_dropped: u64,
    /// Frames that had bytes other than padding after their end-of-image marker, dropped.
    after_eoi: u64,
}

/// Encapsulated frames being blanked as they stream.
pub(crate) struct Frames {
    plan: Plan,
    heads: ItemHeads,
    /// Items begun: the first is the Basic Offset Table, then the fragments.
    items: u64,
    /// Bytes of the current item still to come.
    left: u64,
    /// The Basic Offset Table's value, then its offsets: where each frame starts, counted from
    /// the first fragment's item header.
    table: Vec<u8>,
    starts: Vec<u64>,
    /// Where the next fragment's item header starts, counted like `starts`.
    position: u64,
    /// The current frame's coded bytes, and where its first fragment starts in the value.
    frame: Vec<u8>,
    /// The length of the frame's last fragment.
    fragment_len: usize,
    frame_at: u64,
    /// Where the current fragment's item header starts in the value.
    fragment_at: u64,
    /// With no offset table: the frame's length before the current fragment, when the frame
    /// did not end with its end marker (bytes after EOI, which decoders ignore). The fragment's
    /// first bytes decide: the start marker of a codestream begins the next frame.
    open_end: Option<usize>,
    /// Frames emitted.
    done: u64,
    tally: Tally,
}

impl Frames {
    pub(crate) fn new(plan: Plan) -> Frames {
        Frames {
            plan,
            heads: ItemHeads::default(),
            items: 0,
            left: 0,
            table: Vec::new(),
            starts: Vec::new(),
            position: 0,
            frame: Vec::new(),
            fragment_len: 0,
            frame_at: 0,
            fragment_at: 0,
            open_end: None,
            done: 0,
            tally: Tally::default(),
        }
    }

    /// Consumes what it can of `chunk`, appending what is ready to `out`: (bytes used, whether
    /// the sequence delimiter was reached).
    pub(crate) fn take(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<(usize, bool)> {
        let mut used = 0;
        while used < chunk.len() {
            if self.left > 0 {
                let n = self.left.min((chunk.len() - used) as u64) as usize;
                let bytes = &chunk[used..used + n];
                match self.items {
                    1 => self.table.extend_from_slice(bytes),
                    _ => {
                        self.frame.extend_from_slice(bytes);
                        self.split_at_start(out)?;
                    }
                }
                self.left -= n as u64;
                self.heads.at += n as u64;
                used += n;
                if self.left == 0 {
                    self.item_end(out)?;
                }
                continue;
            }
            match self.heads.take(chunk, &mut used)? {
                None => break,
                // Not even a Basic Offset Table.
                Some(Item::End) if self.items == 0 => return Err(self.heads.unexpected()),
                Some(Item::End) => {
                    if !self.frame.is_empty() {
                        self.frame(out)?;
                    }
                    if self.done != self.plan.frames {
                        return Err(self.bad(format!(
                            "{} frames in the fragments, {} in the attributes",
                            self.done, self.plan.frames
                        )));
                    }
                    out.extend_from_slice(self.heads.head());
                    return Ok((used, true));
                }
                Some(Item::Fragment(len)) => {
                    self.items += 1;
                    self.left = u64::from(len);
                    if self.items == 1 {
                        // The Basic Offset Table, emptied; gathered only while it can be one.
                        if self.left > 4 * self.plan.frames {
                            return Err(self.bad(format!(
                                "a Basic Offset Table of {len} bytes for {} frames",
                                self.plan.frames
                            )));
                        }
                        out.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]);
                    } else {
                        self.fragment_start(len, out)?;
                    }
                    if self.left == 0 {
                        self.item_end(out)?;
                    }
                }
            }
        }
        Ok((used, false))
    }

    /// A fragment's header was read: whether it starts a frame, and whether it fits.
    fn fragment_start(&mut self, len: u32, out: &mut Vec<u8>) -> Result<()> {
        let here = self.position;
        self.position += 8 + u64::from(len);
        // With an offset table, a frame ends where the next one starts. A table whose next
        // offset falls inside a fragment does not fit the fragments: the end markers decide.
        match self.starts.get(self.done as usize + 1) {
            Some(&next) if next == here && !self.frame.is_empty() => self.frame(out)?,
            Some(&next) if next < here => {
                self.starts.clear();
                if self.frame_ends() {
                    self.frame(out)?;
                }
            }
            _ => {}
        }
        self.fragment_at = self.heads.at - 8;
        if self.frame.is_empty() {
            self.begin()?;
        }
        self.fragment_len = len as usize;
        // A frame left open is sized once the fragment's first bytes have decided.
        let before = match self.open_end {
            Some(_) => 0,
            None => self.frame.len() as u64,
        };
        self.fits(before + u64::from(len))?;
        self.frame.reserve(len as usize);
        Ok(())
    }

    /// A frame begins with the current fragment.
    fn begin(&mut self) -> Result<()> {
        if self.done >= self.plan.frames {
            return Err(self.bad(format!(
                "more fragments than the {} frames hold",
                self.plan.frames
            )));
        }
        self.frame_at = self.fragment_at;
        Ok(())
    }

    /// With a frame left open, once the current fragment's first two bytes are in: a
    /// codestream's start marker there, after an end marker before it, ends the open frame
    /// (its bytes after EOI go with it, for the codec to drop); anything else continues it.
    /// Inside a codestream neither marker can occur, so fragments that split one are not cut.
    fn split_at_start(&mut self, out: &mut Vec<u8>) -> Result<()> {
        let Some(end) = self.open_end else {
            return Ok(());
        };
        if self.frame.len() < end + 2 {
            return Ok(());
        }
        self.open_end = None;
        let starts = self.frame[end..end + 2] == self.plan.codec.start_marker();
        if starts && self.frame[..end].windows(2).any(|w| w == [0xFF, 0xD9]) {
            let next = self.frame.split_off(end);
            self.frame(out)?;
            self.frame = next;
            self.begin()
        } else {
            self.fits(self.frame.len() as u64 + self.left)
        }
    }

    /// A frame of `size` coded bytes is one this image can hold.
    fn fits(&self, size: u64) -> Result<()> {
        match size > self.plan.max_frame {
            true => Err(self.bad(format!(
                "frame {} takes more than {} bytes; no frame of this image needs that many",
                self.done, self.plan.max_frame
            ))),
            false => Ok(()),
        }
    }

    /// Whether the frame's last fragment ends it (with the marker just before it: one byte): the
    /// padding looked through is that fragment's, so each byte is looked at about once.
    fn frame_ends(&self) -> bool {
        let from = self.frame.len().saturating_sub(self.fragment_len + 1);
        ends_with_eoi(&self.frame[from..])
    }

    /// An item's value is whole: the offset table is read, or a frame may be complete.
    fn item_end(&mut self, out: &mut Vec<u8>) -> Result<()> {
        if self.items == 1 {
            return self.read_table();
        }
        let ends = if self.plan.codec.one_fragment_per_frame() {
            true
        } else if !self.starts.is_empty() {
            false // the next fragment's position decides
        } else {
            self.plan.frames > 1 && self.frame_ends()
        };
        if ends {
            self.frame(out)?;
        } else if self.starts.is_empty() && self.plan.frames > 1 {
            self.open_end = Some(self.frame.len());
        }
        Ok(())
    }

    /// The Basic Offset Table, when it lists every frame from 0 upwards, delimits the frames;
    /// one that does not is not used (the frames are found by their markers).
    fn read_table(&mut self) -> Result<()> {
        let offsets: Vec<u64> = self
            .table
            .chunks_exact(4)
            .map(|c| u64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect();
        let ordered = offsets.first() == Some(&0) && offsets.windows(2).all(|w| w[0] < w[1]);
        if offsets.len() as u64 == self.plan.frames && self.plan.frames > 1 && ordered {
            self.starts = offsets;
        }
        self.table = Vec::new();
        Ok(())
    }

    /// The gathered frame is whole: emits it blanked, as a fragment.
    fn frame(&mut self, out: &mut Vec<u8>) -> Result<()> {
        let (index, at) = (self.done, self.frame_at);
        let frame = std::mem::take(&mut self.frame);
        let start = out.len();
        out.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]);
        let plan = &mut self.plan;
        let done = plan
            .codec
            .blanker()
            .blank(&frame, &plan.regions, out)
            .map_err(|e| plan.codec_error(e, index, at))?;
        self.tally.flat_at_average += done.flat_at_average;
        self.tally.segments_dropped += u64::from(done.segments_dropped);
        self.tally.after_eoi += u64::from(done.after_eoi > 0);
        if (out.len() - start) % 2 == 1 {
            out.push(0); // fragments have even lengths (PS3.5 A.4)
        }
        let len = u32::try_from(out.len() - start - 8).map_err(|_| {
            let why = "the blanked frame does not fit one fragment".into();
            self.plan.codec_error(CodecError::Malformed(why), index, at)
        })?;
        out[start + 4..start + 8].copy_from_slice(&len.to_le_bytes());
        self.frame = frame;
        self.frame.clear();
        self.done += 1;
        Ok(())
    }

    /// What the codecs did, for the report, once every frame has passed.
    pub(crate) fn findings(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        let t = &self.tally;
        if t.flat_at_average > 0 {
            out.push(Finding {
                code: "pixel.blanked_to_average".into(),
                path: Some(PIXEL_PATH.into()),
                message: format!("{} JPEG blocks were blanked flat at their own average rather than black: a Huffman table had no code for black's DC and no room for one", t.flat_at_average),
            });
        }
        if t.segments_dropped > 0 {
            out.push(Finding {
                code: "pixel.segments_removed".into(),
                path: Some(PIXEL_PATH.into()),
                message: format!("{} APPn or COM segments, which can hold text or thumbnails, were removed from the JPEG frames", t.segments_dropped),
            });
        }
        if t.after_eoi > 0 {
            out.push(after_eoi_finding(t.after_eoi, "dropped"));
        }
        out
    }

    fn bad(&self, why: String) -> Error {
        Error::Read {
            code: self.plan.bad,
            offset: None,
            message: format!("at byte {} of Pixel Data: {why}", self.heads.at),
        }
    }
}
