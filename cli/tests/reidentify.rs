//! `--recipient` and `reidentify`: a tree sanitized for two recipients (a PEM and a DER
//! certificate, made by OpenSSL at test time) comes back whole with either private key, GDCM's
//! `gdcmanon` reads it too, and an unrelated key gives `reidentify.failed` and no output.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{assert_exit, json_lines, sanitize, tempdir, BIN};
use dicom_dictionary_std::tags;
use dicom_object::OpenFileOptions;
use fixtures::openssl::{identity, openssl};

/// `dicom-sanitize reidentify` of `d/from` into `d/out_name` with `who`'s private key.
fn reidentify(d: &Path, from: &str, out_name: &str, who: &str) -> Output {
    Command::new(BIN)
        .arg("reidentify")
        .arg(d.join(from))
        .arg("--out")
        .arg(d.join(out_name))
        .arg("--key")
        .arg(d.join(format!("{who}.key")))
        .output()
        .unwrap()
}

fn patient_name(file: &Path) -> String {
    let obj = OpenFileOptions::new().open_file(file).unwrap();
    obj.get(tags::PATIENT_NAME)
        .map(|e| e.value().to_str().unwrap().trim().to_string())
        .unwrap_or_default()
}

#[test]
fn a_tree_sanitized_for_two_recipients_comes_back_with_either_key() {
    let d = tempdir("reidentify");
    // "one" a PEM certificate, "two" a DER one, "stranger" a key nobody sealed for.
    for who in ["one", "two", "stranger"] {
        identity(&d, who, &format!("/CN={who}"));
    }
    openssl(
        &d,
        &[
            "x509", "-in", "two.pem", "-outform", "DER", "-out", "two.der",
        ],
    );
    let input = d.join("in/DOE_JANE");
    std::fs::create_dir_all(&input).unwrap();
    for n in 1..=3 {
        std::fs::write(
            input.join(format!("IM{n}.dcm")),
            fixtures::Sample::ct_instance(n).to_bytes(),
        )
        .unwrap();
    }
    let run = sanitize(
        Some("a key of at least sixteen bytes"),
        &[
            d.join("in").as_os_str(),
            "--out".as_ref(),
            d.join("out").as_os_str(),
            "--recipient".as_ref(),
            d.join("one.pem").as_os_str(),
            "--recipient".as_ref(),
            d.join("two.der").as_os_str(),
            "--quiet".as_ref(),
        ],
    );
    assert_exit(&run, 0);
    let lines = json_lines(&run.stdout);
    assert_eq!(lines.len(), 3);
    let outputs: Vec<String> = lines
        .iter()
        .map(|l| l["output"].as_str().unwrap().to_string())
        .collect();
    for o in &outputs {
        assert_ne!(patient_name(Path::new(o)), "DOE^JANE^QUINCY");
    }
    for who in ["one", "two"] {
        let run = reidentify(&d, "out", &format!("back-{who}"), who);
        assert_exit(&run, 0);
        let lines = json_lines(&run.stdout);
        assert_eq!(lines.len(), 3);
        for l in &lines {
            assert_eq!(l["ok"], true, "{l}");
            assert_eq!(
                patient_name(Path::new(l["output"].as_str().unwrap())),
                "DOE^JANE^QUINCY"
            );
        }
    }
    // GDCM re-identifies the CLI's output with the first key.
    let gdcm = d.join("gdcm.dcm");
    let run = Command::new("gdcmanon")
        .args(["-d", "-i", &outputs[0], "-o", gdcm.to_str().unwrap(), "-k"])
        .arg(d.join("one.key"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "gdcmanon: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(patient_name(&gdcm), "DOE^JANE^QUINCY");
    // An unrelated key: a coded error per file, exit 1, nothing written.
    let refused = d.join("refused");
    let run = reidentify(&d, "out", "refused", "stranger");
    assert_exit(&run, 1);
    for l in json_lines(&run.stdout) {
        assert_eq!(l["error"]["code"], "reidentify.failed", "{l}");
    }
    assert!(!refused.exists());

    // --enclose-pixels: blanked pixels come back as they were.
    let one = input.join("IM1.dcm");
    let run = sanitize(
        Some("a key of at least sixteen bytes"),
        &[
            one.as_os_str(),
            "--out".as_ref(),
            d.join("enclosed").as_os_str(),
            "--recipient".as_ref(),
            d.join("one.pem").as_os_str(),
            "--blank-region=0,0,2,2".as_ref(),
            "--enclose-pixels".as_ref(),
            "--quiet".as_ref(),
        ],
    );
    assert_exit(&run, 0);
    let pixels = |file: &Path| {
        let obj = OpenFileOptions::new().open_file(file).unwrap();
        obj.get(tags::PIXEL_DATA)
            .unwrap()
            .value()
            .to_bytes()
            .unwrap()
            .to_vec()
    };
    let blanked = json_lines(&run.stdout)[0]["output"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(pixels(Path::new(&blanked)), pixels(&one));
    let run = reidentify(&d, "enclosed", "enclosed-back", "one");
    assert_exit(&run, 0);
    let back = json_lines(&run.stdout)[0]["output"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(pixels(Path::new(&back)), pixels(&one));
    std::fs::remove_dir_all(&d).unwrap();
}
