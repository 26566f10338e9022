//! RLE Lossless (DICOM PS3.5 Annex G): a frame is one fragment of up to 15 PackBits segments, a
//! byte plane each (sample by sample, most significant byte first). Blanking decodes the planes,
//! sets the regions to the fill in every plane, and encodes every segment again.

use crate::samples::{Clip, CodecError, Image};
use crate::{BlankFrame, Outcome};

/// The RLE header: the number of segments, then 15 offsets, all u32 little endian.
const HEADER: usize = 64;
const MAX_SEGMENTS: u64 = 15;

/// Blanks RLE frames of one layout.
#[derive(Debug, Clone)]
pub struct Blanker {
    rows: u64,
    cols: u64,
    /// What each segment's blanked bytes become, in segment order (sample by sample, most
    /// significant byte first).
    fills: Vec<u8>,
    /// The decoded planes of the current frame, kept between frames.
    planes: Vec<u8>,
}

impl Blanker {
    /// Frames of `rows` × `cols` pixels of `spp` samples of `bytes` bytes each; a blanked sample
    /// becomes `fills[s]` (e.g. black chroma for YBR, zero otherwise). Layouts RLE cannot hold
    /// (more than 15 segments, a frame longer than one fragment can be) are `Unsupported`.
    pub fn new(rows: u64, cols: u64, bytes: u64, fills: &[u64]) -> Result<Blanker, CodecError> {
        let spp = fills.len() as u64;
        if spp * bytes > MAX_SEGMENTS {
            return Err(CodecError::Unsupported(format!(
                "{spp} samples of {} bits need {} RLE segments; at most 15 exist",
                8 * bytes,
                spp * bytes
            )));
        }
        let fills = fills
            .iter()
            .flat_map(|&fill| (0..bytes).map(move |k| (fill >> (8 * (bytes - 1 - k))) as u8))
            .collect();
        let b = Blanker {
            rows,
            cols,
            fills,
            planes: Vec::new(),
        };
        if b.max_fragment() + 8 > u64::from(u32::MAX) {
            return Err(CodecError::Unsupported(format!(
                "an RLE frame of {rows}x{cols}x{spp} samples does not fit one fragment"
            )));
        }
        Ok(b)
    }

    fn segments(&self) -> usize {
        self.fills.len()
    }

    fn plane(&self) -> usize {
        (self.rows * self.cols) as usize
    }

    /// The longest fragment a frame can need: every byte a literal of its own (two bytes), a
    /// padding byte per segment, and the header. Longer is not RLE of this image.
    pub fn max_fragment(&self) -> u64 {
        HEADER as u64 + self.segments() as u64 * (2 * self.rows * self.cols + 2)
    }

    /// Decodes one frame's fragment, blanks the regions, and appends the new fragment to `out`.
    fn reencode(
        &mut self,
        fragment: &[u8],
        regions: &[Clip],
        out: &mut Vec<u8>,
    ) -> Result<(), String> {
        let header = fragment
            .get(..HEADER)
            .ok_or_else(|| format!("{} bytes, shorter than the RLE header", fragment.len()))?;
        let word = |i: usize| u32::from_le_bytes(header[4 * i..4 * i + 4].try_into().unwrap());
        let n = word(0) as usize;
        if n != self.segments() {
            return Err(format!(
                "{n} segments; the image attributes need {}",
                self.segments()
            ));
        }
        let plane = self.plane();
        let mut planes = std::mem::take(&mut self.planes);
        decode_planes(fragment, n, plane, &mut planes)?;
        for (s, &fill) in self.fills.iter().enumerate() {
            let p = &mut planes[s * plane..(s + 1) * plane];
            for r in regions {
                for y in r.y0..r.y1 {
                    let row = (y * self.cols) as usize;
                    p[row + r.x0 as usize..row + r.x1 as usize].fill(fill);
                }
            }
        }
        let base = out.len();
        out.extend_from_slice(&[0; HEADER]);
        out[base..base + 4].copy_from_slice(&(n as u32).to_le_bytes());
        for (s, p) in planes.chunks_exact(plane).enumerate() {
            let offset = (out.len() - base) as u32;
            out[base + 4 + 4 * s..base + 8 + 4 * s].copy_from_slice(&offset.to_le_bytes());
            // Row by row, as DCMTK does: no run crosses a row end.
            for row in p.chunks_exact(self.cols as usize) {
                encode(row, out);
            }
            if (out.len() - base) % 2 == 1 {
                out.push(0x80); // -128, PackBits' no-op: segments are even (G.5)
            }
        }
        self.planes = planes;
        Ok(())
    }
}

