//! What the standard data dictionary says of an attribute, whatever a file says.

use dicom_core::dictionary::{DataDictionary, VirtualVr};
use dicom_core::header::Header;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;
use dicom_object::mem::InMemElement;

/// The dictionary's VR for a tag (UN when it has none or it depends on context).
pub(crate) fn dictionary_vr(tag: Tag) -> VR {
    match StandardDataDictionary.by_tag(tag).map(|e| e.vr) {
        Some(VirtualVr::Exact(vr)) => vr,
        _ => VR::UN,
    }
}

/// A person's name: PN as encoded, or PN in the dictionary whatever the file says (found by
/// fuzzing: Patient's Name written with VR LO escaped a check that looked at the VR only).
pub(crate) fn is_name(elem: &InMemElement) -> bool {
    elem.vr() == VR::PN || dictionary_vr(elem.tag()) == VR::PN
}
