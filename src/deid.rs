//! The walk that applies the compiled rules to every element of every item of every sequence.

use std::collections::{BTreeMap, HashMap, HashSet};

use dicom_core::header::Header;
use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_object::mem::InMemElement;
use dicom_object::InMemDicomObject;

use crate::action::Action;
use crate::clean::Identity;
use crate::context::Context;
use crate::dates::{shift_da, shift_dt};
use crate::dictionary::dictionary_vr;
use crate::error::Result;
use crate::findings::Finding;
use crate::integrity::structure::show;
use crate::pseudonym::Pseudonyms;
use crate::rules::{normalize_creator, Dates, PathStep, RuleSet};
use crate::values::{
    clean_age, dummy, is_text, kept_value_dropped, max_len, trim_padding, uid_leading_zero,
};

/// What happens to attributes the table does not list, inside the sequence being walked.
/// A sequence whose own action is D or C passes that on to the free text of its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Unlisted {
    Keep,
    Clean,
    Dummy,
}

pub(crate) struct Deidentifier<'a> {
    unlisted: Unlisted,
    pub rules: &'a RuleSet,
    pub pseudonyms: &'a Pseudonyms,
    pub identity: &'a Identity,
    pub date_offset: i64,
    pub counts: BTreeMap<String, u64>,
    pub findings: Vec<Finding>,
    path: Vec<PathStep>,
}

impl<'a> Deidentifier<'a> {
    pub fn new(
        rules: &'a RuleSet,
        pseudonyms: &'a Pseudonyms,
        identity: &'a Identity,
        date_offset: i64,
    ) -> Self {
        Deidentifier {
            unlisted: Unlisted::Keep,
            rules,
            pseudonyms,
            identity,
            date_offset,
            counts: BTreeMap::new(),
            findings: Vec::new(),
            path: Vec::new(),
        }
    }

    fn count(&mut self, label: &str, n: u64) {
        *self.counts.entry(label.to_string()).or_default() += n;
    }

    /// Drops a value that cannot be handled safely, with a finding saying why.
    fn refuse_value(
        &mut self,
        code: &str,
        tag: Tag,
        message: impl Into<String>,
    ) -> Option<InMemElement> {
        self.find(code, tag, message);
        self.count("removed", 1);
        None
    }

    fn find(&mut self, code: &str, tag: Tag, message: impl Into<String>) {
        let mut path: Vec<String> = self.path.iter().map(show_step).collect();
        path.push(show(tag));
        self.findings.push(Finding {
            code: code.into(),
            path: Some(path.join("/")),
            message: message.into(),
        });
    }

    /// One data set (the top level or a sequence item).
    pub fn dataset(&mut self, obj: InMemDicomObject) -> Result<InMemDicomObject> {
        let creators: HashMap<(u16, u16), String> = obj
            .iter()
            .filter(|e| is_creator(e.tag()))
            .filter_map(|e| {
                let name = e.value().to_str().ok()?;
                Some((
                    (e.tag().group(), e.tag().element()),
                    normalize_creator(&name),
                ))
            })
            .collect();
        let context = Context::of(&obj, self.rules, &self.path);
        let mut out = Vec::new();
        let mut held_creators = Vec::new();
        let mut used_blocks = HashSet::new();
        for elem in obj {
            let tag = elem.tag();
            if tag.element() == 0x0000 || context.goes_with_another(tag) {
                // Group lengths (retired, and wrong once anything changes), and what goes with
                // the attributes above.
                self.count("removed", 1);
            } else if is_creator(tag) {
                held_creators.push(elem);
            } else if tag.group() % 2 == 1 {
                let block = (tag.group(), tag.element() >> 8);
                if let Some(kept) = self.private(elem, creators.get(&block))? {
                    used_blocks.insert(block);
                    out.push(kept);
                }
            } else if tag.group() == 0x0002 {
                self.find(
                    "structure.meta_in_dataset",
                    tag,
                    "file meta attribute inside the data set removed",
                );
                self.count("removed", 1);
            } else {
                let action = match self.rules.action(tag) {
                    Some(a) => a,
                    None => self.unlisted_action(elem.vr()),
                };
                let action = context.action(tag, action);
                if let Some(e) = self.apply(action, elem)? {
                    out.push(e);
                }
            }
        }
        // A private creator stays only while an element of its block does.
        for c in held_creators {
            let key = (c.tag().group(), c.tag().element());
            if used_blocks.contains(&key) {
                self.count("kept", 1);
                out.push(c);
            } else {
                self.count("removed", 1);
            }
        }
        Ok(InMemDicomObject::from_element_iter(out))
    }

