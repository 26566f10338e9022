//! Burned-in annotation policy and region blanking in native pixel data.

mod common;

use common::native::Native;
use common::*;
use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;
use dicom_sanitizer::{BurnedIn, Error, Region, RegionRule, Sanitizer, Settings};
use fixtures::{text, Sample};

const US_IMAGE: &str = "1.2.840.10008.5.1.4.1.1.6.1";
const SECONDARY_CAPTURE: &str = "1.2.840.10008.5.1.4.1.1.7";

struct Image {
    rows: u16,
    cols: u16,
    frames: u16,
    spp: u16,
    planar: bool,
    bits: u16,
}

impl Image {
    fn mono16(rows: u16, cols: u16, frames: u16) -> Image {
        Image {
            rows,
            cols,
            frames,
            spp: 1,
            planar: false,
            bits: 16,
        }
    }

    fn samples(&self) -> usize {
        self.rows as usize * self.cols as usize * self.frames as usize * self.spp as usize
    }

    /// A CT-like sample with this geometry and every sample set to its index + 1 (never zero).
    fn sample(&self) -> Sample {
        let us = |tag, v: u16| DataElement::new(tag, VR::US, PrimitiveValue::from(v));
        let mut s = Sample::minimal("1.2.826.0.1.3680043.8.498.77")
            .put(text(tags::MODALITY, VR::CS, "CT"))
            .put(text(tags::MANUFACTURER, VR::LO, "ACME Medical Systems"))
            .put(text(tags::MANUFACTURER_MODEL_NAME, VR::LO, "Scanner 3000"))
            .put(us(tags::ROWS, self.rows))
            .put(us(tags::COLUMNS, self.cols))
            .put(us(tags::SAMPLES_PER_PIXEL, self.spp))
            .put(us(tags::BITS_ALLOCATED, self.bits))
            .put(us(tags::BITS_STORED, self.bits))
            .put(us(tags::HIGH_BIT, self.bits - 1))
            .put(us(tags::PIXEL_REPRESENTATION, 0))
            .put(text(
                tags::NUMBER_OF_FRAMES,
                VR::IS,
                &self.frames.to_string(),
            ));
        if self.spp > 1 {
            s = s.put(us(tags::PLANAR_CONFIGURATION, self.planar as u16));
        }
        let n = self.samples();
        let value = if self.bits == 8 {
            DataElement::new(
                tags::PIXEL_DATA,
                VR::OB,
                PrimitiveValue::U8((0..n).map(|i| (i % 250 + 1) as u8).collect()),
            )
        } else {
            DataElement::new(
                tags::PIXEL_DATA,
                VR::OW,
                PrimitiveValue::U16((0..n).map(|i| (i + 1) as u16).collect()),
            )
        };
        s.put(value)
    }
}

/// The output's samples, as numbers.
fn samples(bytes: &[u8], bits: u16) -> Vec<u32> {
    let raw = pixel_bytes(bytes);
    if bits == 8 {
        raw.iter().map(|&b| b as u32).collect()
    } else {
        raw.chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]) as u32)
            .collect()
    }
}

fn region(x: u32, y: u32, width: u32, height: u32) -> Region {
    Region {
        x,
        y,
        width,
        height,
    }
}

fn pixel_error(s: Settings, input: &[u8]) -> (&'static str, String) {
    match refusal(s, input) {
        Some(Error::Deidentify { code, path, .. }) => (code, path),
        other => panic!("expected a pixel error, got {other:?}"),
    }
}

#[test]
fn burned_in_yes_is_refused_by_default_and_passed_with_a_finding_when_allowed() {
    let input = Image::mono16(4, 4, 1)
        .sample()
        .put(text(tags::BURNED_IN_ANNOTATION, VR::CS, "YES"))
        .to_bytes();
    assert_eq!(
        pixel_error(settings(), &input),
        ("pixel.burned_in", "(0028,0301)".into())
    );
    let mut allow = settings();
    allow.burned_in = BurnedIn::Allow;
    let out = sanitize(allow, &input);
    assert_eq!(
        out.report.findings_with("pixel.burned_in_allowed").count(),
        1
    );
    assert_eq!(
        samples(&out.bytes, 16),
        (1..=16).collect::<Vec<_>>(),
        "pixels untouched"
    );
}

