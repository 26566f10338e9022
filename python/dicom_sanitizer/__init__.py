"""De-identifies DICOM files with the PS3.15 Annex E Basic Application Level Confidentiality
Profile (and any of its ten options), keyed pseudonyms that need no stored map, and a report of
exactly what was done.

The same Rust core as the command line and the JavaScript package, so the same key and settings
give byte-identical output everywhere::

    from dicom_sanitizer import Sanitizer
    sanitizer = Sanitizer(key="a secret of 16+ bytes", options=["retain_uids"])
    data, report = sanitizer.sanitize(open("ct.dcm", "rb").read())

Settings are the JavaScript options in snake_case (``region_rules``, ``sop_class``,
``retain_longitudinal_modified_dates``), checked as strictly: an unknown or misspelt one is a
:class:`SettingsError` with code ``settings.invalid_value``. Reports, receipts and the other
documents the core writes are dicts exactly as the CLI's JSON (camelCase keys).
The core runs with the GIL released: threads sanitize in parallel.
"""

from __future__ import annotations

import builtins
import io
import os
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict, Unpack

from . import _errors, _native
from ._errors import (
    DicomSanitizerError,
    LimitError,
    NotDicomError,
    PhiError,
    PixelError,
    PreviewError,
    RandomError,
    ReadError,
    ReidentifyError,
    SettingsError,
    StreamError,
    TransferSyntaxError,
    WriteError,
)
from ._native import (
    NamePlan,
    describe_image,
    edition,
    error_codes,
    finding_codes,
    generate_signing_key,
    identifying_values,
    public_key,
    reidentify,
    render_frame,
    verify,
    verify_original,
    version,
)

if TYPE_CHECKING:
    import pydicom
    from typing_extensions import Buffer

    Input = bytes | Buffer
    """``bytes`` (read where it lies) or any bytes-like object (copied first)."""

__version__: str = version()

__all__ = [
    "Sanitizer",
    "Sanitized",
    "SanitizedFile",
    "SanitizeStream",
    "NamePlan",
    "SanitizerOptions",
    "ProfileOption",
    "UserRule",
    "Limits",
    "Region",
    "RegionRule",
    "verify",
    "verify_original",
    "public_key",
    "generate_signing_key",
    "identifying_values",
    "reidentify",
    "describe_image",
    "render_frame",
    "error_codes",
    "finding_codes",
    "version",
    "edition",
]
__all__ += _errors.__all__

ProfileOption = Literal[
    "retain_safe_private",
    "retain_uids",
    "retain_device_identity",
    "retain_institution_identity",
    "retain_patient_characteristics",
    "retain_longitudinal_full_dates",
    "retain_longitudinal_modified_dates",
    "clean_descriptors",
    "clean_structured_content",
    "clean_graphics",
]
"""An option of PS3.15 Table E.1-1, applied on top of the Basic Profile."""

RuleAction = Literal["keep", "remove", "empty", "replace", "hash"]


class UserRule(TypedDict):
    """Overrides the profile for the attributes ``tag`` selects: a keyword (``PatientName``) or a
    tag (``(0010,0010)`` or ``00100010``). ``value`` is required for ``replace`` and only there."""

    tag: str
    action: RuleAction
    value: NotRequired[str]


class Limits(TypedDict, total=False):
    """Bounds on what one input may make the sanitizer do."""

    max_input_bytes: int  # default 32 MiB (sanitize; sanitize_file streams any size)
    max_element_bytes: int  # default 16 MiB, Pixel Data excepted
    max_depth: int  # default 32, at most 256
    max_elements: int  # default 200,000
    max_enclosed_pixel_bytes: int  # default 64 MiB: the original pixels held to enclose them


class Region(TypedDict):
    """A rectangle in pixels: ``x`` is the column and ``y`` the row of its top-left corner."""

    x: int
    y: int
    width: int
    height: int


class RegionRule(TypedDict, total=False):
    """Rectangles blanked in the images every given condition matches."""

    modality: str
    manufacturer: str
    model: str
    rows: int
    columns: int
    sop_class: str
    photometric: str
    regions: list[Region]
    outside_ultrasound_regions: bool
    covers_all_text: bool


class FixedPatientId(TypedDict):
    fixed: str


class SanitizerOptions(TypedDict, total=False):
    """The keyword arguments of :class:`Sanitizer`: the JavaScript package's options in
    snake_case."""

    key: str | bytes
    """Pseudonym key, at least 16 bytes (a str counts its UTF-8 bytes). Without it a random key
    is made per Sanitizer, so pseudonyms cannot be reproduced."""
    signing_key: str | bytes
    """Ed25519 signing key (64 hex digits, as ``dicom-sanitize keygen`` writes it, or 32 bytes):
    every result then carries a signed ``receipt``."""
    options: Sequence[ProfileOption]
    patient_id: Literal["keyed", "profile"] | FixedPatientId
    rules: Sequence[UserRule]
    limits: Limits
    strict: bool
    """Refuse (``phi.pattern``) rather than report date-, phone- or ID-like values in kept text."""
    burned_in: Literal["reject", "allow"]
    blank_regions: Sequence[Region]
    region_rules: Sequence[RegionRule]
    digest: Literal["blake3", "sha256"]
    accept_raw: bool
    """Read a data set without a Part 10 header when its encoding is detected."""
    recipients: Sequence[str]
    """X.509 certificates (PEM text, RSA) of those who may re-identify: the output then carries
    the originals of what changed, enveloped for them (PS3.15 E.1.1 Encrypted Attributes)."""
    enclose_pixels: bool
    """With ``recipients``: pixels that blanking changes have their original Pixel Data enclosed
    too, so that re-identifying restores it (held whole: ``limits.max_enclosed_pixel_bytes``)."""


