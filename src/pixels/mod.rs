//! Burned-in annotations: the policy for images that may carry PHI in their pixels, and blanking
//! of caller-given rectangles in native (uncompressed) pixel data, in the spirit of RSNA CTP's
//! DicomPixelAnonymizer. Of compressed pixel data only RLE Lossless is decoded, to blank it
//! (`rle`); regions in any other compression are refused.

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::report::Finding;

pub(crate) mod jpeg;
mod native;
mod rle;
pub(crate) mod samples;

use native::Blanker;
pub(crate) use rle::{Frames, RLE_LOSSLESS};

/// How the regions are blanked: in native samples as they stream, or frame by frame in RLE.
#[derive(Debug, Clone)]
pub(crate) enum Blanking {
    Native(Blanker),
    Rle(rle::Blanker),
}

/// What to do with an image that has, or may have, text burned into its pixels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BurnedIn {
    /// Refuse it (`pixel.burned_in`, `pixel.burned_in_unknown`) unless regions were blanked.
    #[default]
    Reject,
    /// Pass it with a finding; the caller takes responsibility for the pixels.
    Allow,
}

/// A rectangle in pixel coordinates: `x` is the column, `y` the row of its top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// Regions to blank in the images this rule matches. Every condition given must hold: modality
/// equal, manufacturer and model name containing the text (case-insensitive), rows and columns
/// equal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct RegionRule {
    pub modality: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub rows: Option<u32>,
    pub columns: Option<u32>,
    pub regions: Vec<Region>,
}

/// SOP classes whose images are often screenshots, scans or annotated captures.
const HIGH_RISK_SOP_CLASSES: [&str; 12] = [
    "1.2.840.10008.5.1.4.1.1.7",      // Secondary Capture
    "1.2.840.10008.5.1.4.1.1.7.1",    // Multi-frame Single Bit SC
    "1.2.840.10008.5.1.4.1.1.7.2",    // Multi-frame Grayscale Byte SC
    "1.2.840.10008.5.1.4.1.1.7.3",    // Multi-frame Grayscale Word SC
    "1.2.840.10008.5.1.4.1.1.7.4",    // Multi-frame True Color SC
    "1.2.840.10008.5.1.4.1.1.6.1",    // Ultrasound Image
    "1.2.840.10008.5.1.4.1.1.6.2",    // Enhanced US Volume
    "1.2.840.10008.5.1.4.1.1.3.1",    // Ultrasound Multi-frame Image
    "1.2.840.10008.5.1.4.1.1.104.1",  // Encapsulated PDF (scanned documents)
    "1.2.840.10008.5.1.4.1.1.104.2",  // Encapsulated CDA
    "1.2.840.10008.5.1.4.1.1.77.1.4", // VL Photographic Image
    "1.2.840.10008.5.1.4.1.1.77.1.1", // VL Endoscopic Image
];
const HIGH_RISK_MODALITIES: [&str; 6] = ["US", "SC", "OT", "DOC", "XC", "ES"];

fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let e = obj.get(tag)?;
    let s = e.value().to_str().ok()?;
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!s.is_empty()).then(|| s.to_string())
}

fn number(obj: &InMemDicomObject, tag: Tag) -> Option<u32> {
    let e = obj.get(tag)?;
    e.value()
        .to_int::<u32>()
        .ok()
        .or_else(|| text(obj, tag)?.parse().ok())
}

impl RegionRule {
    fn matches(&self, obj: &InMemDicomObject) -> bool {
        let contains = |want: &Option<String>, tag| {
            want.as_ref().is_none_or(|w| {
                text(obj, tag).is_some_and(|v| v.to_lowercase().contains(&w.to_lowercase()))
            })
        };
        self.modality
            .as_ref()
            .is_none_or(|m| text(obj, tags::MODALITY).is_some_and(|v| v.eq_ignore_ascii_case(m)))
            && contains(&self.manufacturer, tags::MANUFACTURER)
            && contains(&self.model, tags::MANUFACTURER_MODEL_NAME)
            && self.rows.is_none_or(|r| number(obj, tags::ROWS) == Some(r))
            && self
                .columns
                .is_none_or(|c| number(obj, tags::COLUMNS) == Some(c))
    }
}

