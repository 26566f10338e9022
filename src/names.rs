//! Output names: files, folders, media-set File IDs, zip entries and report names can carry PHI as
//! values do (`SMITH_JOHN_19610301/`, a Patient ID folder on a patient CD, files named after the
//! accession number or the original SOP Instance UID). Every interface that keeps input names
//! (the CLI's `mirror` layout, the page without numbering) asks this module for them: a path
//! component that holds an identifying value of any input of the run, or that has the shape of a
//! date or a UID, becomes a keyed pseudonym of itself, the same wherever it occurs (in the tree
//! and in the DICOMDIR) and in every run with the same key; other components stay as they are.
//!
//! The gate looks at names too ([`Names::names_value`], word by word as it reads text): a media
//! set's new File IDs are searched before its DICOMDIR is written (`sanitize_directory`).

use std::collections::HashSet;

use dicom_core::Tag;
use dicom_dictionary_std::tags;

use crate::action::Action;
use crate::error::Result;
use crate::identifying::{header_values, IdentifyingKind, IdentifyingValue};
use crate::sanitizer::Sanitizer;

/// Values of at least this many letters and digits are found anywhere inside a name; shorter ones
/// only as a whole word of it (`LI`, `KIM`, a Study ID `12`), as the gate finds short tokens.
const MIN_INSIDE: usize = 4;
/// Shorter values say nothing (an initial).
const MIN_WORD: usize = 2;
/// Extensions a pseudonymised file name keeps (lower-cased), so that viewers still open it.
const KEPT_EXTENSIONS: [&str; 4] = ["dcm", "dicom", "dic", "ima"];

/// The identifying values of the inputs of one run, spelt as they are looked for in names:
/// lower case, letters and digits only (`1961-03-01`, `Smith, John` and `SMITH_JOHN` all match).
#[derive(Debug, Default, Clone)]
pub struct Names {
    /// Found anywhere inside a name.
    inside: HashSet<String>,
    /// Found as a whole word of a name (split at anything not a letter or digit, and where
    /// letters meet digits).
    words: HashSet<String>,
}

impl Names {
    pub fn new() -> Names {
        Names::default()
    }

    /// Adds the values of one input.
    pub fn add(&mut self, values: &[IdentifyingValue]) {
        for v in values {
            match v.kind {
                IdentifyingKind::Name => {
                    for part in v.value.split(['^', '=']).take(5) {
                        part.split(|c: char| !c.is_alphanumeric())
                            .for_each(|w| self.needle(w));
                        self.needle(part);
                    }
                    self.needle(&v.value);
                }
                IdentifyingKind::Date => {
                    let d = fold(&v.value);
                    if d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()) {
                        let (y, m, dd) = (&d[..4], &d[4..6], &d[6..]);
                        for spelling in [format!("{dd}{m}{y}"), format!("{m}{dd}{y}")] {
                            self.needle(&spelling);
                        }
                    }
                    self.needle(&d);
                }
                IdentifyingKind::Id | IdentifyingKind::Text | IdentifyingKind::Uid => {
                    self.needle(&v.value)
                }
            }
        }
    }

    fn needle(&mut self, raw: &str) {
        let n = fold(raw);
        if n.chars().count() >= MIN_INSIDE {
            self.inside.insert(n);
        } else if n.chars().count() >= MIN_WORD {
            self.words.insert(n);
        }
    }

    /// Whether `name` (one component, or a whole path) holds an identifying value.
    pub fn holds(&self, name: &str) -> bool {
        let folded = fold(name);
        // Every run of at least MIN_INSIDE characters, as slices of the folded name.
        let at: Vec<usize> = folded
            .char_indices()
            .map(|(i, _)| i)
            .chain([folded.len()])
            .collect();
        let inside = (0..at.len()).any(|i| {
            (i + MIN_INSIDE..at.len()).any(|j| self.inside.contains(&folded[at[i]..at[j]]))
        });
        inside || self.words.contains(&folded) || words(name).any(|w| self.words.contains(&w))
    }

    /// The gate's test, for names someone else chose (a media set's File IDs): the whole name,
    /// or a word of it, is a value. Word by word, as the gate reads text, so that a number or a
    /// pseudonym that holds a value's digits by chance is no hit.
    pub fn names_value(&self, name: &str) -> bool {
        let known = |w: &String| self.inside.contains(w) || self.words.contains(w);
        known(&fold(name)) || words(name).any(|w| known(&w))
    }

    /// Whether `component` must be renamed: it holds a value, or a date or a UID whatever the
    /// headers say (a folder named after a visit, a file named after its original UID).
    pub fn must_rename(&self, component: &str) -> bool {
        self.holds(component) || has_date(component) || has_uid(component)
    }
}

