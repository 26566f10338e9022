//! The CLI end to end: folders in, mirrored folder out, reports, exit codes, nothing partial.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};

mod common;

use common::*;

#[test]
fn sanitizes_a_tree_reports_json_lines_and_lists_refusals() {
    let d = tempdir("tree");
    write(
        &d.join("in/study/a.dcm"),
        &fixtures::Sample::ct_instance(1).to_bytes(),
    );
    write(
        &d.join("in/study/deeper/b.dcm"),
        &fixtures::Sample::ct_instance(2).to_bytes(),
    );
    write(&d.join("in/notes.txt"), b"not dicom");
    write(&d.join("key"), b"cli-test-key-0123456789abcdef\n");
    let (key, out, input) = (d.join("key"), d.join("out"), d.join("in"));
    let run = sanitize(
        None,
        &[
            "--key-file".as_ref(),
            key.as_ref(),
            "--out".as_ref(),
            out.as_ref(),
            "--option".as_ref(),
            "retain-uids".as_ref(),
            "--rule".as_ref(),
            "SeriesDescription=keep".as_ref(),
            input.as_ref(),
        ],
    );
    assert_eq!(
        run.status.code(),
        Some(0),
        "a file that is not DICOM is skipped, not refused: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("2 sanitized, 1 skipped (not DICOM), 0 refused, of 3"),
        "{stderr}"
    );
    let lines = json_lines(&run.stdout);
    assert_eq!(lines.len(), 3);
    let ok: Vec<_> = lines.iter().filter(|l| l["ok"] == true).collect();
    assert_eq!(ok.len(), 2);
    assert_eq!(ok[0]["report"]["options"][0], "retainUids");
    assert!(d.join("out/study/a.dcm").is_file() && d.join("out/study/deeper/b.dcm").is_file());
    assert!(
        !d.join("out/notes.txt").exists(),
        "nothing written for a skipped file"
    );
    let bad = lines.iter().find(|l| l["ok"] == false).unwrap();
    assert_eq!(bad["error"]["code"], "read.not_dicom");
    assert_eq!(bad["status"], "skipped");
    assert!(ok.iter().all(|l| l["status"] == "sanitized"));
    // Same key, same bytes as the library gives.
    let lib = dicom_sanitizer::Sanitizer::new(
        dicom_sanitizer::Settings::new()
            .key(*b"cli-test-key-0123456789abcdef")
            .option(dicom_sanitizer::ProfileOption::RetainUids)
            .rule(dicom_sanitizer::UserRule::new(
                "SeriesDescription",
                dicom_sanitizer::RuleAction::Keep,
            )),
    )
    .unwrap()
    .sanitize(&fixtures::Sample::ct_instance(1).to_bytes())
    .unwrap();
    assert_eq!(std::fs::read(d.join("out/study/a.dcm")).unwrap(), lib.bytes);
}

#[test]
fn report_dir_key_from_env_and_exit_codes() {
    let d = tempdir("env");
    write(&d.join("in/one.dcm"), &fixtures::Sample::ct().to_bytes());
    const KEY: Option<&str> = Some("env-key-0123456789abcdef");
    let (reports, out, input) = (d.join("reports"), d.join("out"), d.join("in"));
    let run = sanitize(
        KEY,
        &[
            "-q".as_ref(),
            "--report-dir".as_ref(),
            reports.as_ref(),
            "--out".as_ref(),
            out.as_ref(),
            input.as_ref(),
        ],
    );
    assert_exit(&run, 0);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("reports/one.json")).unwrap()).unwrap();
    assert_eq!(report["report"]["edition"], "2025b");
    // A bad rule is a settings error: exit 3, nothing read or written.
    let out2 = d.join("out2");
    let bad = sanitize(
        KEY,
        &[
            "--rule".as_ref(),
            "PatientNme=keep".as_ref(),
            "--out".as_ref(),
            out2.as_ref(),
            input.as_ref(),
        ],
    );
    assert_eq!(bad.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("settings.unknown_keyword"));
    assert!(!d.join("out2").exists());
    let short = sanitize(
        Some("short"),
        &["--out".as_ref(), d.join("o3").as_ref(), input.as_ref()],
    );
    assert_eq!(short.status.code(), Some(3));
    let missing = sanitize(
        None,
        &[
            "--out".as_ref(),
            d.join("o4").as_ref(),
            d.join("nope").as_ref(),
        ],
    );
    assert_eq!(missing.status.code(), Some(4));
}

