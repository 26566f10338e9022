//! RLE Lossless files made and read back by DCMTK (`dcmcrle`, `dcmdrle`): an encoder and a
//! decoder written apart from the sanitizer's.

use std::path::PathBuf;

pub const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";

/// A scratch directory, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("dicom-sanitizer-{name}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

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
