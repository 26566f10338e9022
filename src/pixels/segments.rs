//! The text a JPEG codestream can carry beside its pixels, emptied as the fragments stream:
//! application segments (APP0–APP15: Exif with a camera owner, a date and a place; XMP; vendor
//! blocks) and comments (COM). Frames that are not blanked pass through otherwise untouched, so
//! the payload of each such segment is zeroed in place: its length stays, and with it every
//! fragment length and the Basic Offset Table. Decoders skip the segments they do not know,
//! and a zeroed one is one of those.
//!
//! Three are kept because decoders read them: JFIF's 14 defined bytes (its thumbnail is zeroed),
//! Adobe's 12 (its transform flag says whether three components are RGB or YCbCr) and, in
//! JPEG-LS, the 5 of HP's colour transform. Their
//! identifiers are matched byte by byte as they pass, so a segment that turns out to be
//! something else has passed only a prefix of a fixed name before it is zeroed.
//!
//! The walk is at the marker level (T.81 B.1.1, T.87 C.1): marker segments are skipped by their
//! length, entropy-coded data scanned for the next marker; nothing is decoded.

use std::ops::Range;

use super::PIXEL_PATH;
use crate::report::Finding;

/// How markers are told from entropy-coded data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    /// T.81 (JPEG baseline, extended, lossless): `FF 00` is a stuffed data byte.
    T81,
    /// T.87 (JPEG-LS): `FF` is followed by a zero bit in data, by a byte from `80` in a marker.
    T87,
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// Between segments or in entropy-coded data.
    Data,
    /// After an `FF`.
    Ff,
    /// Reading a segment's length: its marker, and the high byte once read.
    Length { marker: u8, high: Option<u8> },
    /// In a segment's payload: bytes left, and what becomes of them.
    Payload { left: u32, keep: Keep },
}

/// What passes of a payload.
#[derive(Debug, Clone, Copy)]
enum Keep {
    /// Every byte (tables, frame and scan headers).
    All,
    /// The first bytes while they match `name`, then up to `defined` bytes; the rest zeroed.
    Named {
        name: &'static [u8],
        defined: u32,
        at: u32,
        matched: bool,
    },
}

/// The scrubber of one Pixel Data value's codestream bytes.
#[derive(Debug, Clone)]
pub(crate) struct Segments {
    syntax: Syntax,
    state: State,
    /// Segments with bytes zeroed so far.
    emptied: u64,
    /// Whether the current payload has had a byte zeroed.
    zeroing: bool,
}

impl Segments {
    pub fn new(syntax: Syntax) -> Segments {
        Segments {
            syntax,
            state: State::Data,
            emptied: 0,
            zeroing: false,
        }
    }

    /// Walks the next codestream bytes; appends the ranges of `bytes` to zero to `zero`.
    pub fn walk(&mut self, bytes: &[u8], zero: &mut Vec<Range<usize>>) {
        let mut i = 0;
        while i < bytes.len() {
            match self.state {
                State::Data => match bytes[i..].iter().position(|&b| b == 0xFF) {
                    Some(p) => {
                        i += p + 1;
                        self.state = State::Ff;
                    }
                    None => i = bytes.len(),
                },
                State::Ff => {
                    self.state = self.after_ff(bytes[i]);
                    i += 1;
                }
                State::Length { marker, high } => {
                    let b = bytes[i];
                    i += 1;
                    self.state = match high {
                        None => State::Length {
                            marker,
                            high: Some(b),
                        },
                        // A length below 2 is no segment: left for the decoders to refuse.
                        Some(h) => match u16::from_be_bytes([h, b]).checked_sub(2) {
                            Some(left) if left > 0 => State::Payload {
                                left: u32::from(left),
                                keep: keep(self.syntax, marker),
                            },
                            _ => State::Data,
                        },
                    };
                    self.zeroing = false;
                }
                State::Payload { left, keep } => {
                    let n = (left as usize).min(bytes.len() - i);
                    let (keep, zeroed) = keep.pass(&bytes[i..i + n]);
                    if let Some(from) = zeroed {
                        push(zero, i + from..i + n);
                        if !self.zeroing {
                            self.zeroing = true;
                            self.emptied += 1;
                        }
                    }
                    i += n;
                    let left = left - n as u32;
                    self.state = match left {
                        0 => State::Data,
                        _ => State::Payload { left, keep },
                    };
                }
            }
        }
    }

    /// `pixel.segments_emptied`, when any segment was.
    pub fn finding(&self) -> Option<Finding> {
        (self.emptied > 0).then(|| Finding {
            code: "pixel.segments_emptied".into(),
            path: Some(PIXEL_PATH.into()),
            message: format!(
                "{} APPn or COM segment(s) of the compressed frames (Exif, XMP, comments: text beside the pixels) had their contents zeroed; their lengths, the fragments and the offset table are unchanged",
                self.emptied
            ),
        })
    }

    fn after_ff(&self, b: u8) -> State {
        let data = match self.syntax {
            Syntax::T81 => b == 0x00,
            Syntax::T87 => b < 0x80,
        };
        match b {
            0xFF => State::Ff, // fill bytes before a marker
            _ if data => State::Data,
            // Markers without a segment: TEM, RSTn, SOI, EOI.
            0x01 | 0xD0..=0xD9 => State::Data,
            _ => State::Length {
                marker: b,
                high: None,
            },
        }
    }
}

fn keep(syntax: Syntax, marker: u8) -> Keep {
    let named = |name, defined| Keep::Named {
        name,
        defined,
        at: 0,
        matched: true,
    };
    match marker {
        0xE0 => named(b"JFIF\0", 14),
        0xEE => named(b"Adobe", 12),
        // JPEG-LS's colour transform (HP's, as CharLS writes it): the name and its one byte.
        0xE8 if syntax == Syntax::T87 => named(b"mrfx", 5),
        0xE1..=0xEF | 0xFE => named(b"", 0),
        _ => Keep::All,
    }
}

