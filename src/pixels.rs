//! Burned-in annotations: the policy for images that may carry PHI in their pixels, and blanking
//! of caller-given rectangles in native (uncompressed) pixel data, in the spirit of RSNA CTP's
//! DicomPixelAnonymizer. Compressed pixel data is never decoded: blanking it is refused.

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::report::Finding;

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
}

/// Applies the policy to the header (everything before Pixel Data): refuses, or passes, or
/// plans the blanking of regions in the pixel bytes that will stream past. A plan means
/// 113101 Clean Pixel Data goes to (0012,0064).
pub(crate) fn plan(
    obj: &InMemDicomObject,
    pixel: Option<PixelData>,
    policy: BurnedIn,
    regions: &[Region],
    rules: &[RegionRule],
    findings: &mut Vec<Finding>,
) -> Result<Option<Blanker>> {
    let has_document = obj.get(tags::ENCAPSULATED_DOCUMENT).is_some();
    if pixel.is_none() && !has_document {
        return Ok(None);
    }
    let mut wanted: Vec<Region> = regions.to_vec();
    for rule in rules.iter().filter(|r| r.matches(obj)) {
        wanted.extend(&rule.regions);
    }
    if let (Some(pixel), false) = (pixel, wanted.is_empty()) {
        let blanker = Blanker::new(obj, pixel, wanted)?;
        findings.push(Finding {
            code: "pixel.regions_blanked".into(),
            path: Some("(7FE0,0010)".into()),
            message: format!("{} region(s) blanked in every frame", blanker.regions.len()),
        });
        return Ok(Some(blanker));
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

fn unsupported(message: String) -> Error {
    Error::Deidentify {
        code: "pixel.unsupported",
        path: "(7FE0,0010)".into(),
        message,
    }
}

/// Zeroes the samples inside the regions, in every frame, as native pixel bytes stream past.
/// Works on bytes, so it is the same for either byte order.
#[derive(Debug, Clone)]
pub(crate) struct Blanker {
    rows: u64,
    cols: u64,
    spp: u64,
    planar: bool,
    frames: u64,
    /// Bytes per sample.
    bps: u64,
    regions: Vec<Region>,
}

impl Blanker {
    fn new(obj: &InMemDicomObject, pixel: PixelData, regions: Vec<Region>) -> Result<Blanker> {
        if pixel.encapsulated {
            return Err(Error::Deidentify {
                code: "pixel.compressed_regions",
                path: "(7FE0,0010)".into(),
                message: "regions to blank in compressed (encapsulated) pixel data; this build does not decode pixels, so the file is refused".into(),
            });
        }
        let need = |tag: Tag, name: &str| {
            number(obj, tag)
                .map(u64::from)
                .ok_or_else(|| unsupported(format!("{name} is missing or not a number")))
        };
        let rows = need(tags::ROWS, "Rows")?;
        let cols = need(tags::COLUMNS, "Columns")?;
        let bits = need(tags::BITS_ALLOCATED, "Bits Allocated")?;
        if !matches!(bits, 8 | 16 | 32) {
            return Err(unsupported(format!(
                "Bits Allocated {bits} cannot be blanked (8, 16 or 32 can)"
            )));
        }
        let spp = number(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1).max(1) as u64;
        let planar = number(obj, tags::PLANAR_CONFIGURATION).unwrap_or(0) == 1;
        let frames = number(obj, tags::NUMBER_OF_FRAMES).unwrap_or(1).max(1) as u64;
        let blanker = Blanker {
            rows,
            cols,
            spp,
            planar,
            frames,
            bps: bits / 8,
            regions,
        };
        let need_bytes = frames
            .checked_mul(blanker.frame_bytes())
            .ok_or_else(|| unsupported("the image dimensions overflow".into()))?;
        let have = pixel.len.unwrap_or(0);
        if have < need_bytes {
            return Err(unsupported(format!(
                "Pixel Data holds {have} bytes; the attributes describe {need_bytes}"
            )));
        }
        Ok(blanker)
    }

    fn frame_bytes(&self) -> u64 {
        self.rows * self.cols * self.spp * self.bps
    }

    /// Zeroes what lies inside the regions in `bytes`, which start at `offset` in the value.
    pub fn apply(&self, offset: u64, bytes: &mut [u8]) {
        let end = offset + bytes.len() as u64;
        let frame_bytes = self.frame_bytes().max(1);
        let first = offset / frame_bytes;
        let last = ((end.saturating_sub(1)) / frame_bytes).min(self.frames.saturating_sub(1));
        let mut zero = |from: u64, to: u64| {
            let (a, b) = (from.max(offset), to.min(end));
            if a < b {
                bytes[(a - offset) as usize..(b - offset) as usize].fill(0);
            }
        };
        for f in first..=last {
            for r in &self.regions {
                let x0 = u64::from(r.x).min(self.cols);
                let x1 = (u64::from(r.x) + u64::from(r.width)).min(self.cols);
                let y0 = u64::from(r.y).min(self.rows);
                let y1 = (u64::from(r.y) + u64::from(r.height)).min(self.rows);
                for y in y0..y1 {
                    if self.planar {
                        for s in 0..self.spp {
                            let row = ((f * self.spp + s) * self.rows + y) * self.cols;
                            zero((row + x0) * self.bps, (row + x1) * self.bps);
                        }
                    } else {
                        let row = (f * self.rows + y) * self.cols;
                        zero(
                            (row + x0) * self.spp * self.bps,
                            (row + x1) * self.spp * self.bps,
                        );
                    }
                }
            }
        }
    }
}
