//! Signed receipts: what they hold, and that `verify` catches any changed byte and says where.

mod common;

use common::*;
use dicom_sanitizer::{
    generate_signing_key, public_key, unhex, verify, verify_original, DigestAlgorithm, Receipt,
    Sanitized, Settings,
};
use fixtures::Sample;
use sha2::{Digest as _, Sha256};

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
    assert_eq!(receipt.format, "dicom-sanitizer-receipt/2");
    assert_eq!(receipt.report, out.report);
    assert_eq!(receipt.report.edition, "2025b");
    // BLAKE3 by default: of the whole output, as b3sum gives it, and of the input and output
    // without their 32 pixel bytes (4 x 4 x 16-bit), which pass through unchanged.
    let (i, o) = (&receipt.report.input_header, &receipt.report.output);
    assert_eq!(i.algorithm, DigestAlgorithm::Blake3);
    assert_eq!(
        i.hex,
        blake3::hash(&outside_pixels(&input)).to_hex().as_str()
    );
    assert_eq!(i.bytes, input.len() as u64 - 32);
    assert_eq!(receipt.report.input_pixel_data, None, "unchanged pixels");
    assert_eq!(
        input[find_pixel_value(&input)],
        out.bytes[find_pixel_value(&out.bytes)]
    );
    assert_eq!(o.hex, blake3::hash(&out.bytes).to_hex().as_str());
    assert_eq!(o.bytes, out.bytes.len() as u64);
    assert_eq!(
        receipt.header.hex,
        blake3::hash(&outside_pixels(&out.bytes)).to_hex().as_str()
    );
    assert_eq!(receipt.header.bytes, out.bytes.len() as u64 - 32);
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
            assert!(
                !(p.contains(&"header".to_string()) && p.contains(&"pixelData".to_string())),
                "byte {i}: one part is named"
            );
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
fn sha256_digests_on_request_verify_and_name_the_part() {
    let input = Sample::ct().to_bytes();
    let mut s = settings().signing_key(SEED);
    s.digest = DigestAlgorithm::Sha256;
    let out = sanitize(s, &input);
    let receipt = out.receipt.clone().unwrap();
    let (i, o) = (&out.report.input_header, &out.report.output);
    assert_eq!(
        (i.algorithm, o.algorithm),
        (DigestAlgorithm::Sha256, DigestAlgorithm::Sha256)
    );
    assert_eq!(i.hex, hex(&Sha256::digest(outside_pixels(&input))));
    assert_eq!(o.hex, hex(&Sha256::digest(&out.bytes)));
    assert_eq!(receipt.header.algorithm, DigestAlgorithm::Sha256);
    let key = public_key(&SEED).unwrap();
    assert!(verify(&out.bytes, &receipt, &key).valid);
    let mut file = out.bytes.clone();
    let last = file.len() - 1; // the last pixel byte
    file[last] ^= 0x80;
    assert_eq!(parts(&file, &receipt, &key), ["file", "pixelData"]);
    file[last] ^= 0x80;
    file[200] ^= 0x80; // in the header
    assert_eq!(parts(&file, &receipt, &key), ["file", "header"]);
    // The same bytes whatever the digest.
    assert_eq!(out.bytes, signed(&input).0.bytes);
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

fn original_parts(original: &[u8], out: &Sanitized) -> Vec<String> {
    let v = verify_original(original, &out.bytes, &out.report);
    assert_eq!(v.valid, v.mismatches.is_empty());
    v.mismatches.into_iter().map(|m| m.part).collect()
}

#[test]
fn the_original_is_checked_against_the_report_header_and_pixels_apart() {
    for input in [Sample::ct().to_bytes(), Sample::ct_jpeg().to_bytes()] {
        let out = sanitize(settings(), &input);
        assert!(original_parts(&input, &out).is_empty());
        let pixel = find_pixel_value(&input);
        let mut changed = input.clone();
        changed[pixel.end - 9] ^= 1; // before a JPEG's sequence delimiter, in its last fragment
        assert_eq!(original_parts(&changed, &out), ["originalPixelData"]);
        let mut changed = input.clone();
        let name = changed.windows(4).position(|w| w == b"JANE").unwrap();
        changed[name] = b'X'; // another patient's file
        assert_eq!(original_parts(&changed, &out), ["originalHeader"]);
        assert_eq!(original_parts(b"not dicom", &out), ["originalStructure"]);
    }
    // Blanked pixels differ from the original's; the report's inputPixelData stands for them.
    let input = Sample::ct().to_bytes();
    let out = sanitize(blanking(0, 0, 2, 2), &input);
    assert!(out.report.input_pixel_data.is_some());
    assert!(original_parts(&input, &out).is_empty());
    let mut changed = input.clone();
    let last = find_pixel_value(&input).end - 1;
    changed[last] ^= 1;
    assert_eq!(original_parts(&changed, &out), ["originalPixelData"]);
}
