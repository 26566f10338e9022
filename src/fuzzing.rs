//! The properties the fuzz target checks on every input, kept in the library so the fuzz target
//! (`fuzz/`, cargo fuzz) and the stable corpus replay test (`tests/fuzz_corpus.rs`) run the same
//! code. Not a stable API.

use dicom_core::header::Header;
use dicom_core::value::Value;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::file::ReadPreamble;
use dicom_object::{InMemDicomObject, OpenFileOptions};

use crate::gate::{value_kind, ValueKind};
use crate::integrity::structure::show;
use crate::{Sanitizer, Settings};

/// The fixed key the properties run under, so a failure reproduces.
pub const KEY: &[u8] = b"fuzzing-key-0123456789abcdef";

/// Sanitizes `data` and, when it is accepted, checks that:
/// - streaming it in small chunks gives the same bytes and report;
/// - the output parses with dicom-rs;
/// - sanitizing the output again is accepted, keeps the same attributes at the same paths, and
///   changes no pixel, binary or coded value (only re-derived UIDs, dates, IDs and text may differ);
/// - no word of the input's Patient's Name (four letters or more) is in any free text of the
///   output, codes and device values aside, as in the residual-PHI gate: a CS value is a term of
///   the standard's vocabulary, and a patient named Head keeps Body Part Examined HEAD (found by
///   fuzzing: a name ORIGINAL and Image Type ORIGINAL).
///
/// Refusals must carry a known code. Panics on any violation (that is what a fuzzer reports).
pub fn check(data: &[u8]) {
    // Half the inputs (by their last byte) also read bare data sets, so that detection is
    // fuzzed too; the other half check that a bare data set is refused.
    let raw = data.last().is_some_and(|b| b & 1 == 1);
    // A quarter blank a region, so that the pixel paths (native layouts, RLE frames) are fuzzed.
    let mut settings = Settings::new().key(KEY).accept_raw(raw);
    if data.last().is_some_and(|b| b & 6 == 6) {
        settings.blank_regions = vec![crate::Region {
            x: 1,
            y: 1,
            width: 6,
            height: 5,
        }];
    }
    let sanitizer = Sanitizer::new(settings).expect("fixed settings compile");
    check_names(&sanitizer, data);
    let first = match sanitizer.sanitize(data) {
        Ok(s) => s,
        Err(e) => {
            assert!(
                crate::ERROR_CODES.contains(&e.code()),
                "unlisted error code {}",
                e.code()
            );
            // Streamed in chunks, the same input is refused with the same code.
            let mut stream = sanitizer.stream();
            let streamed = data
                .chunks(7)
                .try_for_each(|c| stream.write(c, &mut |_: &[u8]| {}))
                .and_then(|()| stream.end(&mut |_: &[u8]| {}).map(|_| ()));
            assert_eq!(
                streamed.map_err(|s| s.code()).err(),
                Some(e.code()),
                "the stream and the one-shot API disagree"
            );
            return;
        }
    };
    // Streaming in small chunks gives the same bytes and report.
    let size = 1 + data
        .iter()
        .fold(0usize, |a, &b| a.wrapping_mul(31).wrapping_add(b as usize))
        % 97;
    let mut streamed = Vec::new();
    let mut stream = sanitizer.stream();
    for chunk in data.chunks(size) {
        stream
            .write(chunk, &mut |b: &[u8]| streamed.extend_from_slice(b))
            .unwrap_or_else(|e| panic!("one-shot accepted what the stream refused: {e}"));
    }
    let done = stream
        .end(&mut |b: &[u8]| streamed.extend_from_slice(b))
        .unwrap_or_else(|e| panic!("one-shot accepted what the stream refused at the end: {e}"));
    assert!(
        streamed == first.bytes,
        "streaming in chunks of {size} changed the output"
    );
    assert_eq!(done.report, first.report);
    let out = parse(&first.bytes).expect("accepted output parses");
    let second = sanitizer
        .sanitize(&first.bytes)
        .unwrap_or_else(|e| panic!("sanitizing the output again was refused: {e}"));
    let again = parse(&second.bytes).expect("second output parses");
    let (a, b) = (stable_values(&out, ""), stable_values(&again, ""));
    assert_eq!(
        a.iter().map(|(p, _)| p).collect::<Vec<_>>(),
        b.iter().map(|(p, _)| p).collect::<Vec<_>>(),
        "a second pass changed which attributes exist"
    );
    for ((path, x), (_, y)) in a.iter().zip(&b) {
        if let (Some(x), Some(y)) = (x, y) {
            assert_eq!(x, y, "a second pass changed the value of {path}");
        }
    }
    if let Some(input) = parse_input(data, raw) {
        let names = name_words(&input);
        let mut texts = Vec::new();
        all_text(&out, "", &mut texts);
        for (path, text) in texts {
            let text = text.to_uppercase();
            for w in &names {
                assert!(
                    !text.split(|c: char| !c.is_alphanumeric()).any(|t| t == w),
                    "a word of the patient's name survived in {path}"
                );
            }
        }
    }
}

