//! A patient CD through the CLI: a DICOMDIR, image files without extensions in nested folders,
//! and files that are not DICOM. Every DICOM object is sanitized (or refused), the rest are
//! skipped, and the output is a media set whose DICOMDIR, read by pydicom's FileSet, points at
//! exactly the files written; no planted PHI is in any output file or name.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use dicom_core::VR;
use dicom_dictionary_std::tags;
use fixtures::{phi, text, Sample};

const KEY: &str = "media-set-test-key-0123456789";

/// `DOE_JANE_CD/` with a media set of three images (one of them truncated: refused), a README,
/// an AUTORUN.INF and a viewer, and a loose file named after the patient beside it.
fn patient_cd(d: &Path) -> PathBuf {
    let staging = d.join("staging");
    std::fs::create_dir_all(&staging).unwrap();
    let mut files = Vec::new();
    for n in 1..=3 {
        let s = Sample::ct_instance(n)
            .put(text(tags::STUDY_ID, VR::SH, "S778899"))
            .put(text(tags::SERIES_NUMBER, VR::IS, "1"))
            .put(text(tags::INSTANCE_NUMBER, VR::IS, &n.to_string()));
        let p = staging.join(format!("{n}.dcm"));
        write(&p, &s.to_bytes());
        files.push(p);
    }
    let cd = d.join("in/DOE_JANE_CD");
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"make", &cd];
    args.extend(files.iter().map(|f| f as &dyn AsRef<std::ffi::OsStr>));
    fixtures::fileset(&args);
    let last = cd.join("PT000000/ST000000/SE000000/IM000002");
    let bytes = std::fs::read(&last).unwrap();
    write(&last, &bytes[..bytes.len() - 100]);
    write(
        &cd.join("README.TXT"),
        b"Images of DOE JANE, 2024-03-05\r\n",
    );
    write(&cd.join("AUTORUN.INF"), b"[autorun]\r\nopen=VIEWER.EXE\r\n");
    write(&cd.join("VIEWER.EXE"), b"MZ\x90\x00 a viewer");
    write(
        &d.join("in/DOE^JANE.dcm"),
        &Sample::ct_instance(9).to_bytes(),
    );
    d.join("in")
}

fn run(d: &Path, layout: &str) -> (std::process::Output, Vec<serde_json::Value>, PathBuf) {
    let (input, out, mapping) = (
        d.join("in"),
        d.join(format!("out-{layout}")),
        d.join(format!("map-{layout}")),
    );
    let run = sanitize(
        Some(KEY),
        &[
            "--layout".as_ref(),
            layout.as_ref(),
            "--mapping".as_ref(),
            mapping.as_ref(),
            "--out".as_ref(),
            out.as_ref(),
            input.as_ref(),
        ],
    );
    assert_exit(&run, 1); // the truncated image
    let lines = json_lines(&run.stdout);
    (run, lines, out)
}

/// Every file below `dir`, relative.
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

fn holds_phi(text: &str) -> Option<&'static str> {
    let t = text.to_lowercase();
    [
        "doe",
        "jane",
        phi::PATIENT_ID,
        phi::ACCESSION,
        phi::INSTITUTION,
    ]
    .into_iter()
    .find(|p| t.contains(&p.to_lowercase()))
}

#[test]
fn a_patient_cd_becomes_a_sanitized_media_set_under_every_layout() {
    let d = tempdir("media-set");
    patient_cd(&d);
    for layout in ["uids", "numbered", "mirror"] {
        let (_, lines, out) = run(&d, layout);
        let status = |s: &str| lines.iter().filter(|l| l["status"] == s).count();
        assert_eq!(
            (status("sanitized"), status("skipped"), status("refused")),
            (4, 3, 1),
            "{layout}: {lines:?}"
        );
        let files = tree(&out);
        // Nothing of the skipped files, nothing partial.
        assert!(files
            .iter()
            .all(|f| !f.to_string_lossy().contains("partial")));
        assert!(files
            .iter()
            .all(|f| f.extension().is_none_or(|e| e != "EXE" && e != "INF")));
        let dicomdir = files
            .iter()
            .find(|f| f.file_name().unwrap() == "DICOMDIR")
            .unwrap_or_else(|| panic!("{layout}: no DICOMDIR in {files:?}"));
        let records: Vec<(String, Vec<String>)> =
            serde_json::from_str(&fixtures::fileset(&[&"tree", &out.join(dicomdir)])).unwrap();
        assert_eq!(
            records.len(),
            2,
            "{layout}: the two images written: {records:?}"
        );
        let set = out.join(dicomdir).parent().unwrap().to_path_buf();
        for (file, chain) in &records {
            assert!(set.join(file).is_file(), "{layout}: {file} exists");
            assert_eq!(chain, &["IMAGE", "SERIES", "STUDY", "PATIENT"]);
        }
        // Every file written, its name included (but the mirrored names, the caller's choice).
        for f in &files {
            let bytes = std::fs::read(out.join(f)).unwrap();
            let text: String = bytes.iter().map(|&b| b as char).collect();
            assert_eq!(
                holds_phi(&text),
                None,
                "{layout}: {} holds PHI",
                f.display()
            );
            if layout != "mirror" {
                assert_eq!(
                    holds_phi(&f.to_string_lossy()),
                    None,
                    "{layout}: {}",
                    f.display()
                );
            }
        }
        if layout != "mirror" {
            // The lines of renamed outputs do not name their inputs; the mapping does.
            for l in lines.iter().filter(|l| l["status"] == "sanitized") {
                assert!(l.get("input").is_none(), "{l}");
            }
            let mapping = std::fs::read_to_string(d.join(format!("map-{layout}"))).unwrap();
            assert_eq!(mapping.lines().count(), 4);
            assert!(mapping.contains("DOE^JANE.dcm"));
        }
        if layout == "uids" {
            assert!(files
                .iter()
                .any(|f| f.components().count() == 3 && f.to_string_lossy().starts_with("2.25.")));
        }
        if layout == "numbered" {
            assert!(files.contains(&PathBuf::from("000001.dcm")), "{files:?}");
            assert!(
                files.contains(&PathBuf::from("SET001/DICOM/IM000001")),
                "{files:?}"
            );
        }
    }
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn a_mirrored_media_set_keeps_its_records_file_ids_whatever_case_the_copy_has() {
    // A CD copied to a case-sensitive disk in lower case: the files are found, and the DICOMDIR
    // keeps its upper-case PS3.10 IDs.
    let d = tempdir("media-set-case");
    patient_cd(&d);
    let cd = d.join("in/DOE_JANE_CD");
    std::fs::rename(cd.join("PT000000"), cd.join("pt000000")).unwrap();
    let out = d.join("out");
    let run = sanitize(
        Some(KEY),
        &["--out".as_ref(), out.as_ref(), d.join("in").as_ref()],
    );
    assert_exit(&run, 1);
    let dicomdir = std::fs::read(out.join("DOE_JANE_CD/DICOMDIR")).unwrap();
    let text: String = dicomdir.iter().map(|&b| b as char).collect();
    assert_eq!(
        text.matches("PT000000\\ST000000\\SE000000\\IM00000")
            .count(),
        2
    );
    assert!(!text.contains("pt000000"));
    std::fs::remove_dir_all(&d).ok();
}
