//! Keyed pseudonyms: deterministic, key-dependent, linked across files, intervals kept.

mod common;

use common::*;
use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_sanitizer::{PatientId, ProfileOption, Sanitizer, Settings};
use fixtures::Sample;

#[test]
fn same_key_same_input_gives_identical_bytes_across_sanitizers() {
    let input = Sample::ct().to_bytes();
    let a = sanitize(settings(), &input);
    let b = sanitize(settings(), &input);
    assert_eq!(a.bytes, b.bytes);
    assert_eq!(a.report, b.report);
}

#[test]
fn a_different_key_gives_different_uids_and_ids() {
    let input = Sample::ct().to_bytes();
    let a = parse(&sanitize(settings(), &input).bytes);
    let b = parse(&sanitize(Settings::new().key(*b"another-key-0123456789"), &input).bytes);
    for tag in [
        tags::SOP_INSTANCE_UID,
        tags::STUDY_INSTANCE_UID,
        tags::PATIENT_ID,
    ] {
        assert_ne!(text_of(&a, tag), text_of(&b, tag), "{tag}");
    }
}

#[test]
fn without_a_key_each_sanitizer_draws_its_own() {
    let input = Sample::ct().to_bytes();
    let a = Sanitizer::new(Settings::new())
        .unwrap()
        .sanitize(&input)
        .unwrap();
    let b = Sanitizer::new(Settings::new())
        .unwrap()
        .sanitize(&input)
        .unwrap();
    assert_ne!(
        text_of(&parse(&a.bytes), tags::SOP_INSTANCE_UID),
        text_of(&parse(&b.bytes), tags::SOP_INSTANCE_UID)
    );
}

#[test]
fn references_between_files_of_a_study_stay_linked() {
    let one = parse(&sanitize(settings(), &Sample::ct_instance(1).to_bytes()).bytes);
    let two = parse(&sanitize(settings(), &Sample::ct_instance(2).to_bytes()).bytes);
    let sop_one = text_of(&one, tags::SOP_INSTANCE_UID).unwrap();
    // Slice 2 refers to slice 1 in two sequences; both references follow the new UID.
    for seq in [tags::REFERENCED_IMAGE_SEQUENCE, tags::SOURCE_IMAGE_SEQUENCE] {
        let r = first_item(&two, seq);
        assert_eq!(
            text_of(r, tags::REFERENCED_SOP_INSTANCE_UID).as_deref(),
            Some(sop_one.as_str()),
            "{seq}"
        );
        assert_eq!(
            text_of(r, tags::REFERENCED_SOP_CLASS_UID).as_deref(),
            Some(fixtures::CT_IMAGE_STORAGE)
        );
    }
    for tag in [
        tags::STUDY_INSTANCE_UID,
        tags::SERIES_INSTANCE_UID,
        tags::FRAME_OF_REFERENCE_UID,
        tags::PATIENT_ID,
    ] {
        assert_eq!(
            text_of(&one, tag),
            text_of(&two, tag),
            "{tag} shared by the study"
        );
    }
    assert_eq!(one.meta().media_storage_sop_instance_uid(), sop_one);
    assert_eq!(
        text_of(&one, tags::SOP_CLASS_UID).as_deref(),
        Some(fixtures::CT_IMAGE_STORAGE)
    );
    assert_eq!(one.meta().transfer_syntax(), fixtures::EXPLICIT_VR_LE);
}

#[test]
fn a_reference_three_levels_deep_follows_the_instance_it_names() {
    const C: Tag = Tag(0x0028, 0x3010); // a sequence the table does not list
    let reference = fixtures::text(
        tags::REFERENCED_SOP_INSTANCE_UID,
        dicom_core::VR::UI,
        "1.2.3.4.5",
    );
    let chain = (0..3).fold(reference, |e, _| {
        fixtures::seq(C, vec![fixtures::item(vec![e])])
    });
    let o = parse(
        &sanitize(
            settings(),
            &Sample::minimal("1.2.3.4.5").put(chain).to_bytes(),
        )
        .bytes,
    );
    let deep = first_item(first_item(first_item(&o, C), C), C);
    assert_eq!(
        text_of(deep, tags::REFERENCED_SOP_INSTANCE_UID),
        text_of(&o, tags::SOP_INSTANCE_UID)
    );
}

#[test]
fn uids_are_valid_2_25_uids() {
    let out = parse(&sanitize(settings(), &Sample::ct().to_bytes()).bytes);
    let uid = text_of(&out, tags::STUDY_INSTANCE_UID).unwrap();
    let digits = uid.strip_prefix("2.25.").expect("2.25 root");
    assert!(uid.len() <= 64);
    assert!(digits.chars().all(|c| c.is_ascii_digit()));
    assert!(!digits.starts_with('0') || digits == "0");
}

