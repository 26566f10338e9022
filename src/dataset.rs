//! Data sets in and out of dicom-rs: parsing one the pre-scan has walked, encoding one, and the
//! UIDs a data set must hold.

use dicom_core::Tag;
use dicom_encoding::TransferSyntax;
use dicom_object::InMemDicomObject;
use dicom_parser::dataset::{DataSetWriter, IntoTokens, IntoTokensOptions};

use crate::error::{Error, Result};
use crate::findings::Finding;
use crate::integrity::structure::{show, transfer_syntax};

/// Parses a data set the pre-scan has walked (UN values resolved first), with what resolving
/// them found.
pub(crate) fn read_dataset(
    dataset: &[u8],
    ts_uid: &str,
) -> Result<(InMemDicomObject, Vec<Finding>)> {
    let ts = transfer_syntax(ts_uid)?;
    let (dataset, un) = crate::un::for_parser(dataset, ts_uid)?;
    let obj =
        InMemDicomObject::read_dataset_with_ts(&dataset[..], ts).map_err(|e| Error::Read {
            code: "read.invalid",
            offset: None,
            message: e.to_string(),
        })?;
    Ok((obj, un))
}

/// Appends `obj` encoded in `ts` (not a deflated one) to `to`, as dicom-rs's
/// `write_dataset_with_ts` does, but moving each element into the writer: dicom-rs's own clones
/// it first, which for enclosed pixel data or its envelope would hold them twice.
pub(crate) fn write_dataset(
    obj: InMemDicomObject,
    ts: &TransferSyntax,
    to: &mut Vec<u8>,
) -> Result<()> {
    DataSetWriter::with_ts(to, ts)
        .and_then(|mut w| {
            w.write_sequence(obj.into_tokens_with_options(IntoTokensOptions::default()))
        })
        .map_err(|e| Error::Write {
            message: e.to_string(),
        })
}

/// A UID of the data set that the output's file meta group needs, if present: of valid syntax.
pub(crate) fn dataset_uid(obj: &InMemDicomObject, tag: Tag) -> Result<Option<String>> {
    let Some(uid) = uid_value(obj, tag) else {
        return Ok(None);
    };
    valid_uid(&uid, &show(tag))?;
    Ok(Some(uid))
}

/// A UID element's value without its padding; `None` when absent or empty.
pub(crate) fn uid_value(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    obj.get(tag)
        .and_then(|e| e.value().to_str().ok())
        .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
        .filter(|s| !s.is_empty())
}

pub(crate) fn valid_uid(uid: &str, tag: &str) -> Result<()> {
    if crate::values::uid_well_formed(uid) {
        Ok(())
    } else {
        Err(Error::Read {
            code: "read.invalid_uid",
            offset: None,
            message: format!("{tag} is not a valid UID"),
        })
    }
}