#[test]
fn high_risk_images_without_a_burned_in_value_are_refused() {
    let base = || Image::mono16(4, 4, 1).sample();
    let us = base().put(text(tags::MODALITY, VR::CS, "US")).to_bytes();
    assert_eq!(pixel_error(settings(), &us).0, "pixel.burned_in_unknown");
    let sc = base()
        .put(text(tags::SOP_CLASS_UID, VR::UI, SECONDARY_CAPTURE))
        .to_bytes();
    assert_eq!(pixel_error(settings(), &sc).0, "pixel.burned_in_unknown");
    let us_class = base()
        .put(text(tags::SOP_CLASS_UID, VR::UI, US_IMAGE))
        .to_bytes();
    assert_eq!(
        pixel_error(settings(), &us_class).0,
        "pixel.burned_in_unknown"
    );
    let mut allow = settings();
    allow.burned_in = BurnedIn::Allow;
    assert_eq!(
        sanitize(allow, &us)
            .report
            .findings_with("pixel.burned_in_unknown_allowed")
            .count(),
        1
    );
    // Said NO, or a CT without the attribute: passes without a finding.
    let said_no = base()
        .put(text(tags::MODALITY, VR::CS, "US"))
        .put(text(tags::BURNED_IN_ANNOTATION, VR::CS, "NO"))
        .to_bytes();
    for input in [said_no, base().to_bytes()] {
        let out = sanitize(settings(), &input);
        assert!(out
            .report
            .findings
            .iter()
            .all(|f| !f.code.starts_with("pixel.")));
    }
}

#[test]
fn regions_are_blanked_in_every_frame_and_only_there() {
    let img = Image::mono16(6, 8, 2);
    let input = img
        .sample()
        .put(text(tags::BURNED_IN_ANNOTATION, VR::CS, "YES"))
        .to_bytes();
    let mut s = settings();
    s.blank_regions = vec![region(1, 2, 3, 2), region(6, 5, 10, 10)]; // the second is clipped
    let out = sanitize(s, &input);
    let got = samples(&out.bytes, 16);
    for f in 0..2 {
        for y in 0..6 {
            for x in 0..8 {
                let i = (f * 6 + y) * 8 + x;
                let inside = (1..4).contains(&x) && (2..4).contains(&y) || x >= 6 && y >= 5;
                let want = if inside { 0 } else { i as u32 + 1 };
                assert_eq!(got[i], want, "frame {f} ({x},{y})");
            }
        }
    }
    assert_eq!(out.report.findings_with("pixel.regions_blanked").count(), 1);
    // The changed pixels are hashed on both sides: the input's digest is kept apart.
    let original = &input[find_pixel_value(&input)];
    let r = &out.report;
    let digest = r.input_pixel_data.as_ref().expect("blanked pixels differ");
    assert_eq!(digest.hex, blake3::hash(original).to_hex().as_str());
    assert_eq!(digest.bytes, original.len() as u64);
    assert_eq!(r.input_header.bytes, (input.len() - original.len()) as u64);
    let codes: Vec<String> = method_codes(&parse(&out.bytes))
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    assert_eq!(codes, ["113100", "113101"], "Clean Pixel Data is declared");
}

#[test]
fn colour_images_are_blanked_in_every_sample_interleaved_or_planar() {
    for planar in [false, true] {
        let img = Image {
            rows: 3,
            cols: 4,
            frames: 1,
            spp: 3,
            planar,
            bits: 8,
        };
        let mut s = settings();
        s.blank_regions = vec![region(0, 0, 2, 1)];
        let got = samples(&sanitize(s, &img.sample().to_bytes()).bytes, 8);
        let blanked: Vec<usize> = (0..got.len()).filter(|&i| got[i] == 0).collect();
        let want: Vec<usize> = if planar {
            (0..3).flat_map(|p| [p * 12, p * 12 + 1]).collect()
        } else {
            (0..6).collect()
        };
        assert_eq!(blanked, want, "planar {planar}");
    }
}

