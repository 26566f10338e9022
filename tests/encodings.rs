//! Encodings that readers accept and the sanitizer must too: standard attributes in UN,
//! undefined-length UN sequences, leading-zero UIDs, Deflated Explicit VR Little Endian, bare
//! data sets and meta groups without a transfer syntax. Each is checked against the same object
//! in the ordinary encoding: the output must be the same bytes.

mod common;

use common::*;
use dicom_core::header::Header as _;
use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_sanitizer::{Limits, ProfileOption, Sanitizer, Settings};
use fixtures::{item, phi, seq, text, Sample};

fn standard_tags(s: &Sample) -> Vec<Tag> {
    s.obj
        .iter()
        .map(|e| e.tag())
        .filter(|t| t.group() % 2 == 0 && *t != tags::PIXEL_DATA)
        .collect()
}

fn same_output(settings: Settings, reference: &[u8], other: &[u8]) -> dicom_sanitizer::Sanitized {
    let a = sanitize(settings.clone(), reference);
    let b = sanitize(settings, other);
    assert!(a.bytes == b.bytes, "outputs differ");
    b
}

#[test]
fn standard_attributes_stored_as_un_are_deidentified_like_any_other() {
    for ts in [fixtures::EXPLICIT_VR_LE, fixtures::EXPLICIT_VR_BE] {
        let s = Sample::ct().with_transfer_syntax(ts);
        let un = s.to_bytes_with_un(&standard_tags(&s), true);
        assert!(un.windows(2).filter(|w| w == b"UN").count() > 20);
        for options in [vec![], vec![ProfileOption::RetainLongitudinalModifiedDates]] {
            let mut settings = settings();
            settings.options = options;
            let out = same_output(settings, &s.to_bytes(), &un);
            assert_eq!(out.report.findings_with("value.un_resolved").count(), 1);
            let text = String::from_utf8_lossy(&out.bytes).to_uppercase();
            for planted in phi::ALL {
                assert!(!text.contains(&planted.to_uppercase()), "{planted} in {ts}");
            }
            let obj = parse(&out.bytes);
            assert_eq!(obj.element(tags::PATIENT_NAME).unwrap().vr(), VR::PN);
        }
    }
}

#[test]
fn an_undefined_length_un_is_read_as_a_sequence_and_its_items_deidentified() {
    let inner = seq(
        tags::REFERENCED_SOP_SEQUENCE,
        vec![item(vec![
            text(
                tags::REFERENCED_SOP_CLASS_UID,
                VR::UI,
                fixtures::CT_IMAGE_STORAGE,
            ),
            text(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, phi::STUDY_UID),
        ])],
    );
    let s = Sample::minimal("1.2.3.4").put(seq(
        tags::REFERENCED_SERIES_SEQUENCE,
        vec![item(vec![
            inner,
            text(tags::SERIES_INSTANCE_UID, VR::UI, phi::SERIES_UID),
            text(tags::PATIENT_NAME, VR::PN, phi::PATIENT_NAME),
        ])],
    ));
    for ts in [fixtures::EXPLICIT_VR_LE, fixtures::EXPLICIT_VR_BE] {
        let s = s.clone().with_transfer_syntax(ts);
        let tag = [tags::REFERENCED_SERIES_SEQUENCE];
        for undefined in [true, false] {
            let out = same_output(
                settings(),
                &s.to_bytes(),
                &s.to_bytes_with_un(&tag, undefined),
            );
            let text = String::from_utf8_lossy(&out.bytes);
            assert!(!text.contains(phi::SERIES_UID) && !text.contains(phi::STUDY_UID));
            assert!(!text.contains("DOE"));
            let obj = parse(&out.bytes);
            assert_eq!(obj.element(tag[0]).unwrap().vr(), VR::SQ);
        }
    }
    // A private one stays private: removed with its block by default.
    let private = Sample::minimal("1.2.3.4")
        .put(text(Tag(0x0029, 0x0010), VR::LO, "ACME 1.0"))
        .put(seq(
            Tag(0x0029, 0x1001),
            vec![item(vec![text(
                tags::PATIENT_NAME,
                VR::PN,
                phi::PATIENT_NAME,
            )])],
        ));
    let out = sanitize(
        settings(),
        &private.to_bytes_with_un(&[Tag(0x0029, 0x1001)], true),
    );
    assert!(parse(&out.bytes).element(Tag(0x0029, 0x1001)).is_err());
}

