//! Previews: one frame of a (sanitized) Part 10 file as 8-bit RGBA, for a person to review
//! before upload, with the labels a page groups files by. The file is read by position
//! (`ReadAt`): its header, then the one frame. Encapsulated frames are gathered from their
//! fragments and decoded by the codecs that blank them (RLE, JPEG Lossless, JPEG-LS, JPEG 2000).
//! JPEG Baseline and Extended frames are handed back coded: every browser already has a fast
//! decoder for them. Memory: the header plus one frame (coded, decoded, RGBA), whatever the
//! file's size.

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use serde::Serialize;

use pixel_codecs::{jpeg2000, jpegls, lossless, rle, CodecError, Image};

use crate::attribute::{number, text};
use crate::dataset::read_dataset;
use crate::error::{Error, Result};
use crate::integrity::structure::{encoding, scan_header, PixelElement};
use crate::limits::Limits;
use crate::pixels::Compression;
use render::{Look, Palette, Photometric, VoiFunction, Window};

mod fragments;
mod render;
mod source;

pub use source::ReadAt;

/// The largest frame rendered, in pixels (8192×8192): its RGBA alone is 256 MiB.
pub const MAX_PREVIEW_PIXELS: u64 = 1 << 26;

/// What a page needs to group and label a file: the (pseudonymised) UIDs and series
/// attributes as they are in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Labels {
    pub modality: Option<String>,
    pub study_instance_uid: Option<String>,
    pub series_instance_uid: Option<String>,
    pub series_number: Option<i64>,
    pub series_description: Option<String>,
    pub sop_class_uid: Option<String>,
    /// What a region rule selects images by (with modality, rows and columns), and whether the
    /// pixels say they carry text: for a page that reviews the original before sanitizing it.
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub photometric: Option<String>,
    pub burned_in_annotation: Option<String>,
}

/// A rendered frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picture {
    /// `width × height` pixels, row by row, 4 bytes each (R, G, B, A = 255).
    Rgba {
        width: u32,
        height: u32,
        pixels: Vec<u8>,
    },
    /// The frame's JPEG Baseline or Extended bytes, for the platform's own decoder; the size
    /// to show it at is `Preview::rows` × `columns` (a caller fits it to its `max` itself).
    Jpeg(Vec<u8>),
}

/// One frame of a file, and what it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// Number of Frames (1 when absent).
    pub frames: u32,
    pub rows: u32,
    pub columns: u32,
    pub labels: Labels,
    pub picture: Picture,
}

fn preview_error(code: &'static str, message: String) -> Error {
    Error::Preview { code, message }
}

fn unsupported(message: String) -> Error {
    crate::pixels::geometry::unsupported(message)
}

/// What a file holds to preview, without decoding anything: for grouping files before their
/// thumbnails are rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    /// Number of Frames (1 when absent); 0 when the file has no image (no Pixel Data, Rows or
    /// Columns), which `render_frame` refuses with `preview.no_image`.
    pub frames: u32,
    pub rows: u32,
    pub columns: u32,
    pub labels: Labels,
}

/// Reads the header of a Part 10 file (everything before Pixel Data, which is not read): its
/// image size, frames and labels. Errors are the header's read errors.
pub fn describe(file: &[u8]) -> Result<Described> {
    describe_at(&mut &*file)
}

/// `describe`, reading the file by position: only as much of its start as the header takes.
pub fn describe_at(source: &mut dyn ReadAt) -> Result<Described> {
    Ok(source::read_header(source, Header::read)?.1.described)
}

/// A file's header as the renderer needs it.
struct Header {
    described: Described,
    obj: InMemDicomObject,
    pixel: Option<PixelElement>,
    transfer_syntax: String,
    little: bool,
}

