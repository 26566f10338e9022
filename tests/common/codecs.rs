//! Encapsulated files for the core's tests: DCMTK and GDCM run on them, their fragments read.
//! (The codecs' own tests, against the same tools, are in `codecs/tests/`.)

use super::parse;
use dicom_core::value::Value;
use dicom_dictionary_std::tags;

/// The fragments of an encapsulated file's Pixel Data (without the Basic Offset Table), and
/// its transfer syntax.
pub fn fragments(file: &[u8]) -> (String, Vec<Vec<u8>>) {
    let o = parse(file);
    let ts = o
        .meta()
        .transfer_syntax()
        .trim_end_matches('\0')
        .to_string();
    match o.element(tags::PIXEL_DATA).unwrap().value() {
        Value::PixelSequence(seq) => (ts, seq.fragments().to_vec()),
        _ => panic!("Pixel Data is not encapsulated"),
    }
}