#[test]
fn a_un_value_too_long_for_its_vr_stays_un_and_is_removed_where_it_must_be_read() {
    // PS3.5 6.2.2: a value too long for a 16-bit length is written as UN. A UID that long
    // cannot be replaced safely (it goes); Contour Data that long is kept, as UN.
    let long_uid = vec![b'1'; 70_000];
    let long_ds = "1.5\\".repeat(20_000);
    let s = Sample::minimal("1.2.3.4")
        .put(DataElement::new(
            tags::STUDY_INSTANCE_UID,
            VR::UN,
            PrimitiveValue::from(long_uid),
        ))
        .put(DataElement::new(
            tags::CONTOUR_DATA,
            VR::UN,
            PrimitiveValue::from(long_ds.as_bytes().to_vec()),
        ));
    let out = sanitize(settings(), &s.to_bytes());
    let unresolved: Vec<_> = out
        .report
        .findings_with("value.un_unresolved")
        .map(|f| f.path.clone().unwrap())
        .collect();
    assert_eq!(unresolved, ["(0020,000D)", "(3006,0050)"]);
    assert_eq!(
        out.report
            .findings_with("value.un_removed")
            .map(|f| f.path.clone().unwrap())
            .collect::<Vec<_>>(),
        ["(0020,000D)"]
    );
    let obj = parse(&out.bytes);
    assert!(obj.element(tags::STUDY_INSTANCE_UID).is_err());
    assert_eq!(obj.element(tags::CONTOUR_DATA).unwrap().vr(), VR::UN);
}

#[test]
fn leading_zero_uids_are_replaced_or_kept_with_a_finding() {
    let uid = "1.2.840.0010.5.1.2";
    let input = Sample::minimal(uid).to_bytes();
    let out = sanitize(settings(), &input);
    let obj = parse(&out.bytes);
    let new = text_of(&obj, tags::SOP_INSTANCE_UID).unwrap();
    assert!(new.starts_with("2.25."), "{new}");
    assert_eq!(obj.meta().media_storage_sop_instance_uid(), new);
    let kept = sanitize(settings().option(ProfileOption::RetainUids), &input);
    let obj = parse(&kept.bytes);
    assert_eq!(text_of(&obj, tags::SOP_INSTANCE_UID).unwrap(), uid);
    assert_eq!(obj.meta().media_storage_sop_instance_uid(), uid);
    assert!(kept
        .report
        .findings_with("value.uid_leading_zero")
        .any(|f| f.path.as_deref() == Some("(0008,0018)")));
    // Letters, empty components and overlong UIDs are still refused.
    for bad in ["1.2.a.4", "1..2", &format!("1.{}", "2".repeat(70))] {
        let input = Sample::minimal(bad).to_bytes();
        assert_eq!(
            code(settings().option(ProfileOption::RetainUids), &input),
            "read.invalid_uid",
            "{bad}"
        );
    }
}

