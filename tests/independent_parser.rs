//! Every output is re-read by pydicom, an independent parser installed from PyPI by `make test`
//! (the interpreter comes from DICOM_SANITIZER_PYTHON).

mod common;

use std::process::Command;

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
    let dir = std::env::temp_dir().join(format!("dicom-sanitizer-reparse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut paths = Vec::new();
    for (i, (sample, options)) in cases.iter().enumerate() {
        let mut s = settings();
        s.options = options.clone();
        let out = sanitize(s, &sample.to_bytes());
        let p = dir.join(format!("case-{i}.dcm"));
        std::fs::write(&p, &out.bytes).unwrap();
        paths.push(p);
    }
    let python = std::env::var("DICOM_SANITIZER_PYTHON").unwrap_or_else(|_| "python3".into());
    let run = Command::new(&python)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reparse.py"))
        .args(&paths)
        .output()
        .unwrap_or_else(|e| panic!("{python}: {e} (run `make setup` for the pydicom environment)"));
    assert!(
        run.status.success(),
        "pydicom failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(run.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
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
    std::fs::remove_dir_all(&dir).ok();
}
