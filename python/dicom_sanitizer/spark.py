"""De-identification at archive scale on Apache Spark: the same core as the CLI, one file
streamed at a time on the executors, byte for byte the CLI's output::

    from dicom_sanitizer import spark as ds_spark
    results = ds_spark.sanitize(spark, "s3a://pacs-export/", "s3a://research/deid/",
                                key=ds_spark.FromEnv("DICOM_SANITIZER_SECRET"))

What an archive operator needs:

- **Resumable.** Each input's result is recorded under the output root (``_dicom_sanitizer/done/``,
  a line per input in a file per task, the input named by a keyed hash of its path) once its
  output is in place. A re-run reads the records as data and skips every input whose record
  matches it (size, modification time) and the settings (a keyed fingerprint), and whose output
  is still there: a job that died halfway finishes the rest.
- **Atomic.** An output is written to ``_dicom_sanitizer/tmp/`` and moved under its name when
  whole; no half-written file is ever visible under an output name.
- **Names without PHI.** The CLI's layouts: ``uids`` (``STUDY/SERIES/INSTANCE.dcm`` from the
  pseudonymised UIDs) or ``numbered``; a media set (a folder with a DICOMDIR) is sanitized in one
  task, as ``SET001/DICOMDIR`` and ``SET001/DICOM/IM000001``, its DICOMDIR last, as the CLI does.
  The results table beside the outputs names inputs by their keyed hash (``input_id``); the
  input paths go only to the returned DataFrame and to ``mapping`` if asked.
- **Secrets stay secret.** The key (and a signing key) come from a source the executors read
  (:class:`FromEnv`, :class:`FromFile`) or a value held in a wrapper that never prints; never a
  column, a literal in the plan, or a log line.
- **One bad file is a row**, never a failed job: ``refused`` or ``skipped`` with the core's code,
  ``failed`` (code ``io``) when it could not be read or written (not recorded, so a re-run tries
  it again).

Paths are what Spark lists (``file:``, ``s3a://``, ``abfss://``, ``gs://``, ...). Executors read
and write local paths (and mounts such as ``/dbfs``) directly, and other URIs through fsspec
(``s3fs``, ``adlfs``, ``gcsfs`` installed beside the wheel; ``s3a://`` is read as ``s3://``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import Sanitizer, _native, public_key
from ._errors import DicomSanitizerError, SettingsError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["sanitize", "FromEnv", "FromFile", "LAYOUTS", "RESULT_COLUMNS"]

LAYOUTS = ("uids", "numbered")
STATE = "_dicom_sanitizer"
"""The folder under the output root that holds the job's records, temporary files and results."""
_COLUMNS = (
    ("input", "STRING NOT NULL"),
    ("input_id", "STRING NOT NULL"),
    ("status", "STRING NOT NULL"),
    ("code", "STRING"),
    ("output", "STRING"),
    ("digest", "STRING"),
    ("size", "BIGINT"),
    ("receipt", "STRING"),
    ("report", "STRING"),
    ("reused", "BOOLEAN NOT NULL"),
)
RESULT_COLUMNS = tuple(name for name, _ in _COLUMNS)
_KEY_ENV = "DICOM_SANITIZER_KEY"
_CHUNK = 1 << 20
# Object stores make an object visible only when its upload completes: no temporary name needed.
_OBJECT_STORES = {"s3", "s3a", "s3n", "gs", "gcs", "abfs", "abfss", "az", "adl"}

log = logging.getLogger("dicom_sanitizer.spark")


# --- secrets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FromEnv:
    """A secret in an environment variable of every executor (and the driver, to check it
    early). Spark shows ``spark.executorEnv.*`` in its UI unless the name matches
    ``spark.redaction.regex`` (by default names with ``secret``, ``password`` or ``token``)."""

    name: str

    def read(self) -> bytes | None:
        value = os.environb.get(self.name.encode())
        return value if value else None


