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

/// The Patient ID of the CD's images, and its folder on the CD (as some CDs file images).
const CD_PATIENT_ID: &str = "PID77881";
/// The input names that hold an identifying value (planted in the tree below).
const NAMED: [&str; 7] = [
    CD_PATIENT_ID,
    "DOE",
    "JANE",
    "19610312",
    "ACC778899",
    "2024-03-05",
    "1.2.826.0.1.3680043.8.498.1000",
];

/// `DOE_JANE_CD/` with a media set of three images (one of them truncated: refused) filed under
/// their Patient ID (`PID77881/ST000000/…`), a README, an AUTORUN.INF and a viewer; a loose file
/// named after the patient beside it; and plain folders named as real exports name them:
/// `DOE_JANE_19610312/ACC778899.dcm`, `…/MRN0012345/<original SOP Instance UID>.dcm`,
/// `2024-03-05_CT/IM0001.dcm`.
fn patient_cd(d: &Path) -> PathBuf {
    let staging = d.join("staging");
    std::fs::create_dir_all(&staging).unwrap();
    let mut files = Vec::new();
    for n in 1..=3 {
        let s = Sample::ct_instance(n)
            .put(text(tags::STUDY_ID, VR::SH, "S778899"))
            .put(text(tags::SERIES_NUMBER, VR::IS, "1"))
            .put(text(tags::INSTANCE_NUMBER, VR::IS, &n.to_string()))
            .put(text(tags::PATIENT_ID, VR::LO, CD_PATIENT_ID));
        let p = staging.join(format!("{n}.dcm"));
        write(&p, &s.to_bytes());
        files.push(p);
    }
    let cd = d.join("in/DOE_JANE_CD");
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"make", &cd];
    args.extend(files.iter().map(|f| f as &dyn AsRef<std::ffi::OsStr>));
    fixtures::fileset(&args);
    fixtures::fileset(&[&"rename", &cd, &"PT000000", &CD_PATIENT_ID]);
    let last = cd.join(format!("{CD_PATIENT_ID}/ST000000/SE000000/IM000002"));
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
    let named = d.join("in/DOE_JANE_19610312");
    write(
        &named.join("ACC778899.dcm"),
        &Sample::ct_instance(10).to_bytes(),
    );
    write(
        &named.join("MRN0012345/1.2.826.0.1.3680043.8.498.1000.11.dcm"),
        &Sample::ct_instance(11).to_bytes(),
    );
    write(
        &d.join("in/2024-03-05_CT/IM0001.dcm"),
        &Sample::ct_instance(12).to_bytes(),
    );
    d.join("in")
}

/// Runs the CLI on `in/` with `--layout layout` (none: the default), a mapping and reports.
fn run(d: &Path, layout: &str) -> (std::process::Output, Vec<serde_json::Value>, PathBuf) {
    let (input, out, mapping, reports) = (
        d.join("in"),
        d.join(format!("out-{layout}")),
        d.join(format!("map-{layout}")),
        d.join(format!("reports-{layout}")),
    );
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "--mapping".as_ref(),
        mapping.as_ref(),
        "--out".as_ref(),
        out.as_ref(),
        input.as_ref(),
    ];
    if !layout.is_empty() {
        args.extend::<[&std::ffi::OsStr; 2]>(["--layout".as_ref(), layout.as_ref()]);
    }
    let run = sanitize(Some(KEY), &args);
    assert_exit(&run, 1); // the truncated image
                          // The same run with a report per file: its names too.
    args.extend::<[&std::ffi::OsStr; 2]>(["--report-dir".as_ref(), reports.as_ref()]);
    let out2 = d.join(format!("out2-{layout}"));
    args[3] = out2.as_ref();
    let again = sanitize(Some(KEY), &args);
    assert_exit(&again, 1);
    for f in tree(&reports) {
        assert_eq!(name_holds(&f), None, "{layout}: report {}", f.display());
    }
    assert_eq!(
        tree(&out2),
        tree(&out),
        "{layout}: the same names in every run"
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

/// The planted value a path holds, in any case and with any separators.
fn name_holds(path: &Path) -> Option<&'static str> {
    let fold = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let name = fold(&path.to_string_lossy());
    NAMED.into_iter().find(|v| name.contains(&fold(v)))
}

