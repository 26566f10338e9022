//! JPEG 2000 frames: images built in code, encoded by GDCM (`gdcmconv --j2k`, lossless and
//! lossy) and decoded by this crate, compared with the original (lossless) or with GDCM's
//! own decoding (`gdcmconv --raw`, lossy). Malformed frames are refused. Blanked
//! (`Transcoder::j2k_to_jpegls`), they are written in JPEG-LS Lossless that DCMTK and GDCM decode.

mod common;

use common::{fragments, native_words, refuses_broken, Built, Layout};
use pixel_codecs::{jpeg2000, BlankFrame, Clip, CodecError, Image, Shape, Transcoder};
use test_tools::run;

const MAX: u64 = 1 << 24;

/// Frames of `layout` blanked at columns 2..11, rows 3..8, to black, as JPEG-LS in a file.
fn blanked(layout: &Layout, frames: &[Vec<u8>]) -> Vec<u8> {
    let shape = Shape {
        rows: u64::from(layout.rows),
        cols: u64::from(layout.cols),
        components: u64::from(layout.spp),
        bits: u64::from(layout.bits),
    };
    let mut codec = Transcoder::j2k_to_jpegls(shape, vec![0; usize::from(layout.spp)]);
    let region = Clip {
        x0: 2,
        x1: 11,
        y0: 3,
        y1: 8,
    };
    let out: Vec<Vec<u8>> = frames
        .iter()
        .map(|f| {
            let mut out = Vec::new();
            codec.blank(f, &[region], &mut out).expect("blanked");
            out
        })
        .collect();
    layout.encapsulated_file("1.2.840.10008.1.2.4.80", &out)
}

/// GDCM 3.0's J2K encoder aborts or crashes on 8-bit images under 16×16: no smaller sizes.
fn layouts() -> Vec<Layout> {
    let twelve = Layout::new("MONOCHROME2", 16, 17, 31, 2).stored(12);
    vec![
        Layout::new("MONOCHROME2", 8, 19, 21, 1),
        twelve,
        Layout::new("MONOCHROME2", 16, 33, 19, 3),
        Layout::new("RGB", 8, 17, 23, 2),
        Layout::new("MONOCHROME2", 16, 16, 40, 1),
        Layout::new("MONOCHROME1", 8, 64, 64, 1),
    ]
}

/// OpenJPEG needs 2^(resolutions - 1) samples on the shorter side.
fn gdcm_frames(built: &Built, args: &[&str]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let short = built.layout.rows.min(built.layout.cols);
    let levels = (16 - short.leading_zeros()).min(6).to_string();
    let args = [args, &["-n", &levels]].concat();
    let encoded = run("gdcmconv", &args, &built.native_file());
    let (ts, frames) = fragments(&encoded);
    assert!(ts.starts_with("1.2.840.10008.1.2.4.9"), "{ts}");
    assert_eq!(frames.len(), built.frames.len(), "one fragment per frame");
    (encoded, frames)
}

fn assert_same(got: Result<Image, CodecError>, want: &Image, what: &str) {
    let got = got.unwrap_or_else(|e| panic!("{what}: {e:?}"));
    assert_eq!(
        (got.width, got.height, got.components),
        (want.width, want.height, want.components),
        "{what}"
    );
    // GDCM codes signed samples at Bits Allocated: compare within Bits Stored.
    assert!(got.precision >= want.precision, "{what}");
    let mask = ((1u32 << want.precision) - 1) as u16;
    let masked: Vec<u16> = got.samples.iter().map(|v| v & mask).collect();
    assert!(masked == want.samples, "{what}: samples differ");
}

#[test]
fn gdcm_lossless_frames_decode_to_the_original_samples() {
    for native in layouts() {
        let built = Built::new(native);
        let (_, frames) = gdcm_frames(&built, &["--j2k"]);
        for (f, frame) in frames.iter().enumerate() {
            assert!(
                frame.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]),
                "a raw codestream"
            );

            assert_same(
                jpeg2000::decode(frame, MAX),
                &built.image(f),
                built.layout.photometric,
            );
        }
    }
}