#[test]
fn region_rules_apply_only_to_the_images_they_match() {
    let rule = |modality: &str, manufacturer: &str, rows: u32| RegionRule {
        modality: Some(modality.into()),
        manufacturer: Some(manufacturer.into()),
        model: Some("scanner 3".into()),
        rows: Some(rows),
        columns: Some(4),
        regions: vec![region(0, 0, 4, 1)],
        ..RegionRule::default()
    };
    let input = Image::mono16(4, 4, 1)
        .sample()
        .put(text(tags::BURNED_IN_ANNOTATION, VR::CS, "YES"))
        .to_bytes();
    let mut s = settings();
    s.region_rules = vec![rule("MR", "acme", 4), rule("CT", "acme", 4)];
    let got = samples(&sanitize(s, &input).bytes, 16);
    assert_eq!(&got[..4], &[0, 0, 0, 0]);
    assert_eq!(got[4], 5);
    // No rule matches (other size, other maker): the burned-in image is refused.
    for unmatched in [
        rule("CT", "acme", 512),
        rule("CT", "Other Corp", 4),
        rule("US", "acme", 4),
    ] {
        let mut s = settings();
        s.region_rules = vec![unmatched];
        assert_eq!(pixel_error(s, &input).0, "pixel.burned_in");
    }
}

#[test]
fn region_rules_select_by_sop_class_and_photometric_interpretation() {
    let input = Image::mono16(4, 4, 1)
        .sample()
        .put(text(
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            "MONOCHROME2",
        ))
        .put(text(tags::BURNED_IN_ANNOTATION, VR::CS, "YES"))
        .to_bytes();
    let class = text_of(&parse(&input), tags::SOP_CLASS_UID).unwrap();
    let rule = |sop_class: &str, photometric: &str| RegionRule {
        sop_class: Some(sop_class.into()),
        photometric: Some(photometric.into()),
        regions: vec![region(0, 0, 4, 1)],
        ..RegionRule::default()
    };
    let mut s = settings();
    s.region_rules = vec![rule(&class, "monochrome2")];
    assert_eq!(
        &samples(&sanitize(s, &input).bytes, 16)[..5],
        &[0, 0, 0, 0, 5]
    );
    for unmatched in [rule(SECONDARY_CAPTURE, "MONOCHROME2"), rule(&class, "RGB")] {
        let mut s = settings();
        s.region_rules = vec![unmatched];
        assert_eq!(pixel_error(s, &input).0, "pixel.burned_in");
    }
}

/// An 8×6 ultrasound image with two data regions: columns 1..=3 of rows 1..=4, and columns
/// 5..=6 of rows 2..=3.
fn ultrasound(regions: bool) -> Vec<u8> {
    let ul = |tag, v: u32| DataElement::new(tag, VR::UL, PrimitiveValue::from(v));
    let data_region = |x0, y0, x1, y1| {
        fixtures::item(vec![
            ul(tags::REGION_LOCATION_MIN_X0, x0),
            ul(tags::REGION_LOCATION_MIN_Y0, y0),
            ul(tags::REGION_LOCATION_MAX_X1, x1),
            ul(tags::REGION_LOCATION_MAX_Y1, y1),
        ])
    };
    let mut s = Image::mono16(6, 8, 1)
        .sample()
        .put(text(tags::MODALITY, VR::CS, "US"))
        .put(text(tags::BURNED_IN_ANNOTATION, VR::CS, "YES"));
    if regions {
        s = s.put(fixtures::seq(
            tags::SEQUENCE_OF_ULTRASOUND_REGIONS,
            vec![data_region(1, 1, 3, 4), data_region(5, 2, 6, 3)],
        ));
    }
    s.to_bytes()
}

