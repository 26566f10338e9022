//! Streaming: `write(chunk)` … `end()` into a sink. The header (everything before the top-level
//! Pixel Data) is buffered, within the limits, and de-identified in memory; nothing is emitted
//! until it has passed every check. Pixel Data then passes through chunk by chunk (blanking
//! regions on the way, if asked), with memory independent of its size; elements after it are
//! buffered and de-identified at the end. The one-shot API is this with a single chunk, so every
//! chunking gives the same bytes. The one exception to bounded memory: blanked pixels whose
//! original is enclosed in the Encrypted Attributes (`enclose_pixels`), which come before Pixel
//! Data, are gathered whole (within `max_enclosed_pixel_bytes`) before the header is written.
//!
//! An error after the header was emitted means the output so far must be discarded: the
//! one-shot API and the JS TransformStream (which errors) do so.

use std::sync::Arc;

use dicom_dictionary_std::tags;

use crate::compiled::{Compiled, Draft, Header};
use crate::dataset::read_dataset;
use crate::digest::{DigestAlgorithm, Hasher};
use crate::error::{Error, Result};
use crate::file_meta::{PRODUCT, VERSION};
use crate::findings::Finding;
use crate::fragments::Fragments;
use crate::inflate::Inflate;
use crate::integrity::structure::{encoding, scan_elements, scan_header};
use crate::leaves::{not_handed_out, Delegation, Leaves, LEAF_LEN};
use crate::limits::Limits;
use crate::pixels::{Blanking, Compression, Frames, PixelData};
use crate::profile::EDITION;
use crate::receipt::Receipt;
use crate::report::Report;

/// What a finished stream produced besides its bytes.
#[derive(Debug, Clone)]
pub struct Finished {
    pub report: Report,
    /// The signed receipt, when the settings hold a signing key.
    pub receipt: Option<Receipt>,
}

enum Phase {
    /// Buffering the header.
    Header,
    /// Native pixel bytes: how many are left, and where in the value the next one is.
    Native {
        left: u64,
        offset: u64,
    },
    /// Encapsulated fragments, checked item by item as they pass.
    Fragments(Fragments),
    /// RLE fragments, blanked frame by frame.
    Frames(Box<Frames>),
    /// Gathering the original Pixel Data element to enclose, before the header is written.
    Enclosing(Box<Enclosing>),
    /// Buffering elements after Pixel Data.
    Trailing,
    Done,
    Failed,
}

/// One file being sanitized as a stream. Make it with [`Sanitizer::stream`](crate::Sanitizer::stream).
pub struct SanitizeStream {
    compiled: Arc<Compiled>,
    phase: Phase,
    /// The header, then the trailing elements, as they arrive.
    buffer: Vec<u8>,
    /// Buffer length at which to look for the end of the header again (amortised rescans).
    next_attempt: usize,
    header: Option<Header>,
    input_len: u64,
    /// The input outside its Pixel Data value. The value itself is hashed once, as part of
    /// the output, unless blanking changes it: then `input_pixels` hashes the original.
    input: Hasher,
    input_pixels: Option<Hasher>,
    output: Output,
    delegation: Option<Delegation>,
    /// For receipts: the output without the Pixel Data value.
    outside_pixels: Option<Hasher>,
    /// Whether the Pixel Data value has started (it counts as one kept element).
    pixels: bool,
    scratch: Vec<u8>,
    /// Ranges of the current chunk to zero (text segments of compressed frames).
    zero: Vec<std::ops::Range<usize>>,
    /// Inflates a deflated data set on the way in (`crate::inflate`).
    inflate: Inflate,
    /// What blanking the frames found, known once they have passed.
    frame_findings: Vec<Finding>,
}

/// Bytes to gather before the first look for the end of the header.
const FIRST_ATTEMPT: usize = 4096;

