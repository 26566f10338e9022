//! JPEG Lossless frames: images built in code, encoded by DCMTK (`dcmcjpeg`, every predictor,
//! point transforms) and decoded by this crate; encoded by this crate and decoded by
//! DCMTK (`dcmdjpeg`) and GDCM (`gdcmconv --raw`). Malformed frames are refused.

mod common;

use common::{fragments, native_frames, refuses_broken, Built, Layout};
use pixel_codecs::{lossless, CodecError, Image};
use test_tools::run;

const MAX: u64 = 1 << 24;
const JPEG_LOSSLESS_SV1: &str = "1.2.840.10008.1.2.4.70";

/// The layouts: 8-bit, 12 of 16 stored, 16 full range; grey and RGB; odd sizes; frames.
fn layouts() -> Vec<Layout> {
    let twelve = Layout::new("MONOCHROME2", 16, 17, 31, 2).stored(12);
    vec![
        Layout::new("MONOCHROME2", 8, 13, 7, 1),
        twelve,
        Layout::new("MONOCHROME2", 16, 33, 19, 3),
        Layout::new("RGB", 8, 9, 15, 2),
        Layout::new("MONOCHROME1", 8, 1, 1, 1),
        Layout::new("MONOCHROME2", 16, 1, 40, 1),
    ]
}

/// Same size and samples; the precision coded is at least Bits Stored (DCMTK's true lossless
/// codes the Bits Allocated).
fn assert_same(got: Result<Image, CodecError>, want: &Image, what: &str) {
    let got = got.unwrap_or_else(|e| panic!("{what}: {e:?}"));
    assert_eq!(
        (got.width, got.height, got.components),
        (want.width, want.height, want.components),
        "{what}"
    );
    assert!(got.precision >= want.precision, "{what}");
    assert!(got.samples == want.samples, "{what}: samples differ");
}

/// DCMTK's frames of `built` encoded with `args`, decoded by this crate.
fn dcmtk_frames(built: &Built, args: &[&str]) -> Vec<Result<Image, CodecError>> {
    let encoded = run("dcmcjpeg", args, &built.native_file());
    let (ts, frames) = fragments(&encoded);
    assert!(ts.starts_with("1.2.840.10008.1.2.4."), "{ts}");
    assert_eq!(frames.len(), built.frames.len(), "one fragment per frame");
    frames.iter().map(|f| lossless::decode(f, MAX)).collect()
}

#[test]
fn dcmtk_sv1_frames_decode_to_the_original_samples() {
    for native in layouts() {
        let built = Built::new(native);
        for (f, got) in dcmtk_frames(&built, &["+e1"]).into_iter().enumerate() {
            assert_same(got, &built.image(f), built.layout.photometric);
        }
    }
}

#[test]
fn dcmtk_frames_with_every_predictor_decode_to_the_original_samples() {
    for native in layouts() {
        let built = Built::new(native);
        for sv in 1..=7 {
            let sv = sv.to_string();
            for (f, got) in dcmtk_frames(&built, &["+el", "+sv", &sv])
                .into_iter()
                .enumerate()
            {
                assert_same(got, &built.image(f), &format!("predictor {sv}"));
            }
        }
    }
}

/// A point transform drops low bits: what DCMTK's own decoder gives is the reference.
#[test]
fn dcmtk_point_transform_frames_decode_as_dcmdjpeg_does() {
    for native in layouts().into_iter().take(4) {
        let built = Built::new(native);
        for (sv, pt) in [("1", "2"), ("6", "3"), ("4", "1")] {
            let args = ["+pl", "+cr", "+el", "+sv", sv, "+pt", pt];
            let encoded = run("dcmcjpeg", &args, &built.native_file());
            let reference = native_frames(&run("dcmdjpeg", &[], &encoded), &built.layout);
            let (_, frames) = fragments(&encoded);
            for (f, frame) in frames.iter().enumerate() {
                let got = lossless::decode(frame, MAX).unwrap();
                assert_eq!(got.samples, reference[f], "sv {sv} pt {pt}");
                let mut expected = built.image(f).samples;
                let pt: u32 = pt.parse().unwrap();
                expected.iter_mut().for_each(|v| *v = *v >> pt << pt);
                assert_eq!(got.samples, expected, "the low {pt} bits cleared");
            }
        }
    }
}

#[test]
fn our_frames_decode_to_the_original_in_dcmtk_and_gdcm() {
    for native in layouts() {
        let built = Built::new(native);
        let frames = (0..built.frames.len())
            .map(|f| {
                let mut out = Vec::new();
                lossless::encode(&built.image(f), &mut out);
                out
            })
            .collect::<Vec<_>>();
        let file = built.layout.encapsulated_file(JPEG_LOSSLESS_SV1, &frames);
        let by_dcmtk = native_frames(&run("dcmdjpeg", &[], &file), &built.layout);
        assert_eq!(by_dcmtk, built.frames, "dcmdjpeg");
        let by_gdcm = native_frames(&run("gdcmconv", &["--raw"], &file), &built.layout);
        assert_eq!(by_gdcm, built.frames, "gdcmconv");
    }
}

#[test]
fn broken_dcmtk_frames_are_refused_without_panic() {
    let built = Built::new(Layout::new("RGB", 8, 9, 15, 1));
    let (_, frames) = fragments(&run("dcmcjpeg", &["+e1"], &built.native_file()));
    let frame = &frames[0];
    let end = frame.len() - usize::from(frame.ends_with(&[0]));
    let cuts = [0, 2, 10, end / 2, end - 2, end - 1];
    refuses_broken(lossless::decode, frame, &cuts, 9 * 15 * 3);
}
