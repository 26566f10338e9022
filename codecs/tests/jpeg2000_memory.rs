//! Memory of JPEG 2000 at mammogram size (4096×3328, 12 bits in 16, one tile): blanking a frame
//! GDCM encoded (lossless, and lossy) through `BlankFrame` peaks at its coded bytes, the
//! JPEG-LS it writes and a few MiB, under the 64 MiB the project allows a wasm instance; the
//! output decodes to black in the region and to the input elsewhere. Decoding alone, through
//! `read_rows`, is compared with hayro-jpeg2000 decoding it whole (what this crate did before).
//! A counting allocator measures the heap; this binary runs only this test.

mod common;
mod counting;

use common::{fragments, Layout};
use counting::{peak_of, serial};
use pixel_codecs::{jpeg2000, jpegls, BlankFrame, Clip, Shape, Transcoder};
use test_tools::run;

const LIMIT: usize = 64 << 20;
const MIB: f64 = 1048576.0;

/// A breast-like blob on a dark background, with noise, 12 bits in 16.
fn mammogram() -> (Layout, Vec<u16>) {
    let (w, h) = (4096usize, 3328usize);
    let mut s = 12345u32;
    let mut samples = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let (dx, dy) = (x as f64 / w as f64, y as f64 / h as f64 - 0.5);
            let v = match dx * dx + dy * dy < 0.3 {
                true => 1500.0 + 1500.0 * (1.0 - dx) + (s % 200) as f64,
                false => (s % 8) as f64,
            };
            samples.push(v.min(4095.0) as u16);
        }
    }
    (
        Layout::new("MONOCHROME2", 16, 3328, 4096, 1).stored(12),
        samples,
    )
}

#[test]
fn a_mammogram_blanks_in_bounded_memory() {
    let _turn = serial();
    let (layout, samples) = mammogram();
    let native = layout.native_file(std::slice::from_ref(&samples));
    let region = Clip {
        x0: 100,
        x1: 1900,
        y0: 200,
        y1: 520,
    };
    for args in [
        &["--j2k"][..],
        &["--j2k", "--lossy", "--irreversible", "-r", "10"],
    ] {
        let encoded = run("gdcmconv", args, &native);
        let (_, frames) = fragments(&encoded);
        let frame = &frames[0];
        let shape = Shape {
            rows: 3328,
            cols: 4096,
            components: 1,
            bits: 16,
        };
        let mut codec = Transcoder::j2k_to_jpegls(shape, vec![0]);
        let mut out = Vec::new();
        let (done, blanking) = peak_of(|| codec.blank(frame, &[region], &mut out));
        done.expect("blanked");
        eprintln!(
            "{args:?}: coded {:.1} MiB, JPEG-LS out {:.1} MiB; peak heap blanking {:.1} MiB",
            frame.len() as f64 / MIB,
            out.len() as f64 / MIB,
            blanking as f64 / MIB,
        );
        // The coded frame is the caller's; the output and the decoder's stripes are counted.
        assert!(
            blanking < 2 * out.len() + (16 << 20),
            "{args:?}: {blanking} B"
        );
        assert!(frame.len() + blanking < LIMIT, "{args:?}: {blanking} B");

        // Decoding alone, by rows, against hayro decoding it whole.
        let (rows, ours) = peak_of(|| {
            let mut d = jpeg2000::Decoder::new(frame, 1 << 26).unwrap();
            let mut rows = vec![0u16; 4096 * 16];
            let mut all = Vec::new();
            while let n @ 1.. = d.read_rows(&mut rows).unwrap() {
                all.extend(
                    rows[..n * 4096]
                        .iter()
                        .map(|&v| u64::from(v))
                        .sum::<u64>()
                        .to_le_bytes(),
                );
            }
            all
        });
        let ((), hayro) = peak_of(|| {
            let settings = hayro_jpeg2000::DecodeSettings {
                resolve_palette_indices: false,
                strict: false,
                target_resolution: None,
            };
            let image = hayro_jpeg2000::Image::new(frame, &settings).unwrap();
            let mut ctx = hayro_jpeg2000::DecoderContext::default();
            let decoded = image.decode(&mut ctx).unwrap();
            assert_eq!(decoded.components()[0].samples().len(), 4096 * 3328);
        });
        eprintln!(
            "{args:?}: peak heap decoding by rows {:.1} MiB, hayro whole {:.1} MiB",
            ours as f64 / MIB,
            hayro as f64 / MIB
        );
        assert!(!rows.is_empty() && ours < 16 << 20, "{args:?}: {ours} B");

        // The output: black in the region, the input's decoding elsewhere.
        let reference = jpeg2000::decode(frame, 1 << 26).unwrap();
        if args.len() == 1 {
            assert!(reference.samples == samples, "lossless");
        }
        let blanked = jpegls::decode(&out, 1 << 26).unwrap();
        for (i, (&got, &want)) in blanked.samples.iter().zip(&reference.samples).enumerate() {
            let (x, y) = ((i % 4096) as u64, (i / 4096) as u64);
            let inside = (region.x0..region.x1).contains(&x) && (region.y0..region.y1).contains(&y);
            assert_eq!(got, if inside { 0 } else { want }, "{args:?}: ({x}, {y})");
        }
    }
}
