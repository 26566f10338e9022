//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod codecs;
pub mod native;
pub mod rle;

use dicom_core::dictionary::{DataDictionary, VirtualVr};
use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_dictionary_std::StandardDataDictionary;
use dicom_object::file::ReadPreamble;
use dicom_object::{DefaultDicomObject, InMemDicomObject, OpenFileOptions};
use dicom_sanitizer::{Region, Sanitized, Sanitizer, Settings};

pub const KEY: &[u8] = b"integration-test-key-0123456789";

pub fn settings() -> Settings {
    Settings::new().key(KEY)
}

/// The test settings, blanking one region of every frame.
pub fn blanking(x: u32, y: u32, width: u32, height: u32) -> Settings {
    let mut s = settings();
    s.blank_regions = vec![Region {
        x,
        y,
        width,
        height,
    }];
    s
}

pub fn sanitize(settings: Settings, input: &[u8]) -> Sanitized {
    Sanitizer::new(settings)
        .expect("settings compile")
        .sanitize(input)
        .unwrap_or_else(|e| panic!("sanitize failed: {e}"))
}

/// Parses output bytes with dicom-rs.
pub fn parse(bytes: &[u8]) -> DefaultDicomObject {
    OpenFileOptions::new()
        .read_preamble(ReadPreamble::Always)
        .from_reader(bytes)
        .expect("output re-parses with dicom-rs")
}

pub fn dictionary_vr(tag: Tag) -> VR {
    match StandardDataDictionary.by_tag(tag).map(|e| e.vr) {
        Some(VirtualVr::Exact(vr)) => vr,
        Some(VirtualVr::Xs) => VR::US,
        Some(_) => VR::OB,
        None => VR::LO,
    }
}

/// A value valid for `vr`, unique to `tag` so no two attributes share text.
pub fn value_for(tag: Tag, vr: VR) -> Value<InMemDicomObject> {
    // Letters only, one word, unique per tag: no two attributes share a token.
    let id: String = format!("{:04X}{:04X}", tag.group(), tag.element())
        .chars()
        .map(|c| (b'a' + c.to_digit(16).unwrap_or(0) as u8) as char)
        .collect();
    let s = |v: String| Value::Primitive(PrimitiveValue::from(v));
    match vr {
        VR::SQ => Value::new_sequence(
            vec![fixtures::item(vec![
                fixtures::text(Tag(0x0008, 0x0100), VR::SH, "ITEMCODE"),
                fixtures::text(Tag(0x0008, 0x1155), VR::UI, "1.2.3.8.4437"),
            ])],
            dicom_core::Length::UNDEFINED,
        ),
        VR::AE => s(format!("AE{id}")),
        VR::AS => s("045Y".into()),
        VR::CS => s(format!("C{id}")),
        VR::DA => s("20200102".into()),
        VR::DT => s("20200102101010".into()),
        VR::TM => s("101010".into()),
        VR::DS => s("12.5".into()),
        VR::IS => s("42".into()),
        VR::PN => s(format!("NAME{id}^GIVEN")),
        VR::SH => s(format!("S{id}")),
        VR::UI => s(format!("1.2.3.{}.{}", tag.group(), tag.element())),
        VR::UR => s(format!("http://example.invalid/{id}")),
        VR::US | VR::OW => Value::Primitive(PrimitiveValue::U16([7u16].into_iter().collect())),
        VR::SS => Value::Primitive(PrimitiveValue::I16([7i16].into_iter().collect())),
        VR::UL | VR::OL => Value::Primitive(PrimitiveValue::U32([7u32].into_iter().collect())),
        VR::SL => Value::Primitive(PrimitiveValue::I32([7i32].into_iter().collect())),
        VR::FL | VR::OF => Value::Primitive(PrimitiveValue::F32([7.5f32].into_iter().collect())),
        VR::FD | VR::OD => Value::Primitive(PrimitiveValue::F64([7.5f64].into_iter().collect())),
        VR::SV => Value::Primitive(PrimitiveValue::I64([7i64].into_iter().collect())),
        VR::UV | VR::OV => Value::Primitive(PrimitiveValue::U64([7u64].into_iter().collect())),
        VR::AT => Value::Primitive(PrimitiveValue::Tags(
            [Tag(0x0008, 0x0020)].into_iter().collect(),
        )),
        VR::OB | VR::UN => Value::Primitive(PrimitiveValue::U8([1u8, 2].into_iter().collect())),
        _ => s(format!("Text{id}")),
    }
}

pub fn element(tag: Tag) -> DataElement<InMemDicomObject> {
    let vr = dictionary_vr(tag);
    DataElement::new(tag, vr, value_for(tag, vr))
}

/// Text of an element, trimmed; `None` when absent.
pub fn text_of(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    obj.get(tag).map(|e| {
        e.value()
            .to_str()
            .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
            .unwrap_or_default()
    })
}

