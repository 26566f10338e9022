//! Blanking of caller-given rectangles in native (uncompressed) pixel data, as it streams past.

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

#[cfg(test)]
use super::geometry::clip;
use super::geometry::{unsupported, Geometry};
use super::pixel_data::PixelData;
use crate::attribute::number;
use crate::error::Result;
#[cfg(test)]
use crate::regions::Region;
use pixel_codecs::Clip;

/// Blanks the regions in every frame as native pixel bytes stream past. Positions are in bits,
/// since 1-bit frames are packed back to back without byte alignment (PS3.5 8.1.1, 8.2). A
/// frame is `planes` planes (samples per pixel when planar, else one) of rows × columns pixels
/// of `px_bits` each; a blanked pixel's samples become its plane's fill.
#[derive(Debug, Clone)]
pub(crate) struct Blanker {
    pub(super) rows: u64,
    pub(super) cols: u64,
    frames: u64,
    frame_bits: u64,
    planes: u64,
    plane_bits: u64,
    /// Bits of one pixel in a plane: every sample when interleaved; in YBR 4:2:2, where two
    /// pixels are stored as Y1 Y2 Cb Cr, two samples.
    px_bits: u64,
    /// Pixels that share samples: 2 in YBR 4:2:2 (a region takes whole pairs), else 1.
    group: u64,
    /// What each plane's blanked bytes become, repeating from a pixel boundary; empty (or no
    /// entry for that plane): zero.
    fills: Vec<Vec<u8>>,
    /// 8-bit samples in big endian OW: logical byte `i` is stored at `i ^ 1`.
    swap: bool,
    pub(super) regions: Vec<Clip>,
}

impl Blanker {
    /// The layout of the native pixel data, checked against the value's length.
    pub(super) fn new(obj: &InMemDicomObject, pixel: PixelData, bits: u64) -> Result<Blanker> {
        let Geometry {
            rows,
            cols,
            spp,
            frames,
            photometric,
            chroma_mid,
        } = Geometry::of(obj, bits)?;
        let planar = spp > 1 && number(obj, tags::PLANAR_CONFIGURATION).unwrap_or(0) == 1;
        // YBR_FULL_422 and YBR_PARTIAL_422 store two pixels as Y1 Y2 Cb Cr (PS3.3 C.7.6.3.1.2).
        let pairs = photometric.ends_with("_422");
        if photometric == "YBR_PARTIAL_420" || pairs && (spp != 3 || planar) {
            return Err(unsupported(format!(
                "{photometric} with {spp} samples per pixel{} is not a native layout",
                if planar { ", planar" } else { "" }
            )));
        }
        if bits == 1 && pixel.big_endian && pixel.ow {
            return Err(unsupported(
                "1-bit pixel data in OW, big endian: which bit is which pixel is ambiguous".into(),
            ));
        }
        let bps = (bits / 8) as usize;
        // A blanked YBR pixel is black (`Geometry::chroma_mid`), in the file's byte order.
        let chroma = chroma_mid
            .filter(|_| bps > 0)
            .map(|mid| match pixel.big_endian {
                true => mid.to_be_bytes()[8 - bps..].to_vec(),
                false => mid.to_le_bytes()[..bps].to_vec(),
            });
        let y = vec![0u8; bps];
        let (planes, px_bits, group, fills) = match (chroma, planar) {
            (Some(c), _) if pairs => (1, 2 * bits, 2, vec![[y.as_slice(), &y, &c, &c].concat()]),
            (Some(c), true) => {
                let mut fills = vec![c; spp as usize];
                fills[0].clear(); // the Y plane
                (spp, bits, 1, fills)
            }
            (Some(c), false) => {
                let pattern = std::iter::once(&y).chain(std::iter::repeat_n(&c, spp as usize - 1));
                (1, spp * bits, 1, vec![pattern.flatten().copied().collect()])
            }
            (None, _) if pairs => (1, 2 * bits, 2, Vec::new()),
            (None, true) => (spp, bits, 1, Vec::new()),
            (None, false) => (1, spp * bits, 1, Vec::new()),
        };
        let overflow = || unsupported("the image dimensions overflow".into());
        let plane_bits = rows
            .checked_mul(cols)
            .and_then(|n| n.checked_mul(px_bits))
            .ok_or_else(overflow)?;
        let frame_bits = plane_bits.checked_mul(planes).ok_or_else(overflow)?;
        let need_bytes = frame_bits
            .checked_mul(frames)
            .ok_or_else(overflow)?
            .div_ceil(8);
        // Native values are padded to an even length: one byte more than described is normal.
        let have = pixel.len.unwrap_or(0);
        if have < need_bytes {
            return Err(unsupported(format!(
                "Pixel Data holds {have} bytes; the attributes describe {need_bytes}"
            )));
        }
        Ok(Blanker {
            rows,
            cols,
            frames,
            frame_bits,
            planes,
            plane_bits,
            px_bits,
            group,
            fills,
            swap: bits == 8 && pixel.big_endian && pixel.ow,
            regions: Vec::new(),
        })
    }

