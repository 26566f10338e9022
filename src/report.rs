//! What the sanitizer did to one file, as one serde structure shared by the CLI and JS.
//! It names attributes by tag path and never holds an original value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::findings::Finding;
use crate::integrity::preamble::Preamble;
use crate::profile::ProfileOption;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// `dicom-sanitizer`.
    pub product: String,
    pub version: String,
    /// `basic`: the Basic Application Level Confidentiality Profile.
    pub profile: String,
    /// Edition of PS3.15 Table E.1-1 applied, e.g. `2025b`.
    pub edition: String,
    pub options: Vec<ProfileOption>,
    /// Transfer Syntax UID of the output: the input's, except that Deflated Explicit VR Little
    /// Endian is written inflated (finding `meta.inflated`) and a missing one is detected.
    pub transfer_syntax: String,
    pub preamble: Preamble,
    /// Data elements per action, counting those inside sequence items.
    pub actions: BTreeMap<String, u64>,
    pub findings: Vec<Finding>,
    /// Every input byte outside its Pixel Data value. The value itself is in the output byte
    /// for byte (so `output` covers it) unless regions were blanked; then `inputPixelData` has
    /// the original's digest. Hashing the pixels once rather than twice is most of the speed
    /// on large files.
    pub input_header: Digest,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_pixel_data: Option<Digest>,
    /// The whole output file, as `b3sum` (or `sha256sum`) gives it.
    pub output: Digest,
}

impl Report {
    /// The findings with this code.
    pub fn findings_with<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| f.code == code)
    }

    /// JSON, as the CLI and the JS binding give it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a report always serialises")
    }
}
