//! Input integrity findings: preamble signatures, file meta checks, and the signature, MAC,
//! encrypted and original attribute sequences, removed wherever they are and reported.

mod common;

use common::*;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_sanitizer::{RuleAction, Settings, UserRule};
use fixtures::{item, seq, text, Sample};

fn finding_paths(report: &dicom_sanitizer::Report, code: &str) -> Vec<String> {
    report
        .findings_with(code)
        .map(|f| f.path.clone().unwrap_or_default())
        .collect()
}

#[test]
fn every_executable_preamble_is_reported_by_name_and_zeroed() {
    for (head, kind, code, named) in [
        (
            &b"MZ\x90\x00\x03"[..],
            "executable",
            "preamble.executable",
            "Windows PE",
        ),
        (
            b"\x7fELF\x02\x01\x01",
            "executable",
            "preamble.executable",
            "ELF",
        ),
        (
            b"\xcf\xfa\xed\xfe",
            "executable",
            "preamble.executable",
            "Mach-O",
        ),
        (
            b"#!/bin/sh\nrm -rf /\n",
            "executable",
            "preamble.executable",
            "script",
        ),
        (
            b"\0asm\x01\0\0\0",
            "executable",
            "preamble.executable",
            "WebAssembly",
        ),
        (
            b"<SCRIPT>alert(1)</SCRIPT>",
            "executable",
            "preamble.executable",
            "HTML script",
        ),
        (b"II*\0\x08\0\0\0", "tiff", "preamble.tiff", "TIFF"),
        (b"PK\x03\x04\x14\0", "other", "preamble.nonzero", "ZIP"),
        (b"%PDF-1.7", "other", "preamble.nonzero", "PDF"),
        (b"\x01\x02\x03", "other", "preamble.nonzero", "unrecognised"),
    ] {
        let out = sanitize(settings(), &Sample::ct().with_preamble(head).to_bytes());
        let report = serde_json::to_value(&out.report).unwrap();
        assert_eq!(report["preamble"], kind, "{named}");
        let f: Vec<_> = out.report.findings_with(code).collect();
        assert_eq!(f.len(), 1, "{named}");
        assert!(f[0].message.contains(named), "{named}: {}", f[0].message);
        assert_eq!(
            &out.bytes[..128],
            &[0u8; 128][..],
            "{named}: output preamble zeroed"
        );
    }
    let clean = sanitize(settings(), &Sample::ct().to_bytes());
    assert!(clean
        .report
        .findings
        .iter()
        .all(|f| !f.code.starts_with("preamble.")));
}

/// The sample with the meta group's Media Storage SOP Instance or Class UID's last digit changed.
fn with_meta_uid_changed(tag: Tag) -> Vec<u8> {
    let mut bytes = Sample::ct().to_bytes();
    let at = header_at(&bytes, tag, b"UI");
    let len = u16::from_le_bytes([bytes[at + 6], bytes[at + 7]]) as usize;
    let mut last = at + 8 + len - 1;
    if bytes[last] == 0 {
        last -= 1;
    }
    bytes[last] = if bytes[last] == b'9' { b'8' } else { b'9' };
    bytes
}

#[test]
fn meta_uids_that_disagree_with_the_data_set_are_reported_and_the_data_set_wins() {
    for (tag, code) in [
        (
            tags::MEDIA_STORAGE_SOP_INSTANCE_UID,
            "meta.sop_instance_mismatch",
        ),
        (tags::MEDIA_STORAGE_SOP_CLASS_UID, "meta.sop_class_mismatch"),
    ] {
        let out = sanitize(settings(), &with_meta_uid_changed(tag));
        assert_eq!(
            finding_paths(&out.report, code),
            [format!("({:04X},{:04X})", tag.group(), tag.element())]
        );
        let o = parse(&out.bytes);
        assert_eq!(
            o.meta().media_storage_sop_instance_uid(),
            text_of(&o, tags::SOP_INSTANCE_UID).unwrap()
        );
        assert_eq!(
            o.meta().media_storage_sop_class_uid(),
            text_of(&o, tags::SOP_CLASS_UID).unwrap()
        );
    }
}

