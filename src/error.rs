//! The one error type of the core. Each variant names the step that failed; `code()` is a stable
//! string that front ends and tests match on. Messages never carry attribute values.

use std::fmt;

/// Every code [`Error::code`] can return. Front ends (the TypeScript types, the README) list the
/// same set, and a test keeps this list and the source in step.
pub const ERROR_CODES: &[&str] = &[
    "settings.key_too_short",
    "settings.unknown_keyword",
    "settings.malformed_tag",
    "settings.rule_not_allowed",
    "settings.duplicate_rule",
    "settings.missing_value",
    "settings.invalid_value",
    "settings.conflicting_options",
    "settings.invalid_limit",
    "settings.invalid_signing_key",
    "settings.invalid_recipient",
    "read.not_dicom",
    "read.missing_meta",
    "read.truncated",
    "read.bad_vr",
    "read.bad_length",
    "read.bad_structure",
    "read.invalid",
    "read.invalid_uid",
    "read.not_directory",
    "read.bad_rle",
    "read.bad_jpeg",
    "read.bad_jpegls",
    "read.bad_j2k",
    "limit.input_size",
    "limit.element_size",
    "limit.depth",
    "limit.element_count",
    "limit.enclosed_pixels",
    "transfer_syntax.unsupported",
    "phi.residual",
    "pixel.burned_in",
    "pixel.burned_in_unknown",
    "pixel.compressed_regions",
    "pixel.unsupported",
    "phi.pattern",
    "stream.closed",
    "stream.leaf_invalid",
    "stream.leaf_missing",
    "write.failed",
    "random.unavailable",
    "preview.no_image",
    "preview.frame_out_of_range",
    "preview.too_large",
    "preview.read_failed",
    "reidentify.failed",
];

/// Why sanitising did not produce output.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The settings could not be compiled into a rule set.
    Settings { code: &'static str, message: String },
    /// The input is not a well-formed DICOM Part 10 stream.
    Read {
        code: &'static str,
        /// Byte offset in the input where the problem was found, when known.
        offset: Option<u64>,
        message: String,
    },
    /// The input exceeds one of the [`Limits`](crate::Limits).
    Limit {
        code: &'static str,
        offset: Option<u64>,
        message: String,
    },
    /// The transfer syntax is unknown or cannot be handled without decoding.
    TransferSyntax { uid: String, message: String },
    /// A value could not be de-identified with certainty (fail closed).
    Deidentify {
        code: &'static str,
        path: String,
        message: String,
    },
    /// Encoding the de-identified object failed.
    Write { message: String },
    /// The platform's random source failed while making a key.
    Random { message: String },
    /// A frame could not be previewed (`preview.*`); broken pixel data is a `Read` error.
    Preview { code: &'static str, message: String },
    /// Encrypted attributes could not be opened. One error with no detail, whatever failed
    /// (key, recipient, bytes, padding): a finer answer would be a padding oracle.
    Reidentify,
}

impl Error {
    /// A stable code such as `read.truncated`; see the README for the list.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Settings { code, .. }
            | Error::Read { code, .. }
            | Error::Limit { code, .. }
            | Error::Deidentify { code, .. }
            | Error::Preview { code, .. } => code,
            Error::TransferSyntax { .. } => "transfer_syntax.unsupported",
            Error::Write { .. } => "write.failed",
            Error::Random { .. } => "random.unavailable",
            Error::Reidentify => "reidentify.failed",
        }
    }

    /// Byte offset in the input where a read or limit error was found, when known.
    pub fn offset(&self) -> Option<u64> {
        match self {
            Error::Read { offset, .. } | Error::Limit { offset, .. } => *offset,
            _ => None,
        }
    }

    /// Tag path of the attribute a de-identification error is about.
    pub fn path(&self) -> Option<&str> {
        match self {
            Error::Deidentify { path, .. } => Some(path),
            _ => None,
        }
    }

    pub(crate) fn settings(code: &'static str, message: impl Into<String>) -> Self {
        Error::Settings {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn read(code: &'static str, offset: usize, message: impl Into<String>) -> Self {
        Error::Read {
            code,
            offset: Some(offset as u64),
            message: message.into(),
        }
    }

    pub(crate) fn limit(code: &'static str, offset: usize, message: impl Into<String>) -> Self {
        Error::Limit {
            code,
            offset: Some(offset as u64),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = |o: &Option<u64>| o.map(|o| format!(" at byte {o}")).unwrap_or_default();
        match self {
            Error::Settings { code, message } => write!(f, "{code}: invalid settings: {message}"),
            Error::Read {
                code,
                offset,
                message,
            } => write!(f, "{code}: cannot read input{}: {message}", at(offset)),
            Error::Limit {
                code,
                offset,
                message,
            } => write!(f, "{code}: limit exceeded{}: {message}", at(offset)),
            Error::TransferSyntax { uid, message } => {
                write!(f, "transfer_syntax.unsupported: {uid}: {message}")
            }
            Error::Deidentify {
                code,
                path,
                message,
            } => write!(f, "{code}: cannot de-identify {path}: {message}"),
            Error::Write { message } => write!(f, "write.failed: {message}"),
            Error::Random { message } => write!(f, "random.unavailable: {message}"),
            Error::Preview { code, message } => write!(f, "{code}: cannot preview: {message}"),
            Error::Reidentify => write!(
                f,
                "reidentify.failed: the encrypted attributes cannot be opened with this key"
            ),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
