//! De-identification markers, the report, private attributes, clean, and user rules.

mod common;

use common::*;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_sanitizer::{Error, ProfileOption, RuleAction, Sanitizer, Settings, UserRule};
use fixtures::{phi, text, Sample};

#[test]
fn output_is_marked_and_preamble_zeroed() {
    let input = Sample::ct()
        .with_preamble(b"MZ\x90\x00this is a PE header")
        .to_bytes();
    let out = sanitize(settings().option(ProfileOption::CleanDescriptors), &input);
    assert_eq!(&out.bytes[..128], &[0u8; 128][..]);
    assert_eq!(out.report.findings_with("preamble.executable").count(), 1);
    let o = parse(&out.bytes);
    assert_eq!(
        text_of(&o, tags::PATIENT_IDENTITY_REMOVED).as_deref(),
        Some("YES")
    );
    let method = o
        .get(tags::DEIDENTIFICATION_METHOD)
        .unwrap()
        .value()
        .to_multi_str()
        .unwrap()
        .join("\\");
    assert!(
        method.contains("dicom-sanitizer") && method.contains("2025b"),
        "{method}"
    );
    let codes = method_codes(&o);
    assert_eq!(
        codes,
        vec![
            ("113100".into(), "DCM".into()),
            ("113105".into(), "DCM".into())
        ]
    );
    assert_eq!(
        text_of(&o, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some("REMOVED")
    );
}

#[test]
fn report_has_hashes_counts_and_no_phi() {
    let input = Sample::ct().to_bytes();
    let out = sanitize(settings(), &input);
    let r = &out.report;
    assert_eq!(
        r.input_header,
        dicom_sanitizer::Digest::of(
            dicom_sanitizer::DigestAlgorithm::Blake3,
            &outside_pixels(&input)
        )
    );
    assert_eq!(r.input_pixel_data, None);
    assert_eq!(
        r.output,
        dicom_sanitizer::Digest::of(dicom_sanitizer::DigestAlgorithm::Blake3, &out.bytes)
    );
    assert_eq!((r.profile.as_str(), r.edition.as_str()), ("basic", "2025b"));
    for k in [
        "removed",
        "emptied",
        "dummied",
        "uidReplaced",
        "kept",
        "idPseudonymized",
    ] {
        assert!(r.actions.get(k).copied().unwrap_or(0) > 0, "{k}");
    }
    let json = r.to_json();
    for token in phi::ALL {
        assert!(
            !json.to_lowercase().contains(&token.to_lowercase()),
            "{token} in report"
        );
    }
    let back: dicom_sanitizer::Report = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, r);
}

#[test]
fn no_planted_phi_survives_the_basic_profile() {
    let out = parse(&sanitize(settings(), &Sample::ct().to_bytes()).bytes);
    let all = all_text(&out).to_lowercase();
    for token in phi::ALL
        .iter()
        .chain([&phi::PRIVATE_NAME, &phi::INSTITUTION, &phi::STUDY_UID])
    {
        assert!(!all.contains(&token.to_lowercase()), "{token} survived");
    }
}

#[test]
fn private_attributes_go_unless_safe_under_retain_safe_private() {
    let input = Sample::ct().to_bytes();
    let basic = parse(&sanitize(settings(), &input).bytes);
    for t in [
        Tag(0x0009, 0x0010),
        Tag(0x0009, 0x10E6),
        Tag(0x0011, 0x0010),
        Tag(0x0011, 0x1001),
    ] {
        assert!(basic.get(t).is_none(), "{t} removed");
    }
    let safe = parse(&sanitize(settings().option(ProfileOption::RetainSafePrivate), &input).bytes);
    let codes: Vec<String> = method_codes(&safe).into_iter().map(|(v, _)| v).collect();
    assert_eq!(codes, ["113100", "113111"]);
    assert_eq!(
        text_of(&safe, Tag(0x0009, 0x10E6)).as_deref(),
        Some("27"),
        "GEMS_IDEN_01 E6 is k"
    );
    assert_eq!(
        text_of(&safe, Tag(0x0009, 0x0010)).as_deref(),
        Some("GEMS_IDEN_01"),
        "its creator stays"
    );
    assert!(safe.get(Tag(0x0009, 0x10E3)).is_none(), "E3 is not k");
    assert!(
        safe.get(Tag(0x0011, 0x1001)).is_none() && safe.get(Tag(0x0011, 0x0010)).is_none(),
        "unknown creator and its now-empty block go"
    );
}