    fn unlisted_action(&self, vr: VR) -> &'static Action {
        // Code strings are enumerated terms, and UIDs follow their own rows: neither is free text.
        let free_text = is_text(vr) && !matches!(vr, VR::CS | VR::UI);
        match self.unlisted {
            Unlisted::Dummy if free_text => &Action::Dummy,
            Unlisted::Clean if free_text => &Action::Clean,
            _ => &Action::Keep,
        }
    }

    fn private(
        &mut self,
        elem: InMemElement,
        creator: Option<&String>,
    ) -> Result<Option<InMemElement>> {
        let tag = elem.tag();
        let Some(creator) = creator else {
            self.find(
                "private.no_creator",
                tag,
                "private attribute without a private creator removed",
            );
            self.count_removed(&elem);
            return Ok(None);
        };
        let step = PathStep::Private(tag.group(), creator.clone(), (tag.element() & 0xFF) as u8);
        self.path.push(step);
        let kept = if self.rules.keeps_private(&self.path) {
            self.count("kept", 1);
            self.walk_items(elem).map(Some)
        } else {
            self.count_removed(&elem);
            Ok(None)
        };
        self.path.pop();
        kept
    }

    /// Removes an element, counting it and everything nested in it.
    fn count_removed(&mut self, elem: &InMemElement) {
        fn nested(e: &InMemElement) -> u64 {
            e.value()
                .items()
                .map(|items| {
                    items
                        .iter()
                        .flat_map(|i| i.iter())
                        .map(|c| 1 + nested(c))
                        .sum()
                })
                .unwrap_or(0)
        }
        self.count("removed", 1 + nested(elem));
    }

    /// Keeps a sequence and walks its items; any other element passes unchanged.
    fn walk_items(&mut self, elem: InMemElement) -> Result<InMemElement> {
        let (tag, vr) = (elem.tag(), elem.vr());
        match elem.into_value() {
            Value::Sequence(seq) => {
                let items = seq
                    .into_items()
                    .into_iter()
                    .map(|item| self.dataset(item))
                    .collect::<Result<Vec<_>>>()?;
                Ok(DataElement::new(
                    tag,
                    VR::SQ,
                    DataSetSequence::new(items, Length::UNDEFINED),
                ))
            }
            v => Ok(DataElement::new(tag, vr, v)),
        }
    }

    fn apply(&mut self, action: &'a Action, elem: InMemElement) -> Result<Option<InMemElement>> {
        let (tag, vr) = (elem.tag(), elem.vr());
        if let Value::Sequence(_) | Value::PixelSequence(_) = elem.value() {
            return Ok(match action {
                Action::Remove => {
                    self.count_removed(&elem);
                    None
                }
                Action::Empty if vr == VR::SQ => {
                    self.count_removed(&elem);
                    self.count("emptied", 1);
                    Some(DataElement::new(
                        tag,
                        VR::SQ,
                        DataSetSequence::<InMemDicomObject>::empty(),
                    ))
                }
                _ => {
                    self.count(action.label(), 1);
                    let outer = self.unlisted;
                    self.unlisted = outer.max(match action {
                        Action::Dummy => Unlisted::Dummy,
                        Action::Clean | Action::ShiftDate => Unlisted::Clean,
                        _ => Unlisted::Keep,
                    });
                    self.path.push(PathStep::Public(tag.group(), tag.element()));
                    let e = self.walk_items(elem);
                    self.path.pop();
                    self.unlisted = outer;
                    Some(e?)
                }
            });
        }
        // Whether the encoded VR lets this action read the value; `None` when the action does
        // not read it.
        let readable = match action {
            Action::Keep | Action::Remove | Action::Empty | Action::Dummy => None,
            Action::ReplaceUid => Some(vr == VR::UI),
            Action::Hash if dictionary_vr(tag) == VR::UI => Some(vr == VR::UI),
            // Shift reads dates; other text under a shifting option is cleaned.
            _ => Some(is_text(vr) || matches!(vr, VR::DA | VR::DT | VR::TM | VR::AS)),
        };
        if vr == VR::UN && readable.is_some() {
            // Without its real VR, a value cannot be changed safely: it goes.
            return Ok(self.refuse_value(
                "value.un_removed",
                tag,
                "attribute encoded as UN removed instead of changed",
            ));
        }
        if readable == Some(false) {
            // Found by fuzzing: a UID written with VR US was "replaced" as numbers.
            return Ok(self.refuse_value(
                "value.vr_mismatch",
                tag,
                format!("attribute encoded as {vr:?}, which its action cannot read, removed"),
            ));
        }
        if matches!(action, Action::Keep) && kept_value_dropped(&elem) {
            // Found by fuzzing: these VRs are ASCII only (a UID digits and dots), and a kept
            // non-ASCII value made an output that a second pass could not encode, while a UID
            // holding letters carried a patient's name past the gate (which reads text VRs).
            return Ok(self.refuse_value(
                "value.invalid_removed",
                tag,
                format!("a {vr:?} value with characters its VR does not allow was removed"),
            ));
        }
        if matches!(action, Action::Keep)
            && vr == VR::UI
            && Self::strings(&elem).iter().any(|u| uid_leading_zero(u))
        {
            // Replaced UIDs lose the leading zeros; a kept one (Retain UIDs) carries them on.
            self.find(
                "value.uid_leading_zero",
                tag,
                "a UID with a leading zero in a component (not allowed by PS3.5 9.1) was kept as it is",
            );
        }
        let new = match action {
            Action::Keep => Some(
                elem.into_value()
                    .into_primitive()
                    .unwrap_or(PrimitiveValue::Empty),
            ),
            Action::Remove => None,
            Action::Empty => Some(PrimitiveValue::Empty),
            Action::Dummy if vr == VR::UI => Some(self.uids(&elem)),
            Action::Dummy => Some(dummy(vr)),
            Action::Clean => self.clean(&elem),
            Action::ReplaceUid => Some(self.uids(&elem)),
            Action::ShiftDate => self.shift(&elem),
            Action::PseudonymizeId => Some(self.map_strings(&elem, |p, v| p.patient_id(v))),
            Action::Replace(v) => Some(PrimitiveValue::from(v.as_str())),
            Action::Hash if vr == VR::UI => Some(self.uids(&elem)),
            Action::Hash => {
                let max = max_len(vr).unwrap_or(64);
                Some(self.map_strings(&elem, |p, v| p.hash_text(v, max)))
            }
        };
        match new {
            Some(value) => {
                self.count(action.label(), 1);
                // A keyed ID pseudonym (`PAT-…`) is an LO value, as Patient ID is: written with
                // the VR a file may have got wrong (CS cannot hold `-`), it was not one, and a
                // second pass took it for a code (found by fuzzing).
                let vr = match action {
                    Action::PseudonymizeId => VR::LO,
                    _ => vr,
                };
                Ok(Some(DataElement::new(tag, vr, value)))
            }
            None => {
                self.count("removed", 1);
                Ok(None)
            }
        }
    }

    fn strings(elem: &InMemElement) -> Vec<String> {
        elem.value()
            .to_multi_str()
            .map(|v| v.iter().map(|s| trim_padding(s).to_string()).collect())
            .unwrap_or_default()
    }

    /// Each non-empty value mapped through `f`; empty values stay empty.
    fn map_strings(
        &self,
        elem: &InMemElement,
        f: impl Fn(&Pseudonyms, &str) -> String,
    ) -> PrimitiveValue {
        let out: Vec<String> = Self::strings(elem)
            .iter()
            .map(|v| {
                if v.is_empty() {
                    String::new()
                } else {
                    f(self.pseudonyms, v)
                }
            })
            .collect();
        strs(out)
    }

    fn uids(&self, elem: &InMemElement) -> PrimitiveValue {
        self.map_strings(elem, |p, v| p.uid(v))
    }

    /// C, per VR; `None` removes the attribute.
    fn clean(&mut self, elem: &InMemElement) -> Option<PrimitiveValue> {
        let vr = elem.vr();
        match vr {
            // A keyed pseudonym keeps devices apart without naming them.
            VR::AE => Some(self.map_strings(elem, |p, v| p.hash_text(v, 16))),
            VR::UI => Some(self.uids(elem)),
            VR::DA | VR::DT | VR::TM if self.rules.dates == Dates::Modified => self.shift(elem),
            VR::DA | VR::DT | VR::TM => Some(PrimitiveValue::Empty),
            VR::AS => Some(strs(
                Self::strings(elem).iter().map(|a| clean_age(a)).collect(),
            )),
            _ if is_text(vr) => {
                let max = max_len(vr);
                Some(strs(
                    Self::strings(elem)
                        .iter()
                        .map(|v| {
                            let mut c = self.identity.clean(v);
                            if let Some(m) = max {
                                c.truncate(c.char_indices().nth(m).map_or(c.len(), |(i, _)| i));
                            }
                            c
                        })
                        .collect(),
                ))
            }
            VR::DS
            | VR::IS
            | VR::US
            | VR::SS
            | VR::UL
            | VR::SL
            | VR::FL
            | VR::FD
            | VR::SV
            | VR::UV
            | VR::AT => Some(
                elem.value()
                    .primitive()
                    .cloned()
                    .unwrap_or(PrimitiveValue::Empty),
            ),
            // Binary values cannot be cleaned: they go.
            _ => None,
        }
    }

    /// Dates move by the patient's offset; times stay; unparsable dates are emptied.
    fn shift(&mut self, elem: &InMemElement) -> Option<PrimitiveValue> {
        let vr = elem.vr();
        let f: fn(&str, i64) -> Option<String> = match vr {
            VR::DA => shift_da,
            VR::DT => shift_dt,
            VR::TM => return elem.value().primitive().cloned(),
            _ => return self.clean(elem),
        };
        let values = Self::strings(elem);
        let shifted: Option<Vec<String>> = values
            .iter()
            .map(|v| {
                if v.is_empty() {
                    Some(String::new())
                } else {
                    f(v, self.date_offset)
                }
            })
            .collect();
        Some(match shifted {
            Some(v) => strs(v),
            None => {
                self.find(
                    "value.date_unparsable",
                    elem.tag(),
                    "a date that could not be shifted was emptied",
                );
                PrimitiveValue::Empty
            }
        })
    }
}

fn strs(values: Vec<String>) -> PrimitiveValue {
    match values.len() {
        0 => PrimitiveValue::Empty,
        1 if values[0].is_empty() => PrimitiveValue::Empty,
        _ => PrimitiveValue::Strs(values.into()),
    }
}

fn is_creator(tag: Tag) -> bool {
    tag.group() % 2 == 1 && (0x0010..=0x00FF).contains(&tag.element())
}

fn show_step(s: &PathStep) -> String {
    match s {
        PathStep::Public(g, e) => format!("({g:04X},{e:04X})"),
        PathStep::Private(g, c, e) => format!("({g:04X},\"{c}\",{e:02X})"),
    }
}
