//! The residual-PHI gate (fail closed). Before de-identifying, the identifying values of the input
//! are collected; afterwards every value that came from the input and is still in the output
//! (kept, cleaned, shifted, unlisted, private, UN) is searched for them, case-insensitively. A
//! hit stops the file. Kept free text is also searched for date-, phone- and ID-like patterns,
//! which are findings, or errors under the `strict` setting.

use dicom_core::header::Header;
use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{Tag, VR};
use dicom_object::mem::InMemElement;
use dicom_object::InMemDicomObject;

use crate::action::Action;
use crate::clean::date_spellings;
use crate::dictionary::is_name;
use crate::error::{Error, Result};
use crate::findings::Finding;
use crate::integrity::structure::show;
use crate::rules::RuleSet;

/// Attributes whose whole values identify the patient or the visit, wherever they occur.
/// Names (every PN) also give their components as tokens.
const IDENTIFYING: [(u16, u16, &str); 21] = [
    (0x0008, 0x0050, "Accession Number"),
    (0x0008, 0x0080, "Institution Name"),
    (0x0008, 0x0081, "Institution Address"),
    (0x0008, 0x0092, "Referring Physician's Address"),
    (0x0008, 0x0094, "Referring Physician's Telephone Numbers"),
    (0x0008, 0x1040, "Institutional Department Name"),
    (0x0010, 0x0020, "Patient ID"),
    (0x0010, 0x0030, "Patient's Birth Date"),
    (0x0010, 0x1000, "Other Patient IDs"),
    (0x0010, 0x1002, "Other Patient IDs Sequence"),
    (0x0010, 0x1040, "Patient's Address"),
    (0x0010, 0x1090, "Medical Record Locator"),
    (0x0010, 0x2154, "Patient's Telephone Numbers"),
    (0x0010, 0x2155, "Patient's Telecom Information"),
    (0x0020, 0x0010, "Study ID"),
    (0x0038, 0x0010, "Admission ID"),
    (0x0038, 0x0400, "Patient's Institution Residence"),
    (0x0040, 0x1001, "Requested Procedure ID"),
    (
        0x0040,
        0x2016,
        "Placer Order Number / Imaging Service Request",
    ),
    (
        0x0040,
        0x2017,
        "Filler Order Number / Imaging Service Request",
    ),
    (0x0040, 0xA123, "Person Name"),
];

/// Values the sanitizer writes itself, which the gate does not search.
const WRITTEN_BY_SANITIZER: [(u16, u16); 5] = [
    (0x0012, 0x0062),
    (0x0012, 0x0063),
    (0x0012, 0x0064),
    (0x0028, 0x0303),
    (0x0028, 0x0301),
];

/// A token shorter than this is not searched (initials would match everywhere).
const MIN_TOKEN_CHARS: usize = 2;
/// Tokens shorter than this (letters), or all digits and shorter than `MIN_WORD_DIGITS`, are
/// found only as a whole value: two letters (OB, LI) and short numbers (a Patient ID "100")
/// stand for countless other things inside text, and alone identify no one.
const MIN_WORD_CHARS: usize = 3;
const MIN_WORD_DIGITS: usize = 5;

/// Codes: terms of a vocabulary (like CS values, which are not searched either). A patient named
/// Test and the Coding Scheme Designator TEST are a coincidence, never a leak.
const CODES: [(u16, u16); 7] = [
    (0x0008, 0x0100), // Code Value
    (0x0008, 0x0102), // Coding Scheme Designator
    (0x0008, 0x0103), // Coding Scheme Version
    (0x0008, 0x0105), // Mapping Resource
    (0x0008, 0x010F), // Context Identifier
    (0x0008, 0x0119), // Long Code Value
    (0x0008, 0x0120), // URN Code Value
];