#[test]
fn a_safe_element_under_another_creator_or_nested_elsewhere_is_not_kept() {
    let input = Sample::minimal("1.2.3.4")
        .put(text(Tag(0x0009, 0x0010), VR::LO, "NOT_GE"))
        .put(text(Tag(0x0009, 0x10E6), VR::SH, "27"))
        .put(fixtures::seq(
            tags::REFERENCED_SERIES_SEQUENCE,
            vec![fixtures::item(vec![
                text(Tag(0x0009, 0x0010), VR::LO, "GEMS_IDEN_01"),
                text(Tag(0x0009, 0x10E6), VR::SH, "27"),
            ])],
        ))
        .to_bytes();
    let o = parse(&sanitize(settings().option(ProfileOption::RetainSafePrivate), &input).bytes);
    assert!(o.get(Tag(0x0009, 0x10E6)).is_none());
    let item = first_item(&o, tags::REFERENCED_SERIES_SEQUENCE);
    assert!(
        item.get(Tag(0x0009, 0x10E6)).is_none(),
        "the KB path is top-level only"
    );
}

#[test]
fn clean_descriptors_removes_names_ids_birth_date_and_numbers() {
    let input = Sample::ct()
        .put(text(
            tags::STUDY_DESCRIPTION,
            VR::LO,
            "CT chest Jane DOE born 12/03/1961 MRN0012345",
        ))
        .to_bytes();
    let o = parse(&sanitize(settings().option(ProfileOption::CleanDescriptors), &input).bytes);
    assert_eq!(
        text_of(&o, tags::STUDY_DESCRIPTION).as_deref(),
        Some("CT chest born")
    );
    assert_eq!(text_of(&o, tags::IMAGE_COMMENTS).as_deref(), Some("Pt ph"));
    assert_eq!(
        text_of(&o, tags::SERIES_DESCRIPTION).as_deref(),
        Some("Axial 1.25mm"),
        "harmless text stays"
    );
}

#[test]
fn user_rules_override_the_profile() {
    let s = settings()
        .rule(UserRule::new("StudyDescription", RuleAction::Keep))
        .rule(UserRule::replace("(0010,0010)", "SUBJECT^ONE"))
        .rule(UserRule::new("00081030", RuleAction::Remove).clone())
        .rule(UserRule::new("SeriesDescription", RuleAction::Empty))
        .rule(UserRule::new("StationName", RuleAction::Hash));
    let s = Settings {
        rules: s
            .rules
            .into_iter()
            .filter(|r| r.tag != "00081030")
            .collect(),
        ..s
    };
    // Kept as asked, once it no longer names the patient (the residual-PHI gate test covers
    // the kept description that does).
    let input = Sample::ct()
        .put(text(tags::STUDY_DESCRIPTION, VR::LO, "CT chest follow-up"))
        .to_bytes();
    let o = parse(
        &sanitize(
            s.clone()
                .rule(UserRule::new("Modality", RuleAction::Remove)),
            &input,
        )
        .bytes,
    );
    assert_eq!(
        text_of(&o, tags::STUDY_DESCRIPTION).as_deref(),
        Some("CT chest follow-up")
    );
    assert_eq!(
        text_of(&o, tags::PATIENT_NAME).as_deref(),
        Some("SUBJECT^ONE")
    );
    assert_eq!(text_of(&o, tags::SERIES_DESCRIPTION).as_deref(), Some(""));
    assert!(o.get(tags::MODALITY).is_none());
    let station = text_of(&o, tags::STATION_NAME).unwrap();
    assert_eq!(station.len(), 16);
    assert!(station.chars().all(|c| c.is_ascii_hexdigit()));
}

