//! Settings compiled once into a rule set: every precedence question is settled here, so the
//! walk over the data set only looks actions up.

use std::collections::{HashMap, HashSet};

use dicom_core::dictionary::DataDictionary;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;

use crate::action::{Action, Shape};
use crate::dictionary::dictionary_vr;
use crate::error::{Error, Result};
use crate::integrity::sequences::REMOVED_SEQUENCES;
use crate::profile::{Column, ProfileOption, Row, Step, TagPattern, ROWS, SAFE_PRIVATE};
use crate::settings::{PatientId, RuleAction, Settings, UserRule};

/// The deepest nesting a caller may allow; the walkers recurse once per level.
pub const MAX_DEPTH_CEILING: u32 = 256;

/// Attributes the sanitizer writes itself; user rules may not select them.
const MARKERS: [(u16, u16); 4] = [
    (0x0012, 0x0062),
    (0x0012, 0x0063),
    (0x0012, 0x0064),
    (0x0028, 0x0303),
];

/// One step of the path to an attribute: a public sequence, or a private attribute named by
/// its group, creator (trimmed, upper case) and element byte.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum PathStep {
    Public(u16, u16),
    Private(u16, String, u8),
}

/// How dates are treated, which also decides (0028,0303).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dates {
    Removed,
    Full,
    Modified,
}

#[derive(Debug)]
pub(crate) struct RuleSet {
    exact: HashMap<(u16, u16), Action>,
    masked: Vec<(TagPattern, Action)>,
    /// The safe private paths, when Retain Safe Private is on.
    safe_private: Option<HashSet<Vec<PathStep>>>,
    pub options: Vec<ProfileOption>,
    pub dates: Dates,
}

impl RuleSet {
    pub fn compile(settings: &Settings) -> Result<RuleSet> {
        let mut options = settings.options.clone();
        options.sort();
        options.dedup();
        let has = |o| options.contains(&o);
        let dates = match (
            has(ProfileOption::RetainLongitudinalFullDates),
            has(ProfileOption::RetainLongitudinalModifiedDates),
        ) {
            (true, true) => {
                return Err(Error::settings(
                    "settings.conflicting_options",
                    "retainLongitudinalFullDates and retainLongitudinalModifiedDates exclude each other",
                ))
            }
            (true, false) => Dates::Full,
            (false, true) => Dates::Modified,
            (false, false) => Dates::Removed,
        };
        if settings.limits.max_depth > MAX_DEPTH_CEILING {
            return Err(Error::settings(
                "settings.invalid_limit",
                format!("maxDepth may be at most {MAX_DEPTH_CEILING}"),
            ));
        }

        let mut exact = HashMap::new();
        let mut masked = Vec::new();
        for row in ROWS {
            let action = resolve(row, &options);
            match row.tag {
                TagPattern::Exact(g, e) => {
                    exact.insert((g, e), action);
                }
                pattern => masked.push((pattern, action)),
            }
        }
        // Signatures, MACs (not in Table E.1-1, orphaned once the signatures go), encrypted and
        // original attributes: removed whatever the options say.
        for (tag, ..) in REMOVED_SEQUENCES {
            exact.insert((tag.group(), tag.element()), Action::Remove);
        }
        match &settings.patient_id {
            PatientId::Keyed => {
                exact.insert((0x0010, 0x0020), Action::PseudonymizeId);
            }
            PatientId::Profile => {}
            PatientId::Fixed(v) => {
                check_value(Tag(0x0010, 0x0020), VR::LO, v)?;
                exact.insert((0x0010, 0x0020), Action::Replace(v.clone()));
            }
        }
        let mut seen = HashSet::new();
        for rule in &settings.rules {
            let (tag, action) = compile_rule(rule)?;
            if !seen.insert(tag) {
                return Err(Error::settings(
                    "settings.duplicate_rule",
                    format!("more than one rule selects {}", rule.tag),
                ));
            }
            exact.insert((tag.group(), tag.element()), action);
        }

        let safe_private = has(ProfileOption::RetainSafePrivate).then(|| {
            SAFE_PRIVATE
                .iter()
                .map(|path| path.iter().map(PathStep::from).collect())
                .collect()
        });
        Ok(RuleSet {
            exact,
            masked,
            safe_private,
            options,
            dates,
        })
    }

    /// The action for a public attribute; `None` for what neither the table nor a rule lists.
    pub fn action(&self, tag: Tag) -> Option<&Action> {
        let (g, e) = (tag.group(), tag.element());
        self.exact.get(&(g, e)).or_else(|| {
            self.masked
                .iter()
                .find(|(p, _)| p.matches(g, e))
                .map(|(_, a)| a)
        })
    }

    /// Whether a private attribute at `path` (its own step last) may be kept.
    pub fn keeps_private(&self, path: &[PathStep]) -> bool {
        self.safe_private
            .as_ref()
            .is_some_and(|safe| safe.contains(path))
    }
}

impl From<&Step> for PathStep {
    fn from(s: &Step) -> Self {
        match *s {
            Step::Public(g, e) => PathStep::Public(g, e),
            Step::Private(g, creator, e) => PathStep::Private(g, normalize_creator(creator), e),
        }
    }
}

/// Private creators are compared trimmed and case-insensitively (the knowledge base itself
/// spells some creators in two cases).
pub(crate) fn normalize_creator(s: &str) -> String {
    s.trim_matches(|c: char| c == '\0' || c.is_whitespace())
        .to_ascii_uppercase()
}

