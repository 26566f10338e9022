//! PS3.15 E.1.1 Encrypted Attributes, in clear: the original values of what the profile changed,
//! as the one item of a Modified Attributes Sequence (the content that is then enveloped for
//! the recipients), and their return into a data set (E.1.2, re-identification).
//!
//! What changed is found by comparing the input's data set with the output's, top-level element
//! by element: an element the output lacks or holds otherwise goes in whole, nested sequences
//! included, so that the holder of the key gets back exactly what the input had, however deep
//! in a sequence the profile reached.

use dicom_core::header::Header;
use dicom_core::value::{DataSetSequence, Value};
use dicom_core::{DataElement, Length, VR};
use dicom_dictionary_std::tags;
use dicom_object::mem::InMemElement;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::entries::EXPLICIT_VR_LITTLE_ENDIAN;

use crate::dataset::write_dataset;
use crate::error::{Error, Result};
use crate::integrity::structure::{scan_elements, transfer_syntax};
use crate::limits::Limits;

/// The transfer syntax of the enveloped content: Explicit VR Little Endian, as E.1.1 asks.
pub(crate) const CONTENT_SYNTAX: &str = "1.2.840.10008.1.2.1";

/// The elements of `original` that `output` lacks or holds with another value, whole, with the
/// SOP Instance UID always (GDCM re-identifies only with it) and the Specific Character Set
/// (the item's text is written in it: Greek, Arabic, ...), in tag order.
pub(crate) fn modified(original: &InMemDicomObject, output: &InMemDicomObject) -> InMemDicomObject {
    let changed = original.iter().filter(|e| {
        [tags::SOP_INSTANCE_UID, tags::SPECIFIC_CHARACTER_SET].contains(&e.tag())
            || match output.get(e.tag()) {
                Some(o) => !same(e, o),
                None => true,
            }
    });
    InMemDicomObject::from_element_iter(changed.cloned())
}

/// Equal in VR and value, items compared element by element; lengths are left out (the
/// output's sequences are re-encoded with undefined lengths).
fn same(a: &InMemElement, b: &InMemElement) -> bool {
    if a.vr() != b.vr() {
        return false;
    }
    match (a.value(), b.value()) {
        (Value::Sequence(x), Value::Sequence(y)) => {
            x.items().len() == y.items().len()
                && x.items().iter().zip(y.items()).all(|(i, j)| {
                    i.iter().count() == j.iter().count()
                        && i.iter().all(|e| j.get(e.tag()).is_some_and(|f| same(e, f)))
                })
        }
        (x, y) => x == y,
    }
}

/// The content to envelope: a data set holding the Modified Attributes Sequence with one item,
/// the originals, encoded in Explicit VR Little Endian without a file meta group. Nothing else
/// at its top level: GDCM takes its first element for that sequence. `size` is room to reserve:
/// enclosed pixel data makes it large, and growing by doubling would hold it up to twice.
pub(crate) fn content(originals: InMemDicomObject, size: usize) -> Result<Vec<u8>> {
    let set = InMemDicomObject::from_element_iter([DataElement::new(
        tags::MODIFIED_ATTRIBUTES_SEQUENCE,
        VR::SQ,
        DataSetSequence::new(vec![originals], Length::UNDEFINED),
    )]);
    let mut bytes = Vec::with_capacity(size);
    write_dataset(set, &EXPLICIT_VR_LITTLE_ENDIAN.erased(), &mut bytes)?;
    Ok(bytes)
}

/// The Encrypted Attributes Sequence holding `envelope` (the DER CMS EnvelopedData).
pub(crate) fn sequence(envelope: Vec<u8>) -> InMemElement {
    let item = InMemDicomObject::from_element_iter([
        DataElement::new(
            tags::ENCRYPTED_CONTENT_TRANSFER_SYNTAX_UID,
            VR::UI,
            dicom_core::PrimitiveValue::from(CONTENT_SYNTAX),
        ),
        DataElement::new(
            tags::ENCRYPTED_CONTENT,
            VR::OB,
            dicom_core::PrimitiveValue::from(envelope),
        ),
    ]);
    DataElement::new(
        tags::ENCRYPTED_ATTRIBUTES_SEQUENCE,
        VR::SQ,
        DataSetSequence::new(vec![item], Length::UNDEFINED),
    )
}

/// Each Encrypted Content of `obj`'s Encrypted Attributes Sequence with its transfer syntax.
pub(crate) fn envelopes(obj: &InMemDicomObject) -> Vec<(String, Vec<u8>)> {
    let Some(Value::Sequence(seq)) = obj
        .get(tags::ENCRYPTED_ATTRIBUTES_SEQUENCE)
        .map(|e| e.value())
    else {
        return Vec::new();
    };
    seq.items()
        .iter()
        .filter_map(|item| {
            let syntax = item
                .get(tags::ENCRYPTED_CONTENT_TRANSFER_SYNTAX_UID)
                .and_then(|e| e.value().to_str().ok())
                .map(|s| s.trim_end_matches(['\0', ' ']).to_string())?;
            let bytes = item.get(tags::ENCRYPTED_CONTENT)?.value().to_bytes().ok()?;
            Some((syntax, unpadded(&bytes).to_vec()))
        })
        .collect()
}

/// The envelope without the padding byte an OB value of odd length gets (its DER length says
/// where it ends; GDCM's are padded so, and a DER reader refuses bytes after the end).
fn unpadded(bytes: &[u8]) -> &[u8] {
    use der::{asn1::AnyRef, Decode, Reader, SliceReader};
    let end = SliceReader::new(bytes).ok().and_then(|mut reader| {
        AnyRef::decode(&mut reader).ok()?;
        usize::try_from(reader.position()).ok()
    });
    match end {
        Some(end) if end < bytes.len() && bytes[end..].iter().all(|b| *b == 0) => &bytes[..end],
        _ => bytes,
    }
}

/// E.1.2: the originals of a decrypted content go back into `obj`, Patient Identity Removed
/// becomes NO and the De-identification Method and its codes go.
pub(crate) fn restore(obj: &mut InMemDicomObject, content: &[u8], syntax: &str) -> Result<()> {
    let ts = transfer_syntax(syntax).map_err(|_| Error::Reidentify)?;
    // Walked first, as every input is: dicom-rs trusts declared lengths and would allocate what
    // a damaged content claims (found by fuzzing).
    scan_elements(content, syntax, &Limits::STRUCTURE_ONLY).map_err(|_| Error::Reidentify)?;
    let set = InMemDicomObject::read_dataset_with_ts(content, ts).map_err(|_| Error::Reidentify)?;
    let Some(Value::Sequence(seq)) = set
        .get(tags::MODIFIED_ATTRIBUTES_SEQUENCE)
        .map(|e| e.value())
    else {
        return Err(Error::Reidentify);
    };
    for item in seq.items() {
        for e in item.iter() {
            obj.put(e.clone());
        }
    }
    obj.put(DataElement::new(
        tags::PATIENT_IDENTITY_REMOVED,
        VR::CS,
        dicom_core::PrimitiveValue::from("NO"),
    ));
    for tag in [
        tags::DEIDENTIFICATION_METHOD,
        tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
    ] {
        obj.remove_element(tag);
    }
    Ok(())
}
