//! The residual-PHI gate: a planted identifying token anywhere in a file is either removed or
//! stops the file with `phi.residual` (and no output); it is never silently kept.

mod common;

use common::*;
use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicom_sanitizer::{Error, ProfileOption, RuleAction, Settings, UserRule};
use fixtures::{item, phi, seq, text, Sample};

/// The planted text: the patient's given and family names, as a person would type them.
const PLANTED: &str = "seen jane doe here";

fn residual_path(settings: Settings, input: &[u8]) -> String {
    match refusal(settings, input) {
        Some(Error::Deidentify {
            code,
            path,
            message,
        }) => {
            assert_eq!(code, "phi.residual", "{message}");
            assert!(
                !message.to_uppercase().contains("JANE"),
                "no value in the message: {message}"
            );
            path
        }
        other => panic!("expected phi.residual, got {other:?}"),
    }
}

/// Whether any planted token is in the bytes (any case, Latin-1 view).
fn holds_phi(bytes: &[u8]) -> bool {
    let text: String = bytes
        .iter()
        .map(|&b| b as char)
        .collect::<String>()
        .to_uppercase();
    ["JANE", "DOE", "QUINCY"].iter().any(|t| text.contains(t))
}

/// Three unlisted sequences deep (kept by the profile, items walked), ending in `leaf`.
fn deep(leaf: DataElement<InMemDicomObject>) -> DataElement<InMemDicomObject> {
    let code_seq = |inner: DataElement<InMemDicomObject>| {
        seq(
            Tag(0x0018, 0x9346), // CTDI Phantom Type Code Sequence: not in Table E.1-1
            vec![item(vec![text(tags::CODE_VALUE, VR::SH, "113691"), inner])],
        )
    };
    code_seq(code_seq(code_seq(leaf)))
}

fn un(tag: Tag, value: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::UN, PrimitiveValue::from(value.as_bytes().to_vec()))
}

#[test]
fn a_token_in_a_kept_safe_private_attribute_stops_the_file() {
    let input = Sample::ct()
        .put(text(Tag(0x0009, 0x0010), VR::LO, "GEMS_IDEN_01"))
        .put(text(Tag(0x0009, 0x10E6), VR::SH, "JANE DOE"))
        .to_bytes();
    let s = settings().option(ProfileOption::RetainSafePrivate);
    assert_eq!(residual_path(s, &input), "(0009,10E6)");
    // Without the option the private block goes, and so does the name.
    assert!(!holds_phi(&sanitize(settings(), &input).bytes));
}

#[test]
fn a_token_three_sequences_deep_stops_the_file_with_its_path() {
    let input = Sample::ct()
        .put(deep(text(tags::CODE_MEANING, VR::LO, PLANTED)))
        .to_bytes();
    assert_eq!(
        residual_path(settings(), &input),
        "(0018,9346)/(0018,9346)/(0018,9346)/(0008,0104)"
    );
}

#[test]
fn a_token_in_a_kept_un_value_stops_the_file() {
    // A public attribute the dictionary does not know, kept as is by the profile.
    let input = Sample::ct()
        .put(deep(un(Tag(0x0018, 0x9347), PLANTED)))
        .to_bytes();
    assert_eq!(
        residual_path(settings(), &input),
        "(0018,9346)/(0018,9346)/(0018,9346)/(0018,9347)"
    );
}

#[test]
fn overlay_comments_and_unsafe_private_values_are_removed() {
    let input = Sample::ct()
        .put(text(Tag(0x6000, 0x4000), VR::LT, PLANTED)) // Overlay Comments: X
        .put(text(Tag(0x0029, 0x0010), VR::LO, "SOME VENDOR"))
        .put(text(Tag(0x0029, 0x1010), VR::LT, PLANTED))
        .put(un(Tag(0x0029, 0x1011), PLANTED))
        .to_bytes();
    for s in [
        settings(),
        settings().option(ProfileOption::RetainSafePrivate),
    ] {
        let out = sanitize(s, &input);
        assert!(!holds_phi(&out.bytes));
    }
}

