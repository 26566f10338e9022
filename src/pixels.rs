//! Burned-in annotations: the policy for images that may carry PHI in their pixels, and blanking
//! of caller-given rectangles in native (uncompressed) pixel data, in the spirit of RSNA CTP's
//! DicomPixelAnonymizer. Compressed pixel data is never decoded: blanking it is refused.

use dicom_core::value::{PrimitiveValue, Value};
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

/// Applies the policy to the input object: blanks the regions that apply, or refuses. Returns
/// whether pixels were blanked (then 113101 Clean Pixel Data goes to (0012,0064)).
pub(crate) fn apply(
    obj: &mut InMemDicomObject,
    policy: BurnedIn,
    regions: &[Region],
    rules: &[RegionRule],
    findings: &mut Vec<Finding>,
) -> Result<bool> {
    let has_pixels = obj.get(tags::PIXEL_DATA).is_some();
    let has_document = obj.get(tags::ENCAPSULATED_DOCUMENT).is_some();
    if !has_pixels && !has_document {
        return Ok(false);
    }
    let mut wanted: Vec<Region> = regions.to_vec();
    for rule in rules.iter().filter(|r| r.matches(obj)) {
        wanted.extend(&rule.regions);
    }
    if has_pixels && !wanted.is_empty() {
        blank(obj, &wanted)?;
        findings.push(Finding {
            code: "pixel.regions_blanked".into(),
            path: Some("(7FE0,0010)".into()),
            message: format!("{} region(s) blanked in every frame", wanted.len()),
        });
        return Ok(true);
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
        Some("NO") => return Ok(false),
        _ if high_risk || has_document => (
            "pixel.burned_in_unknown",
            "pixel.burned_in_unknown_allowed",
            "no Burned In Annotation value on a kind of image that often carries burned-in text (secondary capture, ultrasound, scanned document, photograph)",
        ),
        _ => return Ok(false),
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
            Ok(false)
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

/// Sets every sample inside the regions to zero, in every frame, for native pixel data.
fn blank(obj: &mut InMemDicomObject, regions: &[Region]) -> Result<()> {
    let need = |tag: Tag, name: &str| {
        number(obj, tag).ok_or_else(|| unsupported(format!("{name} is missing or not a number")))
    };
    let rows = need(tags::ROWS, "Rows")? as usize;
    let cols = need(tags::COLUMNS, "Columns")? as usize;
    let bits = need(tags::BITS_ALLOCATED, "Bits Allocated")?;
    let spp = number(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1) as usize;
    let planar = number(obj, tags::PLANAR_CONFIGURATION).unwrap_or(0) == 1;
    let frames = number(obj, tags::NUMBER_OF_FRAMES).unwrap_or(1).max(1) as usize;
    let pixel = obj.get(tags::PIXEL_DATA).expect("checked by the caller");
    let mut value = match pixel.value() {
        Value::PixelSequence(_) => {
            return Err(Error::Deidentify {
                code: "pixel.compressed_regions",
                path: "(7FE0,0010)".into(),
                message: "regions to blank in compressed (encapsulated) pixel data; this build does not decode pixels, so the file is refused".into(),
            })
        }
        Value::Primitive(v) => v.clone(),
        Value::Sequence(_) => return Err(unsupported("Pixel Data is a sequence".into())),
    };
    let vr = pixel.vr();
    let samples = frames
        .checked_mul(rows)
        .and_then(|n| n.checked_mul(cols))
        .and_then(|n| n.checked_mul(spp))
        .ok_or_else(|| unsupported("the image dimensions overflow".into()))?;
    let index = |f: usize, s: usize, y: usize, x: usize| {
        if planar {
            ((f * spp + s) * rows + y) * cols + x
        } else {
            ((f * rows + y) * cols + x) * spp + s
        }
    };
    let zero = |len: usize, set: &mut dyn FnMut(usize)| -> Result<()> {
        if len < samples {
            return Err(unsupported(format!(
                "Pixel Data holds {len} samples; the attributes describe {samples}"
            )));
        }
        for r in regions {
            let (x0, y0) = (r.x as usize, r.y as usize);
            let x1 = (x0 + r.width as usize).min(cols);
            let y1 = (y0 + r.height as usize).min(rows);
            for f in 0..frames {
                for s in 0..spp {
                    for y in y0..y1 {
                        for x in x0..x1 {
                            set(index(f, s, y, x));
                        }
                    }
                }
            }
        }
        Ok(())
    };
    match (&mut value, bits) {
        (PrimitiveValue::U8(v), 8 | 16 | 32) => {
            let width = bits as usize / 8;
            let len = v.len() / width;
            zero(len, &mut |i| v[i * width..(i + 1) * width].fill(0))?
        }
        (PrimitiveValue::U16(v), 16) => zero(v.len(), &mut |i| v[i] = 0)?,
        (PrimitiveValue::U32(v), 32) => zero(v.len(), &mut |i| v[i] = 0)?,
        _ => {
            return Err(unsupported(format!(
                "Bits Allocated {bits} with Pixel Data as {vr:?} cannot be blanked"
            )))
        }
    }
    obj.put(dicom_core::DataElement::new(tags::PIXEL_DATA, vr, value));
    Ok(())
}
