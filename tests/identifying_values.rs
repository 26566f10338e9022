//! `identifying_values`: the names, IDs and dates of a file's header, listed for the page's OCR
//! matching; read from the header alone (the first bytes of a file of any size), never a panic.

use dicom_sanitizer::{identifying_values, IdentifyingKind, IdentifyingValue, ERROR_CODES};
use fixtures::{phi, Sample};

fn listed(values: &[IdentifyingValue]) -> Vec<(IdentifyingKind, &str, &str, &str)> {
    values
        .iter()
        .map(|v| (v.kind, v.tag.as_str(), v.keyword, v.value.as_str()))
        .collect()
}

#[test]
fn lists_names_ids_dates_and_text_of_the_header() {
    use IdentifyingKind::*;
    let values = identifying_values(&Sample::ct().to_bytes(), false).unwrap();
    let got = listed(&values);
    for want in [
        (Name, "(0010,0010)", "PatientName", phi::PATIENT_NAME),
        (
            Name,
            "(0008,0090)",
            "ReferringPhysicianName",
            phi::REFERRING,
        ),
        (Name, "(0008,1070)", "OperatorsName", phi::OPERATOR),
        (Id, "(0010,0020)", "PatientID", phi::PATIENT_ID),
        (Id, "(0008,0050)", "AccessionNumber", phi::ACCESSION),
        (Id, "(0020,0010)", "StudyID", "S4455"),
        (Date, "(0010,0030)", "PatientBirthDate", phi::BIRTH_DATE),
        (Date, "(0008,0020)", "StudyDate", "20240305"),
        (Text, "(0008,0080)", "InstitutionName", phi::INSTITUTION),
        (Text, "(0010,1040)", "PatientAddress", phi::ADDRESS),
        (Text, "(0010,2154)", "PatientTelephoneNumbers", phi::PHONE),
    ] {
        assert!(got.contains(&want), "{want:?} not in {got:#?}");
    }
    // Other Patient IDs, in the sequence's items too.
    assert!(values
        .iter()
        .any(|v| v.kind == Id && v.value == phi::OTHER_PATIENT_ID));
    // Each (kind, value) once: the study, series and content dates are one date.
    assert_eq!(values.iter().filter(|v| v.value == "20240305").count(), 1);
    // Nothing of the device, codes or UIDs.
    for v in ["ACME Medical", "CT01SPRING", phi::STUDY_UID, "CT", "F"] {
        assert!(!values.iter().any(|x| x.value == v), "{v} listed");
    }
}

#[test]
fn reads_only_the_header_of_a_large_file_and_any_encoding() {
    let whole = identifying_values(&Sample::ct_instance(1).to_bytes(), false).unwrap();
    // The first bytes of a 1 GiB multi-frame file: everything up to its Pixel Data value.
    let (header, len) = Sample::large_header(512, 512, 2048);
    assert!(len >= 1 << 30 && header.len() < 8192);
    assert_eq!(identifying_values(&header, false).unwrap(), whole);
    // A deflated data set is inflated; a bare data set only when asked.
    let deflated = Sample::ct_instance(1).to_deflated_bytes();
    assert_eq!(identifying_values(&deflated, false).unwrap(), whole);
    let raw = Sample::ct_instance(1).to_raw_bytes();
    assert_eq!(identifying_values(&raw, true).unwrap(), whole);
    assert_eq!(
        identifying_values(&raw, false).unwrap_err().code(),
        "read.not_dicom"
    );
}

#[test]
fn short_or_broken_input_is_a_coded_error_never_a_panic() {
    let bytes = Sample::ct().to_bytes();
    assert_eq!(
        identifying_values(&bytes[..bytes.len() / 3], false)
            .unwrap_err()
            .code(),
        "read.truncated"
    );
    assert_eq!(
        identifying_values(b"just some text, not DICOM", false)
            .unwrap_err()
            .code(),
        "read.not_dicom"
    );
    // Every prefix, and every byte flipped in the header: a value list or a listed code.
    let header_end = 1200.min(bytes.len());
    let check = |input: &[u8]| {
        if let Err(e) = identifying_values(input, false) {
            assert!(ERROR_CODES.contains(&e.code()), "{}", e.code());
        }
    };
    for n in 0..bytes.len().min(4096) {
        check(&bytes[..n]);
    }
    for i in 0..header_end {
        let mut b = bytes.clone();
        b[i] ^= 0xff;
        check(&b);
    }
}
