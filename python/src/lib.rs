//! The Python face of `dicom-sanitizer`: the extension module `dicom_sanitizer._native`. Like the
//! wasm crate, it only converts between Python objects and the core's types (and moves bytes
//! between files and the core's stream); every decision about a DICOM file is the core's. The
//! public classes (`dicom_sanitizer.Sanitizer`, `Sanitized`, the exceptions) are in the
//! package's Python files, around this module.
//!
//! The core runs with the GIL released, so Python threads sanitize in parallel. A `bytes`
//! input is read where it lies (it cannot change); any other buffer (`bytearray`,
//! `memoryview`, `mmap`, a NumPy array) is copied first, under the GIL, so the core never
//! reads memory that Python code may be writing.

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};

use dicom_sanitizer as core;
use dicom_sanitizer_files as files;
use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{PyOSError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::Serialize;
use serde_json::{Map, Value};

/// `sanitize_file` looks for Ctrl-C (and other signals) after this many chunks.
const SIGNAL_EVERY: u64 = 64;

/// Settings compiled once: `Sanitizer(settings: dict)`, the keyword arguments of the package's
/// `Sanitizer` in snake_case.
#[pyclass(frozen, module = "dicom_sanitizer._native")]
struct Sanitizer {
    inner: core::Sanitizer,
}

#[pymethods]
impl Sanitizer {
    #[new]
    #[pyo3(signature = (settings = None))]
    fn new(py: Python<'_>, settings: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let settings = match settings {
            Some(s) => settings_from_py(s).map_err(|e| error(py, &e))?,
            None => core::Settings::new(),
        };
        let inner = core::Sanitizer::new(settings).map_err(|e| error(py, &e))?;
        Ok(Sanitizer { inner })
    }

    /// `(bytes, report, receipt | None)` for one Part 10 file; raises (and gives no bytes) on
    /// any doubt.
    fn sanitize<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let input = Input::new(data)?;
        let done = py.detach(|| self.inner.sanitize(input.bytes()));
        sanitized(py, done.map_err(|e| error(py, &e))?)
    }

    /// Streams the file at `src` into `dst` (memory bounded by the header), through
    /// `dst + ".partial"`, renamed when the whole file has passed: `(report, receipt | None)`.
    /// On any error nothing is left at either name.
    fn sanitize_file<'py>(
        &self,
        py: Python<'py>,
        src: PathBuf,
        dst: PathBuf,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let mut partial = OsString::from(dst.as_os_str());
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        let result = py
            .detach(|| stream_file(&self.inner, &src, &partial))
            .and_then(|done| {
                std::fs::rename(&partial, &dst)
                    .map(|()| done)
                    .map_err(|e| Failure::Io(e, dst.clone()))
            });
        match result {
            Ok(done) => finished(py, None, &done.report, done.receipt.as_ref()),
            Err(failure) => {
                let _ = std::fs::remove_file(&partial);
                Err(match failure {
                    Failure::Sanitize(e) => error(py, &e),
                    Failure::Io(e, path) => os_error(e, &path),
                    Failure::Python(e) => e,
                })
            }
        }
    }

    /// The DICOMDIR of a media set whose files were written under new names, or not at all:
    /// `rename(file_id: list[str]) -> list[str] | None`. As `sanitize`. An exception raised by
    /// `rename` propagates.
    fn sanitize_directory<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        rename: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let input = Input::new(data)?;
        let mut raised: Option<PyErr> = None;
        let mut call = |id: &[String]| -> Option<Vec<String>> {
            if raised.is_some() {
                return None;
            }
            let new = rename.call1((id.to_vec(),)).and_then(|v| {
                if v.is_none() {
                    Ok(None)
                } else if v.is_instance_of::<PyString>() {
                    Err(PyTypeError::new_err(
                        "rename must return a list of File ID components or None, not a str",
                    ))
                } else {
                    v.extract::<Vec<String>>().map(Some)
                }
            });
            new.unwrap_or_else(|e| {
                raised = Some(e);
                None
            })
        };
        let done = self.inner.sanitize_directory(input.bytes(), &mut call);
        if let Some(e) = raised {
            return Err(e);
        }
        sanitized(py, done.map_err(|e| error(py, &e))?)
    }

    /// The Study Instance UID the output gets for an input one, or None where it is removed.
    fn study_uid(&self, py: Python<'_>, uid: &str) -> PyResult<Option<String>> {
        self.inner.study_uid(uid).map_err(|e| error(py, &e))
    }

    /// A stream for one file.
    fn stream(&self) -> SanitizeStream {
        SanitizeStream {
            inner: Some(self.inner.stream()),
        }
    }

    /// A plan for the output names of a tree that keeps its input names.
    fn name_plan(&self) -> NamePlan {
        NamePlan {
            sanitizer: self.inner.clone(),
            names: core::Names::new(),
            paths: Vec::new(),
        }
    }
}