@dataclass(frozen=True)
class FromFile:
    """A secret in a file every executor can read (a mounted secret volume, or a file shipped
    with ``spark.addFile``: give its name, found through ``SparkFiles``); a trailing newline
    is dropped, as the CLI's ``--key-file`` does."""

    path: str

    def read(self) -> bytes | None:
        path = self.path
        if not os.path.isabs(path) and not os.path.exists(path):
            try:
                from pyspark import SparkFiles

                path = SparkFiles.get(path)
            except Exception:  # noqa: BLE001 - no SparkFiles here: the path as given
                pass
        try:
            with open(path, "rb") as f:
                return f.read().rstrip(b"\r\n") or None
        except OSError:
            return None


class _Value:
    """A secret given by value: shipped inside the task (as Spark ships any closure), never
    printed, never a column or a literal of the plan."""

    __slots__ = ("_value",)

    def __init__(self, value: str | bytes):
        self._value = value if isinstance(value, str) else bytes(value)

    def read(self) -> str | bytes:
        return self._value

    def __repr__(self) -> str:
        return "<secret>"

    __str__ = __repr__


Secret = FromEnv | FromFile | _Value


def _source(value: Any, what: str) -> Secret | None:
    if value is None or isinstance(value, (FromEnv, FromFile, _Value)):
        return value
    if isinstance(value, (str, bytes, bytearray)):
        return _Value(value)
    raise SettingsError(f"{what}: a str, bytes, FromEnv or FromFile", "settings.invalid_value")


def _read(source: Secret, what: str) -> str | bytes:
    value = source.read()
    if value is None:
        where = f"${source.name}" if isinstance(source, FromEnv) else getattr(source, "path", "")
        raise SettingsError(f"{what}: nothing to read at {where}", "settings.invalid_value")
    return value


# --- the job's description, shipped to every task ------------------------------------------


@dataclass
class _Job:
    root: str
    layout: str
    settings: dict[str, Any]
    key: Secret
    signing_key: Secret | None
    sets: list[str]
    """Media set folders (the parents of DICOMDIRs), innermost last."""
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    def set_of(self, path: str) -> int | None:
        """The innermost media set holding ``path``, by its index in ``sets``."""
        best = None
        for i, folder in enumerate(self.sets):
            if path.startswith(folder + "/") and (best is None or len(folder) > len(self.sets[best])):
                best = i
        return best


_LOCAL: dict[str, tuple[Sanitizer, bytes, str]] = {}
"""Per Python worker (Spark reuses them across tasks): each job's sanitizer, key and settings
fingerprint, made once."""


def _compiled(job: _Job) -> tuple[Sanitizer, bytes, str]:
    if job.token not in _LOCAL:
        key = _read(job.key, "key")
        settings = dict(job.settings, key=key)
        signed = None
        if job.signing_key is not None:
            signing = _read(job.signing_key, "signing_key")
            # Read from a file or the environment, it is text (hex), as the CLI reads it.
            settings["signing_key"] = signing.decode() if isinstance(signing, bytes) and not isinstance(
                job.signing_key, _Value
            ) else signing
            signed = public_key(settings["signing_key"])
        key = key.encode() if isinstance(key, str) else key
        sanitizer = Sanitizer(**settings)
        described = json.dumps(
            {
                "settings": job.settings,
                "signedBy": signed,
                "layout": job.layout,
                "version": _native.version(),
                "edition": _native.edition(),
            },
            sort_keys=True,
        )
        fingerprint = hmac.new(key, b"settings\0" + described.encode(), hashlib.sha256).hexdigest()
        _LOCAL.clear()
        _LOCAL[job.token] = (sanitizer, key, fingerprint)
    return _LOCAL[job.token]


def _input_id(key: bytes, path: str) -> str:
    """A name for an input that does not carry its path (which may carry PHI)."""
    return hmac.new(key, b"input\0" + path.encode(), hashlib.sha256).hexdigest()[:32]


# --- storage: local paths directly, other URIs through fsspec ----------------------------------


def _scheme(uri: str) -> str:
    head, sep, _ = uri.partition("://")
    if sep and head.isalnum():
        return head.lower()
    return "file" if uri.startswith("file:") else ""


def _local_path(uri: str) -> str | None:
    """The local path of a ``file:`` URI (as Spark lists them, not percent-encoded) or a plain
    path; ``None`` for other schemes."""
    scheme = _scheme(uri)
    if scheme == "":
        return uri
    if scheme != "file":
        return None
    rest = uri[len("file:") :]
    if rest.startswith("//"):
        rest = rest[2:]
        rest = rest[rest.index("/") :] if "/" in rest else "/"
    return rest


