//! Encrypted Attributes (PS3.15 E.1.1/E.1.2). The envelope (CMS EnvelopedData) against OpenSSL as the
//! independent implementation: what we seal OpenSSL opens, what OpenSSL seals we open, and every
//! way opening can fail gives the one `reidentify.failed`. Keys and certificates are made by
//! OpenSSL at test time; none is committed.

use std::path::{Path, PathBuf};
use std::process::Command;

use dicom_core::header::Header;
use dicom_core::value::Value;
use dicom_dictionary_std::tags;
use dicom_object::mem::InMemElement;
use dicom_object::{InMemDicomObject, OpenFileOptions};
use dicom_sanitizer::encrypted_attributes::{open, seal, Recipient};
use dicom_sanitizer::{reidentify, Error, Sanitizer, Settings};
use fixtures::openssl::{identity, openssl};

/// A scratch folder, removed with the throwaway keys in it when the test ends.
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!(
        "dicom-sanitizer-envelope-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

/// OpenSSL's EnvelopedData of `content.bin` in `dir`, written to `out` as DER; `args` name the
/// cipher and options, then the recipients' certificates.
fn encrypt(dir: &Path, out: &str, args: &[&str]) {
    let head = [
        "cms",
        "-encrypt",
        "-binary",
        "-outform",
        "DER",
        "-in",
        "content.bin",
        "-out",
        out,
    ];
    openssl(dir, &[&head[..], args].concat());
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

/// Not a multiple of the block size, and every byte value.
fn content() -> Vec<u8> {
    let mut c: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    c.extend_from_slice(b"\x10\x00\x10\x00PN\x08\x00DOE^JOHN");
    c
}

fn assert_failed(result: Result<Vec<u8>, Error>, what: &str) {
    let e = result.expect_err(what);
    assert_eq!(e.code(), "reidentify.failed", "{what}");
    // The same error and the same words whatever failed: no oracle in the message either.
    assert_eq!(e, Error::Reidentify, "{what}");
    assert_eq!(
        e.to_string(),
        "reidentify.failed: the encrypted attributes cannot be opened with this key",
        "{what}"
    );
}

#[test]
fn sealed_for_two_recipients_opens_in_openssl_for_each() {
    let dir = temp("seal");
    let (c1, k1) = identity(&dir, "one", "/C=XX/O=Hospital/CN=Archive One");
    let (c2, k2) = identity(&dir, "two", "/CN=Archive Two");
    let r1 = Recipient::parse(&c1).unwrap();
    let r2 = Recipient::parse(&c2).unwrap();
    // RFC 4514 order: the last RDN first.
    assert_eq!(r1.subject(), "CN=Archive One,O=Hospital,C=XX");
    assert_eq!(r2.subject(), "CN=Archive Two");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!((now + 86_400..now + 3 * 86_400).contains(&r1.not_after_unix()));
    // The same instant as OpenSSL prints it.
    let end = openssl(
        &dir,
        &[
            "x509", "-in", "one.pem", "-noout", "-enddate", "-dateopt", "iso_8601",
        ],
    );
    let end = end.trim().trim_start_matches("notAfter=").replace(' ', "T");
    assert_eq!(r1.not_after(), end);

    for (name, content) in [("env.der", content()), ("empty.der", Vec::new())] {
        let der = seal(&content, &[r1.clone(), r2.clone()]).unwrap();
        std::fs::write(dir.join(name), &der).unwrap();
        for who in ["one", "two"] {
            let out = format!("{who}-{name}.out");
            openssl(
                &dir,
                &[
                    "cms",
                    "-decrypt",
                    "-binary",
                    "-inform",
                    "DER",
                    "-in",
                    name,
                    "-recip",
                    &format!("{who}.pem"),
                    "-inkey",
                    &format!("{who}.key"),
                    "-out",
                    &out,
                ],
            );
            assert_eq!(read(&dir, &out), content, "OpenSSL opens {name} for {who}");
        }
        // And we open it too, with either key, with or without the certificate.
        assert_eq!(open(&der, &k1, None).unwrap(), content);
        assert_eq!(open(&der, &k2, Some(&c2)).unwrap(), content);
    }

    let printed = openssl(
        &dir,
        &[
            "cms", "-cmsout", "-print", "-inform", "DER", "-in", "env.der",
        ],
    );
    assert!(
        printed.contains("contentType: pkcs7-envelopedData"),
        "{printed}"
    );
    assert!(printed.contains("contentType: pkcs7-data"), "{printed}");
    assert!(printed.contains("algorithm: aes-256-cbc"), "{printed}");
    assert_eq!(printed.matches("d.ktri:").count(), 2, "{printed}");
    assert_eq!(
        printed.matches("d.issuerAndSerialNumber:").count(),
        2,
        "{printed}"
    );
    assert_eq!(
        printed.matches("algorithm: rsaEncryption").count(),
        2,
        "{printed}"
    );
    assert!(printed.contains("CN=Archive One") && printed.contains("CN=Archive Two"));

    // Fresh key and IV each time: the same content never seals to the same bytes.
    let once = std::slice::from_ref(&r1);
    assert_ne!(
        seal(&content(), once).unwrap(),
        seal(&content(), once).unwrap()
    );
}

#[test]
fn openssl_envelopes_open_with_every_cipher_recipient_identifier_and_key_encoding() {
    let dir = temp("open");
    let (c1, k1) = identity(&dir, "one", "/CN=Archive One");
    let (c2, k2) = identity(&dir, "two", "/CN=Archive Two");
    std::fs::write(dir.join("content.bin"), content()).unwrap();
    // The key in the other encodings a key holder may have.
    for args in [
        &["rsa", "-traditional", "-out", "one-pkcs1.pem"][..],
        &[
            "rsa",
            "-traditional",
            "-outform",
            "DER",
            "-out",
            "one-pkcs1.der",
        ],
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-outform",
            "DER",
            "-out",
            "one-pkcs8.der",
        ],
    ] {
        openssl(&dir, &[args, &["-in", "one.key"]].concat());
    }
    let pkcs1_pem = read(&dir, "one-pkcs1.pem");
    assert!(pkcs1_pem.starts_with(b"-----BEGIN RSA PRIVATE KEY-----"));
    assert!(k1.starts_with(b"-----BEGIN PRIVATE KEY-----"));
    let keys = [
        k1.clone(),
        pkcs1_pem,
        read(&dir, "one-pkcs1.der"),
        read(&dir, "one-pkcs8.der"),
    ];

    for (cipher, printed_as) in [
        ("-aes128", "aes-128-cbc"),
        ("-aes192", "aes-192-cbc"),
        ("-aes256", "aes-256-cbc"),
        ("-des3", "des-ede3-cbc"),
    ] {
        for keyid in [false, true] {
            let flag: &[&str] = if keyid { &["-keyid"] } else { &[] };
            encrypt(
                &dir,
                "e.der",
                &[&[cipher], flag, &["one.pem", "two.pem"]].concat(),
            );
            let printed = openssl(
                &dir,
                &["cms", "-cmsout", "-print", "-inform", "DER", "-in", "e.der"],
            );
            assert!(
                printed.contains(&format!("algorithm: {printed_as}")),
                "{printed}"
            );
            let rid = if keyid {
                "d.subjectKeyIdentifier:"
            } else {
                "d.issuerAndSerialNumber:"
            };
            assert_eq!(printed.matches(rid).count(), 2, "{printed}");

            let der = read(&dir, "e.der");
            let what = format!("{cipher} keyid={keyid}");
            for key in &keys {
                assert_eq!(open(&der, key, None).expect(&what), content(), "{what}");
            }
            assert_eq!(
                open(&der, &k1, Some(&c1)).expect(&what),
                content(),
                "{what}"
            );
            assert_eq!(open(&der, &k2, None).expect(&what), content(), "{what}");
            assert_eq!(
                open(&der, &k2, Some(&c2)).expect(&what),
                content(),
                "{what}"
            );
            // The certificate picks the recipient info: another's certificate finds none.
            assert_failed(
                open(&der, &k1, Some(&c2)),
                &format!("{what}, other's certificate"),
            );
        }
    }

    // A bare EnvelopedData (without its ContentInfo) opens too. ContentInfo is
    // 30 82 LL LL, 06 09 <id-envelopedData>, A0 82 LL LL, then the EnvelopedData.
    let der = read(&dir, "e.der");
    assert_eq!((der[0], der[4], der[15], der[19]), (0x30, 0x06, 0xa0, 0x30));
    assert_eq!(open(&der[19..], &k1, None).unwrap(), content());
}

#[test]
fn every_failure_to_open_is_the_same_error_and_never_a_panic() {
    let dir = temp("fail");
    let (c1, k1) = identity(&dir, "one", "/CN=Archive One");
    let (_, k2) = identity(&dir, "two", "/CN=Archive Two");
    let der = seal(&content(), &[Recipient::parse(&c1).unwrap()]).unwrap();
    assert_eq!(open(&der, &k1, None).unwrap(), content());

    assert_failed(open(&der, &k2, None), "another recipient's key");
    assert_failed(open(&der, &c1, None), "a certificate given as the key");
    assert_failed(open(&der, b"", None), "no key");
    assert_failed(
        open(&der, &k1, Some(b"not a certificate")),
        "garbage as certificate",
    );

    // The last byte of the padding, changed through the block before it: padding can never
    // be valid (0x80 ^ n > 16), whatever the random key.
    let mut tampered = der.clone();
    let n = tampered.len();
    tampered[n - 17] ^= 0x80;
    assert_failed(open(&tampered, &k1, None), "padding tampered");
    // The last block itself: garbage under the key.
    let mut tampered = der.clone();
    tampered[n - 1] ^= 0x01;
    let result = open(&tampered, &k1, None);
    // One time in about 256 garbage ends in valid padding; then the content differs.
    if let Ok(c) = &result {
        assert_ne!(*c, content());
    } else {
        assert_failed(result, "last block tampered");
    }
    // The wrapped key: the unwrap gives noise, as a wrong key would.
    let enc_key_at = find(&der, &[0x04, 0x82, 0x01, 0x00]).expect("the 256-byte encrypted key");
    let mut tampered = der.clone();
    tampered[enc_key_at + 4 + 100] ^= 0x01;
    assert_failed(open(&tampered, &k1, None), "wrapped key tampered");

    // Every truncation, and trailing bytes.
    for len in 0..der.len() {
        assert_failed(open(&der[..len], &k1, None), &format!("truncated to {len}"));
    }
    let mut longer = der.clone();
    longer.push(0);
    assert_failed(open(&longer, &k1, None), "trailing byte");

    // Garbage, and well-formed DER of other kinds.
    let mut noise = 0x2545_f491_4f6c_dd1d_u64;
    let garbage: Vec<u8> = (0..4096)
        .map(|_| {
            noise ^= noise << 13;
            noise ^= noise >> 7;
            noise ^= noise << 17;
            noise as u8
        })
        .collect();
    assert_failed(open(&garbage, &k1, None), "garbage");
    assert_failed(
        open(b"0\x80\x00\x00", &k1, None),
        "indefinite-length garbage",
    );
    assert_failed(open(&c1, &k1, None), "a PEM certificate as envelope");
    openssl(
        &dir,
        &[
            "x509", "-in", "one.pem", "-outform", "DER", "-out", "one.der",
        ],
    );
    assert_failed(
        open(&read(&dir, "one.der"), &k1, None),
        "a DER certificate as envelope",
    );
    // A ContentInfo of another type: signed data.
    std::fs::write(dir.join("content.bin"), content()).unwrap();
    openssl(
        &dir,
        &[
            "cms",
            "-sign",
            "-binary",
            "-outform",
            "DER",
            "-in",
            "content.bin",
            "-signer",
            "one.pem",
            "-inkey",
            "one.key",
            "-out",
            "signed.der",
        ],
    );
    assert_failed(open(&read(&dir, "signed.der"), &k1, None), "signed data");
    // An envelope with a content cipher E.1.1 does not name.
    encrypt(&dir, "camellia.der", &["-camellia128", "one.pem"]);
    assert_failed(open(&read(&dir, "camellia.der"), &k1, None), "camellia");
}

/// Envelopes well-formed as DER but wrong inside, made by decoding one of ours, changing one
/// field and encoding it again.
#[test]
fn structurally_wrong_envelopes_are_the_same_error() {
    use cms::content_info::ContentInfo;
    use cms::enveloped_data::{EnvelopedData, RecipientInfo};
    use der::asn1::{Null, ObjectIdentifier, OctetString};
    use der::{Any, Decode, Encode};

    let dir = temp("structure");
    let (c1, k1) = identity(&dir, "one", "/CN=Archive One");
    let der = seal(&content(), &[Recipient::parse(&c1).unwrap()]).unwrap();
    let ci = ContentInfo::from_der(&der).unwrap();
    let env: EnvelopedData = ci.content.decode_as().unwrap();
    let encode = |env: &EnvelopedData| {
        ContentInfo {
            content_type: ci.content_type,
            content: Any::encode_from(env).unwrap(),
        }
        .to_der()
        .unwrap()
    };
    // Re-encoded unchanged, it opens: the changes below are what fails.
    assert_eq!(open(&encode(&env), &k1, None).unwrap(), content());

    let ciphertext = env
        .encrypted_content
        .encrypted_content
        .clone()
        .unwrap()
        .into_bytes();
    type Change = fn(&mut EnvelopedData, &[u8]);
    let changes: [(&str, Change); 9] = [
        ("ciphertext one byte short", |e, c| {
            e.encrypted_content.encrypted_content =
                Some(OctetString::new(&c[..c.len() - 1]).unwrap())
        }),
        ("ciphertext empty", |e, _| {
            e.encrypted_content.encrypted_content = Some(OctetString::new(Vec::new()).unwrap())
        }),
        ("ciphertext detached", |e, _| {
            e.encrypted_content.encrypted_content = None
        }),
        ("last block dropped", |e, c| {
            e.encrypted_content.encrypted_content =
                Some(OctetString::new(&c[..c.len() - 16]).unwrap())
        }),
        ("8-byte IV", |e, _| {
            e.encrypted_content.content_enc_alg.parameters =
                Some(Any::encode_from(&OctetString::new([0u8; 8]).unwrap()).unwrap())
        }),
        ("no IV", |e, _| {
            e.encrypted_content.content_enc_alg.parameters = None
        }),
        ("IV not an OCTET STRING", |e, _| {
            e.encrypted_content.content_enc_alg.parameters = Some(Any::encode_from(&Null).unwrap())
        }),
        ("unknown content cipher", |e, _| {
            e.encrypted_content.content_enc_alg.oid =
                ObjectIdentifier::new_unwrap("1.2.840.113549.3.2") // rc2-cbc
        }),
        ("key transport not rsaEncryption", |e, _| {
            let mut infos: Vec<RecipientInfo> = e.recip_infos.0.iter().cloned().collect();
            if let RecipientInfo::Ktri(k) = &mut infos[0] {
                k.key_enc_alg.oid = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.7");
                // OAEP
            }
            e.recip_infos = infos.try_into().unwrap();
        }),
    ];
    for (what, change) in changes {
        let mut changed = env.clone();
        change(&mut changed, &ciphertext);
        assert_failed(open(&encode(&changed), &k1, None), what);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn recipients_other_than_rsa_certificates_are_refused() {
    let dir = temp("refuse");
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ec.key",
            "-out",
            "ec.pem",
            "-subj",
            "/CN=EC",
            "-days",
            "2",
        ],
    );
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:1024",
            "-nodes",
            "-keyout",
            "small.key",
            "-out",
            "small.pem",
            "-subj",
            "/CN=Small",
            "-days",
            "2",
        ],
    );
    let (cert, key) = identity(&dir, "rsa", "/CN=Archive");
    openssl(
        &dir,
        &[
            "x509", "-in", "rsa.pem", "-outform", "DER", "-out", "rsa.der",
        ],
    );
    // DER, and PEM with text before it, are fine.
    let der = Recipient::parse(&read(&dir, "rsa.der")).unwrap();
    assert_eq!(der.subject(), "CN=Archive");
    let mut texted = b"Subject: CN=Archive\n".to_vec();
    texted.extend_from_slice(&cert);
    assert_eq!(Recipient::parse(&texted).unwrap().subject(), "CN=Archive");
    // What is kept is the certificate alone, as OpenSSL writes it, whatever form it came in.
    let canonical = openssl(&dir, &["x509", "-in", "rsa.der", "-inform", "DER"]);
    for (what, r) in [
        ("DER", &der),
        ("PEM with text", &Recipient::parse(&texted).unwrap()),
    ] {
        assert_eq!(r.pem(), canonical, "{what}");
    }

    for (what, bytes) in [
        ("EC certificate", read(&dir, "ec.pem")),
        ("1024-bit RSA", read(&dir, "small.pem")),
        ("a private key", key),
        (
            "garbage",
            b"-----BEGIN CERTIFICATE-----\nnot base64\n".to_vec(),
        ),
        ("truncated DER", read(&dir, "rsa.der")[..300].to_vec()),
        ("nothing", Vec::new()),
    ] {
        let e = Recipient::parse(&bytes).expect_err(what);
        assert_eq!(e.code(), "settings.invalid_recipient", "{what}: {e}");
    }
    let e = seal(b"x", &[]).expect_err("no recipient");
    assert_eq!(e.code(), "settings.invalid_recipient");
}