/// Values a device or its vendor writes (names of products, software, coils, kernels,
/// processing modes), which the profile keeps. They hold a patient's or institution's token
/// only by coincidence (Institution Name TOSHIBA, Manufacturer TOSHIBA_MEC; Institution Name
/// Here, Manufacturer "Manufacturer name here"), so they stop a file only when a whole value
/// is an identifying value.
const DEVICE: [(u16, u16); 16] = [
    (0x0008, 0x0070), // Manufacturer
    (0x0008, 0x1090), // Manufacturer's Model Name
    (0x0018, 0x0024), // Sequence Name
    (0x0018, 0x1016), // Secondary Capture Device Manufacturer
    (0x0018, 0x1018), // Secondary Capture Device Manufacturer's Model Name
    (0x0018, 0x1019), // Secondary Capture Device Software Versions
    (0x0018, 0x1020), // Software Versions
    (0x0018, 0x1160), // Filter Type
    (0x0018, 0x1180), // Collimator/grid Name
    (0x0018, 0x1210), // Convolution Kernel
    (0x0018, 0x1250), // Receive Coil Name
    (0x0018, 0x1251), // Transmit Coil Name
    (0x0018, 0x5010), // Transducer Data
    (0x0018, 0x5020), // Processing Function
    (0x0018, 0x9005), // Pulse Sequence Name
    (0x0028, 0x1055), // Window Center & Width Explanation
];

/// How the gate reads a value that came from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueKind {
    /// A term of a vocabulary: not searched.
    Code,
    /// A device's or vendor's value: a hit only when a whole value is a token.
    Device,
    /// Free text, names, private and UN bytes: a hit when a token is a word of it.
    Text,
}

/// The kind of a value at `tag` (private values are always text: anything can be in them).
pub(crate) fn value_kind(tag: Tag, vr: VR) -> ValueKind {
    let key = (tag.group(), tag.element());
    if tag.group() % 2 == 1 {
        ValueKind::Text
    } else if vr == VR::CS || CODES.contains(&key) {
        ValueKind::Code
    } else if DEVICE.contains(&key) {
        ValueKind::Device
    } else {
        ValueKind::Text
    }
}

#[derive(Debug)]
struct Token {
    chars: Vec<char>,
    /// Found only as a whole value (short words and numbers), not as a word inside text.
    whole_only: bool,
    /// The attribute it came from, for the error message (never the value itself).
    source: String,
}

/// The identifying tokens of one input.
#[derive(Debug, Default)]
pub(crate) struct Gate {
    tokens: Vec<Token>,
}

impl Gate {
    /// Collects the tokens of `input`, except from attributes the caller's settings keep (a
    /// kept attribute is the caller's decision, not a leak).
    pub fn collect(input: &InMemDicomObject, rules: &RuleSet) -> Gate {
        let mut gate = Gate::default();
        gate.gather(input, rules, "");
        gate.tokens.sort_by(|a, b| {
            b.chars
                .len()
                .cmp(&a.chars.len())
                .then(a.chars.cmp(&b.chars))
        });
        gate.tokens.dedup_by(|a, b| a.chars == b.chars);
        gate
    }

    fn gather(&mut self, obj: &InMemDicomObject, rules: &RuleSet, prefix: &str) {
        for elem in obj {
            let tag = elem.tag();
            // Made only when needed: formatting every tag path was a tenth of the header work.
            let path = || format!("{prefix}{}", show(tag));
            let kept = tag.group() % 2 == 0 && matches!(rules.action(tag), Some(Action::Keep));
            let listed = IDENTIFYING
                .iter()
                .find(|(g, e, _)| (*g, *e) == (tag.group(), tag.element()));
            match elem.value() {
                Value::Sequence(seq) if !kept => {
                    for item in seq.items() {
                        self.gather(item, rules, &format!("{}/", path()));
                    }
                }
                Value::Primitive(_) if !kept && (listed.is_some() || is_name(elem)) => {
                    let name = listed.map_or("a person name", |(.., n)| n);
                    let source = format!("{name} {}", path());
                    for v in elem.value().to_multi_str().iter().flat_map(|v| v.iter()) {
                        self.tokens_of(v, tag, is_name(elem), &source);
                    }
                }
                _ => {}
            }
        }
    }

