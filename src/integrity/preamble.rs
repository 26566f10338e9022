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
    /// A Windows PE (`MZ`), ELF, Mach-O or script (`#!`) header.
    Executable,
    /// Any other non-zero bytes.
    Other,
}

impl Preamble {
    pub fn classify(preamble: Option<&[u8]>) -> Preamble {
        let Some(p) = preamble else {
            return Preamble::Absent;
        };
        const EXECUTABLE: [&[u8]; 8] = [
            b"MZ",
            b"\x7fELF",
            b"\xfe\xed\xfa\xce",
            b"\xfe\xed\xfa\xcf",
            b"\xce\xfa\xed\xfe",
            b"\xcf\xfa\xed\xfe",
            b"\xca\xfe\xba\xbe",
            b"#!",
        ];
        if p.iter().all(|&b| b == 0) {
            Preamble::Zero
        } else if EXECUTABLE.iter().any(|m| p.starts_with(m)) {
            Preamble::Executable
        } else if p.starts_with(b"II*\0") || p.starts_with(b"MM\0*") {
            Preamble::Tiff
        } else {
            Preamble::Other
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
