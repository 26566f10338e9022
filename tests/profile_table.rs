//! Table-driven: every row of the generated Table E.1-1, at the top level and three sequence
//! levels deep, comes out with its Basic Profile action; each option changes exactly its column.

mod common;

use common::*;
use dicom_core::value::Value;
use dicom_core::{Tag, VR};
use dicom_object::InMemDicomObject;
use dicom_sanitizer::profile::{Basic, Column, ProfileOption, Row, TagPattern, ROWS};
use dicom_sanitizer::{PatientId, Sanitizer};
use fixtures::{item, seq, Sample};

/// A sequence the table does not list, used to nest attributes.
const CONTAINER: Tag = Tag(0x0028, 0x3010);

/// A concrete tag for a row (repeating groups get their third group).
fn concrete(row: &Row) -> Tag {
    match row.tag {
        TagPattern::Exact(g, e) => Tag(g, e),
        TagPattern::Masked {
            group,
            element,
            element_mask,
            ..
        } => Tag(
            group | 0x04,
            if element_mask == 0 { 0x0022 } else { element },
        ),
        TagPattern::OddGroup => unreachable!("the private row is not in ROWS"),
    }
}

fn nested(
    depth: usize,
    inner: dicom_core::DataElement<InMemDicomObject>,
) -> dicom_core::DataElement<InMemDicomObject> {
    (0..depth).fold(inner, |e, _| seq(CONTAINER, vec![item(vec![e])]))
}

fn at_depth(obj: &InMemDicomObject, depth: usize) -> &InMemDicomObject {
    (0..depth).fold(obj, |o, _| first_item(o, CONTAINER))
}

/// The Basic Profile's action, checked on one output attribute.
fn check(code: Basic, tag: Tag, obj: &InMemDicomObject, where_: &str) {
    let vr = dictionary_vr(tag);
    let original = value_for(tag, vr);
    let got = obj.get(tag);
    let ctx = format!("{tag} {code:?} {vr:?} {where_}");
    let is_empty = |e: &dicom_core::DataElement<InMemDicomObject>| match e.value() {
        Value::Sequence(s) => s.items().is_empty(),
        v => v.to_bytes().map(|b| b.is_empty()).unwrap_or(false),
    };
    let has_items = |e: &dicom_core::DataElement<InMemDicomObject>| {
        e.value().items().is_some_and(|i| i.len() == 1)
    };
    // Sequences cannot hold a meaningful dummy, and an empty one is valid only where it is
    // Type 2 (Acquisition Context): X/Z, X/Z/D and X/D sequences are removed, Z/D emptied.
    let code = match code {
        Basic::XZ | Basic::XZD if tag == Tag(0x0040, 0x0555) => Basic::Z,
        Basic::XZ | Basic::XZD | Basic::XD if vr == VR::SQ => Basic::X,
        Basic::ZD if vr == VR::SQ => Basic::Z,
        c => c,
    };
    match code {
        Basic::X => assert!(got.is_none(), "{ctx}: removed"),
        Basic::Z | Basic::XZ => assert!(got.is_some_and(is_empty), "{ctx}: present and empty"),
        Basic::K => assert_eq!(got.map(|e| e.value()), Some(&original), "{ctx}: kept"),
        Basic::D | Basic::XD | Basic::ZD | Basic::XZD => {
            let e = got.unwrap_or_else(|| panic!("{ctx}: present"));
            if vr == VR::SQ {
                assert!(has_items(e), "{ctx}: sequence kept and walked");
                let item = &e.value().items().unwrap()[0];
                assert_eq!(
                    text_of(item, Tag(0x0008, 0x0100)).as_deref(),
                    Some(dicom_sanitizer::DUMMY_TEXT),
                    "{ctx}: free text in a D sequence is dummied"
                );
            } else {
                assert!(!is_empty(e), "{ctx}: non-empty dummy");
                assert_ne!(e.value(), &original, "{ctx}: value replaced");
                if vr == VR::UI {
                    assert!(e.value().to_str().unwrap().starts_with("2.25."), "{ctx}");
                }
            }
        }
        Basic::U | Basic::XZU => {
            let e = got.unwrap_or_else(|| panic!("{ctx}: present"));
            if vr == VR::SQ {
                assert!(has_items(e), "{ctx}: references kept");
            } else {
                let v = e.value().to_str().unwrap().to_string();
                assert!(
                    v.starts_with("2.25.") && v.len() <= 64,
                    "{ctx}: pseudonym UID {v}"
                );
                assert_ne!(Some(v.as_str()), original.to_str().ok().as_deref());
            }
        }
        Basic::C => unreachable!("no Basic Profile row says C in 2025b"),
    }
}