/// The original Pixel Data element being gathered for the Encrypted Attributes, which precede
/// it in the output: nothing is emitted until it is whole.
struct Enclosing {
    /// The de-identified header, to be written with the original.
    draft: Box<Draft>,
    /// The input before Pixel Data (the header the draft was made from).
    head: Vec<u8>,
    /// The element as read: its header, then its value as it arrives.
    element: Vec<u8>,
    /// Where its value starts in `element`.
    value_at: usize,
    /// Its declared length: `None` for encapsulated fragments.
    len: Option<u32>,
    /// Native: bytes of the value still to come. Encapsulated: `None`, and `items` finds the end.
    left: Option<u64>,
    items: Fragments,
}

/// Gathered pixel data goes through the pixel phases in pieces of this size, which bounds
/// their scratch buffers.
const REPLAY_PIECE: usize = 1 << 20;

impl SanitizeStream {
    pub(crate) fn new(compiled: Arc<Compiled>) -> SanitizeStream {
        let algorithm = compiled.digest;
        let signing = compiled.signing_key.is_some();
        SanitizeStream {
            compiled,
            phase: Phase::Header,
            buffer: Vec::new(),
            next_attempt: FIRST_ATTEMPT,
            header: None,
            input_len: 0,
            input: Hasher::new(algorithm),
            input_pixels: None,
            output: Output::Whole(Hasher::new(algorithm)),
            delegation: None,
            outside_pixels: signing.then(|| Hasher::new(algorithm)),
            pixels: false,
            scratch: Vec::new(),
            zero: Vec::new(),
            inflate: Inflate::new(),
            frame_findings: Vec::new(),
        }
    }

    /// Takes the next chunk of input; whatever output is ready goes to `sink`. After an error
    /// every later call fails (`stream.failed`).
    pub fn write(&mut self, chunk: &[u8], sink: &mut dyn FnMut(&[u8])) -> Result<()> {
        self.usable()?;
        self.input_len += chunk.len() as u64;
        let r = self.inflated(chunk, sink, false);
        if r.is_err() {
            self.phase = Phase::Failed;
        }
        r
    }

    /// [`write`](Self::write) for callers that hand the output on without copying it: what
    /// the chunk produced, as a range of the chunk itself while that is all it was (pixel data
    /// passing through unchanged), else as owned bytes.
    pub fn write_passing(&mut self, chunk: &[u8]) -> Result<Emitted> {
        let mut out = Emitted::Nothing;
        self.write(chunk, &mut |bytes| out.push(chunk, bytes))?;
        Ok(out)
    }

    /// Asks to hash whole leaves of unchanged pixel data elsewhere, at the same time as the
    /// stream runs, in leaves of [`LEAF_LEN`](crate::LEAF_LEN) bytes: once the header has passed,
    /// [`delegation`](Self::delegation) says which, and each leaf's chaining value, from
    /// [`leaf_digest`](crate::leaf_digest) over exactly the bytes written, must come back through
    /// [`set_leaf`](Self::set_leaf) before [`end`](Self::end). The stream trusts what it is
    /// given: this is for the caller's own threads, not for values from elsewhere. Only before
    /// the first write, and only for BLAKE3 (`false` otherwise: the stream hashes everything).
    pub fn hand_out_leaves(&mut self) -> bool {
        let fresh = self.input_len == 0 && matches!(self.phase, Phase::Header);
        if fresh && self.compiled.digest == DigestAlgorithm::Blake3 {
            self.output = Output::Leaves(Box::default());
        }
        matches!(self.output, Output::Leaves(_))
    }

    /// The leaves handed out, known once the header has passed; `None` when there are none
    /// (not asked, pixels encapsulated or blanked, or too few whole leaves in the pixel data).
    pub fn delegation(&self) -> Option<Delegation> {
        self.delegation
    }

    /// The chaining value of handed-out leaf `index` (0 for the first).
    pub fn set_leaf(&mut self, index: u64, cv: [u8; 32]) -> Result<()> {
        match self.output.leaves_mut() {
            Some(leaves) => leaves.set(index, cv),
            None => Err(not_handed_out(index, 0)),
        }
    }

