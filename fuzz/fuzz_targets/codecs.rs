//! `cargo fuzz run codecs`: the frame codecs on any bytes (`dicom_sanitizer::fuzzing::codec`,
//! which `tests/fuzz_corpus.rs` also replays).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dicom_sanitizer::fuzzing::codec(data));
