//! Deflated Explicit VR Little Endian (PS3.5 A.5): everything after the file meta group is one
//! raw deflate stream. The stream inflates it on the way in, so that the rest of the sanitizer
//! sees the same file uncompressed (meta group unchanged, data set in Explicit VR Little Endian)
//! and every chunking still gives the same bytes. The output is written uncompressed (finding
//! `meta.inflated`): the pixel data then passes through unchanged as for any other file, which
//! the digests, receipts and leaf hashing rely on, and every reader takes it, while many do not
//! take deflate.
//!
//! The inflated size is bounded by `max_input_bytes`: a small input that inflates to more is
//! refused (`limit.input_size`) as the bytes come, before anything beyond the limit is held.

use std::borrow::Cow;

use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

use crate::error::{Error, Result};
use crate::integrity::structure::scan_meta;

/// Inflated bytes handed on at a time.
const PIECE: usize = 64 << 10;

#[derive(Default)]
pub(crate) enum Inflate {
    /// Gathering the start of the input until the meta group says how the data set is encoded.
    Sniff(Vec<u8>),
    /// Not deflated: chunks pass as they are.
    #[default]
    Plain,
    Deflated(Box<Deflated>),
}

pub(crate) struct Deflated {
    z: Box<InflateState>,
    out: Vec<u8>,
    /// Bytes handed on so far (meta group included).
    produced: u64,
    ended: bool,
    /// Bytes after the end of the deflate stream.
    trailing: usize,
    /// The first thing wrong with the deflate stream, told by [`Inflate::finish`]: what the
    /// bytes before it hold (a header that does not read, say) is told first, whatever the
    /// chunking (found by fuzzing: chunked, the trailing bytes were found before the header
    /// was read; in one piece, the header's error came first).
    failed: Option<Error>,
}

impl Inflate {
    pub fn new() -> Inflate {
        Inflate::Sniff(Vec::new())
    }

    /// Takes the next input chunk and hands the logical (inflated) bytes to `next`.
    pub fn push(
        &mut self,
        chunk: &[u8],
        at_end: bool,
        limit: u64,
        accept_raw: bool,
        next: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        match self {
            Inflate::Plain => next(chunk),
            Inflate::Deflated(d) => d.push(chunk, at_end, limit, next),
            Inflate::Sniff(buf) => {
                let owned = if buf.is_empty() {
                    None
                } else {
                    buf.extend_from_slice(chunk);
                    Some(std::mem::take(buf))
                };
                let data: &[u8] = owned.as_deref().unwrap_or(chunk);
                match deflated_at(data, at_end, accept_raw, limit) {
                    None => {
                        *buf = owned.unwrap_or_else(|| chunk.to_vec());
                        Ok(())
                    }
                    Some(None) => {
                        *self = Inflate::Plain;
                        next(data)
                    }
                    Some(Some(at)) => {
                        let mut d = Box::new(Deflated {
                            z: InflateState::new_boxed(DataFormat::Raw),
                            out: vec![0; PIECE],
                            produced: at as u64,
                            ended: false,
                            trailing: 0,
                            failed: None,
                        });
                        next(&data[..at])?;
                        let r = d.push(&data[at..], at_end, limit, next);
                        *self = Inflate::Deflated(d);
                        r
                    }
                }
            }
        }
    }
}

/// `Some(Some(offset of the deflate stream))`, `Some(None)` when not deflated (or not readable:
/// the stream's own checks then say why), `None` when more input is needed to tell.
fn deflated_at(data: &[u8], at_end: bool, accept_raw: bool, limit: u64) -> Option<Option<usize>> {
    // Preamble, magic code and the first meta element's tag and VR.
    if !at_end && data.len() < 140 && (data.len() as u64) < limit {
        return None;
    }
    match scan_meta(data, accept_raw) {
        // The meta group may go on in bytes still to come.
        Ok(layout) if !at_end && data.len() < layout.dataset_at + 4 => None,
        Ok(layout) => Some(layout.deflated.then_some(layout.dataset_at)),
        // A meta group cut short may look complete but lack its transfer syntax so far.
        Err(e)
            if matches!(e.code(), "read.truncated" | "read.missing_meta")
                && !at_end
                && (data.len() as u64) < limit =>
        {
            None
        }
        Err(_) => Some(None),
    }
}