    /// Counts handed-out leaf `index` as written without seeing it: the caller, which holds its
    /// bytes, puts them in the output itself (they pass unchanged, as
    /// [`delegation`](Self::delegation) says where) and hashes them for
    /// [`set_leaf`](Self::set_leaf). Saves copying the bulk of a large file into the stream. The
    /// leaf must be the next input (`stream.leaf_invalid` otherwise, and the stream fails).
    pub fn pass_leaf(&mut self, index: u64) -> Result<()> {
        self.usable()?;
        let r = self.pass(index);
        if r.is_err() {
            self.phase = Phase::Failed;
        }
        r
    }

    fn pass(&mut self, index: u64) -> Result<()> {
        let next = self.delegation.is_some_and(|d| {
            index < d.leaves
                && d.input_offset + index * LEAF_LEN == self.input_len
                && matches!(self.phase, Phase::Native { left, .. } if left >= LEAF_LEN)
        });
        if !(next && self.output.leaves_mut().is_some_and(Leaves::pass)) {
            return Err(Error::Read {
                code: "stream.leaf_invalid",
                offset: Some(self.input_len),
                message: format!("leaf {index} is not the next input"),
            });
        }
        self.input_len += LEAF_LEN;
        if let Phase::Native { left, offset } = &mut self.phase {
            *left -= LEAF_LEN;
            *offset += LEAF_LEN;
            if *left == 0 {
                self.phase = Phase::Trailing;
            }
        }
        Ok(())
    }

    /// Ends the input: checks that the file is complete, emits the rest, and reports.
    pub fn end(mut self, sink: &mut dyn FnMut(&[u8])) -> Result<Finished> {
        self.usable()?;
        self.inflated(&[], sink, true)?;
        self.feed(&[], sink, true)?;
        self.inflate.finish()?;
        match &self.phase {
            Phase::Native { left, .. } => {
                return Err(Error::read(
                    "read.truncated",
                    self.input_len as usize,
                    format!("the input ends {left} bytes before the end of Pixel Data"),
                ))
            }
            Phase::Fragments(_) | Phase::Frames(_) | Phase::Enclosing(_) => {
                return Err(Error::read(
                    "read.truncated",
                    self.input_len as usize,
                    "the input ends inside the pixel data fragments",
                ))
            }
            _ => {}
        }
        let mut header = self
            .header
            .take()
            .expect("the header was processed at the end");
        let mut counts = std::mem::take(&mut header.counts);
        let mut findings = std::mem::take(&mut header.findings);
        findings.append(&mut self.frame_findings);
        if self.pixels {
            *counts.entry("kept".into()).or_default() += 1; // Pixel Data itself
        }
        if !self.buffer.is_empty() {
            let trailing = std::mem::take(&mut self.buffer);
            let out = self
                .compiled
                .trailing(&trailing, &header, &mut counts, &mut findings)?;
            self.emit(&out, false, sink);
        }
        self.phase = Phase::Done;
        let report = Report {
            product: PRODUCT.into(),
            version: VERSION.into(),
            profile: "basic".into(),
            edition: EDITION.into(),
            options: self.compiled.rules.options.clone(),
            transfer_syntax: header.output_syntax.clone(),
            preamble: header.preamble,
            actions: counts,
            findings,
            input_header: self.input.finish(),
            input_pixel_data: self.input_pixels.take().map(Hasher::finish),
            output: match self.output {
                Output::Whole(h) => h.finish(),
                Output::Leaves(leaves) => leaves.finish()?,
            },
        };
        let receipt = self.compiled.signing_key.as_ref().map(|key| {
            let outside = self.outside_pixels.take().expect("made when signing");
            Receipt::sign(report.clone(), outside.finish(), key)
        });
        Ok(Finished { report, receipt })
    }

    fn usable(&self) -> Result<()> {
        match self.phase {
            Phase::Failed | Phase::Done => Err(Error::Read {
                code: "stream.closed",
                offset: None,
                message: "this stream failed or ended; start a new one".into(),
            }),
            _ => Ok(()),
        }
    }

