//! A structural pre-scan of the Part 10 byte stream, run before the parser builds anything.
//!
//! It checks every declared length against the bytes present and against the [`Limits`], and the
//! nesting of sequences, items and delimiters, so that malformed or hostile input gets a precise
//! coded error with an offset, and no allocation is ever sized by a length the input cannot back.

use std::ops::Range;

use dicom_core::{Tag, VR};
use dicom_encoding::TransferSyntaxIndex as _;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

use crate::dictionary::dictionary_vr;
use crate::error::{Error, Result};
use crate::findings::Finding;
use crate::integrity::encoding::{detect, long_length, DEFLATED_VR_LE, EXPLICIT_VR_LE};
use crate::limits::Limits;

const UNDEFINED: u32 = 0xFFFF_FFFF;
const IMPLICIT_VR_LE: &str = "1.2.840.10008.1.2";
const PIXEL_DATA: (u16, u16) = (0x7FE0, 0x0010);
const ITEM: (u16, u16) = (0xFFFE, 0xE000);
const ITEM_END: (u16, u16) = (0xFFFE, 0xE00D);
const SEQUENCE_END: (u16, u16) = (0xFFFE, 0xE0DD);
const RECORDS: Tag = Tag(0x0004, 0x1220);
const DIRECTORY_FIRST: (u16, u16) = (0x0004, 0x1200);
const DIRECTORY_LAST: (u16, u16) = (0x0004, 0x1202);
const NEXT_RECORD: (u16, u16) = (0x0004, 0x1400);
const LOWER_LEVEL: (u16, u16) = (0x0004, 0x1420);

/// Where the parts of a Part 10 stream are, and what the file meta group says.
#[derive(Debug)]
pub(crate) struct Layout {
    /// Offset of `DICM` (128 with a preamble, 0 without).
    pub magic_at: usize,
    /// Offset of the first data set element.
    pub dataset_at: usize,
    pub transfer_syntax: String,
    /// (declared, actual) when (0002,0000) disagrees with the group it heads.
    pub meta_group_length_mismatch: Option<(u32, usize)>,
    pub media_storage_sop_class_uid: Option<String>,
    pub media_storage_sop_instance_uid: Option<String>,
    /// What the input lacked that the output's meta group gets.
    pub added: Added,
    /// The input is Deflated Explicit VR Little Endian; the data set read (and written) is its
    /// inflated form, in Explicit VR Little Endian (`transfer_syntax`).
    pub deflated: bool,
}

/// What of the Part 10 header was missing and is made for the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Added {
    Nothing,
    /// No preamble, magic code or meta group: a bare data set (`accept_raw`).
    Meta,
    /// A meta group without (0002,0010): the encoding was detected from the data set.
    TransferSyntax,
}

impl Layout {
    /// Findings about the header the output got instead of the input's.
    pub fn findings(&self) -> Vec<Finding> {
        let ts = &self.transfer_syntax;
        let (code, message) = match (self.added, self.deflated) {
            (Added::Meta, _) => ("meta.added", format!("the input is a data set without a Part 10 header; its encoding was detected as {ts} and the output has a file meta group")),
            (Added::TransferSyntax, _) => ("meta.transfer_syntax_added", format!("the file meta group has no Transfer Syntax UID; the data set's encoding was detected as {ts}")),
            (Added::Nothing, true) => ("meta.inflated", format!("the input is Deflated Explicit VR Little Endian; the output is the same data set uncompressed, in {ts}")),
            (Added::Nothing, false) => return Vec::new(),
        };
        let path = (self.added != Added::Meta).then(|| "(0002,0010)".to_string());
        vec![Finding {
            code: code.into(),
            path,
            message,
        }]
    }
}