/// Names: every identifying value of the input, as a file or folder name alone or among other
/// words, is renamed by `mirror_names`, to a pseudonym in which the gate's word test finds no
/// value; a name that is kept needed no renaming; any text (the input's first bytes) is a name
/// that is decided without a panic.
fn check_names(sanitizer: &Sanitizer, data: &[u8]) {
    let values = sanitizer.naming_values(data).unwrap_or_default();
    let mut names = crate::Names::new();
    names.add(&values);
    let mut paths: Vec<Vec<String>> = values
        .iter()
        .map(|v| vec![v.value.clone(), format!("x_{}.dcm", v.value)])
        .collect();
    paths.push(vec![
        String::from_utf8_lossy(&data[..data.len().min(64)]).into_owned()
    ]);
    let named = sanitizer.mirror_names(&names, &paths);
    for (path, named) in paths.iter().zip(&named) {
        for (c, n) in path.iter().zip(named) {
            if c == n {
                assert!(!names.must_rename(c), "{c:?} kept");
            } else {
                // The extension a pseudonym keeps (`.dcm`) is every file's, no one's value (fuzz:
                // a patient named DCM^JANE).
                let stem = n.split('.').next().unwrap_or(n);
                assert!(
                    !names.names_value(stem),
                    "the pseudonym {n:?} holds a value"
                );
            }
        }
    }
    for (v, named) in values.iter().zip(&named) {
        // Short values are found as a whole name or a whole word of one (as the gate finds them).
        let letters = v.value.chars().filter(|c| c.is_alphanumeric()).count();
        let word = v.value.chars().all(char::is_alphanumeric);
        if letters >= 2 {
            assert_ne!(named[0], v.value, "an identifying value kept as a name");
        }
        if letters >= 4 || letters >= 2 && word {
            assert_ne!(
                named[1],
                format!("x_{}.dcm", v.value),
                "a value kept in a name"
            );
        }
    }
}

/// The input's data set as the sanitizer reads it (UN elements resolved first): dicom-rs given
/// the raw bytes allocates without bound on an undefined-length UN (found by fuzzing).
fn parse_input(data: &[u8], raw: bool) -> Option<InMemDicomObject> {
    let layout = crate::integrity::structure::scan_meta(data, raw).ok()?;
    let ts = crate::integrity::structure::transfer_syntax(&layout.transfer_syntax).ok()?;
    let (dataset, _) =
        crate::un::for_parser(data.get(layout.dataset_at..)?, &layout.transfer_syntax).ok()?;
    InMemDicomObject::read_dataset_with_ts(&dataset[..], ts).ok()
}

fn parse(bytes: &[u8]) -> Option<InMemDicomObject> {
    OpenFileOptions::new()
        .read_preamble(ReadPreamble::Auto)
        .from_reader(bytes)
        .ok()
        .map(|f| f.into_inner())
}