    fn emit(&mut self, bytes: &[u8], pixel: bool, sink: &mut dyn FnMut(&[u8])) {
        if bytes.is_empty() {
            return;
        }
        match &mut self.output {
            Output::Whole(h) => h.update(bytes),
            Output::Leaves(leaves) => leaves.update(bytes),
        }
        if !pixel {
            if let Some(h) = &mut self.outside_pixels {
                h.update(bytes);
            }
        }
        sink(bytes);
    }

    /// Feeds the input as the sanitizer reads it: inflated when the data set is deflated.
    fn inflated(&mut self, chunk: &[u8], sink: &mut dyn FnMut(&[u8]), at_end: bool) -> Result<()> {
        let mut inflate = std::mem::take(&mut self.inflate);
        let (limit, raw) = (
            self.compiled.limits.max_input_bytes,
            self.compiled.accept_raw,
        );
        let r = inflate.push(chunk, at_end, limit, raw, &mut |b| {
            self.feed(b, sink, false)
        });
        self.inflate = inflate;
        r
    }

    fn feed(&mut self, mut chunk: &[u8], sink: &mut dyn FnMut(&[u8]), at_end: bool) -> Result<()> {
        loop {
            match &mut self.phase {
                Phase::Header => {
                    // Scan the caller's chunk in place when nothing is buffered (the one-shot
                    // API never copies its input); otherwise gather into the buffer.
                    let owned = if self.buffer.is_empty() {
                        None
                    } else {
                        self.buffer.extend_from_slice(chunk);
                        Some(std::mem::take(&mut self.buffer))
                    };
                    let data: &[u8] = owned.as_deref().unwrap_or(chunk);
                    let found = if at_end || data.len() >= self.next_attempt {
                        self.try_header(data, at_end, sink)?
                    } else {
                        None
                    };
                    let Some(rest) = found else {
                        let limit = self.compiled.limits.max_input_bytes;
                        if data.len() as u64 > limit {
                            return Err(Error::limit(
                                "limit.input_size",
                                data.len(),
                                format!("the header (everything before Pixel Data) exceeds {limit} bytes"),
                            ));
                        }
                        // Moved back, not copied: gathering stays linear in the header size.
                        self.buffer = owned.unwrap_or_else(|| chunk.to_vec());
                        return Ok(());
                    };
                    return self.feed(&data[rest..], sink, at_end);
                }
                Phase::Native { left, offset } => {
                    let n = (*left).min(chunk.len() as u64) as usize;
                    let (now, later) = chunk.split_at(n);
                    *left -= n as u64;
                    let at = *offset;
                    *offset += n as u64;
                    let done = *left == 0;
                    match self.header.as_ref().and_then(|h| h.blanker.as_ref()) {
                        Some(Blanking::Native(b)) => {
                            if let Some(h) = &mut self.input_pixels {
                                h.update(now);
                            }
                            let mut scratch = std::mem::take(&mut self.scratch);
                            scratch.clear();
                            scratch.extend_from_slice(now);
                            b.apply(at, &mut scratch);
                            self.emit(&scratch, true, sink);
                            self.scratch = scratch;
                        }
                        _ => self.emit(now, true, sink),
                    }
                    if done {
                        self.phase = Phase::Trailing;
                    }
                    if later.is_empty() {
                        return Ok(());
                    }
                    chunk = later;
                }
                Phase::Fragments(f) => {
                    let mut zero = std::mem::take(&mut self.zero);
                    zero.clear();
                    let (used, done) = f.take(chunk, &mut zero)?;
                    let finding = if done { f.findings() } else { Vec::new() };
                    let (now, later) = chunk.split_at(used);
                    if let Some(h) = &mut self.input_pixels {
                        h.update(now);
                    }
                    if zero.is_empty() {
                        self.emit(now, true, sink);
                    } else {
                        let mut scratch = std::mem::take(&mut self.scratch);
                        scratch.clear();
                        scratch.extend_from_slice(now);
                        zero.iter().for_each(|r| scratch[r.clone()].fill(0));
                        self.emit(&scratch, true, sink);
                        self.scratch = scratch;
                    }
                    self.zero = zero;
                    if done {
                        self.frame_findings.extend(finding);
                        self.phase = Phase::Trailing;
                    }
                    if later.is_empty() {
                        return Ok(());
                    }
                    chunk = later;
                }
                Phase::Frames(f) => {
                    let mut scratch = std::mem::take(&mut self.scratch);
                    scratch.clear();
                    let (used, done) = f.take(chunk, &mut scratch)?;
                    if done {
                        self.frame_findings = f.findings();
                    }
                    let (now, later) = chunk.split_at(used);
                    if let Some(h) = &mut self.input_pixels {
                        h.update(now);
                    }
                    self.emit(&scratch, true, sink);
                    self.scratch = scratch;
                    if done {
                        self.phase = Phase::Trailing;
                    }
                    if later.is_empty() {
                        return Ok(());
                    }
                    chunk = later;
                }
                Phase::Enclosing(e) => {
                    let (used, done) = match &mut e.left {
                        Some(left) => {
                            let n = (*left).min(chunk.len() as u64);
                            *left -= n;
                            (n as usize, *left == 0)
                        }
                        None => e.items.take(chunk, &mut Vec::new())?,
                    };
                    let (now, later) = chunk.split_at(used);
                    let gathered = (e.element.len() - e.value_at + used) as u64;
                    enclosable(gathered, &self.compiled.limits, self.input_len)?;
                    e.element.extend_from_slice(now);
                    if done {
                        if let Phase::Enclosing(e) =
                            std::mem::replace(&mut self.phase, Phase::Trailing)
                        {
                            self.enclose(*e, sink)?;
                        }
                    }
                    if later.is_empty() {
                        return Ok(());
                    }
                    chunk = later;
                }
                Phase::Trailing => {
                    self.input.update(chunk);
                    self.buffer.extend_from_slice(chunk);
                    let limit = self.compiled.limits.max_input_bytes;
                    if self.buffer.len() as u64 > limit {
                        return Err(Error::limit(
                            "limit.input_size",
                            self.input_len as usize,
                            format!("the elements after Pixel Data exceed {limit} bytes"),
                        ));
                    }
                    return Ok(());
                }
                Phase::Done | Phase::Failed => return self.usable(),
            }
        }
    }

