//! The text a JPEG codestream can carry beside its pixels, emptied as the fragments stream:
//! application segments (APP0–APP15: Exif with a camera owner, a date and a place; XMP; vendor
//! blocks) and comments (COM). Frames that are not blanked pass through otherwise untouched, so
//! the payload of each such segment is zeroed in place: its length stays, and with it every
//! fragment length and the Basic Offset Table. Decoders skip the segments they do not know,
//! and a zeroed one is one of those.
//!
//! Some are kept because decoders read them: JFIF's 14 defined bytes (its thumbnail is zeroed),
//! Adobe's 12 (its transform flag says whether three components are RGB or YCbCr), in JPEG-LS
//! the 5 of HP's colour transform, and a SPIFF header (T.84 F.2; JPEG-LS encoders write one):
//! its 30 bytes of numbers and, of the directory after it, the entries that hold numbers only
//! (transfer characteristics, component registration, orientation, protection indicator, tile
//! and scan indexes) and the end-of-directory entry; the entries that can hold text, a date or
//! a thumbnail keep their tag and have their data zeroed. Identifiers are matched byte by byte
//! as they pass, so a segment that turns out to be something else has passed only a prefix of a
//! fixed name (or a directory entry's 4-byte tag) before it is zeroed.
//!
//! Decoders stop at the end-of-image marker, so whatever follows it (padding, junk, text), in
//! its fragment and in any fragment after it that does not start the next frame with SOI, is
//! zeroed too; zero padding stays as it was.
//!
//! The walk is at the marker level (T.81 B.1.1, T.87 C.1): marker segments are skipped by their
//! length, entropy-coded data scanned for the next marker; nothing is decoded.

use std::ops::Range;

/// How markers are told from entropy-coded data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
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
    /// After EOI: every byte zeroed, up to a fragment that starts with the next frame's SOI.
    AfterEoi,
    /// At the start of a fragment after EOI: whether its first byte was FF (of an SOI).
    NextFrame { ff: bool },
}

/// What passes of a payload.
#[derive(Debug, Clone, Copy)]
enum Keep {
    /// Every byte (tables, frame and scan headers).
    All,
    /// The first bytes while they match one of `names`, then up to that name's defined
    /// length; the rest zeroed. `matched`: a bit per name still matching.
    Named {
        names: &'static [(&'static [u8], u32)],
        at: u32,
        matched: u8,
    },
    /// A SPIFF directory entry: its 4-byte tag, then all of it if the tag holds numbers only.
    Entry { at: u32, tag: u32 },
}

/// SPIFF header: "SPIFF\0", version, profile, components, height, width, colour space, bits,
/// compression, resolution units and resolutions (T.84 F.2.1), numbers only.
const SPIFF: (&[u8], u32) = (b"SPIFF\0", 30);
/// SPIFF directory entries that hold numbers only (T.84 Table F.5): end of directory (with the
/// SOI it wraps), transfer characteristics, component registration, image orientation,
/// protection indicator, tile index, scan index.
const SPIFF_NUMBERS: [u32; 7] = [1, 2, 3, 4, 11, 14, 15];
const SPIFF_EOD: u32 = 1;

/// The scrubber of one Pixel Data value's codestream bytes.
#[derive(Debug, Clone)]
pub struct Segments {
    syntax: Syntax,
    state: State,
    /// Segments with bytes zeroed so far.
    emptied: u64,
    /// Whether the current payload has had a byte zeroed.
    zeroing: bool,
    /// Between a SPIFF header and its end-of-directory entry: APP8 segments are entries.
    spiff_directory: bool,
    /// Frames with bytes other than zero after EOI, zeroed; and whether the current one counts.
    after_eoi: u64,
    after_eoi_counted: bool,
}

impl Segments {
    pub fn new(syntax: Syntax) -> Segments {
        Segments {
            syntax,
            state: State::Data,
            emptied: 0,
            zeroing: false,
            spiff_directory: false,
            after_eoi: 0,
            after_eoi_counted: false,
        }
    }

