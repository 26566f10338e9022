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

mod frames;
pub(crate) mod j2k;
pub(crate) mod jpeg;
pub(crate) mod jpegls;
pub(crate) mod lossless;
mod native;
pub(crate) mod preview;
mod render;
mod rle;
pub(crate) mod samples;
pub(crate) mod segments;

pub(crate) use frames::Frames;
use frames::{Codec, Plan};
use native::Blanker;
pub(crate) use segments::Segments;

/// How the regions are blanked: in native samples as they stream, or frame by frame in
/// encapsulated pixel data.
#[derive(Debug, Clone)]
pub(crate) enum Blanking {
    Native(Blanker),
    Frames(Plan),
}

/// JPEG-LS Lossless Image Compression.
const JPEG_LS: &str = "1.2.840.10008.1.2.4.80";

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
            Compression::Jpeg | Compression::JpegLossless => {
                Some(Segments::new(segments::Syntax::T81))
            }
            Compression::JpegLs { .. } => Some(Segments::new(segments::Syntax::T87)),
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
            rle::RLE_LOSSLESS => Some(Compression::Rle),
            "1.2.840.10008.1.2.4.50" | "1.2.840.10008.1.2.4.51" => Some(Compression::Jpeg),
            "1.2.840.10008.1.2.4.57" | "1.2.840.10008.1.2.4.70" => Some(Compression::JpegLossless),
            JPEG_LS => Some(Compression::JpegLs { near: false }),
            "1.2.840.10008.1.2.4.81" => Some(Compression::JpegLs { near: true }),
            "1.2.840.10008.1.2.4.90" | "1.2.840.10008.1.2.4.91" => Some(Compression::J2k),
            _ => None,
        }
    }
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

