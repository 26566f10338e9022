//! Previews: frames rendered to RGBA by the core, compared with pydicom's rendering of the same
//! file (apply_modality_lut, apply_voi_lut, convert_color_space, apply_color_lut; within one grey
//! level where rounding differs). Compressed frames (encoded by DCMTK and GDCM) are compared
//! with pydicom's rendering of the same image decoded by GDCM (`gdcmconv --raw`).

mod common;

use common::codecs::fragments;
use common::native::Native;
use common::{parse, pydicom, sanitize, settings, text_of};
use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_sanitizer::{describe, render_frame, Picture, Preview};
use fixtures::burned::CASES;
use fixtures::{text, Sample};
use test_tools::run;

fn us(tag: Tag, v: &[u16]) -> DataElement<dicom_object::InMemDicomObject> {
    DataElement::new(
        tag,
        VR::US,
        PrimitiveValue::U16(v.iter().copied().collect()),
    )
}

fn ds(tag: Tag, v: &str) -> DataElement<dicom_object::InMemDicomObject> {
    text(tag, VR::DS, v)
}

/// The RGBA of a rendered frame.
fn rgba(p: &Preview) -> (u32, u32, &[u8]) {
    match &p.picture {
        Picture::Rgba {
            width,
            height,
            pixels,
        } => (*width, *height, pixels),
        Picture::Jpeg(_) => panic!("a JPEG, not RGBA"),
    }
}

/// Every frame of `file` rendered at full size matches pydicom's `expected` within 1, and is
/// not flat (a blank render would match a blank oracle).
fn assert_matches(name: &str, file: &[u8], expected: &serde_json::Value) {
    let frames = expected.as_array().unwrap();
    for (f, want) in frames.iter().enumerate() {
        let p = render_frame(file, f as u32, None).unwrap_or_else(|e| panic!("{name} {f}: {e}"));
        assert_eq!(p.frames as usize, frames.len(), "{name}");
        let (w, h, px) = rgba(&p);
        assert_eq!((w, h), (p.columns, p.rows), "{name}: full size");
        let want: Vec<i64> = want
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        let got: Vec<i64> = px
            .chunks(4)
            .flat_map(|c| {
                assert_eq!(c[3], 255, "{name}: opaque");
                [c[0], c[1], c[2]].map(i64::from)
            })
            .collect();
        assert_eq!(got.len(), want.len(), "{name} frame {f}: size");
        let worst = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .max()
            .unwrap();
        let off = got
            .iter()
            .zip(&want)
            .filter(|(a, b)| (*a - *b).abs() > 1)
            .count();
        assert!(
            worst <= 1,
            "{name} frame {f}: {off} samples off, by up to {worst}, from pydicom"
        );
        let mut distinct = got.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert!(distinct.len() >= 2, "{name} frame {f}: a flat image");
    }
}

