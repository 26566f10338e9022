//! Malformed and hostile inputs: a coded error, no output, no panic; the input is never changed.

mod common;

use common::*;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_sanitizer::{Limits, Sanitizer, Settings};
use fixtures::{item, seq, text, Sample};

#[test]
fn garbage_and_empty_input_are_not_dicom() {
    assert_eq!(code(settings(), b""), "read.not_dicom");
    assert_eq!(
        code(settings(), b"hello, this is not an image at all"),
        "read.not_dicom"
    );
    assert_eq!(code(settings(), &[0u8; 4096]), "read.not_dicom");
}

#[test]
fn a_file_without_meta_or_transfer_syntax_is_refused() {
    let mut no_meta = vec![0u8; 128];
    no_meta.extend_from_slice(b"DICM");
    no_meta.extend_from_slice(&[0x08, 0x00, 0x16, 0x00, b'U', b'I', 2, 0, b'1', 0]);
    assert_eq!(code(settings(), &no_meta), "read.missing_meta");
    let mut no_ts = vec![0u8; 128];
    no_ts.extend_from_slice(b"DICM");
    no_ts.extend_from_slice(&[0x02, 0x00, 0x02, 0x00, b'U', b'I', 2, 0, b'1', 0]);
    assert_eq!(code(settings(), &no_ts), "read.missing_meta");
}

#[test]
fn every_truncation_is_refused_without_panic() {
    let full = Sample::ct().to_bytes();
    // A cut between two top-level elements leaves a shorter, well-formed file: it may pass,
    // and must then read back. Every other cut is refused.
    let mut passed = 0;
    for len in 0..full.len() {
        match Sanitizer::new(settings()).unwrap().sanitize(&full[..len]) {
            Ok(out) => {
                parse(&out.bytes);
                passed += 1;
            }
            Err(e) => assert!(e.code().starts_with("read."), "cut at {len}: {e}"),
        }
    }
    assert!(
        passed < 60,
        "{passed} of {} cuts passed: only element boundaries may",
        full.len()
    );
    let name = header_at(&full, tags::PATIENT_NAME, b"PN");
    assert_eq!(code(settings(), &full[..name + 10]), "read.truncated");
}

#[test]
fn wrong_lengths_are_refused() {
    let full = Sample::ct().to_bytes();
    let mut long = full.clone();
    let at = header_at(&long, tags::PIXEL_DATA, b"OW") + 8;
    long[at..at + 4].copy_from_slice(&u32::MAX.wrapping_sub(1).to_le_bytes());
    assert_eq!(
        code(settings(), &long),
        "read.truncated",
        "4 GB declared, a few bytes present"
    );
    let mut undefined = full.clone();
    let at = header_at(&undefined, tags::STUDY_DESCRIPTION, b"LO") + 6;
    undefined[at..at + 2].copy_from_slice(&0xFFFFu16.to_le_bytes());
    assert_ne!(code(settings(), &undefined), "ok");
    // An explicit-length item that claims more than its sequence holds.
    let nested = Sample::minimal("1.2.3").put(seq(
        tags::REFERENCED_SERIES_SEQUENCE,
        vec![item(vec![text(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            "1.2.3.4",
        )])],
    ));
    let mut bytes = nested.to_bytes();
    let seq_at = header_at(&bytes, tags::REFERENCED_SERIES_SEQUENCE, b"SQ");
    let len_at = seq_at + 8;
    bytes[len_at..len_at + 4].copy_from_slice(&20u32.to_le_bytes()); // defined, and too small for its item
    assert_eq!(code(settings(), &bytes), "read.bad_length");
}

#[test]
fn an_invalid_vr_is_refused_with_its_offset() {
    let mut bytes = Sample::ct().to_bytes();
    let at = header_at(&bytes, tags::PATIENT_NAME, b"PN");
    bytes[at + 4..at + 6].copy_from_slice(b"Q!");
    let err = Sanitizer::new(settings())
        .unwrap()
        .sanitize(&bytes)
        .unwrap_err();
    assert_eq!(err.code(), "read.bad_vr");
    assert!(
        err.to_string().contains(&format!("at byte {}", at + 4)),
        "{err}"
    );
}

#[test]
fn unknown_and_undecodable_transfer_syntaxes_are_refused() {
    let err = |uid: &str| {
        let e = Sanitizer::new(settings())
            .unwrap()
            .sanitize(&with_meta_transfer_syntax(uid))
            .unwrap_err();
        assert!(e.to_string().contains(uid), "{e}");
        e.code()
    };
    assert_eq!(err("1.2.840.10008.1.2.99"), "transfer_syntax.unsupported");
    // Deflated is read (tests/encodings.rs); named over an uncompressed data set, it does not
    // inflate.
    assert_eq!(
        code(
            settings(),
            &with_meta_transfer_syntax(fixtures::DEFLATED_LE)
        ),
        "read.invalid"
    );
}