/// Signed samples come out as two's complement in Bits Stored, as JPEG Lossless gives them.
#[test]
fn gdcm_signed_frames_decode_to_the_stored_bit_patterns() {
    for stored in [12, 16] {
        let built = Built::new(Layout {
            stored: Some(stored),
            ..Layout::new("MONOCHROME2", 16, 21, 11, 1)
        })
        .signed();
        let (_, frames) = gdcm_frames(&built, &["--j2k"]);
        assert_same(jpeg2000::decode(&frames[0], MAX), &built.image(0), "signed");
    }
}

/// Lossy: what GDCM (OpenJPEG) decodes is the reference; float rounding may differ by one.
#[test]
fn gdcm_lossy_frames_decode_as_gdcm_does() {
    for native in layouts() {
        let built = Built::new(native);
        let (encoded, frames) =
            gdcm_frames(&built, &["--j2k", "--lossy", "--irreversible", "-r", "8"]);
        // Unmasked: GDCM codes 12 of 16 bits at precision 16, where lossy values overshoot 4095.
        let reference = native_words(&run("gdcmconv", &["--raw"], &encoded), &built.layout);
        for (f, frame) in frames.iter().enumerate() {
            let got = jpeg2000::decode(frame, MAX).unwrap();
            assert_eq!(got.samples.len(), reference[f].len());

            let worst = got
                .samples
                .iter()
                .zip(&reference[f])
                .map(|(&a, &b)| a.abs_diff(b))
                .max()
                .unwrap_or(0);
            // OpenJPEG's and hayro's 9/7 float arithmetic differ a little at 16 bits.
            let tolerance = if got.precision > 12 { 4 } else { 1 };
            assert!(
                worst <= tolerance,
                "{}: off by {worst}",
                built.layout.photometric
            );
            assert_ne!(got.samples, built.frames[f], "lossy indeed");
        }
    }
}

#[test]
fn broken_gdcm_frames_are_refused_without_panic() {
    let built = Built::new(Layout::new("RGB", 8, 17, 23, 1));
    let (_, frames) = gdcm_frames(&built, &["--j2k"]);
    refuses_broken(
        jpeg2000::decode,
        &frames[0],
        &[0, 2, 4, 30, 45],
        17 * 23 * 3,
    );
}

#[test]
fn mutated_frames_never_panic() {
    let mut streams = Vec::new();
    for (native, lossy) in [
        (Layout::new("RGB", 8, 17, 23, 1), false),
        (Layout::new("MONOCHROME2", 16, 33, 19, 1), true),
        (Layout::new("MONOCHROME2", 16, 16, 40, 1), false),
    ] {
        let built = Built::new(native);
        let args: &[&str] = match lossy {
            true => &["--j2k", "--lossy", "--irreversible", "-r", "8"],
            false => &["--j2k"],
        };
        streams.extend(gdcm_frames(&built, args).1);
    }
    // More, and another seed, with J2K_MUTATIONS=count,seed.
    let (count, mut seed) = std::env::var("J2K_MUTATIONS")
        .ok()
        .and_then(|v| {
            let (n, s) = v.split_once(',')?;
            Some((n.parse().ok()?, s.parse().ok()?))
        })
        .unwrap_or((3000, 0x2545_F491_4F6C_DD1Du64));
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let started = std::time::Instant::now();
    for i in 0..count {
        let mut s = streams[i % streams.len()].clone();
        match next() % 4 {
            0 => s.truncate((next() % s.len() as u64) as usize),
            _ => {
                for _ in 0..1 + next() % 4 {
                    let at = (next() % s.len() as u64) as usize;
                    s[at] = next() as u8;
                }
            }
        }
        let _ = jpeg2000::decode(&s, 1 << 16);
    }
    assert!(started.elapsed().as_secs() < 120 || count > 3000);
}

/// A JP2 file around a codestream: signature, file type, header (ihdr, colr), codestream.
fn jp2(codestream: &[u8], width: u32, height: u32, components: u16, bits: u8) -> Vec<u8> {
    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = (8 + body.len() as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }
    let mut ihdr = height.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&components.to_be_bytes());
    ihdr.extend_from_slice(&[bits - 1, 7, 0, 0]);
    let space: u32 = if components == 3 { 16 } else { 17 }; // sRGB, greyscale
    let mut colr = vec![1, 0, 0];
    colr.extend_from_slice(&space.to_be_bytes());
    let header = [boxed(b"ihdr", &ihdr), boxed(b"colr", &colr)].concat();
    [
        boxed(b"jP  ", &[0x0D, 0x0A, 0x87, 0x0A]),
        boxed(b"ftyp", b"jp2 \0\0\0\0jp2 "),
        boxed(b"jp2h", &header),
        boxed(b"jp2c", codestream),
    ]
    .concat()
}