/// Native layouts built in code, each with the attributes its display pipeline reads.
fn native_cases() -> Vec<(&'static str, Vec<u8>)> {
    let ct = Native {
        stored: Some(12),
        ..Native::new("MONOCHROME2", 16, 20, 24, 3)
    };
    let ten = Native {
        stored: Some(10),
        ..Native::new("MONOCHROME2", 16, 11, 7, 1)
    };
    let palette = |bits: u16, first: u16, entries: u16| {
        let lut = |k: u16| -> Vec<u16> {
            (0..entries)
                .map(|i| match bits {
                    16 => (i * 97 + k * 5000) % 65535,
                    _ => (i * 3 + k * 60) % 256,
                })
                .collect()
        };
        let data = |c: u16| match bits {
            16 => PrimitiveValue::U16(lut(c).into_iter().collect()),
            // 8-bit entries, one a byte.
            _ => PrimitiveValue::U8(lut(c).into_iter().map(|v| v as u8).collect()),
        };
        let mut s = Native {
            spp: 1,
            ..Native::new("PALETTE COLOR", 8, 12, 16, 1)
        }
        .sample();
        for (c, (d, t)) in [
            (
                tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
                tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DATA,
            ),
            (
                tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
                tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DATA,
            ),
            (
                tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
                tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DATA,
            ),
        ]
        .into_iter()
        .enumerate()
        {
            s = s.put(us(d, &[entries, first, bits])).put(DataElement::new(
                t,
                VR::OW,
                data(c as u16),
            ));
        }
        s.to_bytes()
    };
    vec![
        (
            "CT: 12 of 16 bits, signed, rescaled, first of two windows, 3 frames",
            ct.sample()
                .put(us(tags::PIXEL_REPRESENTATION, &[1]))
                .put(ds(tags::RESCALE_SLOPE, "1"))
                .put(ds(tags::RESCALE_INTERCEPT, "-1024"))
                .put(ds(tags::WINDOW_CENTER, "40\\400"))
                .put(ds(tags::WINDOW_WIDTH, "400\\1000"))
                .to_bytes(),
        ),
        (
            "MONOCHROME1, 8 bits, no window: the frame's range",
            Native::new("MONOCHROME1", 8, 17, 13, 1).sample().to_bytes(),
        ),
        (
            "10 of 16 bits, slope 2, intercept 5, LINEAR_EXACT window",
            ten.sample()
                .put(ds(tags::RESCALE_SLOPE, "2"))
                .put(ds(tags::RESCALE_INTERCEPT, "5"))
                .put(ds(tags::WINDOW_CENTER, "700"))
                .put(ds(tags::WINDOW_WIDTH, "900"))
                .put(text(tags::VOILUT_FUNCTION, VR::CS, "LINEAR_EXACT"))
                .to_bytes(),
        ),
        (
            "8 bits, SIGMOID window",
            Native::new("MONOCHROME2", 8, 9, 14, 1)
                .sample()
                .put(ds(tags::WINDOW_CENTER, "128"))
                .put(ds(tags::WINDOW_WIDTH, "100"))
                .put(text(tags::VOILUT_FUNCTION, VR::CS, "SIGMOID"))
                .to_bytes(),
        ),
        (
            "16 bits, explicit VR big endian",
            Native::new("MONOCHROME2", 16, 8, 9, 1)
                .big_endian()
                .to_bytes(),
        ),
        (
            "1 bit, 2 frames (the second starts inside a byte)",
            Native::new("MONOCHROME2", 1, 9, 11, 2).to_bytes(),
        ),
        (
            "RGB, planar configuration 1, 2 frames",
            Native::new("RGB", 8, 10, 12, 2).planar().to_bytes(),
        ),
        (
            "RGB, interleaved",
            Native::new("RGB", 8, 7, 6, 1).to_bytes(),
        ),
        ("YBR_FULL", Native::new("YBR_FULL", 8, 9, 10, 1).to_bytes()),
        (
            "YBR_FULL_422, 2 frames",
            Native::new("YBR_FULL_422", 8, 8, 10, 2).to_bytes(),
        ),
        ("PALETTE COLOR, 16-bit entries", palette(16, 0, 256)),
        (
            "PALETTE COLOR, 8-bit entries, first mapped 16, 200 entries",
            palette(8, 16, 200),
        ),
    ]
}

#[test]
fn native_frames_render_as_pydicom_renders_them() {
    let cases = native_cases();
    let files: Vec<Vec<u8>> = cases.iter().map(|c| c.1.clone()).collect();
    let expected = pydicom("preview_render.py", &files);
    for ((name, file), want) in cases.iter().zip(&expected) {
        assert_matches(name, file, want);
    }
}

#[test]
fn compressed_frames_render_as_pydicom_renders_gdcms_decoding() {
    let cases: Vec<_> = CASES
        .iter()
        .filter(|c| !c.name.starts_with("jpeg-baseline") && !c.name.starts_with("jpeg-extended"))
        // Irreversible JPEG 2000 decodes to slightly different values in each decoder, and
        // GDCM writes them in 16 bits stored (an undershoot wraps to 65535): no common oracle.
        .filter(|c| c.name != "j2k-lossy-gray16")
        .collect();
    assert!(
        cases.len() >= 8,
        "RLE, JPEG Lossless, JPEG-LS and JPEG 2000, grey and colour"
    );
    let encoded: Vec<Vec<u8>> = cases.iter().map(|c| c.encoded()).collect();
    // GDCM decodes each to native, independently of this crate's decoders.
    let native: Vec<Vec<u8>> = encoded
        .iter()
        .map(|e| run("gdcmconv", &["--raw"], e))
        .collect();
    let expected = pydicom("preview_render.py", &native);
    for ((case, file), want) in cases.iter().zip(&encoded).zip(&expected) {
        assert_ne!(fragments(file).0, fixtures::EXPLICIT_VR_LE, "{}", case.name);
        assert_matches(case.name, file, want);
    }
}

