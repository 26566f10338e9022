//! Blanking by decoding: the codecs with no coded-domain blanking (JPEG Lossless, JPEG-LS,
//! JPEG 2000) decode a frame, the regions are set in its samples, and it is encoded again
//! without loss: in its own syntax, or in JPEG-LS for JPEG 2000, which has no encoder here.

use crate::samples::{Clip, CodecError, Image};
use crate::{j2k, jpegls, lossless, BlankFrame, Outcome};

type Decode = fn(&[u8], u64) -> Result<Image, CodecError>;
type Encode = fn(&Image, &mut Vec<u8>);

/// What every decoded frame must be: the caller's image attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub rows: u64,
    pub cols: u64,
    /// Samples per pixel.
    pub components: u64,
    /// Bits each sample is stored in (8 or 16): decoded samples must fit them.
    pub bits: u64,
}

/// Decodes, blanks and encodes frames of one shape.
#[derive(Debug, Clone)]
pub struct Transcoder {
    decode: Decode,
    encode: Encode,
    shape: Shape,
    /// What each component of a blanked pixel becomes.
    fills: Vec<u16>,
    /// The least precision frames are encoded at.
    min_precision: u8,
}

impl Transcoder {
    /// JPEG Lossless frames, encoded again with first-order prediction.
    pub fn jpeg_lossless(shape: Shape, fills: Vec<u16>) -> Transcoder {
        Transcoder::new(lossless::decode, lossless::encode, shape, fills, 0)
    }

    /// JPEG-LS frames (lossless or near-lossless), encoded again losslessly.
    pub fn jpegls(shape: Shape, fills: Vec<u16>) -> Transcoder {
        Transcoder::new(jpegls::decode, jpegls::encode, shape, fills, 0)
    }

    /// JPEG 2000 frames, encoded in JPEG-LS Lossless, which carries every image `j2k::decode`
    /// returns exactly (1 to 4 components, samples of up to 16 bits as unsigned or two's
    /// complement codes). DCMTK and GDCM decode JPEG-LS only at a precision the stored bits
    /// imply (6 to 8 in 8 bits, 9 to 16 in 16), while JPEG 2000 codes 1 to 16 bits in either: a
    /// higher precision holds the samples alike.
    pub fn j2k_to_jpegls(shape: Shape, fills: Vec<u16>) -> Transcoder {
        let floor = if shape.bits > 8 { 9 } else { 8 };
        Transcoder::new(j2k::decode, jpegls::encode, shape, fills, floor)
    }

    fn new(
        decode: Decode,
        encode: Encode,
        shape: Shape,
        fills: Vec<u16>,
        min_precision: u8,
    ) -> Transcoder {
        Transcoder {
            decode,
            encode,
            shape,
            fills,
            min_precision,
        }
    }

    /// A decoded frame must be the image the attributes describe.
    fn check(&self, image: &Image) -> Result<(), String> {
        let s = &self.shape;
        let found = (
            u64::from(image.width),
            u64::from(image.height),
            u64::from(image.components),
        );
        if found != (s.cols, s.rows, s.components) {
            return Err(format!(
                "a {}x{} image of {} components; the attributes describe {}x{} of {}",
                found.0, found.1, found.2, s.cols, s.rows, s.components
            ));
        }
        if u64::from(image.precision) > s.bits {
            return Err(format!(
                "{}-bit samples in {} bits allocated",
                image.precision, s.bits
            ));
        }
        Ok(())
    }
}

impl BlankFrame for Transcoder {
    fn blank(
        &mut self,
        frame: &[u8],
        regions: &[Clip],
        out: &mut Vec<u8>,
    ) -> Result<Outcome, CodecError> {
        let s = &self.shape;
        let mut image = (self.decode)(frame, s.rows * s.cols * s.components)?;
        self.check(&image).map_err(CodecError::Malformed)?;
        image.blank(regions, &self.fills);
        image.precision = image.precision.max(self.min_precision);
        (self.encode)(&image, out);
        Ok(Outcome::default())
    }
}