/// The first item of a sequence.
pub fn first_item(obj: &InMemDicomObject, tag: Tag) -> &InMemDicomObject {
    &obj.get(tag)
        .and_then(|e| e.value().items())
        .unwrap_or_else(|| panic!("{tag} is a sequence"))[0]
}

/// Every text value anywhere in the object, for "this must not survive" checks.
pub fn all_text(obj: &InMemDicomObject) -> String {
    let mut out = String::new();
    for e in obj {
        match e.value() {
            Value::Sequence(s) => s.items().iter().for_each(|i| out.push_str(&all_text(i))),
            Value::Primitive(_) => {
                if let Ok(s) = e.value().to_str() {
                    out.push_str(&s);
                    out.push('\n');
                }
            }
            Value::PixelSequence(_) => {}
        }
    }
    out
}

/// (Code Value, Coding Scheme Designator) of each item of the De-identification Method Code Sequence.
pub fn method_codes(obj: &InMemDicomObject) -> Vec<(String, String)> {
    obj.get(Tag(0x0012, 0x0064))
        .and_then(|e| e.value().items())
        .expect("De-identification Method Code Sequence")
        .iter()
        .map(|i| {
            (
                text_of(i, Tag(0x0008, 0x0100)).unwrap(),
                text_of(i, Tag(0x0008, 0x0102)).unwrap(),
            )
        })
        .collect()
}

/// The error code `sanitize` gives (or "ok"), checking the input is never modified.
pub fn code(settings: Settings, input: &[u8]) -> &'static str {
    refusal(settings, input).map_or("ok", |e| e.code())
}

/// The error `sanitize` gives, if any, checking the input is never modified.
pub fn refusal(settings: Settings, input: &[u8]) -> Option<dicom_sanitizer::Error> {
    let copy = input.to_vec();
    let r = Sanitizer::new(settings).unwrap().sanitize(input);
    assert_eq!(input, &copy[..], "the input is never modified");
    r.err()
}

pub fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("pattern present")
}

/// Offset of an explicit VR little endian element header.
pub fn header_at(bytes: &[u8], tag: Tag, vr: &[u8; 2]) -> usize {
    let g = tag.group().to_le_bytes();
    let e = tag.element().to_le_bytes();
    find(bytes, &[g[0], g[1], e[0], e[1], vr[0], vr[1]])
}

/// Where the top-level Pixel Data value is in an explicit little endian Part 10 file.
pub fn find_pixel_value(bytes: &[u8]) -> std::ops::Range<usize> {
    let at = (0..bytes.len() - 8)
        .rev()
        .find(|&i| bytes[i..i + 4] == [0xE0, 0x7F, 0x10, 0x00])
        .expect("Pixel Data");
    let len = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap());
    let start = at + 12;
    if len == u32::MAX {
        start..bytes.len() // encapsulated: fragments and delimiter run to the end here
    } else {
        start..start + len as usize
    }
}

/// The file without its Pixel Data value: what `inputHeader` and the receipt's `header` digest.
pub fn outside_pixels(bytes: &[u8]) -> Vec<u8> {
    let mut outside = bytes.to_vec();
    outside.drain(find_pixel_value(bytes));
    outside
}

/// The Pixel Data value of a file, as bytes.
pub fn pixel_bytes(file: &[u8]) -> Vec<u8> {
    parse(file)
        .element(tags::PIXEL_DATA)
        .unwrap()
        .value()
        .to_bytes()
        .unwrap()
        .into_owned()
}

/// The Pixel Data value of a native (explicit VR little endian) file.
pub fn native_bytes(file: &[u8]) -> Vec<u8> {
    let ts = parse(file)
        .meta()
        .transfer_syntax()
        .trim_end_matches('\0')
        .to_string();
    assert_eq!(ts, "1.2.840.10008.1.2.1", "explicit VR little endian");
    pixel_bytes(file)
}

/// The samples of a native (explicit VR little endian) file, as stored: bytes, or words.
pub fn native_samples(file: &[u8], bits: u16) -> Vec<u16> {
    let raw = native_bytes(file);
    match bits {
        8 => raw.iter().map(|&b| u16::from(b)).collect(),
        _ => raw
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect(),
    }
}

/// Runs a pydicom script of `tests/` (the interpreter from DICOM_SANITIZER_PYTHON) over these
/// files, written to a scratch folder in order; its output, one JSON value a line.
pub fn pydicom(script: &str, files: &[Vec<u8>]) -> Vec<serde_json::Value> {
    let dir = rle::Scratch::new("pydicom");
    let paths: Vec<_> = files
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            let p = dir.path(&format!("{i}.dcm"));
            std::fs::write(&p, bytes).unwrap();
            p
        })
        .collect();
    let python = std::env::var("DICOM_SANITIZER_PYTHON").unwrap_or_else(|_| "python3".into());
    let run = std::process::Command::new(&python)
        .arg(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests")
                .join(script),
        )
        .args(&paths)
        .output()
        .unwrap_or_else(|e| panic!("{python}: {e} (run `make setup` for the pydicom environment)"));
    assert!(
        run.status.success(),
        "pydicom failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8(run.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
