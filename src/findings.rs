//! Findings: what a reader of the report should know, each under a stable code.

use serde::{Deserialize, Serialize};

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
