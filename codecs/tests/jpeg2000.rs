
/// The committed streams (the fuzz seeds, small opj_compress outputs, and inputs the fuzzer
/// found) decode or fail without panicking, the same through `decode` and `read_rows`.
#[test]
fn committed_streams() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/jpeg2000");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let frame = std::fs::read(&p).unwrap();
        let whole = decode(&frame, 1 << 22);
        let rows = by_rows(&frame, 5);
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        match (&whole, &rows) {
            (Ok(i), Ok(r)) => assert!(&i.samples == r, "{name}"),
            (Err(a), Err(b)) => assert_eq!(a, b, "{name}"),
            _ => panic!("{name}: decode {:?}, read_rows {:?}", whole.err(), rows.err()),
        }
        if !name.starts_with("fuzz-") {
            assert!(whole.is_ok(), "{name}: {:?}", whole.err());
        }
        n += 1;
    }
    assert!(n >= 5);
}

/// Truncations and corruptions of a valid stream fail with an error, never a panic.
#[test]
fn truncated_and_garbled_streams_are_errors() {
    let img = image(40, 30, 3, 8, false, 11);
    let j2k = opj_encode(&img, false, &["-n", "3", "-r", "5,1"]);
    for cut in (0..j2k.len()).step_by(7) {
        let r = decode(&j2k[..cut], 1 << 22);
        // Cut inside tile data: what was read may decode (absent packets), or not.
        if cut < 100 {
            assert!(matches!(r, Err(CodecError::Malformed(_))), "cut at {cut}: {r:?}");
        }
    }
    let mut s = 1u32;
    for _ in 0..300 {
        let mut bad = j2k.clone();
        for _ in 0..4 {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let at = s as usize % bad.len();
            bad[at] ^= (s >> 8) as u8 | 1;
        }
        let _ = decode(&bad, 1 << 22);
    }
    assert!(matches!(
        decode(&j2k, 100),
        Err(CodecError::Unsupported(_))
    ));
}
