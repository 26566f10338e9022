//! Blanking by decoding: the codecs with no coded-domain blanking (JPEG Lossless, JPEG-LS,
//! JPEG 2000) decode a frame, the regions are set in its samples, and it is encoded again
//! without loss: in its own syntax, or in JPEG-LS for JPEG 2000, which has no encoder here.
//! JPEG 2000 frames stream through stripe by stripe (decoded, blanked, encoded), so a frame of
//! any size takes its coded bytes and a few MiB; the others are decoded whole.

use crate::jpeg2000::Decoder;
use crate::samples::{blank_rows, Clip, CodecError, Image};
use crate::{jpegls, lossless, BlankFrame, Outcome};

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
    /// Whole frames through these; `None`: JPEG 2000, by stripes into JPEG-LS.
    whole: Option<(Decode, Encode)>,
    shape: Shape,
    /// What each component of a blanked pixel becomes.
    fills: Vec<u16>,
    /// The least precision frames are encoded at.
    min_precision: u8,
}

impl Transcoder {
    /// JPEG Lossless frames, encoded again with first-order prediction.
    pub fn jpeg_lossless(shape: Shape, fills: Vec<u16>) -> Transcoder {
        Transcoder::new(Some((lossless::decode, lossless::encode)), shape, fills, 0)
    }

    /// JPEG-LS frames (lossless or near-lossless), encoded again losslessly.
    pub fn jpegls(shape: Shape, fills: Vec<u16>) -> Transcoder {
        Transcoder::new(Some((jpegls::decode, jpegls::encode)), shape, fills, 0)
    }

    /// JPEG 2000 frames, encoded in JPEG-LS Lossless, which carries every image `jpeg2000`
    /// decodes exactly (1 to 4 components, samples of up to 16 bits as unsigned or two's
    /// complement codes). DCMTK and GDCM decode JPEG-LS only at a precision the stored bits
    /// imply (6 to 8 in 8 bits, 9 to 16 in 16), while JPEG 2000 codes 1 to 16 bits in either: a
    /// higher precision holds the samples alike.
    pub fn j2k_to_jpegls(shape: Shape, fills: Vec<u16>) -> Transcoder {
        let floor = if shape.bits > 8 { 9 } else { 8 };
        Transcoder::new(None, shape, fills, floor)
    }

    fn new(
        whole: Option<(Decode, Encode)>,
        shape: Shape,
        fills: Vec<u16>,
        min_precision: u8,
    ) -> Transcoder {
        Transcoder {
            whole,
            shape,
            fills,
            min_precision,
        }
    }

    /// A decoded frame (`width × height × components` samples of `precision` bits) must be the
    /// image the attributes describe.
    fn check(&self, width: u32, height: u32, components: u8, precision: u8) -> Result<(), String> {
        let s = &self.shape;
        let found = (u64::from(width), u64::from(height), u64::from(components));
        if found != (s.cols, s.rows, s.components) {
            return Err(format!(
                "a {}x{} image of {} components; the attributes describe {}x{} of {}",
                found.0, found.1, found.2, s.cols, s.rows, s.components
            ));
        }
        if u64::from(precision) > s.bits {
            return Err(format!(
                "{precision}-bit samples in {} bits allocated",
                s.bits
            ));
        }
        Ok(())
    }

    /// A JPEG 2000 frame decoded, blanked and encoded in JPEG-LS stripe by stripe.
    fn stripes(&self, frame: &[u8], regions: &[Clip], out: &mut Vec<u8>) -> Result<(), CodecError> {
        let s = &self.shape;
        let mut decoder = Decoder::new(frame, s.rows * s.cols * s.components)?;
        let info = decoder.info();
        self.check(info.width, info.height, info.components, info.precision)
            .map_err(CodecError::Malformed)?;
        let (cols, n) = (info.width as usize, usize::from(info.components));
        let precision = info.precision.max(self.min_precision);
        // Lossless JPEG-LS takes about what lossless JPEG 2000 took: room for it at once spares
        // the copies (and the peak of old and new buffer) of growing by doubling.
        out.reserve(frame.len() + frame.len() / 4);
        let mut encoder =
            jpegls::Encoder::new(info.width, info.height, info.components, precision, out);
        // 64 rows at a time, or fewer for wide images: about 1 MiB of samples.
        let rows = (STRIPE_SAMPLES / (cols * n).max(1)).clamp(1, 64);
        let mut stripe = vec![0u16; rows * cols * n];
        let mut y = 0u64;
        loop {
            let got = decoder.read_rows(&mut stripe)?;
            if got == 0 {
                break;
            }
            let rows = &mut stripe[..got * cols * n];
            blank_rows(rows, y, cols, n, regions, &self.fills);
            encoder.push_rows(rows);
            y += got as u64;
        }
        encoder.finish();
        Ok(())
    }
}

/// The samples of one stripe (1 MiB of u16).
const STRIPE_SAMPLES: usize = 1 << 19;

impl BlankFrame for Transcoder {
    fn blank(
        &mut self,
        frame: &[u8],
        regions: &[Clip],
        out: &mut Vec<u8>,
    ) -> Result<Outcome, CodecError> {
        let Some((decode, encode)) = self.whole else {
            self.stripes(frame, regions, out)?;
            return Ok(Outcome::default());
        };
        let s = &self.shape;
        let mut image = decode(frame, s.rows * s.cols * s.components)?;
        self.check(image.width, image.height, image.components, image.precision)
            .map_err(CodecError::Malformed)?;
        image.blank(regions, &self.fills);
        image.precision = image.precision.max(self.min_precision);
        encode(&image, out);
        Ok(Outcome::default())
    }
}