impl Header {
    /// The header, from the file's first bytes (all of them when `whole`); `None` when they end
    /// before the top-level Pixel Data element does.
    fn read(file: &[u8], whole: bool) -> Result<Option<Header>> {
        let scanned = match scan_header(file, &Limits::STRUCTURE_ONLY, false) {
            Err(e) if !whole && e.code() == "read.truncated" => return Ok(None),
            Ok(s) if !whole && s.pixel.is_none() => return Ok(None),
            scanned => scanned?,
        };
        let layout = &scanned.layout;
        if layout.deflated {
            return Err(unsupported(
                "Deflated files are previewed once sanitized (which inflates them)".into(),
            ));
        }
        let (_, little) = encoding(&layout.transfer_syntax)?;
        let header_end = scanned.pixel.map_or(file.len(), |p| p.at);
        // As the sanitizer reads it: UN values resolved first.
        let (obj, _) = read_dataset(
            &file[layout.dataset_at..header_end],
            &layout.transfer_syntax,
        )?;
        let rows = number(&obj, tags::ROWS).unwrap_or(0);
        let columns = number(&obj, tags::COLUMNS).unwrap_or(0);
        let image = scanned.pixel.is_some() && rows > 0 && columns > 0;
        let frames = match image {
            true => number(&obj, tags::NUMBER_OF_FRAMES).unwrap_or(1).max(1),
            false => 0,
        };
        Ok(Some(Header {
            described: Described {
                frames,
                rows,
                columns,
                labels: labels(&obj),
            },
            transfer_syntax: layout.transfer_syntax.clone(),
            pixel: scanned.pixel,
            little,
            obj,
        }))
    }
}

/// Renders frame `frame` (from 0) of a Part 10 file, downscaled by area average to fit `max`
/// pixels on its long side when given. Errors: `preview.no_image` (no Pixel Data or image
/// attributes), `preview.frame_out_of_range`, `preview.too_large`, `pixel.unsupported` (a layout
/// this build does not render), `read.*` (broken data, in the codec's code), and the header's
/// own read errors. Never panics.
pub fn render_frame(file: &[u8], frame: u32, max: Option<u32>) -> Result<Preview> {
    render_frame_at(&mut &*file, frame, max)
}

/// `render_frame`, reading the file by position: its header, then the frame's bytes (for
/// encapsulated data, the items' headers and the frame's fragments); `preview.read_failed` when
/// the source fails.
pub fn render_frame_at(source: &mut dyn ReadAt, frame: u32, max: Option<u32>) -> Result<Preview> {
    let (head, header) = source::read_header(source, Header::read)?;
    let Header {
        described:
            Described {
                frames,
                rows,
                columns,
                labels,
            },
        obj,
        pixel,
        transfer_syntax: ts_uid,
        little,
    } = header;
    let (Some(pixel), true) = (pixel, frames > 0) else {
        return Err(preview_error(
            "preview.no_image",
            "the file has no image (Pixel Data, Rows and Columns)".into(),
        ));
    };
    if frame >= frames {
        return Err(preview_error(
            "preview.frame_out_of_range",
            format!("frame {frame} of an image of {frames} frames (counted from 0)"),
        ));
    }
    if u64::from(rows) * u64::from(columns) > MAX_PREVIEW_PIXELS {
        return Err(preview_error(
            "preview.too_large",
            format!("a {columns}x{rows} frame is over the {MAX_PREVIEW_PIXELS} pixels rendered"),
        ));
    }
    let attrs = Attributes::of(&obj, rows, columns, frames)?;
    let value_at = pixel.value_at as u64;
    let image = match pixel.len {
        Some(len) => {
            let held = u64::from(len).min(source.size().saturating_sub(value_at));
            let (start, end) = attrs.native_range(frame, held)?;
            let bytes = source::read_exact(source, value_at + start, end - start)?;
            let ow = head.get(pixel.at + 4..pixel.at + 6) == Some(b"OW");
            attrs.native_frame(&bytes, frame, little, ow)?
        }
        None => {
            let compression = Compression::of(&ts_uid).ok_or_else(|| {
                unsupported(format!(
                    "frames in transfer syntax {ts_uid} are not rendered here"
                ))
            })?;
            let coded = fragments::frame_bytes(source, value_at, frame, frames, compression)?;
            match attrs.decode(compression, &coded, frame)? {
                Some(image) => image,
                None => {
                    return Ok(Preview {
                        frames,
                        rows,
                        columns,
                        labels,
                        picture: Picture::Jpeg(coded),
                    })
                }
            }
        }
    };
    let look = attrs.look(&obj)?;
    let rgba = look.rgba(&image);
    let to = render::fitted(columns, rows, max);
    let pixels = render::downscale(&rgba, columns, rows, to);
    Ok(Preview {
        frames,
        rows,
        columns,
        labels,
        picture: Picture::Rgba {
            width: to.0,
            height: to.1,
            pixels,
        },
    })
}

