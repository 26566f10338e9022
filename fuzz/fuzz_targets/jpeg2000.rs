//! `cargo fuzz run jpeg2000`: the streaming JPEG 2000 decoder on any bytes. Decoding row by
//! row (in buffers of 7 rows) must agree with `decode`, and neither may panic, hang or
//! allocate beyond the sample limit's worth (`pixel_codecs::fuzzing::jpeg2000`, which
//! `codecs/tests/fuzz_corpus.rs` also replays).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pixel_codecs::fuzzing::jpeg2000(data));
