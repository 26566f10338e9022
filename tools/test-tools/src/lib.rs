//! For the tests of every crate here, the codecs' included (so no DICOM dependency): DCMTK and
//! GDCM converters run on bytes, in scratch directories removed when done.

use std::path::PathBuf;
use std::process::Command;

/// Runs a DCMTK or GDCM converter from `input` bytes to output bytes (`tool [args] in out`).
pub fn run(tool: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    try_run(tool, args, input).unwrap_or_else(|e| panic!("{e}"))
}

/// `run`, with the converter's complaint when it fails.
pub fn try_run(tool: &str, args: &[&str], input: &[u8]) -> Result<Vec<u8>, String> {
    let dir = Scratch::new(tool);
    let (from, to) = (dir.path("in.dcm"), dir.path("out.dcm"));
    std::fs::write(&from, input).expect("write a scratch file");
    let out = Command::new(tool)
        .args(args)
        .arg(&from)
        .arg(&to)
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e} (DCMTK and GDCM are installed by `make setup`)"));
    match (out.status.success(), std::fs::read(&to)) {
        (true, Ok(bytes)) => Ok(bytes),
        _ => Err(format!(
            "{tool} {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

/// A scratch directory, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("dicom-sanitizer-{name}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("make a scratch directory");
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