fn settings_error(s: Settings) -> Error {
    Sanitizer::new(s).err().expect("settings are refused")
}

#[test]
fn invalid_settings_are_refused_with_codes() {
    let e = settings_error(settings().rule(UserRule::new("PatientNme", RuleAction::Keep)));
    assert_eq!(e.code(), "settings.unknown_keyword");
    assert!(e.to_string().contains("PatientName"), "suggests: {e}");
    assert_eq!(
        settings_error(settings().rule(UserRule::new("(0010,00ZZ)", RuleAction::Keep))).code(),
        "settings.malformed_tag"
    );
    assert_eq!(
        settings_error(settings().rule(UserRule::new("(0009,1001)", RuleAction::Keep))).code(),
        "settings.rule_not_allowed"
    );
    assert_eq!(
        settings_error(
            settings().rule(UserRule::new("PatientIdentityRemoved", RuleAction::Remove))
        )
        .code(),
        "settings.rule_not_allowed"
    );
    assert_eq!(
        settings_error(settings().rule(UserRule::new("PatientName", RuleAction::Replace))).code(),
        "settings.missing_value"
    );
    assert_eq!(
        settings_error(settings().rule(UserRule::replace("Rows", "x"))).code(),
        "settings.invalid_value"
    );
    assert_eq!(
        settings_error(settings().rule(UserRule::replace("StationName", "A-NAME-LONGER-THAN-16")))
            .code(),
        "settings.invalid_value"
    );
    assert_eq!(
        settings_error(settings().rule(UserRule::new("Rows", RuleAction::Hash))).code(),
        "settings.invalid_value"
    );
    let dup = settings()
        .rule(UserRule::new("PatientName", RuleAction::Keep))
        .rule(UserRule::new("(0010,0010)", RuleAction::Remove));
    assert_eq!(settings_error(dup).code(), "settings.duplicate_rule");
    assert_eq!(
        settings_error(Settings::new().key(*b"short")).code(),
        "settings.key_too_short"
    );
    let both = settings()
        .option(ProfileOption::RetainLongitudinalFullDates)
        .option(ProfileOption::RetainLongitudinalModifiedDates);
    assert_eq!(settings_error(both).code(), "settings.conflicting_options");
    let deep = Settings {
        limits: dicom_sanitizer::Limits {
            max_depth: 10_000,
            ..Default::default()
        },
        ..settings()
    };
    assert_eq!(settings_error(deep).code(), "settings.invalid_limit");
}

#[test]
fn settings_deserialize_from_camel_case_json() {
    let s: Settings = serde_json::from_str(
        r#"{"options":["retainUids","cleanDescriptors"],"patientId":{"fixed":"X1"},
            "rules":[{"tag":"PatientName","action":"replace","value":"A"}],"limits":{"maxDepth":8}}"#,
    )
    .unwrap();
    assert_eq!(
        s.options,
        vec![ProfileOption::RetainUids, ProfileOption::CleanDescriptors]
    );
    assert_eq!(s.limits.max_depth, 8);
    assert!(
        serde_json::from_str::<Settings>(r#"{"optionz":[]}"#).is_err(),
        "unknown fields refused"
    );
}

#[test]
fn an_overlay_goes_whole_with_its_data() {
    use dicom_core::header::Header;
    let input = Sample::ct().with_overlay().to_bytes();
    let group = |bytes: &[u8]| {
        parse(bytes)
            .iter()
            .filter(|e| e.tag().group() == 0x6000)
            .count()
    };
    assert_eq!(group(&sanitize(settings(), &input).bytes), 0);
    let cleaned = sanitize(settings().option(ProfileOption::CleanGraphics), &input);
    assert_eq!(group(&cleaned.bytes), 0, "a bitmap cannot be cleaned");
    let kept = sanitize(
        settings().rule(UserRule::new("(6000,3000)", RuleAction::Keep)),
        &input,
    );
    assert_eq!(group(&kept.bytes), 8);
}