#[test]
fn a_kept_description_naming_the_patient_stops_the_file_in_any_case() {
    for planted in [
        "CT chest for Jane Doe",
        "CT CHEST FOR JANE DOE",
        "ct chest for quincy",
    ] {
        let input = Sample::ct()
            .put(text(tags::STUDY_DESCRIPTION, VR::LO, planted))
            .to_bytes();
        let s = settings().rule(UserRule::new("StudyDescription", RuleAction::Keep));
        assert_eq!(residual_path(s, &input), "(0008,1030)", "{planted}");
        // Under Clean Descriptors the name is cleaned out instead.
        let out = sanitize(settings().option(ProfileOption::CleanDescriptors), &input);
        assert!(!holds_phi(&out.bytes), "{planted}");
    }
}

#[test]
fn ids_phones_and_birth_dates_in_any_spelling_stop_the_file() {
    for planted in [
        format!("old MRN {}", phi::PATIENT_ID),
        format!("prior {}", phi::OTHER_PATIENT_ID),
        format!("accession {}", phi::ACCESSION),
        format!("phone {}", phi::PHONE),
        "born 12/03/1961".to_string(),
        "born 1961-03-12".to_string(),
    ] {
        let input = Sample::ct()
            .put(deep(text(tags::CODE_MEANING, VR::LO, &planted)))
            .to_bytes();
        residual_path(settings(), &input);
    }
}

#[test]
fn attributes_the_settings_keep_are_not_tokens() {
    // Retain Institution Identity keeps the institution's name; it must not stop the file.
    let out = sanitize(
        settings().option(ProfileOption::RetainInstitutionIdentity),
        &Sample::ct().to_bytes(),
    );
    let o = parse(&out.bytes);
    assert_eq!(
        text_of(&o, tags::INSTITUTION_NAME).as_deref(),
        Some(phi::INSTITUTION)
    );
}

#[test]
fn patterns_in_kept_free_text_are_findings_or_errors_under_strict() {
    let input = Sample::ct()
        .put(text(
            tags::SERIES_DESCRIPTION,
            VR::LO,
            "call 555-987-6543 re 2019-03-12 ref 98765432",
        ))
        .to_bytes();
    let keep = || settings().rule(UserRule::new("SeriesDescription", RuleAction::Keep));
    let out = sanitize(keep(), &input);
    for code in ["phi.phone_like", "phi.date_like", "phi.id_like"] {
        let paths: Vec<_> = out
            .report
            .findings_with(code)
            .map(|f| f.path.clone().unwrap())
            .collect();
        assert_eq!(paths, ["(0008,103E)"], "{code}");
    }
    let mut strict = keep();
    strict.strict = true;
    match refusal(strict, &input) {
        Some(Error::Deidentify { code, path, .. }) => {
            assert_eq!((code, path.as_str()), ("phi.pattern", "(0008,103E)"))
        }
        other => panic!("expected phi.pattern, got {other:?}"),
    }
    // An ordinary description passes strict.
    let mut strict = keep();
    strict.strict = true;
    let plain = Sample::ct()
        .put(text(tags::SERIES_DESCRIPTION, VR::LO, "AX 1.25mm B30f"))
        .to_bytes();
    assert!(refusal(strict, &plain).is_none());
}