    /// A new fragment begins: after EOI, it is the next frame's if it starts with SOI (a frame
    /// starts a fragment, PS3.5 A.4); else it is more of what followed EOI.
    pub fn fragment_start(&mut self) {
        if matches!(self.state, State::AfterEoi | State::NextFrame { .. }) {
            self.state = State::NextFrame { ff: false };
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
                                keep: self.keep(marker),
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
                        0 => {
                            self.segment_end(keep);
                            State::Data
                        }
                        _ => State::Payload { left, keep },
                    };
                }
                State::NextFrame { ff } => {
                    let b = bytes[i];
                    self.state = match (ff, b) {
                        (false, 0xFF) => State::NextFrame { ff: true },
                        (true, 0xD8) => State::Data,
                        _ => State::AfterEoi,
                    };
                    if matches!(self.state, State::AfterEoi) {
                        continue; // this byte is zeroed as what followed EOI
                    }
                    i += 1;
                }
                State::AfterEoi => {
                    let rest = &bytes[i..];
                    if !self.after_eoi_counted && rest.iter().any(|&b| b != 0) {
                        self.after_eoi_counted = true;
                        self.after_eoi += 1;
                    }
                    push(zero, i..bytes.len());
                    i = bytes.len();
                }
            }
        }
    }

    /// A segment's payload has passed: a SPIFF header opens its directory, the
    /// end-of-directory entry closes it.
    fn segment_end(&mut self, keep: Keep) {
        match keep {
            Keep::Named { names, at, matched } => {
                let spiff = names
                    .iter()
                    .enumerate()
                    .any(|(k, n)| *n == SPIFF && matched & 1 << k != 0);
                if spiff && at as usize >= SPIFF.0.len() {
                    self.spiff_directory = true;
                }
            }
            Keep::Entry { tag, .. } if tag == SPIFF_EOD => self.spiff_directory = false,
            _ => {}
        }
    }

    /// What passes of the payload of a segment of `marker`.
    fn keep(&mut self, marker: u8) -> Keep {
        if self.spiff_directory {
            if marker == 0xE8 {
                return Keep::Entry { at: 0, tag: 0 };
            }
            self.spiff_directory = false; // a directory left open: no longer one
        }
        keep(self.syntax, marker)
    }

    /// Segments that had bytes zeroed so far.
    pub fn emptied(&self) -> u64 {
        self.emptied
    }

    /// Frames whose bytes after the end-of-image marker (other than zero padding) were zeroed.
    pub fn after_eoi(&self) -> u64 {
        self.after_eoi
    }

    fn after_ff(&mut self, b: u8) -> State {
        let data = match self.syntax {
            Syntax::T81 => b == 0x00,
            Syntax::T87 => b < 0x80,
        };
        match b {
            0xFF => State::Ff, // fill bytes before a marker
            _ if data => State::Data,
            0xD9 => {
                self.after_eoi_counted = false;
                self.spiff_directory = false;
                State::AfterEoi
            }
            // Markers without a segment: TEM, RSTn, SOI.
            0x01 | 0xD0..=0xD8 => State::Data,
            _ => State::Length {
                marker: b,
                high: None,
            },
        }
    }
}

fn keep(syntax: Syntax, marker: u8) -> Keep {
    let named = |names| Keep::Named {
        names,
        at: 0,
        matched: u8::MAX,
    };
    match marker {
        0xE0 => named(&[(b"JFIF\0", 14)]),
        0xEE => named(&[(b"Adobe", 12)]),
        // JPEG-LS's colour transform (HP's, as CharLS writes it): the name and its one byte.
        0xE8 if syntax == Syntax::T87 => named(&[(b"mrfx", 5), SPIFF]),
        0xE8 => named(&[SPIFF]),
        0xE1..=0xEF | 0xFE => named(&[]),
        _ => Keep::All,
    }
}

