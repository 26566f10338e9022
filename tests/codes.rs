//! The published code lists (`ERROR_CODES`, `FINDING_CODES`) are exactly the codes the source
//! uses, so the TypeScript types and the README, which are checked against the lists, cannot drift.

use std::collections::BTreeSet;
use std::path::Path;

use dicom_sanitizer::{ERROR_CODES, FINDING_CODES};

/// Every prefix a code may have; errors and findings share `phi`.
const PREFIXES: &[&str] = &[
    "settings",
    "read",
    "limit",
    "transfer_syntax",
    "phi",
    "pixel",
    "stream",
    "write",
    "random",
    "preview",
    "preamble",
    "meta",
    "private",
    "value",
    "structure",
    "integrity",
    "reidentify",
    "encrypted",
];

/// Every string literal `"prefix.name"` in the core's source.
fn literals(dir: &Path, prefixes: &[&str], out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            literals(&path, prefixes, out);
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for piece in text.split('"').skip(1).step_by(2) {
            let Some((prefix, name)) = piece.split_once('.') else {
                continue;
            };
            if prefixes.contains(&prefix)
                && !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                out.insert(piece.to_string());
            }
        }
    }
}

#[test]
fn the_two_code_lists_are_exactly_the_codes_in_the_source() {
    let mut used = BTreeSet::new();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    literals(&src, PREFIXES, &mut used);
    let both: Vec<&str> = ERROR_CODES.iter().chain(FINDING_CODES).copied().collect();
    let listed: BTreeSet<String> = both.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        listed.len(),
        both.len(),
        "a code is listed twice, or in both lists"
    );
    assert_eq!(used, listed, "source codes vs published lists");
}

#[test]
fn readme_names_every_code() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for code in ERROR_CODES.iter().chain(FINDING_CODES) {
        let (prefix, name) = code.split_once('.').unwrap();
        assert!(
            readme.contains(&format!("`{code}`"))
                || readme.contains(&format!("`{name}`"))
                    && readme.contains(&format!("`{prefix}.*`")),
            "README does not name {code}"
        );
    }
}

/// Codes no known input causes: the platform's random source failing; dicom-rs failing to
/// encode an object it has just parsed; and dicom-rs refusing a data set the pre-scan accepted
/// (defence in depth: fuzzing reached it until the pre-scan learned to refuse those inputs first).
const NOT_REACHABLE_FROM_INPUT: [&str; 3] = ["random.unavailable", "write.failed", "read.invalid"];

#[test]
fn every_code_is_asserted_by_a_test() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut text = String::new();
    let mut read = |dir: &Path| {
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().is_some_and(|e| e == "rs" || e == "mjs") {
                text.push_str(&std::fs::read_to_string(&p).unwrap());
            }
        }
    };
    read(&root.join("tests"));
    read(&root.join("tests/js"));
    read(&root.join("cli/tests"));
    read(&root.join("tools/fixtures/src/bin")); // the corpus manifest, asserted by the JS tests
    for code in ERROR_CODES.iter().chain(FINDING_CODES) {
        if NOT_REACHABLE_FROM_INPUT.contains(code) {
            continue;
        }
        assert!(
            text.contains(&format!("\"{code}\"")),
            "no test asserts {code}"
        );
    }
}