// --- Sanitized files with Encrypted Attributes, and their re-identification ------------------

fn read_file(bytes: &[u8]) -> InMemDicomObject {
    OpenFileOptions::new()
        .from_reader(bytes)
        .expect("a Part 10 file")
        .into_inner()
}

/// Equal in VR and value, items element by element (lengths left out). Written apart from
/// the core's own comparison on purpose: the check must not be the code it checks.
fn same(a: &InMemElement, b: &InMemElement) -> bool {
    a.vr() == b.vr()
        && match (a.value(), b.value()) {
            (Value::Sequence(x), Value::Sequence(y)) => {
                x.items().len() == y.items().len()
                    && x.items().iter().zip(y.items()).all(|(i, j)| {
                        i.iter().count() == j.iter().count()
                            && i.iter().all(|e| j.get(e.tag()).is_some_and(|f| same(e, f)))
                    })
            }
            (x, y) => x == y,
        }
}

/// Every element of `original` is in `restored` with its value, but the marks of
/// de-identification that E.1.2 sets or removes.
fn assert_restored(original: &InMemDicomObject, restored: &InMemDicomObject, what: &str) {
    for e in original.iter() {
        let Some(r) = restored.get(e.tag()) else {
            panic!("{what}: {} not restored", e.tag());
        };
        assert!(
            same(e, r),
            "{what}: {} restored as {:?}",
            e.tag(),
            r.value()
        );
    }
    assert_eq!(
        restored.get(tags::PATIENT_IDENTITY_REMOVED).map(|e| e
            .value()
            .to_str()
            .unwrap()
            .trim()
            .to_string()),
        Some("NO".into()),
        "{what}"
    );
    assert!(restored.get(tags::ENCRYPTED_ATTRIBUTES_SEQUENCE).is_none());
    assert!(restored.get(tags::DEIDENTIFICATION_METHOD).is_none());
}

