//! What the caller asks for: profile options, key, Patient ID policy, user rules and limits.
//! [`Sanitizer::new`](crate::Sanitizer::new) compiles these once into a rule set.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::digest::DigestAlgorithm;
use crate::limits::Limits;
use crate::profile::ProfileOption;
use crate::regions::{BurnedIn, Region, RegionRule};

/// Sanitizer settings. The default is the Basic Profile with no options, a random key,
/// keyed Patient IDs and the default limits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Settings {
    /// Options of Table E.1-1 to apply on top of the Basic Profile (any combination, except
    /// both Retain Longitudinal options at once).
    pub options: Vec<ProfileOption>,
    /// Secret for pseudonyms (at least 16 bytes). Without one, each sanitizer makes a random
    /// key, so its pseudonyms cannot be reproduced later.
    #[serde(skip)]
    pub key: Option<Key>,
    /// Ed25519 signing key seed (32 bytes). With one, every result carries a signed receipt.
    #[serde(skip)]
    pub signing_key: Option<Key>,
    /// What Patient ID (0010,0020) becomes.
    pub patient_id: PatientId,
    /// Caller rules that override the profile for the attributes they select.
    pub rules: Vec<UserRule>,
    pub limits: Limits,
    /// Refuse a file (`phi.pattern`) when kept free text holds a date-, phone- or ID-like value,
    /// instead of reporting it as a finding.
    pub strict: bool,
    /// Images with burned-in text (or, for screenshots, ultrasound and scans, without a Burned
    /// In Annotation value): refused by default.
    pub burned_in: BurnedIn,
    /// Rectangles blanked in every frame of every image with native pixel data.
    pub blank_regions: Vec<Region>,
    /// Rectangles blanked in the images each rule matches (modality, manufacturer, model, size).
    pub region_rules: Vec<RegionRule>,
    /// The hash of the report's and the receipt's digests: BLAKE3 unless SHA-256 is asked for.
    pub digest: DigestAlgorithm,
    /// Read a data set without a Part 10 header (no preamble, `DICM` or file meta group) when
    /// its encoding can be detected; the output gets a meta group and a `meta.added` finding.
    /// Off by default: such input is then refused (`read.not_dicom`).
    pub accept_raw: bool,
    /// X.509 certificates (PEM text) of the people who may re-identify: with any, the output
    /// carries the original values of every attribute the profile changed, enveloped for them
    /// (PS3.15 E.1.1 Encrypted Attributes). RSA keys only.
    pub recipients: Vec<String>,
    /// With recipients: when blanking changes the pixel data, the original Pixel Data element
    /// (native or encapsulated, as read) is enclosed with the other originals, so that
    /// re-identifying restores the original pixels too. The original is held in memory until
    /// the header is written (`limits.max_enclosed_pixel_bytes`). Off by default.
    pub enclose_pixels: bool,
}

impl Settings {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a profile option.
    pub fn option(mut self, option: ProfileOption) -> Self {
        self.options.push(option);
        self
    }

    /// Sets the pseudonym key.
    pub fn key(mut self, key: impl Into<Vec<u8>>) -> Self {
        self.key = Some(Key(key.into()));
        self
    }

    /// Sets the Ed25519 signing key seed (32 bytes) for receipts.
    pub fn signing_key(mut self, seed: impl Into<Vec<u8>>) -> Self {
        self.signing_key = Some(Key(seed.into()));
        self
    }

    /// Reads bare data sets (see [`accept_raw`](Self::accept_raw)).
    pub fn accept_raw(mut self, accept: bool) -> Self {
        self.accept_raw = accept;
        self
    }

    /// Adds a recipient of the Encrypted Attributes: an X.509 certificate, PEM or DER.
    pub fn recipient(mut self, certificate: &[u8]) -> Self {
        self.recipients.push(pem_text(certificate));
        self
    }

    /// Encloses the original pixel data when it is blanked (see
    /// [`enclose_pixels`](Self::enclose_pixels)).
    pub fn enclose_pixels(mut self, enclose: bool) -> Self {
        self.enclose_pixels = enclose;
        self
    }

    /// Adds a user rule.
    pub fn rule(mut self, rule: UserRule) -> Self {
        self.rules.push(rule);
        self
    }
}

/// A certificate as the settings hold it: PEM text as given, DER wrapped as PEM.
fn pem_text(certificate: &[u8]) -> String {
    match std::str::from_utf8(certificate) {
        Ok(text) if text.contains("-----BEGIN") => text.to_string(),
        _ => crate::envelope::der_to_pem(certificate),
    }
}

/// A pseudonym key. Its `Debug` output never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Key(pub Vec<u8>);

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key(<{} bytes>)", self.0.len())
    }
}

/// What Patient ID (0010,0020) becomes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PatientId {
    /// `PAT-` and 20 hex digits derived from the original ID with the key: the same patient gets
    /// the same pseudonym in every file, run and runtime that uses the same key.
    #[default]
    Keyed,
    /// As Table E.1-1 says (`Z/D` in 2025b, which gives the dummy value).
    Profile,
    /// This value, for every file.
    Fixed(String),
}

/// A caller rule: `tag` is a DICOM keyword (`PatientName`) or a tag (`(0010,0010)`, `00100010`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserRule {
    pub tag: String,
    pub action: RuleAction,
    /// The new value, for `replace` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl UserRule {
    pub fn new(tag: impl Into<String>, action: RuleAction) -> Self {
        UserRule {
            tag: tag.into(),
            action,
            value: None,
        }
    }

    pub fn replace(tag: impl Into<String>, value: impl Into<String>) -> Self {
        UserRule {
            tag: tag.into(),
            action: RuleAction::Replace,
            value: Some(value.into()),
        }
    }
}

/// What a user rule does to the attributes it selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RuleAction {
    Keep,
    Remove,
    Empty,
    Replace,
    /// A keyed hash of the value (a `2.25.` UID for UI attributes).
    Hash,
}