impl BlankFrame for Blanker {
    fn blank(
        &mut self,
        frame: &[u8],
        regions: &[Clip],
        out: &mut Vec<u8>,
    ) -> Result<Outcome, CodecError> {
        self.reencode(frame, regions, out)
            .map_err(CodecError::Malformed)?;
        Ok(Outcome::default())
    }
}

/// Decodes the `n` segments of a frame's fragment (whose header has been checked to hold `n`)
/// into byte planes of `plane` bytes each, one after the other, onto the emptied `planes`.
fn decode_planes(
    fragment: &[u8],
    n: usize,
    plane: usize,
    planes: &mut Vec<u8>,
) -> Result<(), String> {
    let word = |i: usize| u32::from_le_bytes(fragment[4 * i..4 * i + 4].try_into().unwrap());
    planes.clear();
    for s in 0..n {
        let start = word(1 + s) as usize;
        let end = match s + 1 < n {
            true => word(2 + s) as usize,
            false => fragment.len(),
        };
        if start < HEADER || start > end || end > fragment.len() {
            return Err(format!(
                "segment {s} runs from {start} to {end} in a fragment of {}",
                fragment.len()
            ));
        }
        decode(&fragment[start..end], plane, planes).map_err(|why| format!("segment {s} {why}"))?;
    }
    Ok(())
}

/// Decodes one frame's fragment to samples, pixel-interleaved (for previews): segment
/// `c × bytes + k` holds byte `k` (most significant first) of sample `c` of every pixel.
pub fn decode_frame(
    fragment: &[u8],
    rows: u32,
    cols: u32,
    spp: u32,
    bits: u32,
) -> Result<Image, String> {
    if !matches!(bits, 8 | 16) {
        return Err(format!(
            "RLE frames of {bits} bits allocated are not rendered"
        ));
    }
    let header = fragment
        .get(..HEADER)
        .ok_or_else(|| format!("{} bytes, shorter than the RLE header", fragment.len()))?;
    let bytes = (bits / 8) as usize;
    let n = u32::from_le_bytes(header[..4].try_into().unwrap()) as usize;
    if n != spp as usize * bytes {
        return Err(format!(
            "{n} segments; the image attributes need {}",
            spp as usize * bytes
        ));
    }
    let plane = rows as usize * cols as usize;
    let mut planes = Vec::with_capacity(plane * n);
    decode_planes(fragment, n, plane, &mut planes)?;
    let mut samples = Vec::with_capacity(plane * spp as usize);
    for p in 0..plane {
        for c in 0..spp as usize {
            let byte = |k: usize| u16::from(planes[(c * bytes + k) * plane + p]);
            samples.push(match bytes {
                1 => byte(0),
                _ => byte(0) << 8 | byte(1),
            });
        }
    }
    Ok(Image {
        width: cols,
        height: rows,
        components: spp as u8,
        precision: bits as u8,
        samples,
    })
}

