//! Regions of an image to blank, the rules that pick them by device, and what to do with an
//! image that may have text burned into its pixels.

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use serde::{Deserialize, Serialize};

use crate::attribute::{number, text};
use crate::error::{Error, Result};

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
/// equal, SOP Class UID equal, Photometric Interpretation equal (case-insensitive).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct RegionRule {
    pub modality: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub rows: Option<u32>,
    pub columns: Option<u32>,
    pub sop_class: Option<String>,
    pub photometric: Option<String>,
    pub regions: Vec<Region>,
    /// Also blank everything outside the data regions of the image's Sequence of Ultrasound
    /// Regions (0018,6011), where devices write the patient's name and the date.
    pub outside_ultrasound_regions: bool,
    /// The rule's regions cover all the text burned into the images it matches: when they were
    /// all blanked, Burned In Annotation becomes NO.
    pub covers_all_text: bool,
}

impl RegionRule {
    pub(crate) fn matches(&self, obj: &InMemDicomObject) -> bool {
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
            && self
                .sop_class
                .as_ref()
                .is_none_or(|c| text(obj, tags::SOP_CLASS_UID).as_ref() == Some(c))
            && self.photometric.as_ref().is_none_or(|p| {
                text(obj, tags::PHOTOMETRIC_INTERPRETATION)
                    .is_some_and(|v| v.eq_ignore_ascii_case(p))
            })
    }
}

/// The rectangles of an image outside the data regions of its Sequence of Ultrasound Regions
/// (their bounds are inclusive, PS3.3 C.8.5.5.1), in bands of rows; `None` when it has none.
pub(crate) fn outside_ultrasound_regions(obj: &InMemDicomObject) -> Option<Vec<Region>> {
    let (rows, cols) = (number(obj, tags::ROWS)?, number(obj, tags::COLUMNS)?);
    let items = obj.get(tags::SEQUENCE_OF_ULTRASOUND_REGIONS)?.items()?;
    let mut inside = Vec::new();
    for item in items {
        let at = |tag| number(item, tag);
        let (x0, y0, x1, y1) = (
            at(tags::REGION_LOCATION_MIN_X0)?,
            at(tags::REGION_LOCATION_MIN_Y0)?,
            at(tags::REGION_LOCATION_MAX_X1)?,
            at(tags::REGION_LOCATION_MAX_Y1)?,
        );
        if x0 <= x1 && y0 <= y1 && x0 < cols && y0 < rows {
            inside.push((x0, y0, x1.min(cols - 1) + 1, y1.min(rows - 1) + 1));
        }
    }
    if inside.is_empty() {
        return None;
    }
    let mut ys: Vec<u32> = [0, rows]
        .into_iter()
        .chain(inside.iter().flat_map(|r| [r.1, r.3]))
        .collect();
    ys.sort_unstable();
    ys.dedup();
    let mut out = Vec::new();
    for band in ys.windows(2) {
        let (top, bottom) = (band[0], band[1]);
        let mut covered: Vec<(u32, u32)> = inside
            .iter()
            .filter(|r| r.1 <= top && bottom <= r.3)
            .map(|r| (r.0, r.2))
            .collect();
        covered.sort_unstable();
        let mut x = 0;
        for (a, b) in covered.into_iter().chain([(cols, cols)]) {
            if a > x {
                out.push(Region {
                    x,
                    y: top,
                    width: a - x,
                    height: bottom - top,
                });
            }
            x = x.max(b);
        }
    }
    Some(out)
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