#[test]
fn a_rule_blanks_everything_outside_the_ultrasound_data_regions() {
    let mut s = settings();
    s.region_rules = vec![RegionRule {
        modality: Some("US".into()),
        outside_ultrasound_regions: true,
        ..RegionRule::default()
    }];
    let out = sanitize(s.clone(), &ultrasound(true));
    let got = samples(&out.bytes, 16);
    for (i, &v) in got.iter().enumerate() {
        let (x, y) = (i % 8, i / 8);
        let inside = (1..=3).contains(&x) && (1..=4).contains(&y)
            || (5..=6).contains(&x) && (2..=3).contains(&y);
        assert_eq!(v, if inside { i as u32 + 1 } else { 0 }, "({x}, {y})");
    }
    assert!(method_codes(&parse(&out.bytes))
        .iter()
        .any(|(c, _)| c == "113101"));
    // No ultrasound regions: a finding, and the burned-in image is refused as if no rule matched.
    let e = refusal(s.clone(), &ultrasound(false)).unwrap();
    assert_eq!(e.code(), "pixel.burned_in");
    s.burned_in = BurnedIn::Allow;
    let out = sanitize(s, &ultrasound(false));
    let finding = out
        .report
        .findings
        .iter()
        .find(|f| f.code == "pixel.regions_not_applicable");
    assert_eq!(finding.unwrap().path.as_deref(), Some("(0018,6011)"));
}

#[test]
fn burned_in_annotation_becomes_no_only_when_a_rule_covers_all_the_text() {
    let input = ultrasound(true);
    let burned = |s: Settings| {
        let out = sanitize(s, &input);
        let o = parse(&out.bytes);
        assert!(method_codes(&o).iter().any(|(c, _)| c == "113101"));
        text_of(&o, tags::BURNED_IN_ANNOTATION)
    };
    let rule = |covers_all_text, regions| RegionRule {
        modality: Some("US".into()),
        regions,
        covers_all_text,
        ..RegionRule::default()
    };
    let mut s = settings();
    s.region_rules = vec![rule(true, vec![region(0, 0, 8, 1)])];
    assert_eq!(burned(s).as_deref(), Some("NO"));
    // Regions that do not claim to cover all the text, or caller regions: it stays YES.
    let mut s = settings();
    s.region_rules = vec![rule(false, vec![region(0, 0, 8, 1)])];
    assert_eq!(burned(s).as_deref(), Some("YES"));
    assert_eq!(burned(blanking(0, 0, 8, 1)).as_deref(), Some("YES"));
    // A covering rule one of whose regions lies outside the image did not blank all it says.
    let mut s = settings();
    s.region_rules = vec![rule(true, vec![region(0, 0, 8, 1), region(50, 50, 2, 2)])];
    assert_eq!(burned(s).as_deref(), Some("YES"));
}

#[test]
fn regions_in_compressed_or_inconsistent_pixel_data_are_refused() {
    let mut s = settings();
    s.blank_regions = vec![region(0, 0, 2, 2)];
    // High-Throughput JPEG 2000 has no decoder here; a JPEG frame with no image in it is broken.
    let htj2k = Sample::ct_jpeg()
        .with_transfer_syntax("1.2.840.10008.1.2.4.201")
        .to_bytes();
    assert_eq!(
        pixel_error(s.clone(), &htj2k),
        ("pixel.compressed_regions", "(7FE0,0010)".into())
    );
    let jpeg = Sample::ct_jpeg().to_bytes();
    assert_eq!(refusal(s.clone(), &jpeg).unwrap().code(), "read.bad_jpeg");
    // Rows say 64, the value holds 16 samples.
    let short = Image::mono16(4, 4, 1)
        .sample()
        .put(DataElement::new(
            tags::ROWS,
            VR::US,
            PrimitiveValue::from(64u16),
        ))
        .to_bytes();
    assert_eq!(pixel_error(s, &short).0, "pixel.unsupported");
    // Without regions the compressed file passes untouched.
    assert!(refusal(settings(), &jpeg).is_none());
}