impl Inflate {
    /// After the last chunk (and after the sanitizer has read what was inflated): whether the
    /// deflate stream was whole and well-formed.
    pub fn finish(&mut self) -> Result<()> {
        match self {
            Inflate::Deflated(d) => match d.failed.take() {
                Some(e) => Err(e),
                None if !d.ended => Err(Error::Read {
                    code: "read.truncated",
                    offset: None,
                    message: "the input ends inside the deflated data set".into(),
                }),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }
}

impl Deflated {
    fn push(
        &mut self,
        input: &[u8],
        _at_end: bool,
        limit: u64,
        next: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        if self.failed.is_none() {
            if let Err(e) = self.inflate(input, limit, next) {
                // Errors of the sanitizer reading the inflated bytes come at once; the deflate
                // stream's own, at the end.
                match e {
                    Failure::Deflate(e) => self.failed = Some(e),
                    Failure::Reader(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    fn inflate(
        &mut self,
        mut input: &[u8],
        limit: u64,
        next: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> std::result::Result<(), Failure> {
        while !self.ended && !input.is_empty() {
            let r = inflate(&mut self.z, input, &mut self.out, MZFlush::None);
            input = &input[r.bytes_consumed..];
            self.produced += r.bytes_written as u64;
            if self.produced > limit {
                // At once: a bomb is stopped before it costs anything.
                return Err(Failure::Reader(Error::limit(
                    "limit.input_size",
                    0,
                    format!("the deflated data set inflates to more than {limit} bytes"),
                )));
            }
            if r.bytes_written > 0 {
                next(&self.out[..r.bytes_written]).map_err(Failure::Reader)?;
            }
            match r.status {
                Ok(MZStatus::StreamEnd) => self.ended = true,
                Ok(_) => {}
                // No progress: the rest of the input is needed.
                Err(MZError::Buf) if r.bytes_consumed == 0 && r.bytes_written == 0 => break,
                Err(MZError::Buf) => {}
                Err(_) => {
                    return Err(Failure::Deflate(Error::Read {
                        code: "read.invalid",
                        offset: None,
                        message: "the deflated data set is not a valid deflate stream".into(),
                    }))
                }
            }
        }
        // Writers pad the stream to an even length, and some (pydicom's `image_dfl.dcm`) add a
        // gzip-style trailer (CRC-32 and size, 8 bytes); readers ignore both, and neither is
        // in the output. More than that after the stream is not DICOM.
        self.trailing += input.len();
        if self.ended && self.trailing > 8 {
            return Err(Failure::Deflate(Error::Read {
                code: "read.bad_structure",
                offset: None,
                message: "bytes after the end of the deflated data set".into(),
            }));
        }
        Ok(())
    }
}

/// Who found a problem while inflating.
enum Failure {
    /// The deflate stream itself (told at the end).
    Deflate(Error),
    /// The sanitizer reading the inflated bytes, or the size limit (told at once).
    Reader(Error),
}

/// A whole input as the sanitizer reads it: inflated when deflated (for checking an original
/// against a report); `None` when it does not inflate.
pub(crate) fn logical(input: &[u8]) -> Option<Cow<'_, [u8]>> {
    let mut state = Inflate::new();
    let mut out: Option<Vec<u8>> = None;
    let mut whole = |b: &[u8]| {
        out.get_or_insert_with(Vec::new).extend_from_slice(b);
        Ok(())
    };
    state.push(input, true, u64::MAX, true, &mut whole).ok()?;
    state.finish().ok()?;
    match state {
        Inflate::Deflated(_) => out.map(Cow::Owned),
        _ => Some(Cow::Borrowed(input)),
    }
}