/// Lower case (the tables the gate already uses), letters and digits only.
fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The words of a name, lower case: split at anything not a letter or digit, and each of those
/// again where letters meet digits (`IMG0012` is `IMG0012`, `IMG` and `0012`).
fn words(name: &str) -> impl Iterator<Item = String> + '_ {
    name.split(|c: char| !c.is_alphanumeric())
        .flat_map(|w| {
            let mut parts = vec![w];
            let mut start = 0;
            let chars: Vec<(usize, char)> = w.char_indices().collect();
            for k in 1..chars.len() {
                if chars[k].1.is_ascii_digit() != chars[k - 1].1.is_ascii_digit() {
                    parts.push(&w[start..chars[k].0]);
                    start = chars[k].0;
                }
            }
            if start > 0 {
                parts.push(&w[start..]);
            }
            parts
        })
        .filter(|w| !w.is_empty())
        .map(fold)
}

/// Digit runs, with the separators between them (`1961-03-01` is one run).
fn digit_runs(s: &str) -> Vec<Vec<&str>> {
    let mut runs = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            run.push(&rest[..digits]);
            rest = &rest[digits..];
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        let next = &rest[c.len_utf8()..];
        let joins = "-./_ ".contains(c) && next.starts_with(|d: char| d.is_ascii_digit());
        if !joins && !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
        rest = next;
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

/// A calendar date: `YYYYMMDD`, or `Y-M-D`, `D.M.Y`, `M/D/Y` with a four-digit year, 1900–2099.
fn has_date(s: &str) -> bool {
    let n = |g: &str| g.parse::<u32>().unwrap_or(0);
    let ymd = |y: u32, m: u32, d: u32| {
        (1900..=2099).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)
    };
    digit_runs(s).iter().any(|groups| {
        // YYYYMMDD, DDMMYYYY, MMDDYYYY.
        groups.iter().filter(|g| g.len() == 8).any(|g| {
            ymd(n(&g[..4]), n(&g[4..6]), n(&g[6..]))
                || ymd(n(&g[4..]), n(&g[2..4]), n(&g[..2]))
                || ymd(n(&g[4..]), n(&g[..2]), n(&g[2..4]))
        }) || groups.windows(3).any(|w| match w {
            [y, m, d] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => ymd(n(y), n(m), n(d)),
            [a, b, y] if a.len() <= 2 && b.len() <= 2 && y.len() == 4 => {
                ymd(n(y), n(b), n(a)) || ymd(n(y), n(a), n(b))
            }
            _ => false,
        })
    })
}

/// A UID: four or more numeric components joined by dots, from the `1` or `2` root.
fn has_uid(s: &str) -> bool {
    s.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map(|run| run.trim_matches('.'))
        .any(|run| {
            let parts: Vec<&str> = run.split('.').collect();
            parts.len() >= 4
                && matches!(parts[0], "1" | "2")
                && parts.iter().all(|p| !p.is_empty())
                && run.len() >= 10
        })
}

/// Letters only: a valid PS3.10 File ID component (`A-Z 0-9 _`, 8 at most), one word to the
/// gate (whose word test then cannot find a short value or number inside it by chance), and
/// 26^8 (2^37) of them.
const PSEUDONYM_LETTERS: usize = 8;

impl Sanitizer {
    /// The identifying values of an input that its name must not hold: those of
    /// [`identifying_values`](crate::identifying_values), and its Study, Series and SOP Instance
    /// UIDs unless the settings keep them. `head` is the file, or its first bytes up to the
    /// top-level Pixel Data (`read.truncated` otherwise: give more).
    pub fn naming_values(&self, head: &[u8]) -> Result<Vec<IdentifyingValue>> {
        let uids: Vec<Tag> = [
            tags::STUDY_INSTANCE_UID,
            tags::SERIES_INSTANCE_UID,
            tags::SOP_INSTANCE_UID,
        ]
        .into_iter()
        .filter(|&t| !matches!(self.0.rules.action(t), None | Some(Action::Keep)))
        .collect();
        header_values(head, self.0.accept_raw, &uids)
    }

    /// The keyed pseudonym of one name component: 8 letters `A-Z` (a valid File ID component), plus the extension when it is one of DICOM's (`.dcm`). Case does not matter
    /// (a CD's `DOE_JANE` and a copy's `doe_jane` are the same name).
    pub fn name_pseudonym(&self, component: &str) -> String {
        self.keyed_name(component, 0)
    }

