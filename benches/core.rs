//! Criterion benchmarks of the core (`make bench`): files per second on a realistic CT slice,
//! with no, one and two Encrypted Attributes recipients side by side, and megabytes per second
//! streaming a 64 MiB multi-frame file, without and with a recipient.
use std::path::PathBuf;
use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dicom_sanitizer::encrypted_attributes::{seal, Recipient};
use dicom_sanitizer::{Sanitizer, Settings};

fn sanitizer(recipients: &[Vec<u8>]) -> Sanitizer {
    let settings = recipients.iter().fold(
        Settings::new().key(*b"benchmark-key-0123456789abcdef"),
        |s, cert| s.recipient(cert),
    );
    Sanitizer::new(settings).unwrap()
}

/// Two fresh RSA-3072 certificates (the README's example size) made by OpenSSL, whose files
/// are removed at once.
fn certificates() -> Vec<Vec<u8>> {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("dicom-sanitizer-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let certs = (0..2)
        .map(|i| {
            let (key, cert) = (dir.join(format!("{i}.key")), dir.join(format!("{i}.pem")));
            let ok = Command::new("openssl")
                .args([
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:3072",
                    "-nodes",
                    "-subj",
                    "/CN=Bench",
                    "-days",
                    "2",
                ])
                .arg("-keyout")
                .arg(&key)
                .arg("-out")
                .arg(&cert)
                .output()
                .unwrap()
                .status
                .success();
            assert!(ok, "openssl req");
            std::fs::read(&cert).unwrap()
        })
        .collect();
    std::fs::remove_dir_all(&dir).unwrap();
    certs
}

fn small_file(c: &mut Criterion) {
    let input = fixtures::Sample::ct().to_bytes();
    let certs = certificates();
    let mut g = c.benchmark_group("one-shot");
    g.throughput(Throughput::Elements(1));
    for (name, n) in [
        ("ct slice (files/s)", 0),
        ("ct slice, 1 recipient (files/s)", 1),
        ("ct slice, 2 recipients (files/s)", 2),
    ] {
        let s = sanitizer(&certs[..n]);
        g.bench_function(name, |b| b.iter(|| s.sanitize(&input).unwrap()));
    }
    // What each recipient adds, apart: a 2 KB content sealed for one (RSA key transport).
    let recipient = [Recipient::parse(&certs[0]).unwrap()];
    let content = vec![7u8; 2048];
    g.bench_function("seal 2 KB, 1 recipient (envelopes/s)", |b| {
        b.iter(|| seal(&content, &recipient).unwrap())
    });
    g.finish();
}

fn large_stream(c: &mut Criterion) {
    let (header, len) = fixtures::Sample::large_header(512, 512, 128); // 64 MiB
    let chunk = vec![7u8; 1 << 20];
    let certs = certificates();
    let mut g = c.benchmark_group("stream");
    g.throughput(Throughput::Bytes(header.len() as u64 + len));
    g.sample_size(10);
    for (name, n) in [
        ("64 MiB multi-frame (bytes/s)", 0),
        ("64 MiB multi-frame, 1 recipient (bytes/s)", 1),
    ] {
        let s = sanitizer(&certs[..n]);
        g.bench_function(name, |b| {
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
    }
    g.finish();
}

criterion_group!(benches, small_file, large_stream);
criterion_main!(benches);