    /// Looks for the end of the header in the buffer. When found, de-identifies and emits the
    /// header and the Pixel Data element header, sets the pixel phase, and returns where the
    /// pixel value starts in the buffer. `None`: more input is needed.
    fn try_header(
        &mut self,
        data: &[u8],
        at_end: bool,
        sink: &mut dyn FnMut(&[u8]),
    ) -> Result<Option<usize>> {
        self.next_attempt = data.len().saturating_mul(2).max(FIRST_ATTEMPT);
        if !at_end && data.len() < 132 {
            return Ok(None);
        }
        let scanned = match scan_header(data, &self.compiled.limits, self.compiled.accept_raw) {
            Ok(s) => s,
            Err(e) if !at_end && e.code() == "read.truncated" => return Ok(None),
            Err(e)
                if !at_end
                    && e.code() == "read.not_dicom"
                    && self.compiled.accept_raw
                    && crate::integrity::encoding::undecided(data) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(e),
        };
        let (_, little) = encoding(&scanned.layout.transfer_syntax)?;
        let (header_end, info) = match scanned.pixel {
            Some(p) => (
                p.at,
                Some(PixelData {
                    encapsulated: p.len.is_none(),
                    len: p.len.map(u64::from),
                    big_endian: !little,
                    // In explicit VR the VR follows the tag; implicit VR is little endian.
                    ow: data.get(p.at + 4..p.at + 6) == Some(b"OW"),
                    compression: Compression::of(&scanned.layout.transfer_syntax),
                }),
            ),
            None if !at_end => return Ok(None), // Pixel Data may still come
            None => (data.len(), None),
        };
        let limit = self.compiled.limits.max_input_bytes;
        if header_end as u64 > limit {
            return Err(Error::limit(
                "limit.input_size",
                header_end,
                format!("the header (everything before Pixel Data) exceeds {limit} bytes"),
            ));
        }
        let mut header = self
            .compiled
            .header(&data[..header_end], &scanned.layout, info)?;
        let value_at = scanned.pixel.map_or(data.len(), |p| p.value_at);
        self.input.update(&data[..value_at]);
        if header.blanker.is_some() || header.segments.is_some() {
            self.input_pixels = Some(Hasher::new(self.compiled.digest));
        }
        // A draft (blanked pixels to enclose: there is Pixel Data) waits for the original,
        // which must be whole before the header is written; a native value over the limit is
        // refused before anything is gathered.
        match (header.draft.take(), scanned.pixel) {
            (Some(draft), Some(pixel)) => {
                if let Some(len) = pixel.len {
                    enclosable(len.into(), &self.compiled.limits, self.input_len)?;
                }
                self.header = Some(header);
                let e = Enclosing {
                    draft,
                    head: data[..header_end].to_vec(),
                    element: {
                        // A native value's length is declared: room for exactly it.
                        let head = &data[pixel.at..pixel.value_at];
                        let mut element =
                            Vec::with_capacity(head.len() + pixel.len.map_or(0, |l| l as usize));
                        element.extend_from_slice(head);
                        element
                    },
                    value_at: pixel.value_at - pixel.at,
                    len: pixel.len,
                    left: pixel.len.map(u64::from),
                    items: Fragments::new(None),
                };
                if pixel.len == Some(0) {
                    self.enclose(e, sink)?;
                } else {
                    self.phase = Phase::Enclosing(Box::new(e));
                }
                return Ok(Some(pixel.value_at));
            }
            (Some(draft), None) => {
                self.compiled
                    .write_header(&mut header, *draft, &data[..header_end], None)?
            }
            (None, _) => {}
        }
        let bytes = std::mem::take(&mut header.bytes);
        self.header = Some(header);
        self.emit(&bytes, false, sink);
        let Some(pixel) = scanned.pixel else {
            self.phase = Phase::Trailing;
            return Ok(Some(data.len()));
        };
        let arrived = (data.len() - pixel.value_at) as u64;
        self.start_pixels(
            &data[pixel.at..pixel.value_at],
            pixel.len,
            (pixel.value_at as u64, arrived),
            scanned.layout.deflated,
            sink,
        )?;
        Ok(Some(pixel.value_at))
    }

