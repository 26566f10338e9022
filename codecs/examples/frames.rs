//! `frames FILE [RUNS]`: the codecs alone on the frames of an encapsulated Part 10 file
//! (explicit VR little endian, one fragment a frame, as `make frames` writes them), in process:
//! every frame decoded, then every frame blanked (decoded, the bench's 300×40 band set, encoded
//! again), best of RUNS passes. No process start-up, reading, hashing or writing: `make bench`
//! (bench/blank.mjs) prints it beside the whole processes. Prints one JSON line with the
//! microseconds a frame of each pass.

use pixel_codecs::{jpeg, jpeg2000, jpegls, lossless, rle, BlankFrame, Clip, Shape, Transcoder};
use std::time::Instant;

/// The band bench/blank.mjs blanks: x 16, y 16, 300×40.
const BAND: Clip = Clip {
    x0: 16,
    x1: 316,
    y0: 16,
    y1: 56,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (path, runs) = match args.as_slice() {
        [path] => (path, 3),
        [path, runs] => (path, runs.parse().expect("RUNS")),
        _ => fail("usage: frames FILE [RUNS]"),
    };
    let file = std::fs::read(path).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    let us = |element: u16| {
        let value = find_element(&file, 0x0028, element, *b"US").expect("image attribute");
        u64::from(u16::from_le_bytes([value[0], value[1]]))
    };
    let shape = Shape {
        rows: us(0x0010),
        cols: us(0x0011),
        components: us(0x0002),
        bits: us(0x0100),
    };
    let syntax = find_element(&file, 0x0002, 0x0010, *b"UI").expect("transfer syntax");
    let syntax = std::str::from_utf8(syntax).unwrap().trim_end_matches('\0');
    let ybr = find_element(&file, 0x0028, 0x0004, *b"CS").is_some_and(|v| v.starts_with(b"YBR"));
    let fills: Vec<u16> = (0..shape.components)
        .map(|c| if ybr && c > 0 { 128 } else { 0 })
        .collect();
    let frames = fragments(&file);
    let max = shape.rows * shape.cols * shape.components;
    let (rows, cols) = (shape.rows as u32, shape.cols as u32);
    let (spp, bits) = (shape.components as u32, shape.bits as u32);
    type Decode = Box<dyn Fn(&[u8]) -> bool>;
    let (decode, mut blanker): (Option<Decode>, Box<dyn BlankFrame>) = match syntax {
        "1.2.840.10008.1.2.4.57" | "1.2.840.10008.1.2.4.70" => (
            Some(Box::new(move |f| lossless::decode(f, max).is_ok())),
            Box::new(Transcoder::jpeg_lossless(shape, fills)),
        ),
        "1.2.840.10008.1.2.4.80" | "1.2.840.10008.1.2.4.81" => (
            Some(Box::new(move |f| jpegls::decode(f, max).is_ok())),
            Box::new(Transcoder::jpegls(shape, fills)),
        ),
        "1.2.840.10008.1.2.4.90" | "1.2.840.10008.1.2.4.91" => (
            Some(Box::new(move |f| jpeg2000::decode(f, max).is_ok())),
            Box::new(Transcoder::j2k_to_jpegls(shape, fills)),
        ),
        "1.2.840.10008.1.2.5" => (
            Some(Box::new(move |f| {
                rle::decode_frame(f, rows, cols, spp, bits).is_ok()
            })),
            Box::new(
                rle::Blanker::new(
                    shape.rows,
                    shape.cols,
                    shape.bits / 8,
                    &fills.iter().map(|&f| u64::from(f)).collect::<Vec<_>>(),
                )
                .expect("an RLE layout"),
            ),
        ),
        // JPEG Baseline and Extended are blanked in the coded domain: nothing is decoded.
        "1.2.840.10008.1.2.4.50" | "1.2.840.10008.1.2.4.51" => (
            None,
            Box::new(jpeg::Blanker {
                rows: shape.rows,
                cols: shape.cols,
                fills,
            }),
        ),
        other => fail(&format!(
            "{path}: transfer syntax {other} is not one of the bench's"
        )),
    };
    let best = |pass: &mut dyn FnMut()| {
        (0..runs)
            .map(|_| {
                let started = Instant::now();
                pass();
                started.elapsed().as_secs_f64() * 1e6 / frames.len() as f64
            })
            .fold(f64::INFINITY, f64::min)
    };
    let decode_us = decode.map(|d| {
        best(&mut || {
            for f in &frames {
                assert!(d(f), "a frame does not decode");
            }
        })
    });
    let mut out = Vec::new();
    let blank_us = best(&mut || {
        for f in &frames {
            out.clear();
            blanker.blank(f, &[BAND], &mut out).expect("a frame blanks");
        }
    });
    let decode_us = decode_us.map_or("null".to_string(), |d| format!("{d:.1}"));
    println!(
        "{{\"frames\":{},\"decode_us\":{decode_us},\"blank_us\":{blank_us:.1}}}",
        frames.len()
    );
}

fn fail(why: &str) -> ! {
    eprintln!("{why}");
    std::process::exit(2)
}

/// The value of the first element (group, element) of explicit VR `vr` with a 16-bit length.
fn find_element(file: &[u8], group: u16, element: u16, vr: [u8; 2]) -> Option<&[u8]> {
    let [g0, g1] = group.to_le_bytes();
    let [e0, e1] = element.to_le_bytes();
    let tag = [g0, g1, e0, e1, vr[0], vr[1]];
    let at = file.windows(6).position(|w| w == tag)? + 6;
    let len = usize::from(u16::from_le_bytes([file[at], file[at + 1]]));
    file.get(at + 2..at + 2 + len)
}

/// The fragments of the encapsulated Pixel Data (7FE0,0010), after its Basic Offset Table.
fn fragments(file: &[u8]) -> Vec<&[u8]> {
    let start = [
        0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
    ];
    let mut at = file
        .windows(start.len())
        .rposition(|w| w == start)
        .expect("encapsulated Pixel Data")
        + start.len();
    let mut items = Vec::new();
    while let Some(h) = file.get(at..at + 8) {
        let len = u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as usize;
        if h[..4] != [0xFE, 0xFF, 0x00, 0xE0] {
            break; // the sequence delimiter
        }
        items.push(&file[at + 8..at + 8 + len]);
        at += 8 + len;
    }
    items.split_off(1)
}
