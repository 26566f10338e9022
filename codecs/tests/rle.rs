//! RLE Lossless frames encoded by DCMTK (`dcmcrle`), blanked by `rle::Blanker` and decoded by
//! DCMTK (`dcmdrle`) and GDCM (`gdcmconv --raw`): the fill inside the regions, the input outside.
//! Broken fragments are refused as malformed, never with a panic.

mod common;

use common::{fragments, native_words, Built, Layout};
use pixel_codecs::{rle, BlankFrame, Clip, CodecError};
use test_tools::run;

const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";

fn layouts() -> Vec<Layout> {
    vec![
        Layout::new("MONOCHROME2", 8, 13, 300, 2),
        Layout::new("MONOCHROME2", 16, 21, 17, 1).stored(12),
        Layout::new("MONOCHROME2", 16, 9, 140, 3),
        Layout::new("RGB", 8, 17, 23, 2),
        Layout::new("YBR_FULL", 8, 16, 31, 1),
    ]
}

/// Black: zero, and chroma at its middle for YBR.
fn fills(layout: &Layout) -> Vec<u64> {
    let mid = 1u64 << (layout.precision() - 1);
    (0..layout.spp)
        .map(|s| match layout.photometric.starts_with("YBR") && s > 0 {
            true => mid,
            false => 0,
        })
        .collect()
}

#[test]
fn dcmtk_frames_are_blanked_inside_the_regions_only() {
    let regions = [
        Clip {
            x0: 2,
            x1: 11,
            y0: 3,
            y1: 8,
        },
        Clip {
            x0: 0,
            x1: 1,
            y0: 0,
            y1: 1,
        },
    ];
    for layout in layouts() {
        let built = Built::new(layout.clone());
        let input = run("dcmcrle", &[], &built.native_file());
        let (ts, frames) = fragments(&input);
        assert_eq!(ts, RLE_LOSSLESS);
        let fill = fills(&layout);
        let mut codec = rle::Blanker::new(
            u64::from(layout.rows),
            u64::from(layout.cols),
            u64::from(layout.bits / 8),
            &fill,
        )
        .unwrap();
        let blanked: Vec<Vec<u8>> = frames
            .iter()
            .map(|f| {
                let mut out = Vec::new();
                codec.blank(f, &regions, &mut out).expect("blanked");
                assert!(out.len() as u64 <= codec.max_fragment());
                out
            })
            .collect();
        let out = layout.encapsulated_file(RLE_LOSSLESS, &blanked);
        let what = format!("{layout:?}");
        for decoder in [&["dcmdrle"][..], &["gdcmconv", "--raw"]] {
            let got = native_words(&run(decoder[0], &decoder[1..], &out), &layout);
            assert_eq!(got.len(), built.frames.len(), "{what}");
            for (f, (got, want)) in got.iter().zip(&built.frames).enumerate() {
                for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
                    let (p, s) = (i / usize::from(layout.spp), i % usize::from(layout.spp));
                    let (x, y) = (
                        (p % usize::from(layout.cols)) as u64,
                        (p / usize::from(layout.cols)) as u64,
                    );
                    let inside = regions
                        .iter()
                        .any(|r| (r.x0..r.x1).contains(&x) && (r.y0..r.y1).contains(&y));
                    let want = if inside { fill[s] as u16 } else { w };
                    assert_eq!(
                        g, want,
                        "{what} by {decoder:?}: frame {f} ({x}, {y}) sample {s}"
                    );
                }
            }
        }
    }
}

#[test]
fn broken_fragments_are_malformed_and_never_panic() {
    let layout = Layout::new("RGB", 8, 17, 23, 1);
    let built = Built::new(layout.clone());
    let (_, frames) = fragments(&run("dcmcrle", &[], &built.native_file()));
    let frame = &frames[0];
    let mut codec = rle::Blanker::new(17, 23, 1, &[0, 0, 0]).unwrap();
    let region = [Clip {
        x0: 1,
        x1: 5,
        y0: 1,
        y1: 5,
    }];
    for len in [0, 10, 63, 64, 100, frame.len() / 2, frame.len() - 3] {
        let r = codec.blank(&frame[..len], &region, &mut Vec::new());
        assert!(
            matches!(r, Err(CodecError::Malformed(_))),
            "cut to {len}: {r:?}"
        );
    }
    for at in 0..frame.len() {
        let mut bad = frame.clone();
        bad[at] ^= 0x5A;
        let _ = codec.blank(&bad, &region, &mut Vec::new());
    }
    // Layouts RLE cannot hold are unsupported: 16 segments, or a frame past one fragment.
    assert!(matches!(
        rle::Blanker::new(1, 1, 2, &[0; 8]),
        Err(CodecError::Unsupported(_))
    ));
    assert!(matches!(
        rle::Blanker::new(1 << 16, 1 << 16, 1, &[0]),
        Err(CodecError::Unsupported(_))
    ));
}
