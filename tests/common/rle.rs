//! RLE Lossless files made and read back by DCMTK (`dcmcrle`, `dcmdrle`): an encoder and a
//! decoder written apart from the sanitizer's.

pub use fixtures::burned::Scratch;

pub const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";

/// Runs a DCMTK or GDCM tool (`tool args in out`) from `input` bytes to output bytes.
pub fn dcmtk(tool: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    fixtures::burned::run(tool, args, input)
}

/// A native file encoded in RLE Lossless by DCMTK, one fragment per frame.
pub fn dcmcrle(native: &[u8], args: &[&str]) -> Vec<u8> {
    dcmtk("dcmcrle", args, native)
}

/// An RLE Lossless file decoded to explicit VR little endian by DCMTK.
pub fn dcmdrle(rle: &[u8]) -> Vec<u8> {
    dcmtk("dcmdrle", &[], rle)
}
