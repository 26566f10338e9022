//! Helpers shared by the CLI tests.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_dicom-sanitize");

pub fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("dicom-sanitize-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `dicom-sanitize sanitize ARGS…`, with the key variable set when `key` is given.
pub fn sanitize(key: Option<&str>, args: &[&OsStr]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("sanitize")
        .args(args)
        .env_remove("DICOM_SANITIZER_KEY");
    if let Some(k) = key {
        cmd.env("DICOM_SANITIZER_KEY", k);
    }
    cmd.output().unwrap()
}

/// The JSON lines the CLI prints, one report or refusal per input.
pub fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Asserts the exit code, showing what the CLI said on stderr when it differs.
pub fn assert_exit(run: &Output, code: i32) {
    assert_eq!(
        run.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

pub fn write(p: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}
