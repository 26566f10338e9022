//! Signed receipts: what they hold, and that `verify` catches any changed byte and says where.

mod common;

use common::*;
use dicom_sanitizer::{
    generate_signing_key, public_key, unhex, verify, Receipt, Sanitized, Settings,
};
use fixtures::Sample;

const SEED: [u8; 32] = [7; 32];

fn signed(input: &[u8]) -> (Sanitized, Receipt) {
    let out = sanitize(settings().signing_key(SEED), input);
    let receipt = out.receipt.clone().expect("a signing key gives a receipt");
    (out, receipt)
}

fn parts(file: &[u8], receipt: &Receipt, key: &[u8]) -> Vec<String> {
    let v = verify(file, receipt, key);
    assert_eq!(v.valid, v.mismatches.is_empty());
    v.mismatches.into_iter().map(|m| m.part).collect()
}

#[test]
fn a_receipt_carries_the_report_and_the_digests_and_verifies() {
    let input = Sample::ct().to_bytes();
    let (out, receipt) = signed(&input);
    assert_eq!(receipt.format, "dicom-sanitizer-receipt/1");
    assert_eq!(receipt.report, out.report);
    assert_eq!(receipt.report.input.sha256.len(), 64);
    assert_eq!(receipt.report.edition, "2025b");
    let pixel = receipt.pixel_data.as_ref().expect("the CT has pixels");
    assert_eq!(pixel.bytes, 32, "4 x 4 x 16-bit");
    assert_eq!(receipt.header.bytes + pixel.bytes, out.bytes.len() as u64);
    let key = public_key(&SEED).unwrap();
    assert_eq!(receipt.public_key, hex(&key));
    assert!(verify(&out.bytes, &receipt, &key).valid);
    // JSON round trip keeps it valid; the signed form has sorted keys and no spaces.
    let back: Receipt = serde_json::from_str(&receipt.to_json()).unwrap();
    assert!(verify(&out.bytes, &back, &key).valid);
    let canonical = receipt.signed_bytes();
    assert!(canonical.starts_with("{\"format\":") && !canonical.contains(": "));
    assert!(!canonical.contains("\"signature\""));
    // No key, no receipt.
    assert!(sanitize(settings(), &input).receipt.is_none());
}

#[test]
fn changing_any_single_byte_of_the_file_fails_verify_and_names_the_part() {
    for (input, native) in [
        (Sample::ct().to_bytes(), true),
        (Sample::ct_jpeg().to_bytes(), false),
    ] {
        let (out, receipt) = signed(&input);
        let key = public_key(&SEED).unwrap();
        let pixel_at = find_pixel_value(&out.bytes);
        let (mut header_hits, mut pixel_hits) = (0, 0);
        for i in 0..out.bytes.len() {
            let mut file = out.bytes.clone();
            file[i] ^= 0x01;
            let p = parts(&file, &receipt, &key);
            assert!(p.contains(&"file".to_string()), "byte {i}");
            let expected = if pixel_at.contains(&i) {
                "pixelData"
            } else {
                "header"
            };
            if p.contains(&expected.to_string()) {
                if expected == "header" {
                    header_hits += 1
                } else {
                    pixel_hits += 1
                }
            } else {
                assert!(p.contains(&"structure".to_string()), "byte {i}: {p:?}");
            }
        }
        if native {
            assert_eq!(
                pixel_hits,
                pixel_at.len(),
                "every pixel byte is named as such"
            );
        } else {
            // Fragment item headers are structure; the fragment bytes are pixel data.
            assert!(
                pixel_hits >= pixel_at.len() - 24,
                "{pixel_hits} of {}",
                pixel_at.len()
            );
        }
        assert!(header_hits > out.bytes.len() / 2);
        assert!(
            verify(&out.bytes, &receipt, &key).valid,
            "the untouched file verifies"
        );
    }
}

#[test]
fn a_changed_receipt_or_another_key_fails_verify() {
    let (out, receipt) = signed(&Sample::ct().to_bytes());
    let key = public_key(&SEED).unwrap();
    let mut edited = receipt.clone();
    *edited.report.actions.get_mut("removed").unwrap() += 1;
    assert_eq!(parts(&out.bytes, &edited, &key), ["signature"]);
    let mut edited = receipt.clone();
    edited.report.edition = "2024a".into();
    assert_eq!(parts(&out.bytes, &edited, &key), ["signature"]);
    let other = public_key(&[9; 32]).unwrap();
    assert_eq!(
        parts(&out.bytes, &receipt, &other),
        ["publicKey", "signature"]
    );
    assert_eq!(parts(&out.bytes, &receipt, &[1, 2, 3]), ["publicKey"]);
    // Re-signing someone else's receipt with a new key does not pass for the original key.
    let forged = sanitize(settings().signing_key([9; 32]), &Sample::ct().to_bytes())
        .receipt
        .unwrap();
    assert_eq!(parts(&out.bytes, &forged, &key), ["publicKey", "signature"]);
}

#[test]
fn signing_keys_are_32_bytes_and_generated_keys_differ() {
    let e = dicom_sanitizer::Sanitizer::new(Settings::new().key(KEY).signing_key([1u8; 31]))
        .err()
        .unwrap();
    assert_eq!(e.code(), "settings.invalid_signing_key");
    let (a, b) = (
        generate_signing_key().unwrap(),
        generate_signing_key().unwrap(),
    );
    assert_ne!(a, b);
    assert_eq!(unhex(&hex(&a)).unwrap(), a);
    assert_eq!(unhex("zz"), None);
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where the top-level Pixel Data value is in an explicit VR little endian output.
fn find_pixel_value(bytes: &[u8]) -> std::ops::Range<usize> {
    let at = (0..bytes.len() - 8)
        .rev()
        .find(|&i| bytes[i..i + 4] == [0xE0, 0x7F, 0x10, 0x00])
        .expect("Pixel Data");
    let len = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap());
    let start = at + 12;
    if len == u32::MAX {
        start..bytes.len() // encapsulated: fragments and delimiter run to the end here
    } else {
        start..start + len as usize
    }
}
