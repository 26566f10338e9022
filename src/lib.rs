//! # dicom-sanitizer
//!
//! De-identifies DICOM Part 10 files with the PS3.15 Annex E Basic Application Level
//! Confidentiality Profile (Table E.1-1, edition 2025b) and any of its ten options, pseudonymises
//! UIDs, Patient ID and dates with a caller-held key, and reports what it did. The core is pure
//! Rust with no I/O, and builds unchanged for `wasm32-unknown-unknown`.
//!
//! ```
//! use dicom_sanitizer::{ProfileOption, Sanitizer, Settings};
//!
//! let settings = Settings::new()
//!     .key(*b"a secret of at least 16 bytes")
//!     .option(ProfileOption::RetainLongitudinalModifiedDates);
//! let sanitizer = Sanitizer::new(settings)?;
//! # let input = fixtures::Sample::ct().to_bytes();
//! let result = sanitizer.sanitize(&input)?;
//! assert_eq!(result.report.edition, "2025b");
//! assert!(result.report.actions["removed"] > 0);
//! # Ok::<(), dicom_sanitizer::Error>(())
//! ```
//!
//! On any doubt `sanitize` fails with an [`Error`] whose [`code`](Error::code) is stable, and
//! returns no bytes.

#![forbid(unsafe_code)]

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

mod action;
mod attribute;
mod clean;
mod compiled;
mod context;
mod dataset;
mod dates;
mod deid;
mod dicomdir;
mod dictionary;
mod digest;
mod encrypted;
mod envelope;
mod error;
mod file_meta;
mod findings;
mod fragments;
#[doc(hidden)]
pub mod fuzzing;
mod gate;
mod hex;
mod identifying;
mod inflate;
pub mod integrity;
mod leaves;
mod limits;
mod media_set;
mod names;
mod pixels;
mod preview;
/// The frame codecs (the `pixel-codecs` crate), reached by the tests. Not a stable API.
#[doc(hidden)]
pub use pixel_codecs as codecs;
/// The envelope of Encrypted Attributes (PS3.15 E.1.1): CMS EnvelopedData sealed for the holders
/// of RSA certificates, and opened with one of their private keys.
pub mod encrypted_attributes {
    pub use crate::envelope::{open, seal, Recipient};
}
pub mod profile;
mod pseudonym;
mod receipt;
mod regions;
mod reidentify;
mod report;
mod rules;
mod sanitizer;
mod settings;
mod stream;
mod un;
mod values;

pub use action::Action;
pub use digest::{Digest, DigestAlgorithm};
pub use error::{Error, Result, ERROR_CODES};
pub use file_meta::{IMPLEMENTATION_CLASS_UID, PRODUCT, VERSION};
pub use findings::{Finding, FINDING_CODES};
pub use hex::{hex, unhex};
pub use identifying::{identifying_values, IdentifyingKind, IdentifyingValue};
pub use leaves::{leaf_digest, Delegation, LEAF_LEN};
pub use limits::Limits;
pub use names::Names;
pub use preview::{
    describe, describe_at, render_frame, render_frame_at, Described, Labels, Picture, Preview,
    ReadAt, MAX_PREVIEW_PIXELS,
};
pub use profile::ProfileOption;
pub use pseudonym::MIN_KEY_BYTES;
pub use receipt::{
    generate_signing_key, public_key, verify, verify_original, Mismatch, Receipt, Verification,
    RECEIPT_FORMAT,
};
pub use regions::{BurnedIn, Region, RegionRule};
pub use reidentify::reidentify;
pub use report::Report;
pub use sanitizer::{Sanitized, Sanitizer};
pub use settings::{Key, PatientId, RuleAction, Settings, UserRule};
pub use stream::{Emitted, Finished, SanitizeStream};
pub use values::DUMMY_TEXT;
