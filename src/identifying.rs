//! The identifying values of a file's header, listed for a caller to look for elsewhere: the demo
//! page matches them against the words OCR reads off the pixels (burned-in text), as the clean
//! action and the residual-PHI gate look for them in the values. The attributes are the clean
//! action's (`clean::each_identifying`), plus the dates of the visit, which are burned into
//! ultrasound and secondary-capture images as often as the birth date.
//!
//! Only the header is read (everything before the top-level Pixel Data), so the first bytes of a
//! file of any size are enough; a deflated data set is inflated as far as the bytes go.

use dicom_core::{DataDictionary, Tag};
use dicom_dictionary_std::StandardDataDictionary;
use dicom_object::InMemDicomObject;
use serde::Serialize;

use crate::clean::each_identifying;
use crate::dataset::read_dataset;
use crate::error::Result;
use crate::inflate::Inflate;
use crate::integrity::structure::{scan_header, show};
use crate::limits::Limits;

/// What an identifying value is, which says how it is spelt elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum IdentifyingKind {
    /// A person name (any PN), components separated by `^`.
    Name,
    /// An identifier: Patient ID, Accession Number, order and visit numbers.
    Id,
    /// A DA value `YYYYMMDD` (birth date, dates of the visit).
    Date,
    /// Other identifying text: institution, addresses, telephone numbers.
    Text,
    /// An original Study, Series or SOP Instance UID (only where names are checked).
    Uid,
}

/// One identifying value of a file, as the header holds it (trimmed of padding).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentifyingValue {
    pub kind: IdentifyingKind,
    /// `(gggg,eeee)` of the attribute.
    pub tag: String,
    /// Its keyword in the standard dictionary (`""` for a private one).
    pub keyword: &'static str,
    pub value: String,
}

const IDS: [(u16, u16); 9] = [
    (0x0008, 0x0050), // Accession Number
    (0x0010, 0x0020), // Patient ID
    (0x0010, 0x1000), // Other Patient IDs
    (0x0010, 0x1090), // Medical Record Locator
    (0x0020, 0x0010), // Study ID
    (0x0038, 0x0010), // Admission ID
    (0x0040, 0x1001), // Requested Procedure ID
    (0x0040, 0x2016), // Placer Order Number / Imaging Service Request
    (0x0040, 0x2017), // Filler Order Number / Imaging Service Request
];

/// Dates of the visit (top level only), listed besides the birth date.
const VISIT_DATES: [Tag; 4] = [
    Tag(0x0008, 0x0020), // Study Date
    Tag(0x0008, 0x0021), // Series Date
    Tag(0x0008, 0x0022), // Acquisition Date
    Tag(0x0008, 0x0023), // Content Date
];
const BIRTH_DATE: Tag = Tag(0x0010, 0x0030);

/// The identifying values in the header of `input`: a whole Part 10 file or its first bytes, as
/// long as they reach the top-level Pixel Data (`read.truncated` otherwise: give more). Each
/// distinct (kind, value) once, in the order found. `accept_raw` as in the settings.
pub fn identifying_values(input: &[u8], accept_raw: bool) -> Result<Vec<IdentifyingValue>> {
    header_values(input, accept_raw, &[])
}

/// As [`identifying_values`], and the values of the top-level `uids` as [`IdentifyingKind::Uid`].
pub(crate) fn header_values(
    input: &[u8],
    accept_raw: bool,
    uids: &[Tag],
) -> Result<Vec<IdentifyingValue>> {
    let obj = read_header(input, accept_raw)?;
    let mut out: Vec<IdentifyingValue> = Vec::new();
    let mut push = |kind, tag: Tag, value: &str| {
        let value = value.trim_matches(|c: char| c == '\0' || c.is_whitespace());
        if value.is_empty() || out.iter().any(|v| v.kind == kind && v.value == value) {
            return;
        }
        out.push(IdentifyingValue {
            kind,
            tag: show(tag),
            keyword: StandardDataDictionary
                .by_tag(tag)
                .filter(|_| tag.group().is_multiple_of(2))
                .map_or("", |e| e.alias),
            value: value.to_string(),
        });
    };
    each_identifying(&obj, &mut |tag, pn, value| {
        let key = (tag.group(), tag.element());
        let kind = if pn {
            IdentifyingKind::Name
        } else if tag == BIRTH_DATE {
            IdentifyingKind::Date
        } else if IDS.contains(&key) {
            IdentifyingKind::Id
        } else {
            IdentifyingKind::Text
        };
        push(kind, tag, value);
    });
    for tag in VISIT_DATES {
        if let Some(Ok(v)) = obj.get(tag).map(|e| e.to_str()) {
            push(IdentifyingKind::Date, tag, &v);
        }
    }
    for &tag in uids {
        if let Some(Ok(v)) = obj.get(tag).map(|e| e.to_str()) {
            push(IdentifyingKind::Uid, tag, &v);
        }
    }
    Ok(out)
}

/// The data set before the top-level Pixel Data, read as the sanitizer reads it (the same
/// pre-scan, UN resolution and parser), from as many bytes as there are.
fn read_header(input: &[u8], accept_raw: bool) -> Result<InMemDicomObject> {
    let limits = Limits::default();
    let mut bytes = Vec::new();
    // "At the end" only tells the sniffing to decide on the bytes there are; a prefix of a
    // deflated data set still inflates as far as it goes (the stream's own checks of a whole
    // deflate stream are in `Inflate::finish`, not called here).
    Inflate::new().push(input, true, limits.max_input_bytes, accept_raw, &mut |b| {
        bytes.extend_from_slice(b);
        Ok(())
    })?;
    let scanned = scan_header(&bytes, &limits, accept_raw)?;
    let end = scanned.pixel.map_or(bytes.len(), |p| p.at);
    let dataset = bytes
        .get(scanned.layout.dataset_at..end)
        .unwrap_or_default();
    let (obj, _) = read_dataset(dataset, &scanned.layout.transfer_syntax)?;
    Ok(obj)
}