#[test]
fn a_patient_cd_becomes_a_sanitized_media_set_under_every_layout() {
    let d = tempdir("media-set");
    patient_cd(&d);
    // The default first (mirror).
    for layout in ["", "uids", "numbered", "mirror"] {
        let (_, lines, out) = run(&d, layout);
        let status = |s: &str| lines.iter().filter(|l| l["status"] == s).count();
        assert_eq!(
            (status("sanitized"), status("skipped"), status("refused")),
            (7, 3, 1),
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
        // Every file written, and its name, in every layout.
        assert_eq!(files.len(), 7, "{layout}: {files:?}");
        for f in &files {
            let bytes = std::fs::read(out.join(f)).unwrap();
            let text: String = bytes.iter().map(|&b| b as char).collect();
            assert_eq!(
                holds_phi(&text),
                None,
                "{layout}: {} holds PHI",
                f.display()
            );
            assert_eq!(name_holds(f), None, "{layout}: {}", f.display());
        }
        // The lines do not name the inputs; the mapping does, for every input.
        for l in &lines {
            assert!(l.get("input").is_none(), "{l}");
            assert_eq!(name_holds(Path::new(&l.to_string())), None, "{l}");
        }
        let mapping = std::fs::read_to_string(d.join(format!("map-{layout}"))).unwrap();
        assert_eq!(mapping.lines().count(), 11);
        assert!(mapping.contains("DOE^JANE.dcm"));
        if layout == "uids" {
            assert!(files
                .iter()
                .any(|f| f.components().count() == 3 && f.to_string_lossy().starts_with("2.25.")));
        }
        if layout == "mirror" || layout.is_empty() {
            // The tree's shape and its harmless names stay.
            for kept in ["ST000000/SE000000/IM000001", "IM0001.dcm", "README.TXT"] {
                let hit = files.iter().any(|f| f.to_string_lossy().ends_with(kept));
                assert_eq!(hit, kept != "README.TXT", "{layout}: {kept} in {files:?}");
            }
            let mut depths: Vec<usize> = files.iter().map(|f| f.components().count()).collect();
            depths.sort();
            assert_eq!(depths, [1, 2, 2, 2, 3, 5, 5], "{layout}: the input's shape");
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
    let patient = cd.join(CD_PATIENT_ID);
    std::fs::rename(&patient, cd.join(CD_PATIENT_ID.to_lowercase())).unwrap();
    let out = d.join("out");
    let run = sanitize(
        Some(KEY),
        &["--out".as_ref(), out.as_ref(), d.join("in").as_ref()],
    );
    assert_exit(&run, 1);
    let files = tree(&out);
    let path = files
        .iter()
        .find(|f| f.file_name().unwrap() == "DICOMDIR")
        .unwrap();
    assert_eq!(name_holds(path), None);
    let dicomdir = std::fs::read(out.join(path)).unwrap();
    let text: String = dicomdir.iter().map(|&b| b as char).collect();
    // The patient folder pseudonymised (the same whatever its case), the rest as on the CD.
    assert_eq!(text.matches("\\ST000000\\SE000000\\IM00000").count(), 2);
    assert!(!text.to_lowercase().contains(&CD_PATIENT_ID.to_lowercase()));
    let records: Vec<(String, Vec<String>)> =
        serde_json::from_str(&fixtures::fileset(&[&"tree", &out.join(path)])).unwrap();
    assert_eq!(records.len(), 2);
    let set = out.join(path).parent().unwrap().to_path_buf();
    for (file, _) in &records {
        assert!(set.join(file).is_file(), "{file}");
    }
    std::fs::remove_dir_all(&d).ok();
}
