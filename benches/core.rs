//! Criterion benchmarks of the core (`make bench`): files per second on a realistic CT slice,
//! and megabytes per second streaming a 64 MiB multi-frame file.
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dicom_sanitizer::{Sanitizer, Settings};

fn sanitizer() -> Sanitizer {
    Sanitizer::new(Settings::new().key(*b"benchmark-key-0123456789abcdef")).unwrap()
}

fn small_file(c: &mut Criterion) {
    let input = fixtures::Sample::ct().to_bytes();
    let s = sanitizer();
    let mut g = c.benchmark_group("one-shot");
    g.throughput(Throughput::Elements(1));
    g.bench_function("ct slice (files/s)", |b| {
        b.iter(|| s.sanitize(&input).unwrap())
    });
    g.finish();
}

fn large_stream(c: &mut Criterion) {
    let (header, len) = fixtures::Sample::large_header(512, 512, 128); // 64 MiB
    let chunk = vec![7u8; 1 << 20];
    let s = sanitizer();
    let mut g = c.benchmark_group("stream");
    g.throughput(Throughput::Bytes(header.len() as u64 + len));
    g.sample_size(10);
    g.bench_function("64 MiB multi-frame (bytes/s)", |b| {
        b.iter(|| {
            let mut out = 0usize;
            let mut stream = s.stream();
            stream
                .write(&header, &mut |o: &[u8]| out += o.len())
                .unwrap();
            let mut left = len as usize;
            while left > 0 {
                let n = left.min(chunk.len());
                stream
                    .write(&chunk[..n], &mut |o: &[u8]| out += o.len())
                    .unwrap();
                left -= n;
            }
            stream.end(&mut |o: &[u8]| out += o.len()).unwrap();
            out
        })
    });
    g.finish();
}

criterion_group!(benches, small_file, large_stream);
criterion_main!(benches);
