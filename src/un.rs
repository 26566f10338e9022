//! Standard attributes stored with explicit VR `UN` get their dictionary VR back before dicom-rs
//! reads the data set (PS3.5 6.2.2), so that the profile can change them like any other.
//!
//! A UN value is always encoded as implicit VR little endian, whatever the transfer syntax, and
//! a UN element of undefined length holds a sequence in that encoding. dicom-rs 0.10 reads such
//! a sequence in the file's own encoding and loses its place, and it keeps standard attributes in
//! UN as opaque bytes. So when a data set in explicit VR has either, its bytes are re-encoded
//! here, wholly in the file's explicit encoding: UN of a known standard attribute takes its
//! dictionary VR, undefined-length UN becomes SQ with its items transcoded, and every sequence
//! and item is written with undefined length (transcoding changes their sizes). Anything else
//! is copied unchanged. Inputs without such elements are passed on as they are.
//!
//! The input has passed the structural pre-scan, but every read here is still checked: an
//! inconsistency is a coded error, never a panic.

use std::borrow::Cow;

use dicom_core::{Tag, VR};

use crate::dictionary::dictionary_vr;
use crate::error::{Error, Result};
use crate::findings::Finding;
use crate::integrity::encoding::long_length;
use crate::integrity::structure::{show, value_size};

const UNDEFINED: u32 = 0xFFFF_FFFF;

/// What re-encoding found, for the report.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Resolved {
    /// Standard attributes in UN read with their dictionary VR.
    pub resolved: u64,
    /// Undefined-length UN elements read as sequences.
    pub sequences: u64,
    /// Paths of standard attributes left in UN, and why.
    pub unresolved: Vec<(String, &'static str)>,
}

impl Resolved {
    pub fn findings(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        if self.resolved + self.sequences > 0 {
            out.push(Finding {
                code: "value.un_resolved".into(),
                path: None,
                message: format!(
                    "{} standard attribute(s) stored as UN were read with their dictionary VR and {} undefined-length UN element(s) as sequences (PS3.5 6.2.2); the output writes the real VRs",
                    self.resolved, self.sequences
                ),
            });
        }
        for (path, why) in &self.unresolved {
            out.push(Finding {
                code: "value.un_unresolved".into(),
                path: Some(path.clone()),
                message: format!("attribute stored as UN kept as UN: {why}"),
            });
        }
        out
    }
}

/// The data set `input`, in transfer syntax `ts_uid`, ready for dicom-rs, with the findings
/// of [`Resolved`].
pub(crate) fn for_parser<'a>(
    input: &'a [u8],
    ts_uid: &str,
) -> Result<(Cow<'a, [u8]>, Vec<Finding>)> {
    let (explicit, little) = crate::integrity::structure::encoding(ts_uid)?;
    let (bytes, found) = resolve(input, explicit, little)?;
    Ok((bytes, found.findings()))
}

/// The data set `input` (explicit VR when `explicit`) with its UN elements resolved; borrowed
/// unchanged when there is nothing to resolve.
pub(crate) fn resolve(
    input: &[u8],
    explicit: bool,
    little: bool,
) -> Result<(Cow<'_, [u8]>, Resolved)> {
    // Without the bytes `UN` anywhere there is no UN element (the common case: no copy).
    if !explicit || !input.windows(2).any(|w| w == b"UN") {
        return Ok((Cow::Borrowed(input), Resolved::default()));
    }
    let mut w = Writer {
        buf: input,
        pos: 0,
        out: Vec::with_capacity(input.len() + input.len() / 8),
        little,
        found: Resolved::default(),
        path: Vec::new(),
    };
    w.dataset(
        Enc {
            explicit: true,
            little,
        },
        End::At(input.len()),
    )?;
    if w.found == Resolved::default() {
        // Only private or unknown UN elements: the input reads as it is.
        return Ok((Cow::Borrowed(input), w.found));
    }
    Ok((Cow::Owned(w.out), w.found))
}