#[test]
fn a_token_planted_anywhere_is_removed_or_stops_the_file() {
    let places: Vec<(&str, DataElement<InMemDicomObject>)> = vec![
        (
            "study description",
            text(tags::STUDY_DESCRIPTION, VR::LO, PLANTED),
        ),
        (
            "image comments",
            text(tags::IMAGE_COMMENTS, VR::LT, PLANTED),
        ),
        (
            "deep code meaning",
            deep(text(tags::CODE_MEANING, VR::LO, PLANTED)),
        ),
        ("deep UN", deep(un(Tag(0x0018, 0x9347), PLANTED))),
        (
            "unlisted top-level UT",
            text(Tag(0x0018, 0x9004), VR::UT, PLANTED),
        ),
        (
            "overlay comments",
            text(Tag(0x6000, 0x4000), VR::LT, PLANTED),
        ),
        // Not in Table E.1-1, so the profile keeps it: the gate must stop it.
        (
            "overlay description",
            text(Tag(0x6002, 0x0022), VR::LO, PLANTED),
        ),
        ("overlay label", text(Tag(0x6000, 0x1500), VR::LO, PLANTED)),
        ("private LT", text(Tag(0x0029, 0x1010), VR::LT, PLANTED)),
        (
            "referenced image deep",
            seq(
                tags::REFERENCED_IMAGE_SEQUENCE,
                vec![item(vec![deep(text(tags::CODE_MEANING, VR::LO, PLANTED))])],
            ),
        ),
    ];
    let mut refused = 0;
    for (place, elem) in places {
        let input = Sample::ct()
            .put(text(Tag(0x0029, 0x0010), VR::LO, "SOME VENDOR"))
            .put(elem)
            .to_bytes();
        for options in [
            vec![],
            ProfileOption::ALL
                .iter()
                .copied()
                .filter(|o| *o != ProfileOption::RetainLongitudinalFullDates)
                .collect(),
        ] {
            let mut s = settings();
            s.options = options;
            let s = s.rule(UserRule::new("StudyDescription", RuleAction::Keep));
            match dicom_sanitizer::Sanitizer::new(s).unwrap().sanitize(&input) {
                Ok(out) => assert!(!holds_phi(&out.bytes), "{place}: kept silently"),
                Err(e) => {
                    assert_eq!(e.code(), "phi.residual", "{place}: {e}");
                    refused += 1;
                }
            }
        }
    }
    assert!(refused > 0);
}

#[test]
fn each_half_of_a_compound_name_is_a_token() {
    // Found by fuzzing: a name word joined to another by punctuation was not searched alone.
    for (name, planted) in [
        ("GARCIA-LOPEZ^ANA", "seen by lopez"),
        ("O'BRIEN^SEAN", "brien family"),
    ] {
        let input = Sample::ct()
            .put(text(tags::PATIENT_NAME, VR::PN, name))
            .put(deep(text(tags::CODE_MEANING, VR::LO, planted)))
            .to_bytes();
        residual_path(settings(), &input);
    }
}

#[test]
fn a_file_sanitized_before_passes_again_though_it_is_full_of_the_dummy_word() {
    // Institution Name dummied to ANONYMIZED by a first pass, and the same word in a kept
    // description and nested code values: not anyone's identity, so not a residual hit.
    let input = Sample::ct()
        .put(text(
            tags::INSTITUTION_NAME,
            VR::LO,
            dicom_sanitizer::DUMMY_TEXT,
        ))
        .put(text(tags::STUDY_DESCRIPTION, VR::LO, "ANONYMIZED CT"))
        .put(deep(text(tags::CODE_VALUE, VR::SH, "anonymized")))
        .to_bytes();
    let keep = settings().rule(UserRule::new("StudyDescription", RuleAction::Keep));
    let once = sanitize(keep.clone(), &input);
    let twice = sanitize(keep, &once.bytes);
    assert!(twice
        .report
        .findings
        .iter()
        .all(|f| !f.code.starts_with("phi")));
    // A real institution name in the same place still stops the file.
    let named = Sample::ct()
        .put(text(
            tags::STUDY_DESCRIPTION,
            VR::LO,
            &format!("CT at {}", phi::INSTITUTION),
        ))
        .to_bytes();
    let s = settings().rule(UserRule::new("StudyDescription", RuleAction::Keep));
    assert_eq!(residual_path(s, &named), "(0008,1030)");
}

