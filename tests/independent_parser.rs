//! Every output is re-read by pydicom, an independent parser installed from PyPI by `make test`
//! (the interpreter comes from DICOM_SANITIZER_PYTHON).

mod common;

use common::*;
use dicom_sanitizer::ProfileOption;
use fixtures::Sample;

#[test]
fn pydicom_reads_every_output_and_finds_no_planted_phi() {
    let jpeg = Sample::ct_jpeg();
    let cases = [
        (Sample::ct(), vec![]),
        (
            Sample::ct(),
            ProfileOption::ALL
                .iter()
                .copied()
                .filter(|o| *o != ProfileOption::RetainLongitudinalFullDates)
                .collect(),
        ),
        (
            Sample::ct().with_transfer_syntax(fixtures::IMPLICIT_VR_LE),
            vec![ProfileOption::RetainSafePrivate],
        ),
        (
            Sample::ct().with_transfer_syntax(fixtures::EXPLICIT_VR_BE),
            vec![ProfileOption::CleanDescriptors],
        ),
        (jpeg, vec![ProfileOption::RetainLongitudinalFullDates]),
    ];
    let outputs: Vec<Vec<u8>> = cases
        .iter()
        .map(|(sample, options)| {
            let mut s = settings();
            s.options = options.clone();
            sanitize(s, &sample.to_bytes()).bytes
        })
        .collect();
    let lines = pydicom("reparse.py", &outputs);
    assert_eq!(lines.len(), cases.len());
    for (line, (sample, options)) in lines.iter().zip(&cases) {
        assert!(line["elements"].as_u64().unwrap() > 20, "{line}");
        assert_eq!(line["sopInstanceUid"], line["mediaStorageSopInstanceUid"]);
        let retained = options.contains(&ProfileOption::RetainUids);
        assert_eq!(
            line["sopInstanceUid"]
                .as_str()
                .unwrap()
                .starts_with("2.25."),
            !retained
        );
        assert_eq!(line["transferSyntax"], sample.transfer_syntax.as_str());
        assert_eq!(line["preambleZero"], true);
        assert_eq!(line["patientIdentityRemoved"], "YES");
        let text = line["text"].as_str().unwrap().to_lowercase();
        for token in fixtures::phi::ALL {
            assert!(
                !text.contains(&token.to_lowercase()),
                "{token} in {}",
                line["path"]
            );
        }
    }
}