/// The explicit VR sample with its meta group naming another transfer syntax.
fn with_meta_transfer_syntax(uid: &str) -> Vec<u8> {
    let mut bytes = Sample::ct().to_bytes();
    let at = header_at(&bytes, Tag(0x0002, 0x0010), b"UI");
    let old_len = u16::from_le_bytes([bytes[at + 6], bytes[at + 7]]) as usize;
    let mut value = uid.as_bytes().to_vec();
    if value.len() % 2 == 1 {
        value.push(0);
    }
    let new_len = (value.len() as u16).to_le_bytes();
    bytes.splice(
        at + 6..at + 8 + old_len,
        new_len.into_iter().chain(value.iter().copied()),
    );
    let gl = header_at(&bytes, Tag(0x0002, 0x0000), b"UL") + 8;
    let group =
        u32::from_le_bytes(bytes[gl..gl + 4].try_into().unwrap()) as usize + value.len() - old_len;
    bytes[gl..gl + 4].copy_from_slice(&(group as u32).to_le_bytes());
    bytes
}

#[test]
fn limits_give_coded_errors() {
    let input = Sample::ct().to_bytes();
    let with = |l: Limits| Settings {
        limits: l,
        ..settings()
    };
    let d = Limits::default();
    assert_eq!(
        code(
            with(Limits {
                max_input_bytes: 1000,
                ..d
            }),
            &input
        ),
        "limit.input_size"
    );
    assert_eq!(
        code(
            with(Limits {
                max_element_bytes: 20,
                ..d
            }),
            &input
        ),
        "limit.element_size"
    );
    assert_eq!(
        code(
            with(Limits {
                max_elements: 30,
                ..d
            }),
            &input
        ),
        "limit.element_count"
    );
    // The sample nests two deep (Source Image Sequence > Purpose of Reference Code Sequence).
    assert_eq!(
        code(with(Limits { max_depth: 1, ..d }), &input),
        "limit.depth"
    );
    assert_eq!(code(with(Limits { max_depth: 2, ..d }), &input), "ok");
}

#[test]
fn deep_nesting_stops_at_the_depth_limit() {
    const C: Tag = Tag(0x0028, 0x3010);
    let chain = (0..40).fold(text(tags::CODE_VALUE, VR::SH, "X"), |e, _| {
        seq(C, vec![item(vec![e])])
    });
    assert_eq!(
        code(settings(), &Sample::minimal("1.2.3").put(chain).to_bytes()),
        "limit.depth"
    );
}

/// Seeded byte mutations of a valid file: never a panic; success re-parses; failure has a code.
#[test]
fn random_mutations_never_panic() {
    let seed: u64 = std::env::var("MUTATION_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED);
    let base = Sample::ct().to_bytes();
    let sanitizer = Sanitizer::new(settings()).unwrap();
    let mut state = seed;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let (mut ok, mut refused) = (0, 0);
    for _ in 0..3000 {
        let mut m = base.clone();
        for _ in 0..1 + next() % 4 {
            let i = 128 + next() % (m.len() - 128);
            m[i] = next() as u8;
        }
        match sanitizer.sanitize(&m) {
            Ok(out) => {
                parse(&out.bytes);
                ok += 1;
            }
            Err(e) => {
                let c = e.code();
                assert!(
                    ["read.", "limit.", "transfer_syntax.", "phi."]
                        .iter()
                        .any(|p| c.starts_with(p)),
                    "{c}: {e}"
                );
                refused += 1;
            }
        }
    }
    assert!(
        ok > 0 && refused > 0,
        "ok {ok}, refused {refused} (seed {seed})"
    );
}

#[test]
fn other_transfer_syntaxes_round_trip_in_their_own_syntax() {
    let jpeg = Sample::ct_jpeg();
    for sample in [
        Sample::ct().with_transfer_syntax(fixtures::IMPLICIT_VR_LE),
        Sample::ct().with_transfer_syntax(fixtures::EXPLICIT_VR_BE),
        jpeg,
    ] {
        let out = sanitize(settings(), &sample.to_bytes());
        let o = parse(&out.bytes);
        assert_eq!(o.meta().transfer_syntax(), sample.transfer_syntax);
        assert_eq!(out.report.transfer_syntax, sample.transfer_syntax);
        let all = all_text(&o).to_lowercase();
        for token in fixtures::phi::ALL {
            assert!(
                !all.contains(&token.to_lowercase()),
                "{token} in {}",
                sample.transfer_syntax
            );
        }
        assert_eq!(
            o.meta().media_storage_sop_instance_uid(),
            text_of(&o, tags::SOP_INSTANCE_UID).unwrap()
        );
    }
}
