//! Replays the codecs' fuzz corpus (`fuzz/corpus/codecs`: seeds plus what cargo fuzz kept) on
//! the stable toolchain through the fuzz target's properties, and bounds the memory each input
//! may make the codecs allocate.

mod counting;

use counting::{peak_of, serial};

#[test]
fn the_codec_fuzz_corpus_replays_with_every_property_and_bounded_memory() {
    replay("codecs", pixel_codecs::fuzzing::codec);
}

#[test]
fn the_jpeg2000_fuzz_corpus_replays_with_every_property_and_bounded_memory() {
    replay("jpeg2000", pixel_codecs::fuzzing::jpeg2000);
}

fn replay(target: &str, check: fn(&[u8])) {
    let _turn = serial();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("committed")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 9, "{}", dir.display());
    for path in &files {
        let data = std::fs::read(path).unwrap();
        let ((), used) = peak_of(|| check(&data));
        // Decoded frames are bounded (1 << 20 samples) and encoded ones about as big.
        assert!(
            used <= (8 << 20) + 16 * data.len(),
            "{}: {used} bytes for a {}-byte input",
            path.display(),
            data.len()
        );
    }
}