fn name(obj: &InMemDicomObject) -> String {
    obj.get(tags::PATIENT_NAME)
        .map(|e| e.value().to_str().unwrap().trim().to_string())
        .unwrap_or_default()
}

#[test]
fn a_sanitized_file_carries_its_originals_for_either_recipient_and_for_openssl() {
    let dir = temp("sanitized");
    let (cert1, key1) = identity(&dir, "one", "/CN=Archive One");
    let (cert2, key2) = identity(&dir, "two", "/CN=Archive Two");
    let (_, stranger) = identity(&dir, "stranger", "/CN=Stranger");
    let input = fixtures::Sample::ct().to_bytes();
    let original = read_file(&input);
    let sanitizer = Sanitizer::new(
        Settings::new()
            .key(*b"a key of at least sixteen bytes!")
            .recipient(&cert1)
            .recipient(&std::fs::read(dir.join("two.pem")).unwrap()),
    )
    .unwrap();
    let out = sanitizer.sanitize(&input).unwrap();
    assert!(out
        .report
        .findings
        .iter()
        .any(|f| f.code == "encrypted.attributes_added"));
    let sanitized = read_file(&out.bytes);
    assert_ne!(name(&sanitized), name(&original));
    // No original value is readable in the output, the Encrypted Content included.
    for planted in ["DOE^JANE", "MRN0012345", "19610312", "ACC778899"] {
        assert!(
            !out.bytes
                .windows(planted.len())
                .any(|w| w == planted.as_bytes()),
            "{planted} readable in the output"
        );
    }
    // OpenSSL opens the Encrypted Content; its data set holds the Modified Attributes item.
    let Value::Sequence(eas) = sanitized
        .get(tags::ENCRYPTED_ATTRIBUTES_SEQUENCE)
        .expect("an Encrypted Attributes Sequence")
        .value()
    else {
        panic!("not a sequence")
    };
    let item = &eas.items()[0];
    assert_eq!(
        item.get(tags::ENCRYPTED_CONTENT_TRANSFER_SYNTAX_UID)
            .unwrap()
            .value()
            .to_str()
            .unwrap()
            .trim_end_matches('\0'),
        "1.2.840.10008.1.2.1"
    );
    let der = item
        .get(tags::ENCRYPTED_CONTENT)
        .unwrap()
        .value()
        .to_bytes()
        .unwrap();
    std::fs::write(dir.join("content.der"), &der).unwrap();
    for who in ["one", "two"] {
        openssl(
            &dir,
            &[
                "cms",
                "-decrypt",
                "-inform",
                "DER",
                "-in",
                "content.der",
                "-recip",
                &format!("{who}.pem"),
                "-inkey",
                &format!("{who}.key"),
                "-out",
                "content.bin",
            ],
        );
        let content = read(&dir, "content.bin");
        let set = InMemDicomObject::read_dataset_with_ts(
            content.as_slice(),
            &dicom_transfer_syntax_registry::entries::EXPLICIT_VR_LITTLE_ENDIAN.erased(),
        )
        .expect("Explicit VR Little Endian");
        let Value::Sequence(modified) = set
            .get(tags::MODIFIED_ATTRIBUTES_SEQUENCE)
            .expect("a Modified Attributes Sequence")
            .value()
        else {
            panic!("not a sequence")
        };
        assert_eq!(modified.items().len(), 1);
        let originals = &modified.items()[0];
        // Exactly what changed: each element differs in the output or is gone from it, but
        // the SOP Instance UID (for GDCM) and the character set (for the text), always there.
        let always = [tags::SOP_INSTANCE_UID, tags::SPECIFIC_CHARACTER_SET];
        for e in originals.iter() {
            assert!(same(e, original.get(e.tag()).unwrap()), "{}", e.tag());
            let changed = sanitized.get(e.tag()).is_none_or(|o| !same(e, o));
            assert!(
                changed || always.contains(&e.tag()),
                "{} unchanged",
                e.tag()
            );
        }
        for e in original.iter() {
            let changed = sanitized.get(e.tag()).is_none_or(|o| !same(e, o));
            assert!(
                !changed || originals.get(e.tag()).is_some(),
                "{} missing",
                e.tag()
            );
        }
    }
    // Re-identified with either key (with or without its certificate).
    for (key, cert) in [
        (&key1, Some(cert1.as_slice())),
        (&key2, Some(cert2.as_slice())),
        (&key2, None),
    ] {
        let back = reidentify(&out.bytes, key, cert).unwrap();
        assert_restored(&original, &read_file(&back), "re-identified");
    }
    // An unrelated key, a tampered envelope (its wrapped key, the first block of its
    // ciphertext, which holds the data set's first headers, its last block, which holds the
    // padding), a file without Encrypted Attributes: the one error, whatever failed.
    let der: &[u8] = &der;
    let at = out.bytes.windows(der.len()).position(|w| w == der).unwrap();
    // The encrypted content: the last element, [0] IMPLICIT OCTET STRING (80 82 hi lo).
    let ciphertext = (0..der.len() - 4)
        .find(|&i| {
            der[i] == 0x80
                && der[i + 1] == 0x82
                && ((der[i + 2] as usize) << 8 | der[i + 3] as usize) == der.len() - i - 4
        })
        .expect("the encrypted content")
        + 4;
    // The wrapped keys: OCTET STRINGs of 256 bytes (RSA-2048), one per recipient.
    let wrapped_keys: Vec<usize> = (0..der.len() - 4)
        .filter(|&i| der[i..i + 4] == [0x04, 0x82, 0x01, 0x00])
        .map(|i| i + 4 + 100)
        .collect();
    assert_eq!(wrapped_keys.len(), 2);
    let tampered_at = |offsets: &[usize]| {
        let mut t = out.bytes.clone();
        for o in offsets {
            t[at + o] ^= 0x55;
        }
        t
    };
    let tampered = |offset: usize| tampered_at(&[offset]);
    let without = Sanitizer::new(Settings::new())
        .unwrap()
        .sanitize(&input)
        .unwrap()
        .bytes;
    for (bytes, key, what) in [
        (out.bytes.clone(), &stranger, "an unrelated key"),
        (tampered_at(&wrapped_keys), &key1, "tampered wrapped keys"),
        (tampered(ciphertext + 8), &key1, "a tampered first block"),
        (tampered(der.len() - 1), &key1, "a tampered last block"),
        (without, &key1, "no Encrypted Attributes"),
    ] {
        let Err(e) = reidentify(&bytes, key, None) else {
            panic!("{what}: re-identified");
        };
        assert_eq!(e.code(), "reidentify.failed", "{what}");
        assert_eq!(e.to_string(), Error::Reidentify.to_string(), "{what}");
    }
}