/// A standard attribute whose dictionary VR is a single known VR.
fn resolvable(tag: Tag) -> bool {
    tag.group().is_multiple_of(2) && tag.group() != 0xFFFE && dictionary_vr(tag) != VR::UN
}

#[derive(Clone, Copy)]
struct Enc {
    explicit: bool,
    little: bool,
}

const IMPLICIT_LE: Enc = Enc {
    explicit: false,
    little: true,
};

struct Head {
    tag: Tag,
    vr: VR,
    len: u32,
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or_else(|| {
            Error::read(
                "read.truncated",
                self.pos,
                "the input ends inside an element",
            )
        })?;
        let b = &self.buf[self.pos..end];
        self.pos = end;
        Ok(b)
    }

    fn u16(&mut self, little: bool) -> Result<u16> {
        let b = self.bytes(2)?;
        Ok(if little {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    }

    fn u32(&mut self, little: bool) -> Result<u32> {
        let b = self.bytes(4)?;
        let b = [b[0], b[1], b[2], b[3]];
        Ok(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    /// Tag, VR and length. In implicit VR the VR is the dictionary's: UN when unknown, LO for
    /// private creators.
    fn header(&mut self, enc: Enc) -> Result<Head> {
        let at = self.pos;
        let tag = Tag(self.u16(enc.little)?, self.u16(enc.little)?);
        if tag.group() == 0xFFFE {
            let len = self.u32(enc.little)?;
            return Ok(Head {
                tag,
                vr: VR::UN,
                len,
            });
        }
        if !enc.explicit {
            let vr = if tag.group() % 2 == 1 && (0x10..=0xFF).contains(&tag.element()) {
                VR::LO
            } else {
                dictionary_vr(tag)
            };
            let len = self.u32(true)?;
            return Ok(Head { tag, vr, len });
        }
        let code = self.bytes(2)?;
        let vr = VR::from_binary([code[0], code[1]])
            .ok_or_else(|| Error::read("read.bad_vr", at + 4, "an invalid VR"))?;
        let len = if long_length(vr) {
            self.bytes(2)?;
            self.u32(enc.little)?
        } else {
            u32::from(self.u16(enc.little)?)
        };
        Ok(Head { tag, vr, len })
    }
}

/// Where a run of elements ends.
#[derive(Clone, Copy)]
enum End {
    At(usize),
    /// At an item delimiter (an undefined-length item).
    Delimiter,
}

struct Writer<'a> {
    buf: &'a [u8],
    pos: usize,
    out: Vec<u8>,
    /// Byte order of the output (the file's).
    little: bool,
    found: Resolved,
    path: Vec<Tag>,
}

impl Writer<'_> {
    fn reader(&self) -> Reader<'_> {
        Reader {
            buf: self.buf,
            pos: self.pos,
        }
    }

    fn head(&mut self, enc: Enc) -> Result<Head> {
        let mut r = self.reader();
        let h = r.header(enc)?;
        self.pos = r.pos;
        Ok(h)
    }

    fn value(&mut self, len: usize) -> Result<&[u8]> {
        let mut r = Reader {
            buf: self.buf,
            pos: self.pos,
        };
        let v = r.bytes(len)?;
        self.pos = r.pos;
        Ok(v)
    }

    fn put_u16(&mut self, v: u16) {
        let b = if self.little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        };
        self.out.extend_from_slice(&b);
    }

    fn put_u32(&mut self, v: u32) {
        let b = if self.little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        };
        self.out.extend_from_slice(&b);
    }

    fn put_header(&mut self, tag: Tag, vr: VR, len: u32) {
        self.put_u16(tag.group());
        self.put_u16(tag.element());
        if tag.group() == 0xFFFE {
            self.put_u32(len);
            return;
        }
        self.out.extend_from_slice(&vr.to_bytes());
        if long_length(vr) {
            self.out.extend_from_slice(&[0, 0]);
            self.put_u32(len);
        } else {
            // Callers only write short-length VRs with values that fit.
            self.put_u16(len as u16);
        }
    }

    fn path(&self, tag: Tag) -> String {
        let mut p: Vec<String> = self.path.iter().map(|t| show(*t)).collect();
        p.push(show(tag));
        p.join("/")
    }

    /// Elements read in `enc` up to `end`, written in the output's explicit encoding.
    fn dataset(&mut self, enc: Enc, end: End) -> Result<()> {
        loop {
            if let End::At(e) = end {
                if self.pos >= e {
                    return Ok(());
                }
            }
            let at = self.pos;
            let h = self.head(enc)?;
            if h.tag == Tag(0xFFFE, 0xE00D) {
                if matches!(end, End::Delimiter) {
                    return Ok(());
                }
                return Err(Error::read(
                    "read.bad_structure",
                    at,
                    "an item delimiter outside an item",
                ));
            }
            if h.tag.group() == 0xFFFE {
                return Err(Error::read(
                    "read.bad_structure",
                    at,
                    format!("unexpected {} in a data set", show(h.tag)),
                ));
            }
            self.element(h, enc, at)?;
        }
    }

    fn element(&mut self, h: Head, enc: Enc, at: usize) -> Result<()> {
        let Head { tag, vr, len } = h;
        // What the value was read as: an explicit UN holds implicit VR little endian.
        let in_un = enc.explicit && vr == VR::UN;
        if len == UNDEFINED {
            if vr == VR::SQ || vr == VR::UN {
                if in_un {
                    self.found.sequences += 1;
                }
                let inner = if in_un { IMPLICIT_LE } else { enc };
                return self.sequence(tag, inner, End::Delimiter);
            }
            // Encapsulated pixel data (an icon image): fragments copied unchanged.
            self.put_header(tag, vr, UNDEFINED);
            return self.fragments(enc);
        }
        let len_usize = len as usize;
        let target = if in_un {
            if resolvable(tag) {
                dictionary_vr(tag)
            } else {
                VR::UN
            }
        } else {
            vr
        };
        if target == VR::SQ {
            if in_un {
                self.found.resolved += 1;
            }
            let inner = if in_un { IMPLICIT_LE } else { enc };
            let end = self
                .pos
                .checked_add(len_usize)
                .ok_or_else(|| Error::read("read.bad_length", at, "a sequence length overflows"))?;
            return self.sequence(tag, inner, End::At(end));
        }
        // Read in implicit VR (inside a UN sequence) or from UN: the value is little endian.
        let from_le = !enc.explicit || in_un || enc.little;
        let mut vr_out = target;
        if vr_out != VR::UN {
            let why = if !long_length(vr_out) && len > 0xFFFF {
                Some("its value is too long for the 16-bit length of its VR")
            } else if value_size(vr_out).is_some_and(|s| !len_usize.is_multiple_of(s)) {
                Some("its length is not a whole number of values of its VR")
            } else {
                None
            };
            if let Some(why) = why {
                // PS3.5 6.2.2 asks for UN precisely when a value outgrows a 16-bit length;
                // kept opaque, the profile removes it wherever its action must read it.
                if in_un || !enc.explicit {
                    if in_un {
                        self.found.unresolved.push((self.path(tag), why));
                    }
                    vr_out = VR::UN;
                } else {
                    return Err(Error::read("read.bad_length", at, why));
                }
            } else if in_un {
                self.found.resolved += 1;
            }
        }
        let swap = from_le != self.little && vr_out != VR::UN;
        let value = self.value(len_usize)?.to_vec();
        self.put_header(tag, vr_out, len);
        if swap {
            self.out.extend(swapped(&value, vr_out));
        } else {
            self.out.extend_from_slice(&value);
        }
        Ok(())
    }

    /// A sequence's items, read in `enc`, written as an undefined-length SQ.
    fn sequence(&mut self, tag: Tag, enc: Enc, end: End) -> Result<()> {
        self.put_header(tag, VR::SQ, UNDEFINED);
        self.path.push(tag);
        loop {
            if let End::At(e) = end {
                if self.pos >= e {
                    break;
                }
            }
            let at = self.pos;
            let h = self.head(enc)?;
            match (h.tag.group(), h.tag.element()) {
                (0xFFFE, 0xE0DD) if matches!(end, End::Delimiter) => break,
                (0xFFFE, 0xE000) => {
                    self.put_header(h.tag, VR::UN, UNDEFINED);
                    let item_end = if h.len == UNDEFINED {
                        End::Delimiter
                    } else {
                        End::At(self.pos.checked_add(h.len as usize).ok_or_else(|| {
                            Error::read("read.bad_length", at, "an item length overflows")
                        })?)
                    };
                    self.dataset(enc, item_end)?;
                    self.put_header(Tag(0xFFFE, 0xE00D), VR::UN, 0);
                }
                _ => {
                    return Err(Error::read(
                        "read.bad_structure",
                        at,
                        format!("expected a sequence item, found {}", show(h.tag)),
                    ))
                }
            }
        }
        self.path.pop();
        self.put_header(Tag(0xFFFE, 0xE0DD), VR::UN, 0);
        Ok(())
    }

    /// Pixel fragments up to the sequence delimiter, copied unchanged.
    fn fragments(&mut self, enc: Enc) -> Result<()> {
        loop {
            let at = self.pos;
            let h = self.head(enc)?;
            let len = h.len;
            match (h.tag.group(), h.tag.element()) {
                (0xFFFE, 0xE0DD) => {
                    self.put_header(h.tag, VR::UN, 0);
                    return Ok(());
                }
                (0xFFFE, 0xE000) if len != UNDEFINED => {
                    self.put_header(h.tag, VR::UN, len);
                    let v = self.value(len as usize)?.to_vec();
                    self.out.extend_from_slice(&v);
                }
                _ => {
                    return Err(Error::read(
                        "read.bad_structure",
                        at,
                        "expected a pixel data fragment",
                    ))
                }
            }
        }
    }
}