#[test]
fn a_region_without_area_is_a_settings_error() {
    let mut s = settings();
    s.blank_regions = vec![region(3, 3, 0, 5)];
    let e = dicom_sanitizer::Sanitizer::new(s).err().unwrap();
    assert_eq!(e.code(), "settings.invalid_value");
}

/// Decodes native pixel data with pydicom reading the file and a per-pixel decoder written
/// apart from the blanker: per file, frames of pixels of samples.
fn pydicom_pixels(files: &[Vec<u8>]) -> Vec<Vec<Vec<Vec<u64>>>> {
    pydicom("pixel_layouts.py", files)
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect()
}

#[test]
fn every_native_layout_blanks_to_black_inside_the_regions_and_nothing_outside() {
    let ybr422 = |frames| Native::new("YBR_FULL_422", 8, 4, 6, frames);
    let mono1 = Native::new("MONOCHROME2", 1, 5, 7, 3); // 35 bits a frame: not byte aligned
    let cases: Vec<(&str, Native, Vec<Region>)> = vec![
        // Odd x boundaries round outward to the pair: x 1..3 blanks pixels 0..4.
        ("YBR_FULL_422", ybr422(1), vec![region(1, 1, 2, 2)]),
        (
            "YBR_FULL_422 multi-frame",
            ybr422(3),
            vec![region(3, 0, 1, 1), region(4, 3, 9, 9)],
        ),
        (
            "YBR_PARTIAL_422 odd columns",
            Native::new("YBR_PARTIAL_422", 8, 3, 5, 2),
            vec![region(4, 0, 1, 2)],
        ),
        (
            "YBR_FULL interleaved",
            Native::new("YBR_FULL", 8, 3, 4, 2),
            vec![region(1, 1, 2, 5)],
        ),
        (
            "YBR_FULL planar",
            Native::new("YBR_FULL", 8, 3, 4, 2).planar(),
            vec![region(1, 1, 2, 5)],
        ),
        (
            "RGB planar",
            Native::new("RGB", 8, 3, 4, 2).planar(),
            vec![region(0, 0, 3, 1)],
        ),
        ("1-bit multi-frame", mono1.clone(), vec![region(2, 1, 3, 3)]),
        ("1-bit, frame-wide region", mono1, vec![region(0, 0, 7, 5)]),
        (
            "MONOCHROME2 16-bit big endian",
            Native::new("MONOCHROME2", 16, 4, 5, 2).big_endian(),
            vec![region(1, 1, 2, 2)],
        ),
        (
            "YBR_FULL 16-bit (12 stored) big endian",
            Native {
                stored: Some(12),
                ..Native::new("YBR_FULL", 16, 3, 4, 2).big_endian()
            },
            vec![region(2, 0, 2, 2)],
        ),
        (
            "YBR_FULL 16-bit planar",
            Native::new("YBR_FULL", 16, 3, 4, 1).planar(),
            vec![region(0, 2, 1, 1)],
        ),
        (
            "odd length 8-bit",
            Native::new("MONOCHROME2", 8, 3, 3, 1),
            vec![region(1, 1, 5, 5)],
        ),
        (
            "32-bit",
            Native::new("MONOCHROME2", 32, 3, 3, 2),
            vec![region(0, 1, 2, 1)],
        ),
        (
            "YBR_FULL_422 8-bit in OW, big endian",
            Native::new("YBR_FULL_422", 8, 3, 6, 3).ow(),
            vec![region(1, 1, 3, 3)],
        ),
        (
            "odd length 8-bit in OW, big endian",
            Native::new("MONOCHROME2", 8, 3, 3, 3).ow(),
            vec![region(2, 1, 1, 1)],
        ),
        (
            "64-bit",
            Native::new("MONOCHROME2", 64, 2, 3, 2),
            vec![region(1, 1, 1, 1)],
        ),
        (
            "RGB 32-bit big endian",
            Native::new("RGB", 32, 2, 3, 1).big_endian(),
            vec![region(1, 0, 1, 2)],
        ),
    ];
    let mut files = Vec::new();
    for (name, img, regions) in &cases {
        let input = img.to_bytes();
        let mut s = settings();
        s.blank_regions = regions.clone();
        let out = Sanitizer::new(s)
            .unwrap()
            .sanitize(&input)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            out.report.findings_with("pixel.regions_blanked").count(),
            1,
            "{name}"
        );
        assert_eq!(out.bytes.len() % 2, 0, "{name}: even length");
        files.push(input);
        files.push(out.bytes);
    }
    let decoded = pydicom_pixels(&files);
    for (i, (name, img, regions)) in cases.iter().enumerate() {
        let (before, after) = (&decoded[2 * i], &decoded[2 * i + 1]);
        assert_eq!(before.len(), img.frames as usize, "{name}");
        let mut changed = 0;
        for (f, (was, now)) in before.iter().zip(after).enumerate() {
            for (p, (was, now)) in was.iter().zip(now).enumerate() {
                let want = match img.blanked(p, regions) {
                    true => img.black(),
                    false => was.clone(),
                };
                assert_eq!(now, &want, "{name}: frame {f} pixel {p}");
                changed += usize::from(now != was);
            }
        }
        assert!(
            changed > 0,
            "{name}: the blanked pixels were not black before"
        );
    }
}

