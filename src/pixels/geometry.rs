//! The image attributes every blanker starts from, and the error and path their findings carry.

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use crate::attribute::{number, text};
use crate::error::{Error, Result};
use crate::regions::Region;
use pixel_codecs::Clip;

pub(crate) const PIXEL_PATH: &str = "(7FE0,0010)";

/// A region clipped to an image of `rows` by `cols`.
pub(crate) fn clip(r: Region, rows: u64, cols: u64) -> Clip {
    let end = |at: u32, len: u32, max: u64| (u64::from(at) + u64::from(len)).min(max);
    Clip {
        x0: u64::from(r.x).min(cols),
        x1: end(r.x, r.width, cols),
        y0: u64::from(r.y).min(rows),
        y1: end(r.y, r.height, rows),
    }
}

/// The image attributes every blanker starts from.
pub(crate) struct Geometry {
    pub rows: u64,
    pub cols: u64,
    /// Samples per pixel.
    pub spp: u64,
    pub frames: u64,
    /// Photometric Interpretation, upper case.
    pub photometric: String,
    /// What a blanked chroma sample becomes, for YBR: black is Y at its minimum and Cb, Cr at
    /// their middle, 2^(Bits Stored - 1), at the High Bit (zero chroma is green).
    pub chroma_mid: Option<u64>,
}

impl Geometry {
    pub(crate) fn of(obj: &InMemDicomObject, bits: u64) -> Result<Geometry> {
        let need = |tag: Tag, name: &str| {
            number(obj, tag)
                .map(u64::from)
                .ok_or_else(|| unsupported(format!("{name} is missing or not a number")))
        };
        let photometric = text(obj, tags::PHOTOMETRIC_INTERPRETATION)
            .unwrap_or_default()
            .to_ascii_uppercase();
        let high = number(obj, tags::HIGH_BIT)
            .map(u64::from)
            .filter(|&h| h < bits)
            .unwrap_or(bits.saturating_sub(1));
        Ok(Geometry {
            rows: need(tags::ROWS, "Rows")?,
            cols: need(tags::COLUMNS, "Columns")?,
            spp: u64::from(number(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1).max(1)),
            frames: u64::from(number(obj, tags::NUMBER_OF_FRAMES).unwrap_or(1).max(1)),
            chroma_mid: photometric.starts_with("YBR_").then(|| 1u64 << high),
            photometric,
        })
    }
}

pub(crate) fn unsupported(message: String) -> Error {
    Error::Deidentify {
        code: "pixel.unsupported",
        path: PIXEL_PATH.into(),
        message,
    }
}
