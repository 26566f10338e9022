//! JPEG Baseline frames blanked through the sanitizer: what the codec (`pixel-codecs`, tested
//! on its own in `codecs/tests/jpeg.rs`) did reaches the report, and the fill is chosen from the
//! attributes the output holds.

#[path = "../codecs/tests/common/mod.rs"]
mod codec_common;
mod common;

use codec_common::jpeg::{climbing_chroma, frames, small_dc_frames, Table, BASELINE};
use codec_common::Layout;
use dicom_dictionary_std::tags;
use dicom_sanitizer::codecs::jpeg::blank;
use dicom_sanitizer::codecs::Clip;

fn clip(x0: u64, y0: u64, x1: u64, y1: u64) -> Clip {
    Clip { x0, x1, y0, y1 }
}

/// A block flattened at its own average, where the DC table has no code for black and no room
/// for one, is reported (`pixel.blanked_to_average`); with room, it is not.
#[test]
fn a_block_blanked_to_its_average_is_reported() {
    let (w, h) = (40u16, 24u16);
    for (name, jpeg, flat) in small_dc_frames() {
        let file = Layout::new("MONOCHROME2", 8, h, w, 1).encapsulated_file(BASELINE, &[jpeg]);
        let report = common::sanitize(common::blanking(8, 8, 16, 8), &file).report;
        let averaged = report
            .findings
            .iter()
            .find(|f| f.code == "pixel.blanked_to_average");
        assert_eq!(averaged.is_some(), flat, "{name}: {:?}", report.findings);
    }
}

/// Found by fuzzing (`crash-543953b6…` in fuzz/regressions): a Photometric Interpretation
/// `YBR_FUL\x9d` (a CS value with a byte its VR does not allow) made blanked chroma YBR's
/// middle, then was removed from the output (`value.invalid_removed`), so a second pass took
/// the image for one without a photometric interpretation and blanked the chroma to zero,
/// adding DC category 9 to the table. The plan reads the value as the output will hold it.
#[test]
fn a_photometric_interpretation_the_output_drops_does_not_decide_the_fill() {
    let sparse = Table {
        counts: [0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        symbols: vec![0, 5],
    };
    let jpeg = climbing_chroma(&sparse);
    let mut file = Layout::new("YBR_FULL", 8, 48, 100, 1)
        .encapsulated_file(BASELINE, std::slice::from_ref(&jpeg));
    let at = common::find(&file, b"CS\x08\x00YBR_FULL") + 4;
    file[at..at + 8].copy_from_slice(b"YBR_FUL\x9d");
    let settings = || common::blanking(1, 1, 6, 5);
    let once = common::sanitize(settings(), &file);
    assert!(
        once.report
            .findings
            .iter()
            .any(|f| f.code == "value.invalid_removed" && f.path.as_deref() == Some("(0028,0004)")),
        "{:?}",
        once.report.findings
    );
    assert!(common::parse(&once.bytes)
        .element_opt(tags::PHOTOMETRIC_INTERPRETATION)
        .unwrap()
        .is_none());
    let twice = common::sanitize(settings(), &once.bytes);
    assert!(
        frames(&twice.bytes) == frames(&once.bytes),
        "a second pass changed the frame"
    );
    // Blanked as the output's attributes say: no photometric interpretation, zero fills.
    let mut expected = Vec::new();
    blank(
        &jpeg,
        48,
        100,
        &[clip(1, 1, 7, 6)],
        &[0, 0, 0],
        &mut expected,
    )
    .unwrap();
    expected.resize(expected.len().next_multiple_of(2), 0);
    assert!(frames(&once.bytes) == [expected]);
}