/// A little endian value in the other byte order (AT is a pair of 16-bit numbers).
fn swapped(value: &[u8], vr: VR) -> Vec<u8> {
    let size = match vr {
        VR::AT => 2,
        _ => value_size(vr).unwrap_or(1),
    };
    value
        .chunks(size)
        .flat_map(|c| c.iter().rev().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explicit_le(tag: Tag, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&tag.group().to_le_bytes());
        b.extend_from_slice(&tag.element().to_le_bytes());
        b.extend_from_slice(vr);
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&(value.len() as u32).to_le_bytes());
        b.extend_from_slice(value);
        b
    }

    #[test]
    fn nothing_to_resolve_borrows() {
        let input = explicit_le(Tag(0x0029, 0x1010), b"UN", b"ab");
        let (out, found) = resolve(&input, true, true).unwrap();
        assert!(matches!(out, Cow::Borrowed(_)));
        assert_eq!(found, Resolved::default());
    }

    #[test]
    fn a_standard_un_takes_its_dictionary_vr_big_endian_swapped() {
        // Rows (0028,0010) US 512 as UN (little endian bytes) in an explicit big endian file.
        let mut input = Vec::new();
        input.extend_from_slice(&[0x00, 0x28, 0x00, 0x10, b'U', b'N', 0, 0, 0, 0, 0, 2]);
        input.extend_from_slice(&512u16.to_le_bytes());
        let (out, found) = resolve(&input, true, false).unwrap();
        assert_eq!(
            &out[..],
            &[0x00, 0x28, 0x00, 0x10, b'U', b'S', 0, 2, 0x02, 0x00]
        );
        assert_eq!(found.resolved, 1);
    }

    #[test]
    fn a_long_value_of_a_short_vr_stays_un() {
        let input = explicit_le(Tag(0x3006, 0x0050), b"UN", &vec![b'1'; 70_000]);
        let (out, found) = resolve(&input, true, true).unwrap();
        assert_eq!(&out[4..6], b"UN");
        assert_eq!(found.unresolved.len(), 1);
    }

    #[test]
    fn truncated_input_is_an_error_not_a_panic() {
        let input = explicit_le(Tag(0x0010, 0x0010), b"UN", b"DOE^JANE");
        for cut in 0..input.len() {
            let _ = resolve(&input[..cut], true, true);
        }
    }
}
