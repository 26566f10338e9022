//! Clean (C): the identifying tokens of this file's patient, and their removal from free text.

use dicom_core::header::Header;
use dicom_core::value::Value;
use dicom_core::Tag;
use dicom_object::InMemDicomObject;

/// Attributes whose values identify the patient or the visit, wherever they occur.
/// Every PN value is also collected.
const IDENTIFYING: [(u16, u16); 20] = [
    (0x0008, 0x0050), // Accession Number
    (0x0008, 0x0080), // Institution Name
    (0x0008, 0x0081), // Institution Address
    (0x0008, 0x0092), // Referring Physician's Address
    (0x0008, 0x0094), // Referring Physician's Telephone Numbers
    (0x0010, 0x0010), // Patient's Name
    (0x0010, 0x0020), // Patient ID
    (0x0010, 0x0030), // Patient's Birth Date
    (0x0010, 0x1000), // Other Patient IDs
    (0x0010, 0x1001), // Other Patient Names
    (0x0010, 0x1005), // Patient's Birth Name
    (0x0010, 0x1040), // Patient's Address
    (0x0010, 0x1060), // Patient's Mother's Birth Name
    (0x0010, 0x1090), // Medical Record Locator
    (0x0010, 0x2154), // Patient's Telephone Numbers
    (0x0020, 0x0010), // Study ID
    (0x0038, 0x0010), // Admission ID
    (0x0040, 0x1001), // Requested Procedure ID
    (0x0040, 0x2016), // Placer Order Number / Imaging Service Request
    (0x0040, 0x2017), // Filler Order Number / Imaging Service Request
];

/// Digit runs at least this long are taken for dates, phone numbers or record numbers.
const MIN_DIGITS_REMOVED: usize = 6;

/// The identifying tokens of one input, lower-cased, longest first.
#[derive(Debug, Default)]
pub(crate) struct Identity {
    tokens: Vec<Vec<char>>,
}

impl Identity {
    pub fn collect(obj: &InMemDicomObject) -> Identity {
        let mut raw = Vec::new();
        gather(obj, &mut raw);
        let mut tokens: Vec<Vec<char>> = raw
            .into_iter()
            .map(|t| t.trim().to_lowercase())
            .filter(|t| t.chars().count() >= 2)
            .map(|t| t.chars().collect())
            .collect();
        tokens.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        tokens.dedup();
        Identity { tokens }
    }

    /// Removes every identifying token (as a whole word, any case), every word holding an `@`,
    /// and every run of digits and separators with six or more digits; folds white space.
    pub fn clean(&self, text: &str) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        for token in &self.tokens {
            remove_word(&mut chars, token);
        }
        let text: String = chars.into_iter().collect();
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut kept = Vec::with_capacity(words.len());
        let mut i = 0;
        while i < words.len() {
            if words[i].contains('@') {
                i += 1;
                continue;
            }
            // A run of numeric-looking words ("555 123 4567", "12.03.1961").
            let mut j = i;
            let mut digits = 0;
            while j < words.len() && is_numeric_word(words[j]) {
                digits += count_digits(words[j]);
                j += 1;
            }
            if j > i && digits >= MIN_DIGITS_REMOVED {
                i = j;
                continue;
            }
            if count_digits(words[i]) >= MIN_DIGITS_REMOVED {
                i += 1;
                continue;
            }
            kept.push(words[i]);
            i += 1;
        }
        kept.join(" ")
    }
}

fn count_digits(w: &str) -> usize {
    w.chars().filter(char::is_ascii_digit).count()
}

fn is_numeric_word(w: &str) -> bool {
    w.chars()
        .all(|c| c.is_ascii_digit() || "+-()./:#".contains(c))
}