    #[cfg(test)]
    fn clip(&self, r: Region) -> Clip {
        clip(r, self.rows, self.cols)
    }

    /// Blanks what lies inside the regions in `bytes`, which start at `offset` in the value.
    /// Visits only the frames, planes and rows that meet the chunk, so any chunking gives the
    /// same bytes and the work is one slice fill per region row.
    pub fn apply(&self, offset: u64, bytes: &mut [u8]) {
        if bytes.is_empty() || self.frame_bits == 0 {
            return;
        }
        let end = offset + bytes.len() as u64;
        // The logical bytes whose stored bytes may lie in the chunk, in bits.
        let (lo, hi) = match self.swap {
            true => (offset & !1, (end + 1) & !1),
            false => (offset, end),
        };
        let (lo, hi) = (lo * 8, hi * 8);
        let row_bits = self.cols * self.px_bits;
        for f in span(lo, hi, 0, self.frame_bits, self.frames) {
            let frame = f * self.frame_bits;
            for p in span(lo, hi, frame, self.plane_bits, self.planes) {
                let plane = frame + p * self.plane_bits;
                let fill = self.fills.get(p as usize).map_or(&[][..], Vec::as_slice);
                // One row more on each side: a 4:2:2 pair may straddle a row end.
                let rows = span(lo, hi, plane, row_bits, self.rows);
                let (ya, yb) = (rows.start.saturating_sub(1), rows.end + 1);
                for r in &self.regions {
                    for y in r.y0.max(ya)..r.y1.min(yb) {
                        let at = y * self.cols;
                        let from = (at + r.x0) / self.group * self.group;
                        let to = ((at + r.x1).div_ceil(self.group) * self.group)
                            .min(self.rows * self.cols);
                        let (a, b) = (plane + from * self.px_bits, plane + to * self.px_bits);
                        self.write(bytes, offset, a, b, fill);
                    }
                }
            }
        }
    }

    /// Sets the logical bits `a..b` of the value to `fill` (repeating from `a`; empty: zero)
    /// where they lie in `bytes`, which start at `offset`.
    fn write(&self, bytes: &mut [u8], offset: u64, a: u64, b: u64, fill: &[u8]) {
        let end = offset + bytes.len() as u64;
        let value = |l: u64| match fill.len() {
            0 => 0,
            n => fill[((l - a / 8) % n as u64) as usize],
        };
        if !self.swap && a.is_multiple_of(8) && b.is_multiple_of(8) {
            // Whole bytes in order: the common case.
            let (s, e) = ((a / 8).max(offset), (b / 8).min(end));
            if s < e {
                let out = &mut bytes[(s - offset) as usize..(e - offset) as usize];
                match fill.len() {
                    0 => out.fill(0),
                    _ => out.iter_mut().zip(s..).for_each(|(o, l)| *o = value(l)),
                }
            }
            return;
        }
        // Byte by byte: 1-bit runs start and end inside bytes; swapped pairs move each byte.
        let swap = u64::from(self.swap);
        let from = (a / 8).max(offset.saturating_sub(swap));
        let to = b.div_ceil(8).min(end + swap);
        for l in from..to {
            let stored = l ^ swap;
            if !(offset..end).contains(&stored) {
                continue;
            }
            let (bit0, bit1) = (a.max(l * 8) - l * 8, b.min(l * 8 + 8) - l * 8);
            let mask = ((1u16 << bit1) - (1u16 << bit0)) as u8;
            let byte = &mut bytes[(stored - offset) as usize];
            *byte = (*byte & !mask) | (value(l) & mask);
        }
    }
}

