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
    /// The transfer syntax is big endian: samples wider than a byte are stored high byte first.
    pub big_endian: bool,
    /// The element's explicit VR is OW. In big endian, OW holds 16-bit words, so 8-bit samples
    /// in it are stored with their bytes swapped in pairs.
    pub ow: bool,
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
    findings: &mut Vec<Finding>,
) -> Result<Option<Blanker>> {
    let has_document = obj.get(tags::ENCAPSULATED_DOCUMENT).is_some();
    let has_float = obj.get(tags::FLOAT_PIXEL_DATA).is_some()
        || obj.get(tags::DOUBLE_FLOAT_PIXEL_DATA).is_some();
    let mut wanted: Vec<Region> = regions.to_vec();
    for rule in rules.iter().filter(|r| r.matches(obj)) {
        wanted.extend(&rule.regions);
    }
    if !wanted.is_empty() {
        if let Some(blanker) = blanking(obj, pixel, has_float, wanted, findings)? {
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
    findings: &mut Vec<Finding>,
) -> Result<Option<Blanker>> {
    let n = wanted.len();
    let mut not_applicable = |path: &str, why: String| -> Result<Option<Blanker>> {
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
    if pixel.encapsulated {
        return Err(Error::Deidentify {
            code: "pixel.compressed_regions",
            path: PIXEL_PATH.into(),
            message: "regions to blank in compressed (encapsulated) pixel data; this build does not decode pixels, so the file is refused".into(),
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
    let mut blanker = Blanker::new(obj, pixel, bits)?;
    for r in wanted {
        if u64::from(r.x) < blanker.cols && u64::from(r.y) < blanker.rows {
            blanker.regions.push(blanker.clip(r));
        } else {
            findings.push(Finding {
                code: "pixel.region_outside".into(),
                path: Some(PIXEL_PATH.into()),
                message: format!(
                    "the region at ({}, {}) of {}x{} lies outside the {}x{} image; nothing to blank there",
                    r.x, r.y, r.width, r.height, blanker.cols, blanker.rows
                ),
            });
        }
    }
    if blanker.regions.is_empty() {
        return Ok(None);
    }
    findings.push(Finding {
        code: "pixel.regions_blanked".into(),
        path: Some(PIXEL_PATH.into()),
        message: format!("{} region(s) blanked in every frame", blanker.regions.len()),
    });
    Ok(Some(blanker))
}

fn unsupported(message: String) -> Error {
    Error::Deidentify {
        code: "pixel.unsupported",
        path: PIXEL_PATH.into(),
        message,
    }
}

/// A region clipped to the image, in pixels: columns `x0..x1`, rows `y0..y1`.
#[derive(Debug, Clone, Copy)]
struct Clip {
    x0: u64,
    x1: u64,
    y0: u64,
    y1: u64,
}

/// Blanks the regions in every frame as native pixel bytes stream past. Positions are in bits,
/// since 1-bit frames are packed back to back without byte alignment (PS3.5 8.1.1, 8.2). A
/// frame is `planes` planes (samples per pixel when planar, else one) of rows × columns pixels
/// of `px_bits` each; a blanked pixel's samples become its plane's fill.
#[derive(Debug, Clone)]
pub(crate) struct Blanker {
    rows: u64,
    cols: u64,
    frames: u64,
    frame_bits: u64,
    planes: u64,
    plane_bits: u64,
    /// Bits of one pixel in a plane: every sample when interleaved; in YBR 4:2:2, where two
    /// pixels are stored as Y1 Y2 Cb Cr, two samples.
    px_bits: u64,
    /// Pixels that share samples: 2 in YBR 4:2:2 (a region takes whole pairs), else 1.
    group: u64,
    /// What each plane's blanked bytes become, repeating from a pixel boundary; empty (or no
    /// entry for that plane): zero.
    fills: Vec<Vec<u8>>,
    /// 8-bit samples in big endian OW: logical byte `i` is stored at `i ^ 1`.
    swap: bool,
    regions: Vec<Clip>,
}

impl Blanker {
    /// The layout of the native pixel data, checked against the value's length.
    fn new(obj: &InMemDicomObject, pixel: PixelData, bits: u64) -> Result<Blanker> {
        let need = |tag: Tag, name: &str| {
            number(obj, tag)
                .map(u64::from)
                .ok_or_else(|| unsupported(format!("{name} is missing or not a number")))
        };
        let rows = need(tags::ROWS, "Rows")?;
        let cols = need(tags::COLUMNS, "Columns")?;
        let spp = u64::from(number(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1).max(1));
        let planar = spp > 1 && number(obj, tags::PLANAR_CONFIGURATION).unwrap_or(0) == 1;
        let frames = u64::from(number(obj, tags::NUMBER_OF_FRAMES).unwrap_or(1).max(1));
        let photometric = text(obj, tags::PHOTOMETRIC_INTERPRETATION)
            .unwrap_or_default()
            .to_ascii_uppercase();
        // YBR_FULL_422 and YBR_PARTIAL_422 store two pixels as Y1 Y2 Cb Cr (PS3.3 C.7.6.3.1.2).
        let pairs = photometric.ends_with("_422");
        if photometric == "YBR_PARTIAL_420" || pairs && (spp != 3 || planar) {
            return Err(unsupported(format!(
                "{photometric} with {spp} samples per pixel{} is not a native layout",
                if planar { ", planar" } else { "" }
            )));
        }
        if bits == 1 && pixel.big_endian && pixel.ow {
            return Err(unsupported(
                "1-bit pixel data in OW, big endian: which bit is which pixel is ambiguous".into(),
            ));
        }
        let bps = (bits / 8) as usize;
        // A blanked YBR pixel is black: Y at its minimum, Cb and Cr at their middle (zero chroma
        // is green). The middle is 2^(Bits Stored - 1), at the High Bit, in the file's byte order.
        let chroma = (photometric.starts_with("YBR_") && bps > 0).then(|| {
            let high = number(obj, tags::HIGH_BIT)
                .map(u64::from)
                .filter(|&h| h < bits)
                .unwrap_or(bits - 1);
            let mid = 1u64 << high;
            match pixel.big_endian {
                true => mid.to_be_bytes()[8 - bps..].to_vec(),
                false => mid.to_le_bytes()[..bps].to_vec(),
            }
        });
        let y = vec![0u8; bps];
        let (planes, px_bits, group, fills) = match (chroma, planar) {
            (Some(c), _) if pairs => (1, 2 * bits, 2, vec![[y.as_slice(), &y, &c, &c].concat()]),
            (Some(c), true) => {
                let mut fills = vec![c; spp as usize];
                fills[0].clear(); // the Y plane
                (spp, bits, 1, fills)
            }
            (Some(c), false) => {
                let pattern = std::iter::once(&y).chain(std::iter::repeat_n(&c, spp as usize - 1));
                (1, spp * bits, 1, vec![pattern.flatten().copied().collect()])
            }
            (None, _) if pairs => (1, 2 * bits, 2, Vec::new()),
            (None, true) => (spp, bits, 1, Vec::new()),
            (None, false) => (1, spp * bits, 1, Vec::new()),
        };
        let overflow = || unsupported("the image dimensions overflow".into());
        let plane_bits = rows
            .checked_mul(cols)
            .and_then(|n| n.checked_mul(px_bits))
            .ok_or_else(overflow)?;
        let frame_bits = plane_bits.checked_mul(planes).ok_or_else(overflow)?;
        let need_bytes = frame_bits
            .checked_mul(frames)
            .ok_or_else(overflow)?
            .div_ceil(8);
        // Native values are padded to an even length: one byte more than described is normal.
        let have = pixel.len.unwrap_or(0);
        if have < need_bytes {
            return Err(unsupported(format!(
                "Pixel Data holds {have} bytes; the attributes describe {need_bytes}"
            )));
        }
        Ok(Blanker {
            rows,
            cols,
            frames,
            frame_bits,
            planes,
            plane_bits,
            px_bits,
            group,
            fills,
            swap: bits == 8 && pixel.big_endian && pixel.ow,
            regions: Vec::new(),
        })
    }

    fn clip(&self, r: Region) -> Clip {
        let end = |at: u32, len: u32, max: u64| (u64::from(at) + u64::from(len)).min(max);
        Clip {
            x0: u64::from(r.x).min(self.cols),
            x1: end(r.x, r.width, self.cols),
            y0: u64::from(r.y).min(self.rows),
            y1: end(r.y, r.height, self.rows),
        }
    }

    /// Blanks what lies inside the regions in `bytes`, which start at `offset` in the value.
    /// Visits only the frames, planes and rows that meet the chunk, so any chunking gives the
    /// same bytes and the work is one slice fill per region row.
    pub fn apply(&self, offset: u64, bytes: &mut [u8]) {
        if bytes.is_empty() || self.frame_bits == 0 {
            return;
        }
        let end = offset + bytes.len() as u64;
        // The logical bytes whose stored bytes may lie in the chunk, in bits.
        let (lo, hi) = match self.swap {
            true => (offset & !1, (end + 1) & !1),
            false => (offset, end),
        };
        let (lo, hi) = (lo * 8, hi * 8);
        let row_bits = self.cols * self.px_bits;
        for f in span(lo, hi, 0, self.frame_bits, self.frames) {
            let frame = f * self.frame_bits;
            for p in span(lo, hi, frame, self.plane_bits, self.planes) {
                let plane = frame + p * self.plane_bits;
                let fill = self.fills.get(p as usize).map_or(&[][..], Vec::as_slice);
                // One row more on each side: a 4:2:2 pair may straddle a row end.
                let rows = span(lo, hi, plane, row_bits, self.rows);
                let (ya, yb) = (rows.start.saturating_sub(1), rows.end + 1);
                for r in &self.regions {
                    for y in r.y0.max(ya)..r.y1.min(yb) {
                        let at = y * self.cols;
                        let from = (at + r.x0) / self.group * self.group;
                        let to = ((at + r.x1).div_ceil(self.group) * self.group)
                            .min(self.rows * self.cols);
                        let (a, b) = (plane + from * self.px_bits, plane + to * self.px_bits);
                        self.write(bytes, offset, a, b, fill);
                    }
                }
            }
        }
    }

    /// Sets the logical bits `a..b` of the value to `fill` (repeating from `a`; empty: zero)
    /// where they lie in `bytes`, which start at `offset`.
    fn write(&self, bytes: &mut [u8], offset: u64, a: u64, b: u64, fill: &[u8]) {
        let end = offset + bytes.len() as u64;
        let value = |l: u64| match fill.len() {
            0 => 0,
            n => fill[((l - a / 8) % n as u64) as usize],
        };
        if !self.swap && a % 8 == 0 && b % 8 == 0 {
            // Whole bytes in order: the common case.
            let (s, e) = ((a / 8).max(offset), (b / 8).min(end));
            if s < e {
                let out = &mut bytes[(s - offset) as usize..(e - offset) as usize];
                match fill.len() {
                    0 => out.fill(0),
                    _ => out.iter_mut().zip(s..).for_each(|(o, l)| *o = value(l)),
                }
            }
            return;
        }
        // Byte by byte: 1-bit runs start and end inside bytes; swapped pairs move each byte.
        let swap = u64::from(self.swap);
        let from = (a / 8).max(offset.saturating_sub(swap));
        let to = b.div_ceil(8).min(end + swap);
        for l in from..to {
            let stored = l ^ swap;
            if !(offset..end).contains(&stored) {
                continue;
            }
            let (bit0, bit1) = (a.max(l * 8) - l * 8, b.min(l * 8 + 8) - l * 8);
            let mask = ((1u16 << bit1) - (1u16 << bit0)) as u8;
            let byte = &mut bytes[(stored - offset) as usize];
            *byte = (*byte & !mask) | (value(l) & mask);
        }
    }
}

/// The units `0..count`, each `size` bits from `base` on, that meet the bits `lo..hi`.
fn span(lo: u64, hi: u64, base: u64, size: u64, count: u64) -> std::ops::Range<u64> {
    let start = lo.saturating_sub(base) / size;
    let end = hi.saturating_sub(base).div_ceil(size).min(count);
    start..end.max(start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::value::PrimitiveValue;
    use dicom_core::{DataElement, VR};

    const LE: PixelData = PixelData {
        encapsulated: false,
        len: Some(u32::MAX as u64),
        big_endian: false,
        ow: false,
    };
    const BE_OW: PixelData = PixelData {
        big_endian: true,
        ow: true,
        ..LE
    };

    /// A blanker for `rows` × `cols` × `frames` of `bits` bits, `spp` samples.
    fn blanker(
        photometric: &str,
        [rows, cols, frames, bits, spp, planar]: [u16; 6],
        pixel: PixelData,
        regions: &[Region],
    ) -> Blanker {
        let mut obj = InMemDicomObject::new_empty();
        let us = |tag, v: u16| DataElement::new(tag, VR::US, PrimitiveValue::from(v));
        for (tag, v) in [
            (tags::ROWS, rows),
            (tags::COLUMNS, cols),
            (tags::BITS_ALLOCATED, bits),
            (tags::HIGH_BIT, bits.max(1) - 1),
            (tags::SAMPLES_PER_PIXEL, spp),
            (tags::PLANAR_CONFIGURATION, planar),
        ] {
            obj.put(us(tag, v));
        }
        obj.put(DataElement::new(
            tags::NUMBER_OF_FRAMES,
            VR::IS,
            PrimitiveValue::from(frames.to_string()),
        ));
        obj.put(DataElement::new(
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            PrimitiveValue::from(photometric),
        ));
        let mut b = Blanker::new(&obj, pixel, u64::from(bits)).unwrap();
        b.regions = regions.iter().map(|&r| b.clip(r)).collect();
        b
    }

    fn region(x: u32, y: u32, width: u32, height: u32) -> Region {
        Region {
            x,
            y,
            width,
            height,
        }
    }

    fn blanked(b: &Blanker, len: usize) -> Vec<u8> {
        let mut bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 250 + 3) as u8).collect();
        b.apply(0, &mut bytes);
        bytes
    }

    #[test]
    fn ybr_422_blanks_whole_pairs_to_black() {
        // 2 rows of 4 pixels: Y1 Y2 Cb Cr per pair; x = 1 takes the pair of pixels 0 and 1.
        let b = blanker(
            "YBR_FULL_422",
            [2, 4, 1, 8, 3, 0],
            LE,
            &[region(1, 1, 1, 1)],
        );
        let out = blanked(&b, 16);
        let was = blanked(&blanker("YBR_FULL_422", [2, 4, 1, 8, 3, 0], LE, &[]), 16);
        assert_eq!(out[8..12], [0, 0, 128, 128]);
        assert_eq!(out[..8], was[..8]);
        assert_eq!(out[12..], was[12..]);
    }

    #[test]
    fn sixteen_bit_chroma_middle_follows_the_byte_order() {
        let be = PixelData {
            big_endian: true,
            ..LE
        };
        let one = [region(0, 0, 1, 1)];
        let out = blanked(&blanker("YBR_FULL", [1, 2, 1, 16, 3, 0], LE, &one), 12);
        assert_eq!(out[..6], [0, 0, 0, 0x80, 0, 0x80]);
        let out = blanked(&blanker("YBR_FULL", [1, 2, 1, 16, 3, 0], be, &one), 12);
        assert_eq!(out[..6], [0, 0, 0x80, 0, 0x80, 0]);
    }

    #[test]
    fn one_bit_frames_are_packed_back_to_back() {
        // 3 × 3 pixels: 9 bits a frame, so frames 1 and 2 start inside a byte.
        let b = blanker("MONOCHROME2", [3, 3, 3, 1, 1, 0], LE, &[region(1, 1, 1, 1)]);
        let mut bytes = vec![0xFF; 4];
        b.apply(0, &mut bytes);
        let cleared: Vec<usize> = (0..32)
            .filter(|i| bytes[i / 8] >> (i % 8) & 1 == 0)
            .collect();
        assert_eq!(cleared, [4, 13, 22]);
    }

    #[test]
    fn any_chunking_gives_the_same_bytes() {
        let edges = [region(0, 0, 1, 2), region(4, 1, 9, 1), region(2, 2, 1, 1)];
        let cases = [
            // Odd columns: 4:2:2 pairs straddle row ends.
            blanker("YBR_FULL_422", [3, 5, 3, 8, 3, 0], LE, &edges),
            blanker("MONOCHROME2", [3, 5, 4, 1, 1, 0], LE, &edges),
            blanker("YBR_FULL", [3, 5, 2, 16, 3, 1], BE_OW, &edges),
            blanker("YBR_FULL", [3, 5, 3, 8, 3, 0], BE_OW, &edges),
            blanker("RGB", [3, 5, 2, 32, 3, 0], LE, &edges),
        ];
        let mut state = 0x5eedu64;
        for b in &cases {
            let len = (b.frame_bits * b.frames).div_ceil(16) as usize * 2;
            let one = blanked(b, len);
            assert_ne!(
                one,
                blanked(
                    &Blanker {
                        regions: vec![],
                        ..b.clone()
                    },
                    len
                )
            );
            for round in 0..200 {
                let mut out: Vec<u8> = (0..len).map(|i| (i * 7 % 250 + 3) as u8).collect();
                let mut at = 0;
                while at < len {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                    let n = (1 + (state >> 33) as usize % (1 + round % 13)).min(len - at);
                    b.apply(at as u64, &mut out[at..at + n]);
                    at += n;
                }
                assert_eq!(out, one, "{b:?} round {round}");
            }
        }
    }
}