/// One file sanitized chunk by chunk.
#[pyclass(module = "dicom_sanitizer._native")]
struct SanitizeStream {
    inner: Option<core::SanitizeStream>,
}

#[pymethods]
impl SanitizeStream {
    /// The output ready so far for the next chunk (often empty while the header is gathered).
    fn write<'py>(
        &mut self,
        py: Python<'py>,
        chunk: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let input = Input::new(chunk)?;
        let stream = self.inner.as_mut().ok_or_else(|| closed(py))?;
        let bytes = input.bytes();
        match py.detach(|| stream.write_passing(bytes)) {
            Err(e) => {
                self.inner = None;
                Err(error(py, &e))
            }
            Ok(core::Emitted::Nothing) => Ok(PyBytes::new(py, &[])),
            Ok(core::Emitted::Input(r)) => Ok(PyBytes::new(py, &bytes[r])),
            Ok(core::Emitted::Bytes(b)) => Ok(PyBytes::new(py, &b)),
        }
    }

    /// Ends the input: `(last bytes, report, receipt | None)`.
    fn end<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let stream = self.inner.take().ok_or_else(|| closed(py))?;
        let mut out = Vec::new();
        let done = py
            .detach(|| stream.end(&mut |b: &[u8]| out.extend_from_slice(b)))
            .map_err(|e| error(py, &e))?;
        finished(py, Some(&out), &done.report, done.receipt.as_ref())
    }
}

fn closed(py: Python<'_>) -> PyErr {
    error(
        py,
        &core::Error::Read {
            code: "stream.closed",
            offset: None,
            message: "this stream failed or ended; start a new one".into(),
        },
    )
}

/// The output names of one tree of inputs (from `Sanitizer.name_plan()`).
#[pyclass(module = "dicom_sanitizer._native")]
struct NamePlan {
    sanitizer: core::Sanitizer,
    names: core::Names,
    paths: Vec<Vec<String>>,
}

#[pymethods]
impl NamePlan {
    /// Adds an input: its `/`-separated path below the tree's root and its first bytes (`whole`:
    /// all of them). False, adding nothing, when `head` stops before the header ends and is not
    /// `whole`: call again with more. What is not DICOM adds its path only.
    #[pyo3(signature = (path, head, whole))]
    fn add(
        &mut self,
        py: Python<'_>,
        path: &str,
        head: &Bound<'_, PyAny>,
        whole: bool,
    ) -> PyResult<bool> {
        let input = Input::new(head)?;
        let sanitizer = &self.sanitizer;
        match py.detach(|| sanitizer.naming_values(input.bytes())) {
            Ok(values) => self.names.add(&values),
            Err(e) if e.code() == "read.truncated" && !whole => return Ok(false),
            Err(_) => {}
        }
        self.paths
            .push(path.split('/').map(str::to_string).collect());
        Ok(true)
    }

    /// The output path of every input added, in order, `/`-separated.
    fn names(&self) -> Vec<String> {
        self.sanitizer
            .mirror_names(&self.names, &self.paths)
            .into_iter()
            .map(|c| c.join("/"))
            .collect()
    }
}

/// Whether `file` still matches its signed `receipt` (a dict) for `public_key` (hex or 32
/// bytes): `{"valid", "mismatches": [{"part", "message"}]}`.
#[pyfunction]
fn verify<'py>(
    py: Python<'py>,
    file: &Bound<'py, PyAny>,
    receipt: &Bound<'py, PyAny>,
    public_key: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let receipt: core::Receipt = document(receipt, "receipt").map_err(|e| error(py, &e))?;
    let key = key_bytes(public_key, Text::Hex).map_err(|e| error(py, &e))?;
    let file = Input::new(file)?;
    let v = py.detach(|| core::verify(file.bytes(), &receipt, &key));
    to_py(py, &json(&v)?)
}

