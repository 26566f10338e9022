//! The top-level Pixel Data as the stream declares it, and the compressions whose frames can be
//! blanked.

use pixel_codecs::segments::{Segments, Syntax};

/// RLE Lossless.
pub(crate) const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";

/// The top-level Pixel Data as the stream declares it (its value is not in memory).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PixelData {
    /// Encapsulated (compressed) fragments, rather than native samples.
    pub encapsulated: bool,
    /// Value length in bytes (native pixel data only).
    pub len: Option<u64>,
    /// The transfer syntax is big endian: samples wider than a byte are stored high byte first.
    pub big_endian: bool,
    /// The element's explicit VR is OW. In big endian, OW holds 16-bit words, so 8-bit samples
    /// in it are stored with their bytes swapped in pairs.
    pub ow: bool,
    /// The compression of encapsulated pixel data, when its frames can be blanked.
    pub compression: Option<Compression>,
}

/// JPEG-LS Lossless Image Compression.
pub(crate) const JPEG_LS: &str = "1.2.840.10008.1.2.4.80";

/// The compressions whose frames can be blanked, by transfer syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    /// RLE Lossless (1.2.840.10008.1.2.5).
    Rle,
    /// JPEG Baseline (1.2.840.10008.1.2.4.50) and Extended (4.51): DCT, blanked block by block.
    Jpeg,
    /// JPEG Lossless, any predictor (1.2.840.10008.1.2.4.57) or first-order (4.70).
    JpegLossless,
    /// JPEG-LS, lossless (4.80) or near-lossless (4.81).
    JpegLs { near: bool },
    /// JPEG 2000, lossless only (4.90) or not (4.91).
    J2k,
}

impl Compression {
    /// The scrubber of the text segments its codestreams can carry (the JPEG family).
    pub(crate) fn segments(self) -> Option<Segments> {
        match self {
            Compression::Jpeg | Compression::JpegLossless => Some(Segments::new(Syntax::T81)),
            Compression::JpegLs { .. } => Some(Segments::new(Syntax::T87)),
            Compression::Rle | Compression::J2k => None,
        }
    }

    /// The error code for frames that are not what their transfer syntax says.
    pub(crate) fn bad_code(self) -> &'static str {
        match self {
            Compression::Rle => "read.bad_rle",
            Compression::Jpeg | Compression::JpegLossless => "read.bad_jpeg",
            Compression::JpegLs { .. } => "read.bad_jpegls",
            Compression::J2k => "read.bad_j2k",
        }
    }

    pub(crate) fn of(transfer_syntax: &str) -> Option<Compression> {
        match transfer_syntax {
            RLE_LOSSLESS => Some(Compression::Rle),
            "1.2.840.10008.1.2.4.50" | "1.2.840.10008.1.2.4.51" => Some(Compression::Jpeg),
            "1.2.840.10008.1.2.4.57" | "1.2.840.10008.1.2.4.70" => Some(Compression::JpegLossless),
            JPEG_LS => Some(Compression::JpegLs { near: false }),
            "1.2.840.10008.1.2.4.81" => Some(Compression::JpegLs { near: true }),
            "1.2.840.10008.1.2.4.90" | "1.2.840.10008.1.2.4.91" => Some(Compression::J2k),
            _ => None,
        }
    }
}
