//! Text burned into a known band of images encoded by independent encoders (DCMTK `dcmcrle`,
//! `dcmcjpeg`, `dcmcjpls`; GDCM `gdcmconv --j2k`), in every transfer syntax the sanitizer blanks,
//! grayscale and colour, single- and multi-frame, blanked by the CLI and decoded again by DCMTK
//! and by GDCM (`gdcmconv --raw`):
//! - no text is left in the band: every pixel in it is black (lossless), or every block touching
//!   it is flat and black (JPEG's DCT syntaxes, blanked block by block);
//! - nothing outside changed: exactly, for lossless syntaxes; for the DCT syntaxes every block
//!   not touching the band decodes identically to the input's block; for lossy JPEG-LS and
//!   JPEG 2000 the pixels are those the input decodes to (GDCM's decoding, for JPEG 2000 input,
//!   which is written in JPEG-LS Lossless and decoded again by `dcmdjpls` and GDCM).

mod common;

use common::*;
use dicom_dictionary_std::tags;
use dicom_object::file::ReadPreamble;
use dicom_object::{DefaultDicomObject, OpenFileOptions};
use fixtures::burned::{self, Case, BAND, CASES};

const KEY: &str = "burned-in-test-key-0123456789";

/// A decoded image: samples of every frame, row by row, pixel-interleaved.
struct Decoded {
    photometric: String,
    spp: usize,
    samples: Vec<u16>,
}

fn text(obj: &DefaultDicomObject, tag: dicom_core::Tag) -> String {
    obj.element(tag)
        .unwrap()
        .to_str()
        .unwrap()
        .trim()
        .to_string()
}

fn decoded(obj: &DefaultDicomObject) -> Decoded {
    let num = |tag| obj.element(tag).unwrap().to_int::<u16>().unwrap();
    let photometric = text(obj, tags::PHOTOMETRIC_INTERPRETATION);
    let (bits, spp) = (
        num(tags::BITS_ALLOCATED),
        num(tags::SAMPLES_PER_PIXEL) as usize,
    );
    let planar = spp > 1
        && obj
            .element_opt(tags::PLANAR_CONFIGURATION)
            .unwrap()
            .is_some_and(|e| e.to_int::<u16>().unwrap() == 1);
    let raw = obj.element(tags::PIXEL_DATA).unwrap().to_bytes().unwrap();
    let mut samples: Vec<u16> = match bits {
        8 => raw.iter().map(|&b| b.into()).collect(),
        _ => raw
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect(),
    };
    let pixels = num(tags::ROWS) as usize * num(tags::COLUMNS) as usize;
    let frames = obj
        .element_opt(tags::NUMBER_OF_FRAMES)
        .unwrap()
        .map_or(1, |e| e.to_int::<usize>().unwrap());
    samples.truncate(pixels * spp * frames);
    if planar {
        samples = samples
            .chunks(pixels * spp)
            .flat_map(|f| (0..pixels).flat_map(move |p| (0..spp).map(move |c| f[c * pixels + p])))
            .collect();
    }
    Decoded {
        photometric,
        spp,
        samples,
    }
}

fn read(bytes: &[u8]) -> DefaultDicomObject {
    OpenFileOptions::new()
        .read_preamble(ReadPreamble::Always)
        .from_reader(bytes)
        .unwrap()
}

/// The file decoded to native pixels by `tool`, and read.
fn decode_with(tool: &[&str], bytes: &[u8]) -> Decoded {
    decoded(&read(&test_tools::run(tool[0], &tool[1..], bytes)))
}

const GDCM: &[&str] = &["gdcmconv", "--raw"];

/// DCMTK's decoder for a transfer syntax (GDCM's for JPEG 2000, which DCMTK does not decode).
fn dcmtk(syntax: &str) -> &'static [&'static str] {
    match syntax {
        burned::RLE => &["dcmdrle"],
        burned::JPEG_LS | burned::JPEG_LS_NEAR => &["dcmdjpls"],
        burned::J2K | burned::J2K_LOSSLESS => GDCM,
        _ => &["dcmdjpeg"],
    }
}

