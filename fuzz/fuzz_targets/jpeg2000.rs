//! `cargo fuzz run jpeg2000`: the streaming JPEG 2000 decoder on any bytes. Decoding row by
//! row (in buffers of 7 rows) must agree with `decode`, and neither may panic, hang or
//! allocate beyond the sample limit's worth.
#![no_main]

use pixel_codecs::jpeg2000::{decode, Decoder};

const MAX: u64 = 1 << 22;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let whole = decode(data, MAX);
    let mut rows = Vec::new();
    let streamed = Decoder::new(data, MAX).and_then(|mut d| {
        let i = d.info();
        let row = i.width as usize * usize::from(i.components);
        let mut buf = vec![0u16; row * 7];
        loop {
            let n = d.read_rows(&mut buf)?;
            if n == 0 {
                return Ok(i);
            }
            rows.extend_from_slice(&buf[..n * row]);
        }
    });
    match (whole, streamed) {
        (Ok(img), Ok(_)) => assert!(img.samples == rows, "read_rows and decode differ"),
        (Err(a), Err(b)) => assert_eq!(a, b),
        (a, b) => panic!("decode {:?} but read_rows {:?}", a.err(), b.err()),
    }
});
