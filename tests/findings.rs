//! One test for each report finding and read error not covered elsewhere: the input that causes
//! it, its code, its path, and what happens to the attribute.

mod common;

use common::*;
use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_sanitizer::ProfileOption;
use fixtures::{text, Sample};

fn paths(out: &dicom_sanitizer::Sanitized, code: &str) -> Vec<String> {
    out.report
        .findings_with(code)
        .map(|f| f.path.clone().unwrap_or_default())
        .collect()
}

#[test]
fn a_private_element_without_its_creator_is_removed_and_reported() {
    let input = Sample::ct()
        .put(text(Tag(0x0029, 0x1010), VR::LO, "orphan"))
        .to_bytes();
    let out = sanitize(settings().option(ProfileOption::RetainSafePrivate), &input);
    assert_eq!(paths(&out, "private.no_creator"), ["(0029,1010)"]);
    assert!(parse(&out.bytes).get(Tag(0x0029, 0x1010)).is_none());
}

#[test]
fn a_file_meta_element_inside_the_data_set_is_removed_and_reported() {
    let input = Sample::ct()
        .put(text(Tag(0x0002, 0x0013), VR::SH, "SOMEIMPL"))
        .to_bytes();
    // The fixture writer puts group 2 in the meta; place one in the data set by hand instead,
    // after the first data set element (one right after the meta group would extend it).
    let mut bytes = Sample::ct().to_bytes();
    let at = header_at(&bytes, tags::IMAGE_TYPE, b"CS");
    let stray = [
        0x02, 0x00, 0x13, 0x00, b'S', b'H', 4, 0, b'I', b'M', b'P', b'L',
    ];
    bytes.splice(at..at, stray);
    let _ = input;
    let out = sanitize(settings(), &bytes);
    assert_eq!(paths(&out, "structure.meta_in_dataset"), ["(0002,0013)"]);
    let o = parse(&out.bytes);
    assert_eq!(
        o.meta()
            .implementation_version_name
            .as_deref()
            .map(str::trim),
        Some("DICOMSAN_0_1"),
        "the output meta is the sanitizer's own"
    );
}

#[test]
fn a_date_that_cannot_be_shifted_is_reported_and_not_kept() {
    let input = Sample::ct()
        .put(text(tags::STUDY_DATE, VR::DA, "2020XX01"))
        .to_bytes();
    let out = sanitize(
        settings().option(ProfileOption::RetainLongitudinalModifiedDates),
        &input,
    );
    assert_eq!(paths(&out, "value.date_unparsable"), ["(0008,0020)"]);
    let kept = text_of(&parse(&out.bytes), tags::STUDY_DATE).unwrap_or_default();
    assert!(!kept.contains("2020"), "{kept}");
}

#[test]
fn a_un_value_that_needs_changing_is_removed_and_reported() {
    // Study Instance UID encoded as UN is read as UI (PS3.5 6.2.2) and replaced; one too long
    // for UI's 16-bit length stays UN, and its action (replace the UID) cannot read it.
    let with = |value: Vec<u8>| {
        Sample::ct()
            .put(DataElement::new(
                tags::STUDY_INSTANCE_UID,
                VR::UN,
                PrimitiveValue::from(value),
            ))
            .to_bytes()
    };
    let out = sanitize(settings(), &with(b"1.2.826.0.1.3680043.8.498.1\0".to_vec()));
    assert_eq!(out.report.findings_with("value.un_resolved").count(), 1);
    let uid = text_of(&parse(&out.bytes), tags::STUDY_INSTANCE_UID).unwrap();
    assert!(uid.starts_with("2.25."), "{uid}");
    let out = sanitize(settings(), &with(vec![b'1'; 70_000]));
    assert_eq!(paths(&out, "value.un_removed"), ["(0020,000D)"]);
    assert!(parse(&out.bytes).get(tags::STUDY_INSTANCE_UID).is_none());
}