/// PackBits-decodes `segment`, which must give exactly `want` bytes, onto `out`. A lone header
/// byte at the very end is padding to an even length (as some encoders write 0x00).
pub fn decode(segment: &[u8], want: usize, out: &mut Vec<u8>) -> Result<(), String> {
    let end = out.len() + want;
    let mut i = 0;
    while i < segment.len() {
        let n = segment[i] as i8;
        i += 1;
        if n == -128 || i == segment.len() {
            continue;
        }
        let k = match n {
            0.. => n as usize + 1,
            _ => (1 - n as isize) as usize,
        };
        if out.len() + k > end {
            return Err(format!("decodes to more than {want} bytes"));
        }
        if n >= 0 {
            let literal = segment
                .get(i..i + k)
                .ok_or_else(|| format!("has a literal run past its end at byte {i}"))?;
            out.extend_from_slice(literal);
            i += k;
        } else {
            out.resize(out.len() + k, segment[i]);
            i += 1;
        }
    }
    match out.len() == end {
        true => Ok(()),
        false => Err(format!("decodes to fewer than {want} bytes")),
    }
}

/// PackBits-encodes `src` onto `out`: runs of two or more repeat, the rest goes in literals of at
/// most 128 bytes, which a run of three or more ends (a pair inside a literal costs nothing).
pub fn encode(src: &[u8], out: &mut Vec<u8>) {
    let run = |i: usize| {
        let b = src[i];
        src[i..].iter().take(128).take_while(|&&c| c == b).count()
    };
    let mut i = 0;
    while i < src.len() {
        let r = run(i);
        if r >= 2 {
            out.push((1 - r as isize) as u8);
            out.push(src[i]);
            i += r;
            continue;
        }
        let start = i;
        i += 1;
        while i < src.len() && i - start < 128 && run(i) < 3 {
            i += 1;
        }
        out.push((i - start - 1) as u8);
        out.extend_from_slice(&src[start..i]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(src: &[u8]) -> Vec<u8> {
        let mut coded = Vec::new();
        encode(src, &mut coded);
        let mut back = Vec::new();
        decode(&coded, src.len(), &mut back).unwrap();
        assert_eq!(back, src);
        coded
    }

    #[test]
    fn packbits_round_trips_runs_and_literals_at_every_boundary() {
        assert!(round_trip(&[]).is_empty());
        assert_eq!(round_trip(&[7]), [0, 7]);
        assert_eq!(round_trip(&[7, 7]), [0xFF, 7]);
        for n in [1, 2, 3, 127, 128, 129, 130, 255, 256, 257, 1000] {
            let run = vec![9u8; n];
            let coded = round_trip(&run);
            // Runs of at most 128 each, two bytes a run (a final lone byte is a literal).
            assert!(coded.len() <= 2 * n.div_ceil(128), "{n}: {coded:?}");
            let literal: Vec<u8> = (0..n).map(|i| i as u8).collect();
            let coded = round_trip(&literal);
            assert_eq!(coded.len(), n + n.div_ceil(128), "{n}");
        }
        // Mixed: literals broken by runs of three, pairs kept inside literals.
        let mixed = [1, 2, 2, 3, 4, 4, 4, 4, 5, 6, 7, 7, 7, 0, 0];
        assert_eq!(
            round_trip(&mixed),
            [3, 1, 2, 2, 3, 0xFD, 4, 1, 5, 6, 0xFE, 7, 0xFF, 0]
        );
        let mut state = 1u64;
        for len in 0..600 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                    ((state >> 60) % 3) as u8 // few values: many short runs
                })
                .collect();
            round_trip(&bytes);
        }
    }

    #[test]
    fn packbits_decoding_checks_the_length() {
        let mut out = Vec::new();
        assert_eq!(decode(&[0xFE, 5], 3, &mut out), Ok(()));
        assert_eq!(out, [5, 5, 5]);
        // A lone final header byte is padding; -128 is a no-op.
        assert_eq!(decode(&[0x80, 1, 8, 9, 0], 2, &mut Vec::new()), Ok(()));
        assert!(decode(&[0xFE, 5], 2, &mut Vec::new()).is_err(), "long");
        assert!(decode(&[0xFE, 5], 4, &mut Vec::new()).is_err(), "short");
        assert!(
            decode(&[3, 1, 2], 4, &mut Vec::new()).is_err(),
            "cut literal"
        );
        assert!(decode(&[], 1, &mut Vec::new()).is_err(), "empty");
    }
}