/// An attribute's text, trimmed; `None` when absent, empty, or a value the output will not carry
/// (characters its VR does not allow: `value.invalid_removed`). The plan is read from the input
/// but must be what a second pass over the output reads too: found by fuzzing, a Photometric
/// Interpretation `YBR_FUL\u{9d}` gave blanked JPEG chroma the middle (YBR) in the first pass,
/// was removed, and the second pass blanked the same blocks to zero chroma.
fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let e = obj
        .get(tag)
        .filter(|e| !crate::deid::kept_value_dropped(e))?;
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
fn outside_ultrasound_regions(obj: &InMemDicomObject) -> Option<Vec<Region>> {
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

pub(crate) const PIXEL_PATH: &str = "(7FE0,0010)";

/// What the header's pixel policy decided.
#[derive(Debug, Default)]
pub(crate) struct Pixels {
    /// The regions to blank as the pixel data streams, if any: then 113101 Clean Pixel Data goes
    /// to (0012,0064).
    pub blanking: Option<Blanking>,
    /// Every region of a rule that says it covers all the text was blanked: Burned In
    /// Annotation becomes NO.
    pub no_text_left: bool,
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
    limits: &Limits,
    findings: &mut Vec<Finding>,
) -> Result<Pixels> {
    let has_document = obj.get(tags::ENCAPSULATED_DOCUMENT).is_some();
    let has_float = obj.get(tags::FLOAT_PIXEL_DATA).is_some()
        || obj.get(tags::DOUBLE_FLOAT_PIXEL_DATA).is_some();
    // Each region wanted, and whether a rule says it belongs to a set covering all the text.
    let mut wanted: Vec<(Region, bool)> = regions.iter().map(|&r| (r, false)).collect();
    for (i, rule) in rules.iter().enumerate().filter(|(_, r)| r.matches(obj)) {
        let covers = rule.covers_all_text;
        wanted.extend(rule.regions.iter().map(|&r| (r, covers)));
        if rule.outside_ultrasound_regions {
            match outside_ultrasound_regions(obj) {
                Some(outside) => wanted.extend(outside.into_iter().map(|r| (r, covers))),
                None => findings.push(Finding {
                    code: "pixel.regions_not_applicable".into(),
                    path: Some("(0018,6011)".into()),
                    message: format!("region rule {i} blanks outside the ultrasound regions, but the image has no Sequence of Ultrasound Regions with a data region inside it"),
                }),
            }
        }
    }
    if !wanted.is_empty() {
        if let Some(planned) = blanking(obj, pixel, has_float, wanted, limits, findings)? {
            return Ok(planned);
        }
    }
    if pixel.is_none() && !has_document && !has_float {
        return Ok(Pixels::default());
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
        Some("NO") => return Ok(Pixels::default()),
        _ if high_risk || has_document => (
            "pixel.burned_in_unknown",
            "pixel.burned_in_unknown_allowed",
            "no Burned In Annotation value on a kind of image that often carries burned-in text (secondary capture, ultrasound, scanned document, photograph)",
        ),
        _ => return Ok(Pixels::default()),
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
            Ok(Pixels::default())
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
    wanted: Vec<(Region, bool)>,
    limits: &Limits,
    findings: &mut Vec<Finding>,
) -> Result<Option<Pixels>> {
    let n = wanted.len();
    let mut not_applicable = |path: &str, why: String| -> Result<Option<Pixels>> {
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
    // Pixel Data without Rows or Columns (a placeholder some objects carry, e.g. 2 bytes) is
    // no image: nothing to blank, which is no reason to refuse the object.
    let size = |tag| number(obj, tag).filter(|&n| n > 0);
    if size(tags::ROWS).is_none() || size(tags::COLUMNS).is_none() {
        return not_applicable(
            PIXEL_PATH,
            "the object has no image (Pixel Data without Rows and Columns)".into(),
        );
    }
    let compression = match (pixel.encapsulated, pixel.compression) {
        (true, None) => return Err(Error::Deidentify {
            code: "pixel.compressed_regions",
            path: PIXEL_PATH.into(),
            message: "regions to blank in compressed (encapsulated) pixel data of a transfer syntax this build does not decode, so the file is refused".into(),
        }),
        (_, c) => c.filter(|_| pixel.encapsulated),
    };
    let bits = number(obj, tags::BITS_ALLOCATED)
        .map(u64::from)
        .ok_or_else(|| unsupported("Bits Allocated is missing or not a number".into()))?;
    if !matches!(bits, 1 | 8 | 16 | 32 | 64) {
        return not_applicable(
            "(0028,0100)",
            format!("Bits Allocated {bits} is not a native layout (1, 8, 16, 32 or 64)"),
        );
    }
    let mut plan = match compression {
        Some(c) => Blanking::Frames(frames_plan(obj, c, bits, limits)?),
        None => Blanking::Native(Blanker::new(obj, pixel, bits)?),
    };
    let (rows, cols) = match &plan {
        Blanking::Native(b) => (b.rows, b.cols),
        Blanking::Frames(p) => (p.rows, p.cols),
    };
    let mut clips = Vec::new();
    let mut covering = (false, true); // (a rule covers all the text, all its regions inside)
    for (r, covers) in wanted {
        covering.0 |= covers;
        if u64::from(r.x) < cols && u64::from(r.y) < rows {
            clips.push(Clip::new(r, rows, cols));
        } else {
            covering.1 &= !covers;
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
        Blanking::Frames(p) => p.codec.how(),
    };
    findings.push(Finding {
        code: "pixel.regions_blanked".into(),
        path: Some(PIXEL_PATH.into()),
        message: format!("{} region(s) blanked in every frame{how}", clips.len()),
    });
    match &mut plan {
        Blanking::Native(b) => b.regions = clips,
        Blanking::Frames(p) => p.regions = clips,
    }
    Ok(Some(Pixels {
        blanking: Some(plan),
        no_text_left: covering == (true, true),
    }))
}

/// Makes the image attributes describe frames that blanking decodes and writes in another
/// transfer syntax, and says so in a finding (`pixel.transcoded`). Native frames are written
/// interleaved, as RGB where JPEG 2000 coded them with a colour transform; pixels that were
/// irreversibly compressed stay marked so (Lossy Image Compression 01).
pub(crate) fn describe_decoded(
    obj: &mut InMemDicomObject,
    plan: &Plan,
    input_syntax: &str,
    findings: &mut Vec<Finding>,
) {
    use dicom_core::{DataElement, PrimitiveValue, VR};
    let Some(to) = plan.output_syntax() else {
        return;
    };
    if plan.native_out() {
        let photometric = text(obj, tags::PHOTOMETRIC_INTERPRETATION).unwrap_or_default();
        if matches!(photometric.as_str(), "YBR_RCT" | "YBR_ICT") {
            obj.put(DataElement::new(
                tags::PHOTOMETRIC_INTERPRETATION,
                VR::CS,
                PrimitiveValue::from("RGB"),
            ));
        }
        if plan.spp > 1 {
            obj.put(DataElement::new(
                tags::PLANAR_CONFIGURATION,
                VR::US,
                PrimitiveValue::from(0u16),
            ));
        }
    }
    // JPEG-LS near-lossless and JPEG 2000 (not lossless only) may have lost information.
    let lossy = matches!(
        input_syntax,
        "1.2.840.10008.1.2.4.81" | "1.2.840.10008.1.2.4.91"
    );
    if lossy && text(obj, tags::LOSSY_IMAGE_COMPRESSION).is_none() {
        obj.put(DataElement::new(
            tags::LOSSY_IMAGE_COMPRESSION,
            VR::CS,
            PrimitiveValue::from("01"),
        ));
    }
    findings.push(Finding {
        code: "pixel.transcoded".into(),
        path: Some("(0002,0010)".into()),
        message: match plan.native_out() {
            true => format!("the frames were decoded, blanked and written uncompressed, since this build has no encoder for {input_syntax}; the transfer syntax is now {to}"),
            false => format!("the frames were decoded, blanked and encoded again without loss; the transfer syntax is now {to}"),
        },
    });
}

/// Plans the blanking of encapsulated frames. Decoding holds one frame, bounded like the rest
/// of the input.
fn frames_plan(
    obj: &InMemDicomObject,
    compression: Compression,
    bits: u64,
    limits: &Limits,
) -> Result<Plan> {
    let g = Geometry::of(obj, bits)?;
    let decoded = g
        .rows
        .checked_mul(g.cols)
        .and_then(|n| n.checked_mul(g.spp * bits.div_ceil(8)))
        .filter(|&n| n > 0 && n <= limits.max_input_bytes)
        .ok_or_else(|| {
            Error::limit(
                "limit.input_size",
                0,
                format!(
                    "one decoded frame of {}x{}x{} samples of {bits} bits is empty or exceeds the input limit of {} bytes",
                    g.rows, g.cols, g.spp, limits.max_input_bytes
                ),
            )
        })?;
    // A coded frame is at most about twice its samples, plus room for markers and tables.
    let coded = (2 * decoded + (16 << 20)).min(limits.max_input_bytes);
    // Decoded frames hold samples of at most 16 bits, stored in 8 or 16.
    if compression != Compression::Rle && !matches!(bits, 8 | 16) {
        return Err(unsupported(format!(
            "compressed frames of {bits} bits allocated are not a layout this build blanks"
        )));
    }
    let (codec, max_frame, output_syntax) = match compression {
        Compression::Rle => {
            let b = rle::Blanker::new(&g, bits)?;
            let max = b.max_fragment();
            (Codec::Rle(b), max, None)
        }
        Compression::Jpeg => (Codec::Jpeg, coded, None),
        Compression::JpegLossless => (Codec::JpegLossless, coded, None),
        // Near-lossless frames are encoded again losslessly: their pixels outside the regions
        // stay exactly as decoded, which encoding near-lossless again would not keep.
        Compression::JpegLs { near } => (Codec::JpegLs, coded, near.then_some(JPEG_LS)),
        Compression::J2k => (Codec::J2k, coded, Some(frames::EXPLICIT_VR_LE)),
    };
    let plan = Plan {
        codec,
        bad: compression.bad_code(),
        rows: g.rows,
        cols: g.cols,
        spp: g.spp,
        frames: g.frames,
        regions: Vec::new(),
        max_frame,
        output_syntax,
        bits,
        fills: (0..g.spp)
            .map(|s| match (s, g.chroma_mid) {
                (1.., Some(mid))
                    if !g.photometric.starts_with("YBR_RCT")
                        && !g.photometric.starts_with("YBR_ICT") =>
                {
                    mid as u16
                }
                _ => 0,
            })
            .collect(),
    };
    if plan.native_out() && plan.native_header().is_none() {
        return Err(unsupported(format!(
            "{} decoded frames of {}x{}x{} samples do not fit native Pixel Data (a 32-bit length)",
            g.frames, g.rows, g.cols, g.spp
        )));
    }
    Ok(plan)
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