#[test]
fn jpeg_baseline_frames_come_back_coded_for_the_browser() {
    for name in [
        "jpeg-baseline-ybr422-frames",
        "jpeg-baseline-gray-fragments",
        "jpeg-extended-gray-frames",
    ] {
        let case = CASES.iter().find(|c| c.name == name).unwrap();
        let file = case.encoded();
        let (_, frags) = fragments(&file);
        for f in 0..u32::from(case.frames) {
            let p = render_frame(&file, f, Some(64)).unwrap();
            assert_eq!(
                (p.frames, p.rows, p.columns),
                (
                    u32::from(case.frames),
                    u32::from(case.rows),
                    u32::from(case.cols)
                )
            );
            let Picture::Jpeg(bytes) = &p.picture else {
                panic!("{name}: JPEG bytes")
            };
            // One fragment per frame, or every fragment of the single frame, joined.
            let want = match case.frames {
                1 => frags.concat(),
                _ => frags[f as usize].clone(),
            };
            assert_eq!(bytes, &want, "{name} frame {f}");
            assert!(bytes.starts_with(&[0xFF, 0xD8]), "{name}: starts with SOI");
        }
    }
}

#[test]
fn downscaling_averages_areas() {
    let (name, file) = native_cases().remove(0);
    let expected = pydicom("preview_render.py", std::slice::from_ref(&file));
    let full: Vec<i64> = expected[0][1]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    // 24×20 to fit 12: 12×10, each output pixel the mean of a 2×2 block.
    let p = render_frame(&file, 1, Some(12)).unwrap();
    let (w, h, px) = rgba(&p);
    assert_eq!((w, h, p.columns, p.rows), (12, 10, 24, 20), "{name}");
    for y in 0..10 {
        for x in 0..12 {
            let at = |dx: usize, dy: usize| full[((2 * y + dy) * 24 + 2 * x + dx) * 3];
            let mean = (at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1)) as f64 / 4.0;
            let got = f64::from(px[(y * 12 + x) * 4]);
            assert!((got - mean).abs() <= 1.0, "({x},{y}): {got} vs mean {mean}");
        }
    }
    // Never upscaled; the long side fits whatever the orientation.
    assert_eq!(rgba(&render_frame(&file, 0, Some(100)).unwrap()).0, 24);
    let wide = Native::new("MONOCHROME2", 8, 10, 300, 1).to_bytes();
    let wide = render_frame(&wide, 0, Some(64)).unwrap();
    let (w, h, px) = rgba(&wide);
    assert_eq!((w, h, px.len()), (64, 2, 64 * 2 * 4));
}

#[test]
fn labels_are_the_sanitized_files_pseudonyms() {
    let input = Sample::ct().to_bytes();
    let out = sanitize(settings(), &input).bytes;
    let p = render_frame(&out, 0, Some(32)).unwrap();
    let obj = parse(&out);
    let study = text_of(&obj, tags::STUDY_INSTANCE_UID).unwrap();
    assert!(study.starts_with("2.25."), "pseudonymised: {study}");
    assert_ne!(
        Some(study.clone()),
        text_of(&parse(&input), tags::STUDY_INSTANCE_UID)
    );
    assert_eq!(p.labels.study_instance_uid.as_deref(), Some(study.as_str()));
    assert_eq!(
        p.labels.series_instance_uid,
        text_of(&obj, tags::SERIES_INSTANCE_UID)
    );
    assert_eq!(p.labels.modality.as_deref(), Some("CT"));
    assert_eq!(
        p.labels.sop_class_uid.as_deref(),
        Some(fixtures::CT_IMAGE_STORAGE)
    );
    assert_eq!(
        p.labels.series_number,
        text_of(&obj, tags::SERIES_NUMBER).and_then(|s| s.trim().parse().ok())
    );
    assert_eq!(
        p.labels.series_description,
        text_of(&obj, tags::SERIES_DESCRIPTION).filter(|s| !s.is_empty())
    );
    assert_eq!(p.frames, 1);
    // What region rules select by, as the file holds it (the original's, for a page's review).
    let original = describe(&input).unwrap().labels;
    let input_obj = parse(&input);
    for (got, tag) in [
        (&original.manufacturer, tags::MANUFACTURER),
        (&original.model, tags::MANUFACTURER_MODEL_NAME),
        (&original.photometric, tags::PHOTOMETRIC_INTERPRETATION),
        (&original.burned_in_annotation, tags::BURNED_IN_ANNOTATION),
    ] {
        let want = text_of(&input_obj, tag).filter(|s| !s.trim().is_empty());
        assert_eq!(got.as_deref(), want.as_deref().map(str::trim), "{tag}");
    }
    assert_eq!(original.photometric.as_deref(), Some("MONOCHROME2"));
    // The header alone says as much, without the pixels.
    let d = describe(&out[..common::find_pixel_value(&out).start]).unwrap();
    assert_eq!(
        (d.frames, d.rows, d.columns, &d.labels),
        (1, p.rows, p.columns, &p.labels)
    );
    let none = describe(&Sample::minimal("1.2.3.4").to_bytes()).unwrap();
    assert_eq!(
        (none.frames, none.labels.sop_class_uid.as_deref()),
        (0, Some(fixtures::CT_IMAGE_STORAGE))
    );
}

