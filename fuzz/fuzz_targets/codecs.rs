//! `cargo fuzz run codecs`: the frame codecs on any bytes (`pixel_codecs::fuzzing::codec`,
//! which `codecs/tests/fuzz_corpus.rs` also replays).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pixel_codecs::fuzzing::codec(data));