fn labels(obj: &InMemDicomObject) -> Labels {
    let t = |tag: Tag| text(obj, tag);
    Labels {
        modality: t(tags::MODALITY),
        study_instance_uid: t(tags::STUDY_INSTANCE_UID),
        series_instance_uid: t(tags::SERIES_INSTANCE_UID),
        series_number: t(tags::SERIES_NUMBER).and_then(|s| s.parse().ok()),
        series_description: t(tags::SERIES_DESCRIPTION),
        sop_class_uid: t(tags::SOP_CLASS_UID),
        manufacturer: t(tags::MANUFACTURER),
        model: t(tags::MANUFACTURER_MODEL_NAME),
        photometric: t(tags::PHOTOMETRIC_INTERPRETATION),
        burned_in_annotation: t(tags::BURNED_IN_ANNOTATION),
    }
}

/// The image attributes a frame is read and decoded by.
struct Attributes {
    rows: u32,
    columns: u32,
    frames: u32,
    spp: u32,
    bits: u32,
    stored: u32,
    high: u32,
    signed: bool,
    planar: bool,
    /// Photometric Interpretation, upper case.
    photometric: String,
}

impl Attributes {
    fn of(obj: &InMemDicomObject, rows: u32, columns: u32, frames: u32) -> Result<Attributes> {
        let spp = number(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1);
        let bits = number(obj, tags::BITS_ALLOCATED).unwrap_or(0);
        let stored = number(obj, tags::BITS_STORED).unwrap_or(bits);
        let high = number(obj, tags::HIGH_BIT).unwrap_or(stored.saturating_sub(1));
        let photometric = text(obj, tags::PHOTOMETRIC_INTERPRETATION)
            .unwrap_or_else(|| "MONOCHROME2".into())
            .to_ascii_uppercase();
        if !matches!(bits, 1 | 8 | 16)
            || stored == 0
            || stored > bits
            || high >= bits
            || high + 1 < stored
        {
            return Err(unsupported(format!(
                "{stored} bits stored (high bit {high}) in {bits} allocated"
            )));
        }
        // One sample for grey and palette indices, three for colour.
        let one = photometric.starts_with("MONO") || photometric == "PALETTE COLOR";
        if spp != if one { 1 } else { 3 } {
            return Err(unsupported(format!(
                "{photometric} with {spp} samples per pixel"
            )));
        }
        if bits == 1 && spp != 1 {
            return Err(unsupported("1-bit colour".into()));
        }
        Ok(Attributes {
            rows,
            columns,
            frames,
            spp,
            bits,
            stored,
            high,
            signed: number(obj, tags::PIXEL_REPRESENTATION) == Some(1),
            planar: number(obj, tags::PLANAR_CONFIGURATION) == Some(1),
            photometric,
        })
    }

    fn pixels(&self) -> usize {
        self.rows as usize * self.columns as usize
    }

    /// Samples in a native frame as stored: YBR 4:2:2 keeps two per pixel (Y Y Cb Cr).
    fn stored_count(&self) -> Result<usize> {
        let half = self.photometric.ends_with("_422");
        if half && (self.bits != 8 || self.columns % 2 == 1) {
            return Err(unsupported(format!(
                "{} at {} bits and {} columns",
                self.photometric, self.bits, self.columns
            )));
        }
        Ok(match half {
            true => self.pixels() * 2,
            false => self.pixels() * self.spp as usize,
        })
    }