#[test]
fn a_wrong_meta_group_length_is_reported_and_rewritten() {
    let mut bytes = Sample::ct().to_bytes();
    let at = header_at(&bytes, Tag(0x0002, 0x0000), b"UL");
    let len = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap());
    // Too long by two: the group's end is then inside the next element; a reader that trusts it
    // would misparse, so the pre-scan measures the group itself.
    bytes[at + 8..at + 12].copy_from_slice(&(len + 2).to_le_bytes());
    let out = sanitize(settings(), &bytes);
    assert_eq!(
        finding_paths(&out.report, "meta.group_length_mismatch"),
        ["(0002,0000)"]
    );
    parse(&out.bytes);
}

#[test]
fn signature_mac_encrypted_and_original_sequences_are_removed_at_any_depth_and_reported() {
    let sq = |tag: Tag| {
        seq(
            tag,
            vec![item(vec![text(
                Tag(0x0400, 0x0100),
                VR::UI,
                "1.2.840.10008.1.2.1",
            )])],
        )
    };
    let nested = seq(
        tags::REFERENCED_SERIES_SEQUENCE,
        vec![item(vec![
            text(tags::SERIES_INSTANCE_UID, VR::UI, "1.2.3.4.5"),
            sq(Tag(0xFFFA, 0xFFFA)),
        ])],
    );
    let input = Sample::ct()
        .put(sq(Tag(0xFFFA, 0xFFFA)))
        .put(sq(Tag(0x4FFE, 0x0001)))
        .put(sq(Tag(0x0400, 0x0500)))
        .put(sq(Tag(0x0400, 0x0561)))
        .put(nested)
        .to_bytes();
    // Under every option: no option keeps them.
    let mut s = settings();
    s.options = vec![
        dicom_sanitizer::ProfileOption::RetainUids,
        dicom_sanitizer::ProfileOption::RetainSafePrivate,
        dicom_sanitizer::ProfileOption::RetainDeviceIdentity,
    ];
    let out = sanitize(s, &input);
    for (code, paths) in [
        (
            "integrity.digital_signatures_removed",
            vec!["(0008,1115)/(FFFA,FFFA)", "(FFFA,FFFA)"],
        ),
        ("integrity.mac_parameters_removed", vec!["(4FFE,0001)"]),
        (
            "integrity.encrypted_attributes_removed",
            vec!["(0400,0500)"],
        ),
        ("integrity.original_attributes_removed", vec!["(0400,0561)"]),
    ] {
        let mut found = finding_paths(&out.report, code);
        found.sort();
        assert_eq!(found, paths, "{code}");
    }
    let o = parse(&out.bytes);
    for t in [
        Tag(0xFFFA, 0xFFFA),
        Tag(0x4FFE, 0x0001),
        Tag(0x0400, 0x0500),
        Tag(0x0400, 0x0561),
    ] {
        assert!(o.get(t).is_none(), "{t} removed");
    }
    assert!(first_item(&o, tags::REFERENCED_SERIES_SEQUENCE)
        .get(Tag(0xFFFA, 0xFFFA))
        .is_none());
}

#[test]
fn no_rule_can_keep_a_signature_sequence() {
    for sel in [
        "DigitalSignaturesSequence",
        "(4FFE,0001)",
        "EncryptedAttributesSequence",
        "OriginalAttributesSequence",
    ] {
        let e = dicom_sanitizer::Sanitizer::new(
            Settings::new()
                .key(KEY)
                .rule(UserRule::new(sel, RuleAction::Keep)),
        )
        .err()
        .expect("refused");
        assert_eq!(e.code(), "settings.rule_not_allowed", "{sel}");
    }
}