    fn tokens_of(&mut self, value: &str, tag: Tag, pn: bool, source: &str) {
        let mut push = |t: &str| {
            let chars: Vec<char> = t.trim().chars().flat_map(char::to_lowercase).collect();
            // The sanitizer's own dummy word is no one's identity: a file sanitized before keeps
            // it in dummied attributes and in their nested items (found by fuzzing).
            if chars.len() >= MIN_TOKEN_CHARS && !chars.iter().copied().eq(dummy()) {
                let digits = chars.iter().all(char::is_ascii_digit);
                self.tokens.push(Token {
                    whole_only: chars.len() < MIN_WORD_CHARS
                        || digits && chars.len() < MIN_WORD_DIGITS,
                    chars,
                    source: source.to_string(),
                });
            }
        };
        let value = value.trim_matches(|c: char| c == '\0' || c.is_whitespace());
        if pn {
            // Family, given and middle names alone; prefixes and suffixes (MR, JR) are too common.
            // Each word alone too, split at anything not a letter or digit, so that one half
            // of "GARCIA-LOPEZ" or "O'BRIEN" is still found.
            for group in value.split('=') {
                for part in group.split('^').take(3) {
                    part.split_whitespace().for_each(&mut push);
                    part.split(|c: char| !c.is_alphanumeric())
                        .for_each(&mut push);
                }
            }
            push(&value.replace('^', " "));
        } else {
            push(value);
        }
        if tag == Tag(0x0010, 0x0030) {
            date_spellings(value).iter().for_each(|f| push(f));
        }
    }

    /// Echoes: a value the profile keeps that is, whole, an identifying value of the input
    /// (Manufacturer `SPRINGFIELD GENERAL` where that is also the Institution Name: an
    /// institution that wrote its own software) is treated like the value it echoes, which the
    /// profile removes: it is emptied, with a finding (`phi.echo_emptied`), so that the file
    /// comes out instead of being stopped by [`check`](Gate::check). A value that only holds a
    /// token among other words is no echo, and still stops the file.
    pub fn empty_echoes(
        &self,
        obj: &mut InMemDicomObject,
        rules: &RuleSet,
        prefix: &str,
        findings: &mut Vec<Finding>,
    ) {
        let tags: Vec<Tag> = obj.iter().map(|e| e.tag()).collect();
        for tag in tags {
            let path = format!("{prefix}{}", show(tag));
            let Some(elem) = obj.get(tag) else { continue };
            if let Value::Sequence(_) = elem.value() {
                obj.update_value(tag, |v| {
                    for item in v.items_mut().into_iter().flatten() {
                        self.empty_echoes(item, rules, &format!("{path}/"), findings);
                    }
                });
                continue;
            }
            let kind = value_kind(tag, elem.vr());
            let echo = kind != ValueKind::Code
                && !WRITTEN_BY_SANITIZER.contains(&(tag.group(), tag.element()))
                && searchable(elem, rules)
                    .and_then(|text| self.find(&text, ValueKind::Device, is_name(elem)))
                    .is_some();
            if echo {
                obj.update_value(tag, |v| *v = Value::Primitive(PrimitiveValue::Empty));
                findings.push(Finding {
                    code: "phi.echo_emptied".into(),
                    path: Some(path),
                    message: "a kept value was, whole, an identifying value of the input; emptied like it".into(),
                });
            }
        }
    }

    /// Searches the de-identified object. A token found stops the file (`phi.residual`); a
    /// pattern in kept free text is a finding, or an error (`phi.pattern`) when `strict`.
    pub fn check(
        &self,
        output: &InMemDicomObject,
        rules: &RuleSet,
        strict: bool,
        findings: &mut Vec<Finding>,
    ) -> Result<()> {
        self.walk(output, rules, strict, "", findings)
    }

    fn walk(
        &self,
        obj: &InMemDicomObject,
        rules: &RuleSet,
        strict: bool,
        prefix: &str,
        findings: &mut Vec<Finding>,
    ) -> Result<()> {
        for elem in obj {
            let tag = elem.tag();
            let path = || format!("{prefix}{}", show(tag));
            if WRITTEN_BY_SANITIZER.contains(&(tag.group(), tag.element())) {
                continue;
            }
            if let Value::Sequence(seq) = elem.value() {
                for item in seq.items() {
                    self.walk(item, rules, strict, &format!("{}/", path()), findings)?;
                }
                continue;
            }
            // Codes are neither searched for tokens nor free text: not even read.
            let kind = value_kind(tag, elem.vr());
            if kind == ValueKind::Code {
                continue;
            }
            let Some(text) = searchable(elem, rules) else {
                continue;
            };
            if let Some(token) = self.find(&text, kind, is_name(elem)) {
                return Err(Error::Deidentify {
                    code: "phi.residual",
                    path: path(),
                    message: format!(
                        "the output still holds a value of the input's {}",
                        token.source
                    ),
                });
            }
            if is_free_text(elem) {
                for (code, what) in patterns(&text) {
                    if strict {
                        return Err(Error::Deidentify {
                            code: "phi.pattern",
                            path: path(),
                            message: format!("kept free text holds {what} (strict)"),
                        });
                    }
                    findings.push(Finding {
                        code: code.to_string(),
                        path: Some(path()),
                        message: format!("kept free text holds {what}"),
                    });
                }
            }
        }
        Ok(())
    }
}