#[test]
fn coincidences_in_codes_and_device_values_do_not_stop_the_file() {
    // Each from a real file (pydicom's test files): MR_small.dcm, rtplan.dcm,
    // examples_palette.dcm (and OBXXXX1A.dcm), test-SR.dcm.
    let beam = |elems| seq(Tag(0x300A, 0x00B0), vec![item(elems)]);
    let cases: Vec<(&str, Sample)> = vec![
        (
            "institution in manufacturer",
            Sample::ct()
                .put(text(tags::INSTITUTION_NAME, VR::LO, "TOSHIBA"))
                .put(text(tags::MANUFACTURER, VR::LO, "TOSHIBA_MEC")),
        ),
        (
            "nested institution in manufacturer",
            Sample::ct()
                .put(text(tags::MANUFACTURER, VR::LO, "Manufacturer name here"))
                .put(beam(vec![
                    text(tags::MANUFACTURER, VR::LO, "Linac co."),
                    text(tags::INSTITUTION_NAME, VR::LO, "Here"),
                ])),
        ),
        (
            "name in processing function",
            Sample::ct()
                .put(text(tags::PATIENT_NAME, VR::PN, "OB^^^^"))
                .put(text(Tag(0x0018, 0x5020), VR::LO, "OB_GENERAL")),
        ),
        (
            "name in coding scheme designator",
            Sample::ct()
                .put(text(tags::PATIENT_NAME, VR::PN, "Test^S R"))
                .put(deep(text(tags::CODING_SCHEME_DESIGNATOR, VR::SH, "TEST"))),
        ),
        (
            "short name and short ID as words of kept text",
            Sample::ct()
                .put(text(tags::PATIENT_NAME, VR::PN, "OB^LI"))
                .put(text(tags::PATIENT_ID, VR::LO, "4711"))
                .put(deep(text(tags::CODE_MEANING, VR::LO, "OB US 4711 LI"))),
        ),
    ];
    for (case, sample) in cases {
        let r = refusal(settings(), &sample.to_bytes());
        assert!(r.is_none(), "{case}: {r:?}");
    }
}

#[test]
fn a_kept_value_that_echoes_an_identifying_value_is_emptied_not_refused() {
    // An institution that wrote its own software: Manufacturer's Model Name is its name.
    let cases = [
        (text(tags::MANUFACTURER, VR::LO, "doe"), "(0008,0070)"),
        (
            deep(text(
                tags::SOFTWARE_VERSIONS,
                VR::LO,
                &format!("v1\\{}", phi::PATIENT_ID),
            )),
            "(0018,9346)/(0018,9346)/(0018,9346)/(0018,1020)",
        ),
        (
            text(tags::MANUFACTURER_MODEL_NAME, VR::LO, phi::INSTITUTION),
            "(0008,1090)",
        ),
        // Short tokens too, as whole values.
        (
            deep(text(tags::CODE_MEANING, VR::LO, phi::PATIENT_ID)),
            "(0018,9346)/(0018,9346)/(0018,9346)/(0008,0104)",
        ),
    ];
    for (elem, path) in cases {
        let tag = elem.header().tag;
        let input = Sample::ct().put(elem).to_bytes();
        let out = sanitize(settings(), &input);
        let echoes: Vec<_> = out.report.findings_with("phi.echo_emptied").collect();
        assert_eq!(echoes.len(), 1, "{path}: {echoes:?}");
        assert_eq!(echoes[0].path.as_deref(), Some(path));
        let text: String = out.bytes.iter().map(|&b| b as char).collect();
        for token in ["DOE", phi::PATIENT_ID, phi::INSTITUTION] {
            assert!(
                !text.to_uppercase().contains(&token.to_uppercase()),
                "{path}: {token}"
            );
        }
        // The attribute is still there (Type 2 attributes stay valid), empty.
        if !path.contains('/') {
            let o = parse(&out.bytes);
            assert_eq!(o.get(tag).map(|e| e.header().len.0), Some(0), "{path}");
        }
    }
    // A token among other words of kept text is no echo: it still stops the file.
    let input = Sample::ct()
        .put(text(tags::SERIES_DESCRIPTION, VR::LO, "for doe, CT"))
        .to_bytes();
    let keep = settings().rule(UserRule::new("SeriesDescription", RuleAction::Keep));
    assert_eq!(residual_path(keep, &input), "(0008,103E)");
}