impl Keep {
    /// Passes the next payload bytes: the state after them, and where in them zeroing starts.
    fn pass(self, bytes: &[u8]) -> (Keep, Option<usize>) {
        match self {
            Keep::All => (self, None),
            Keep::Named {
                names,
                mut at,
                mut matched,
            } => {
                let mut zero_from = None;
                for (i, &b) in bytes.iter().enumerate() {
                    let p = at as usize;
                    let mut passes = false;
                    for (k, &(name, defined)) in names.iter().enumerate() {
                        if name.get(p).is_some_and(|&c| c != b) {
                            matched &= !(1 << k);
                        }
                        passes |= matched & 1 << k != 0 && at < defined;
                    }
                    if !passes {
                        zero_from = Some(i);
                        at += (bytes.len() - i) as u32;
                        break;
                    }
                    at += 1;
                }
                (Keep::Named { names, at, matched }, zero_from)
            }
            Keep::Entry { mut at, mut tag } => {
                let mut zero_from = None;
                for (i, &b) in bytes.iter().enumerate() {
                    if at < 4 {
                        tag = tag << 8 | u32::from(b);
                    } else if !SPIFF_NUMBERS.contains(&tag) {
                        zero_from = Some(i);
                        at += (bytes.len() - i) as u32;
                        break;
                    }
                    at += 1;
                }
                (Keep::Entry { at, tag }, zero_from)
            }
        }
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

/// Whether coded bytes end with an end-of-image (end-of-codestream) marker, FFD9, before any
/// zero padding (some modalities pad frames with more than the one byte DICOM needs).
pub fn ends_with_eoi(frame: &[u8]) -> bool {
    let end = frame.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    frame[..end].ends_with(&[0xFF, 0xD9])
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

    fn walk_all(syntax: Syntax, fragments: &[Vec<u8>], step: usize) -> (Vec<Vec<u8>>, Segments) {
        let mut s = Segments::new(syntax);
        let out = fragments
            .iter()
            .map(|f| {
                s.fragment_start();
                let mut out = Vec::new();
                for chunk in f.chunks(step) {
                    let mut zero = Vec::new();
                    s.walk(chunk, &mut zero);
                    let mut c = chunk.to_vec();
                    zero.into_iter().for_each(|r| c[r].fill(0));
                    out.extend(c);
                }
                out
            })
            .collect();
        (out, s)
    }

    /// SOI, a SPIFF header (T.84 F.2.1) and directory entries, the end-of-directory entry with
    /// the SOI it wraps, as CharLS writes them; then a frame header.
    fn spiff(entries: &[(u32, &[u8])]) -> Vec<u8> {
        let mut header = b"SPIFF\0\x02\x00\x00\x01".to_vec();
        header.extend_from_slice(&[
            0, 0, 0, 20, 0, 0, 0, 30, 8, 16, 6, 0, 0, 0, 0, 1, 0, 0, 0, 1,
        ]);
        let mut f = vec![0xFF, 0xD8];
        f.extend(segment(0xE8, &header));
        for (tag, data) in entries {
            f.extend(segment(0xE8, &[&tag.to_be_bytes()[..], data].concat()));
        }
        f.extend(segment(0xE8, &[0, 0, 0, 1, 0xFF, 0xD8]));
        f.extend(segment(0xF7, &[16, 0, 20, 0, 30, 1, 1, 0x11, 0]));
        f
    }

    #[test]
    fn a_spiff_header_and_its_numeric_entries_pass_and_text_entries_are_emptied() {
        for syntax in [Syntax::T87, Syntax::T81] {
            // Nothing to remove: byte for byte.
            let plain = spiff(&[(2, &[1]), (4, &[0, 0, 0, 0])]);
            for step in [1, 3, plain.len()] {
                let (out, s) = walk_all(syntax, std::slice::from_ref(&plain), step);
                assert_eq!(out[0], plain, "{syntax:?} chunks of {step}");
                assert_eq!((s.emptied(), s.after_eoi()), (0, 0));
            }
            // A title naming the patient, a creator, a time stamp, a thumbnail, an unknown tag:
            // their data zeroed, their tags kept, the entries around them untouched.
            let texts: [(u32, &[u8]); 6] = [
                (6, b"DOE^JANE"),
                (2, &[1]),
                (10, b"St Elsewhere"),
                (8, &[7, 0xE8, 1, 2, 3, 4, 5]),
                (5, &[1, 2, 3]),
                (0x1000_0001, b"vendor"),
            ];
            let input = spiff(&texts);
            let mut want = input.clone();
            let mut at = 2 + 34; // SOI, the header
            for (tag, data) in texts {
                let from = at + 8;
                if tag != 2 {
                    want[from..from + data.len()].fill(0);
                }
                at = from + data.len();
            }
            for step in [1, 5, input.len()] {
                let (out, s) = walk_all(syntax, std::slice::from_ref(&input), step);
                assert_eq!(out[0], want, "{syntax:?} chunks of {step}");
                assert_eq!(s.emptied, 5);
            }
        }
        // An APP8 that is not a SPIFF header is emptied; the APP8 after it is no entry.
        let mut fake = vec![0xFF, 0xD8];
        fake.extend(segment(0xE8, b"SPIFX\0 name"));
        fake.extend(segment(0xE8, &[0, 0, 0, 2, 9]));
        let (out, s) = walk_all(Syntax::T87, &[fake.clone()], 4);
        assert_eq!(out[0][6..17], [b'S', b'P', b'I', b'F', 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(out[0][out[0].len() - 5..], [0; 5]);
        assert_eq!(s.emptied, 2);
    }

    #[test]
    fn bytes_after_eoi_are_zeroed_to_the_end_of_the_fragment() {
        let frame = |tail: &[u8]| {
            let mut f = vec![0xFF, 0xD8];
            f.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
            f.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD9]);
            f.extend_from_slice(tail);
            f
        };
        // Zero padding: unchanged, no finding.
        let padded = vec![frame(&[0]), frame(&[0; 5])];
        let (out, s) = walk_all(Syntax::T81, &padded, 3);
        assert_eq!(out, padded);
        assert_eq!((s.emptied(), s.after_eoi()), (0, 0));
        // Junk or text after EOI: zeroed in that fragment; the next frame starts clean.
        for syntax in [Syntax::T81, Syntax::T87] {
            for step in [1, 2, 7, 100] {
                let input = vec![
                    frame(b"DOE^JANE\xFF\xFE\x00\x04ab"),
                    frame(&[]),
                    frame(&[0, 0, 9]),
                    // Fragments after EOI that start no frame: all zeroed (an FF, no text, may
                    // pass where it began one).
                    b"DOE^JANE".to_vec(),
                    b"\xFF\xFEDOE^JANE".to_vec(),
                    frame(&[]),
                ];
                let (out, s) = walk_all(syntax, &input, step);
                assert_eq!(out[0], frame(&[0; 14]), "{syntax:?} {step}");
                assert_eq!(out[1], input[1]);
                assert_eq!(out[2], frame(&[0; 3]));
                assert_eq!(out[3], [0; 8]);
                assert_eq!(out[4], b"\xFF\0\0\0\0\0\0\0\0\0");
                assert_eq!(out[5], input[5]);
                assert_eq!((s.emptied(), s.after_eoi()), (0, 2));
            }
        }
    }
}