#[test]
fn a_deflated_file_is_inflated_and_written_explicit_little_endian() {
    let s = Sample::ct();
    let deflated = s.to_deflated_bytes();
    assert!(deflated.len() < s.to_bytes().len());
    let out = same_output(settings(), &s.to_bytes(), &deflated);
    assert_eq!(out.report.findings_with("meta.inflated").count(), 1);
    assert_eq!(out.report.transfer_syntax, fixtures::EXPLICIT_VR_LE);
    // Any chunking gives the same bytes.
    let sanitizer = Sanitizer::new(settings()).unwrap();
    for size in [1, 7, 100, 4096] {
        let mut bytes = Vec::new();
        let mut stream = sanitizer.stream();
        for c in deflated.chunks(size) {
            stream
                .write(c, &mut |b| bytes.extend_from_slice(b))
                .unwrap();
        }
        stream.end(&mut |b| bytes.extend_from_slice(b)).unwrap();
        assert!(bytes == out.bytes, "chunks of {size}");
    }
    // Truncated or corrupt deflate data is refused.
    let cut = &deflated[..deflated.len() - 10];
    assert!(code(settings(), cut).starts_with("read."));
    let mut corrupt = deflated.clone();
    let at = Sample::dataset_at(&corrupt);
    corrupt[at] = 0xFF;
    assert!(code(settings(), &corrupt).starts_with("read."));
}

#[test]
fn a_deflate_bomb_stops_at_the_input_limit() {
    // 40 MiB of zeros deflate to about 40 KiB; the default limit is 32 MiB.
    let bomb = Sample::minimal("1.2.3.4").put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        PrimitiveValue::from(vec![0u8; 40 << 20]),
    ));
    let bytes = bomb.to_deflated_bytes();
    assert!(bytes.len() < 1 << 20);
    assert_eq!(code(settings(), &bytes), "limit.input_size");
    let mut small = settings();
    small.limits = Limits {
        max_input_bytes: 4 << 20,
        ..Limits::default()
    };
    let mut stream = Sanitizer::new(small).unwrap().stream();
    let mut out = 0;
    let e = bytes
        .chunks(1000)
        .try_for_each(|c| stream.write(c, &mut |b| out += b.len()))
        .unwrap_err();
    assert_eq!(e.code(), "limit.input_size");
}

#[test]
fn a_bare_data_set_is_read_only_when_asked() {
    for ts in [
        fixtures::IMPLICIT_VR_LE,
        fixtures::EXPLICIT_VR_LE,
        fixtures::EXPLICIT_VR_BE,
    ] {
        let s = Sample::ct().with_transfer_syntax(ts);
        let raw = s.to_raw_bytes();
        assert_eq!(code(settings(), &raw), "read.not_dicom");
        let out = same_output(settings().accept_raw(true), &s.to_bytes(), &raw);
        assert_eq!(out.report.findings_with("meta.added").count(), 1);
        let obj = parse(&out.bytes);
        assert_eq!(obj.meta().transfer_syntax(), ts);
        assert_eq!(
            obj.meta().media_storage_sop_instance_uid(),
            text_of(&obj, tags::SOP_INSTANCE_UID).unwrap()
        );
        // Chunked, the same.
        let sanitizer = Sanitizer::new(settings().accept_raw(true)).unwrap();
        let mut bytes = Vec::new();
        let mut stream = sanitizer.stream();
        for c in raw.chunks(13) {
            stream
                .write(c, &mut |b| bytes.extend_from_slice(b))
                .unwrap();
        }
        stream.end(&mut |b| bytes.extend_from_slice(b)).unwrap();
        assert!(bytes == out.bytes, "{ts} chunked");
    }
    // Garbage stays garbage.
    for junk in [&b"hello, this is not an image at all"[..], &[0u8; 4096]] {
        assert_eq!(code(settings().accept_raw(true), junk), "read.not_dicom");
    }
}

#[test]
fn a_meta_group_without_transfer_syntax_gets_the_detected_one() {
    for ts in [fixtures::IMPLICIT_VR_LE, fixtures::EXPLICIT_VR_BE] {
        let s = Sample::ct().with_transfer_syntax(ts);
        let mut bytes = s.to_bytes();
        // Rename (0002,0010) to the unknown (0002,0011) in place: same lengths, no UID.
        let at = header_at(&bytes, Tag(0x0002, 0x0010), b"UI");
        bytes[at + 2] = 0x11;
        let out = same_output(settings(), &s.to_bytes(), &bytes);
        assert_eq!(
            out.report
                .findings_with("meta.transfer_syntax_added")
                .count(),
            1
        );
    }
}
