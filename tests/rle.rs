//! Regions blanked in RLE Lossless pixel data: images encoded by DCMTK's `dcmcrle`, blanked by
//! the sanitizer, decoded by DCMTK's `dcmdrle` and by pydicom; malformed RLE is refused.

mod common;

use common::native::Native;
use common::rle::{dcmcrle, dcmdrle, RLE_LOSSLESS};
use common::*;
use dicom_core::value::{PixelFragmentSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;
use dicom_sanitizer::{BurnedIn, Region, Sanitizer};
use fixtures::text;

fn region(x: u32, y: u32, width: u32, height: u32) -> Region {
    Region {
        x,
        y,
        width,
        height,
    }
}

/// An image whose rows mix runs (repeat runs in RLE, some longer than 128) and noise
/// (literals); never a black sample.
struct Image {
    native: Native,
}

impl Image {
    fn new(photometric: &'static str, bits: u16, rows: u16, cols: u16, frames: u16) -> Image {
        Image {
            native: Native::new(photometric, bits, rows, cols, frames),
        }
    }

    fn bytes_per_sample(&self) -> usize {
        self.native.bits as usize / 8
    }

    /// Sample `s` of pixel `p` of frame `f`.
    fn value(&self, f: usize, p: usize, s: usize) -> u64 {
        let cols = self.native.cols as usize;
        let (x, y) = (p % cols, p / cols);
        let max = (1u64 << self.native.bits) - 1;
        match (x / 7 + y / 3 + f) % 3 {
            0 => 0x4242_4242 % max + s as u64 + 1,
            _ => ((p * 2654435761 + f * 97 + s * 13) as u64 >> 3) % max + 1,
        }
    }

    /// Interleaved little endian samples: the native value, with `black` where `blank` says.
    fn samples(&self, blank: impl Fn(usize) -> bool) -> Vec<u8> {
        let n = &self.native;
        let bps = self.bytes_per_sample();
        let black = n.black();
        let mut out = Vec::new();
        for f in 0..n.frames as usize {
            for p in 0..n.rows as usize * n.cols as usize {
                for (s, &black) in black.iter().enumerate() {
                    let v = if blank(p) { black } else { self.value(f, p, s) };
                    out.extend_from_slice(&v.to_le_bytes()[..bps]);
                }
            }
        }
        out
    }

    fn native_file(&self) -> Vec<u8> {
        let bytes = self.samples(|_| false);
        let pixels = match self.native.bits {
            8 => DataElement::new(tags::PIXEL_DATA, VR::OB, PrimitiveValue::from(bytes)),
            _ => DataElement::new(
                tags::PIXEL_DATA,
                VR::OW,
                PrimitiveValue::U16(
                    bytes
                        .chunks(2)
                        .map(|c| u16::from_le_bytes([c[0], c[1]]))
                        .collect(),
                ),
            ),
        };
        self.native.sample().put(pixels).to_bytes()
    }

    /// Interleaved samples as pydicom's RLE decoder orders them: plane by plane per frame.
    fn planes(&self, interleaved: &[u8]) -> Vec<String> {
        let n = &self.native;
        let (spp, bps) = (n.spp as usize, self.bytes_per_sample());
        let px = n.rows as usize * n.cols as usize;
        interleaved
            .chunks(px * spp * bps)
            .map(|frame| {
                let mut out = Vec::new();
                for s in 0..spp {
                    for p in 0..px {
                        let at = (p * spp + s) * bps;
                        out.extend_from_slice(&frame[at..at + bps]);
                    }
                }
                out.iter().map(|b| format!("{b:02x}")).collect()
            })
            .collect()
    }
}

/// The Pixel Data of a native file, interleaved whatever its Planar Configuration.
fn native_pixels(file: &[u8], bps: usize) -> Vec<u8> {
    let o = parse(file);
    let raw = native_bytes(file);
    let num = |t| o.element(t).ok().and_then(|e| e.to_int::<usize>().ok());
    let spp = num(tags::SAMPLES_PER_PIXEL).unwrap_or(1);
    if spp == 1 || num(tags::PLANAR_CONFIGURATION) != Some(1) {
        return raw;
    }
    let px = num(tags::ROWS).unwrap() * num(tags::COLUMNS).unwrap();
    let mut out = Vec::with_capacity(raw.len());
    for frame in raw.chunks(px * spp * bps) {
        for p in 0..px {
            for s in 0..spp {
                let at = (s * px + p) * bps;
                out.extend_from_slice(&frame[at..at + bps]);
            }
        }
    }
    out
}

/// The items of an encapsulated Pixel Data value: (offset in the value, length) of each.
fn items(file: &[u8]) -> Vec<(usize, usize)> {
    let value = &file[find_pixel_value(file)];
    let mut at = 0;
    let mut out = Vec::new();
    while value[at..at + 4] == [0xFE, 0xFF, 0x00, 0xE0] {
        let len = u32::from_le_bytes(value[at + 4..at + 8].try_into().unwrap()) as usize;
        out.push((at, len));
        at += 8 + len;
    }
    assert_eq!(value[at..at + 8], [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    out
}

fn pydicom_rle(files: &[Vec<u8>]) -> Vec<serde_json::Value> {
    pydicom("rle_frames.py", files)
}

#[test]
fn dcmtk_encoded_rle_is_blanked_inside_the_regions_and_unchanged_outside() {
    let cases: Vec<(&str, Image, Vec<Region>)> = vec![
        (
            "8-bit grey",
            Image::new("MONOCHROME2", 8, 20, 30, 1),
            vec![region(2, 3, 10, 4)],
        ),
        (
            "16-bit grey, multi-frame, a region clipped",
            Image::new("MONOCHROME2", 16, 16, 24, 3),
            vec![region(0, 0, 5, 2), region(20, 10, 10, 10)],
        ),
        (
            "8-bit RGB, multi-frame",
            Image::new("RGB", 8, 10, 12, 2),
            vec![region(3, 3, 4, 4)],
        ),
        (
            "8-bit YBR_FULL: black is Y 0, chroma at the middle",
            Image::new("YBR_FULL", 8, 8, 10, 1),
            vec![region(1, 1, 3, 3)],
        ),
        (
            "rows longer than a PackBits run",
            Image::new("MONOCHROME2", 8, 4, 300, 2),
            vec![region(100, 1, 150, 2)],
        ),
    ];
    let mut outputs = Vec::new();
    for (name, img, regions) in &cases {
        let native = img.native_file();
        let rle = dcmcrle(&native, &[]);
        assert_eq!(
            parse(&rle).meta().transfer_syntax().trim_end_matches('\0'),
            RLE_LOSSLESS
        );
        let mut s = settings();
        s.blank_regions = regions.clone();
        let out = Sanitizer::new(s.clone())
            .unwrap()
            .sanitize(&rle)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let r = &out.report;
        assert_eq!(r.transfer_syntax, RLE_LOSSLESS, "{name}: kept");
        assert_eq!(r.findings_with("pixel.regions_blanked").count(), 1);
        assert_eq!(r.findings_with("pixel.offset_table_removed").count(), 0);
        // The input's pixel value is hashed apart; the output digest covers the new one.
        let original = &rle[find_pixel_value(&rle)];
        let digest = r.input_pixel_data.as_ref().expect("blanked pixels differ");
        assert_eq!(digest.hex, blake3::hash(original).to_hex().as_str());
        assert_eq!(r.output.hex, blake3::hash(&out.bytes).to_hex().as_str());
        // An empty Basic Offset Table, then one even fragment per frame.
        let found = items(&out.bytes);
        assert_eq!(found[0].1, 0, "{name}: Basic Offset Table emptied");
        assert_eq!(found.len(), 1 + img.native.frames as usize, "{name}");
        assert!(found.iter().all(|(_, len)| len % 2 == 0), "{name}");

        // DCMTK decodes it to the original, black inside the regions.
        let decoded = native_pixels(&dcmdrle(&out.bytes), img.bytes_per_sample());
        let want = img.samples(|p| img.native.blanked(p, regions));
        assert_eq!(decoded.len(), want.len(), "{name}");
        assert!(decoded == want, "{name}: DCMTK's decoding differs");
        assert_ne!(
            want,
            img.samples(|_| false),
            "{name}: something was blanked"
        );

        // As the native path does: the same pixels, attributes and Clean Pixel Data code.
        let by_native = sanitize(s, &native);
        assert!(native_pixels(&by_native.bytes, img.bytes_per_sample()) == want);
        let (o, n) = (parse(&out.bytes), parse(&by_native.bytes));
        assert_eq!(
            text_of(&o, tags::BURNED_IN_ANNOTATION),
            text_of(&n, tags::BURNED_IN_ANNOTATION),
            "{name}"
        );
        assert_eq!(method_codes(&o), method_codes(&n), "{name}");
        let codes: Vec<String> = method_codes(&o).into_iter().map(|(v, _)| v).collect();
        assert_eq!(codes, ["113100", "113101"], "{name}");
        outputs.push(out.bytes);
    }
    // pydicom reads every output and its RLE decoder agrees, frame by frame.
    let read = pydicom_rle(&outputs);
    for ((name, img, regions), got) in cases.iter().zip(&read) {
        assert_eq!(got["transferSyntax"], RLE_LOSSLESS, "{name}");
        let want = img.planes(&img.samples(|p| img.native.blanked(p, regions)));
        let frames: Vec<String> = serde_json::from_value(got["frames"].clone()).unwrap();
        assert!(frames == want, "{name}: pydicom's decoding differs");
    }
}

#[test]
fn rle_without_regions_passes_through_untouched() {
    let img = Image::new("MONOCHROME2", 16, 8, 8, 2);
    let mut native = img.native.sample();
    native = native.put(text(tags::BURNED_IN_ANNOTATION, VR::CS, "NO"));
    let rle = dcmcrle(&native.to_bytes(), &[]);
    let out = sanitize(settings(), &rle);
    assert!(out.bytes[find_pixel_value(&out.bytes)] == rle[find_pixel_value(&rle)]);
    assert!(out.report.input_pixel_data.is_none());
    // A region wholly outside the image blanks nothing: the pixels pass untouched too.
    let out = sanitize(blanking(8, 0, 2, 2), &rle);
    assert_eq!(out.report.findings_with("pixel.region_outside").count(), 1);
    assert!(out.bytes[find_pixel_value(&out.bytes)] == rle[find_pixel_value(&rle)]);
}

/// Inserts explicit VR little endian elements just before the top-level Pixel Data.
fn insert_before_pixels(file: &[u8], elements: &[u8]) -> Vec<u8> {
    let at = find_pixel_value(file).start - 12;
    assert_eq!(file[at..at + 4], [0xE0, 0x7F, 0x10, 0x00]);
    [&file[..at], elements, &file[at..]].concat()
}

fn ov(element: u16, values: &[u64]) -> Vec<u8> {
    let mut e = vec![0xE0, 0x7F];
    e.extend_from_slice(&element.to_le_bytes());
    e.extend_from_slice(b"OV\0\0");
    e.extend_from_slice(&(values.len() as u32 * 8).to_le_bytes());
    values
        .iter()
        .for_each(|v| e.extend_from_slice(&v.to_le_bytes()));
    e
}

#[test]
fn an_extended_offset_table_goes_when_frames_change_length() {
    let img = Image::new("MONOCHROME2", 8, 12, 12, 3);
    // With an Extended Offset Table the Basic Offset Table is empty (PS3.5 A.4).
    let plain = dcmcrle(&img.native_file(), &["-ot"]);
    let frames = &items(&plain)[1..];
    let offsets: Vec<u64> = frames
        .iter()
        .map(|(at, _)| (at - frames[0].0) as u64)
        .collect();
    let lengths: Vec<u64> = frames.iter().map(|(_, len)| *len as u64).collect();
    let eot = [ov(0x0001, &offsets), ov(0x0002, &lengths)].concat();
    let input = insert_before_pixels(&plain, &eot);
    assert!(parse(&input).element(tags::EXTENDED_OFFSET_TABLE).is_ok());
    let out = sanitize(blanking(0, 0, 12, 1), &input);
    let removed: Vec<_> = out
        .report
        .findings_with("pixel.offset_table_removed")
        .collect();
    assert_eq!(removed.len(), 1);
    let o = parse(&out.bytes);
    assert!(o.element(tags::EXTENDED_OFFSET_TABLE).is_err());
    assert!(o.element(tags::EXTENDED_OFFSET_TABLE_LENGTHS).is_err());
    let read = pydicom_rle(std::slice::from_ref(&out.bytes));
    assert_eq!(read[0]["extendedOffsetTable"], false);
    let want = img.samples(|p| p < 12);
    assert!(native_pixels(&dcmdrle(&out.bytes), 1) == want);
}

/// A 4 × 4 grey image of `bits` bits in RLE, with these fragments after the offset table.
fn rle_file(bits: u16, frames: u16, fragments: Vec<Vec<u8>>) -> Vec<u8> {
    Native::new("MONOCHROME2", bits, 4, 4, frames)
        .sample()
        .with_transfer_syntax(RLE_LOSSLESS)
        .put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OB,
            Value::PixelSequence(PixelFragmentSequence::new(vec![0u32; 0], fragments)),
        ))
        .to_bytes()
}

/// An RLE frame: the header with these segment count and offsets, then the segments.
fn frame(count: u32, offsets: &[u32], segments: &[&[u8]]) -> Vec<u8> {
    let mut f = count.to_le_bytes().to_vec();
    for i in 0..15 {
        f.extend_from_slice(&offsets.get(i).copied().unwrap_or(0).to_le_bytes());
    }
    segments.iter().for_each(|s| f.extend_from_slice(s));
    if f.len() % 2 == 1 {
        f.push(0);
    }
    f
}

#[test]
fn malformed_rle_is_refused_with_a_code_and_no_output() {
    // 16 bytes a segment: a run of 16 (2 bytes), or 16 literals (17 bytes).
    let run: &[u8] = &[0xF1, 9];
    let literal: Vec<u8> = [
        &[15u8][..],
        &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
    ]
    .concat();
    let good8 = frame(1, &[64], &[run]);
    let good16 = frame(2, &[64, 66], &[run, run]);
    // Valid: these pass (a trailing 0x00 pads an odd segment, as some encoders write).
    for (name, input) in [
        ("8-bit", rle_file(8, 1, vec![good8.clone()])),
        ("16-bit", rle_file(16, 1, vec![good16.clone()])),
        (
            "padded odd literal segment",
            rle_file(8, 1, vec![frame(1, &[64], &[&literal, &[0]])]),
        ),
        (
            "two frames",
            rle_file(8, 2, vec![good8.clone(), good8.clone()]),
        ),
    ] {
        let out = Sanitizer::new(blanking(1, 1, 2, 2))
            .unwrap()
            .sanitize(&input)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(out.report.findings_with("pixel.regions_blanked").count(), 1);
    }
    let bad: Vec<(&str, Vec<u8>)> = vec![
        (
            "16 segments",
            rle_file(8, 1, vec![frame(16, &[64], &[run])]),
        ),
        (
            "segments not as the image needs",
            rle_file(16, 1, vec![good8.clone()]),
        ),
        (
            "offsets out of order",
            rle_file(16, 1, vec![frame(2, &[66, 64], &[run, run])]),
        ),
        (
            "offset beyond the fragment",
            rle_file(8, 1, vec![frame(1, &[400], &[run])]),
        ),
        (
            "offset inside the header",
            rle_file(8, 1, vec![frame(1, &[8], &[run])]),
        ),
        (
            "segment decodes short",
            rle_file(8, 1, vec![frame(1, &[64], &[&[0xF2, 9]])]),
        ),
        (
            "segment decodes long",
            rle_file(8, 1, vec![frame(1, &[64], &[&[0xF0, 9]])]),
        ),
        (
            "literal cut by the segment end",
            rle_file(16, 1, vec![frame(2, &[64, 70], &[&literal[..6], run])]),
        ),
        (
            "shorter than the header",
            rle_file(8, 1, vec![vec![1, 0, 0, 0]]),
        ),
        ("empty fragment", rle_file(8, 1, vec![vec![]])),
        (
            "two fragments for one frame",
            rle_file(8, 1, vec![good8.clone(), good8.clone()]),
        ),
        (
            "one fragment for two frames",
            rle_file(8, 2, vec![good8.clone()]),
        ),
        ("no fragment", rle_file(8, 1, vec![])),
        (
            "a fragment larger than any frame needs",
            rle_file(8, 1, vec![[good8.clone(), vec![0x80; 200]].concat()]),
        ),
    ];
    for (name, input) in bad {
        for s in [blanking(1, 1, 2, 2), blanking(0, 0, 4, 4)] {
            let mut emitted = Vec::new();
            let result = Sanitizer::new(s.clone()).unwrap().sanitize(&input);
            let e = result.err().unwrap_or_else(|| panic!("{name}: passed"));
            assert_eq!(e.code(), "read.bad_rle", "{name}: {e}");
            // Streamed, it fails too (the one-shot API, above, then gives no bytes at all).
            let mut stream = Sanitizer::new(s).unwrap().stream();
            let r = stream
                .write(&input, &mut |b: &[u8]| emitted.extend_from_slice(b))
                .and_then(|()| stream.end(&mut |_: &[u8]| {}).map(|_| ()));
            assert_eq!(r.unwrap_err().code(), "read.bad_rle", "{name}");
        }
        // Without regions the fragments are not decoded: they pass as any compressed data.
        let mut allow = settings();
        allow.burned_in = BurnedIn::Allow;
        assert!(refusal(allow, &input).is_none(), "{name}");
    }
    // Layouts RLE cannot blank here stay refused: 1-bit, subsampled chroma.
    let one_bit = Native::new("MONOCHROME2", 1, 4, 4, 1)
        .sample()
        .with_transfer_syntax(RLE_LOSSLESS)
        .put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OB,
            Value::PixelSequence(PixelFragmentSequence::new(
                vec![0u32; 0],
                vec![good8.clone()],
            )),
        ))
        .to_bytes();
    assert_eq!(code(blanking(0, 0, 2, 2), &one_bit), "pixel.unsupported");
}
