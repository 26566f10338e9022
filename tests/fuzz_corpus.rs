//! Replays the fuzz corpus (`fuzz/corpus/sanitize`, seeds plus what cargo fuzz kept) on the
//! stable toolchain through the same property checks as the fuzz target, and bounds the memory
//! each input may make the sanitizer allocate.

#[path = "../codecs/tests/counting/mod.rs"]
mod counting;

use counting::{peak_of, serial};

/// Memory one input may use beyond a fixed allowance: input, parsed object, output and the
/// second pass of the checks are each a small multiple of the input.
fn budget(input_len: usize) -> usize {
    (8 << 20) + 16 * input_len
}

/// Runs every file of `fuzz/<dir>` through the properties within the memory budget.
fn replay(dir: &str) -> usize {
    replay_with(dir, dicom_sanitizer::fuzzing::check)
}

fn replay_with(dir: &str, check: impl Fn(&[u8])) -> usize {
    let _turn = serial();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("committed")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in &files {
        let data = std::fs::read(path).unwrap();
        let ((), used) = peak_of(|| check(&data));
        assert!(
            used <= budget(data.len()),
            "{}: {used} bytes for a {}-byte input",
            path.display(),
            data.len()
        );
    }
    files.len()
}

#[test]
fn the_fuzz_corpus_replays_with_every_property_and_bounded_memory() {
    assert!(replay("corpus/sanitize") >= 10);
}

#[test]
fn the_reidentify_fuzz_corpus_replays_with_every_property_and_bounded_memory() {
    // The first input generates the properties' RSA key: outside the budget.
    dicom_sanitizer::fuzzing::reidentify(&[]);
    assert!(replay_with("corpus/reidentify", dicom_sanitizer::fuzzing::reidentify) >= 5);
    // And what cargo fuzz found there, kept after its fix.
    assert!(
        replay_with(
            "regressions-reidentify",
            dicom_sanitizer::fuzzing::reidentify
        ) >= 1
    );
}

#[test]
fn the_enclose_fuzz_corpus_replays_with_every_property_and_bounded_memory() {
    // The recipient, made by OpenSSL as the fuzz target makes it (no private key is committed).
    let dir = std::env::temp_dir().join(format!("fuzz-enclose-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = fixtures::openssl::identity(&dir, "fuzz", "/CN=fuzz");
    std::fs::remove_dir_all(&dir).unwrap();
    let enclose = |data: &[u8]| dicom_sanitizer::fuzzing::enclose(data, &key, &cert);
    assert!(replay_with("corpus/enclose", enclose) >= 10);
}

/// Bare data sets (read with `accept_raw`) a fuzzer found, kept after their fix: each refused
/// within the memory budget.
#[test]
fn bare_data_sets_a_fuzzer_found_are_refused_within_the_budget() {
    let sanitizer = dicom_sanitizer::Sanitizer::new(
        dicom_sanitizer::Settings::new()
            .key(dicom_sanitizer::fuzzing::KEY)
            .accept_raw(true),
    )
    .unwrap();
    let check = |data: &[u8]| {
        let e = sanitizer.sanitize(data).expect_err("refused");
        assert!(e.code().starts_with("read."), "{}", e.code());
    };
    let _ = sanitizer.sanitize(b"warm up");
    assert!(replay_with("regressions-accept-raw", check) >= 1);
}

/// Every crash and out-of-memory input cargo fuzz has found, kept after its fix.
#[test]
fn every_fuzz_regression_replays_with_bounded_memory() {
    assert!(replay("regressions") >= 1);
}

#[test]
fn hostile_declared_sizes_allocate_nothing_like_them() {
    let _turn = serial();
    // A 4 GiB declared length, a 2 GiB item, and a file claiming millions of tiny elements:
    // each is refused with little memory.
    let ct = fixtures::Sample::ct().to_bytes();
    let at = ct.len() - 32 - 4; // Pixel Data's length field (explicit VR LE, OW)
    let mut huge = ct.clone();
    huge[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let mut big = ct.clone();
    big[at..at + 4].copy_from_slice(&0x8000_0000u32.to_le_bytes());
    for input in [huge, big] {
        let s = dicom_sanitizer::Sanitizer::new(
            dicom_sanitizer::Settings::new().key(dicom_sanitizer::fuzzing::KEY),
        )
        .unwrap();
        let (r, used) = peak_of(|| s.sanitize(&input));
        assert!(r.is_err());
        assert!(used < budget(input.len()));
    }
}

/// `Sample::minimal` followed by raw explicit VR little endian data set bytes.
fn with_raw_tail(tail: &[u8]) -> Vec<u8> {
    let mut bytes = fixtures::Sample::minimal("1.2.3.4").to_bytes();
    bytes.extend_from_slice(tail);
    bytes
}

fn refused_within_budget(input: &[u8]) -> &'static str {
    let sanitizer = dicom_sanitizer::Sanitizer::new(
        dicom_sanitizer::Settings::new().key(dicom_sanitizer::fuzzing::KEY),
    )
    .unwrap();
    let (r, used) = peak_of(|| sanitizer.sanitize(input));
    let code = r.expect_err("refused").code();
    // The pre-scan refuses before the parser builds anything: far less than the input itself.
    assert!(used < (1 << 20) + input.len() / 4, "{code}: {used} bytes");
    code
}

#[test]
fn ten_thousand_nested_sequences_stop_at_the_depth_limit() {
    let _turn = serial();
    let mut tail = Vec::new();
    for _ in 0..10_000 {
        // (0008,1115) SQ, undefined length; an item of undefined length.
        tail.extend_from_slice(&[
            0x08, 0x00, 0x15, 0x11, b'S', b'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
        ]);
        tail.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
    }
    assert_eq!(refused_within_budget(&with_raw_tail(&tail)), "limit.depth");
}

#[test]
fn two_million_tiny_elements_stop_at_the_element_limit() {
    let _turn = serial();
    let one = [0x19, 0x00, 0x00, 0x10, b'L', b'O', 0, 0]; // (0019,1000) LO, empty
    let tail: Vec<u8> = one
        .iter()
        .copied()
        .cycle()
        .take(one.len() * 2_000_000)
        .collect();
    assert_eq!(
        refused_within_budget(&with_raw_tail(&tail)),
        "limit.element_count"
    );
}

#[test]
fn truncated_pixel_fragments_are_refused() {
    let _turn = serial();
    let jpeg = fixtures::Sample::ct_jpeg().to_bytes();
    for cut in [8, 9, 12, 20] {
        assert_eq!(
            refused_within_budget(&jpeg[..jpeg.len() - cut]),
            "read.truncated",
            "cut {cut}"
        );
    }
}