/// The decoders of the output (written in `syntax`): DCMTK's, and GDCM's where it reads the
/// input (GDCM 3.0 fails to write DCMTK's multi-frame YBR_FULL_422 JPEG decoded, input and
/// output alike).
fn decoders(syntax: &str, input: &[u8]) -> Vec<&'static [&'static str]> {
    let dcmtk = dcmtk(syntax);
    match test_tools::try_run(GDCM[0], &GDCM[1..], input) {
        Ok(_) if dcmtk != GDCM => vec![dcmtk, GDCM],
        _ => vec![dcmtk],
    }
}

/// The output of the CLI blanking the band of `input`, and its JSON report line.
fn blank(case: &Case, input: &[u8]) -> (Vec<u8>, serde_json::Value) {
    let dir = tempdir(&format!("burned-{}", case.name));
    let (from, to) = (dir.join("in"), dir.join("out"));
    write(&from.join("image.dcm"), input);
    let (x, y, w, h) = BAND;
    let region = format!("{x},{y},{w},{h}");
    let run = sanitize(
        Some(KEY),
        &[
            from.as_os_str(),
            "--out".as_ref(),
            to.as_os_str(),
            "--blank-region".as_ref(),
            region.as_ref(),
        ],
    );
    assert_exit(&run, 0);
    let report = json_lines(&run.stdout).remove(0);
    let bytes = std::fs::read(to.join("image.dcm")).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    (bytes, report)
}

/// The MCU of a JPEG image in pixels, and how many MCUs around a blanked one chroma upsampling
/// reaches (libjpeg's "fancy" upsampling reads the neighbouring chroma block): 8×8 for
/// grayscale and 4:4:4, 16×8 with one MCU each side for 4:2:2.
fn mcu(photometric: &str) -> ((usize, usize), usize) {
    match photometric {
        "YBR_FULL_422" => ((16, 8), 1),
        _ => ((8, 8), 0),
    }
}

/// The luminance of a decoded pixel (decoders give RGB, or keep YBR as the file had it).
fn luma(photometric: &str, px: &[u16]) -> f64 {
    match px.len() {
        3 if photometric == "RGB" => {
            0.299 * px[0] as f64 + 0.587 * px[1] as f64 + 0.114 * px[2] as f64
        }
        _ => px[0] as f64,
    }
}

