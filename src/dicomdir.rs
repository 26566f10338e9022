//! Media set directories (DICOMDIR, PS3.10 7.3 and PS3.3 F.3): their records hold patient names,
//! IDs and birth dates, and are de-identified like any sequence items. What is particular to
//! them is that records point at each other by byte offset in the file, and de-identification
//! changes every record's length: the links are read from the input as record numbers and
//! written into the output as the new offsets of the same records.
//!
//! When a media set is sanitized as a whole, its files may be renamed (so that their names carry
//! no PHI) or left out (refused); [`retarget`] then rewrites the records' Referenced File IDs
//! and drops the records of files that are not in the output, with the records left empty above
//! them, so that the directory describes exactly the files that are there.

use std::collections::HashMap;

use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Length, VR};
use dicom_dictionary_std::tags;
use dicom_object::file::ReadPreamble;
use dicom_object::{InMemDicomObject, OpenFileOptions};

use crate::error::{Error, Result};
use crate::integrity::structure::{directory_marks, DirectoryMarks, Slot};

/// How the records of a directory point at each other, by record number.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Links {
    /// First and last record of the root directory entity.
    first: Option<usize>,
    last: Option<usize>,
    /// Per record: the next record of its entity, and the first of the entity below it.
    next: Vec<Option<usize>>,
    lower: Vec<Option<usize>>,
}

impl Links {
    /// Reads the links of a directory Part 10 stream (an offset element that is missing links
    /// nothing). An offset that points at no record is a broken directory (`read.bad_structure`).
    fn read(bytes: &[u8], accept_raw: bool) -> Result<Links> {
        let marks = directory_marks(bytes, accept_raw)?;
        let index: HashMap<u64, usize> = marks
            .records
            .iter()
            .enumerate()
            .map(|(i, &at)| (at as u64, i))
            .collect();
        let n = marks.records.len();
        let mut links = Links {
            first: None,
            last: None,
            next: vec![None; n],
            lower: vec![None; n],
        };
        for &(at, slot) in &marks.offsets {
            let value = read_u32(bytes, at, &marks).ok_or_else(|| {
                Error::read("read.truncated", at, "a directory offset is cut short")
            })?;
            let target = match value {
                0 => None,
                o => Some(index.get(&u64::from(o)).copied().ok_or_else(|| {
                    Error::read(
                        "read.bad_structure",
                        at,
                        format!("a directory record offset ({o}) points at no record"),
                    )
                })?),
            };
            *links.slot(slot) = target;
        }
        Ok(links)
    }

    fn get(&self, slot: Slot) -> Option<usize> {
        match slot {
            Slot::First => self.first,
            Slot::Last => self.last,
            Slot::Next(r) => self.next[r],
            Slot::Lower(r) => self.lower[r],
        }
    }

    fn slot(&mut self, slot: Slot) -> &mut Option<usize> {
        match slot {
            Slot::First => &mut self.first,
            Slot::Last => &mut self.last,
            Slot::Next(r) => &mut self.next[r],
            Slot::Lower(r) => &mut self.lower[r],
        }
    }

    /// Writes the links into a directory stream whose records are those numbered here, in
    /// order, into the offset elements it has.
    fn write(&self, bytes: &mut [u8]) -> Result<()> {
        let marks = directory_marks(bytes, false)?;
        if marks.records.len() != self.next.len() {
            return Err(Error::Write {
                message: "the directory's records changed in number".into(),
            });
        }
        for &(at, slot) in &marks.offsets {
            let offset = match self.get(slot) {
                None => 0,
                Some(i) => u32::try_from(marks.records[i]).map_err(|_| Error::Write {
                    message: "the directory is larger than its 32-bit offsets can address".into(),
                })?,
            };
            let value = if marks.little {
                offset.to_le_bytes()
            } else {
                offset.to_be_bytes()
            };
            bytes
                .get_mut(at..at + 4)
                .ok_or_else(|| Error::Write {
                    message: "a directory offset lies outside the output".into(),
                })?
                .copy_from_slice(&value);
        }
        Ok(())
    }

    /// The links without the records `keep` says no to, renumbered.
    fn without(&self, keep: &[bool]) -> Links {
        let mut number = vec![None; keep.len()];
        let mut n = 0;
        for (i, &k) in keep.iter().enumerate() {
            if k {
                number[i] = Some(n);
                n += 1;
            }
        }
        // The first kept record of a chain starting at `from`, following `next`.
        let first_kept = |mut at: Option<usize>| {
            while let Some(i) = at {
                if keep[i] {
                    return number[i];
                }
                at = self.next[i];
            }
            None
        };
        let mut next = Vec::with_capacity(n);
        let mut lower = Vec::with_capacity(n);
        for i in (0..keep.len()).filter(|&i| keep[i]) {
            next.push(first_kept(self.next[i]));
            lower.push(first_kept(self.lower[i]));
        }
        let first = first_kept(self.first);
        let mut last = first;
        while let Some(i) = last.and_then(|l| next[l]) {
            last = Some(i);
        }
        Links {
            first,
            last,
            next,
            lower,
        }
    }
}