/// GDCM's `gdcmanon`, both ways: it re-identifies what we sanitized, and we re-identify what it
/// de-identified, to the values it restores itself.
#[test]
fn gdcmanon_reads_ours_and_we_read_gdcmanons() {
    let gdcmanon = Path::new("/usr/bin/gdcmanon");
    assert!(gdcmanon.exists(), "gdcmanon missing: make oracles");
    let dir = temp("gdcm");
    let (cert, key) = identity(&dir, "one", "/CN=Archive One");
    let input = fixtures::Sample::ct().to_bytes();
    let original = read_file(&input);
    std::fs::write(dir.join("in.dcm"), &input).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(gdcmanon)
            .args(args)
            .current_dir(&*dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "gdcmanon {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // Ours, re-identified by GDCM.
    let sanitizer = Sanitizer::new(Settings::new().recipient(&cert)).unwrap();
    std::fs::write(
        dir.join("ours.dcm"),
        sanitizer.sanitize(&input).unwrap().bytes,
    )
    .unwrap();
    run(&[
        "-d",
        "-i",
        "ours.dcm",
        "-o",
        "ours-back.dcm",
        "-k",
        "one.key",
    ]);
    let by_gdcm = read_file(&read(&dir, "ours-back.dcm"));
    for e in original.iter() {
        let r = by_gdcm
            .get(e.tag())
            .unwrap_or_else(|| panic!("GDCM did not restore {}", e.tag()));
        assert!(same(e, r), "GDCM restored {} as {:?}", e.tag(), r.value());
    }
    // GDCM's, re-identified by us, at every cipher it writes.
    for cipher in ["--aes256", "--aes128", "--des3"] {
        run(&[
            "-e",
            cipher,
            "-i",
            "in.dcm",
            "-o",
            "theirs.dcm",
            "-c",
            "one.pem",
        ]);
        run(&[
            "-d",
            "-i",
            "theirs.dcm",
            "-o",
            "theirs-gdcm.dcm",
            "-k",
            "one.key",
        ]);
        let theirs = read(&dir, "theirs.dcm");
        let ours = read_file(&reidentify(&theirs, &key, None).unwrap());
        let gdcm = read_file(&read(&dir, "theirs-gdcm.dcm"));
        for e in original
            .iter()
            .filter(|e| gdcm.get(e.tag()).is_some_and(|g| same(e, g)))
        {
            let r = ours
                .get(e.tag())
                .unwrap_or_else(|| panic!("{cipher}: {} not restored", e.tag()));
            assert!(
                same(e, r),
                "{cipher}: {} restored as {:?}",
                e.tag(),
                r.value()
            );
        }
        assert_eq!(name(&ours), name(&original), "{cipher}");
    }
}

// --- The original pixel data enclosed (`enclose_pixels`) -----------------------------------

mod common;
#[path = "../codecs/tests/counting/mod.rs"]
mod counting;
use common::native::Native;
use common::rle::dcmcrle;
use dicom_sanitizer::Region;

/// The settings that enclose the original pixels of what they blank (one 2 × 2 corner).
fn enclosing(cert: &[u8]) -> Settings {
    let mut s = Settings::new()
        .key(*b"a key of at least sixteen bytes!")
        .recipient(cert)
        .enclose_pixels(true);
    s.blank_regions = vec![Region {
        x: 0,
        y: 0,
        width: 2,
        height: 2,
    }];
    s
}

/// The Modified Attributes item a sanitized file carries, opened with `key`.
fn enclosed(file: &[u8], key: &[u8]) -> InMemDicomObject {
    let sanitized = read_file(file);
    let Value::Sequence(eas) = sanitized
        .get(tags::ENCRYPTED_ATTRIBUTES_SEQUENCE)
        .expect("Encrypted Attributes")
        .value()
    else {
        panic!("not a sequence")
    };
    let der = eas.items()[0]
        .get(tags::ENCRYPTED_CONTENT)
        .unwrap()
        .value()
        .to_bytes()
        .unwrap();
    let content = open(&der, key, None).unwrap();
    let set = InMemDicomObject::read_dataset_with_ts(
        content.as_slice(),
        &dicom_transfer_syntax_registry::entries::EXPLICIT_VR_LITTLE_ENDIAN.erased(),
    )
    .unwrap();
    let Value::Sequence(modified) = set.get(tags::MODIFIED_ATTRIBUTES_SEQUENCE).unwrap().value()
    else {
        panic!("not a sequence")
    };
    modified.items()[0].clone()
}

#[test]
fn enclosed_pixels_come_back_byte_for_byte_through_reidentify_and_gdcmanon() {
    let gdcmanon = Path::new("/usr/bin/gdcmanon");
    assert!(gdcmanon.exists(), "gdcmanon missing: make oracles");
    let dir = temp("enclosed");
    let (cert, key) = identity(&dir, "one", "/CN=Archive One");
    let image = Native::new("MONOCHROME2", 16, 64, 64, 3);
    for (what, input) in [
        ("native", fixtures::Sample::ct().to_bytes()),
        ("native, big endian", image.clone().big_endian().to_bytes()),
        ("RLE fragments (DCMTK)", dcmcrle(&image.to_bytes(), &[])),
    ] {
        let original = read_file(&input);
        let pixels = original.get(tags::PIXEL_DATA).unwrap();
        let sanitizer = Sanitizer::new(enclosing(&cert)).unwrap();
        let out = sanitizer.sanitize(&input).unwrap();
        let sanitized = read_file(&out.bytes);
        assert!(
            !same(pixels, sanitized.get(tags::PIXEL_DATA).unwrap()),
            "{what}: blanked"
        );
        assert!(out
            .report
            .findings
            .iter()
            .any(|f| f.code == "encrypted.attributes_added"
                && f.message.contains("Pixel Data included")));
        // Gathered first, the pixels are blanked and hashed as when they stream.
        let plain = Sanitizer::new(enclosing(&cert).enclose_pixels(false))
            .unwrap()
            .sanitize(&input)
            .unwrap();
        assert!(
            same(
                read_file(&plain.bytes).get(tags::PIXEL_DATA).unwrap(),
                sanitized.get(tags::PIXEL_DATA).unwrap()
            ),
            "{what}: blanked alike"
        );
        assert_eq!(plain.report.input_pixel_data, out.report.input_pixel_data);
        // Streamed in small chunks: the same result (but for the envelope's fresh key).
        let mut stream = sanitizer.stream();
        let mut streamed = Vec::new();
        for chunk in input.chunks(7) {
            stream
                .write(chunk, &mut |b: &[u8]| streamed.extend_from_slice(b))
                .unwrap();
        }
        stream
            .end(&mut |b: &[u8]| streamed.extend_from_slice(b))
            .unwrap();
        for file in [&out.bytes, &streamed] {
            assert!(
                same(pixels, enclosed(file, &key).get(tags::PIXEL_DATA).unwrap()),
                "{what}: the original as read"
            );
            let back = read_file(&reidentify(file, &key, None).unwrap());
            assert_restored(&original, &back, what);
        }
        // GDCM restores them too.
        std::fs::write(dir.join("ours.dcm"), &out.bytes).unwrap();
        let status = Command::new(gdcmanon)
            .args(["-d", "-i", "ours.dcm", "-o", "back.dcm", "-k", "one.key"])
            .current_dir(&*dir)
            .status()
            .unwrap();
        assert!(status.success(), "{what}: gdcmanon -d");
        let by_gdcm = read_file(&read(&dir, "back.dcm"));
        assert!(
            same(pixels, by_gdcm.get(tags::PIXEL_DATA).unwrap()),
            "{what}: GDCM restored the pixels"
        );
    }
}

#[test]
fn pixels_are_enclosed_only_when_blanked_and_asked_for() {
    let dir = temp("not-enclosed");
    let (cert, key) = identity(&dir, "one", "/CN=Archive One");
    let input = fixtures::Sample::ct().to_bytes();
    let mut unblanked = enclosing(&cert);
    unblanked.blank_regions.clear();
    let mut unasked = enclosing(&cert);
    unasked.enclose_pixels = false;
    for settings in [unblanked, unasked] {
        let out = Sanitizer::new(settings).unwrap().sanitize(&input).unwrap();
        assert!(enclosed(&out.bytes, &key).get(tags::PIXEL_DATA).is_none());
        assert!(!out
            .report
            .findings
            .iter()
            .any(|f| f.message.contains("Pixel Data included")));
    }
    // JPEG 2000 frames are blanked into JPEG-LS: E.1.2 would put the original fragments
    // back under the new transfer syntax, so enclosing them is refused (and only then).
    let image = Native::new("MONOCHROME2", 16, 64, 64, 1);
    let j2k = test_tools::run("gdcmconv", &["--j2k", "-n", "6"], &image.to_bytes());
    let e = Sanitizer::new(enclosing(&cert))
        .unwrap()
        .sanitize(&j2k)
        .expect_err("refused");
    assert_eq!(e.code(), "pixel.unsupported", "{e}");
    let mut unasked = enclosing(&cert);
    unasked.enclose_pixels = false;
    let out = Sanitizer::new(unasked).unwrap().sanitize(&j2k).unwrap();
    assert_eq!(out.report.transfer_syntax, "1.2.840.10008.1.2.4.80");
    // Without recipients there is no one to enclose them for.
    let e = Sanitizer::new(Settings::new().enclose_pixels(true))
        .err()
        .expect("refused");
    assert_eq!(e.code(), "settings.invalid_value");
}

#[test]
fn pixels_over_the_enclosure_limit_are_refused_before_any_output() {
    let dir = temp("enclose-limit");
    let (cert, _) = identity(&dir, "one", "/CN=Archive One");
    let image = Native::new("MONOCHROME2", 16, 64, 64, 3);
    let value = 64 * 64 * 3 * 2;
    for (what, input) in [
        ("native", image.to_bytes()),
        ("RLE fragments", dcmcrle(&image.to_bytes(), &[])),
    ] {
        let mut settings = enclosing(&cert);
        settings.limits.max_enclosed_pixel_bytes = value / 4;
        let sanitizer = Sanitizer::new(settings.clone()).unwrap();
        let e = sanitizer.sanitize(&input).expect_err(what);
        assert_eq!(e.code(), "limit.enclosed_pixels", "{what}: {e}");
        // Streamed: nothing is emitted, the header included.
        let mut emitted = 0;
        let mut sink = |b: &[u8]| emitted += b.len();
        let mut stream = sanitizer.stream();
        let failed = input
            .chunks(64)
            .try_for_each(|c| stream.write(c, &mut sink))
            .and_then(|()| stream.end(&mut sink).map(drop));
        assert_eq!(failed.expect_err(what).code(), "limit.enclosed_pixels");
        assert_eq!(emitted, 0, "{what}");
        // At the limit: enclosed.
        settings.limits.max_enclosed_pixel_bytes = value;
        if what == "native" {
            Sanitizer::new(settings).unwrap().sanitize(&input).unwrap();
        }
    }
}

/// What enclosing costs in memory, and that it costs nothing where nothing is enclosed: 32 MiB
/// of native pixels, streamed in 64 KiB chunks with a recipient and a blanked band.
#[test]
fn enclosing_holds_the_original_once_and_streaming_without_it_stays_bounded() {
    let dir = temp("enclose-memory");
    let (cert, _) = identity(&dir, "one", "/CN=Archive One");
    let (header, len) = fixtures::Sample::large_header(512, 512, 64);
    let chunk = vec![0x11u8; 1 << 16];
    let peak = |enclose: bool| {
        let mut settings = enclosing(&cert).enclose_pixels(enclose);
        settings.blank_regions[0].width = 200;
        let sanitizer = Sanitizer::new(settings).unwrap();
        let _turn = counting::serial();
        let (report, peak) = counting::peak_of(|| {
            let mut sink = |_: &[u8]| {};
            let mut stream = sanitizer.stream();
            stream.write(&header, &mut sink).unwrap();
            let mut left = len;
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                stream.write(&chunk[..n], &mut sink).unwrap();
                left -= n as u64;
            }
            stream.end(&mut sink).unwrap().report
        });
        let included = report
            .findings
            .iter()
            .any(|f| f.message.contains("Pixel Data included"));
        assert_eq!(included, enclose);
        peak
    };
    let streamed = peak(false);
    let enclosed = peak(true);
    eprintln!("peak heap for {len} bytes of pixels: {streamed} streamed, {enclosed} enclosed");
    assert!(streamed < 4 << 20, "{streamed}");
    // The original held, then beside it its content, ciphertext, envelope and the output's
    // header, each freed as the next is made: three times the pixel data at the peak.
    assert!(
        enclosed as u64 > len && (enclosed as u64) < 7 * len / 2,
        "{enclosed}"
    );
}