fn check(case: &Case) {
    let input = case.encoded();
    let (output, report) = blank(case, &input);
    let codes: Vec<&str> = report["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"pixel.regions_blanked"),
        "{}: {codes:?}",
        case.name
    );
    assert!(
        !output.windows(8).any(|w| w == b"DOE^JANE"),
        "{}: the name is in the output",
        case.name
    );
    // JPEG 2000 is written in JPEG-LS Lossless (no encoder here), near-lossless JPEG-LS
    // losslessly.
    let syntax = match case.transfer_syntax {
        burned::J2K | burned::J2K_LOSSLESS | burned::JPEG_LS_NEAR => burned::JPEG_LS,
        same => same,
    };
    let written = read(&output);
    let meta_syntax = written.meta().transfer_syntax().trim_end_matches('\0');
    assert_eq!(meta_syntax, syntax, "{}", case.name);
    assert_eq!(report["report"]["transferSyntax"], syntax, "{}", case.name);
    assert_eq!(
        codes.contains(&"pixel.transcoded"),
        syntax != case.transfer_syntax,
        "{}: {codes:?}",
        case.name
    );
    if case.lossy {
        assert_eq!(
            text(&written, tags::LOSSY_IMAGE_COMPRESSION),
            "01",
            "{}",
            case.name
        );
    }
    let (cols, rows, spp) = (case.cols as usize, case.rows as usize, case.spp());
    let original = case.samples();
    for tool in decoders(syntax, &input) {
        let what = format!("{} decoded by {}", case.name, tool.join(" "));
        let out = decode_with(tool, &output);
        assert_eq!(out.spp, spp, "{what}");
        assert_eq!(out.samples.len(), original.len(), "{what}");
        let at = |f: usize, x: usize, y: usize| ((f * rows + y) * cols + x) * spp;
        if !case.lossy {
            assert_eq!(out.photometric, case.photometric, "{what}");
            for (i, (&got, &was)) in out.samples.iter().zip(&original).enumerate() {
                let p = i / spp % (rows * cols);
                let want = if Case::in_band(p % cols, p / cols) {
                    0
                } else {
                    was
                };
                assert_eq!(got, want, "{what}: sample {i} (pixel {p})");
            }
            continue;
        }
        // The input decoded by the same tool, or where it does not read the input's syntax
        // (DCMTK and JPEG 2000), by GDCM.
        let before = match dcmtk(case.transfer_syntax) == GDCM {
            true => decode_with(GDCM, &input),
            false => decode_with(tool, &input),
        };
        if !matches!(
            case.transfer_syntax,
            burned::JPEG_BASELINE | burned::JPEG_EXTENDED
        ) {
            // Decoded and written again without loss: outside the band, what the input decodes
            // to (within one step for JPEG 2000's irreversible wavelet, where our decoder and
            // GDCM's may round differently); inside it, black.
            let tolerance = u16::from(case.transfer_syntax == burned::J2K);
            for (i, (&got, &was)) in out.samples.iter().zip(&before.samples).enumerate() {
                let p = i / spp % (rows * cols);
                match Case::in_band(p % cols, p / cols) {
                    true => assert_eq!(got, 0, "{what}: sample {i} in the band"),
                    false => assert!(
                        got.abs_diff(was) <= tolerance,
                        "{what}: sample {i}: {got} against {was}"
                    ),
                }
            }
            continue;
        }
        // DCT, in the decoder's output space: every 8×8 luminance block touching the band is
        // flat black; every MCU neither touching it nor next to one that does (chroma
        // upsampling reads the neighbouring chroma block) decodes as the input's did.
        let ((mw, mh), reach) = mcu(&text(&read(&input), tags::PHOTOMETRIC_INTERPRETATION));
        let blocks = |(w, h): (usize, usize)| {
            let (bx, by, bw, bh) = BAND;
            let first = (bx as usize / w, by as usize / h);
            let last = ((bx + bw - 1) as usize / w, (by + bh - 1) as usize / h);
            (first, last)
        };
        let cell = |(w, h): (usize, usize), cx: usize, cy: usize| {
            (cy * h..((cy + 1) * h).min(rows))
                .flat_map(move |y| (cx * w..((cx + 1) * w).min(cols)).map(move |x| (x, y)))
        };
        for f in 0..case.frames as usize {
            let ((x0, y0), (x1, y1)) = blocks((8, 8));
            for cy in y0..=y1 {
                for cx in x0..=x1 {
                    let lumas: Vec<f64> = cell((8, 8), cx, cy)
                        .map(|(x, y)| {
                            luma(
                                &out.photometric,
                                &out.samples[at(f, x, y)..at(f, x, y) + spp],
                            )
                        })
                        .collect();
                    let (lo, hi) = lumas
                        .iter()
                        .fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
                    assert!(hi - lo <= 2.0 && hi <= 3.0, "{what}: frame {f} block ({cx}, {cy}) in the band is not flat black: {lo}..{hi}");
                }
            }
            let ((x0, y0), (x1, y1)) = blocks((mw, mh));
            for cy in 0..rows.div_ceil(mh) {
                for cx in 0..cols.div_ceil(mw) {
                    let near = cx + 1 + reach > x0
                        && cx <= x1 + reach
                        && cy + 1 + reach > y0
                        && cy <= y1 + reach;
                    if near {
                        continue;
                    }
                    for (x, y) in cell((mw, mh), cx, cy) {
                        let i = at(f, x, y);
                        assert_eq!(
                            out.samples[i..i + spp],
                            before.samples[i..i + spp],
                            "{what}: frame {f} pixel ({x}, {y}) outside the band"
                        );
                    }
                }
            }
        }
    }
}

fn check_all(prefix: &str) {
    let cases: Vec<&Case> = CASES
        .iter()
        .filter(|c| c.name.starts_with(prefix))
        .collect();
    assert!(!cases.is_empty());
    for case in cases {
        check(case);
    }
}

#[test]
fn rle_bands_are_blanked() {
    check_all("rle-");
}