/// Checks the settings' regions: a rectangle must have an area.
pub(crate) fn validate(regions: &[Region], rules: &[RegionRule]) -> Result<()> {
    let all = regions.iter().chain(rules.iter().flat_map(|r| &r.regions));
    for r in all {
        if r.width == 0 || r.height == 0 {
            return Err(Error::settings(
                "settings.invalid_value",
                format!("region at ({}, {}) has no area", r.x, r.y),
            ));
        }
    }
    Ok(())
}

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
    /// The transfer syntax is RLE Lossless, whose fragments can be blanked frame by frame.
    pub rle: bool,
}

const PIXEL_PATH: &str = "(7FE0,0010)";

/// Applies the policy to the header (everything before Pixel Data): refuses, or passes, or
/// plans the blanking of regions in the pixel bytes that will stream past. A plan means
/// 113101 Clean Pixel Data goes to (0012,0064).
pub(crate) fn plan(
    obj: &InMemDicomObject,
    pixel: Option<PixelData>,
    policy: BurnedIn,
    regions: &[Region],
    rules: &[RegionRule],
    limits: &Limits,
    findings: &mut Vec<Finding>,
) -> Result<Option<Blanking>> {
    let has_document = obj.get(tags::ENCAPSULATED_DOCUMENT).is_some();
    let has_float = obj.get(tags::FLOAT_PIXEL_DATA).is_some()
        || obj.get(tags::DOUBLE_FLOAT_PIXEL_DATA).is_some();
    let mut wanted: Vec<Region> = regions.to_vec();
    for rule in rules.iter().filter(|r| r.matches(obj)) {
        wanted.extend(&rule.regions);
    }
    if !wanted.is_empty() {
        if let Some(blanker) = blanking(obj, pixel, has_float, wanted, limits, findings)? {
            return Ok(Some(blanker));
        }
    }
    if pixel.is_none() && !has_document && !has_float {
        return Ok(None);
    }
    let burned = text(obj, tags::BURNED_IN_ANNOTATION).map(|v| v.to_ascii_uppercase());
    let high_risk = text(obj, tags::SOP_CLASS_UID)
        .is_some_and(|c| HIGH_RISK_SOP_CLASSES.contains(&c.as_str()))
        || text(obj, tags::MODALITY)
            .is_some_and(|m| HIGH_RISK_MODALITIES.contains(&m.to_ascii_uppercase().as_str()));
    let (code, allowed, message) = match burned.as_deref() {
        Some("YES") => (
            "pixel.burned_in",
            "pixel.burned_in_allowed",
            "Burned In Annotation is YES: the pixels carry text, which may identify the patient",
        ),
        Some("NO") => return Ok(None),
        _ if high_risk || has_document => (
            "pixel.burned_in_unknown",
            "pixel.burned_in_unknown_allowed",
            "no Burned In Annotation value on a kind of image that often carries burned-in text (secondary capture, ultrasound, scanned document, photograph)",
        ),
        _ => return Ok(None),
    };
    match policy {
        BurnedIn::Reject => Err(Error::Deidentify {
            code,
            path: "(0028,0301)".into(),
            message: format!("{message}; give regions to blank, or allow burned-in pixels"),
        }),
        BurnedIn::Allow => {
            findings.push(Finding {
                code: allowed.into(),
                path: Some("(0028,0301)".into()),
                message: format!("{message}; passed because the settings allow it"),
            });
            Ok(None)
        }
    }
}

