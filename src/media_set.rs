//! A media set's DICOMDIR sanitized for files written under new names.

use crate::dicomdir;
use crate::error::{Error, Result};
use crate::receipt::Receipt;
use crate::sanitizer::{Sanitized, Sanitizer};

impl Sanitizer {
    /// Sanitizes the DICOMDIR of a media set whose files are written under new names, or some
    /// not at all: `rename` maps each record's Referenced File ID (its components, as in the
    /// input) to the new one, or to `None` for a file that is not in the output; its record goes,
    /// and so does a record left with nothing below it (a series whose images were all
    /// refused). File IDs are the caller's: PS3.10 wants at most 8 components of at most 8
    /// characters from `A-Z 0-9 _`. The report and receipt describe the bytes returned.
    pub fn sanitize_directory(
        &self,
        input: &[u8],
        rename: &mut dyn FnMut(&[String]) -> Option<Vec<String>>,
    ) -> Result<Sanitized> {
        let first = self.sanitize(input)?;
        let mut report = first.report;
        if !dicomdir::is_directory(&first.bytes) {
            return Err(Error::Read {
                code: "read.not_directory",
                offset: None,
                message: "not a media set directory (no Directory Record Sequence)".into(),
            });
        }
        // The gate for names: no new File ID may hold a value of the records (a Patient ID
        // folder kept as it was); callers name files with `mirror_names` or numbers.
        let mut names = crate::Names::new();
        names.add(&self.naming_values(input)?);
        let mut leak = false;
        let mut checked = |id: &[String]| {
            let new = rename(id)?;
            leak |= new.iter().any(|c| names.names_value(c));
            Some(new)
        };
        let bytes = dicomdir::retarget(&first.bytes, &mut checked)?;
        if leak {
            return Err(Error::Deidentify {
                code: "phi.residual",
                path: "(0004,1500)".into(),
                message:
                    "a new Referenced File ID holds an identifying value of the directory's records"
                        .into(),
            });
        }
        report.output = crate::digest::Digest::of(self.0.digest, &bytes);
        let receipt = self.0.signing_key.as_ref().map(|key| {
            let header = crate::digest::Digest::of(self.0.digest, &bytes);
            Receipt::sign(report.clone(), header, key)
        });
        Ok(Sanitized {
            bytes,
            report,
            receipt,
        })
    }
}