    /// Emits the Pixel Data element's header (`element`, as read) and enters the pixel phase for its value, `len` bytes or fragments
    /// (`None`), which starts at input offset `value_at` and of which `arrived` bytes are at
    /// hand. Hands out the leaves of an unchanged value.
    fn start_pixels(
        &mut self,
        element: &[u8],
        len: Option<u32>,
        (value_at_input, arrived): (u64, u64),
        deflated: bool,
        sink: &mut dyn FnMut(&[u8]),
    ) -> Result<()> {
        self.emit(element, false, sink);
        self.pixels = true;
        if let (Some(leaves), Some(len), None, false) = (
            self.output.leaves_mut(),
            len,
            self.header.as_ref().and_then(|h| h.blanker.as_ref()),
            // The caller's input is compressed: its bytes are not the output's.
            deflated,
        ) {
            // Whole leaves of the value whose bytes have not arrived yet.
            let value_at = leaves.len();
            let first = (value_at + arrived).div_ceil(LEAF_LEN);
            let end = (value_at + u64::from(len)) / LEAF_LEN;
            if first < end {
                leaves.owe(first..end);
                self.delegation = Some(Delegation {
                    leaves: end - first,
                    output_offset: first * LEAF_LEN,
                    input_offset: first * LEAF_LEN - value_at + value_at_input,
                });
            }
        }
        self.phase = match len {
            Some(0) => Phase::Trailing,
            Some(len) => Phase::Native {
                left: u64::from(len),
                offset: 0,
            },
            None => match self.header.as_ref().and_then(|h| h.blanker.as_ref()) {
                Some(Blanking::Frames(p)) => Phase::Frames(Box::new(Frames::new(p.clone()))),
                _ => Phase::Fragments(Fragments::new(
                    self.header.as_ref().and_then(|h| h.segments.clone()),
                )),
            },
        };
        Ok(())
    }