#[test]
fn a_region_wholly_outside_the_image_is_a_finding_not_a_refusal() {
    let ct = || Image::mono16(4, 4, 1).sample();
    let outside = region(4, 0, 2, 2);
    let mut s = settings();
    s.blank_regions = vec![outside];
    let out = sanitize(s.clone(), &ct().to_bytes());
    let found: Vec<_> = out.report.findings_with("pixel.region_outside").collect();
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("(4, 0)"), "{}", found[0].message);
    assert_eq!(out.report.findings_with("pixel.regions_blanked").count(), 0);
    assert_eq!(samples(&out.bytes, 16), (1..=16).collect::<Vec<_>>());
    let codes: Vec<String> = method_codes(&parse(&out.bytes))
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    assert_eq!(codes, ["113100"], "nothing blanked: not declared clean");
    // Nothing was blanked, so burned-in text is still there: the policy refuses it.
    let burned = ct().put(text(tags::BURNED_IN_ANNOTATION, VR::CS, "YES"));
    assert_eq!(
        pixel_error(s.clone(), &burned.to_bytes()).0,
        "pixel.burned_in"
    );
    // With a region inside as well, that one is blanked.
    s.blank_regions = vec![outside, region(3, 3, 5, 5)];
    let out = sanitize(s, &burned.to_bytes());
    assert_eq!(out.report.findings_with("pixel.region_outside").count(), 1);
    let blanked: Vec<_> = out.report.findings_with("pixel.regions_blanked").collect();
    assert!(blanked[0].message.starts_with("1 region(s)"));
    let got = samples(&out.bytes, 16);
    assert_eq!((got[14], got[15]), (15, 0));
}