#[test]
fn jp2_files_decode_like_their_codestream() {
    for native in [
        Layout::new("RGB", 8, 17, 23, 1),
        Layout::new("MONOCHROME2", 16, 33, 19, 1),
    ] {
        let built = Built::new(native);
        let (_, frames) = gdcm_frames(&built, &["--j2k"]);
        let n = &built.layout;
        let file = jp2(
            &frames[0],
            u32::from(n.cols),
            u32::from(n.rows),
            n.spp,
            n.bits as u8,
        );
        assert_same(jpeg2000::decode(&file, MAX), &built.image(0), "JP2");
    }
}

/// Blanked frames are written in JPEG-LS Lossless, one fragment each, that DCMTK (`dcmdjpls`) and
/// GDCM decode to black inside the region and, outside it, to what GDCM decodes the input to:
/// every layout (1 and 3 components, 8, 12 and 16 bits, MONOCHROME1), signed samples too.
#[test]
fn blanked_frames_are_written_in_jpeg_ls_that_dcmtk_and_gdcm_decode() {
    let signed = |stored| {
        Built::new(Layout {
            stored: Some(stored),
            ..Layout::new("MONOCHROME2", 16, 21, 17, 1)
        })
        .signed()
    };
    let cases = layouts().into_iter().map(Built::new);
    for built in cases.chain([signed(12), signed(16)]) {
        let (input, frames) = gdcm_frames(&built, &["--j2k"]);
        let out = blanked(&built.layout, &frames);
        let n = &built.layout;
        let what = format!("{}x{}x{} {} bits", n.cols, n.rows, n.spp, n.bits);
        let reference = native_words(&run("gdcmconv", &["--raw"], &input), n);
        for decoder in [&["dcmdjpls"][..], &["gdcmconv", "--raw"]] {
            let got = native_words(&run(decoder[0], &decoder[1..], &out), n);
            assert_eq!(got.len(), reference.len(), "{what}");
            for (f, (got, want)) in got.iter().zip(&reference).enumerate() {
                for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
                    let p = i / usize::from(n.spp);
                    let (x, y) = (p % usize::from(n.cols), p / usize::from(n.cols));
                    let inside = (2..11).contains(&x) && (3..8).contains(&y);
                    let want = if inside { 0 } else { w };
                    assert_eq!(g, want, "{what} by {decoder:?}: frame {f} ({x}, {y})");
                }
            }
        }
    }
}

/// JPEG 2000 codes 1 to 16 bits in either Bits Allocated; DCMTK and GDCM decode JPEG-LS only at a
/// precision Bits Allocated implies (6 to 8 in 8 bits, 9 to 16 in 16). Blanked frames of fewer
/// bits are encoded at one they decode. GDCM codes at 8 or 16 bits: SIZ's precision is lowered
/// here, to 4 and 8 bits (the samples decode clamped to it).
#[test]
fn blanked_frames_of_few_bits_are_encoded_at_a_precision_dcmtk_and_gdcm_decode() {
    for (bits, precision) in [(8, 4), (16, 8)] {
        let built = Built::new(Layout::new("MONOCHROME2", bits, 24, 32, 1));
        let (_, mut frames) = gdcm_frames(&built, &["--j2k"]);
        frames[0][42] = precision - 1; // Ssiz of the one component
        let reference = jpeg2000::decode(&frames[0], MAX).unwrap();
        assert_eq!(reference.precision, precision);
        let out = blanked(&built.layout, &frames);
        for decoder in [&["dcmdjpls"][..], &["gdcmconv", "--raw"]] {
            let got = native_words(&run(decoder[0], &decoder[1..], &out), &built.layout);
            for (i, (&g, &w)) in got[0].iter().zip(&reference.samples).enumerate() {
                let (x, y) = (i % 32, i / 32);
                let want = match (2..11).contains(&x) && (3..8).contains(&y) {
                    true => 0,
                    false => w,
                };
                assert_eq!(
                    g, want,
                    "{precision} of {bits} bits by {decoder:?}: ({x}, {y})"
                );
            }
        }
    }
}