#[test]
fn jpeg_lossless_bands_are_blanked() {
    check_all("jpeg-lossless-");
}

#[test]
fn jpeg_2000_bands_are_blanked_and_written_in_jpeg_ls() {
    check_all("j2k-");
}

#[test]
fn jpeg_ls_bands_are_blanked() {
    check_all("jpegls-");
}

fn settings() -> dicom_sanitizer::Settings {
    let (x, y, width, height) = BAND;
    let mut s = dicom_sanitizer::Settings::new().key(KEY.as_bytes());
    s.blank_regions = vec![dicom_sanitizer::Region {
        x,
        y,
        width,
        height,
    }];
    s
}

fn case(name: &str) -> &'static Case {
    CASES.iter().find(|c| c.name == name).unwrap()
}

/// The file of `header` with these fragments, an offset table of `offsets`, and the delimiter.
fn encapsulated(header: &[u8], offsets: &[u32], fragments: &[&[u8]]) -> Vec<u8> {
    let item = |out: &mut Vec<u8>, value: &[u8]| {
        out.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0]);
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend_from_slice(value);
    };
    let mut out = header.to_vec();
    let table: Vec<u8> = offsets.iter().flat_map(|o| o.to_le_bytes()).collect();
    item(&mut out, &table);
    for f in fragments {
        item(&mut out, f);
    }
    out.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    out
}

#[test]
fn broken_frames_are_refused_with_their_codec_code_and_no_output() {
    let sanitizer = dicom_sanitizer::Sanitizer::new(settings()).unwrap();
    for (name, code) in [
        ("jpeg-lossless-sv1-gray16", "read.bad_jpeg"),
        ("jpegls-gray16", "read.bad_jpegls"),
        ("j2k-gray16", "read.bad_j2k"),
    ] {
        let (header, frame) = burned::repeated(case(name), 1);
        // Cut inside the coded data (JPEG 2000 decodes a truncated codestream in part, as its
        // progressive order allows, so it is cut inside its main header).
        let cut = if code == "read.bad_j2k" {
            20
        } else {
            frame.len() / 2
        };
        let e = sanitizer
            .sanitize(&encapsulated(&header, &[], &[&frame[..cut & !1]]))
            .unwrap_err();
        assert_eq!(e.code(), code, "{name}: {e}");
        // Fewer frames than the attributes say, and more.
        let (header, frame) = burned::repeated(case(name), 3);
        for n in [2, 4] {
            let frames = vec![frame.as_slice(); n];
            let e = sanitizer
                .sanitize(&encapsulated(&header, &[], &frames))
                .unwrap_err();
            assert_eq!(e.code(), code, "{name}, {n} frames for 3: {e}");
        }
    }
}

#[test]
fn frames_split_over_fragments_are_found_by_the_offset_table_or_their_end_markers() {
    let c = case("jpeg-lossless-sv1-gray16");
    let (header, frame) = burned::repeated(c, 3);
    let half = (frame.len() / 2) & !1;
    let (a, b) = frame.split_at(half);
    let pieces = [a, b, a, b, a, b];
    let step = (16 + frame.len()) as u32; // two item headers and the frame
    let sanitizer = dicom_sanitizer::Sanitizer::new(settings()).unwrap();
    let mut outputs = Vec::new();
    for offsets in [vec![0, step, 2 * step], vec![]] {
        let input = encapsulated(&header, &offsets, &pieces);
        let out = sanitizer.sanitize(&input).unwrap().bytes;
        let decoded = decode_with(&["dcmdjpeg"], &out);
        let (cols, rows) = (c.cols as usize, c.rows as usize);
        let one: Vec<u16> = (0..rows * cols)
            .map(|p| match Case::in_band(p % cols, p / cols) {
                true => 0,
                false => c.value(0, p % cols, p / cols, 0),
            })
            .collect();
        assert_eq!(decoded.samples, one.repeat(3), "offsets {offsets:?}");
        outputs.push(out);
    }
    assert_eq!(outputs[0], outputs[1]);
    // An offset table that does not fit the fragments is not used; one that lists frames at
    // fragments that are not there leaves frames short.
    let wrong = encapsulated(&header, &[0, 8, 16], &pieces);
    assert_eq!(sanitizer.sanitize(&wrong).unwrap().bytes, outputs[0]);
    let missing = encapsulated(&header, &[0, step, 9 * step], &pieces);
    assert_eq!(
        sanitizer.sanitize(&missing).unwrap_err().code(),
        "read.bad_jpeg"
    );
}