impl Gate {
    /// The first token found in `text` read as `kind`: as a word of free text, or as one whole
    /// value (each of a multi-valued text; each component of a name).
    fn find(&self, text: &str, kind: ValueKind, pn: bool) -> Option<&Token> {
        let lower = |s: &str| -> Vec<char> {
            s.trim_matches(|c: char| c == '\0' || c.is_whitespace())
                .chars()
                .flat_map(char::to_lowercase)
                .collect()
        };
        let values: Vec<Vec<char>> = text
            .split(|c| c == '\\' || pn && (c == '^' || c == '='))
            .map(lower)
            .collect();
        let whole = |t: &Token| values.contains(&t.chars);
        match kind {
            ValueKind::Code => None,
            ValueKind::Device => self.tokens.iter().find(|t| whole(t)),
            ValueKind::Text => {
                let text = lower(text);
                self.tokens
                    .iter()
                    .find(|t| whole(t) || !t.whole_only && contains_word(&text, &t.chars))
            }
        }
    }
}

/// The text of an output element whose value came from the input; `None` for values the
/// sanitizer generated (pseudonyms, dummies, replacements), binary public data and pixels.
fn searchable(elem: &InMemElement, rules: &RuleSet) -> Option<String> {
    let tag = elem.tag();
    let private = tag.group() % 2 == 1;
    if tag == Tag(0x7FE0, 0x0010) || WRITTEN_BY_SANITIZER.contains(&(tag.group(), tag.element())) {
        return None;
    }
    if !private {
        match rules.action(tag) {
            None | Some(Action::Keep | Action::Clean | Action::ShiftDate) => {}
            Some(_) => return None,
        }
    }
    let vr = elem.vr();
    let bytes_as_text = || {
        elem.value()
            .to_bytes()
            .ok()
            .map(|b| b.iter().map(|&c| c as char).collect::<String>())
    };
    match vr {
        VR::PN | VR::LO | VR::SH | VR::ST | VR::LT | VR::UT | VR::UC | VR::UR | VR::AE => {
            elem.value().to_str().ok().map(|s| s.into_owned())
        }
        // Unknown or private values may hold anything; read their bytes as Latin-1.
        VR::UN => bytes_as_text(),
        _ if private && vr != VR::SQ => bytes_as_text(),
        _ => None,
    }
}

/// Free text, where a date, phone number or ID would be written by a person; coded values (SH
/// Code Value and the like) are not searched for patterns.
fn is_free_text(elem: &InMemElement) -> bool {
    const CODES: [(u16, u16); 4] = [
        (0x0008, 0x0100),
        (0x0008, 0x0103),
        (0x0008, 0x0119),
        (0x0008, 0x0120),
    ];
    let tag = elem.tag();
    matches!(elem.vr(), VR::LO | VR::ST | VR::LT | VR::UT | VR::UC)
        && !CODES.contains(&(tag.group(), tag.element()))
}

/// The dummy text in lower case, as tokens are kept.
fn dummy() -> impl Iterator<Item = char> {
    crate::DUMMY_TEXT.chars().flat_map(char::to_lowercase)
}

/// Whether `token` occurs in `text` as a whole word (both already lower case).
fn contains_word(text: &[char], token: &[char]) -> bool {
    let n = token.len();
    if n == 0 || text.len() < n {
        return false;
    }
    (0..=text.len() - n).any(|i| {
        (i == 0 || !text[i - 1].is_alphanumeric())
            && (i + n == text.len() || !text[i + n].is_alphanumeric())
            && text[i..i + n] == *token
    })
}

