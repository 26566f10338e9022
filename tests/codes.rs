//! The published code lists (`ERROR_CODES`, `FINDING_CODES`) are exactly the codes the source
//! uses, so the TypeScript types and the README, which are checked against the lists, cannot drift.

use std::collections::BTreeSet;
use std::path::Path;

use dicom_sanitizer::{ERROR_CODES, FINDING_CODES};

const ERROR_PREFIXES: &[&str] = &[
    "settings",
    "read",
    "limit",
    "transfer_syntax",
    "write",
    "random",
];
const FINDING_PREFIXES: &[&str] = &["preamble", "meta", "private", "value", "structure"];

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
                && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            {
                out.insert(piece.to_string());
            }
        }
    }
}

fn check(list: &[&str], prefixes: &[&str]) {
    let mut used = BTreeSet::new();
    literals(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        prefixes,
        &mut used,
    );
    let listed: BTreeSet<String> = list.iter().map(|s| s.to_string()).collect();
    assert_eq!(listed.len(), list.len(), "a code is listed twice");
    assert_eq!(used, listed, "source codes vs published list");
}

#[test]
fn error_codes_list_is_exactly_the_codes_in_the_source() {
    check(ERROR_CODES, ERROR_PREFIXES);
}

#[test]
fn finding_codes_list_is_exactly_the_codes_in_the_source() {
    check(FINDING_CODES, FINDING_PREFIXES);
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