/// Every attribute path, with its value when a second pass must leave it unchanged.
fn stable_values(obj: &InMemDicomObject, prefix: &str) -> Vec<(String, Option<Vec<u8>>)> {
    let mut out = Vec::new();
    for e in obj {
        let path = format!("{prefix}{}", show(e.tag()));
        match e.value() {
            Value::Sequence(seq) => {
                out.push((path.clone(), None));
                for (i, item) in seq.items().iter().enumerate() {
                    out.extend(stable_values(item, &format!("{path}[{i}]/")));
                }
            }
            Value::PixelSequence(seq) => out.push((
                path,
                Some(seq.fragments().iter().flatten().copied().collect()),
            )),
            Value::Primitive(_) => {
                let stable = !matches!(
                    e.vr(),
                    VR::UI
                        | VR::DA
                        | VR::DT
                        | VR::TM
                        | VR::PN
                        | VR::LO
                        | VR::SH
                        | VR::ST
                        | VR::LT
                        | VR::UT
                        | VR::UC
                ) && !WRITTEN.contains(&e.tag())
                    && !DIRECTORY_OFFSETS.contains(&e.tag());
                out.push((
                    path,
                    stable
                        .then(|| e.value().to_bytes().ok().map(|b| b.to_vec()))
                        .flatten(),
                ));
            }
        }
    }
    out
}

/// A DICOMDIR's record offsets: byte positions, which move whenever a value before them
/// changes length (a UID pseudonymised again, found by fuzzing).
const DIRECTORY_OFFSETS: [Tag; 4] = [
    Tag(0x0004, 0x1200),
    Tag(0x0004, 0x1202),
    Tag(0x0004, 0x1400),
    Tag(0x0004, 0x1420),
];

/// Values the sanitizer writes on each pass.
const WRITTEN: [Tag; 4] = [
    tags::PATIENT_IDENTITY_REMOVED,
    tags::DEIDENTIFICATION_METHOD,
    tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
    tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
];

/// Words of four letters or more in the top-level Patient's Name, upper case.
fn name_words(obj: &InMemDicomObject) -> Vec<String> {
    let Some(name) = obj
        .get(tags::PATIENT_NAME)
        .and_then(|e| e.value().to_str().ok().map(|s| s.to_string()))
    else {
        return Vec::new();
    };
    // Family, given and middle names (prefixes and suffixes such as MR or JR are not names).
    name.split('=')
        .flat_map(|group| group.split('^').take(3))
        .flat_map(|part| part.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.chars().count() >= 4 && w.chars().all(char::is_alphabetic))
        .map(str::to_uppercase)
        .filter(|w| w != crate::DUMMY_TEXT)
        .collect()
}

/// (path, text) of every text (but coded strings) or UN value, at any depth, but the values the
/// sanitizer writes itself (found by fuzzing: a name PROFILE, and the de-identification method's
/// code meaning, "Basic Application Confidentiality Profile").
fn all_text(obj: &InMemDicomObject, prefix: &str, out: &mut Vec<(String, String)>) {
    for e in obj.iter().filter(|e| !WRITTEN.contains(&e.tag())) {
        let path = format!("{prefix}{}", show(e.tag()));
        match e.value() {
            Value::Sequence(seq) => {
                for item in seq.items() {
                    all_text(item, &format!("{path}/"), out);
                }
            }
            Value::Primitive(_)
                if (crate::values::is_text(e.vr()) || e.vr() == VR::UN)
                    && value_kind(e.tag(), e.vr()) == ValueKind::Text =>
            {
                if let Ok(t) = e.value().to_str() {
                    out.push((path, t.into_owned()));
                }
            }
            _ => {}
        }
    }
}

