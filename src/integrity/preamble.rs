//! The 128-byte preamble: what it holds. The output's preamble is always zeroed, so an executable
//! preamble (CVE-2019-11687: a file that is both a DICOM object and a program) never survives.

use serde::{Deserialize, Serialize};

/// What the input's preamble held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Preamble {
    /// No preamble: the stream starts with `DICM`.
    Absent,
    Zero,
    /// A TIFF header: a legitimate dual-personality file.
    Tiff,
    /// A program: Windows PE, ELF, Mach-O, WebAssembly, or a script.
    Executable,
    /// Any other non-zero bytes (including archives and documents a reader may open).
    Other,
}

/// (magic at byte 0, what it is, whether it runs as a program). Compared case-insensitively
/// for the text signatures, which start with `#`, `<` or `@`.
const SIGNATURES: [(&[u8], &str, bool); 17] = [
    (b"MZ", "Windows PE/DOS executable (MZ)", true),
    (b"\x7fELF", "ELF executable", true),
    (b"\xfe\xed\xfa\xce", "Mach-O executable (32-bit)", true),
    (b"\xfe\xed\xfa\xcf", "Mach-O executable (64-bit)", true),
    (
        b"\xce\xfa\xed\xfe",
        "Mach-O executable (32-bit, little endian)",
        true,
    ),
    (
        b"\xcf\xfa\xed\xfe",
        "Mach-O executable (64-bit, little endian)",
        true,
    ),
    (
        b"\xca\xfe\xba\xbe",
        "Mach-O universal binary or Java class",
        true,
    ),
    (b"\0asm", "WebAssembly module", true),
    (b"#!", "script with an interpreter line (#!)", true),
    (b"<?php", "PHP script", true),
    (b"<script", "HTML script", true),
    (b"<html", "HTML document", true),
    (b"@echo", "Windows batch script", true),
    (b"PK\x03\x04", "ZIP archive (also JAR, DOCX, APK)", false),
    (b"%PDF", "PDF document", false),
    (b"II*\0", "TIFF header (little endian)", false),
    (b"MM\0*", "TIFF header (big endian)", false),
];

impl Preamble {
    pub fn classify(preamble: Option<&[u8]>) -> Preamble {
        Self::inspect(preamble).0
    }

    /// The kind, and the name of the signature found, if any.
    pub fn inspect(preamble: Option<&[u8]>) -> (Preamble, Option<&'static str>) {
        let Some(p) = preamble else {
            return (Preamble::Absent, None);
        };
        if p.iter().all(|&b| b == 0) {
            return (Preamble::Zero, None);
        }
        let found = SIGNATURES.iter().find(|(magic, ..)| {
            p.len() >= magic.len()
                && if b"#<@".contains(&magic[0]) {
                    p[..magic.len()].eq_ignore_ascii_case(magic)
                } else {
                    p.starts_with(magic)
                }
        });
        match found {
            Some((_, name, true)) => (Preamble::Executable, Some(name)),
            Some((magic, name, false)) if magic.starts_with(b"II") || magic.starts_with(b"MM") => {
                (Preamble::Tiff, Some(name))
            }
            Some((_, name, false)) => (Preamble::Other, Some(name)),
            None => (Preamble::Other, None),
        }
    }

    /// The finding code for a preamble worth reporting.
    pub fn finding(self) -> Option<&'static str> {
        match self {
            Preamble::Absent | Preamble::Zero => None,
            Preamble::Tiff => Some("preamble.tiff"),
            Preamble::Executable => Some("preamble.executable"),
            Preamble::Other => Some("preamble.nonzero"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn padded(head: &[u8]) -> [u8; 128] {
        let mut p = [0u8; 128];
        p[..head.len()].copy_from_slice(head);
        p
    }

    #[test]
    fn every_signature_is_named_and_classed() {
        for (magic, name, runs) in SIGNATURES {
            let (kind, found) = Preamble::inspect(Some(&padded(magic)));
            assert_eq!(found, Some(name), "{name}");
            let expected = if runs {
                Preamble::Executable
            } else if name.starts_with("TIFF") {
                Preamble::Tiff
            } else {
                Preamble::Other
            };
            assert_eq!(kind, expected, "{name}");
        }
    }

    #[test]
    fn text_signatures_ignore_case_and_others_are_plain_nonzero() {
        assert_eq!(
            Preamble::inspect(Some(&padded(b"<SCRIPT>alert(1)"))).0,
            Preamble::Executable
        );
        assert_eq!(
            Preamble::inspect(Some(&padded(b"mz"))),
            (Preamble::Other, None)
        );
        assert_eq!(Preamble::inspect(Some(&[0; 128])), (Preamble::Zero, None));
        assert_eq!(Preamble::inspect(None), (Preamble::Absent, None));
    }
}