    /// Where native frame `frame` is in a Pixel Data value of which `held` bytes are there: its
    /// bytes `start..end` (1-bit frames are packed bit after bit, and start inside a byte).
    fn native_range(&self, frame: u32, held: u64) -> Result<(u64, u64)> {
        // In u64: on wasm32 a late frame of a large image would wrap a usize product.
        let (count, f) = (self.stored_count()? as u64, u64::from(frame));
        let (start, end) = match self.bits {
            1 => (count * f / 8, (count * (f + 1)).div_ceil(8)),
            b => {
                let len = count * u64::from(b / 8);
                (len * f, len * (f + 1))
            }
        };
        if end > held {
            return Err(Error::Read {
                code: "read.truncated",
                offset: None,
                message: format!(
                    "Pixel Data holds {held} bytes; frame {frame} of {} ends at byte {end}",
                    self.frames
                ),
            });
        }
        Ok((start, end))
    }

    /// A native frame (`bytes`: its range, `native_range`) as samples, pixel-interleaved, with
    /// YBR_FULL_422's chroma repeated for both pixels of its pair, the High Bit moved to Bits
    /// Stored - 1.
    fn native_frame(&self, bytes: &[u8], frame: u32, little: bool, ow: bool) -> Result<Image> {
        let pixels = self.pixels();
        let half = self.photometric.ends_with("_422");
        let count = self.stored_count()?;
        let shift = self.high + 1 - self.stored;
        let stored: Vec<u16> = match self.bits {
            1 => {
                // Bit i of the frame is bit (first + i) of its bytes.
                let first = (count as u64 * u64::from(frame) % 8) as usize;
                (first..first + count)
                    .map(|i| u16::from(bytes[i / 8] >> (i % 8) & 1))
                    .collect()
            }
            8 => (0..count)
                // 8-bit samples in big endian OW sit swapped in pairs of bytes.
                .map(|i| u16::from(bytes[if ow && !little { i ^ 1 } else { i }]))
                .collect(),
            _ => bytes
                .chunks_exact(2)
                .map(|c| match little {
                    true => u16::from_le_bytes([c[0], c[1]]),
                    false => u16::from_be_bytes([c[0], c[1]]),
                })
                .collect(),
        };
        let stored = stored.into_iter().map(|s| s >> shift);
        let samples: Vec<u16> = if half {
            let v: Vec<u16> = stored.collect();
            v.chunks_exact(4)
                .flat_map(|q| [q[0], q[2], q[3], q[1], q[2], q[3]])
                .collect()
        } else if self.planar && self.spp == 3 {
            let v: Vec<u16> = stored.collect();
            (0..pixels)
                .flat_map(|p| [v[p], v[pixels + p], v[2 * pixels + p]])
                .collect()
        } else {
            stored.collect()
        };
        Ok(Image {
            width: self.columns,
            height: self.rows,
            components: if half { 3 } else { self.spp as u8 },
            precision: self.stored as u8,
            samples,
        })
    }

    /// Decodes an encapsulated frame; `None` for JPEG Baseline and Extended, which the caller
    /// hands back coded.
    fn decode(&self, compression: Compression, coded: &[u8], frame: u32) -> Result<Option<Image>> {
        let max = self.pixels() as u64 * u64::from(self.spp);
        let bad = |why: String| Error::Read {
            code: compression.bad_code(),
            offset: None,
            message: format!("frame {frame}: {why}"),
        };
        let codec = |e: CodecError| match e {
            CodecError::Malformed(why) => bad(why),
            CodecError::Unsupported(why) => unsupported(format!("frame {frame}: {why}")),
        };
        let image = match compression {
            Compression::Jpeg => return Ok(None),
            Compression::Rle => {
                rle::decode_frame(coded, self.rows, self.columns, self.spp, self.bits)
                    .map_err(bad)?
            }
            Compression::JpegLossless => lossless::decode(coded, max).map_err(codec)?,
            Compression::JpegLs { .. } => jpegls::decode(coded, max).map_err(codec)?,
            Compression::J2k => jpeg2000::decode(coded, max).map_err(codec)?,
        };
        let found = (image.width, image.height, u32::from(image.components));
        if found != (self.columns, self.rows, self.spp) {
            return Err(bad(format!(
                "a {}x{} image of {} components; the attributes describe {}x{} of {}",
                found.0, found.1, found.2, self.columns, self.rows, self.spp
            )));
        }
        Ok(Some(image))
    }

