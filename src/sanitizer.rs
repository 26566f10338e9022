//! The one-shot API: settings compiled once, then `sanitize(bytes)` per file.

use dicom_dictionary_std::tags;

use crate::action::Action;
use crate::compiled::Compiled;
use crate::dataset::valid_uid;
use crate::error::{Error, Result};
use crate::receipt::Receipt;
use crate::report::Report;
use crate::settings::Settings;
use crate::stream::{Finished, SanitizeStream};
use std::sync::Arc;

/// A de-identified file and what was done to make it.
#[derive(Debug, Clone)]
pub struct Sanitized {
    pub bytes: Vec<u8>,
    pub report: Report,
    /// The signed receipt, when the settings hold a signing key.
    pub receipt: Option<Receipt>,
}

/// A compiled rule set and a pseudonym key, ready to sanitize any number of files, one shot
/// ([`sanitize`](Sanitizer::sanitize)) or streamed ([`stream`](Sanitizer::stream)). Cloning is
/// cheap and shares the compiled settings.
#[derive(Clone)]
pub struct Sanitizer(pub(crate) Arc<Compiled>);

impl Sanitizer {
    /// Compiles the settings; fails on any invalid option, rule, key or limit.
    pub fn new(settings: Settings) -> Result<Sanitizer> {
        Ok(Sanitizer(Arc::new(Compiled::new(settings)?)))
    }

    /// The Study Instance UID this sanitizer writes for an input one (`uid`), without any file:
    /// the keyed pseudonym, or `uid` itself where the settings keep it (Retain UIDs, a keep rule),
    /// or the rule's value; `None` where the settings remove or empty it. For proxies that see a
    /// study UID outside the data set (the STOW-RS path `/studies/{study}`).
    pub fn study_uid(&self, uid: &str) -> Result<Option<String>> {
        let uid = uid.trim_end_matches(['\0', ' ']);
        valid_uid(uid, "the study UID")?;
        Ok(match self.0.rules.action(tags::STUDY_INSTANCE_UID) {
            None | Some(Action::Keep) => Some(uid.to_string()),
            Some(Action::Replace(v)) => Some(v.clone()),
            Some(Action::Remove | Action::Empty) => None,
            Some(_) => Some(self.0.pseudonyms.uid(uid)),
        })
    }

    /// A stream for one file: [`write`](SanitizeStream::write) chunks as they arrive, then
    /// [`end`](SanitizeStream::end). Memory is bounded by the header, not by the pixel data.
    pub fn stream(&self) -> SanitizeStream {
        SanitizeStream::new(self.0.clone())
    }

    /// De-identifies one DICOM Part 10 file. On any doubt it returns an error and no bytes.
    /// The input is only read. The same as streaming the whole input as one chunk.
    pub fn sanitize(&self, input: &[u8]) -> Result<Sanitized> {
        let mut bytes = Vec::new();
        let done = self.sanitize_into(input, &mut bytes)?;
        Ok(Sanitized {
            bytes,
            report: done.report,
            receipt: done.receipt,
        })
    }

    /// [`sanitize`](Sanitizer::sanitize) into `output`, which is cleared first and left empty
    /// on any error: a caller sanitizing many files reuses one buffer (and its capacity) for
    /// all of them instead of allocating, and in wasm first touching, a new one per file.
    pub fn sanitize_into(&self, input: &[u8], output: &mut Vec<u8>) -> Result<Finished> {
        output.clear();
        if input.len() as u64 > self.0.limits.max_input_bytes {
            return Err(Error::limit(
                "limit.input_size",
                0,
                format!(
                    "the input has {} bytes; the limit is {}",
                    input.len(),
                    self.0.limits.max_input_bytes
                ),
            ));
        }
        // The output is about the input's size: one allocation rather than a doubling series,
        // made once the header has passed (a refused input allocates nothing for it).
        let mut sink = |b: &[u8]| {
            if output.is_empty() {
                output.reserve(input.len());
            }
            output.extend_from_slice(b)
        };
        let mut stream = self.stream();
        let done = stream
            .write(input, &mut sink)
            .and_then(|()| stream.end(&mut sink));
        if done.is_err() {
            output.clear();
        }
        done
    }
}