/// Whether `original` is the file `report` (a dict, of the sanitized `file`) was made from.
#[pyfunction]
fn verify_original<'py>(
    py: Python<'py>,
    original: &Bound<'py, PyAny>,
    file: &Bound<'py, PyAny>,
    report: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let report: core::Report = document(report, "report").map_err(|e| error(py, &e))?;
    let (original, file) = (Input::new(original)?, Input::new(file)?);
    let v = py.detach(|| core::verify_original(original.bytes(), file.bytes(), &report));
    to_py(py, &json(&v)?)
}

/// The public key (hex) of a signing key (hex or 32 bytes).
#[pyfunction]
fn public_key(py: Python<'_>, signing_key: &Bound<'_, PyAny>) -> PyResult<String> {
    let seed = key_bytes(signing_key, Text::Hex).map_err(|e| error(py, &e))?;
    core::public_key(&seed)
        .map(|k| core::hex(&k))
        .map_err(|e| error(py, &e))
}

/// A new random Ed25519 signing key (hex).
#[pyfunction]
fn generate_signing_key(py: Python<'_>) -> PyResult<String> {
    core::generate_signing_key()
        .map(|k| core::hex(&k))
        .map_err(|e| error(py, &e))
}

/// The identifying values of a file's header: `[{"kind", "tag", "keyword", "value"}]`.
#[pyfunction]
#[pyo3(signature = (data, accept_raw = false))]
fn identifying_values<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    accept_raw: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let input = Input::new(data)?;
    let values = py
        .detach(|| core::identifying_values(input.bytes(), accept_raw))
        .map_err(|e| error(py, &e))?;
    to_py(py, &json(&values)?)
}

/// What a Part 10 file holds to preview, from its header: `{"frames", "rows", "columns",
/// "labels"}`.
#[pyfunction]
fn describe_image<'py>(py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    let input = Input::new(data)?;
    let d = py
        .detach(|| core::describe(input.bytes()))
        .map_err(|e| error(py, &e))?;
    let out = PyDict::new(py);
    out.set_item("frames", d.frames)?;
    out.set_item("rows", d.rows)?;
    out.set_item("columns", d.columns)?;
    out.set_item("labels", to_py(py, &json(&d.labels)?)?)?;
    Ok(out)
}

/// One frame (from 0) for review: `{"frames", "rows", "columns", "labels", "width", "height",
/// "rgba"}`, or `{..., "jpeg"}` for JPEG Baseline and Extended.
#[pyfunction]
#[pyo3(signature = (data, frame = 0, max_size = None))]
fn render_frame<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    frame: u32,
    max_size: Option<u32>,
) -> PyResult<Bound<'py, PyDict>> {
    let input = Input::new(data)?;
    let p = py
        .detach(|| core::render_frame(input.bytes(), frame, max_size))
        .map_err(|e| error(py, &e))?;
    let out = PyDict::new(py);
    out.set_item("frames", p.frames)?;
    out.set_item("rows", p.rows)?;
    out.set_item("columns", p.columns)?;
    out.set_item("labels", to_py(py, &json(&p.labels)?)?)?;
    match &p.picture {
        core::Picture::Rgba {
            width,
            height,
            pixels,
        } => {
            out.set_item("width", width)?;
            out.set_item("height", height)?;
            out.set_item("rgba", PyBytes::new(py, pixels))?;
        }
        core::Picture::Jpeg(bytes) => out.set_item("jpeg", PyBytes::new(py, bytes))?,
    }
    Ok(out)
}

/// Every error code an exception can carry.
/// A file sanitized with recipients, its original values restored with a recipient's private
/// key (`certificate` picks its recipient info). Raises `reidentify.failed` whatever failed.
#[pyfunction]
#[pyo3(signature = (data, private_key, certificate = None))]
fn reidentify<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    private_key: &Bound<'py, PyAny>,
    certificate: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = Input::new(data)?;
    let key = key_bytes(private_key, Text::Utf8).map_err(|e| error(py, &e))?;
    let certificate = certificate
        .map(|c| key_bytes(c, Text::Utf8))
        .transpose()
        .map_err(|e| error(py, &e))?;
    let out = py.detach(|| core::reidentify(input.bytes(), &key, certificate.as_deref()));
    Ok(PyBytes::new(py, &out.map_err(|e| error(py, &e))?))
}