#[test]
fn jpeg_baseline_and_extended_bands_are_blanked_block_by_block() {
    check_all("jpeg-baseline-");
    check_all("jpeg-extended-");
}

#[test]
fn jpeg_segments_that_can_hold_text_are_dropped() {
    let (header, frame) = burned::repeated(case("jpeg-baseline-gray"), 1);
    // A comment and an Exif-like APP1 naming the patient, after SOI.
    let segment = |marker: u8, text: &[u8]| {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&(text.len() as u16 + 2).to_be_bytes());
        s.extend_from_slice(text);
        s
    };
    let mut planted = frame[..2].to_vec();
    planted.extend(segment(0xFE, b"Patient DOE^JANE 19610312"));
    planted.extend(segment(0xE1, b"Exif\0\0DOE^JANE"));
    planted.extend_from_slice(&frame[2..]);
    if planted.len() % 2 == 1 {
        planted.push(0);
    }
    let out = dicom_sanitizer::Sanitizer::new(settings())
        .unwrap()
        .sanitize(&encapsulated(&header, &[], &[&planted]))
        .unwrap();
    let found = out
        .report
        .findings
        .iter()
        .find(|f| f.code == "pixel.segments_removed");
    assert!(
        found.unwrap().message.starts_with("2 APPn or COM"),
        "{found:?}"
    );
    assert!(!out.bytes.windows(8).any(|w| w == b"DOE^JANE"));
    // The frame still decodes, band blanked.
    let decoded = decode_with(&["dcmdjpeg"], &out.bytes);
    assert_eq!(decoded.samples.len(), 48 * 100);
}

#[test]
fn jpeg_segments_that_can_hold_text_are_emptied_in_frames_not_blanked() {
    // The images carry burned-in text; passing it is the caller's choice here.
    let mut settings = dicom_sanitizer::Settings::new().key(KEY.as_bytes());
    settings.burned_in = dicom_sanitizer::BurnedIn::Allow;
    let sanitizer = dicom_sanitizer::Sanitizer::new(settings).unwrap();
    let segment = |marker: u8, text: &[u8]| {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&(text.len() as u16 + 2).to_be_bytes());
        s.extend_from_slice(text);
        s
    };
    let tools: [(&str, &[&str]); 3] = [
        ("jpeg-baseline-gray", &["dcmdjpeg"]),
        ("jpeg-lossless-sv1-gray16", &["dcmdjpeg"]),
        // DCMTK's CharLS refuses APPn and COM in JPEG-LS; GDCM's reads them.
        ("jpegls-gray16", &["gdcmconv", "--raw"]),
    ];
    for (name, tool) in tools {
        let (header, frame) = burned::repeated(case(name), 1);
        // Untouched frames pass as they came, with no finding.
        let plain = encapsulated(&header, &[], &[&frame]);
        let out = sanitizer.sanitize(&plain).unwrap();
        let tail = plain.len() - header.len();
        assert_eq!(out.bytes[out.bytes.len() - tail..], plain[header.len()..]);
        assert!(!out
            .report
            .findings
            .iter()
            .any(|f| f.code == "pixel.segments_emptied"));
        // A comment and an Exif APP1 naming the patient after SOI, and JFIF with a thumbnail.
        let comment = b"Patient DOE^JANE 19610312";
        let exif = b"Exif\0\0DOE^JANE";
        let jfif = b"JFIF\0\x01\x02\0\0\x01\0\x01\x01\x01\x09\x09\x09";
        let mut planted = frame[..2].to_vec();
        let mut expected = planted.clone();
        planted.extend(segment(0xE0, jfif));
        expected.extend(segment(0xE0, &[&jfif[..14], &[0; 3][..]].concat()));
        planted.extend(segment(0xFE, comment));
        expected.extend(segment(0xFE, &[0; 25]));
        planted.extend(segment(0xE1, exif));
        expected.extend(segment(0xE1, &[0; 14]));
        planted.extend_from_slice(&frame[2..]);
        expected.extend_from_slice(&frame[2..]);
        for f in [&mut planted, &mut expected] {
            if f.len() % 2 == 1 {
                f.push(0);
            }
        }
        let input = encapsulated(&header, &[], &[&planted]);
        let out = sanitizer.sanitize(&input).unwrap();
        assert!(!out.bytes.windows(8).any(|w| w == b"DOE^JANE"), "{name}");
        let found = out
            .report
            .findings
            .iter()
            .find(|f| f.code == "pixel.segments_emptied");
        assert!(
            found.unwrap().message.starts_with("3 APPn or COM"),
            "{name}: {found:?}"
        );
        // In place: the same fragment, its text zeroed; it decodes to the same samples.
        let want = encapsulated(&[], &[], &[&expected]);
        assert_eq!(
            out.bytes[out.bytes.len() - want.len()..],
            want[..],
            "{name}"
        );
        let original = decode_with(tool, &input).samples;
        assert_eq!(decode_with(tool, &out.bytes).samples, original, "{name}");
        // The report still describes the original's pixel data.
        let check = dicom_sanitizer::verify_original(&input, &out.bytes, &out.report);
        assert!(check.valid, "{name}: {:?}", check.mismatches);
    }
}