fn cli(args: &[&OsStr]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

#[test]
fn keygen_signed_receipts_and_verify() {
    let d = tempdir("receipts");
    write(&d.join("in/ct.dcm"), &fixtures::Sample::ct().to_bytes());
    let key_file = d.join("signing.key");
    let made = cli(&["keygen".as_ref(), "--out".as_ref(), key_file.as_ref()]);
    assert_eq!(made.status.code(), Some(0));
    let public = String::from_utf8(made.stdout).unwrap().trim().to_string();
    assert_eq!(public.len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the secret key is private to its owner");
    }
    let again = cli(&["keygen".as_ref(), "--out".as_ref(), key_file.as_ref()]);
    assert_eq!(
        again.status.code(),
        Some(4),
        "an existing key is never overwritten"
    );

    let (out, reports) = (d.join("out"), d.join("reports"));
    let run = sanitize(
        Some("cli-test-key-0123456789abcdef"),
        &[
            "--signing-key-file".as_ref(),
            key_file.as_ref(),
            "--blank-region".as_ref(),
            "0,0,2,2".as_ref(),
            "--report-dir".as_ref(),
            reports.as_ref(),
            "--out".as_ref(),
            out.as_ref(),
            d.join("in").as_ref(),
        ],
    );
    assert_exit(&run, 0);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reports.join("ct.json")).unwrap()).unwrap();
    assert_eq!(report["receipt"]["publicKey"], public.as_str());
    assert_eq!(
        report["report"]["findings"][0]["code"],
        "pixel.regions_blanked"
    );

    let receipt = reports.join("ct.json");
    let check_with = |file: &Path, extra: &[&OsStr]| {
        let mut args: Vec<&OsStr> = vec![
            "verify".as_ref(),
            file.as_ref(),
            "--receipt".as_ref(),
            receipt.as_ref(),
            "--public-key".as_ref(),
            public.as_ref(),
        ];
        args.extend_from_slice(extra);
        cli(&args)
    };
    let check = |file: &Path| check_with(file, &[]);
    let ok = check(&out.join("ct.dcm"));
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let mut bytes = std::fs::read(out.join("ct.dcm")).unwrap();
    let last = bytes.len() - 1; // the last pixel byte
    bytes[last] ^= 0xFF;
    write(&d.join("tampered.dcm"), &bytes);
    let bad = check(&d.join("tampered.dcm"));
    assert_eq!(bad.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&bad.stdout).unwrap();
    assert_eq!(v["valid"], false);
    let parts: Vec<&str> = v["mismatches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["part"].as_str().unwrap())
        .collect();
    assert_eq!(parts, ["file", "pixelData"]);

    // The original the report was made from, and another one.
    let original = d.join("in/ct.dcm");
    let with_original = check_with(
        &out.join("ct.dcm"),
        &["--original".as_ref(), original.as_ref()],
    );
    assert_eq!(with_original.status.code(), Some(0));
    write(
        &d.join("other.dcm"),
        &fixtures::Sample::ct_instance(9).to_bytes(),
    );
    let other = d.join("other.dcm");
    let wrong = check_with(
        &out.join("ct.dcm"),
        &["--original".as_ref(), other.as_ref()],
    );
    assert_eq!(wrong.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&wrong.stdout).unwrap();
    assert_eq!(v["mismatches"][0]["part"], "originalHeader");
}

