use dicom_sanitizer::{Sanitizer, Settings};
#[test]
fn smoke() {
    let input = fixtures::Sample::ct().to_bytes();
    let s = Sanitizer::new(Settings::new().key(*b"0123456789abcdef")).unwrap();
    let out = s.sanitize(&input).unwrap();
    println!("{}", serde_json::to_string_pretty(&out.report).unwrap());
    std::fs::write("/tmp/out.dcm", &out.bytes).unwrap();
    std::fs::write("/tmp/in.dcm", &input).unwrap();
}