#[test]
fn regions_for_an_object_without_a_native_image_are_a_finding_and_the_policy_applies() {
    let not_applicable = |s: Settings, input: &[u8]| {
        let out = sanitize(s, input);
        let f: Vec<_> = out
            .report
            .findings_with("pixel.regions_not_applicable")
            .cloned()
            .collect();
        assert_eq!(f.len(), 1, "{:?}", out.report.findings);
        assert_eq!(out.report.findings_with("pixel.regions_blanked").count(), 0);
        (f[0].path.clone().unwrap(), out)
    };
    let mut rule = settings();
    rule.region_rules = vec![RegionRule {
        modality: Some("SR".into()),
        regions: vec![region(0, 0, 10, 10)],
        ..RegionRule::default()
    }];
    let sr = Sample::minimal("1.2.826.0.1.3680043.8.498.79")
        .put(text(tags::MODALITY, VR::CS, "SR"))
        .to_bytes();
    assert_eq!(not_applicable(rule.clone(), &sr).0, "(7FE0,0010)");

    // Float Pixel Data is never blanked; the burned-in policy still applies to it.
    let float = Sample::minimal("1.2.826.0.1.3680043.8.498.80")
        .put(text(tags::MODALITY, VR::CS, "MR"))
        .put(DataElement::new(
            tags::FLOAT_PIXEL_DATA,
            VR::OF,
            PrimitiveValue::F32(vec![1.5f32; 4].into()),
        ));
    let s = blanking(0, 0, 2, 2);
    assert_eq!(
        not_applicable(s.clone(), &float.to_bytes()).0,
        "(7FE0,0008)"
    );
    let burned = float
        .put(text(tags::BURNED_IN_ANNOTATION, VR::CS, "YES"))
        .to_bytes();
    assert_eq!(pixel_error(s.clone(), &burned).0, "pixel.burned_in");
    let mut allow = s.clone();
    allow.burned_in = BurnedIn::Allow;
    let (_, out) = not_applicable(allow, &burned);
    assert_eq!(
        out.report.findings_with("pixel.burned_in_allowed").count(),
        1
    );

    // A 2-byte placeholder Pixel Data with no Rows, Columns or Bits Allocated is no image:
    // regions (given, or by a rule) are not applicable, never a refusal; the value passes.
    let pixel = || DataElement::new(tags::PIXEL_DATA, VR::OB, PrimitiveValue::from(vec![0u8, 0]));
    let native = Sample::minimal("1.2.826.0.1.3680043.8.498.81")
        .put(text(tags::MODALITY, VR::CS, "SR"))
        .put(pixel())
        .to_bytes();
    for settings in [s.clone(), rule.clone()] {
        let (path, out) = not_applicable(settings, &native);
        assert_eq!(path, "(7FE0,0010)");
        let o = parse(&out.bytes);
        assert_eq!(
            o.element(tags::PIXEL_DATA)
                .unwrap()
                .to_bytes()
                .unwrap()
                .len(),
            2
        );
    }
    // Rows 0 and no Columns: no image either.
    let zero_rows = Sample::minimal("1.2.826.0.1.3680043.8.498.82")
        .put(DataElement::new(
            tags::ROWS,
            VR::US,
            PrimitiveValue::from(0u16),
        ))
        .put(pixel())
        .to_bytes();
    assert_eq!(not_applicable(s.clone(), &zero_rows).0, "(7FE0,0010)");

    // Bits Allocated 12 is not a native layout: the pixels pass untouched.
    let twelve = Image::mono16(4, 4, 1).sample().put(DataElement::new(
        tags::BITS_ALLOCATED,
        VR::US,
        PrimitiveValue::from(12u16),
    ));
    let (path, out) = not_applicable(s, &twelve.to_bytes());
    assert_eq!(path, "(0028,0100)");
    assert_eq!(samples(&out.bytes, 16), (1..=16).collect::<Vec<_>>());
}

#[test]
fn layouts_that_are_real_doubt_stay_refused() {
    let s = blanking(0, 0, 2, 2);
    let planar_422 = Native::new("YBR_FULL_422", 8, 2, 4, 1).planar();
    let bits_in_words = Native::new("MONOCHROME2", 1, 4, 4, 1).ow();
    let short_422 = Native::new("YBR_FULL_422", 8, 2, 4, 1)
        .sample()
        .put(DataElement::new(
            tags::ROWS,
            VR::US,
            PrimitiveValue::from(3u16),
        ));
    for (name, input) in [
        ("4:2:2 planar", planar_422.to_bytes()),
        ("1-bit in big endian OW", bits_in_words.to_bytes()),
        ("4:2:2 value too short", short_422.to_bytes()),
    ] {
        assert_eq!(
            pixel_error(s.clone(), &input),
            ("pixel.unsupported", "(7FE0,0010)".into()),
            "{name}"
        );
    }
}