/// `STUDY/SERIES/INSTANCE.dcm` (`/`-separated) from a sanitized file's header: its name under
/// the `uids` layout, as the CLI's `--layout uids` names it. Raises `OSError` when the file
/// cannot be read back.
#[pyfunction]
fn uid_path(py: Python<'_>, file: PathBuf) -> PyResult<String> {
    let path = py
        .detach(|| files::uid_path(&file))
        .map_err(PyOSError::new_err)?;
    let parts: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Ok(parts.join("/"))
}

#[pyfunction]
fn error_codes() -> Vec<&'static str> {
    core::ERROR_CODES.to_vec()
}

/// Every code a report finding can carry.
#[pyfunction]
fn finding_codes() -> Vec<&'static str> {
    core::FINDING_CODES.to_vec()
}

/// The core library's version.
#[pyfunction]
fn version() -> &'static str {
    core::VERSION
}

/// The edition of PS3.15 Table E.1-1 applied, e.g. `2025b`.
#[pyfunction]
fn edition() -> &'static str {
    core::profile::EDITION
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Sanitizer>()?;
    m.add_class::<SanitizeStream>()?;
    m.add_class::<NamePlan>()?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add_function(wrap_pyfunction!(verify_original, m)?)?;
    m.add_function(wrap_pyfunction!(public_key, m)?)?;
    m.add_function(wrap_pyfunction!(generate_signing_key, m)?)?;
    m.add_function(wrap_pyfunction!(identifying_values, m)?)?;
    m.add_function(wrap_pyfunction!(describe_image, m)?)?;
    m.add_function(wrap_pyfunction!(render_frame, m)?)?;
    m.add_function(wrap_pyfunction!(uid_path, m)?)?;
    m.add_function(wrap_pyfunction!(reidentify, m)?)?;
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    m.add_function(wrap_pyfunction!(finding_codes, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(edition, m)?)?;
    Ok(())
}

// ---- bytes in ----

/// Input bytes: a `bytes` object where it lies, anything else with the buffer protocol copied.
enum Input<'a> {
    Borrowed(&'a [u8]),
    Copied(Vec<u8>),
}

impl<'a> Input<'a> {
    fn new(obj: &'a Bound<'_, PyAny>) -> PyResult<Input<'a>> {
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Input::Borrowed(b.as_bytes()));
        }
        if obj.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "expected bytes or a bytes-like object, not str",
            ));
        }
        // A mutable buffer is copied while the GIL is held: no Python code runs during the copy,
        // and the core then reads only the copy.
        let buffer = PyBuffer::<u8>::get(obj).map_err(|_| {
            PyTypeError::new_err(format!(
                "expected bytes or a bytes-like object of unsigned bytes, not {}",
                obj.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            ))
        })?;
        Ok(Input::Copied(buffer.to_vec(obj.py())?))
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Input::Borrowed(b) => b,
            Input::Copied(v) => v,
        }
    }
}

// ---- files ----

enum Failure {
    Sanitize(core::Error),
    Io(std::io::Error, PathBuf),
    Python(PyErr),
}

/// Streams `src` through the core into `tmp`, without the GIL, as the CLI does
/// (`dicom-sanitizer-files`): one thread for small files, three from 8 MiB.
fn stream_file(s: &core::Sanitizer, src: &Path, tmp: &Path) -> Result<core::Finished, Failure> {
    let input = File::open(src).map_err(|e| Failure::Io(e, src.to_path_buf()))?;
    let out = File::create(tmp).map_err(|e| Failure::Io(e, tmp.to_path_buf()))?;
    let size = input.metadata().map(|m| m.len()).unwrap_or(0);
    // One read buffer per thread, kept between files as the CLI keeps its own: a fresh 1 MiB
    // per file would cost more than reading a CT slice.
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut buf = BUFFER.with(|b| std::mem::take(&mut *b.borrow_mut()));
    let mut signals = |chunks: u64| match chunks % SIGNAL_EVERY {
        0 => Python::attach(|py| py.check_signals()),
        _ => Ok(()),
    };
    let result = files::stream(s, input, out, size, &mut buf, &mut signals);
    BUFFER.with(|b| *b.borrow_mut() = buf);
    result.map_err(|failure| match failure {
        files::Failure::Sanitize(e) => Failure::Sanitize(e),
        files::Failure::Read(e) => Failure::Io(e, src.to_path_buf()),
        files::Failure::Write(e) => Failure::Io(e, tmp.to_path_buf()),
        files::Failure::Stopped(e) => Failure::Python(e),
    })
}

