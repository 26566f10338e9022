//! Images built in code, encoded and decoded by DCMTK (`dcmcjpeg`, `dcmdjpeg`) and GDCM
//! (`gdcmconv`), for the frame codec tests: independent encoders and decoders.

use super::native::Native;
use super::parse;
use dicom_core::value::{PixelFragmentSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;
use dicom_sanitizer::codecs::Image;

pub const JPEG_LOSSLESS_SV1: &str = "1.2.840.10008.1.2.4.70";

/// Runs a DCMTK or GDCM tool (`tool args in out`) from `input` bytes to output bytes.
pub fn tool(tool: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    super::rle::dcmtk(tool, args, input)
}

/// A test image: its layout, and every frame's samples (row by row, pixel-interleaved).
pub struct Built {
    pub native: Native,
    pub signed: bool,
    pub frames: Vec<Vec<u16>>,
}

impl Built {
    /// Samples that mix smooth gradients, noise and the extremes of the stored range, so
    /// every difference category occurs; never the same from frame to frame.
    pub fn new(native: Native) -> Built {
        let stored = u64::from(native.stored.unwrap_or(native.bits));
        let max = (1u64 << stored) - 1;
        let (rows, cols, spp) = (native.rows as u64, native.cols as u64, native.spp as u64);
        let mut seed = 0x1234_5678_9ABC_DEF1u64 ^ (rows << 32 | cols << 16 | stored);
        let mut frames = Vec::new();
        for f in 0..native.frames as u64 {
            let mut s = Vec::new();
            for y in 0..rows {
                for x in 0..cols {
                    for c in 0..spp {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        let v = match (x / 5 + y / 4 + f + c) % 4 {
                            0 => (x * 977 + y * 131 + f * 7 + c * 1000) % (max + 1),
                            1 => seed % (max + 1),
                            2 => [0, max][((x + y) % 2) as usize],
                            _ => max / 2 + (seed % 16),
                        };
                        s.push(v.min(max) as u16);
                    }
                }
            }
            frames.push(s);
        }
        Built {
            native,
            signed: false,
            frames,
        }
    }

    /// Pixel Representation 1: the samples are two's complement in Bits Stored.
    pub fn signed(self) -> Built {
        Built {
            signed: true,
            ..self
        }
    }

    /// The native (explicit VR little endian) file. Signed samples below Bits Allocated are
    /// sign-extended, as DICOM stores them.
    pub fn native_file(&self) -> Vec<u8> {
        let n = &self.native;
        let stored = n.stored.unwrap_or(n.bits);
        let all: Vec<u16> = self.frames.concat();
        let pixels = match n.bits {
            8 => {
                let mut bytes: Vec<u8> = all.iter().map(|&v| v as u8).collect();
                if bytes.len() % 2 == 1 {
                    bytes.push(0); // values have even lengths
                }
                DataElement::new(tags::PIXEL_DATA, VR::OB, PrimitiveValue::U8(bytes.into()))
            }
            _ => DataElement::new(
                tags::PIXEL_DATA,
                VR::OW,
                PrimitiveValue::U16(
                    all.iter()
                        .map(|&v| match self.signed && stored < 16 {
                            true => ((i32::from(v) << (32 - stored)) >> (32 - stored)) as u16,
                            false => v,
                        })
                        .collect(),
                ),
            ),
        };
        n.sample()
            .put(DataElement::new(
                tags::PIXEL_REPRESENTATION,
                VR::US,
                PrimitiveValue::from(u16::from(self.signed)),
            ))
            .put(pixels)
            .to_bytes()
    }

    /// Frame `f` as the decoders give it.
    pub fn image(&self, f: usize) -> Image {
        let n = &self.native;
        Image {
            width: u32::from(n.cols),
            height: u32::from(n.rows),
            components: n.spp as u8,
            precision: n.stored.unwrap_or(n.bits) as u8,
            samples: self.frames[f].clone(),
        }
    }
}

/// The fragments of an encapsulated file's Pixel Data (without the Basic Offset Table), and
/// its transfer syntax.
pub fn fragments(file: &[u8]) -> (String, Vec<Vec<u8>>) {
    let o = parse(file);
    let ts = o
        .meta()
        .transfer_syntax()
        .trim_end_matches('\0')
        .to_string();
    match o.element(tags::PIXEL_DATA).unwrap().value() {
        Value::PixelSequence(seq) => (ts, seq.fragments().to_vec()),
        _ => panic!("Pixel Data is not encapsulated"),
    }
}

/// The samples of a native file's Pixel Data, frame by frame, each masked to Bits Stored.
pub fn native_frames(file: &[u8], native: &Native) -> Vec<Vec<u16>> {
    let mask = ((1u32 << native.stored.unwrap_or(native.bits)) - 1) as u16;
    let mut frames = native_words(file, native);
    frames.iter_mut().flatten().for_each(|v| *v &= mask);
    frames
}

/// The samples of a native file's Pixel Data, frame by frame, as stored.
pub fn native_words(file: &[u8], native: &Native) -> Vec<Vec<u16>> {
    let samples = super::native_samples(file, native.bits);
    let per_frame = native.rows as usize * native.cols as usize * native.spp as usize;
    samples
        .chunks(per_frame)
        .take(native.frames as usize)
        .map(<[u16]>::to_vec)
        .collect()
}

/// A file of the layout `native` whose frames are these fragments, one per frame, with an
/// empty Basic Offset Table.
pub fn encapsulated_file(native: &Native, ts: &str, frames: Vec<Vec<u8>>) -> Vec<u8> {
    let frames: Vec<Vec<u8>> = frames
        .into_iter()
        .map(|mut f| {
            if f.len() % 2 == 1 {
                f.push(0);
            }
            f
        })
        .collect();
    native
        .sample()
        .with_transfer_syntax(ts)
        .put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OB,
            Value::PixelSequence(PixelFragmentSequence::new(vec![0u32; 0], frames)),
        ))
        .to_bytes()
}

/// A decoder refuses `frame` cut at each of `cuts` as malformed, refuses it as unsupported when
/// it holds one sample more than `max`, and never panics on a byte corrupted anywhere.
pub fn refuses_broken(
    decode: fn(&[u8], u64) -> Result<Image, dicom_sanitizer::codecs::CodecError>,
    frame: &[u8],
    cuts: &[usize],
    samples: u64,
) {
    use dicom_sanitizer::codecs::CodecError;
    // A corrupt header may claim any size: the bound keeps the decoders' allocations sane.
    const BOUND: u64 = 1 << 22;
    for &len in cuts {
        assert!(
            matches!(
                decode(&frame[..len], u64::MAX),
                Err(CodecError::Malformed(_))
            ),
            "truncated to {len}"
        );
    }
    assert!(matches!(
        decode(frame, samples - 1),
        Err(CodecError::Unsupported(_))
    ));
    for at in 0..frame.len() {
        let mut bad = frame.to_vec();
        bad[at] ^= 0x5A;
        let _ = decode(&bad, BOUND);
    }
}