    /// Round `round` of a component's pseudonym: the first that is no value of the run is the
    /// one used (a value equal to a pseudonym is a coincidence, or made by one who has the key).
    fn keyed_name(&self, component: &str, round: u32) -> String {
        let mut value = component.to_lowercase();
        if round > 0 {
            value.push_str(&format!("\0{round}"));
        }
        let mac = self.0.pseudonyms.mac("name", &value);
        let mut n = u64::from_be_bytes(mac[..8].try_into().expect("8 bytes"));
        let mut out = String::with_capacity(12);
        for _ in 0..PSEUDONYM_LETTERS {
            out.push(char::from(b'A' + (n % 26) as u8));
            n /= 26;
        }
        if let Some((_, ext)) = component.rsplit_once('.') {
            if KEPT_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) {
                out.push('.');
                out.push_str(ext);
            }
        }
        out
    }

    /// The names of a mirrored tree: each path (relative, by components) with every component
    /// that [`Names::must_rename`] replaced by its [`name_pseudonym`](Sanitizer::name_pseudonym)
    /// (or, should that be a value of the run, the next keyed round's).
    pub fn mirror_names(&self, names: &Names, paths: &[Vec<String>]) -> Vec<Vec<String>> {
        paths
            .iter()
            .map(|path| {
                path.iter()
                    .map(|c| match names.must_rename(c) {
                        true => (0..)
                            .map(|round| self.keyed_name(c, round))
                            .find(|p| !names.names_value(p.split('.').next().unwrap_or(p)))
                            .expect("some round is no value"),
                        false => c.clone(),
                    })
                    .collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(kind: IdentifyingKind, v: &str) -> IdentifyingValue {
        IdentifyingValue {
            kind,
            tag: String::new(),
            keyword: "",
            value: v.into(),
        }
    }

    fn names() -> Names {
        let mut n = Names::new();
        n.add(&[
            value(IdentifyingKind::Name, "DOE^JANE^Q"),
            value(IdentifyingKind::Name, "LI^WU"),
            value(IdentifyingKind::Id, "MRN-0042"),
            value(IdentifyingKind::Id, "7"),
            value(IdentifyingKind::Date, "19610301"),
            value(IdentifyingKind::Id, "ACC123456"),
            value(IdentifyingKind::Id, "A1"),
        ]);
        n
    }

    #[test]
    fn finds_values_in_any_spelling() {
        let n = names();
        for hit in [
            "DOE_JANE_19610301",
            "jane doe",
            "Doe, Jane",
            "JANEDOE",
            "doe",
            "LI_WU",
            "mrn0042",
            "MRN_0042",
            "1961-03-01",
            "01.03.1961",
            "03011961",
            "ACC123456.dcm",
            "x_ACC123456",
            "DOE2",
            "a1",
            "x-A1.dcm",
        ] {
            assert!(n.holds(hit), "{hit}");
        }
        for miss in [
            "IM000001",
            "DICOM",
            "SERIES_001",
            "CT_HEAD",
            "LIVER",
            "77",
            "A12",
            "1A1",
        ] {
            assert!(!n.holds(miss), "{miss}");
        }
    }

    #[test]
    fn shapes_of_dates_and_uids_are_renamed_whatever_the_headers_say() {
        let n = Names::new();
        for hit in [
            "20240115",
            "2024-01-15_CT",
            "15.01.2024",
            "1.2.840.113619.2.55.3.604688119.dcm",
        ] {
            assert!(n.must_rename(hit), "{hit}");
        }
        for miss in [
            "IM000001",
            "000001.dcm",
            "SE000002",
            "1.5mm",
            "v1.2.3",
            "99999999",
        ] {
            assert!(!n.must_rename(miss), "{miss}");
        }
    }

    #[test]
    fn pseudonyms_are_keyed_file_ids_that_keep_dicom_extensions() {
        let s = |key: &str| {
            Sanitizer::new(crate::Settings::new().key(key.as_bytes().to_vec())).unwrap()
        };
        let a = s("a key of sixteen bytes or more");
        let p = a.name_pseudonym("DOE_JANE");
        assert_eq!(p.len(), 8);
        assert!(p.bytes().all(|b| b.is_ascii_uppercase()), "{p}");
        assert_eq!(a.name_pseudonym("doe_jane"), p, "case does not matter");
        assert_ne!(
            s("another key of sixteen bytes").name_pseudonym("DOE_JANE"),
            p
        );
        assert_eq!(
            a.name_pseudonym("ACC123456.dcm"),
            format!("{}.dcm", &a.name_pseudonym("ACC123456.dcm")[..8])
        );
        assert_eq!(a.name_pseudonym("DOE.txt").len(), 8, "other extensions go");
        // A value that is the pseudonym (made by one with the key) gets the next round's.
        let mut n = names();
        n.add(&[value(IdentifyingKind::Id, &p)]);
        let named = a.mirror_names(&n, &[vec!["DOE_JANE".into()]]);
        assert_ne!(named[0][0], p);
        assert!(
            named[0][0].bytes().all(|b| b.is_ascii_uppercase()) && !n.names_value(&named[0][0])
        );
    }
}