/// Rewrites the record offsets of `output` (a de-identified directory, records in the input's
/// order) to point at the same records as they did in `input` (a bare data set when
/// `accept_raw`).
pub(crate) fn relink(input: &[u8], output: &mut [u8], accept_raw: bool) -> Result<()> {
    Links::read(input, accept_raw)?.write(output)
}

/// Makes a sanitized directory describe the files of its media set as they are written:
/// `rename` gives each record's Referenced File ID (its components) the new ID, or `None` when
/// the file is not in the output; such records go, and so do records left with nothing below
/// them that had something before (a series whose images were all refused).
pub(crate) fn retarget(
    sanitized: &[u8],
    rename: &mut dyn FnMut(&[String]) -> Option<Vec<String>>,
) -> Result<Vec<u8>> {
    let links = Links::read(sanitized, false)?;
    let file = OpenFileOptions::new()
        .read_preamble(ReadPreamble::Always)
        .from_reader(sanitized)
        .map_err(|e| Error::Write {
            message: format!("the sanitized directory does not re-parse: {e}"),
        })?;
    let ts = file.meta().transfer_syntax().to_string();
    let mut obj = file.into_inner();
    let records: Vec<InMemDicomObject> = obj
        .get(tags::DIRECTORY_RECORD_SEQUENCE)
        .and_then(|e| e.value().items())
        .map(|items| items.to_vec())
        .unwrap_or_default();
    let mut keep = vec![true; records.len()];
    let mut renamed = records;
    for (i, record) in renamed.iter_mut().enumerate() {
        let Some(id) = record.get(tags::REFERENCED_FILE_ID) else {
            continue;
        };
        let parts: Vec<String> = id
            .value()
            .to_multi_str()
            .map(|v| v.iter().map(|s| s.trim().to_string()).collect())
            .unwrap_or_default();
        match rename(&parts) {
            Some(new) => {
                record.put(DataElement::new(
                    tags::REFERENCED_FILE_ID,
                    VR::CS,
                    PrimitiveValue::Strs(new.into_iter().collect()),
                ));
            }
            None => keep[i] = false,
        }
    }
    // Entities emptied by the files that went take their record with them, up to the root.
    loop {
        let emptied = (0..keep.len()).find(|&i| {
            keep[i] && links.lower[i].is_some() && {
                let mut at = links.lower[i];
                let mut any = false;
                while let Some(c) = at {
                    any |= keep[c];
                    at = links.next[c];
                }
                !any
            }
        });
        match emptied {
            Some(i) => keep[i] = false,
            None => break,
        }
    }
    let kept: Vec<InMemDicomObject> = renamed
        .into_iter()
        .zip(&keep)
        .filter_map(|(r, &k)| k.then_some(r))
        .collect();
    obj.put(DataElement::new(
        tags::DIRECTORY_RECORD_SEQUENCE,
        VR::SQ,
        DataSetSequence::new(kept, Length::UNDEFINED),
    ));
    let ts = crate::integrity::structure::transfer_syntax(&ts)?;
    let mut bytes = sanitized[..directory_dataset_at(sanitized)?].to_vec();
    obj.write_dataset_with_ts(&mut bytes, ts)
        .map_err(|e| Error::Write {
            message: e.to_string(),
        })?;
    links.without(&keep).write(&mut bytes)?;
    Ok(bytes)
}

/// Whether a sanitized output is a media set directory (has a Directory Record Sequence).
pub(crate) fn is_directory(sanitized: &[u8]) -> bool {
    directory_marks(sanitized, false).is_ok_and(|m| !m.offsets.is_empty())
}

/// Where the data set starts in one of this code's own outputs (after the meta group).
fn directory_dataset_at(bytes: &[u8]) -> Result<usize> {
    Ok(crate::integrity::structure::scan_meta(bytes, false)?.dataset_at)
}

fn read_u32(bytes: &[u8], at: usize, marks: &DirectoryMarks) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if marks.little {
        u32::from_le_bytes(b)
    } else {
        u32::from_be_bytes(b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_left_out_are_skipped_in_every_chain() {
        // PATIENT 0 > STUDY 1 > SERIES 2 > IMAGE 3, IMAGE 4; SERIES 5 > IMAGE 6.
        let links = Links {
            first: Some(0),
            last: Some(0),
            next: vec![None, None, Some(5), Some(4), None, None, None],
            lower: vec![Some(1), Some(2), Some(3), None, None, Some(6), None],
        };
        let keep = [true, true, true, false, true, false, false];
        let out = links.without(&keep);
        assert_eq!(out.next, vec![None, None, None, None]);
        assert_eq!(out.lower, vec![Some(1), Some(2), Some(3), None]);
        assert_eq!((out.first, out.last), (Some(0), Some(0)));
    }
}