#[test]
fn an_invalid_sop_instance_uid_is_refused() {
    // The meta keeps a valid UID; the data set's copy is corrupted in place.
    for bad in ["1.2.a.4", "1.2.0.4x", "1.2..45", "1.2.45.."] {
        let mut bytes = Sample::minimal("1.2.3.45").to_bytes();
        let at = bytes
            .windows(8)
            .rposition(|w| w == b"1.2.3.45")
            .expect("the data set's UID");
        bytes[at..at + 8].copy_from_slice(&format!("{bad:<8}").as_bytes()[..8]);
        assert_eq!(code(settings(), &bytes), "read.invalid_uid", "{bad}");
    }
}

#[test]
fn a_meta_uid_that_is_not_a_uid_is_refused_by_the_uid_check() {
    // dicom-rs never parses the input's meta group (the pre-scan does), so this is the UID check,
    // not a parser error.
    assert_eq!(
        code(settings(), &Sample::minimal("1.2.abc").to_bytes()),
        "read.invalid_uid"
    );
}

#[test]
fn a_non_item_inside_a_sequence_is_a_structure_error() {
    // (0008,1115) SQ of defined length 8 holding an element header, not an item.
    let mut bytes = Sample::minimal("1.2.3.4").to_bytes();
    bytes.extend_from_slice(&[0x08, 0x00, 0x15, 0x11, b'S', b'Q', 0, 0, 8, 0, 0, 0]);
    bytes.extend_from_slice(&[0x08, 0x00, 0x50, 0x00, b'S', b'H', 0, 0]);
    assert_eq!(code(settings(), &bytes), "read.bad_structure");
}

#[test]
fn a_value_whose_vr_its_action_cannot_read_is_removed_and_reported() {
    // Found by fuzzing: Frame of Reference UID written with VR US was "replaced" as numbers.
    let input = Sample::ct()
        .put(DataElement::new(
            tags::FRAME_OF_REFERENCE_UID,
            VR::US,
            PrimitiveValue::U16([11778, 11826, 12856].into_iter().collect()),
        ))
        .to_bytes();
    let out = sanitize(settings(), &input);
    assert_eq!(paths(&out, "value.vr_mismatch"), ["(0020,0052)"]);
    assert!(parse(&out.bytes)
        .get(tags::FRAME_OF_REFERENCE_UID)
        .is_none());
}

#[test]
fn binary_values_of_a_wrong_size_and_delimiters_with_a_length_are_refused() {
    // Found by fuzzing: both made dicom-rs lose its place and allocate gigabytes.
    let mut odd = Sample::minimal("1.2.3.4").to_bytes();
    odd.extend_from_slice(&[0x08, 0x00, 0x00, 0x01, b'S', b'L', 6, 0, 1, 2, 3, 4, 5, 6]);
    assert_eq!(code(settings(), &odd), "read.bad_length");
    let mut delim = Sample::minimal("1.2.3.4").to_bytes();
    delim.extend_from_slice(&[
        0x08, 0x00, 0x15, 0x11, b'S', b'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
    ]);
    delim.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
    delim.extend_from_slice(&[0xFE, 0xFF, 0x0D, 0xE0, 9, 0, 0, 0]);
    delim.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    assert_eq!(code(settings(), &delim), "read.bad_length");
}

#[test]
fn a_kept_value_its_vr_does_not_allow_is_removed_and_reported() {
    // Found by fuzzing: a UID holding non-ASCII characters, in an attribute the profile keeps.
    let mut input = Sample::ct()
        .put(text(Tag(0x0010, 0x0002), VR::UI, "1.2X840.10008"))
        .to_bytes();
    let at = find(&input, b"1.2X840") + 3;
    input[at] = 0xC1; // a Latin-1 letter inside a UID (the file is ISO_IR 100)
    let out = sanitize(settings(), &input);
    assert_eq!(paths(&out, "value.invalid_removed"), ["(0010,0002)"]);
    assert!(parse(&out.bytes).get(Tag(0x0010, 0x0002)).is_none());
    // And the output sanitizes again.
    sanitize(settings(), &out.bytes);
}

#[test]
fn a_kept_uid_holding_letters_is_removed() {
    // Found by fuzzing: a name inside an unlisted UI attribute, which the gate does not read.
    let input = Sample::ct()
        .put(text(Tag(0x0022, 0x000E), VR::UI, "1.2.QUINCY.36"))
        .to_bytes();
    let out = sanitize(settings(), &input);
    assert_eq!(paths(&out, "value.invalid_removed"), ["(0022,000E)"]);
}
