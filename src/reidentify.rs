//! Re-identification (PS3.15 E.1.2): a sanitized file's Encrypted Attributes opened with a
//! recipient's private key, and the original values put back. The sanitized pixels stay,
//! unless their original was enclosed (`enclose_pixels`): it comes back with the other originals.

use dicom_dictionary_std::tags;

use crate::dataset::{read_dataset, uid_value};
use crate::dicomdir;
use crate::encrypted;
use crate::envelope;
use crate::error::{Error, Result};
use crate::file_meta::FileMeta;
use crate::integrity::structure::{scan, scan_meta, transfer_syntax};
use crate::limits::Limits;

/// The file `input` (a Part 10 file sanitized with recipients) with its original values back,
/// for the holder of `private_key` (PEM or DER, PKCS#8 or PKCS#1), whose `certificate` may be
/// given to pick its recipient info. Every failure to open or restore is the one error
/// `reidentify.failed`, whatever failed inside (no oracle); a file the structure scanner
/// refuses keeps its `read.*`, `transfer_syntax.*` or `limit.*` code.
pub fn reidentify(input: &[u8], private_key: &[u8], certificate: Option<&[u8]>) -> Result<Vec<u8>> {
    // As every input: walked by the scanner first, then only the data set handed to dicom-rs,
    // which trusts declared lengths (fuzzing found a meta group that made it allocate 3.9 GB).
    // Part 10 only: what this project writes has a meta group, and a bare data set would be
    // read by guessing its encoding.
    let layout = scan_meta(input, false)?;
    scan(input, &Limits::STRUCTURE_ONLY)?;
    let ts_uid = layout.transfer_syntax.as_str();
    let (mut obj, _) = read_dataset(&input[layout.dataset_at..], ts_uid)?;
    let restored = encrypted::envelopes(&obj).into_iter().any(|(syntax, der)| {
        envelope::open(&der, private_key, certificate)
            .and_then(|content| encrypted::restore(&mut obj, &content, &syntax))
            .is_ok()
    });
    if !restored {
        return Err(Error::Reidentify);
    }
    obj.remove_element(tags::ENCRYPTED_ATTRIBUTES_SEQUENCE);
    let sop_class = uid_value(&obj, tags::SOP_CLASS_UID)
        .or(layout.media_storage_sop_class_uid.clone())
        .unwrap_or_default();
    let sop_instance = uid_value(&obj, tags::SOP_INSTANCE_UID)
        .or(layout.media_storage_sop_instance_uid.clone())
        .unwrap_or_default();
    let mut out = FileMeta {
        sop_class: &sop_class,
        sop_instance: &sop_instance,
        transfer_syntax: ts_uid,
    }
    .to_bytes();
    out.reserve(input.len());
    obj.write_dataset_with_ts(&mut out, transfer_syntax(ts_uid)?)
        .map_err(|e| Error::Write {
            message: format!("the re-identified file: {e}"),
        })?;
    // A directory's record offsets are byte positions: the restored records (the originals,
    // with the original file's offsets) are linked as the sanitized ones were, at their
    // positions here. Records the media set's renaming dropped leave nothing to link them by.
    if dicomdir::is_directory(input) {
        dicomdir::relink(input, &mut out, false).map_err(|_| Error::Reidentify)?;
    }
    Ok(out)
}
