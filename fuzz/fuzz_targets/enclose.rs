//! `cargo fuzz run enclose`: sanitizing with the original pixels enclosed for a recipient, then
//! re-identifying, on any bytes (`dicom_sanitizer::fuzzing::enclose`, which
//! `tests/fuzz_corpus.rs` also replays). The recipient is made by OpenSSL once per process; no
//! private key is committed.
#![no_main]

use std::sync::OnceLock;

static RECIPIENT: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();

fn recipient() -> &'static (Vec<u8>, Vec<u8>) {
    RECIPIENT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("fuzz-enclose-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let status = std::process::Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=fuzz", "-days", "2"])
            .arg("-keyout")
            .arg(dir.join("key.pem"))
            .arg("-out")
            .arg(dir.join("cert.pem"))
            .stderr(std::process::Stdio::null())
            .status()
            .expect("openssl");
        assert!(status.success());
        let pair = (
            std::fs::read(dir.join("key.pem")).unwrap(),
            std::fs::read(dir.join("cert.pem")).unwrap(),
        );
        std::fs::remove_dir_all(&dir).unwrap();
        pair
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (key, cert) = recipient();
    dicom_sanitizer::fuzzing::enclose(data, key, cert)
});