fn lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Removes each whole-word, case-insensitive occurrence of `token`.
fn remove_word(chars: &mut Vec<char>, token: &[char]) {
    let n = token.len();
    let mut i = 0;
    while i + n <= chars.len() {
        let boundary_before = i == 0 || !chars[i - 1].is_alphanumeric();
        let boundary_after = i + n == chars.len() || !chars[i + n].is_alphanumeric();
        if boundary_before
            && boundary_after
            && chars[i..i + n]
                .iter()
                .zip(token)
                .all(|(&a, &b)| lower(a) == b)
        {
            chars.splice(i..i + n, [' ']);
        }
        i += 1;
    }
}

fn gather(obj: &InMemDicomObject, out: &mut Vec<String>) {
    each_identifying(obj, &mut |tag, pn, v| {
        tokens_of(v, (tag.group(), tag.element()), pn, out)
    });
}

/// Calls `f(tag, is_name, value)` for each value of an identifying attribute (the list above,
/// and every PN), in items too. One walk for the clean action and for `identifying_values`.
pub(crate) fn each_identifying(obj: &InMemDicomObject, f: &mut dyn FnMut(Tag, bool, &str)) {
    for elem in obj {
        let tag = elem.tag();
        match elem.value() {
            Value::Sequence(seq) => {
                for item in seq.items() {
                    each_identifying(item, f);
                }
            }
            Value::Primitive(_) => {
                let key = (tag.group(), tag.element());
                let pn = crate::dictionary::is_name(elem);
                if !pn && !IDENTIFYING.contains(&key) {
                    continue;
                }
                let Ok(values) = elem.value().to_multi_str() else {
                    continue;
                };
                for v in values.iter() {
                    f(tag, pn, v);
                }
            }
            Value::PixelSequence(_) => {}
        }
    }
}

/// The whole value, and its words where a part alone identifies (names, addresses), and the
/// usual spellings of a birth date.
fn tokens_of(value: &str, key: (u16, u16), pn: bool, out: &mut Vec<String>) {
    let value = value.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    if value.is_empty() {
        return;
    }
    out.push(value.replace('^', " ").trim().to_string());
    let words = pn
        || matches!(key.0, 0x0010 | 0x0008) && !matches!(key, (0x0010, 0x0020) | (0x0008, 0x0050));
    if words {
        out.extend(
            value
                .split(|c: char| !c.is_alphanumeric() && c != '\'')
                .filter(|w| !w.is_empty())
                .map(str::to_string),
        );
    }
    if key == (0x0010, 0x0030) {
        out.extend(date_spellings(value));
    }
}

/// How people write a birth date `YYYYMMDD` in free text; nothing for any other value (only
/// ASCII digits are sliced, so no value can split a character).
pub(crate) fn date_spellings(value: &str) -> Vec<String> {
    if value.len() != 8 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    let (y, m, d) = (&value[..4], &value[4..6], &value[6..]);
    vec![
        format!("{y}-{m}-{d}"),
        format!("{y}/{m}/{d}"),
        format!("{y}.{m}.{d}"),
        format!("{d}/{m}/{y}"),
        format!("{m}/{d}/{y}"),
        format!("{d}.{m}.{y}"),
        format!("{d}-{m}-{y}"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(tokens: &[&str]) -> Identity {
        let mut tokens: Vec<Vec<char>> = tokens
            .iter()
            .map(|t| t.to_lowercase().chars().collect())
            .collect();
        tokens.sort_by_key(|t| std::cmp::Reverse(t.len()));
        Identity { tokens }
    }

    #[test]
    fn removes_tokens_as_whole_words_in_any_case() {
        let id = identity(&["doe", "jane"]);
        assert_eq!(
            id.clean("CT head for JANE Doe, follow-up"),
            "CT head for , follow-up"
        );
        assert_eq!(id.clean("Doeskin jacket"), "Doeskin jacket");
    }

    #[test]
    fn removes_numbers_that_look_like_dates_phones_and_ids() {
        let id = identity(&[]);
        assert_eq!(id.clean("call 555 123 4567 today"), "call today");
        assert_eq!(id.clean("seen 12.03.1961 and 2019"), "seen and 2019");
        assert_eq!(id.clean("MRN12345678 mail me@x.org ok"), "mail ok");
    }
}