/// Plans the blanking of the regions wanted. `None`, with findings that say why, when nothing
/// can be blanked: then the burned-in policy decides as if no region had been given, so an
/// image whose text was not blanked is never declared clean. Refuses what is real doubt.
fn blanking(
    obj: &InMemDicomObject,
    pixel: Option<PixelData>,
    has_float: bool,
    wanted: Vec<Region>,
    limits: &Limits,
    findings: &mut Vec<Finding>,
) -> Result<Option<Blanking>> {
    let n = wanted.len();
    let mut not_applicable = |path: &str, why: String| -> Result<Option<Blanking>> {
        findings.push(Finding {
            code: "pixel.regions_not_applicable".into(),
            path: Some(path.into()),
            message: format!("{n} region(s) to blank, but {why}; nothing was blanked"),
        });
        Ok(None)
    };
    let Some(pixel) = pixel else {
        return match has_float {
            true => not_applicable(
                "(7FE0,0008)",
                "the image is Float or Double Float Pixel Data, which this build never blanks"
                    .into(),
            ),
            false => not_applicable(PIXEL_PATH, "the object has no Pixel Data".into()),
        };
    };
    if pixel.encapsulated && !pixel.rle {
        return Err(Error::Deidentify {
            code: "pixel.compressed_regions",
            path: PIXEL_PATH.into(),
            message: "regions to blank in compressed (encapsulated) pixel data other than RLE Lossless; this build decodes no other compression, so the file is refused".into(),
        });
    }
    let bits = number(obj, tags::BITS_ALLOCATED)
        .map(u64::from)
        .ok_or_else(|| unsupported("Bits Allocated is missing or not a number".into()))?;
    if !matches!(bits, 1 | 8 | 16 | 32 | 64) {
        return not_applicable(
            "(0028,0100)",
            format!("Bits Allocated {bits} is not a native layout (1, 8, 16, 32 or 64)"),
        );
    }
    let mut plan = match pixel.encapsulated {
        true => Blanking::Rle(rle::Blanker::new(obj, bits, limits)?),
        false => Blanking::Native(Blanker::new(obj, pixel, bits)?),
    };
    let (rows, cols) = match &plan {
        Blanking::Native(b) => (b.rows, b.cols),
        Blanking::Rle(b) => (b.rows, b.cols),
    };
    let mut clips = Vec::new();
    for r in wanted {
        if u64::from(r.x) < cols && u64::from(r.y) < rows {
            clips.push(Clip::new(r, rows, cols));
        } else {
            findings.push(Finding {
                code: "pixel.region_outside".into(),
                path: Some(PIXEL_PATH.into()),
                message: format!(
                    "the region at ({}, {}) of {}x{} lies outside the {}x{} image; nothing to blank there",
                    r.x, r.y, r.width, r.height, cols, rows
                ),
            });
        }
    }
    if clips.is_empty() {
        return Ok(None);
    }
    let how = match &plan {
        Blanking::Native(_) => "",
        Blanking::Rle(_) => {
            " (RLE: every frame decoded and encoded again; the Basic Offset Table is written empty)"
        }
    };
    findings.push(Finding {
        code: "pixel.regions_blanked".into(),
        path: Some(PIXEL_PATH.into()),
        message: format!("{} region(s) blanked in every frame{how}", clips.len()),
    });
    match &mut plan {
        Blanking::Native(b) => b.regions = clips,
        Blanking::Rle(b) => b.regions = clips,
    }
    Ok(Some(plan))
}

/// A region clipped to the image, in pixels: columns `x0..x1`, rows `y0..y1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clip {
    pub x0: u64,
    pub x1: u64,
    pub y0: u64,
    pub y1: u64,
}

impl Clip {
    pub(crate) fn new(r: Region, rows: u64, cols: u64) -> Clip {
        let end = |at: u32, len: u32, max: u64| (u64::from(at) + u64::from(len)).min(max);
        Clip {
            x0: u64::from(r.x).min(cols),
            x1: end(r.x, r.width, cols),
            y0: u64::from(r.y).min(rows),
            y1: end(r.y, r.height, rows),
        }
    }
}

/// The image attributes every blanker starts from.
pub(super) struct Geometry {
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
    pub(super) fn of(obj: &InMemDicomObject, bits: u64) -> Result<Geometry> {
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

fn unsupported(message: String) -> Error {
    Error::Deidentify {
        code: "pixel.unsupported",
        path: PIXEL_PATH.into(),
        message,
    }
}
