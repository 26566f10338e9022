"""The exceptions: one hierarchy, each with the core's stable ``code``.

The class follows the code's first part (``read.truncated`` is a :class:`ReadError`), so
``except ReadError`` catches every malformed input, and ``e.code`` tells them apart. No output
exists when one is raised.
"""

from __future__ import annotations

__all__ = [
    "DicomSanitizerError",
    "SettingsError",
    "ReadError",
    "NotDicomError",
    "LimitError",
    "TransferSyntaxError",
    "PhiError",
    "PixelError",
    "StreamError",
    "WriteError",
    "RandomError",
    "PreviewError",
    "ReidentifyError",
]


class DicomSanitizerError(Exception):
    """Why a file was not sanitized (or settings not accepted).

    ``code`` is a stable string such as ``"read.truncated"`` (see :func:`error_codes`), the same
    as the CLI's and the JavaScript package's; ``offset`` is the byte offset in the input for
    ``read.*`` and ``limit.*`` errors when known, ``path`` the tag path of the attribute for
    de-identification errors. Messages never hold attribute values.
    """

    code: str
    offset: int | None
    path: str | None

    def __init__(self, message: str, code: str, offset: int | None = None, path: str | None = None):
        super().__init__(message, code, offset, path)
        self.code = code
        self.offset = offset
        self.path = path

    @property
    def message(self) -> str:
        return str(self.args[0])

    @property
    def status(self) -> str:
        """What to tell a person: ``"skipped"`` for input that is not DICOM at all
        (``read.not_dicom``: a README or a viewer on a patient CD), ``"refused"`` otherwise."""
        return "skipped" if self.code == "read.not_dicom" else "refused"

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r})"


class SettingsError(DicomSanitizerError, ValueError):
    """``settings.*``: an option, rule, key, limit or name the core does not accept."""


class ReadError(DicomSanitizerError):
    """``read.*``: the input is not a well-formed DICOM Part 10 file."""


class NotDicomError(ReadError):
    """``read.not_dicom``: the input is not DICOM at all (skip it rather than refuse it)."""


class LimitError(DicomSanitizerError):
    """``limit.*``: the input exceeds one of the limits."""


class TransferSyntaxError(DicomSanitizerError):
    """``transfer_syntax.unsupported``."""


class PhiError(DicomSanitizerError):
    """``phi.*``: a value could not be de-identified with certainty (fail closed)."""


class PixelError(DicomSanitizerError):
    """``pixel.*``: burned-in text, or pixel data that cannot be handled as asked."""


class StreamError(DicomSanitizerError):
    """``stream.*``: a stream used after it failed or ended."""


class WriteError(DicomSanitizerError):
    """``write.failed``: encoding the output failed."""


class RandomError(DicomSanitizerError):
    """``random.unavailable``: the platform's random source failed."""


class PreviewError(DicomSanitizerError):
    """``preview.*``: a frame could not be rendered."""


class ReidentifyError(DicomSanitizerError):
    """``reidentify.failed``: encrypted attributes could not be opened, whatever failed."""


_BY_PREFIX: dict[str, type[DicomSanitizerError]] = {
    "settings": SettingsError,
    "read": ReadError,
    "limit": LimitError,
    "transfer_syntax": TransferSyntaxError,
    "phi": PhiError,
    "pixel": PixelError,
    "stream": StreamError,
    "write": WriteError,
    "random": RandomError,
    "preview": PreviewError,
    "reidentify": ReidentifyError,
}


def _from_core(code: str, message: str, offset: int | None, path: str | None) -> DicomSanitizerError:
    """Called by the extension module for every core error."""
    if code == "read.not_dicom":
        cls: type[DicomSanitizerError] = NotDicomError
    else:
        cls = _BY_PREFIX.get(code.split(".", 1)[0], DicomSanitizerError)
    return cls(message, code, offset, path)