/// Finds the magic code and reads the file meta group (always explicit VR little endian).
/// Without a magic code, `accept_raw` reads `input` as a bare data set if its encoding can be
/// detected.
pub(crate) fn scan_meta(input: &[u8], accept_raw: bool) -> Result<Layout> {
    let magic_at = if input.len() >= 132 && &input[128..132] == b"DICM" {
        128
    } else if input.starts_with(b"DICM") {
        0
    } else if let Some(ts) = detect(input).filter(|_| accept_raw) {
        return Ok(Layout {
            magic_at: usize::MAX,
            dataset_at: 0,
            transfer_syntax: ts.to_string(),
            meta_group_length_mismatch: None,
            media_storage_sop_class_uid: None,
            media_storage_sop_instance_uid: None,
            added: Added::Meta,
            deflated: false,
        });
    } else {
        return Err(Error::read(
            "read.not_dicom",
            0,
            "no DICM magic code at byte 128 (or 0): not a DICOM Part 10 file",
        ));
    };
    let mut c = Cursor::new(input, true, true);
    c.pos = magic_at + 4;
    let (mut ts, mut class, mut instance, mut declared) = (None, None, None, None);
    let mut group_start = None;
    while c.pos + 4 <= input.len() && c.peek_group() == Some(0x0002) {
        let at = c.pos;
        let (tag, vr, len) = c.header()?;
        if len == UNDEFINED {
            return Err(Error::read(
                "read.bad_length",
                at,
                format!("file meta element {} has an undefined length", show(tag)),
            ));
        }
        let value = c.take(len as usize, tag, at)?;
        let text = || Some(trim_text(value));
        match (tag.element(), vr) {
            (0x0000, VR::UL) if value.len() == 4 => {
                declared = Some(u32::from_le_bytes(value.try_into().unwrap_or_default()));
                group_start = Some(c.pos);
            }
            (0x0002, _) => class = text(),
            (0x0003, _) => instance = text(),
            (0x0010, _) => ts = text(),
            _ => {}
        }
    }
    if c.pos == magic_at + 4 {
        return Err(Error::read(
            "read.missing_meta",
            c.pos,
            "no file meta group (0002,xxxx) after the DICM magic code",
        ));
    }
    let mut added = Added::Nothing;
    let transfer_syntax = match ts.filter(|t| !t.is_empty()) {
        Some(ts) => ts,
        None if input.len() < c.pos + 8 => {
            return Err(Error::read(
                "read.missing_meta",
                magic_at + 4,
                "the file meta group has no Transfer Syntax UID (0002,0010), and no data set follows to detect it from",
            ))
        }
        None => {
            added = Added::TransferSyntax;
            detect(&input[c.pos..]).map(str::to_string).ok_or_else(|| {
                Error::read(
                    "read.missing_meta",
                    magic_at + 4,
                    "the file meta group has no Transfer Syntax UID (0002,0010), and the data set's encoding cannot be detected",
                )
            })?
        }
    };
    // The stream inflates the data set before this sees it (`crate::inflate`).
    let deflated = transfer_syntax == DEFLATED_VR_LE;
    let transfer_syntax = if deflated {
        EXPLICIT_VR_LE.to_string()
    } else {
        transfer_syntax
    };
    let meta_group_length_mismatch = match (declared, group_start) {
        (Some(d), Some(start)) if d as usize != c.pos - start => Some((d, c.pos - start)),
        _ => None,
    };
    Ok(Layout {
        magic_at,
        dataset_at: c.pos,
        transfer_syntax,
        meta_group_length_mismatch,
        media_storage_sop_class_uid: class,
        media_storage_sop_instance_uid: instance,
        added,
        deflated,
    })
}

/// Checks the meta group, the transfer syntax (refused unless this build reads and writes it
/// without decoding) and the whole data set, within `limits`. Returns where the top-level Pixel
/// Data value is, if there is one.
pub(crate) fn scan(input: &[u8], limits: &Limits) -> Result<Option<Range<usize>>> {
    // Lenient: this reads outputs (always Part 10) and originals under verification.
    let layout = scan_meta(input, true)?;
    let (explicit, little) = encoding(&layout.transfer_syntax)?;
    scan_dataset(input, layout.dataset_at, explicit, little, limits)
}

/// Where the top-level Pixel Data element is, as the stream declares it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PixelElement {
    /// Offset of its tag.
    pub at: usize,
    /// Offset of its value (after the header).
    pub value_at: usize,
    /// Declared length; `None` when undefined (encapsulated fragments follow).
    pub len: Option<u32>,
}