/// The `OSError` subclass for `e` (`FileNotFoundError`, `PermissionError`, ...) naming `path`.
fn os_error(e: std::io::Error, path: &Path) -> PyErr {
    // OSError(errno, strerror, filename) picks the subclass for errno itself.
    match e.raw_os_error() {
        Some(errno) => {
            let text = e.to_string();
            let text = text
                .strip_suffix(&format!(" (os error {errno})"))
                .unwrap_or(&text)
                .to_string();
            PyOSError::new_err((errno, text, path.as_os_str().to_os_string()))
        }
        None => PyErr::from(e),
    }
}

// ---- results out ----

/// `(bytes, report, receipt | None)`.
fn sanitized<'py>(py: Python<'py>, done: core::Sanitized) -> PyResult<Bound<'py, PyTuple>> {
    finished(py, Some(&done.bytes), &done.report, done.receipt.as_ref())
}

/// `(bytes, report, receipt | None)`, or `(report, receipt | None)` without bytes.
fn finished<'py>(
    py: Python<'py>,
    bytes: Option<&[u8]>,
    report: &core::Report,
    receipt: Option<&core::Receipt>,
) -> PyResult<Bound<'py, PyTuple>> {
    let report = to_py(py, &json(report)?)?;
    let receipt = match receipt {
        Some(r) => to_py(py, &json(r)?)?,
        None => py.None().into_bound(py),
    };
    match bytes {
        Some(b) => PyTuple::new(py, [PyBytes::new(py, b).into_any(), report, receipt]),
        None => PyTuple::new(py, [report, receipt]),
    }
}

fn json(value: &impl Serialize) -> PyResult<Value> {
    serde_json::to_value(value).map_err(|e| PyTypeError::new_err(e.to_string()))
}

