//! Sequences that carry signatures, MACs, encrypted or original values. A de-identified file can
//! keep none of them: a signature no longer matches, a MAC is orphaned once its signatures go,
//! and encrypted or original attributes are the very values that were removed. Each is removed
//! wherever it occurs and reported, so the report says the file's old signatures are gone.

use dicom_core::header::Header;
use dicom_core::value::Value;
use dicom_core::Tag;
use dicom_object::InMemDicomObject;

use crate::findings::Finding;
use crate::integrity::structure::show;

/// (tag, finding code, name).
pub(crate) const REMOVED_SEQUENCES: [(Tag, &str, &str); 4] = [
    (
        Tag(0xFFFA, 0xFFFA),
        "integrity.digital_signatures_removed",
        "Digital Signatures Sequence",
    ),
    (
        Tag(0x4FFE, 0x0001),
        "integrity.mac_parameters_removed",
        "MAC Parameters Sequence",
    ),
    (
        Tag(0x0400, 0x0500),
        "integrity.encrypted_attributes_removed",
        "Encrypted Attributes Sequence",
    ),
    (
        Tag(0x0400, 0x0561),
        "integrity.original_attributes_removed",
        "Original Attributes Sequence",
    ),
];

/// One finding per occurrence, at any depth, with its tag path.
pub(crate) fn findings(obj: &InMemDicomObject) -> Vec<Finding> {
    let mut out = Vec::new();
    walk(obj, "", &mut out);
    out
}

fn walk(obj: &InMemDicomObject, prefix: &str, out: &mut Vec<Finding>) {
    for elem in obj {
        let path = || format!("{prefix}{}", show(elem.tag()));
        if let Some((_, code, name)) = REMOVED_SEQUENCES.iter().find(|(t, ..)| *t == elem.tag()) {
            let items = elem.items().map_or(0, |i| i.len());
            out.push(Finding {
                code: code.to_string(),
                path: Some(path()),
                message: format!("{name} with {items} item(s) removed"),
            });
            continue; // its contents go with it
        }
        if let Value::Sequence(seq) = elem.value() {
            for item in seq.items() {
                walk(item, &format!("{}/", path()), out);
            }
        }
    }
}