    /// The gathered original goes into the Encrypted Attributes; then the header is written
    /// and emitted, and the gathered value passes through the pixel phase as if it had just
    /// arrived.
    fn enclose(&mut self, e: Enclosing, sink: &mut dyn FnMut(&[u8])) -> Result<()> {
        let Some(header) = self.header.as_mut() else {
            return Err(Error::Write {
                message: "pixel data to enclose without a header".into(),
            });
        };
        // Walked before dicom-rs reads it, as every input is.
        let syntax = header.transfer_syntax.as_str();
        scan_elements(&e.element, syntax, &Limits::STRUCTURE_ONLY)?;
        let (mut obj, _) = read_dataset(&e.element, syntax)?;
        let original = obj.take(tags::PIXEL_DATA).ok_or_else(|| Error::Read {
            code: "read.invalid",
            offset: None,
            message: "the Pixel Data to enclose does not read".into(),
        })?;
        drop(obj);
        self.compiled
            .write_header(header, *e.draft, &e.head, Some((original, e.element.len())))?;
        let bytes = std::mem::take(&mut header.bytes);
        self.emit(&bytes, false, sink);
        drop(bytes);
        let (element, value) = e.element.split_at(e.value_at);
        // Blanked: no leaves are handed out, so the offsets do not matter.
        self.start_pixels(element, e.len, (0, 0), false, sink)?;
        value
            .chunks(REPLAY_PIECE)
            .try_for_each(|piece| self.feed(piece, sink, false))
    }
}

/// The hasher of the output: in one pass, or in leaves when the caller hashes some of them.
enum Output {
    Whole(Hasher),
    Leaves(Box<Leaves>),
}

impl Output {
    fn leaves_mut(&mut self) -> Option<&mut Leaves> {
        match self {
            Output::Leaves(l) => Some(l),
            Output::Whole(_) => None,
        }
    }
}

/// The output of one [`SanitizeStream::write_passing`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum Emitted {
    #[default]
    Nothing,
    /// This range of the chunk written, unchanged.
    Input(std::ops::Range<usize>),
    Bytes(Vec<u8>),
}

impl Emitted {
    fn push(&mut self, input: &[u8], bytes: &[u8]) {
        // Where `bytes` lies in `input`, if it does (the sink gets sub-slices of the chunk for
        // pixels passing through, and other buffers for everything else).
        let at = (bytes.as_ptr() as usize).wrapping_sub(input.as_ptr() as usize);
        let inside = at <= input.len() && bytes.len() <= input.len() - at;
        match self {
            Emitted::Nothing if inside => *self = Emitted::Input(at..at + bytes.len()),
            Emitted::Input(r) if inside && r.end == at => r.end += bytes.len(),
            Emitted::Bytes(b) => b.extend_from_slice(bytes),
            _ => {
                let mut b = match std::mem::take(self) {
                    Emitted::Input(r) => input[r].to_vec(),
                    _ => Vec::new(),
                };
                b.extend_from_slice(bytes);
                *self = Emitted::Bytes(b);
            }
        }
    }
}

/// Refuses an original Pixel Data value of `len` bytes that is over the limit for enclosing.
fn enclosable(len: u64, limits: &Limits, offset: u64) -> Result<()> {
    if len <= limits.max_enclosed_pixel_bytes {
        return Ok(());
    }
    Err(Error::limit(
        "limit.enclosed_pixels",
        offset as usize,
        format!(
            "the original Pixel Data to enclose exceeds {} bytes (maxEnclosedPixelBytes)",
            limits.max_enclosed_pixel_bytes
        ),
    ))
}
