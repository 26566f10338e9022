//! Burned-in annotations: the policy for images that may carry PHI in their pixels, and blanking
//! of caller-given rectangles in native (uncompressed) pixel data, in the spirit of RSNA CTP's
//! DicomPixelAnonymizer. Of compressed pixel data only RLE Lossless is decoded, to blank it
//! (`rle`); regions in any other compression are refused.

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use crate::attribute::{number, text};
use crate::error::{Error, Result};
use crate::findings::Finding;
use crate::limits::Limits;
use crate::regions::{outside_ultrasound_regions, BurnedIn, Region, RegionRule};

use pixel_codecs::{jpeg, rle, CodecError, Shape, Transcoder};

mod frames;
pub(crate) mod geometry;
mod native;
mod pixel_data;
pub(crate) mod text_segments;

pub(crate) use frames::Frames;
use frames::{Codec, Plan};
use geometry::{clip, unsupported, Geometry, PIXEL_PATH};
use native::Blanker;
use pixel_data::JPEG_LS;
pub(crate) use pixel_data::{Compression, PixelData};

/// How the regions are blanked: in native samples as they stream, or frame by frame in
/// encapsulated pixel data.
#[derive(Debug, Clone)]
pub(crate) enum Blanking {
    Native(Blanker),
    Frames(Plan),
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
            clips.push(clip(r, rows, cols));
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
/// transfer syntax, and says so in a finding (`pixel.transcoded`). JPEG 2000 frames are written
/// as RGB where they were coded with a colour transform, and with Planar Configuration 0 (as
/// PS3.5 8.2.3 has it for JPEG-LS); pixels that were irreversibly compressed stay marked so
/// (Lossy Image Compression 01).
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
    if plan.decodes_j2k() {
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
        message: match plan.decodes_j2k() {
            true => format!("the frames were decoded, blanked and encoded in JPEG-LS Lossless, since this build has no encoder for {input_syntax}; the transfer syntax is now {to}"),
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
    let fills: Vec<u16> = (0..g.spp)
        .map(|s| match (s, g.chroma_mid) {
            (1.., Some(mid))
                if !g.photometric.starts_with("YBR_RCT")
                    && !g.photometric.starts_with("YBR_ICT") =>
            {
                mid as u16
            }
            _ => 0,
        })
        .collect();
    let shape = Shape {
        rows: g.rows,
        cols: g.cols,
        components: g.spp,
        bits,
    };
    let (codec, max_frame, output_syntax) = match compression {
        Compression::Rle => {
            let b = rle_blanker(&g, bits)?;
            let max = b.max_fragment();
            (Codec::Rle(b), max, None)
        }
        Compression::Jpeg => {
            let (rows, cols) = (g.rows, g.cols);
            (
                Codec::Jpeg(jpeg::Blanker { rows, cols, fills }),
                coded,
                None,
            )
        }
        Compression::JpegLossless => (
            Codec::JpegLossless(Transcoder::jpeg_lossless(shape, fills)),
            coded,
            None,
        ),
        // Near-lossless frames are encoded again losslessly: their pixels outside the regions
        // stay exactly as decoded, which encoding near-lossless again would not keep.
        Compression::JpegLs { near } => (
            Codec::JpegLs(Transcoder::jpegls(shape, fills)),
            coded,
            near.then_some(JPEG_LS),
        ),
        Compression::J2k => (
            Codec::J2k(Transcoder::j2k_to_jpegls(shape, fills)),
            coded,
            Some(JPEG_LS),
        ),
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
    };
    Ok(plan)
}

/// The RLE blanker of an image: 1-bit RLE and subsampled chroma have no agreed byte planes
/// (real doubt); a blanked YBR pixel is black (`Geometry::chroma_mid`).
fn rle_blanker(g: &Geometry, bits: u64) -> Result<rle::Blanker> {
    let photometric = &g.photometric;
    if !bits.is_multiple_of(8) || photometric.ends_with("_422") || photometric.ends_with("_420") {
        return Err(unsupported(format!(
            "RLE with {photometric} at {bits} bits allocated is not a layout this build blanks"
        )));
    }
    let fills: Vec<u64> = (0..g.spp)
        .map(|s| g.chroma_mid.filter(|_| s > 0).unwrap_or(0))
        .collect();
    rle::Blanker::new(g.rows, g.cols, bits / 8, &fills).map_err(|e| match e {
        CodecError::Unsupported(why) | CodecError::Malformed(why) => unsupported(why),
    })
}