#[test]
fn errors_are_coded_and_nothing_panics() {
    let code = |file: &[u8], frame| render_frame(file, frame, Some(16)).err().map(|e| e.code());
    let file = Native::new("MONOCHROME2", 16, 6, 5, 2).to_bytes();
    assert_eq!(code(&file, 1), None);
    assert_eq!(code(&file, 2), Some("preview.frame_out_of_range"));
    assert_eq!(code(b"not dicom at all", 0), Some("read.not_dicom"));
    assert_eq!(
        code(&Sample::minimal("1.2.3.4").to_bytes(), 0),
        Some("preview.no_image")
    );
    let huge = Native::new("MONOCHROME2", 8, 1, 1, 1)
        .sample()
        .put(us(tags::ROWS, &[65535]))
        .put(us(tags::COLUMNS, &[65535]))
        .to_bytes();
    assert_eq!(code(&huge, 0), Some("preview.too_large"));
    // The pixels cut short: the second frame is missing.
    let short = Native::new("MONOCHROME2", 16, 6, 5, 2)
        .sample()
        .put(text(tags::NUMBER_OF_FRAMES, VR::IS, "3"))
        .to_bytes();
    assert_eq!(code(&short, 2), Some("read.truncated"));
    // Every truncation and a corrupted byte anywhere in an RLE file: a code, never a panic.
    let rle = CASES
        .iter()
        .find(|c| c.name == "rle-rgb-frames")
        .unwrap()
        .encoded();
    for len in (0..rle.len()).step_by(7) {
        let _ = render_frame(&rle[..len], 1, Some(16));
    }
    let pixels = rle.len() - 400;
    for at in pixels..rle.len() {
        let mut bad = rle.clone();
        bad[at] ^= 0x5A;
        if let Err(e) = render_frame(&bad, 2, Some(16)) {
            assert!(
                e.code().starts_with("read.") || e.code().starts_with("pixel."),
                "{e}"
            );
        }
    }
}

#[test]
fn the_fuzz_corpus_previews_with_listed_codes_and_no_panic() {
    // Every input the sanitizer's fuzzer kept (hostile headers, lengths, fragments), and its
    // sanitized output where it has one: describe and render give a value or a listed code.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/sanitize");
    let mut allow = settings();
    allow.burned_in = dicom_sanitizer::BurnedIn::Allow;
    let sanitizer = dicom_sanitizer::Sanitizer::new(allow).unwrap();
    let mut rendered = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        let out = sanitizer.sanitize(&data).map(|s| s.bytes).ok();
        for file in std::iter::once(&data).chain(out.as_ref()) {
            let listed = |e: dicom_sanitizer::Error| {
                assert!(dicom_sanitizer::ERROR_CODES.contains(&e.code()), "{e}");
            };
            let _ = describe(file).map_err(listed);
            for frame in [0, 1] {
                match render_frame(file, frame, Some(32)) {
                    Ok(_) => rendered += 1,
                    Err(e) => listed(e),
                }
            }
        }
    }
    assert!(rendered > 0, "some corpus images render");
}