class _Store:
    """The output root and the inputs, for one task."""

    def __init__(self, root: str):
        self.root = root.rstrip("/")
        self.local = _local_path(root)
        self.folders: set[str] = set()
        self.tmp: str | None = None
        if self.local is None:
            import fsspec

            self.fs, self.base = fsspec.core.url_to_fs(_fsspec_uri(root))
            self.base = self.base.rstrip("/")
            self.atomic_put = _scheme(root) in _OBJECT_STORES

    def _at(self, rel: str) -> str:
        return os.path.join(self.local, rel) if self.local is not None else f"{self.base}/{rel}"

    # inputs
    def open_input(self, uri: str):
        local = _local_path(uri)
        if local is not None:
            return open(local, "rb")  # noqa: SIM115 - the caller closes it
        import fsspec

        return fsspec.open(_fsspec_uri(uri), "rb").open()

    def stat_input(self, uri: str) -> tuple[int, int]:
        """(size, modification time in ms) of an input the listing did not describe."""
        local = _local_path(uri)
        if local is not None:
            st = os.stat(local)
            return st.st_size, st.st_mtime_ns // 1_000_000
        import fsspec

        fs, path = fsspec.core.url_to_fs(_fsspec_uri(uri))
        info = fs.info(path)
        mtime = info.get("mtime") or info.get("LastModified") or info.get("last_modified") or 0
        if hasattr(mtime, "timestamp"):
            mtime = mtime.timestamp()
        return int(info["size"]), int(float(mtime) * 1000)

    # outputs and records
    def tmp_dir(self) -> str:
        """Where outputs are written before they are placed: under the root on a local file
        system (so a rename places them), else in the executor's own temporary folder."""
        if self.tmp is None:
            if self.local is not None:
                self.tmp = os.path.join(self.local, STATE, "tmp")
            else:
                self.tmp = os.path.join(tempfile.gettempdir(), "dicom-sanitizer-spark")
            os.makedirs(self.tmp, exist_ok=True)
        return self.tmp

    def size(self, rel: str) -> int | None:
        try:
            if self.local is not None:
                return os.stat(self._at(rel)).st_size
            return int(self.fs.info(self._at(rel))["size"])
        except (OSError, FileNotFoundError):
            return None

    def read(self, rel: str) -> bytes | None:
        try:
            if self.local is not None:
                with open(self._at(rel), "rb") as f:
                    return f.read()
            return self.fs.cat_file(self._at(rel))
        except (OSError, FileNotFoundError):
            return None

    def folder(self, path: str) -> None:
        """Makes the folder of ``path`` once per task (a thousand files share a few folders)."""
        folder = os.path.dirname(path)
        if folder not in self.folders:
            os.makedirs(folder, exist_ok=True)
            self.folders.add(folder)

    def write(self, rel: str, data: bytes) -> None:
        """Writes a small file whole, atomically."""
        if self.local is not None:
            path = self._at(rel)
            self.folder(path)
            # In the temporary folder, which the next run clears, should this one die here.
            tmp = os.path.join(self.tmp_dir(), f"{uuid.uuid4().hex}.partial")
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        elif self.atomic_put:
            self.fs.pipe_file(self._at(rel), data)
        else:
            tmp = f"{self._at(rel)}.{uuid.uuid4().hex}.partial"
            self.fs.pipe_file(tmp, data)
            self.fs.mv(tmp, self._at(rel))

    def same(self, tmp: str, rel: str) -> bool:
        size = os.path.getsize(tmp)
        if self.size(rel) != size:
            return False
        if self.local is not None:
            import filecmp

            return filecmp.cmp(tmp, self._at(rel), shallow=False)
        with open(tmp, "rb") as f:
            return f.read() == self.read(rel)

    def place(self, tmp: str, rel: str, replace: bool) -> bool:
        """Moves the finished file ``tmp`` to ``rel``; without ``replace`` only where no file is
        (False then, ``tmp`` kept)."""
        if self.local is not None:
            path = self._at(rel)
            self.folder(path)
            if replace:
                os.replace(tmp, path)
                return True
            try:
                os.link(tmp, path)  # fails where a file is: no race between two tasks
            except FileExistsError:
                return False
            except OSError:
                # No hard links on this file system (some FUSE mounts): looked at, then renamed.
                if os.path.exists(path):
                    return False
                os.replace(tmp, path)
                return True
            os.unlink(tmp)
            return True
        if not replace and self.size(rel) is not None:
            return False
        if self.atomic_put:
            self.fs.put_file(tmp, self._at(rel))
        else:
            partial = f"{self._at(rel)}.{uuid.uuid4().hex}.partial"
            self.fs.put_file(tmp, partial)
            self.fs.mv(partial, self._at(rel))
        os.unlink(tmp)
        return True