    /// How the samples are displayed, from the attributes.
    fn look(&self, obj: &InMemDicomObject) -> Result<Look> {
        let photometric = match self.photometric.as_str() {
            "MONOCHROME1" => Photometric::Grey { inverted: true },
            "MONOCHROME2" => Photometric::Grey { inverted: false },
            "RGB" | "YBR_RCT" | "YBR_ICT" => Photometric::Rgb,
            "YBR_FULL" | "YBR_FULL_422" => Photometric::Ybr,
            "PALETTE COLOR" => Photometric::Palette(Box::new(palette(obj)?)),
            other => return Err(unsupported(format!("{other} is not rendered here"))),
        };
        let float = |tag: Tag| {
            obj.get(tag)
                .and_then(|e| e.value().to_multi_float64().ok())
                .and_then(|v| v.first().copied())
                .filter(|v| v.is_finite())
        };
        let grey = matches!(photometric, Photometric::Grey { .. });
        let function = match text(obj, tags::VOILUT_FUNCTION).as_deref() {
            Some("LINEAR_EXACT") => VoiFunction::LinearExact,
            Some("SIGMOID") => VoiFunction::Sigmoid,
            _ => VoiFunction::Linear,
        };
        let window = match (float(tags::WINDOW_CENTER), float(tags::WINDOW_WIDTH)) {
            (Some(center), Some(width)) if grey => Some(Window {
                center,
                width,
                function,
            }),
            _ => None,
        };
        Ok(Look {
            photometric,
            stored: self.stored,
            signed: self.signed,
            slope: float(tags::RESCALE_SLOPE).filter(|_| grey).unwrap_or(1.0),
            intercept: float(tags::RESCALE_INTERCEPT)
                .filter(|_| grey)
                .unwrap_or(0.0),
            window,
        })
    }
}

/// The palette's three LUTs, each scaled to 8-bit entries.
fn palette(obj: &InMemDicomObject) -> Result<Palette> {
    let descriptors = [
        tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
        tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
        tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
    ];
    let data = [
        tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DATA,
        tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DATA,
        tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DATA,
    ];
    let mut first = 0;
    let mut entries: [Vec<u8>; 3] = Default::default();
    for c in 0..3 {
        let d: Vec<i64> = obj
            .get(descriptors[c])
            .and_then(|e| e.value().to_multi_int::<i64>().ok())
            .filter(|d| d.len() == 3)
            .ok_or_else(|| unsupported("PALETTE COLOR without its LUT descriptors".into()))?;
        // 0 entries means 2^16 (C.7.6.3.1.5); the first mapped value may be read as US or SS.
        let n = match d[0] & 0xFFFF {
            0 => 1 << 16,
            n => n as usize,
        };
        first = d[1];
        let raw = obj
            .get(data[c])
            .and_then(|e| e.value().to_bytes().ok())
            .ok_or_else(|| {
                unsupported(
                    "PALETTE COLOR without its LUT data (segmented LUTs are not rendered)".into(),
                )
            })?;
        let lut: Vec<u8> = match d[2] {
            // 8-bit entries: one per byte, or one in the low byte of each little endian word.
            8 if raw.len() >= 2 * n => raw.chunks_exact(2).take(n).map(|w| w[0]).collect(),
            8 => raw.iter().take(n).copied().collect(),
            16 => raw
                .chunks_exact(2)
                .take(n)
                .map(|w| {
                    ((u32::from(u16::from_le_bytes([w[0], w[1]])) * 255 + 32767) / 65535) as u8
                })
                .collect(),
            b => return Err(unsupported(format!("palette entries of {b} bits"))),
        };
        if lut.len() != n {
            return Err(unsupported(format!(
                "a palette LUT of {} entries whose descriptor says {n}",
                lut.len()
            )));
        }
        entries[c] = lut;
    }
    if entries[1].len() != entries[0].len() || entries[2].len() != entries[0].len() {
        return Err(unsupported("palette LUTs of different lengths".into()));
    }
    Ok(Palette { first, entries })
}