Report = dict[str, Any]
"""What was done to one file (the CLI's JSON): ``edition``, ``options``, ``actions``,
``findings``, ``inputHeader``, ``output``, ... It never holds an original value."""


class Sanitized:
    """A de-identified file: ``data, report = sanitizer.sanitize(raw)`` unpacks it."""

    __slots__ = ("bytes", "report", "receipt")
    bytes: builtins.bytes
    report: Report
    receipt: dict[str, Any] | None
    """The signed receipt, when the settings hold a ``signing_key``."""

    def __init__(self, bytes: builtins.bytes, report: Report, receipt: dict[str, Any] | None = None) -> None:
        self.bytes, self.report, self.receipt = bytes, report, receipt

    def __iter__(self) -> Iterator[Any]:
        return iter((self.bytes, self.report))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sanitized) and (self.bytes, self.report, self.receipt) == (
            other.bytes,
            other.report,
            other.receipt,
        )

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (Sanitized, (self.bytes, self.report, self.receipt))

    def __repr__(self) -> str:
        signed = ", signed" if self.receipt is not None else ""
        return f"<Sanitized {len(self.bytes)} bytes{signed}>"


class SanitizedFile:
    """What :meth:`Sanitizer.sanitize_file` wrote: ``path, report = ...`` unpacks it."""

    __slots__ = ("path", "report", "receipt")
    path: str
    report: Report
    receipt: dict[str, Any] | None

    def __init__(self, path: str, report: Report, receipt: dict[str, Any] | None = None) -> None:
        self.path, self.report, self.receipt = path, report, receipt

    def __iter__(self) -> Iterator[Any]:
        return iter((self.path, self.report))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SanitizedFile) and (self.path, self.report, self.receipt) == (
            other.path,
            other.report,
            other.receipt,
        )

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (SanitizedFile, (self.path, self.report, self.receipt))

    def __repr__(self) -> str:
        return f"<SanitizedFile {self.path!r}>"


class Sanitizer:
    """Settings compiled once, then any number of files, from any number of threads.

    Raises :class:`SettingsError` (``settings.*`` codes) on anything invalid, including unknown
    or misspelt keyword arguments (``settings.invalid_value``)."""

    __slots__ = ("_native",)

    def __init__(self, **settings: Unpack[SanitizerOptions]) -> None:
        self._native = _native.Sanitizer(dict(settings))

    def sanitize(self, data: Input) -> Sanitized:
        """De-identifies one DICOM Part 10 file (``bytes``, or any bytes-like object, which is
        copied first unless it is ``bytes``). Raises a :class:`DicomSanitizerError` on any doubt;
        no output exists then."""
        return Sanitized(*self._native.sanitize(data))

    def sanitize_file(self, src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> SanitizedFile:
        """Streams the file at ``src`` into ``dst``: memory is bounded by the header, not the
        pixel data, so files of any size pass. Written to ``dst + ".partial"`` and renamed when
        the whole file has passed; on any error (a :class:`DicomSanitizerError`, or an
        ``OSError`` of the file system) nothing is left at either name."""
        report, receipt = self._native.sanitize_file(src, dst)
        return SanitizedFile(os.fspath(dst), report, receipt)

    def sanitize_dataset(self, dataset: pydicom.Dataset) -> tuple[pydicom.FileDataset, Report]:
        """For pydicom users: the dataset written as a Part 10 file (its ``file_meta`` and
        ``preamble`` when it has them; pydicom fills in what the meta group needs), sanitized,
        and read back. The dataset given is not changed."""
        import pydicom

        buffer = io.BytesIO()
        pydicom.dcmwrite(buffer, dataset, enforce_file_format=True)
        out = self.sanitize(buffer.getvalue())
        return pydicom.dcmread(io.BytesIO(out.bytes)), out.report

    def sanitize_directory(
        self, data: Input, rename: Callable[[list[str]], Sequence[str] | None]
    ) -> Sanitized:
        """Sanitizes the DICOMDIR of a media set whose files were written under new names, or
        not at all: ``rename`` gets each record's Referenced File ID as its components
        (``["PT000000", "ST000000", "SE000000", "IM000000"]``) and returns the new one, or
        ``None`` for a file not in the output (its record goes). Raises ``read.not_directory``
        for a file that is no DICOMDIR, ``phi.residual`` when a new File ID holds an identifying
        value of the records (name files with :meth:`name_plan` or numbers)."""
        return Sanitized(*self._native.sanitize_directory(data, rename))

    def name_plan(self) -> NamePlan:
        """A plan for output names that keep the input tree's shape, as the CLI's ``--layout
        mirror`` names them: ``add`` each input, then ``names()``."""
        return self._native.name_plan()

    def pseudonymize_study_uid(self, uid: str) -> str | None:
        """The Study Instance UID the output gets for an input one (``None`` where the settings
        remove it), without a file. Raises ``read.invalid_uid`` for a malformed UID."""
        return self._native.study_uid(uid)

    def stream(self) -> SanitizeStream:
        """A stream for one file, for bytes that arrive in chunks (a socket, an object store)."""
        return SanitizeStream(self._native.stream())


class SanitizeStream:
    """One file sanitized chunk by chunk; memory is bounded by the header. Nothing is returned
    until the header has passed every check. After an error every call raises
    ``stream.closed``: discard what was returned."""

    __slots__ = ("_native",)

    def __init__(self, native: _native.SanitizeStream) -> None:
        self._native = native

    def write(self, chunk: Input) -> bytes:
        """The output ready so far (often empty while the header is gathered)."""
        return self._native.write(chunk)

    def end(self) -> Sanitized:
        """Ends the input: the last output, the report and the receipt."""
        return Sanitized(*self._native.end())
