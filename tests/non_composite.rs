//! Data sets that are not composite instances: a media set directory (DICOMDIR), a worklist item
//! or a fragment has no SOP Class or Instance UID of its own. They are de-identified like any
//! other (never refused, never passed through), and a DICOMDIR's record offsets are carried
//! over so that it still describes its media set. pydicom's FileSet makes and reads the
//! directories: an independent implementation of PS3.10 on both sides.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use dicom_dictionary_std::tags;
use dicom_sanitizer::Sanitizer;
use fixtures::{phi, Sample};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dicom-sanitizer-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A media set of three CT instances of one patient, two series, made by pydicom.
fn media_set(dir: &Path) -> PathBuf {
    let mut files = Vec::new();
    for n in 1..=3 {
        use dicom_core::VR;
        let mut s = Sample::ct_instance(n)
            .put(fixtures::text(tags::STUDY_ID, VR::SH, "S778899"))
            .put(fixtures::text(tags::SERIES_NUMBER, VR::IS, "1"))
            .put(fixtures::text(
                tags::INSTANCE_NUMBER,
                VR::IS,
                &n.to_string(),
            ));
        if n == 3 {
            s = s.put(fixtures::text(
                tags::SERIES_INSTANCE_UID,
                VR::UI,
                "1.2.826.0.1.3680043.8.498.77",
            ));
        }
        let p = dir.join(format!("in-{n}.dcm"));
        std::fs::write(&p, s.to_bytes()).unwrap();
        files.push(p);
    }
    let set = dir.join("set");
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"make", &set];
    args.extend(files.iter().map(|f| f as &dyn AsRef<std::ffi::OsStr>));
    fixtures::fileset(&args);
    set.join("DICOMDIR")
}