#[test]
fn decoded_frames_need_8_or_16_bits_allocated() {
    let (mut header, frame) = burned::repeated(case("jpeg-lossless-sv1-gray16"), 1);
    // Bits Allocated (0028,0100) US 16, made 32.
    let at = header
        .windows(10)
        .position(|w| w == [0x28, 0x00, 0x00, 0x01, b'U', b'S', 2, 0, 16, 0])
        .unwrap();
    header[at + 8] = 32;
    let e = dicom_sanitizer::Sanitizer::new(settings())
        .unwrap()
        .sanitize(&encapsulated(&header, &[], &[&frame]))
        .unwrap_err();
    assert_eq!(e.code(), "pixel.unsupported", "{e}");
}

fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&(body.len() as u16 + 2).to_be_bytes());
    s.extend_from_slice(body);
    s
}

fn codes(report: &dicom_sanitizer::Report) -> Vec<&str> {
    report.findings.iter().map(|f| f.code.as_str()).collect()
}

#[test]
fn bytes_after_eoi_are_dropped_when_blanked_and_zeroed_when_not() {
    // Blanked: the fixtures with junk after EOI (checked band by band by the tests above) lose
    // it; the block walker says so, the decoding codecs write frames anew from their samples.
    for c in CASES.iter().filter(|c| c.name.contains("after-eoi")) {
        let input = c.encoded();
        assert!(input.windows(14).any(|w| w == &burned::TRAILER[4..18]));
        let (output, report) = blank(c, &input);
        assert!(!output.windows(4).any(|w| w == b"JUNK"), "{}", c.name);
        let found = report["report"]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "pixel.after_eoi_removed");
        let walked = c.transfer_syntax == burned::JPEG_BASELINE;
        assert_eq!(found, walked, "{}", c.name);
    }
    // Frames padded with zeros past the one byte DICOM needs, with no offset table: each frame
    // still ends with its fragment.
    let (header, frame) = burned::repeated(case("jpeg-baseline-gray"), 3);
    let padded = [&frame[..], &[0; 6]].concat();
    let input = encapsulated(&header, &[], &[&padded, &padded, &padded]);
    let out = dicom_sanitizer::Sanitizer::new(settings())
        .unwrap()
        .sanitize(&input)
        .unwrap();
    assert_eq!(
        decode_with(&["dcmdjpeg"], &out.bytes).samples.len(),
        3 * 48 * 100
    );
    // Junk after each frame's EOI, no offset table: DCMTK and GDCM find the frames (by their
    // fragments), and so does the blanker, at the start marker of the next one, also when a
    // frame spans two fragments; the output is that of the same frames without the junk.
    let blanker = dicom_sanitizer::Sanitizer::new(settings()).unwrap();
    for (name, tool) in [
        ("jpeg-baseline-gray", &["dcmdjpeg"][..]),
        ("jpeg-lossless-sv1-gray16", &["dcmdjpeg"][..]),
        ("jpegls-gray16", &["dcmdjpls"][..]),
    ] {
        let (header, frame) = burned::repeated(case(name), 3);
        let junk = [&frame[..], burned::TRAILER].concat();
        let (a, b) = junk.split_at((frame.len() / 2) & !1);
        let clean = encapsulated(&header, &[], &[&frame, &frame, &frame]);
        let want = blanker.sanitize(&clean).unwrap().bytes;
        // GDCM needs one fragment per frame here; DCMTK also reads a frame in two.
        let gdcm = &["gdcmconv", "--raw"][..];
        for (fragments, readers) in [
            (vec![&junk[..], &junk, &junk], vec![tool, gdcm]),
            (vec![&junk, a, b, &junk], vec![tool]),
        ] {
            let input = encapsulated(&header, &[], &fragments);
            for t in readers {
                assert_eq!(
                    decode_with(t, &input).samples,
                    decode_with(t, &clean).samples,
                    "{name}: {t:?} reads the frames"
                );
            }
            let out = blanker.sanitize(&input).unwrap();
            assert!(out.bytes == want, "{name}, {} fragments", fragments.len());
        }
    }
    // Not blanked: zeroed in place to the end of the fragment, which keeps its length; the
    // frame decodes as before. Zero padding alone is left as it is, with no finding.
    let mut settings = dicom_sanitizer::Settings::new().key(KEY.as_bytes());
    settings.burned_in = dicom_sanitizer::BurnedIn::Allow;
    let sanitizer = dicom_sanitizer::Sanitizer::new(settings).unwrap();
    let tools: [(&str, &[&str]); 3] = [
        ("jpeg-baseline-gray", &["dcmdjpeg"]),
        ("jpeg-lossless-sv1-gray16", &["dcmdjpeg"]),
        ("jpegls-gray16", &["dcmdjpls"]),
    ];
    for (name, tool) in tools {
        let (header, frame) = burned::repeated(case(name), 1);
        let padded = [&frame[..], &[0; 6]].concat();
        let input = encapsulated(&header, &[], &[&padded]);
        let out = sanitizer.sanitize(&input).unwrap();
        assert_eq!(
            out.bytes[out.bytes.len() - (input.len() - header.len())..],
            input[header.len()..]
        );
        assert!(
            !codes(&out.report).contains(&"pixel.after_eoi_removed"),
            "{name}"
        );
        let junk = [&frame[..], burned::TRAILER].concat();
        let input = encapsulated(&header, &[], &[&junk]);
        let out = sanitizer.sanitize(&input).unwrap();
        assert!(!out.bytes.windows(4).any(|w| w == b"JUNK"), "{name}");
        let zeroed = [&frame[..], &[0; 20]].concat();
        let want = encapsulated(&[], &[], &[&zeroed]);
        assert_eq!(
            out.bytes[out.bytes.len() - want.len()..],
            want[..],
            "{name}"
        );
        assert!(
            codes(&out.report).contains(&"pixel.after_eoi_removed"),
            "{name}"
        );
        let original = decode_with(tool, &input).samples;
        assert_eq!(decode_with(tool, &out.bytes).samples, original, "{name}");
        let gdcm = decode_with(&["gdcmconv", "--raw"], &out.bytes).samples;
        assert_eq!(gdcm, original, "{name}: GDCM");
        // Junk in a fragment of its own after the frame's: zeroed too (it starts no frame).
        let input = encapsulated(&header, &[], &[&frame, &burned::TRAILER[4..]]);
        let out = sanitizer.sanitize(&input).unwrap();
        let want = encapsulated(&[], &[], &[&frame, &[0; 16]]);
        assert_eq!(
            out.bytes[out.bytes.len() - want.len()..],
            want[..],
            "{name}"
        );
        assert!(
            codes(&out.report).contains(&"pixel.after_eoi_removed"),
            "{name}"
        );
        assert_eq!(decode_with(tool, &input).samples, original, "{name}");
        assert_eq!(decode_with(tool, &out.bytes).samples, original, "{name}");
    }
}