#[test]
fn every_row_gets_its_basic_action_at_top_level_and_three_levels_deep() {
    assert_eq!(
        ROWS.len() + 1,
        647,
        "2025b has 647 rows with the private one"
    );
    let sanitizer = Sanitizer::new(dicom_sanitizer::Settings {
        patient_id: PatientId::Profile,
        // Encapsulated Document is one of the rows; the burned-in policy is tested in pixels.rs.
        burned_in: dicom_sanitizer::BurnedIn::Allow,
        ..settings()
    })
    .unwrap();
    let mut checked = 0;
    for row in ROWS {
        let tag = concrete(row);
        if tag.group() == 0x0002 {
            continue; // file meta: see media_storage_sop_instance_uid_is_the_new_sop_instance_uid
        }
        let sample = Sample::minimal("1.2.3.99.1")
            .put(element(tag))
            .put(nested(3, element(tag)));
        let out = sanitizer
            .sanitize(&sample.to_bytes())
            .unwrap_or_else(|e| panic!("{tag}: {e}"));
        let obj = parse(&out.bytes);
        check(row.basic, tag, &obj, "top level");
        check(row.basic, tag, at_depth(&obj, 3), "depth 3");
        checked += 1;
    }
    assert_eq!(
        checked,
        ROWS.len() - 1,
        "all rows but Media Storage SOP Instance UID"
    );
}

#[test]
fn media_storage_sop_instance_uid_is_the_new_sop_instance_uid() {
    let out = sanitize(settings(), &Sample::ct().to_bytes());
    let file = parse(&out.bytes);
    let sop = text_of(&file, Tag(0x0008, 0x0018)).unwrap();
    assert!(sop.starts_with("2.25."));
    assert_eq!(file.meta().media_storage_sop_instance_uid(), sop);
}

/// Every exact-tag row in one object; each option compared with the Basic Profile alone.
#[test]
fn each_option_changes_exactly_its_columns_rows_and_adds_its_code() {
    let rows: Vec<&Row> = ROWS
        .iter()
        .filter(|r| matches!(r.tag, TagPattern::Exact(g, _) if g != 0x0002))
        .filter(|r| !matches!(r.tag, TagPattern::Exact(0x0008, 0x0018)))
        .collect();
    let mut sample = Sample::minimal("1.2.3.99.1");
    for r in &rows {
        sample = sample.put(element(concrete(r)));
    }
    let input = sample.to_bytes();
    let run = |options: Vec<ProfileOption>| {
        let s = dicom_sanitizer::Settings {
            options,
            patient_id: PatientId::Profile,
            burned_in: dicom_sanitizer::BurnedIn::Allow,
            ..settings()
        };
        parse(&sanitize(s, &input).bytes)
    };
    let basic = run(vec![]);
    for option in ProfileOption::ALL {
        if option == ProfileOption::RetainSafePrivate {
            continue; // its one row is the private row: see tests/private.rs
        }
        let with = run(vec![option]);
        let mut changed = 0;
        for r in &rows {
            let tag = concrete(r);
            let (a, b) = (
                basic.get(tag).map(|e| e.value()),
                with.get(tag).map(|e| e.value()),
            );
            match r.column(option) {
                Some(Column::K) if dictionary_vr(tag) == VR::SQ => {
                    // K keeps a sequence; its items are still de-identified.
                    let item = with.get(tag).and_then(|e| e.value().items()).map(|i| &i[0]);
                    assert_eq!(
                        item.and_then(|i| text_of(i, Tag(0x0008, 0x0100)))
                            .as_deref(),
                        Some("ITEMCODE"),
                        "{option:?} keeps {tag}"
                    );
                    assert_ne!(a, b, "{option:?} changes {tag}");
                    changed += 1;
                }
                Some(Column::K) => {
                    assert_eq!(
                        b,
                        Some(&value_for(tag, dictionary_vr(tag))),
                        "{option:?} keeps {tag}"
                    );
                    assert_ne!(a, b, "{option:?} changes {tag}");
                    changed += 1;
                }
                Some(Column::C) if matches!(dictionary_vr(tag), VR::OB | VR::OW | VR::UN) => {
                    // Binary values cannot be cleaned or shifted: they are removed either way.
                    assert_eq!(b, None, "{option:?} removes binary {tag}");
                }
                Some(Column::C) => {
                    assert_ne!(
                        a, b,
                        "{option:?} cleans {tag} differently from the basic action"
                    );
                    changed += 1;
                }
                // A sequence's items hold rows of their own; compare the sequence's own fate.
                None if dictionary_vr(tag) == VR::SQ => assert_eq!(
                    a.map(|v| v.items().map(<[_]>::len)),
                    b.map(|v| v.items().map(<[_]>::len)),
                    "{option:?} leaves {tag} alone"
                ),
                None => assert_eq!(a, b, "{option:?} leaves {tag} alone"),
            }
        }
        assert!(changed > 0, "{option:?} changed nothing");
        let codes: Vec<String> = method_codes(&with).into_iter().map(|(v, _)| v).collect();
        assert_eq!(
            codes,
            vec!["113100".to_string(), option.code().value.to_string()],
            "{option:?}"
        );
    }
}