/// The units `0..count`, each `size` bits from `base` on, that meet the bits `lo..hi`.
fn span(lo: u64, hi: u64, base: u64, size: u64, count: u64) -> std::ops::Range<u64> {
    let start = lo.saturating_sub(base) / size;
    let end = hi.saturating_sub(base).div_ceil(size).min(count);
    start..end.max(start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::value::PrimitiveValue;
    use dicom_core::{DataElement, VR};

    const LE: PixelData = PixelData {
        encapsulated: false,
        len: Some(u32::MAX as u64),
        big_endian: false,
        ow: false,
        compression: None,
    };
    const BE_OW: PixelData = PixelData {
        big_endian: true,
        ow: true,
        ..LE
    };

    /// A blanker for `rows` × `cols` × `frames` of `bits` bits, `spp` samples.
    fn blanker(
        photometric: &str,
        [rows, cols, frames, bits, spp, planar]: [u16; 6],
        pixel: PixelData,
        regions: &[Region],
    ) -> Blanker {
        let mut obj = InMemDicomObject::new_empty();
        let us = |tag, v: u16| DataElement::new(tag, VR::US, PrimitiveValue::from(v));
        for (tag, v) in [
            (tags::ROWS, rows),
            (tags::COLUMNS, cols),
            (tags::BITS_ALLOCATED, bits),
            (tags::HIGH_BIT, bits.max(1) - 1),
            (tags::SAMPLES_PER_PIXEL, spp),
            (tags::PLANAR_CONFIGURATION, planar),
        ] {
            obj.put(us(tag, v));
        }
        obj.put(DataElement::new(
            tags::NUMBER_OF_FRAMES,
            VR::IS,
            PrimitiveValue::from(frames.to_string()),
        ));
        obj.put(DataElement::new(
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            PrimitiveValue::from(photometric),
        ));
        let mut b = Blanker::new(&obj, pixel, u64::from(bits)).unwrap();
        b.regions = regions.iter().map(|&r| b.clip(r)).collect();
        b
    }

    fn region(x: u32, y: u32, width: u32, height: u32) -> Region {
        Region {
            x,
            y,
            width,
            height,
        }
    }

    fn blanked(b: &Blanker, len: usize) -> Vec<u8> {
        let mut bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 250 + 3) as u8).collect();
        b.apply(0, &mut bytes);
        bytes
    }

    #[test]
    fn ybr_422_blanks_whole_pairs_to_black() {
        // 2 rows of 4 pixels: Y1 Y2 Cb Cr per pair; x = 1 takes the pair of pixels 0 and 1.
        let b = blanker(
            "YBR_FULL_422",
            [2, 4, 1, 8, 3, 0],
            LE,
            &[region(1, 1, 1, 1)],
        );
        let out = blanked(&b, 16);
        let was = blanked(&blanker("YBR_FULL_422", [2, 4, 1, 8, 3, 0], LE, &[]), 16);
        assert_eq!(out[8..12], [0, 0, 128, 128]);
        assert_eq!(out[..8], was[..8]);
        assert_eq!(out[12..], was[12..]);
    }

    #[test]
    fn sixteen_bit_chroma_middle_follows_the_byte_order() {
        let be = PixelData {
            big_endian: true,
            ..LE
        };
        let one = [region(0, 0, 1, 1)];
        let out = blanked(&blanker("YBR_FULL", [1, 2, 1, 16, 3, 0], LE, &one), 12);
        assert_eq!(out[..6], [0, 0, 0, 0x80, 0, 0x80]);
        let out = blanked(&blanker("YBR_FULL", [1, 2, 1, 16, 3, 0], be, &one), 12);
        assert_eq!(out[..6], [0, 0, 0x80, 0, 0x80, 0]);
    }

    #[test]
    fn one_bit_frames_are_packed_back_to_back() {
        // 3 × 3 pixels: 9 bits a frame, so frames 1 and 2 start inside a byte.
        let b = blanker("MONOCHROME2", [3, 3, 3, 1, 1, 0], LE, &[region(1, 1, 1, 1)]);
        let mut bytes = vec![0xFF; 4];
        b.apply(0, &mut bytes);
        let cleared: Vec<usize> = (0..32)
            .filter(|i| bytes[i / 8] >> (i % 8) & 1 == 0)
            .collect();
        assert_eq!(cleared, [4, 13, 22]);
    }

    #[test]
    fn any_chunking_gives_the_same_bytes() {
        let edges = [region(0, 0, 1, 2), region(4, 1, 9, 1), region(2, 2, 1, 1)];
        let cases = [
            // Odd columns: 4:2:2 pairs straddle row ends.
            blanker("YBR_FULL_422", [3, 5, 3, 8, 3, 0], LE, &edges),
            blanker("MONOCHROME2", [3, 5, 4, 1, 1, 0], LE, &edges),
            blanker("YBR_FULL", [3, 5, 2, 16, 3, 1], BE_OW, &edges),
            blanker("YBR_FULL", [3, 5, 3, 8, 3, 0], BE_OW, &edges),
            blanker("RGB", [3, 5, 2, 32, 3, 0], LE, &edges),
        ];
        let mut state = 0x5eedu64;
        for b in &cases {
            let len = (b.frame_bits * b.frames).div_ceil(16) as usize * 2;
            let one = blanked(b, len);
            assert_ne!(
                one,
                blanked(
                    &Blanker {
                        regions: vec![],
                        ..b.clone()
                    },
                    len
                )
            );
            for round in 0..200 {
                let mut out: Vec<u8> = (0..len).map(|i| (i * 7 % 250 + 3) as u8).collect();
                let mut at = 0;
                while at < len {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                    let n = (1 + (state >> 33) as usize % (1 + round % 13)).min(len - at);
                    b.apply(at as u64, &mut out[at..at + n]);
                    at += n;
                }
                assert_eq!(out, one, "{b:?} round {round}");
            }
        }
    }
}