/// The properties of the re-identify path on any bytes (the first byte picks what they are):
/// a sanitized file, an Encrypted Content (CMS), the decrypted content of one, or a recipient
/// certificate. Nothing panics; a file or an envelope that does not open gives
/// `reidentify.failed` (a file the structure scanner refuses, its `read.*`, `transfer_syntax.*`
/// or `limit.*` code), whatever failed inside; a
/// certificate that is refused gives `settings.invalid_recipient`.
pub fn reidentify(data: &[u8]) {
    use std::sync::OnceLock;
    // 1024 bits: generated once per process in a debug build in a few seconds; the envelope
    // reader takes any size a key has.
    static KEY: OnceLock<Vec<u8>> = OnceLock::new();
    let key = KEY.get_or_init(|| crate::envelope::generate_key(1024).expect("an RSA key"));
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let code = |r: crate::Result<()>| r.err().map(|e| e.code());
    let failed = match pick % 4 {
        // A file the scanner refuses is refused as any input is (read, syntax, limit codes).
        0 => code(crate::reidentify(rest, key, None).map(|_| ())).filter(|c| {
            *c != "reidentify.failed"
                && !["read.", "transfer_syntax.", "limit."]
                    .iter()
                    .any(|p| c.starts_with(p))
        }),
        1 => code(crate::envelope::open(rest, key, None).map(|_| ()))
            .filter(|c| *c != "reidentify.failed"),
        2 => {
            let mut obj = InMemDicomObject::new_empty();
            code(crate::encrypted::restore(
                &mut obj,
                rest,
                crate::encrypted::CONTENT_SYNTAX,
            ))
            .filter(|c| *c != "reidentify.failed")
        }
        _ => code(crate::envelope::Recipient::parse(rest).map(|_| ()))
            .filter(|c| *c != "settings.invalid_recipient"),
    };
    assert!(failed.is_none(), "an unexpected code: {failed:?}");
}

/// The properties of enclosing the original pixels (`enclose_pixels`) on any bytes, for the
/// holder of `key` whose `certificate` is the recipient: the one-shot call and a stream in
/// chunks of 7 bytes accept and refuse alike, refusals with a known code; each output
/// re-identifies with `key`, and its Pixel Data comes back as the input's when the report says
/// it was enclosed, as the sanitized one otherwise (pixels that were not changed).
pub fn enclose(data: &[u8], key: &[u8], certificate: &[u8]) {
    let settings = Settings {
        blank_regions: vec![crate::Region {
            x: 1,
            y: 1,
            width: 6,
            height: 5,
        }],
        ..Settings::new()
            .key(KEY)
            .recipient(certificate)
            .enclose_pixels(true)
    };
    let sanitizer = Sanitizer::new(settings).expect("fixed settings compile");
    let one = sanitizer.sanitize(data);
    let mut streamed = Vec::new();
    let mut stream = sanitizer.stream();
    let outcome = data
        .chunks(7)
        .try_for_each(|c| stream.write(c, &mut |b: &[u8]| streamed.extend_from_slice(b)))
        .and_then(|()| stream.end(&mut |b: &[u8]| streamed.extend_from_slice(b)));
    let first = match (one, outcome) {
        (Ok(first), Ok(_)) => first,
        (Err(a), Err(b)) => {
            assert!(
                crate::ERROR_CODES.contains(&a.code()),
                "unlisted {}",
                a.code()
            );
            assert_eq!(
                a.code(),
                b.code(),
                "the stream and the one-shot API disagree"
            );
            return;
        }
        (a, b) => panic!(
            "the stream and the one-shot API disagree: {:?} and {:?}",
            a.err().map(|e| e.code()),
            b.err().map(|e| e.code())
        ),
    };
    let enclosed = first.report.findings.iter().any(|f| {
        f.code == "encrypted.attributes_added" && f.message.contains("Pixel Data included")
    });
    let pixels = |obj: &InMemDicomObject| obj.get(tags::PIXEL_DATA).map(|e| e.value().clone());
    let input = parse_input(data, false).expect("an accepted input parses");
    for output in [&first.bytes, &streamed] {
        let back = crate::reidentify(output, key, None)
            .unwrap_or_else(|e| panic!("an output does not re-identify: {e}"));
        let restored = pixels(&parse(&back).expect("a re-identified output parses"));
        let want = match enclosed {
            true => pixels(&input),
            false => pixels(&parse(output).expect("an output parses")),
        };
        assert!(
            restored == want,
            "Pixel Data not restored (enclosed: {enclosed})"
        );
    }
}