/// A JPEG-LS frame wrapped in a SPIFF header (T.84 F.2) as CharLS writes it: header, directory
/// `entries` (tag, data), the end-of-directory entry holding the SOI that follows it.
fn spiff(frame: &[u8], rows: u16, cols: u16, entries: &[(u32, &[u8])]) -> Vec<u8> {
    let mut header = b"SPIFF\0\x02\x00\x00\x01".to_vec();
    header.extend_from_slice(&u32::from(rows).to_be_bytes());
    header.extend_from_slice(&u32::from(cols).to_be_bytes());
    header.extend_from_slice(&[8, 16, 6, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
    let mut out = frame[..2].to_vec();
    out.extend(segment(0xE8, &header));
    for (tag, data) in entries {
        out.extend(segment(0xE8, &[&tag.to_be_bytes()[..], data].concat()));
    }
    out.extend(segment(0xE8, &[0, 0, 0, 1, 0xFF, 0xD8]));
    out.extend_from_slice(&frame[2..]);
    if out.len() % 2 == 1 {
        out.push(0);
    }
    out
}

#[test]
fn jpeg_ls_spiff_headers_pass_and_lose_only_their_text_entries() {
    let mut allow = dicom_sanitizer::Settings::new().key(KEY.as_bytes());
    allow.burned_in = dicom_sanitizer::BurnedIn::Allow;
    let sanitizer = dicom_sanitizer::Sanitizer::new(allow).unwrap();
    let c = case("jpegls-gray16");
    let (header, frame) = burned::repeated(c, 1);
    let original = decode_with(&["dcmdjpls"], &encapsulated(&header, &[], &[&frame])).samples;
    // Numbers only (transfer characteristics, orientation): byte for byte, no finding.
    let plain = spiff(&frame, c.rows, c.cols, &[(2, &[1]), (4, &[0; 4])]);
    let input = encapsulated(&header, &[], &[&plain]);
    let out = sanitizer.sanitize(&input).unwrap();
    let tail = input.len() - header.len();
    assert_eq!(out.bytes[out.bytes.len() - tail..], input[header.len()..]);
    assert!(!codes(&out.report).contains(&"pixel.segments_emptied"));
    // A title naming the patient and a creator: their data zeroed after their tags.
    let entries: [(u32, &[u8]); 3] = [(6, b"DOE^JANE"), (2, &[1]), (10, b"St Elsewhere")];
    let text = spiff(&frame, c.rows, c.cols, &entries);
    let cleaned = spiff(
        &frame,
        c.rows,
        c.cols,
        &[(6, &[0; 8]), (2, &[1]), (10, &[0; 12])],
    );
    let input = encapsulated(&header, &[], &[&text]);
    let out = sanitizer.sanitize(&input).unwrap();
    assert!(!out.bytes.windows(8).any(|w| w == b"DOE^JANE"));
    let want = encapsulated(&[], &[], &[&cleaned]);
    assert_eq!(out.bytes[out.bytes.len() - want.len()..], want[..]);
    let found = out
        .report
        .findings
        .iter()
        .find(|f| f.code == "pixel.segments_emptied");
    assert!(found.unwrap().message.starts_with("2 APPn"), "{found:?}");
    for tool in [&["dcmdjpls"][..], &["gdcmconv", "--raw"]] {
        assert_eq!(
            decode_with(tool, &input).samples,
            original,
            "{tool:?} input"
        );
        assert_eq!(decode_with(tool, &out.bytes).samples, original, "{tool:?}");
    }
    // Blanked, the frame is decoded (the SPIFF header read past) and written anew.
    let out = dicom_sanitizer::Sanitizer::new(settings())
        .unwrap()
        .sanitize(&input)
        .unwrap();
    assert!(!out.bytes.windows(8).any(|w| w == b"DOE^JANE"));
    let cols = c.cols as usize;
    let decoded = decode_with(&["dcmdjpls"], &out.bytes).samples;
    for (p, (&got, &was)) in decoded.iter().zip(&original).enumerate() {
        let want = if Case::in_band(p % cols, p / cols) {
            0
        } else {
            was
        };
        assert_eq!(got, want, "pixel {p}");
    }
}