/// One row under the chosen options. An option's `C` beats another's `K` (keep only what every
/// chosen option allows); a `C` from Retain Longitudinal Modified Dates means "shift".
fn resolve(row: &Row, options: &[ProfileOption]) -> Action {
    let mut keep = false;
    let mut clean = None;
    for &o in options {
        match row.column(o) {
            Some(Column::K) => keep = true,
            Some(Column::C) if o == ProfileOption::RetainLongitudinalModifiedDates => {
                clean = Some(Action::ShiftDate)
            }
            Some(Column::C) => {
                clean.get_or_insert(Action::Clean);
            }
            None => {}
        }
    }
    clean
        .or(keep.then_some(Action::Keep))
        .unwrap_or_else(|| Action::from_basic(row.basic, shape(row)))
}

fn shape(row: &Row) -> Shape {
    match row.tag {
        // Acquisition Context Sequence: Type 2 in the Acquisition Context module.
        TagPattern::Exact(0x0040, 0x0555) => Shape::Type2Sequence,
        TagPattern::Exact(g, e) if dictionary_vr(Tag(g, e)) == VR::SQ => Shape::Sequence,
        _ => Shape::Value,
    }
}

fn compile_rule(rule: &UserRule) -> Result<(Tag, Action)> {
    let tag = parse_selector(&rule.tag)?;
    let (g, e) = (tag.group(), tag.element());
    let refuse = |why: &str| {
        Err(Error::settings(
            "settings.rule_not_allowed",
            format!("rule for {}: {why}", rule.tag),
        ))
    };
    if g % 2 == 1 {
        return refuse("private attributes are kept only under the retainSafePrivate option");
    }
    if g == 0x0002 || e == 0x0000 || MARKERS.contains(&(g, e)) || g == 0xFFFE {
        return refuse("file meta, group lengths, items and the de-identification markers are written by the sanitizer");
    }
    if REMOVED_SEQUENCES.iter().any(|(t, ..)| *t == tag) {
        return refuse(
            "signature, MAC, encrypted and original attribute sequences are always removed",
        );
    }
    let vr = dictionary_vr(tag);
    if rule.value.is_some() && rule.action != RuleAction::Replace {
        return Err(Error::settings(
            "settings.invalid_value",
            format!("rule for {}: a value goes only with \"replace\"", rule.tag),
        ));
    }
    let action = match rule.action {
        RuleAction::Keep => Action::Keep,
        RuleAction::Remove => Action::Remove,
        RuleAction::Empty => Action::Empty,
        RuleAction::Replace => {
            let value = rule.value.clone().ok_or_else(|| {
                Error::settings(
                    "settings.missing_value",
                    format!("rule for {}: \"replace\" needs a value", rule.tag),
                )
            })?;
            check_value(tag, vr, &value)?;
            Action::Replace(value)
        }
        RuleAction::Hash => {
            if !crate::values::is_text(vr) {
                return Err(Error::settings(
                    "settings.invalid_value",
                    format!(
                        "rule for {}: \"hash\" works on text attributes, not {vr:?}",
                        rule.tag
                    ),
                ));
            }
            Action::Hash
        }
    };
    Ok((tag, action))
}

/// A replacement value must fit the attribute's VR.
fn check_value(tag: Tag, vr: VR, value: &str) -> Result<()> {
    let bad = |why: String| {
        Err(Error::settings(
            "settings.invalid_value",
            format!(
                "value for ({:04X},{:04X}): {why}",
                tag.group(),
                tag.element()
            ),
        ))
    };
    if !crate::values::is_text(vr) && !matches!(vr, VR::DS | VR::IS) {
        return bad(format!("replace works on text attributes, not {vr:?}"));
    }
    if let Some(max) = crate::values::max_len(vr) {
        if value.split('\\').any(|v| v.len() > max) {
            return bad(format!("longer than the {max} characters {vr:?} allows"));
        }
    }
    if matches!(vr, VR::DS | VR::IS) && value.split('\\').any(|v| v.trim().parse::<f64>().is_err())
    {
        return bad(format!("not a number, as {vr:?} needs"));
    }
    Ok(())
}

/// `PatientName`, `(0010,0010)`, `0010,0010` or `00100010`.
fn parse_selector(s: &str) -> Result<Tag> {
    let t = s.trim();
    let hex = t
        .trim_start_matches('(')
        .trim_end_matches(')')
        .replace(',', "");
    if hex.len() == 8 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        let n = u32::from_str_radix(&hex, 16).unwrap_or(0);
        return Ok(Tag((n >> 16) as u16, n as u16));
    }
    if t.starts_with('(') || t.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return Err(Error::settings(
            "settings.malformed_tag",
            format!("{s:?} is not a tag: write (gggg,eeee) with 4 hex digits each, or a keyword such as PatientName"),
        ));
    }
    if let Some(entry) = StandardDataDictionary.by_name(t) {
        return Ok(entry.tag.inner());
    }
    Err(Error::settings(
        "settings.unknown_keyword",
        format!(
            "unknown keyword {s:?}{}; a selector is a DICOM keyword (e.g. PatientName) or a tag (gggg,eeee)",
            suggestions(t)
        ),
    ))
}

/// "; did you mean …" from the keywords of the attributes Table E.1-1 lists.
fn suggestions(word: &str) -> String {
    let mut scored: Vec<(f64, &str)> = ROWS
        .iter()
        .filter_map(|r| match r.tag {
            TagPattern::Exact(g, e) => StandardDataDictionary.by_tag(Tag(g, e)),
            _ => None,
        })
        .map(|e| {
            (
                strsim::jaro_winkler(&word.to_lowercase(), &e.alias.to_lowercase()),
                e.alias,
            )
        })
        .filter(|(s, _)| *s > 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.dedup_by(|a, b| a.1 == b.1);
    let names: Vec<&str> = scored.iter().take(3).map(|(_, n)| *n).collect();
    if names.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", names.join(", "))
    }
}