#[test]
fn parallel_jobs_give_the_same_files_and_reports_in_input_order() {
    let d = tempdir("jobs");
    for i in 0..40u32 {
        let bytes = if i % 7 == 3 {
            let whole = fixtures::Sample::ct_instance(i).to_bytes();
            whole[..whole.len() / 2].to_vec() // truncated: refused
        } else {
            fixtures::Sample::ct_instance(i).to_bytes()
        };
        write(&d.join(format!("in/{i:02}.dcm")), &bytes);
    }
    let run = |jobs: &str, out: &str, digest: &str| {
        let (input, out) = (d.join("in"), d.join(out));
        let run = sanitize(
            Some("cli-test-key-0123456789abcdef"),
            &[
                "--jobs".as_ref(),
                jobs.as_ref(),
                "--digest".as_ref(),
                digest.as_ref(),
                "--out".as_ref(),
                out.as_ref(),
                input.as_ref(),
            ],
        );
        assert_eq!(run.status.code(), Some(1), "6 of 40 are refused");
        let lines = json_lines(&run.stdout);
        let reports: Vec<_> = lines
            .iter()
            .map(|l| {
                (
                    l["n"].clone(),
                    l["report"].clone(),
                    l["error"]["code"].clone(),
                )
            })
            .collect();
        (reports, out)
    };
    let (one, out1) = run("1", "out1", "blake3");
    let (four, out4) = run("4", "out4", "blake3");
    assert_eq!(one.len(), 40);
    assert_eq!(one, four, "same reports, in the same (input) order");
    let order: Vec<u64> = one.iter().map(|r| r.0.as_u64().unwrap()).collect();
    assert_eq!(
        order,
        (1..=40).collect::<Vec<u64>>(),
        "lines in input order"
    );
    assert_eq!(one.iter().filter(|r| r.2 == "read.truncated").count(), 6);
    for i in (0..40u32).filter(|i| i % 7 != 3) {
        let name = format!("{i:02}.dcm");
        let bytes = std::fs::read(out1.join(&name)).unwrap();
        assert_eq!(bytes, std::fs::read(out4.join(&name)).unwrap(), "{name}");
    }
    let (sha, _) = run("2", "out-sha", "sha256");
    assert_eq!(sha[0].1["output"]["algorithm"], "sha256");
    assert_eq!(one[0].1["output"]["algorithm"], "blake3");
    let first = std::fs::read(out1.join("00.dcm")).unwrap();
    assert_eq!(
        one[0].1["output"]["hex"],
        blake3::hash(&first).to_hex().as_str()
    );
}

#[test]
fn large_files_pass_through_the_pipeline_unchanged_or_not_at_all() {
    let d = tempdir("large");
    let (header, len) = fixtures::Sample::large_header(512, 512, 24); // 12 MiB of pixels
    let mut file = header;
    file.extend((0..len).map(|i| (i % 251) as u8));
    write(&d.join("in/big.dcm"), &file);
    write(&d.join("cut/big.dcm"), &file[..file.len() - 1000]);
    let key = "cli-test-key-0123456789abcdef";
    let run = |dir: &str| {
        let (input, out) = (d.join(dir), d.join(format!("out-{dir}")));
        let run = sanitize(Some(key), &["--out".as_ref(), out.as_ref(), input.as_ref()]);
        let line: serde_json::Value =
            serde_json::from_str(String::from_utf8(run.stdout).unwrap().trim()).unwrap();
        (run.status.code(), line, out.join("big.dcm"))
    };
    let (code, line, out) = run("in");
    assert_eq!(code, Some(0), "{line}");
    let lib = dicom_sanitizer::Sanitizer::new(dicom_sanitizer::Settings::new().key(key.as_bytes()))
        .unwrap()
        .sanitize(&file)
        .unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), lib.bytes);
    assert_eq!(line["report"], serde_json::to_value(&lib.report).unwrap());
    let (code, line, out) = run("cut");
    assert_eq!(code, Some(1));
    assert_eq!(line["error"]["code"], "read.truncated");
    assert!(!out.exists() && !out.with_extension("partial").exists());
}
