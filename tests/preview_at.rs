//! Previews of files read by position (`render_frame_at`, `describe_at`): the header and the
//! one frame are read, never the rest, and the frame renders as it does alone in a file of its
//! own. Native frames; RLE with one fragment per frame; JPEG-LS frames split over fragments, found
//! by their Basic Offset Table or, without one, by their end-of-image markers. A reader that fails
//! is `preview.read_failed`.

#[path = "../codecs/tests/common/mod.rs"]
mod codec_common;

use codec_common::Layout;
use dicom_sanitizer::codecs::{jpegls, rle, Image};
use dicom_sanitizer::{describe_at, render_frame, render_frame_at, Picture, ReadAt};

const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";
const JPEG_LS: &str = "1.2.840.10008.1.2.4.80";

/// A file in memory that counts what is read of it.
struct Counted<'a> {
    file: &'a [u8],
    bytes: u64,
    reads: u64,
}

impl<'a> Counted<'a> {
    fn new(file: &'a [u8]) -> Counted<'a> {
        Counted {
            file,
            bytes: 0,
            reads: 0,
        }
    }
}

impl ReadAt for Counted<'_> {
    fn size(&self) -> u64 {
        self.file.len() as u64
    }

    fn read_at(&mut self, at: u64, len: usize) -> Result<Vec<u8>, String> {
        let got = (&mut &*self.file).read_at(at, len)?;
        self.bytes += got.len() as u64;
        self.reads += 1;
        Ok(got)
    }
}

/// Frame `f` of a 32×24 8-bit grey image: a gradient that moves with the frame, and noise.
fn frame(f: usize) -> Vec<u16> {
    (0..32 * 24)
        .map(|i| ((i % 32 * 7 + i / 32 * 3 + f * 11 + ((i * 2654435761) >> 13) % 61) % 256) as u16)
        .collect()
}

fn layout(frames: u16) -> Layout {
    Layout::new("MONOCHROME2", 8, 24, 32, frames)
}

/// One fragment of RLE: one segment (8-bit grey), PackBits row by row.
fn rle_frame(samples: &[u16]) -> Vec<u8> {
    let mut out = vec![0u8; 64];
    out[0] = 1;
    out[4] = 64;
    let bytes: Vec<u8> = samples.iter().map(|&v| v as u8).collect();
    for row in bytes.chunks(32) {
        rle::encode(row, &mut out);
    }
    out
}

fn jpegls_frame(samples: &[u16]) -> Vec<u8> {
    let image = Image {
        width: 32,
        height: 24,
        components: 1,
        precision: 8,
        samples: samples.to_vec(),
    };
    let mut out = Vec::new();
    jpegls::encode(&image, &mut out);
    out
}

/// An encapsulated file whose frames are split in two fragments each, with a Basic Offset
/// Table listing the frames or an empty one.
fn split_file(frames: &[Vec<u8>], table: bool) -> Vec<u8> {
    let mut fragments = Vec::new();
    let mut offsets = Vec::new();
    let mut at = 0u32;
    for f in frames {
        let f = f.clone();
        let half = (f.len() / 2) & !1;
        offsets.push(at);
        let (a, b) = (f[..half].to_vec(), f[half..].to_vec());
        at += 8 + a.len() as u32 + 8 + (b.len() + b.len() % 2) as u32;
        fragments.push(a);
        fragments.push(b);
    }
    let file = layout(frames.len() as u16).encapsulated_file(JPEG_LS, &fragments);
    if !table {
        return file;
    }
    // The empty table's item header is the first one after Pixel Data's: give it the offsets.
    let empty = [0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0];
    let at = file.windows(8).position(|w| w == empty).unwrap();
    let mut out = file[..at + 4].to_vec();
    out.extend_from_slice(&(4 * offsets.len() as u32).to_le_bytes());
    out.extend(offsets.iter().flat_map(|o| o.to_le_bytes()));
    out.extend_from_slice(&file[at + 8..]);
    out
}

