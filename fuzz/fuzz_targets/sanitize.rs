//! `cargo fuzz run sanitize`: every input through the sanitizer and its properties
//! (`dicom_sanitizer::fuzzing::check`, which the stable test `tests/fuzz_corpus.rs` also replays).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dicom_sanitizer::fuzzing::check(data));
