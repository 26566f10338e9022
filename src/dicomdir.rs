//! Media set directories (DICOMDIR, PS3.10 7.3 and PS3.3 F.3): their records hold patient names,
//! IDs and birth dates, and are de-identified like any sequence items. What is particular to
//! them is that records point at each other by byte offset in the file, and de-identification
//! changes every record's length: the offsets are carried over from the input's records to the
//! output's, record by record.

use std::collections::HashMap;

use dicom_core::Tag;

use crate::action::Action;
use crate::error::{Error, Result};
use crate::integrity::structure::{directory_marks, DirectoryMarks};

/// Rewrites the record offsets of `output` (a de-identified directory, records in the input's
/// order) to point at the same records as they did in `input`. An offset of 0 means "none" and
/// stays 0; an input offset that points at no record is a broken directory (`read.bad_structure`).
pub(crate) fn relink(input: &[u8], output: &mut [u8]) -> Result<()> {
    let before = directory_marks(input)?;
    let after = directory_marks(output)?;
    if before.records.len() != after.records.len() || before.offsets.len() != after.offsets.len() {
        return Err(Error::Write {
            message: "the directory's records or offsets changed in number".into(),
        });
    }
    let index: HashMap<u64, usize> = before
        .records
        .iter()
        .enumerate()
        .map(|(i, &at)| (at as u64, i))
        .collect();
    for (&from, &to) in before.offsets.iter().zip(&after.offsets) {
        let old = read_u32(input, from, &before).ok_or_else(|| {
            Error::read(
                "read.truncated",
                from,
                "a directory record offset is cut short",
            )
        })?;
        let new = if old == 0 {
            0
        } else {
            let i = index.get(&u64::from(old)).ok_or_else(|| {
                Error::read(
                    "read.bad_structure",
                    from,
                    format!("a directory record offset ({old}) points at no record"),
                )
            })?;
            u32::try_from(after.records[*i]).map_err(|_| Error::Write {
                message: "the directory is larger than its 32-bit offsets can address".into(),
            })?
        };
        let bytes = if after.little {
            new.to_le_bytes()
        } else {
            new.to_be_bytes()
        };
        match output.get_mut(to..to + 4) {
            Some(slot) => slot.copy_from_slice(&bytes),
            None => {
                return Err(Error::Write {
                    message: "a directory record offset lies outside the output".into(),
                })
            }
        }
    }
    Ok(())
}

fn read_u32(bytes: &[u8], at: usize, marks: &DirectoryMarks) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if marks.little {
        u32::from_le_bytes(b)
    } else {
        u32::from_be_bytes(b)
    })
}

/// Directory record attributes the record's own module requires (PS3.3 F.5) where the profile
/// would remove or empty them: Type 1 ones get a dummy value, Type 2 ones stay present, empty.
const RECORD_TYPE_1: [(u16, u16); 4] = [
    (0x0008, 0x0020), // Study Date (Study record)
    (0x0008, 0x0030), // Study Time
    (0x0020, 0x0010), // Study ID
    (0x0010, 0x0020), // Patient ID (Patient record)
];
const RECORD_TYPE_2: [(u16, u16); 3] = [
    (0x0008, 0x1030), // Study Description (Study record)
    (0x0008, 0x0050), // Accession Number
    (0x0010, 0x0010), // Patient's Name (Patient record)
];

/// The action for `tag` in a directory record, given the profile's.
pub(crate) fn record_action(tag: Tag, action: &Action) -> &Action {
    let key = (tag.group(), tag.element());
    match action {
        Action::Remove | Action::Empty if RECORD_TYPE_1.contains(&key) => &Action::Dummy,
        Action::Remove if RECORD_TYPE_2.contains(&key) => &Action::Empty,
        _ => action,
    }
}