#[test]
fn patient_id_policies() {
    let input = Sample::ct().to_bytes();
    let keyed = text_of(
        &parse(&sanitize(settings(), &input).bytes),
        tags::PATIENT_ID,
    )
    .unwrap();
    assert!(keyed.starts_with("PAT-") && keyed.len() == 24, "{keyed}");
    let fixed = Settings {
        patient_id: PatientId::Fixed("TRIAL-007".into()),
        ..settings()
    };
    assert_eq!(
        text_of(&parse(&sanitize(fixed, &input).bytes), tags::PATIENT_ID).as_deref(),
        Some("TRIAL-007")
    );
    // Z/D in 2025b: the profile's choice is the dummy.
    let profile = Settings {
        patient_id: PatientId::Profile,
        ..settings()
    };
    assert_eq!(
        text_of(&parse(&sanitize(profile, &input).bytes), tags::PATIENT_ID).as_deref(),
        Some(dicom_sanitizer::DUMMY_TEXT)
    );
}

#[test]
fn modified_dates_shift_by_one_offset_per_patient_and_keep_intervals() {
    let with = |content: &str, study: &str, id: &str| {
        let s = Sample::ct()
            .put(fixtures::text(
                tags::CONTENT_DATE,
                dicom_core::VR::DA,
                content,
            ))
            .put(fixtures::text(tags::STUDY_DATE, dicom_core::VR::DA, study))
            .put(fixtures::text(tags::PATIENT_ID, dicom_core::VR::LO, id));
        let o = parse(
            &sanitize(
                settings().option(ProfileOption::RetainLongitudinalModifiedDates),
                &s.to_bytes(),
            )
            .bytes,
        );
        (
            text_of(&o, tags::CONTENT_DATE).unwrap(),
            text_of(&o, tags::STUDY_DATE).unwrap(),
            o,
        )
    };
    let days = |d: &str| {
        let (y, m, dd): (i64, i64, i64) = (
            d[..4].parse().unwrap(),
            d[4..6].parse().unwrap(),
            d[6..].parse().unwrap(),
        );
        // Days from a fixed epoch, good enough for differences within a few centuries.
        let a = (14 - m) / 12;
        let (y2, m2) = (y + 4800 - a, m + 12 * a - 3);
        dd + (153 * m2 + 2) / 5 + 365 * y2 + y2 / 4 - y2 / 100 + y2 / 400
    };
    let (c1, s1, o) = with("20240412", "20240305", "P1");
    assert_ne!(s1, "20240305");
    assert_eq!(
        days(&c1) - days(&s1),
        days("20240412") - days("20240305"),
        "interval kept"
    );
    assert_eq!(
        text_of(&o, tags::PATIENT_BIRTH_DATE).as_deref(),
        Some(""),
        "birth date is Z, not shifted"
    );
    let (_, s1_again, _) = with("20250101", "20240305", "P1");
    assert_eq!(s1, s1_again, "same patient, same offset");
    assert_eq!(
        text_of(&o, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some("MODIFIED")
    );
    assert_eq!(
        text_of(&o, tags::STUDY_TIME).as_deref(),
        Some("101500"),
        "times stay"
    );
    let dt = text_of(&o, tags::ACQUISITION_DATE_TIME).unwrap();
    assert_eq!(&dt[8..], "101600.000000");
    assert_eq!(days(&dt[..8]), days(&s1), "DT moves with DA");
    let others: Vec<String> = (2..40)
        .map(|n| with("20240412", "20240305", &format!("P{n}")).1)
        .collect();
    assert!(
        others.iter().any(|s| *s != s1),
        "offsets differ between patients"
    );
}

#[test]
fn the_study_uid_alone_maps_as_in_the_files() {
    // A STOW-RS proxy maps the `/studies/{study}` path without a file; it must agree with the output.
    let input = Sample::ct().to_bytes();
    let original = text_of(&parse(&input), tags::STUDY_INSTANCE_UID).unwrap();
    for s in [settings(), settings().option(ProfileOption::RetainUids)] {
        let sanitizer = Sanitizer::new(s).unwrap();
        let out = parse(&sanitizer.sanitize(&input).unwrap().bytes);
        let mapped = sanitizer.study_uid(&original).unwrap();
        assert_eq!(mapped, text_of(&out, tags::STUDY_INSTANCE_UID));
    }
    let refused = Sanitizer::new(settings()).unwrap().study_uid("1.2.x");
    assert_eq!(refused.unwrap_err().code(), "read.invalid_uid");
}