/// The meta group and the data set up to the top-level Pixel Data element (whose value is not
/// looked at): what the streaming sanitizer needs before it can emit anything.
pub(crate) struct HeaderScan {
    pub layout: Layout,
    pub pixel: Option<PixelElement>,
}

pub(crate) fn scan_header(input: &[u8], limits: &Limits, accept_raw: bool) -> Result<HeaderScan> {
    let layout = scan_meta(input, accept_raw)?;
    let (explicit, little) = encoding(&layout.transfer_syntax)?;
    let mut c = Cursor::new(input, explicit, little);
    c.pos = layout.dataset_at;
    c.limits = *limits;
    c.stop_at_pixel_data = true;
    c.dataset(input.len(), 0, false)?;
    Ok(HeaderScan {
        layout,
        pixel: c.stopped_at,
    })
}

/// Where a media set directory's records and record offsets are (PS3.10 7.3), as byte offsets
/// in the file (from its first byte, preamble included, as the offsets themselves count).
#[derive(Debug, Default)]
pub(crate) struct DirectoryMarks {
    /// The item tag of each Directory Record, in order.
    pub records: Vec<usize>,
    /// Where each record offset's value is, and which offset it is.
    pub offsets: Vec<(usize, Slot)>,
    pub little: bool,
}

/// Which offset of a directory a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// (0004,1200), (0004,1202): the root entity's first and last record.
    First,
    Last,
    /// (0004,1400), (0004,1420) of record n: the next record, the first record below.
    Next(usize),
    Lower(usize),
}

/// Finds the directory records and their offsets in a Part 10 stream (this code's own output,
/// or an input the pre-scan has passed).
pub(crate) fn directory_marks(input: &[u8], accept_raw: bool) -> Result<DirectoryMarks> {
    let layout = scan_meta(input, accept_raw)?;
    let (explicit, little) = encoding(&layout.transfer_syntax)?;
    let mut c = Cursor::new(input, explicit, little);
    c.pos = layout.dataset_at;
    c.limits = Limits::STRUCTURE_ONLY;
    c.marks = Some(DirectoryMarks {
        little,
        ..DirectoryMarks::default()
    });
    c.dataset(input.len(), 0, false)?;
    Ok(c.marks.unwrap_or_default())
}

/// Checks a run of data set elements (those after Pixel Data) in the file's encoding.
pub(crate) fn scan_elements(input: &[u8], transfer_syntax: &str, limits: &Limits) -> Result<()> {
    let (explicit, little) = encoding(transfer_syntax)?;
    let mut c = Cursor::new(input, explicit, little);
    c.limits = *limits;
    c.dataset(input.len(), 0, false)
}

/// (explicit VR, little endian) of a transfer syntax this build handles; refuses the others.
pub(crate) fn encoding(uid: &str) -> Result<(bool, bool)> {
    let ts = transfer_syntax(uid)?;
    let little = matches!(ts.endianness(), dicom_encoding::Endianness::Little);
    Ok((uid != IMPLICIT_VR_LE, little))
}

/// The registry's transfer syntax, unless unknown or needing a codec this build lacks.
pub(crate) fn transfer_syntax(uid: &str) -> Result<&'static dicom_encoding::TransferSyntax> {
    TransferSyntaxRegistry
        .get(uid)
        .filter(|ts| !ts.is_unsupported())
        .ok_or_else(|| Error::TransferSyntax {
            uid: uid.to_string(),
            message: "not a transfer syntax this build can read and write without decoding".into(),
        })
}

/// Walks the whole data set (the caller has checked the input size). Returns where the value of
/// the top-level Pixel Data is (after its header; for encapsulated data, through the sequence
/// delimiter), if there is one.
fn scan_dataset(
    input: &[u8],
    start: usize,
    explicit_vr: bool,
    little_endian: bool,
    limits: &Limits,
) -> Result<Option<Range<usize>>> {
    let mut c = Cursor::new(input, explicit_vr, little_endian);
    c.pos = start;
    c.limits = *limits;
    c.dataset(input.len(), 0, false)?;
    Ok(c.pixel_data)
}

struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    explicit: bool,
    little: bool,
    limits: Limits,
    elements: u64,
    pixel_data: Option<Range<usize>>,
    /// Stop at the top-level Pixel Data header (streaming) and record it in `stopped_at`.
    stop_at_pixel_data: bool,
    stopped_at: Option<PixelElement>,
    /// Directory records and offsets, when asked for.
    marks: Option<DirectoryMarks>,
    /// The top-level element being walked.
    top: Tag,
}

impl<'a> Cursor<'a> {
    fn new(buf: &'a [u8], explicit: bool, little: bool) -> Self {
        Cursor {
            buf,
            pos: 0,
            explicit,
            little,
            limits: Limits::default(),
            elements: 0,
            pixel_data: None,
            stop_at_pixel_data: false,
            stopped_at: None,
            marks: None,
            top: Tag(0, 0),
        }
    }

    fn peek_group(&self) -> Option<u16> {
        let b = self.buf.get(self.pos..self.pos + 2)?;
        Some(if self.little {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    }

    fn bytes<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let b = self
            .buf
            .get(self.pos..self.pos + N)
            .and_then(|b| <[u8; N]>::try_from(b).ok())
            .ok_or_else(|| {
                Error::read(
                    "read.truncated",
                    self.pos,
                    format!("the input ends inside {what}"),
                )
            })?;
        self.pos += N;
        Ok(b)
    }

    fn u16(&mut self, what: &str) -> Result<u16> {
        let b = self.bytes::<2>(what)?;
        Ok(if self.little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        let b = self.bytes::<4>(what)?;
        Ok(if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn tag(&mut self) -> Result<Tag> {
        let g = self.u16("a tag")?;
        let e = self.u16("a tag")?;
        Ok(Tag(g, e))
    }

    /// Reads an element header: tag, VR (from the dictionary when implicit) and length.
    fn header(&mut self) -> Result<(Tag, VR, u32)> {
        let at = self.pos;
        let tag = self.tag()?;
        if tag.group() == 0xFFFE {
            // Items and delimiters have no VR in any transfer syntax.
            return Ok((tag, VR::UN, self.u32("an item length")?));
        }
        if !self.explicit {
            return Ok((tag, dictionary_vr(tag), self.u32("an element length")?));
        }
        let code = self.bytes::<2>("a VR")?;
        let vr = VR::from_binary(code).ok_or_else(|| {
            Error::read(
                "read.bad_vr",
                at + 4,
                format!(
                    "element {} has an invalid VR {:?}",
                    show(tag),
                    String::from_utf8_lossy(&code)
                ),
            )
        })?;
        let len = if long_length(vr) {
            self.bytes::<2>("a reserved field")?;
            self.u32("an element length")?
        } else {
            u32::from(self.u16("an element length")?)
        };
        Ok((tag, vr, len))
    }

    /// Consumes `len` bytes that must lie within the input.
    fn take(&mut self, len: usize, tag: Tag, at: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(len).filter(|&e| e <= self.buf.len());
        let end = end.ok_or_else(|| {
            Error::read(
                "read.truncated",
                at,
                format!(
                    "element {} declares {len} bytes but only {} remain",
                    show(tag),
                    self.buf.len() - self.pos
                ),
            )
        })?;
        let v = &self.buf[self.pos..end];
        self.pos = end;
        Ok(v)
    }

    /// Elements up to `end`, or up to an item delimiter when `in_item` has undefined length.
    fn dataset(&mut self, end: usize, depth: u32, until_delimiter: bool) -> Result<()> {
        loop {
            if self.pos == end && !until_delimiter {
                return Ok(());
            }
            let at = self.pos;
            let (tag, vr, len) = self.header()?;
            if self.pos > end {
                // Found by fuzzing: a header that itself crosses the end of its item.
                return Err(Error::read(
                    "read.bad_length",
                    at,
                    format!("the header of element {} overruns its container", show(tag)),
                ));
            }
            let key = (tag.group(), tag.element());
            if self.stop_at_pixel_data && depth == 0 && key == PIXEL_DATA && vr != VR::SQ {
                self.stopped_at = Some(PixelElement {
                    at,
                    value_at: self.pos,
                    len: (len != UNDEFINED).then_some(len),
                });
                return Ok(());
            }
            if key == ITEM_END && until_delimiter {
                return delimiter_length(len, at);
            }
            if tag.group() == 0xFFFE {
                return Err(Error::read(
                    "read.bad_structure",
                    at,
                    format!("unexpected {} in a data set", show(tag)),
                ));
            }
            if depth == 0 {
                self.top = tag;
            }
            if let Some(m) = &mut self.marks {
                let record = m.records.len().checked_sub(1);
                let slot = match (depth, key, record) {
                    (0, DIRECTORY_FIRST, _) => Some(Slot::First),
                    (0, DIRECTORY_LAST, _) => Some(Slot::Last),
                    (1, NEXT_RECORD, Some(r)) if self.top == RECORDS => Some(Slot::Next(r)),
                    (1, LOWER_LEVEL, Some(r)) if self.top == RECORDS => Some(Slot::Lower(r)),
                    _ => None,
                };
                if let (Some(slot), 4) = (slot, len) {
                    m.offsets.push((self.pos, slot));
                }
            }
            self.elements += 1;
            if self.elements > self.limits.max_elements {
                return Err(Error::limit(
                    "limit.element_count",
                    at,
                    format!("more than {} data elements", self.limits.max_elements),
                ));
            }
            if len == UNDEFINED {
                if vr == VR::SQ || vr == VR::UN {
                    // An undefined-length UN holds a sequence in implicit VR little endian.
                    let saved = (self.explicit, self.little);
                    if vr == VR::UN {
                        (self.explicit, self.little) = (false, true);
                    }
                    self.sequence(None, depth + 1, at)?;
                    (self.explicit, self.little) = saved;
                } else if key == PIXEL_DATA {
                    let value_at = self.pos;
                    self.fragments()?;
                    if depth == 0 {
                        self.pixel_data = Some(value_at..self.pos);
                    }
                } else {
                    return Err(Error::read(
                        "read.bad_length",
                        at,
                        format!("element {} ({vr:?}) has an undefined length", show(tag)),
                    ));
                }
            } else {
                let len = len as usize;
                if key != PIXEL_DATA && len as u64 > self.limits.max_element_bytes {
                    return Err(Error::limit(
                        "limit.element_size",
                        at,
                        format!(
                            "element {} declares {len} bytes; the limit is {}",
                            show(tag),
                            self.limits.max_element_bytes
                        ),
                    ));
                }
                if self.pos.checked_add(len).is_none_or(|e| e > end) {
                    let code = if end == self.buf.len() {
                        "read.truncated"
                    } else {
                        "read.bad_length"
                    };
                    return Err(Error::read(
                        code,
                        at,
                        format!(
                            "element {} declares {len} bytes but only {} remain in its container",
                            show(tag),
                            end.saturating_sub(self.pos)
                        ),
                    ));
                }
                let size = value_size(vr).or_else(|| implicit_size(self.explicit, tag));
                if let Some(size) = size {
                    if !len.is_multiple_of(size) {
                        // Found by fuzzing: an SL of 6 bytes made dicom-rs read 4, lose its
                        // place in the stream, and allocate gigabytes for garbage lengths.
                        return Err(Error::read(
                            "read.bad_length",
                            at,
                            format!(
                                "element {} ({vr:?}) has {len} bytes, not a multiple of {size}",
                                show(tag)
                            ),
                        ));
                    }
                }
                if vr == VR::SQ {
                    let seq_end = self.pos + len;
                    self.sequence(Some(seq_end), depth + 1, at)?;
                } else {
                    if key == PIXEL_DATA && depth == 0 {
                        self.pixel_data = Some(self.pos..self.pos + len);
                    }
                    self.pos += len;
                }
            }
            if self.pos > end {
                return Err(Error::read(
                    "read.bad_length",
                    at,
                    format!("element {} overruns its container", show(tag)),
                ));
            }
        }
    }

    fn sequence(&mut self, end: Option<usize>, depth: u32, at: usize) -> Result<()> {
        if depth > self.limits.max_depth {
            return Err(Error::limit(
                "limit.depth",
                at,
                format!("sequences nest deeper than {}", self.limits.max_depth),
            ));
        }
        loop {
            if Some(self.pos) == end {
                return Ok(());
            }
            let item_at = self.pos;
            let (tag, _, len) = self.header()?;
            if end.is_some_and(|e| self.pos > e) {
                return Err(Error::read(
                    "read.bad_length",
                    item_at,
                    "an item header overruns its sequence",
                ));
            }
            if let (Some(m), true, true) = (&mut self.marks, depth == 1, self.top == RECORDS) {
                if (tag.group(), tag.element()) == ITEM {
                    m.records.push(item_at);
                }
            }
            match (tag.group(), tag.element()) {
                SEQUENCE_END if end.is_none() => return delimiter_length(len, item_at),
                ITEM if len == UNDEFINED => self.dataset(self.buf.len(), depth, true)?,
                ITEM => {
                    let limit = end.unwrap_or(self.buf.len());
                    if self.pos.checked_add(len as usize).is_none_or(|e| e > limit) {
                        return Err(Error::read(
                            if limit == self.buf.len() {
                                "read.truncated"
                            } else {
                                "read.bad_length"
                            },
                            item_at,
                            format!("a sequence item declares {len} bytes beyond its container"),
                        ));
                    }
                    let item_end = self.pos + len as usize;
                    self.dataset(item_end, depth, false)?;
                }
                _ => {
                    return Err(Error::read(
                        "read.bad_structure",
                        item_at,
                        format!("expected a sequence item, found {}", show(tag)),
                    ))
                }
            }
            if end.is_some_and(|e| self.pos > e) {
                return Err(Error::read(
                    "read.bad_length",
                    item_at,
                    "a sequence item overruns its sequence",
                ));
            }
        }
    }

    /// Encapsulated Pixel Data: defined-length items up to the sequence delimiter.
    fn fragments(&mut self) -> Result<()> {
        loop {
            let at = self.pos;
            let (tag, _, len) = self.header()?;
            match (tag.group(), tag.element()) {
                SEQUENCE_END => return delimiter_length(len, at),
                ITEM if len != UNDEFINED => {
                    self.take(len as usize, tag, at)?;
                }
                _ => {
                    return Err(Error::read(
                        "read.bad_structure",
                        at,
                        format!("expected a pixel data fragment, found {}", show(tag)),
                    ))
                }
            }
        }
    }
}

/// Bytes per value of the binary VRs: their lengths must be a multiple of it.
pub(crate) fn value_size(vr: VR) -> Option<usize> {
    match vr {
        VR::US | VR::SS | VR::OW => Some(2),
        VR::UL | VR::SL | VR::FL | VR::AT | VR::OL | VR::OF => Some(4),
        VR::FD | VR::SV | VR::UV | VR::OD | VR::OV => Some(8),
        _ => None,
    }
}

/// In implicit VR, the unit of an attribute whose dictionary VR is one of two (US or SS, OB or OW,
/// US/SS/OW): dicom-rs reads it in units of 2, so a value of odd length would lose its place in
/// the stream (found by fuzzing: a Gray Lookup Table Descriptor of 17 bytes, read as 16, then
/// a garbage length of 671 MB that dicom-rs allocated).
fn implicit_size(explicit: bool, tag: Tag) -> Option<usize> {
    use dicom_core::dictionary::{DataDictionary, VirtualVr};
    use dicom_dictionary_std::StandardDataDictionary;
    if explicit {
        return None;
    }
    match StandardDataDictionary.by_tag(tag).map(|e| e.vr) {
        Some(VirtualVr::Xs | VirtualVr::Ox | VirtualVr::Lt) => Some(2),
        _ => None,
    }
}

/// Item and sequence delimiters carry a zero length.
fn delimiter_length(len: u32, at: usize) -> Result<()> {
    if len == 0 {
        Ok(())
    } else {
        Err(Error::read(
            "read.bad_length",
            at,
            format!("a delimiter declares length {len}; it must be 0"),
        ))
    }
}

fn trim_text(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .trim_end_matches(['\0', ' '])
        .trim_start()
        .to_string()
}

pub(crate) fn show(tag: Tag) -> String {
    format!("({:04X},{:04X})", tag.group(), tag.element())
}
