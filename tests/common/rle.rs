//! RLE Lossless files made and read back by DCMTK (`dcmcrle`, `dcmdrle`): an encoder and a
//! decoder written apart from the sanitizer's.

use test_tools::run;
pub use test_tools::Scratch;

pub const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";

/// A native file encoded in RLE Lossless by DCMTK, one fragment per frame.
pub fn dcmcrle(native: &[u8], args: &[&str]) -> Vec<u8> {
    run("dcmcrle", args, native)
}

/// An RLE Lossless file decoded to explicit VR little endian by DCMTK.
pub fn dcmdrle(rle: &[u8]) -> Vec<u8> {
    run("dcmdrle", &[], rle)
}