/// A JSON value as Python's `json.loads` would give it.
fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => u.into_pyobject(py)?.into_any(),
            (_, Some(i)) => i.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for item in a {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(o) => {
            let dict = PyDict::new(py);
            for (k, item) in o {
                dict.set_item(k, to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

// ---- settings and documents in ----

/// How the keys of a Python dict become JSON field names.
#[derive(Clone, Copy, PartialEq)]
enum Keys {
    /// Settings: snake_case in Python, camelCase in the core's serde names.
    Snake,
    /// Reports and receipts: the core's own JSON, as given back.
    AsIs,
}

/// A Python value (None, bool, int, float, str, list/tuple, dict with str keys) as JSON.
fn from_py(obj: &Bound<'_, PyAny>, keys: Keys, at: &str) -> Result<Value, core::Error> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        return Err(invalid(&format!("{at}: the integer is too large")));
    }
    if obj.is_instance_of::<PyFloat>() {
        let f: f64 = obj.extract().map_err(|e: PyErr| invalid(&e.to_string()))?;
        return serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| invalid(&format!("{at}: {f} is not a finite number")));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_string()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let Ok(k) = k.cast::<PyString>() else {
                return Err(invalid(&format!("{at}: keys must be strings")));
            };
            let k = k.to_string();
            let name = match keys {
                Keys::Snake => camel(&k, at)?,
                Keys::AsIs => k.clone(),
            };
            map.insert(name, from_py(&v, keys, &format!("{at}.{k}"))?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, v) in obj
            .try_iter()
            .map_err(|e| invalid(&e.to_string()))?
            .enumerate()
        {
            let v = v.map_err(|e| invalid(&e.to_string()))?;
            items.push(from_py(&v, keys, &format!("{at}[{i}]"))?);
        }
        return Ok(Value::Array(items));
    }
    let type_name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default();
    Err(invalid(&format!(
        "{at}: a {type_name} is not a setting value (use str, int, bool, list or dict)"
    )))
}

/// `max_input_bytes` → `maxInputBytes`; a name that is not snake_case is refused, so that a
/// setting has exactly one spelling in Python.
fn camel(snake: &str, at: &str) -> Result<String, core::Error> {
    if snake.is_empty()
        || !snake
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(invalid(&format!(
            "{at}: unknown name `{snake}` (settings are spelt in snake_case)"
        )));
    }
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// `maxInputBytes` → `max_input_bytes`, for the core's messages about names.
fn snake(camel: &str) -> String {
    let mut out = String::new();
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The core's deserialisation message with the names between backticks in snake_case.
fn snake_message(message: &str) -> String {
    message
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                snake(part)
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

/// The package's keyword arguments as the core's settings: the same names as the JavaScript
/// options in snake_case (`region_rules`, `sop_class`, `retain_uids`), validated as strictly.
fn settings_from_py(dict: &Bound<'_, PyDict>) -> Result<core::Settings, core::Error> {
    let mut map = Map::new();
    let (mut key, mut signing_key) = (None, None);
    for (name, value) in dict.iter() {
        let name: String = name
            .extract()
            .map_err(|_| invalid("setting names must be strings"))?;
        if value.is_none() {
            // None is "not given": the default.
            continue;
        }
        match name.as_str() {
            "key" => key = Some(key_bytes(&value, Text::Utf8)?),
            "signing_key" => signing_key = Some(key_bytes(&value, Text::Hex)?),
            _ => {
                let mut v = from_py(&value, Keys::Snake, &name)?;
                // Profile options are values, spelt in snake_case too (`retain_uids`).
                if name == "options" {
                    if let Value::Array(items) = &mut v {
                        for item in items {
                            if let Value::String(s) = item {
                                *s = camel(s, "options")?;
                            }
                        }
                    }
                }
                map.insert(camel(&name, "settings")?, v);
            }
        }
    }
    let mut settings: core::Settings = serde_json::from_value(Value::Object(map))
        .map_err(|e| invalid(&format!("settings: {}", snake_message(&e.to_string()))))?;
    settings.key = key.map(core::Key);
    settings.signing_key = signing_key.map(core::Key);
    Ok(settings)
}

/// A report or receipt given back as a dict.
fn document<T: serde::de::DeserializeOwned>(
    obj: &Bound<'_, PyAny>,
    what: &str,
) -> Result<T, core::Error> {
    let v = from_py(obj, Keys::AsIs, what)?;
    serde_json::from_value(v).map_err(|e| invalid(&format!("{what}: {e}")))
}

/// How a key given as a string becomes bytes.
#[derive(Clone, Copy)]
enum Text {
    /// The pseudonym key: its UTF-8 bytes.
    Utf8,
    /// Ed25519 keys, as `keygen` prints them.
    Hex,
}

fn key_bytes(value: &Bound<'_, PyAny>, text: Text) -> Result<Vec<u8>, core::Error> {
    if let Ok(s) = value.cast::<PyString>() {
        let s = s.to_string();
        return match text {
            Text::Utf8 => Ok(s.into_bytes()),
            Text::Hex => {
                core::unhex(&s).ok_or_else(|| invalid("a signing or public key string must be hex"))
            }
        };
    }
    match Input::new(value) {
        Ok(input) => Ok(input.bytes().to_vec()),
        Err(_) => Err(invalid("keys must be str or bytes")),
    }
}

fn invalid(message: &str) -> core::Error {
    core::Error::Settings {
        code: "settings.invalid_value",
        message: message.to_string(),
    }
}

// ---- errors out ----

/// The package's exception for a core error (`dicom_sanitizer._errors`): its class follows the
/// code's first part, and it carries `code`, `offset` and `path`.
fn error(py: Python<'_>, e: &core::Error) -> PyErr {
    static MAKE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let made = MAKE
        .import(py, "dicom_sanitizer._errors", "_from_core")
        .and_then(|make| make.call1((e.code(), e.to_string(), e.offset(), e.path())));
    match made {
        Ok(exception) => PyErr::from_value(exception),
        Err(failed) => failed,
    }
}