def _fsspec_uri(uri: str) -> str:
    scheme = _scheme(uri)
    return "s3" + uri[len(scheme) :] if scheme in ("s3a", "s3n") else uri


# --- one task's work ----------------------------------------------------------------------------


@dataclass
class _Input:
    path: str
    length: int | None
    modified: int | None
    index: int = 0
    iid: str = ""
    """The keyed hash of ``path``: the input's name in records and results."""
    prior: dict[str, Any] | None = None
    """The record an earlier run left for this input, if any."""


class _Task:
    """Sanitizes the inputs of one task, recording each result."""

    def __init__(self, job: _Job, counts: Any):
        self.job = job
        self.sanitizer, self.key, self.fingerprint = _compiled(job)
        self.store = _Store(job.root)
        self.tmp = self.store.tmp_dir()
        self.counts = counts
        self.log: Any = None
        self.pending: list[bytes] = []
        from pyspark import TaskContext

        ctx = TaskContext.get()
        where = f"{ctx.stageId()}-{ctx.partitionId()}-{ctx.attemptNumber()}" if ctx else uuid.uuid4().hex
        self.name = f"{STATE}/done/{job.token}-{where}"

    def append(self, line: bytes) -> None:
        """Records one result: a line appended to this task's record file, written through at
        once on a local file system (a run killed mid-line leaves a line that is no JSON, so
        no record); on object stores, which cannot append, in objects of 256 lines."""
        if self.store.local is not None:
            if self.log is None:
                path = os.path.join(self.store.local, self.name + ".jsonl")
                self.store.folder(path)
                self.log = open(path, "ab", buffering=0)  # noqa: SIM115 - closed in close()
            self.log.write(line + b"\n")
            return
        self.pending.append(line)
        if len(self.pending) >= 256:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.store.write(f"{self.name}-{uuid.uuid4().hex[:12]}.jsonl", b"\n".join(self.pending) + b"\n")
            self.pending = []

    def close(self) -> None:
        self.flush()
        if self.log is not None:
            self.log.close()

    def described(self, item: _Input) -> _Input:
        if item.length is None or item.modified is None:
            try:
                item.length, item.modified = self.store.stat_input(item.path)
            except OSError:
                item.length, item.modified = -1, -1
        return item

    def recorded(self, item: _Input) -> dict[str, Any] | None:
        """The record of an earlier run, if it still holds for this input and these settings."""
        rec = item.prior
        if rec is None:
            return None
        holds = (
            rec.get("fingerprint") == self.fingerprint
            and rec.get("length") == item.length
            and rec.get("modified") == item.modified
            and (rec.get("output") is None or self.store.size(rec["output"]) == rec.get("size"))
        )
        return rec if holds else None

    def row(self, item: _Input, iid: str, rec: dict[str, Any], reused: bool) -> tuple:
        # The columns of RESULT_COLUMNS, in order.
        self.counts.add({"files": 1, "bytes": 0 if reused else max(item.length or 0, 0), "reused": int(reused)})
        if rec["status"] in ("refused", "skipped"):
            self.counts.add({f"{rec['status']}:{rec['code']}": 1})
        return (
            item.path,
            iid,
            rec["status"],
            rec.get("code"),
            rec.get("output"),
            rec.get("digest"),
            rec.get("size"),
            rec.get("receipt"),
            rec.get("report"),
            reused,
        )

    def record(self, item: _Input, iid: str, rec: dict[str, Any]) -> tuple:
        if rec["status"] != "failed":
            full = dict(rec, input_id=iid, fingerprint=self.fingerprint, length=item.length, modified=item.modified)
            self.append(json.dumps(full, sort_keys=True).encode())
        return self.row(item, iid, rec, reused=False)

    def sanitize_into(self, item: _Input, tmp: str) -> tuple[dict, dict | None]:
        local = _local_path(item.path)
        if local is not None:
            done = self.sanitizer.sanitize_file(local, tmp)
            return done.report, done.receipt
        partial = tmp + ".partial"
        try:
            with self.store.open_input(item.path) as src, open(partial, "wb") as dst:
                stream = self.sanitizer.stream()
                while chunk := src.read(_CHUNK):
                    dst.write(stream.write(chunk))
                end = stream.end()
                dst.write(end.bytes)
            os.replace(partial, tmp)
        except BaseException:
            _remove(partial)
            raise
        return end.report, end.receipt

    def sanitized(self, item: _Input, iid: str, name: Callable[[str], str], replace: bool) -> dict[str, Any]:
        """Sanitizes one input and places its output: the record of what happened."""
        tmp = os.path.join(self.tmp, f"{iid}.dcm")
        try:
            report, receipt = self.sanitize_into(item, tmp)
        except DicomSanitizerError as e:
            return _refused(e)
        except Exception as e:  # noqa: BLE001 - one file's trouble is its row, not the job's
            return _failed(e)
        try:
            rel = self.place(tmp, name(tmp), replace)
        except Exception as e:  # noqa: BLE001
            _remove(tmp)
            return _failed(e)
        return _sanitized(rel, report, receipt)

    def place(self, tmp: str, rel: str, replace: bool) -> str:
        """As the CLI: a name already taken by another file gets a suffix (``_2``); taken by the
        same bytes (the same input of an earlier, interrupted run, or a copy of it), it is
        that output."""
        stem, dot, ext = rel.rpartition(".") if "." in rel.rsplit("/", 1)[-1] else (rel, "", "")
        for n in range(1, 1001):
            candidate = rel if n == 1 else f"{stem}_{n}{dot}{ext}"
            if self.store.place(tmp, candidate, replace):
                return candidate
            if self.store.same(tmp, candidate):
                _remove(tmp)
                return candidate
        raise OSError("no free output name")

    def alone(self, items: Iterable[_Input]) -> Iterator[tuple]:
        try:
            for item in items:
                self.described(item)
                iid = item.iid
                rec = self.recorded(item)
                if rec is not None:
                    yield self.row(item, iid, rec, reused=True)
                    continue
                if self.job.layout == "uids":
                    rec = self.sanitized(item, iid, _native.uid_path, replace=False)
                else:
                    rec = self.sanitized(item, iid, lambda _: f"{item.index + 1:06}.dcm", replace=False)
                yield self.record(item, iid, rec)
        finally:
            self.close()

    def media_set(self, s: int, items: list[_Input]) -> Iterator[tuple]:
        """A media set in one go, as the CLI: its files in order, numbered as written, then its
        DICOMDIR with the new File IDs. Redone whole unless every file's record holds."""
        try:
            yield from self._media_set(s, items)
        finally:
            self.close()

    def _media_set(self, s: int, items: list[_Input]) -> Iterator[tuple]:
        folder = self.job.sets[s]
        root = f"SET{s + 1:03}"
        items = sorted(items, key=lambda i: _components(i.path))
        ids = [self.described(i).iid for i in items]
        recs = [self.recorded(i) for i in items]
        if all(r is not None for r in recs):
            for item, iid, rec in zip(items, ids, recs):
                yield self.row(item, iid, rec, reused=True)
            return
        is_dir = [i.path[len(folder) + 1 :].upper() == "DICOMDIR" for i in items]
        written: dict[str, list[str]] = {}
        n = 0
        for item, iid, directory in zip(items, ids, is_dir):
            if directory:
                continue
            within = item.path[len(folder) + 1 :]

            def name(_tmp: str) -> str:
                return f"{root}/DICOM/IM{n + 1:06}"

            rec = self.sanitized(item, iid, name, replace=True)
            if rec["status"] == "sanitized":
                n += 1
                written[within.upper()] = rec["output"][len(root) + 1 :].split("/")
            yield self.record(item, iid, rec)
        for item, iid, directory in zip(items, ids, is_dir):
            if directory:
                yield self.record(item, iid, self.directory(item, f"{root}/DICOMDIR", written))

    def directory(self, item: _Input, rel: str, written: dict[str, list[str]]) -> dict[str, Any]:
        try:
            with self.store.open_input(item.path) as f:
                data = f.read()
            out = self.sanitizer.sanitize_directory(data, lambda old: written.get("/".join(old).upper()))
        except DicomSanitizerError as e:
            return _refused(e)
        except Exception as e:  # noqa: BLE001
            return _failed(e)
        try:
            self.store.write(rel, out.bytes)
        except Exception as e:  # noqa: BLE001
            return _failed(e)
        return _sanitized(rel, out.report, out.receipt)


