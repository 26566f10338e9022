//! Attributes whose resolution depends on the object they are in, so that the output stays a
//! valid object there: what a directory record requires, what an IOD or a condition makes Type 2
//! at the top level, and attributes that go with another (an overlay with its data, Responsible
//! Person Role with Responsible Person's value).

use dicom_core::header::Header as _;
use dicom_core::Tag;
use dicom_object::InMemDicomObject;

use crate::action::Action;
use crate::rules::{PathStep, RuleSet};
use crate::values::trim_padding;

/// The context of one data set (the top level or an item) being de-identified.
pub(crate) struct Context {
    /// In a record of a DICOMDIR's Directory Record Sequence.
    record: bool,
    /// Top-level attributes the profile removes that this object makes Type 2.
    type_2: Vec<(u16, u16)>,
    /// Overlay groups whose data goes (removed, or "cleaned", which a bitmap cannot be): the
    /// whole overlay goes, since its other attributes (rows, columns, origin, all Type 1 in the
    /// Overlay Plane module) would be an invalid overlay.
    dropped_overlays: Vec<u16>,
    /// Responsible Person Role is Type 1C on Responsible Person having a value: it goes when
    /// that value does.
    role_goes: bool,
}

impl Context {
    /// The context of `obj`, found at `path`.
    pub fn of(obj: &InMemDicomObject, rules: &RuleSet, path: &[PathStep]) -> Context {
        let type_2 = if path.is_empty() {
            let class = obj
                .get(Tag(0x0008, 0x0016))
                .and_then(|e| e.value().to_str().ok());
            let animal = [Tag(0x0010, 0x2201), Tag(0x0010, 0x2202)]
                .iter()
                .any(|t| obj.get(*t).is_some());
            required_here(class.as_deref().map_or("", trim_padding), animal)
        } else {
            Vec::new()
        };
        Context {
            record: path.last() == Some(&PathStep::Public(0x0004, 0x1220)),
            type_2,
            dropped_overlays: obj
                .iter()
                .map(|e| e.tag())
                .filter(|t| (0x6000..=0x601E).contains(&t.group()) && t.element() == 0x3000)
                .filter(|t| matches!(rules.action(*t), Some(Action::Remove | Action::Clean)))
                .map(|t| t.group())
                .collect(),
            role_goes: matches!(
                rules.action(Tag(0x0010, 0x2297)),
                Some(Action::Remove | Action::Empty)
            ),
        }
    }

    /// Whether `tag` goes because another attribute does.
    pub fn goes_with_another(&self, tag: Tag) -> bool {
        self.dropped_overlays.contains(&tag.group()) || tag == Tag(0x0010, 0x2298) && self.role_goes
    }

    /// The action for `tag` here, given the one the rules resolved.
    pub fn action<'a>(&self, tag: Tag, action: &'a Action) -> &'a Action {
        let action = if self.record {
            record_action(tag, action)
        } else {
            action
        };
        match action {
            Action::Remove if self.type_2.contains(&(tag.group(), tag.element())) => &Action::Empty,
            a => a,
        }
    }
}

/// Top-level attributes the profile removes that the object itself makes Type 2: they stay,
/// emptied.
/// - The Referenced Performed Procedure Step Sequence is Type 3 in the General Series module
///   but Type 2 in the SR Document Series module (SR documents and Key Object Selection, SOP
///   Classes 1.2.840.10008.5.1.4.1.1.88.x).
/// - Responsible Person and Responsible Organization are Type 2C in the Patient module when the
///   patient is an animal (Patient Species Description or Code Sequence present).
fn required_here(sop_class: &str, animal: bool) -> Vec<(u16, u16)> {
    let mut tags = Vec::new();
    if sop_class.starts_with("1.2.840.10008.5.1.4.1.1.88.") {
        tags.push((0x0008, 0x1111));
    }
    if animal {
        tags.extend([(0x0010, 0x2297), (0x0010, 0x2299)]);
    }
    tags
}

/// Directory record attributes the record's own module requires (PS3.3 F.5) where the profile
/// would remove or empty them: Type 1 ones get a dummy value, Type 2 ones stay present, empty.
const RECORD_TYPE_1: [(u16, u16); 4] = [
    (0x0008, 0x0020), // Study Date (Study record)
    (0x0008, 0x0030), // Study Time
    (0x0020, 0x0010), // Study ID
    (0x0010, 0x0020), // Patient ID (Patient record)
];
const RECORD_TYPE_2: [(u16, u16); 3] = [
    (0x0008, 0x1030), // Study Description (Study record)
    (0x0008, 0x0050), // Accession Number
    (0x0010, 0x0010), // Patient's Name (Patient record)
];

/// The action for `tag` in a directory record, given the profile's.
fn record_action(tag: Tag, action: &Action) -> &Action {
    let key = (tag.group(), tag.element());
    match action {
        Action::Remove | Action::Empty if RECORD_TYPE_1.contains(&key) => &Action::Dummy,
        Action::Remove if RECORD_TYPE_2.contains(&key) => &Action::Empty,
        _ => action,
    }
}
