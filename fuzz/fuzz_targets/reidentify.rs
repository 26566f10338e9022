//! `cargo fuzz run reidentify`: the re-identify path on any bytes (sanitized files, CMS
//! envelopes, decrypted contents, certificates; `dicom_sanitizer::fuzzing::reidentify`, which
//! `tests/fuzz_corpus.rs` also replays).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dicom_sanitizer::fuzzing::reidentify(data));
