//! Signed receipts. A receipt is the report (which holds the digest of the whole output) plus
//! the digest of the output's header (every byte outside the Pixel Data value), signed with the
//! caller's Ed25519 key over a canonical JSON form. `verify` tells whether a file still matches
//! its receipt and, when not, whether its header or only its Pixel Data changed: the header
//! digest is cheap to make, where a second digest of the pixels would hash them all again.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::digest::{Digest, Hasher};
use crate::error::{Error, Result};
use crate::hex::{hex, unhex};
use crate::integrity::structure::scan;
use crate::limits::Limits;
use crate::report::Report;

/// The `format` of receipts this version writes and verifies.
pub const RECEIPT_FORMAT: &str = "dicom-sanitizer-receipt/2";

/// What was done to one file, bound to the output's bytes by a signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Receipt {
    pub format: String,
    /// Includes the digests of the whole input and output, profile, edition, options and
    /// action counts.
    pub report: Report,
    /// Digest of the output without its Pixel Data value (for encapsulated data, the fragment
    /// items and the delimiter); the whole output when it has no Pixel Data.
    pub header: Digest,
    /// Lower-case hex Ed25519 public key of the signer.
    pub public_key: String,
    /// Lower-case hex Ed25519 signature over the canonical JSON of every other field.
    pub signature: String,
}

/// One way in which a file and its receipt disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mismatch {
    /// `publicKey`, `signature`, `format`, `structure`, `header`, `pixelData` or `file`; from
    /// [`verify_original`], `originalStructure`, `originalHeader` or `originalPixelData`.
    pub part: String,
    pub message: String,
}

/// The answer of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// True only when the signature holds for the given key and the file matches every digest.
    pub valid: bool,
    pub mismatches: Vec<Mismatch>,
}

/// A signing key from its 32-byte Ed25519 seed.
pub(crate) fn signing_key(seed: &[u8]) -> Result<SigningKey> {
    let seed: [u8; 32] = seed.try_into().map_err(|_| {
        Error::settings(
            "settings.invalid_signing_key",
            format!("an Ed25519 signing key is 32 bytes, not {}", seed.len()),
        )
    })?;
    Ok(SigningKey::from_bytes(&seed))
}

/// The public key (32 bytes) of a 32-byte signing key seed.
pub fn public_key(seed: &[u8]) -> Result<[u8; 32]> {
    Ok(signing_key(seed)?.verifying_key().to_bytes())
}

/// A new random 32-byte signing key seed, from the platform's CSPRNG.
pub fn generate_signing_key() -> Result<[u8; 32]> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| Error::Random {
        message: e.to_string(),
    })?;
    Ok(seed)
}

/// Digest of every byte of a Part 10 file outside its Pixel Data value.
fn header_digest(file: &[u8], pixel: Option<std::ops::Range<usize>>, like: &Digest) -> Digest {
    let mut h = Hasher::new(like.algorithm);
    match pixel {
        Some(r) => {
            h.update(&file[..r.start]);
            h.update(&file[r.end..]);
        }
        None => h.update(file),
    }
    h.finish()
}

impl Receipt {
    pub(crate) fn sign(report: Report, header: Digest, key: &SigningKey) -> Receipt {
        let mut receipt = Receipt {
            format: RECEIPT_FORMAT.into(),
            report,
            header,
            public_key: hex(key.verifying_key().as_bytes()),
            signature: String::new(),
        };
        receipt.signature = hex(&key.sign(receipt.signed_bytes().as_bytes()).to_bytes());
        receipt
    }

    /// The canonical JSON of every field but the signature: object keys sorted, no white space.
    pub fn signed_bytes(&self) -> String {
        let mut value = serde_json::to_value(self).expect("a receipt always serialises");
        if let Value::Object(map) = &mut value {
            map.remove("signature");
        }
        let mut out = String::new();
        canonical(&value, &mut out);
        out
    }

    /// JSON, as the CLI writes it and JS returns it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a receipt always serialises")
    }
}

fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Whether `file` is the file `receipt` was issued for, signed by `public_key` (32 bytes).
/// Every disagreement is listed, so a reader learns whether the header, the pixels or the
/// receipt itself changed.
pub fn verify(file: &[u8], receipt: &Receipt, public_key: &[u8]) -> Verification {
    let mut mismatches = Vec::new();
    let mut miss = |part: &str, message: String| {
        mismatches.push(Mismatch {
            part: part.into(),
            message,
        })
    };
    if receipt.format != RECEIPT_FORMAT {
        miss(
            "format",
            format!("unknown receipt format {:?}", receipt.format),
        );
    }
    let key = <[u8; 32]>::try_from(public_key)
        .ok()
        .and_then(|k| VerifyingKey::from_bytes(&k).ok());
    match key {
        None => miss(
            "publicKey",
            "the public key is not a valid 32-byte Ed25519 key".into(),
        ),
        Some(key) => {
            if hex(key.as_bytes()) != receipt.public_key {
                miss(
                    "publicKey",
                    "the receipt was signed with another key".into(),
                );
            }
            let sig = unhex(&receipt.signature)
                .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
                .map(|b| Signature::from_bytes(&b));
            let ok = sig.is_some_and(|sig| {
                key.verify_strict(receipt.signed_bytes().as_bytes(), &sig)
                    .is_ok()
            });
            if !ok {
                miss(
                    "signature",
                    "the signature does not match the receipt's contents for this key".into(),
                );
            }
        }
    }
    let expected = &receipt.report.output;
    let whole = Digest::of(expected.algorithm, file);
    if whole != *expected {
        miss(
            "file",
            format!(
                "the file has {} bytes and {} {}; the receipt says {} bytes, {}",
                whole.bytes, whole.algorithm, whole.hex, expected.bytes, expected.hex
            ),
        );
        match scan(file, &Limits::STRUCTURE_ONLY) {
            Err(e) => miss(
                "structure",
                format!("the file no longer reads as DICOM: {e}"),
            ),
            Ok(pixel_data) => {
                let has_pixels = pixel_data.is_some();
                if header_digest(file, pixel_data, &receipt.header) != receipt.header {
                    miss(
                        "header",
                        "the header (every byte outside the Pixel Data value) changed".into(),
                    );
                } else if has_pixels {
                    // Same header, different file: only the pixel bytes can differ.
                    miss("pixelData", "the Pixel Data value changed".into());
                }
            }
        }
    }
    Verification {
        valid: mismatches.is_empty(),
        mismatches,
    }
}

/// Whether `original` is the file the report of `sanitized` was made from: its bytes outside
/// the Pixel Data value match `inputHeader`, and its Pixel Data value matches `inputPixelData`
/// or, where the pixels passed unchanged, the sanitized file's own Pixel Data value. Every
/// disagreement is listed (`originalStructure`, `originalHeader`, `originalPixelData`). Check
/// the receipt with [`verify`] first: this trusts the report it is given.
pub fn verify_original(original: &[u8], sanitized: &[u8], report: &Report) -> Verification {
    // A deflated original is read, and was reported, as its inflated form.
    let inflated = crate::inflate::logical(original);
    let original: &[u8] = inflated.as_deref().unwrap_or(original);
    let mut mismatches = Vec::new();
    let mut miss = |part: &str, message: &str| {
        mismatches.push(Mismatch {
            part: part.into(),
            message: message.into(),
        })
    };
    match scan(original, &Limits::STRUCTURE_ONLY) {
        Err(_) => miss("originalStructure", "the original does not read as DICOM"),
        Ok(pixels) => {
            let expected = &report.input_header;
            if header_digest(original, pixels.clone(), expected) != *expected {
                miss(
                    "originalHeader",
                    "the original's bytes outside Pixel Data differ from the report's",
                );
            }
            let value = pixels.map(|r| &original[r]);
            let same = match (&report.input_pixel_data, value) {
                (Some(d), Some(v)) => Digest::of(d.algorithm, v) == *d,
                (Some(_), None) => false,
                (None, v) => {
                    let output = scan(sanitized, &Limits::STRUCTURE_ONLY).ok().flatten();
                    v == output.map(|r| &sanitized[r])
                }
            };
            if !same {
                miss(
                    "originalPixelData",
                    "the original's Pixel Data value is not the one the report describes",
                );
            }
        }
    }
    Verification {
        valid: mismatches.is_empty(),
        mismatches,
    }
}