/// Frame `f` of `file`, read by position, renders as that frame alone does, reading at most
/// `budget` bytes; the header alone is read to describe it.
fn renders_alone(name: &str, file: &[u8], alone: &[u8], f: u32, budget: u64) {
    let mut source = Counted::new(file);
    let got = render_frame_at(&mut source, f, Some(64)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let want = render_frame(alone, 0, Some(64)).unwrap();
    assert_eq!(got.picture, want.picture, "{name}: frame {f}");
    assert!(matches!(got.picture, Picture::Rgba { .. }));
    assert!(
        source.bytes <= budget,
        "{name}: frame {f}: {} bytes read of {} ({} reads)",
        source.bytes,
        file.len(),
        source.reads
    );
    let mut source = Counted::new(file);
    let d = describe_at(&mut source).unwrap();
    assert_eq!(d.frames as usize, file_frames(name));
    assert!(source.bytes <= 256 << 10, "{name}: the header alone");
}

fn file_frames(name: &str) -> usize {
    if name.starts_with("native") {
        NATIVE_FRAMES
    } else {
        FRAMES
    }
}

const FRAMES: usize = 1500;
const NATIVE_FRAMES: usize = 3000;
/// The first read: the header's guess (256 KiB).
const HEADER: u64 = 256 << 10;

#[test]
fn a_frame_is_read_with_the_header_and_nothing_else() {
    // Native: 3,000 frames (2.3 MB); the header read, then the frame's 768 bytes.
    let all: Vec<Vec<u16>> = (0..NATIVE_FRAMES).map(frame).collect();
    let native = layout(NATIVE_FRAMES as u16).native_file(&all);
    assert!(native.len() > 2 << 20);
    for f in [0, 1, 1234, NATIVE_FRAMES - 1] {
        let alone = layout(1).native_file(&all[f..f + 1]);
        renders_alone("native", &native, &alone, f as u32, HEADER + 768);
    }

    // Encapsulated: item headers (8 bytes each, twice: counted, then chosen) and the frame.
    let items = |n: usize| 2 * 8 * (n as u64 + 2);
    let coded: Vec<Vec<u8>> = (0..FRAMES).map(|f| rle_frame(&frame(f))).collect();
    let file = layout(FRAMES as u16).encapsulated_file(RLE_LOSSLESS, &coded);
    assert!(file.len() as u64 > 4 * HEADER);
    for f in [0, 777, FRAMES - 1] {
        let alone = layout(1).encapsulated_file(RLE_LOSSLESS, &coded[f..f + 1]);
        let budget = HEADER + items(FRAMES) + coded[f].len() as u64;
        renders_alone("rle", &file, &alone, f as u32, budget);
    }

    let coded: Vec<Vec<u8>> = (0..FRAMES).map(|f| jpegls_frame(&frame(f))).collect();
    for table in [true, false] {
        let name = if table {
            "jpeg-ls, table"
        } else {
            "jpeg-ls, markers"
        };
        let file = split_file(&coded, table);
        assert!(file.len() as u64 > 2 * HEADER, "{}", file.len());
        for f in [0, 555, FRAMES - 1] {
            let alone = layout(1).encapsulated_file(JPEG_LS, &coded[f..f + 1]);
            // By markers: each fragment's last 16 bytes too.
            let tails = if table { 0 } else { 16 * 2 * FRAMES as u64 };
            let budget = HEADER + 4 * FRAMES as u64 + items(2 * FRAMES) + tails;
            renders_alone(
                name,
                &file,
                &alone,
                f as u32,
                budget + coded[f].len() as u64 + 1,
            );
        }
    }
}

#[test]
fn a_reader_that_fails_is_a_coded_error() {
    struct Failing(u64);
    impl ReadAt for Failing {
        fn size(&self) -> u64 {
            self.0
        }
        fn read_at(&mut self, _: u64, _: usize) -> Result<Vec<u8>, String> {
            Err("the disk went away".into())
        }
    }
    let e = render_frame_at(&mut Failing(1 << 20), 0, None).unwrap_err();
    assert_eq!(e.code(), "preview.read_failed");
    assert!(e.to_string().contains("the disk went away"), "{e}");
    // A reader that gives fewer bytes than the size it claims: a truncated file.
    let file = layout(1).native_file(&[frame(0)]);
    struct Short<'a>(&'a [u8]);
    impl ReadAt for Short<'_> {
        fn size(&self) -> u64 {
            self.0.len() as u64 * 2
        }
        fn read_at(&mut self, at: u64, len: usize) -> Result<Vec<u8>, String> {
            (&mut &*self.0).read_at(at, len)
        }
    }
    let e = render_frame_at(&mut Short(&file), 0, None).unwrap_err();
    assert_eq!(e.code(), "read.truncated");
}