impl Keep {
    /// Passes the next payload bytes: the state after them, and where in them zeroing starts.
    fn pass(self, bytes: &[u8]) -> (Keep, Option<usize>) {
        let Keep::Named {
            name,
            defined,
            mut at,
            mut matched,
        } = self
        else {
            return (self, None);
        };
        let mut zero_from = None;
        for (i, &b) in bytes.iter().enumerate() {
            let p = at as usize;
            if p < name.len() {
                matched &= b == name[p];
            }
            if !(matched && at < defined) {
                zero_from = Some(i);
                at += (bytes.len() - i) as u32;
                break;
            }
            at += 1;
        }
        let keep = Keep::Named {
            name,
            defined,
            at,
            matched,
        };
        (keep, zero_from)
    }
}

/// Adds a range, joined to the last one where they touch.
fn push(zero: &mut Vec<Range<usize>>, r: Range<usize>) {
    match zero.last_mut() {
        Some(last) if last.end == r.start => last.end = r.end,
        _ if r.is_empty() => {}
        _ => zero.push(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&(payload.len() as u16 + 2).to_be_bytes());
        s.extend_from_slice(payload);
        s
    }

    /// A codestream with every kind of segment, stuffed and fill bytes, and restart markers.
    fn stream() -> (Vec<u8>, Vec<u8>) {
        let mut jfif = b"JFIF\0\x01\x02\x00\x00\x01\x00\x01\x01\x01".to_vec();
        jfif.extend_from_slice(&[9, 9, 9]); // a 1x1 thumbnail
        let adobe = b"Adobe\x00\x64\x00\x00\x00\x00\x01 extra".to_vec();
        let parts: Vec<(Vec<u8>, Vec<u8>)> = vec![
            (vec![0xFF, 0xD8], vec![0xFF, 0xD8]),
            (
                segment(0xE0, &jfif),
                segment(0xE0, &{
                    let mut k = jfif[..14].to_vec();
                    k.extend_from_slice(&[0, 0, 0]);
                    k
                }),
            ),
            (segment(0xE1, b"Exif\0\0DOE^JANE"), segment(0xE1, &[0; 14])),
            (
                segment(0xEE, &adobe),
                segment(0xEE, &{
                    let mut k = adobe[..12].to_vec();
                    k.extend_from_slice(&[0; 6]);
                    k
                }),
            ),
            (
                segment(0xEE, b"Adobx secret"),
                segment(0xEE, b"Adob\0\0\0\0\0\0\0\0"),
            ),
            (
                segment(0xE0, b"JFXX\0thumb"),
                segment(0xE0, b"JF\0\0\0\0\0\0\0\0"),
            ),
            (segment(0xFE, b"Patient: DOE"), segment(0xFE, &[0; 12])),
            (segment(0xDB, &[0xFF; 65]), segment(0xDB, &[0xFF; 65])),
            (
                segment(0xDA, &[1, 1, 0, 0, 63, 0]),
                segment(0xDA, &[1, 1, 0, 0, 63, 0]),
            ),
            // Entropy-coded data: a stuffed FF, a restart marker, fill bytes.
            (
                vec![0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56],
                vec![0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56],
            ),
            (vec![0xFF, 0xFF], vec![0xFF, 0xFF]),
            (segment(0xFE, b"between scans"), segment(0xFE, &[0; 13])),
            (vec![0xFF, 0xD9], vec![0xFF, 0xD9]),
        ];
        parts
            .into_iter()
            .fold((vec![], vec![]), |(mut a, mut b), (x, y)| {
                a.extend(x);
                b.extend(y);
                (a, b)
            })
    }

    fn apply(input: &[u8], cuts: &[usize]) -> (Vec<u8>, u64) {
        let mut s = Segments::new(Syntax::T81);
        let mut out = Vec::new();
        let mut start = 0;
        for &end in cuts.iter().chain([input.len()].iter()) {
            let chunk = &input[start..end];
            let mut zero = Vec::new();
            s.walk(chunk, &mut zero);
            let mut c = chunk.to_vec();
            for r in zero {
                c[r].fill(0);
            }
            out.extend(c);
            start = end;
        }
        (out, s.emptied)
    }

    #[test]
    fn empties_application_and_comment_segments_in_any_chunking() {
        let (input, expected) = stream();
        assert_eq!(input.len(), expected.len());
        let (whole, emptied) = apply(&input, &[]);
        assert_eq!(whole, expected);
        // JFIF's thumbnail, Exif, Adobe's extra bytes, the false Adobe, JFXX, two comments.
        assert_eq!(emptied, 7);
        for step in 1..9 {
            let cuts: Vec<usize> = (step..input.len()).step_by(step).collect();
            assert_eq!(
                apply(&input, &cuts),
                (expected.clone(), 7),
                "chunks of {step}"
            );
        }
    }

    #[test]
    fn jpeg_ls_data_keeps_ff_followed_by_a_zero_bit() {
        // In T.87 data, FF 7F is data; in T.81 it would start a marker segment.
        let mut input = vec![0xFF, 0xD8];
        input.extend(segment(0xDA, &[1, 1, 0, 0, 0, 0]));
        input.extend([0xFF, 0x7F, 0xFE, 0x00, 0x05]);
        input.extend(segment(0xFE, b"name"));
        let mut s = Segments::new(Syntax::T87);
        let mut zero = Vec::new();
        s.walk(&input, &mut zero);
        let at = input.len() - 4;
        assert_eq!(zero, vec![at..at + 4]);
        assert_eq!(s.emptied, 1);
    }
}
