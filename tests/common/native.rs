//! Native pixel data of any layout, built in code for the blanking tests.

use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;
use dicom_sanitizer::Region;
use fixtures::{text, Sample};

/// Any native layout, for the layout tests: every sample a non-zero value that depends on its
/// position, in the transfer syntax's byte order.
#[derive(Clone)]
pub struct Native {
    pub rows: u16,
    pub cols: u16,
    pub frames: u16,
    pub spp: u16,
    pub planar: bool,
    pub bits: u16,
    /// Bits Stored is this, High Bit one less (defaults to Bits Allocated).
    pub stored: Option<u16>,
    pub photometric: &'static str,
    pub big_endian: bool,
    /// 8-bit samples in OW, big endian: stored with their bytes swapped in pairs.
    pub ow: bool,
}

impl Native {
    pub fn new(photometric: &'static str, bits: u16, rows: u16, cols: u16, frames: u16) -> Native {
        let spp = if photometric.starts_with("MONO") {
            1
        } else {
            3
        };
        Native {
            rows,
            cols,
            frames,
            spp,
            planar: false,
            bits,
            stored: None,
            photometric,
            big_endian: false,
            ow: false,
        }
    }

    pub fn planar(self) -> Native {
        Native {
            planar: true,
            ..self
        }
    }

    pub fn big_endian(self) -> Native {
        Native {
            big_endian: true,
            ..self
        }
    }

    pub fn ow(self) -> Native {
        Native {
            ow: true,
            big_endian: true,
            ..self
        }
    }

    /// The Part 10 file.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self.ow {
            true => as_big_endian_ow(self.sample().to_bytes()),
            false => self.sample().to_bytes(),
        }
    }

    /// Samples in the value: YBR 4:2:2 stores two per pixel.
    pub fn count(&self) -> usize {
        let per_pixel = if self.photometric.ends_with("_422") {
            2
        } else {
            self.spp as usize
        };
        self.rows as usize * self.cols as usize * self.frames as usize * per_pixel
    }

    pub fn sample(&self) -> Sample {
        let us = |tag, v: u16| DataElement::new(tag, VR::US, PrimitiveValue::from(v));
        let stored = self.stored.unwrap_or(self.bits);
        let n = self.count();
        let max = if stored >= 64 {
            u64::MAX
        } else {
            (1u64 << stored) - 1
        };
        // Never zero; 1-bit: mostly ones, so both a cleared and a kept bit show.
        let value = |i: usize| match self.bits {
            1 => u64::from(i % 7 != 3),
            _ => (i as u64 * 37 + 5) % max + 1,
        };
        let pixels = match self.bits {
            1 => {
                let mut packed = vec![0u8; n.div_ceil(8)];
                for i in (0..n).filter(|&i| value(i) == 1) {
                    packed[i / 8] |= 1 << (i % 8);
                }
                DataElement::new(tags::PIXEL_DATA, VR::OB, PrimitiveValue::U8(packed.into()))
            }
            8 => DataElement::new(
                tags::PIXEL_DATA,
                VR::OB,
                PrimitiveValue::U8((0..n).map(|i| value(i) as u8).collect()),
            ),
            16 => DataElement::new(
                tags::PIXEL_DATA,
                VR::OW,
                PrimitiveValue::U16((0..n).map(|i| value(i) as u16).collect()),
            ),
            32 => DataElement::new(
                tags::PIXEL_DATA,
                VR::OW,
                PrimitiveValue::U32((0..n).map(|i| value(i) as u32).collect()),
            ),
            _ => DataElement::new(
                tags::PIXEL_DATA,
                VR::OW,
                PrimitiveValue::U64((0..n).map(value).collect()),
            ),
        };
        let mut s = Sample::minimal("1.2.826.0.1.3680043.8.498.78")
            .put(text(tags::MODALITY, VR::CS, "OT"))
            .put(text(tags::BURNED_IN_ANNOTATION, VR::CS, "YES"))
            .put(text(
                tags::PHOTOMETRIC_INTERPRETATION,
                VR::CS,
                self.photometric,
            ))
            .put(us(tags::ROWS, self.rows))
            .put(us(tags::COLUMNS, self.cols))
            .put(us(tags::SAMPLES_PER_PIXEL, self.spp))
            .put(us(tags::BITS_ALLOCATED, self.bits))
            .put(us(tags::BITS_STORED, stored))
            .put(us(tags::HIGH_BIT, stored - 1))
            .put(us(tags::PIXEL_REPRESENTATION, 0))
            .put(text(
                tags::NUMBER_OF_FRAMES,
                VR::IS,
                &self.frames.to_string(),
            ))
            .put(pixels);
        if self.spp > 1 {
            s = s.put(us(tags::PLANAR_CONFIGURATION, self.planar as u16));
        }
        if self.big_endian {
            s = s.with_transfer_syntax(fixtures::EXPLICIT_VR_BE);
        }
        s
    }

    /// The samples of a blanked pixel: black.
    pub fn black(&self) -> Vec<u64> {
        let mut black = vec![0u64; self.spp as usize];
        if self.photometric.starts_with("YBR_") {
            let mid = 1u64 << (self.stored.unwrap_or(self.bits) - 1);
            black[1..].fill(mid);
        }
        black
    }

    /// Whether pixel `p` of a frame is blanked by `regions`: inside one, or in YBR 4:2:2
    /// sharing its chroma pair with a pixel inside one.
    pub fn blanked(&self, p: usize, regions: &[Region]) -> bool {
        let cols = self.cols as usize;
        let inside = |p: usize| {
            let (x, y) = ((p % cols) as u32, (p / cols) as u32);
            regions
                .iter()
                .any(|r| (r.x..r.x + r.width).contains(&x) && (r.y..r.y + r.height).contains(&y))
        };
        if self.photometric.ends_with("_422") {
            let pair = p / 2 * 2;
            inside(pair) || pair + 1 < self.rows as usize * cols && inside(pair + 1)
        } else {
            inside(p)
        }
    }
}

/// An explicit VR big endian file whose 8-bit Pixel Data is OB, rewritten as OW: the VR
/// changes and the value's bytes swap in pairs, as 16-bit words store them.
pub fn as_big_endian_ow(mut bytes: Vec<u8>) -> Vec<u8> {
    let at = (0..bytes.len() - 12)
        .rev()
        .find(|&i| bytes[i..i + 6] == [0x7F, 0xE0, 0x00, 0x10, b'O', b'B'])
        .expect("big endian OB Pixel Data");
    bytes[at + 5] = b'W';
    let len = u32::from_be_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
    for pair in bytes[at + 12..at + 12 + len].chunks_exact_mut(2) {
        pair.swap(0, 1);
    }
    bytes
}
