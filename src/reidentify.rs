//! Re-identification (PS3.15 E.1.2): a sanitized file's Encrypted Attributes opened with a
//! recipient's private key, and the original values put back. The sanitized pixels stay.

use dicom_dictionary_std::tags;
use dicom_object::file::ReadPreamble;
use dicom_object::OpenFileOptions;

use crate::encrypted;
use crate::envelope;
use crate::error::{Error, Result};
use crate::integrity::structure::scan;
use crate::limits::Limits;

/// The file `input` (a Part 10 file sanitized with recipients) with its original values back,
/// for the holder of `private_key` (PEM or DER, PKCS#8 or PKCS#1), whose `certificate` may be
/// given to pick its recipient info. Every failure to open or restore is the one error
/// `reidentify.failed`, whatever failed inside (no oracle); a file that is no DICOM is a
/// `read.*` error.
pub fn reidentify(input: &[u8], private_key: &[u8], certificate: Option<&[u8]>) -> Result<Vec<u8>> {
    // Walked first, as every input is: dicom-rs trusts declared lengths.
    scan(input, &Limits::STRUCTURE_ONLY)?;
    let mut obj = OpenFileOptions::new()
        .read_preamble(ReadPreamble::Auto)
        .from_reader(input)
        .map_err(|e| Error::Read {
            code: "read.invalid",
            offset: None,
            message: format!("the file to re-identify: {e}"),
        })?;
    let restored = encrypted::envelopes(&obj).into_iter().any(|(syntax, der)| {
        envelope::open(&der, private_key, certificate)
            .and_then(|content| encrypted::restore(&mut obj, &content, &syntax))
            .is_ok()
    });
    if !restored {
        return Err(Error::Reidentify);
    }
    obj.remove_element(tags::ENCRYPTED_ATTRIBUTES_SEQUENCE);
    if let Some(uid) = obj
        .get(tags::SOP_INSTANCE_UID)
        .and_then(|e| e.value().to_str().ok())
        .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
    {
        let meta = obj.meta_mut();
        meta.media_storage_sop_instance_uid = uid;
        meta.update_information_group_length();
    }
    let mut out = Vec::with_capacity(input.len());
    obj.write_all(&mut out).map_err(|e| Error::Write {
        message: format!("the re-identified file: {e}"),
    })?;
    Ok(out)
}
