//! What the sanitizer did to one file, as one serde structure shared by the CLI and JS.
//! It names attributes by tag path and never holds an original value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::integrity::preamble::Preamble;
use crate::profile::ProfileOption;

/// Every code a [`Finding`] can carry; kept in step with the source by a test.
pub const FINDING_CODES: &[&str] = &[
    "preamble.executable",
    "preamble.tiff",
    "preamble.nonzero",
    "meta.group_length_mismatch",
    "meta.sop_instance_mismatch",
    "meta.sop_class_mismatch",
    "meta.not_composite",
    "meta.added",
    "meta.transfer_syntax_added",
    "meta.inflated",
    "private.no_creator",
    "value.un_removed",
    "value.uid_leading_zero",
    "value.un_resolved",
    "value.un_unresolved",
    "value.vr_mismatch",
    "value.invalid_removed",
    "value.date_unparsable",
    "structure.meta_in_dataset",
    "integrity.digital_signatures_removed",
    "integrity.mac_parameters_removed",
    "integrity.encrypted_attributes_removed",
    "integrity.original_attributes_removed",
    "phi.date_like",
    "phi.phone_like",
    "phi.id_like",
    "phi.echo_emptied",
    "pixel.regions_blanked",
    "pixel.region_outside",
    "pixel.regions_not_applicable",
    "pixel.offset_table_removed",
    "pixel.transcoded",
    "pixel.blanked_to_average",
    "pixel.segments_removed",
    "pixel.segments_emptied",
    "pixel.after_eoi_removed",
    "encrypted.attributes_added",
    "pixel.burned_in_allowed",
    "pixel.burned_in_unknown_allowed",
];

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

/// Something found or done that a reader of the report should know, under a stable code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub code: String,
    /// Tag path such as `(0008,1115)/(0008,114A)/(0008,1155)`, where one applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub message: String,
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