#[test]
fn a_dicomdir_is_de_identified_and_its_records_still_link() {
    let dir = temp("dicomdir");
    let input_path = media_set(&dir);
    let input = std::fs::read(&input_path).unwrap();
    assert!(
        phi::ALL.iter().any(|t| find_text(&input, t)),
        "the records hold PHI"
    );
    let out = sanitize(settings(), &input);
    for token in phi::ALL {
        assert!(
            !find_text(&out.bytes, token),
            "{token} left in the DICOMDIR"
        );
    }
    assert!(out.report.findings_with("meta.not_composite").count() == 1);
    // The offsets describe the same tree of records, pointing at the same files (in place of
    // the input: pydicom lists only records whose files exist).
    let before = fixtures::fileset(&[&"tree", &input_path]);
    std::fs::write(&input_path, &out.bytes).unwrap();
    let after = fixtures::fileset(&[&"tree", &input_path]);
    assert_eq!(before, after);
    assert!(before.contains("IMAGE"), "{before}");
    // Type 1 attributes of the records stay, with dummy values (PS3.3 F.5).
    let o = parse(&out.bytes);
    let records = o.get(tags::DIRECTORY_RECORD_SEQUENCE).unwrap();
    let study = records
        .items()
        .unwrap()
        .iter()
        .find(|r| text_of_item(r, tags::DIRECTORY_RECORD_TYPE).as_deref() == Some("STUDY"))
        .expect("a study record");
    for tag in [tags::STUDY_DATE, tags::STUDY_TIME, tags::STUDY_ID] {
        assert!(
            text_of_item(study, tag).is_some_and(|v| !v.is_empty()),
            "{tag:?} has a value"
        );
    }
    // The meta names the directory; its instance UID is pseudonymised.
    assert_eq!(
        o.meta().media_storage_sop_class_uid.trim_end_matches('\0'),
        "1.2.840.10008.1.3.10"
    );
    assert!(o.meta().media_storage_sop_instance_uid.starts_with("2.25."));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_data_set_without_sop_uids_is_sanitized_under_its_meta_names() {
    // No SOP Instance UID in the data set: the meta's, pseudonymised like any UID.
    let whole = Sample::ct();
    let class = "1.2.840.10008.5.1.4.1.1.2";
    let instance = whole
        .obj
        .element(tags::SOP_INSTANCE_UID)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let mut part = whole.clone();
    part.obj.remove_element(tags::SOP_INSTANCE_UID);
    let out = sanitize(settings(), &part.to_bytes_with_meta(class, &instance));
    assert_eq!(out.report.findings_with("meta.not_composite").count(), 1);
    let o = parse(&out.bytes);
    let meta = o
        .meta()
        .media_storage_sop_instance_uid
        .trim_end_matches('\0');
    assert!(meta.starts_with("2.25."), "{meta}");
    // The same UID the instance would have had: references to it still resolve.
    let whole = sanitize(settings(), &whole.to_bytes());
    assert_eq!(
        parse(&whole.bytes).meta().media_storage_sop_instance_uid,
        o.meta().media_storage_sop_instance_uid
    );

    // Neither SOP UID anywhere: the output's meta leaves them out rather than writing them empty.
    let mut part = Sample::ct();
    part.obj.remove_element(tags::SOP_INSTANCE_UID);
    part.obj.remove_element(tags::SOP_CLASS_UID);
    let out = sanitize(settings(), &part.to_bytes_with_meta("", ""));
    let meta_group = &out.bytes[..find(&out.bytes, b"\x08\x00")];
    assert!(find(meta_group, b"\x02\x00\x10\x00UI") > 0);
    for absent in [b"\x02\x00\x02\x00", b"\x02\x00\x03\x00"] {
        assert!(!meta_group.windows(4).any(|w| w == absent));
    }
}

fn find_text(bytes: &[u8], token: &str) -> bool {
    let hay = String::from_utf8_lossy(bytes).to_lowercase();
    hay.contains(&token.to_lowercase())
}

fn text_of_item(obj: &dicom_object::InMemDicomObject, tag: dicom_core::Tag) -> Option<String> {
    obj.get(tag)
        .and_then(|e| e.value().to_str().ok())
        .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
}

#[test]
fn a_media_set_directory_follows_its_files_renamed_or_left_out() {
    let dir = temp("retarget");
    let input_path = media_set(&dir);
    let set = input_path.parent().unwrap().to_path_buf();
    let input = std::fs::read(&input_path).unwrap();
    let before: Vec<(String, Vec<String>)> =
        serde_json::from_str(&fixtures::fileset(&[&"tree", &input_path])).unwrap();
    assert_eq!(before.len(), 3);
    // The second series' only image is left out (refused, say); the others are renumbered.
    let dropped = "PT000000/ST000000/SE000001/IM000000";
    let mut asked = Vec::new();
    let out = Sanitizer::new(settings())
        .unwrap()
        .sanitize_directory(&input, &mut |id: &[String]| {
            asked.push(id.join("/"));
            (id.join("/") != dropped).then(|| vec!["DICOM".into(), format!("IM{:06}", asked.len())])
        })
        .unwrap();
    assert_eq!(asked.len(), 3);
    assert_eq!(out.report.output.bytes, out.bytes.len() as u64);
    // The new set: the DICOMDIR and the two files under their new names.
    let new_set = dir.join("new");
    std::fs::create_dir_all(new_set.join("DICOM")).unwrap();
    std::fs::write(new_set.join("DICOMDIR"), &out.bytes).unwrap();
    for (i, old) in asked.iter().enumerate().filter(|(_, o)| *o != dropped) {
        std::fs::copy(set.join(old), new_set.join(format!("DICOM/IM{:06}", i + 1))).unwrap();
    }
    let after: Vec<(String, Vec<String>)> =
        serde_json::from_str(&fixtures::fileset(&[&"tree", &new_set.join("DICOMDIR")])).unwrap();
    let ids: Vec<&str> = after.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids.len(), 2, "{after:?}");
    assert!(ids.iter().all(|id| id.starts_with("DICOM/IM")), "{ids:?}");
    for (_, chain) in &after {
        assert_eq!(chain, &["IMAGE", "SERIES", "STUDY", "PATIENT"]);
    }
    // The emptied series went with its image: one series record is left.
    let o = parse(&out.bytes);
    let records = o.get(tags::DIRECTORY_RECORD_SEQUENCE).unwrap();
    let types: Vec<String> = records
        .items()
        .unwrap()
        .iter()
        .filter_map(|r| text_of_item(r, tags::DIRECTORY_RECORD_TYPE))
        .collect();
    assert_eq!(types, ["PATIENT", "STUDY", "SERIES", "IMAGE", "IMAGE"]);
    // A file that is no directory is refused by this call.
    let err = Sanitizer::new(settings())
        .unwrap()
        .sanitize_directory(&Sample::ct().to_bytes(), &mut |_| None)
        .unwrap_err();
    assert_eq!(err.code(), "read.not_directory");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_gate_searches_new_file_ids_for_the_records_values() {
    let dir = temp("file-ids");
    let input = std::fs::read(media_set(&dir)).unwrap();
    let sanitizer = Sanitizer::new(settings()).unwrap();
    // A Patient ID folder (the records' value), in any case, or a name part: refused.
    for folder in [
        phi::PATIENT_ID.to_string(),
        phi::PATIENT_ID.to_lowercase(),
        "DOE".into(),
    ] {
        let err = sanitizer
            .sanitize_directory(&input, &mut |old: &[String]| {
                Some([vec![folder.clone()], old[1..].to_vec()].concat())
            })
            .unwrap_err();
        assert_eq!(err.code(), "phi.residual", "{folder}");
        assert!(
            !err.to_string().contains(&folder),
            "the message names no value"
        );
    }
    // Keyed pseudonyms of the same folder pass, and are the same for every record.
    let p = sanitizer.name_pseudonym(phi::PATIENT_ID);
    let mut seen = Vec::new();
    sanitizer
        .sanitize_directory(&input, &mut |old: &[String]| {
            seen.push(p.clone());
            Some([vec![p.clone()], old[1..].to_vec()].concat())
        })
        .unwrap();
    assert_eq!(seen.len(), 3);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_worklist_item_is_de_identified_not_refused() {
    let input = Sample::worklist_item()
        .to_bytes_with_meta("1.2.840.10008.5.1.4.31", "1.2.826.0.1.3680043.8.498.31");
    assert!(phi::ALL.iter().any(|t| find_text(&input, t)));
    let out = sanitize(settings(), &input);
    for token in phi::ALL {
        assert!(
            !find_text(&out.bytes, token),
            "{token} left in the worklist item"
        );
    }
    assert!(!find_text(&out.bytes, "Jane Doe"));
    let o = parse(&out.bytes);
    assert_eq!(
        o.meta().media_storage_sop_class_uid.trim_end_matches('\0'),
        "1.2.840.10008.5.1.4.31"
    );
    assert!(o.meta().media_storage_sop_instance_uid.starts_with("2.25."));
    assert_eq!(out.report.findings_with("meta.not_composite").count(), 1);
}