def _sanitized(rel: str, report: dict, receipt: dict | None) -> dict[str, Any]:
    """The record of an output written under ``rel``."""
    return {
        "status": "sanitized",
        "code": None,
        "output": rel,
        "digest": report["output"]["hex"],
        "size": report["output"]["bytes"],
        "receipt": json.dumps(receipt) if receipt is not None else None,
        "report": json.dumps(report),
    }


def _refused(e: DicomSanitizerError) -> dict[str, Any]:
    error = {"error": {"code": e.code, "message": e.message}}
    return {"status": e.status, "code": e.code, "output": None, "report": json.dumps(error)}


def _failed(e: Exception) -> dict[str, Any]:
    """An input that could not be read or its output written (``io``), or that met a fault of
    this module (``internal``): not recorded, so a re-run tries it again. The exception may
    name a path, which may carry PHI: the executor's log has it, the row not."""
    log.warning("an input failed", exc_info=True)
    code = "io" if isinstance(e, OSError) else "internal"
    return {"status": "failed", "code": code, "output": None, "report": None}


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _components(path: str) -> list[str]:
    """Sort key: the CLI sorts paths component by component (``a/x`` before ``a b/x``)."""
    return path.split("/")


# --- accumulators ------------------------------------------------------------------------------


def _counts_param():
    from pyspark.accumulators import AccumulatorParam

    class Counts(AccumulatorParam):
        """Sums dicts of counts: files, bytes, reused, and ``refused:<code>`` per code."""

        def zero(self, value: dict[str, int]) -> dict[str, int]:
            return {}

        def addInPlace(self, a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
            for k, v in b.items():
                a[k] = a.get(k, 0) + v
            return a

    return Counts()


# --- the driver --------------------------------------------------------------------------------


def sanitize(
    spark: SparkSession,
    inputs: str | Iterable[str] | DataFrame,
    output_root: str,
    *,
    layout: str = "uids",
    key: str | bytes | FromEnv | FromFile | None = None,
    signing_key: str | bytes | FromEnv | FromFile | None = None,
    mapping: str | None = None,
    progress: Callable[[dict[str, int]], None] | None = None,
    progress_every: float = 5.0,
    **settings: Any,
) -> DataFrame:
    """Sanitizes every file of ``inputs`` into ``output_root`` on the executors and returns the
    results, one row per input (:data:`RESULT_COLUMNS`): ``status`` is ``sanitized``,
    ``skipped`` (not DICOM), ``refused`` (``code`` says why) or ``failed`` (I/O); ``output``
    the output's path below ``output_root``, ``digest`` its digest (the report's algorithm),
    ``report`` and ``receipt`` the CLI's JSON, ``reused`` whether an earlier run had done it.

    ``inputs``: a folder, file or glob (or several), listed recursively by Spark's file source
    (which leaves out names starting with ``_`` or ``.``), or a DataFrame with a ``path``
    column (and optionally ``length`` and ``modificationTime``, as the ``binaryFile`` source
    gives them). ``key`` defaults to ``FromEnv("DICOM_SANITIZER_KEY")``; ``settings`` are the
    keyword arguments of :class:`dicom_sanitizer.Sanitizer`. ``mapping``: where to write the
    inputs' paths beside their ``input_id`` and output (Parquet), outside what is shared.
    ``progress(counts)`` is called on the driver while the job runs.

    The results are also written as Parquet to ``output_root/_dicom_sanitizer/results``
    (without input paths). The returned DataFrame is persisted on the executors' disks: the
    work is done once, whatever is done with it (``unpersist()`` it when finished).
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    if layout not in LAYOUTS:
        raise SettingsError(
            f"layout: one of {', '.join(LAYOUTS)} (the CLI's mirror layout needs every header of "
            "the run before the first name, which an archive-scale job does not read twice)",
            "settings.invalid_value",
        )
    key_source = _source(key if key is not None else FromEnv(_KEY_ENV), "key")
    signing_source = _source(signing_key, "signing_key")
    root = output_root.rstrip("/")
    job = _Job(root=root, layout=layout, settings=settings, key=key_source, signing_key=signing_source, sets=[])
    if all(s.read() is not None for s in (key_source, signing_source) if s is not None):
        # The executors' settings, compiled here first: refused before any task starts.
        _compiled(job)
    elif key_source.read() is None and not isinstance(key, (FromEnv, FromFile)):
        raise SettingsError(
            f"key: set ${_KEY_ENV} or give key= (every executor must use the same key, or "
            "pseudonyms differ from file to file)",
            "settings.invalid_value",
        )

    sc = spark.sparkContext
    listing = _listing(spark, inputs)
    total = listing.count()
    # Tasks of 16 to 256 files, at least 4 per core while there are files for them: progress
    # shows as tasks end, and a lost task costs little.
    parts = max(1, min(sc.defaultParallelism * 4, -(-total // 16)), -(-total // 256))
    items = listing.repartition(parts).rdd.map(_row_input)
    # The media sets: the folders of the DICOMDIRs, found by Spark without a Python task.
    directories = listing.filter(F.upper(F.regexp_extract("path", "[^/]*$", 0)) == "DICOMDIR")
    job.sets = sorted({_row_input(r).path.rpartition("/")[0] for r in directories.collect()}, key=_components)
    sets = job.sets
    counts = sc.accumulator({}, _counts_param())
    sc.setJobGroup("dicom-sanitizer", f"dicom-sanitizer: {total} files into {root}")

    _clean_tmp(root)

    # Each input with the record an earlier run left for it (records are read by Spark, as
    # data, not looked up file by file).
    identified = items.mapPartitions(lambda part: _identified(job, part))
    prior = _records(spark, root)
    if prior is None:
        joined = identified.values()
    else:
        prior = prior.reduceByKey(lambda a, b: _newer(job, a, b))
        joined = identified.leftOuterJoin(prior, parts).map(_with_prior)
    alone = joined.filter(lambda i: job.set_of(i.path) is None)
    if layout == "numbered":
        alone = alone.sortBy(lambda i: _components(i.path), numPartitions=parts).zipWithIndex().map(lambda p: _numbered(*p))
    rows = alone.mapPartitions(lambda part: _Task(job, counts).alone(part))
    if sets:
        rows = rows.union(
            joined.filter(lambda i: job.set_of(i.path) is not None)
            .map(lambda i: (job.set_of(i.path), i))
            .groupByKey(min(len(sets), parts))
            .flatMap(lambda kv: _Task(job, counts).media_set(kv[0], list(kv[1])))
        )
    schema = ", ".join(f"{name} {kind}" for name, kind in _COLUMNS)
    results = spark.createDataFrame(rows, schema).persist(StorageLevel.DISK_ONLY)
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(counts, progress, progress_every, stop), daemon=True)
    watcher.start()
    try:
        results.drop("input").write.mode("overwrite").parquet(f"{root}/{STATE}/results")
    finally:
        stop.set()
        watcher.join()
        sc.setJobGroup("dicom-sanitizer", "dicom-sanitizer: results")
    if mapping is not None:
        results.select("input_id", "input", "output", "status", "code").write.mode("overwrite").parquet(mapping)
    _clean_tmp(root)
    final = dict(counts.value)
    log.info("dicom-sanitizer: %s", json.dumps(final, sort_keys=True))
    if progress is not None:
        progress(final)
    return results


def _row_input(r) -> _Input:
    path = _path(r.path) if r.encoded else r.path
    return _Input(path=path, length=r.length, modified=r.modified)


def _identified(job: _Job, items: Iterable[_Input]) -> Iterator[tuple[str, _Input]]:
    key = _compiled(job)[1]
    for item in items:
        item.iid = _input_id(key, item.path)
        yield item.iid, item


def _with_prior(pair: tuple[str, tuple[_Input, dict | None]]) -> _Input:
    item, rec = pair[1]
    item.prior = rec
    return item


def _records(spark: SparkSession, root: str):
    """(input_id, record) of every result recorded under ``root`` by earlier runs (``None``
    when there is none); a line a killed run cut short is no JSON and is left out."""
    from pyspark.errors import AnalysisException

    try:
        lines = spark.read.text(f"{root}/{STATE}/done").rdd
    except AnalysisException:  # no earlier run
        return None
    return lines.flatMap(lambda r: _parsed(r.value))


def _parsed(line: str) -> list[tuple[str, dict]]:
    try:
        rec = json.loads(line)
    except ValueError:
        return []
    return [(rec["input_id"], rec)] if isinstance(rec, dict) and "input_id" in rec else []


def _newer(job: _Job, a: dict, b: dict) -> dict:
    """Of two records of one input, one made with these settings (a run with others may have
    recorded it too)."""
    return b if b.get("fingerprint") == _compiled(job)[2] else a


def _numbered(item: _Input, index: int) -> _Input:
    item.index = index
    return item


def _listing(spark: SparkSession, inputs: Any) -> DataFrame:
    """``path``, and where known ``length`` and ``modified`` (ms since 1970), of every input."""
    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F

    if isinstance(inputs, DataFrame):
        if "path" not in inputs.columns:
            raise SettingsError("inputs: a DataFrame needs a path column", "settings.invalid_value")
        known = set(inputs.columns)
        return inputs.dropDuplicates(["path"]).select(
            F.col("path").cast("string").alias("path"),
            (F.col("length") if "length" in known else F.lit(None)).cast("long").alias("length"),
            (F.expr("unix_millis(modificationTime)") if "modificationTime" in known else F.lit(None))
            .cast("long")
            .alias("modified"),
            F.lit(False).alias("encoded"),
        )
    paths = [inputs] if isinstance(inputs, str) else list(inputs)
    # Spark's file source lists with Hadoop (any of its file systems, globs, recursively), but
    # its scans leave out empty files: the listing is taken from its file index instead, as
    # URIs, without reading a file. The executors look at each file's size and time.
    files = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(paths)
    jvm = spark._jvm
    uris = jvm.scala.collection.immutable.ArraySeq.unsafeWrapArray(files._jdf.inputFiles())
    listed = spark._jsparkSession.createDataset(uris, jvm.org.apache.spark.sql.Encoders.STRING())
    return DataFrame(listed.toDF(), spark).select(
        F.col("value").alias("path"),
        F.lit(None).cast("long").alias("length"),
        F.lit(None).cast("long").alias("modified"),
        F.lit(True).alias("encoded"),
    )


def _path(uri: str) -> str:
    """A listed URI (``file:///a/b%20c.dcm``) as Spark's paths read (``file:/a/b c.dcm``)."""
    from urllib.parse import unquote

    path = unquote(uri)
    return "file:/" + path[len("file:///") :] if path.startswith("file:///") else path


def _clean_tmp(root: str) -> None:
    """Temporary outputs an interrupted run left (local output roots; on object stores they were
    in the executors' own temporary folders)."""
    local = _local_path(root)
    if local is not None:
        shutil.rmtree(os.path.join(local, STATE, "tmp"), ignore_errors=True)


def _watch(counts: Any, progress: Callable | None, every: float, stop: threading.Event) -> None:
    # Python accumulators reach the driver as each task ends.
    last = None
    while not stop.wait(every):
        now = dict(counts.value)
        if now != last:
            log.info("dicom-sanitizer progress: %s", json.dumps(now, sort_keys=True))
            if progress is not None:
                progress(now)
            last = now