/// Date-, phone- and ID-like patterns in free text: (finding code, description).
fn patterns(text: &str) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    let mut add = |hit: (&'static str, &'static str)| {
        if !out.contains(&hit) {
            out.push(hit);
        }
    };
    for run in numeric_runs(text) {
        let groups: Vec<&str> = run
            .split(|c: char| !c.is_ascii_digit())
            .filter(|g| !g.is_empty())
            .collect();
        let digits: usize = groups.iter().map(|g| g.len()).sum();
        let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
        if is_date(&groups) {
            add(("phi.date_like", "a date-like value"));
        } else if (10..=15).contains(&digits) && groups.len() >= 2
            || run.starts_with('+') && digits >= 8
            || lens == [3, 4]
        {
            add(("phi.phone_like", "a phone-number-like value"));
        } else if lens.iter().any(|&l| l >= 6) {
            add(("phi.id_like", "an ID-like number"));
        }
    }
    for word in text.split_whitespace() {
        let digits = word.chars().filter(char::is_ascii_digit).count();
        if digits >= 5 && word.chars().any(char::is_alphabetic) {
            add(("phi.id_like", "an ID-like number"));
        }
    }
    out
}

/// Maximal runs of digits joined by separators, e.g. `+1 (555) 123-4567`, `12.03.1961`.
fn numeric_runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() || (!cur.is_empty() || c == '+' || c == '(') && "+()-./ ".contains(c)
        {
            cur.push(c);
        } else if !cur.is_empty() {
            runs.push(std::mem::take(&mut cur));
        }
    }
    runs.push(cur);
    runs.into_iter()
        .map(|r| {
            r.trim_end_matches(|c: char| !c.is_ascii_digit())
                .to_string()
        })
        .filter(|r| r.chars().any(|c| c.is_ascii_digit()))
        .collect()
}

fn is_date(groups: &[&str]) -> bool {
    let n = |s: &str| s.parse::<u32>().unwrap_or(0);
    let ymd = |y: u32, m: u32, d: u32| {
        (1900..=2099).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)
    };
    match groups {
        [g] if g.len() == 8 => ymd(n(&g[..4]), n(&g[4..6]), n(&g[6..])),
        [y, m, d] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => ymd(n(y), n(m), n(d)),
        [a, b, y] if a.len() <= 2 && b.len() <= 2 && (y.len() == 4 || y.len() == 2) => {
            let (a, b) = (n(a), n(b));
            (1..=31).contains(&a) && (1..=31).contains(&b) && (a <= 12 || b <= 12)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<&'static str> {
        patterns(text).into_iter().map(|(c, _)| c).collect()
    }

    #[test]
    fn patterns_find_dates_phones_and_ids() {
        assert_eq!(codes("seen 1961-03-12"), ["phi.date_like"]);
        assert_eq!(codes("born 12/03/1961 ok"), ["phi.date_like"]);
        assert_eq!(codes("19610312"), ["phi.date_like"]);
        assert_eq!(codes("call +1 (555) 123-4567"), ["phi.phone_like"]);
        assert_eq!(codes("call 555-123-4567"), ["phi.phone_like"]);
        assert_eq!(codes("ext 123-4567"), ["phi.phone_like"]);
        assert_eq!(codes("MRN 0012345"), ["phi.id_like"]);
        assert_eq!(codes("ref MRN0012345"), ["phi.id_like"]);
    }

    #[test]
    fn ordinary_descriptions_have_no_patterns() {
        for text in [
            "CHEST PA 2 VIEWS",
            "T1 SE 3mm",
            "AX 5.0 B30f",
            "syngo CT VA48A",
            "Series 12",
            "120 kV",
        ] {
            assert_eq!(codes(text), Vec::<&str>::new(), "{text}");
        }
    }

    #[test]
    fn tokens_match_whole_words_only() {
        let t: Vec<char> = "jane".chars().collect();
        assert!(contains_word(
            &"for jane doe".chars().collect::<Vec<_>>(),
            &t
        ));
        assert!(contains_word(&"jane".chars().collect::<Vec<_>>(), &t));
        assert!(!contains_word(&"janet".chars().collect::<Vec<_>>(), &t));
        assert!(!contains_word(&"ja".chars().collect::<Vec<_>>(), &t));
    }
}
