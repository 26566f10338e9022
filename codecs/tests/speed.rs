//! Ad hoc speed of the frame codecs on a 512×512 16-bit image: `cargo test --release --test
//! codec_speed -- --ignored --nocapture`.

mod common;

use common::{fragments, Built, Layout};
use pixel_codecs::{jpeg2000, lossless};
use std::time::Instant;
use test_tools::run;

fn time<T>(what: &str, runs: u32, mut f: impl FnMut() -> T) -> T {
    let started = Instant::now();
    let mut out = f();
    for _ in 1..runs {
        out = f();
    }
    let each = started.elapsed() / runs;
    eprintln!("{what}: {each:?} per frame");
    out
}

#[test]
#[ignore = "timing, not a check"]
fn speed_512_by_512_16_bit() {
    let built = Built::new(Layout::new("MONOCHROME2", 16, 512, 512, 1));
    let image = built.image(0);
    let mut ours = Vec::new();
    time("lossless encode (ours, SV1)", 10, || {
        ours.clear();
        lossless::encode(&image, &mut ours);
    });
    eprintln!("  {} bytes", ours.len());
    let got = time("lossless decode (ours)", 10, || {
        lossless::decode(&ours, 1 << 20)
    });
    assert_eq!(got.unwrap().samples, image.samples);
    let (_, dcmtk) = fragments(&run("dcmcjpeg", &["+e1"], &built.native_file()));
    let got = time("lossless decode (DCMTK SV1 frame)", 10, || {
        lossless::decode(&dcmtk[0], 1 << 20)
    });
    assert_eq!(got.unwrap().samples, image.samples);
    let (_, gdcm) = fragments(&run("gdcmconv", &["--j2k"], &built.native_file()));
    let got = time("J2K lossless decode (GDCM frame)", 5, || {
        jpeg2000::decode(&gdcm[0], 1 << 20)
    });
    assert_eq!(got.unwrap().samples, image.samples);
}
