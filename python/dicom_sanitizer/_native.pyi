# Types of the extension module (python/src/lib.rs). The public API is in __init__.py; this
# module returns tuples that it wraps, and raises the exceptions of _errors.py.
from collections.abc import Callable, Sequence
from os import PathLike
from typing import Any, Literal, TypedDict

from typing_extensions import Buffer

ErrorCode = Literal[
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
    "phi.pattern",
    "pixel.burned_in",
    "pixel.burned_in_unknown",
    "pixel.compressed_regions",
    "pixel.unsupported",
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
]

_Json = dict[str, Any]
_Path = str | PathLike[str]

class Mismatch(TypedDict):
    part: Literal[
        "publicKey",
        "signature",
        "format",
        "structure",
        "header",
        "pixelData",
        "file",
        "originalStructure",
        "originalHeader",
        "originalPixelData",
    ]
    message: str

class Verification(TypedDict):
    """``valid`` only when the signature holds for the key and the file matches every digest."""

    valid: bool
    mismatches: list[Mismatch]

class IdentifyingValue(TypedDict):
    kind: Literal["name", "id", "date", "text"]
    tag: str
    keyword: str
    value: str

class ImageDescription(TypedDict):
    frames: int
    rows: int
    columns: int
    labels: dict[str, str | int | None]

class RenderedFrame(ImageDescription, total=False):
    width: int
    height: int
    rgba: bytes
    jpeg: bytes

class Sanitizer:
    def __init__(self, settings: dict[str, Any] | None = None) -> None: ...
    def sanitize(self, data: Buffer) -> tuple[bytes, _Json, _Json | None]: ...
    def sanitize_file(self, src: _Path, dst: _Path) -> tuple[_Json, _Json | None]: ...
    def sanitize_directory(
        self, data: Buffer, rename: Callable[[list[str]], Sequence[str] | None]
    ) -> tuple[bytes, _Json, _Json | None]: ...
    def study_uid(self, uid: str) -> str | None: ...
    def stream(self) -> SanitizeStream: ...
    def name_plan(self) -> NamePlan: ...

class SanitizeStream:
    def write(self, chunk: Buffer) -> bytes: ...
    def end(self) -> tuple[bytes, _Json, _Json | None]: ...

class NamePlan:
    """The output names of a tree that keeps its input names (``Sanitizer.name_plan()``), as the
    CLI's ``--layout mirror`` makes them: every file or folder name holding an identifying value
    of any input (or with the shape of a date or a UID) becomes a keyed pseudonym of itself (8
    letters, ``.dcm`` kept), the same wherever it occurs. Use them for files, archive entries,
    report names and a media set's File IDs."""

    def add(self, path: str, head: Buffer, whole: bool) -> bool:
        """Adds an input by its ``/``-separated path below the tree's root and its first bytes
        (``whole``: the whole file). False (nothing added) when the bytes stop before the
        header ends and are not the whole file: call again with more (the first MiB is usually
        enough). What is not DICOM adds its path only."""
    def names(self) -> list[str]:
        """The output path of every input added, in order, ``/``-separated."""

def verify(file: Buffer, receipt: _Json, public_key: str | bytes) -> Verification:
    """Whether ``file`` still matches its signed ``receipt``, for the signer's public key (hex
    or 32 bytes)."""

def verify_original(original: Buffer, file: Buffer, report: _Json) -> Verification:
    """Whether ``original`` is the file ``report`` (of the sanitized ``file``) was made from.
    Check the receipt with :func:`verify` first: this trusts the report."""

def public_key(signing_key: str | bytes) -> str:
    """The public key (hex) of a signing key (hex or 32 bytes)."""

def generate_signing_key() -> str:
    """A new random Ed25519 signing key (hex), as ``dicom-sanitize keygen`` writes one."""

def identifying_values(data: Buffer, accept_raw: bool = False) -> list[IdentifyingValue]:
    """The identifying values of a file's header (each distinct one once), to look for elsewhere,
    e.g. in text OCR reads off its pixels. ``data``: the file, or its first bytes as far as
    Pixel Data (``read.truncated`` when they stop short: pass more)."""

def reidentify(data: Buffer, private_key: str | bytes, certificate: str | bytes | None = None) -> bytes:
    """A file sanitized with ``recipients``, its original values restored (PS3.15 E.1.2) with a
    recipient's RSA private key (PEM or DER); ``certificate`` picks its recipient info. Raises
    ``reidentify.failed`` (a :class:`ReidentifyError`) whatever failed inside."""

def uid_path(file: _Path) -> str:
    """``STUDY/SERIES/INSTANCE.dcm`` from a sanitized file's header: its name under the CLI's
    ``--layout uids`` (pseudonymised UIDs, never other values). Raises ``OSError`` when the file
    cannot be read back."""

def describe_image(data: Buffer) -> ImageDescription:
    """What a Part 10 file holds to preview, from its header alone: ``frames`` is 0 when it has
    no image."""

def render_frame(data: Buffer, frame: int = 0, max_size: int | None = None) -> RenderedFrame:
    """Frame ``frame`` (from 0) as RGBA (``width`` × ``height``, fitted to ``max_size`` on its
    long side), or for JPEG Baseline and Extended its coded ``jpeg`` bytes. Raises
    ``preview.*``, ``pixel.unsupported`` and ``read.*`` errors."""

def error_codes() -> list[ErrorCode]:
    """Every code an exception's ``code`` can be."""

def finding_codes() -> list[str]:
    """Every code a report finding can carry."""

def version() -> str:
    """The core library's version."""

def edition() -> str:
    """The edition of PS3.15 Table E.1-1 applied, e.g. ``2025b``."""
