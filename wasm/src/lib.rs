//! The JavaScript face of `dicom-sanitizer`. This crate only converts between JS values and the
//! core's types; every decision about a DICOM file is the core's.

use dicom_sanitizer as core;
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Runs once when the module is instantiated: panics (which would be bugs) reach the console
/// with a message instead of a bare `unreachable`.
#[wasm_bindgen(start)]
pub fn start() {
    #[cfg(feature = "console_error_panic_hook")]
    console_error_panic_hook::set_once();
}

/// Settings compiled once, then `sanitize(bytes)` for any number of files.
#[wasm_bindgen]
pub struct Sanitizer {
    inner: core::Sanitizer,
}

#[wasm_bindgen]
impl Sanitizer {
    /// `options`: `{ options?, key?, signingKey?, patientId?, rules?, limits?, strict?,
    /// burnedIn?, blankRegions?, regionRules?, digest?, acceptRaw?, recipients?, enclosePixels? }`
    /// as in the TypeScript types; `key` is a string
    /// (its UTF-8 bytes) or a `Uint8Array`, `signingKey` hex or 32 bytes. Throws a `DicomSanitizerError`
    /// with a `settings.*` code on anything invalid, including unknown fields.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Sanitizer, JsValue> {
        let settings = settings_from_js(options).map_err(|e| js_error(&e))?;
        let inner = core::Sanitizer::new(settings).map_err(|e| js_error(&e))?;
        Ok(Sanitizer { inner })
    }

    /// De-identifies one DICOM Part 10 file. Returns `{ bytes: Uint8Array, report, receipt? }`;
    /// throws a `DicomSanitizerError` (and gives no bytes) on any doubt. The caller's array is
    /// only read.
    pub fn sanitize(&self, input: &[u8]) -> Result<JsValue, JsValue> {
        let done = self.inner.sanitize(input).map_err(|e| js_error(&e))?;
        sanitized(&done)
    }

    /// A plan for the output names of a tree that keeps its input names: `add` each input,
    /// then `names()`. Names that hold an identifying value of any input (or a date or UID)
    /// become keyed pseudonyms, exactly as the CLI's `--layout mirror` names them.
    #[wasm_bindgen(js_name = namePlan)]
    pub fn name_plan(&self) -> NamePlan {
        NamePlan {
            sanitizer: self.inner.clone(),
            names: core::Names::new(),
            paths: Vec::new(),
        }
    }

    /// The Study Instance UID the output gets for an input one (`null` where the settings remove
    /// it). Throws `read.invalid_uid` for a malformed UID.
    #[wasm_bindgen(js_name = pseudonymizeStudyUid)]
    pub fn pseudonymize_study_uid(&self, uid: &str) -> Result<Option<String>, JsValue> {
        self.inner.study_uid(uid).map_err(|e| js_error(&e))
    }

    /// Sanitizes the DICOMDIR of a media set whose files were written under new names, or not
    /// at all: `rename(fileId: string[])` returns the new File ID (components) or `null` for a
    /// file not in the output, whose record then goes. Returns as `sanitize`.
    #[wasm_bindgen(js_name = sanitizeDirectory)]
    pub fn sanitize_directory(
        &self,
        input: &[u8],
        rename: &js_sys::Function,
    ) -> Result<JsValue, JsValue> {
        let mut thrown = None;
        let mut call = |id: &[String]| -> Option<Vec<String>> {
            let arg: Array = id.iter().map(|s| JsValue::from_str(s)).collect();
            match rename.call1(&JsValue::NULL, &arg) {
                Ok(v) if Array::is_array(&v) => Array::from(&v)
                    .iter()
                    .map(|c| c.as_string())
                    .collect::<Option<Vec<_>>>(),
                Ok(_) => None,
                Err(e) => {
                    thrown.get_or_insert(e);
                    None
                }
            }
        };
        let done = self.inner.sanitize_directory(input, &mut call);
        if let Some(e) = thrown {
            return Err(e);
        }
        sanitized(&done.map_err(|e| js_error(&e))?)
    }
}

/// The output names of one tree of inputs (from `Sanitizer.namePlan()`).
#[wasm_bindgen]
pub struct NamePlan {
    sanitizer: core::Sanitizer,
    names: core::Names,
    paths: Vec<Vec<String>>,
}

#[wasm_bindgen]
impl NamePlan {
    /// Adds an input: its `/`-separated path relative to the tree's root, and its first bytes
    /// (`whole`: all of them). Returns `false`, adding nothing, when `head` stops before the
    /// header ends and is not `whole`: call again with more. What is not DICOM adds its path only.
    pub fn add(&mut self, path: &str, head: &[u8], whole: bool) -> bool {
        match self.sanitizer.naming_values(head) {
            Ok(values) => self.names.add(&values),
            Err(e) if e.code() == "read.truncated" && !whole => return false,
            Err(_) => {}
        }
        self.paths
            .push(path.split('/').map(str::to_string).collect());
        true
    }

    /// The output path of every input added, in order, `/`-separated.
    pub fn names(&self) -> Vec<String> {
        self.sanitizer
            .mirror_names(&self.names, &self.paths)
            .into_iter()
            .map(|c| c.join("/"))
            .collect()
    }
}

/// `{ bytes, report, receipt?, status: "sanitized" }` for JS.
fn sanitized(done: &core::Sanitized) -> Result<JsValue, JsValue> {
    let out = Object::new();
    let bytes = Uint8Array::from(done.bytes.as_slice());
    set(&out, "bytes", &bytes.into());
    set(&out, "report", &to_js(&done.report)?);
    if let Some(receipt) = &done.receipt {
        set(&out, "receipt", &to_js(receipt)?);
    }
    set(&out, "status", &"sanitized".into());
    Ok(out.into())
}

#[wasm_bindgen]
impl Sanitizer {
    /// A stream for one file (the JS `transform()` wraps it in a TransformStream).
    pub fn stream(&self) -> SanitizeStream {
        SanitizeStream {
            inner: Some(self.inner.stream()),
            chunk: Vec::new(),
        }
    }
}

/// One file sanitized chunk by chunk; memory is bounded by the header, not the pixel data.
#[wasm_bindgen]
pub struct SanitizeStream {
    inner: Option<core::SanitizeStream>,
    /// The current chunk, copied in; reused, so a long stream does not allocate per chunk.
    chunk: Vec<u8>,
}

#[wasm_bindgen]
impl SanitizeStream {
    /// Takes the next chunk; returns the output ready so far (often empty while the header is
    /// gathered). When the chunk's bytes pass through unchanged (pixel data), the result is a
    /// view of `chunk` itself rather than a copy; neither is ever modified. Throws a
    /// `DicomSanitizerError`; after one, every call throws `stream.closed`.
    pub fn write(&mut self, chunk: &Uint8Array) -> Result<Uint8Array, JsValue> {
        let stream = self.inner.as_mut().ok_or_else(closed)?;
        self.chunk.resize(chunk.length() as usize, 0);
        chunk.copy_to(&mut self.chunk);
        // Unchanged pixel bytes go back as a view of the caller's chunk: no copy out of wasm.
        match stream.write_passing(&self.chunk) {
            Err(e) => {
                self.inner = None;
                Err(js_error(&e))
            }
            Ok(core::Emitted::Nothing) => Ok(Uint8Array::new_with_length(0)),
            Ok(core::Emitted::Input(r)) => Ok(chunk.subarray(r.start as u32, r.end as u32)),
            Ok(core::Emitted::Bytes(b)) => Ok(Uint8Array::from(b.as_slice())),
        }
    }

    /// Asks to hash whole 4 MiB leaves of unchanged pixel data in other threads (workers):
    /// only before the first write, only for BLAKE3; `false` if the stream hashes everything.
    #[wasm_bindgen(js_name = handOutLeaves)]
    pub fn hand_out_leaves(&mut self) -> Result<bool, JsValue> {
        Ok(self.inner.as_mut().ok_or_else(closed)?.hand_out_leaves())
    }

    /// Once the header has passed: `{ leaves, leafLength, outputOffset, inputOffset }` (leaf
    /// `i` is `leafLength` bytes from `inputOffset + i * leafLength` in the input, and as many
    /// from `outputOffset + i * leafLength` in the output), or `null` when none are handed out.
    pub fn delegation(&self) -> Result<JsValue, JsValue> {
        let Some(d) = self.inner.as_ref().ok_or_else(closed)?.delegation() else {
            return Ok(JsValue::NULL);
        };
        let out = Object::new();
        set(&out, "leaves", &(d.leaves as f64).into());
        set(&out, "leafLength", &(core::LEAF_LEN as f64).into());
        set(&out, "outputOffset", &(d.output_offset as f64).into());
        set(&out, "inputOffset", &(d.input_offset as f64).into());
        Ok(out.into())
    }

    /// Hands back leaf `index`'s chaining value, from `leafDigest` over exactly its bytes.
    #[wasm_bindgen(js_name = setLeaf)]
    pub fn set_leaf(&mut self, index: f64, cv: &[u8]) -> Result<(), JsValue> {
        let stream = self.inner.as_mut().ok_or_else(closed)?;
        let cv: [u8; 32] = cv
            .try_into()
            .map_err(|_| js_error(&leaf_error("a chaining value is 32 bytes")))?;
        stream.set_leaf(whole(index)?, cv).map_err(|e| js_error(&e))
    }

    /// Counts handed-out leaf `index`, the next input, as written without copying it in: the
    /// caller writes its bytes to the output unchanged and hashes them (`leafDigest`).
    #[wasm_bindgen(js_name = passLeaf)]
    pub fn pass_leaf(&mut self, index: f64) -> Result<(), JsValue> {
        let stream = self.inner.as_mut().ok_or_else(closed)?;
        stream.pass_leaf(whole(index)?).map_err(|e| {
            self.inner = None;
            js_error(&e)
        })
    }

    /// Ends the input: `{ bytes (the last output), report, receipt? }`.
    pub fn end(&mut self) -> Result<JsValue, JsValue> {
        let stream = self.inner.take().ok_or_else(closed)?;
        let mut out = Vec::new();
        let done = stream
            .end(&mut |b: &[u8]| out.extend_from_slice(b))
            .map_err(|e| js_error(&e))?;
        let result = Object::new();
        set(&result, "bytes", &Uint8Array::from(out.as_slice()).into());
        set(&result, "report", &to_js(&done.report)?);
        if let Some(receipt) = &done.receipt {
            set(&result, "receipt", &to_js(receipt)?);
        }
        Ok(result.into())
    }
}

fn closed() -> JsValue {
    js_error(&core::Error::Read {
        code: "stream.closed",
        offset: None,
        message: "this stream failed or ended; start a new one".into(),
    })
}

/// The chaining value (32 bytes) of one leaf handed out by a stream: `bytes` are the leaf,
/// found at `outputOffset` in the output. For worker threads; pure, no state.
#[wasm_bindgen(js_name = leafDigest)]
pub fn leaf_digest(bytes: &[u8], output_offset: f64) -> Result<Uint8Array, JsValue> {
    let cv = core::leaf_digest(bytes, whole(output_offset)?).map_err(|e| js_error(&e))?;
    Ok(Uint8Array::from(&cv[..]))
}

/// One leaf's room inside this module's memory, for Node's worker threads: the file's bytes are
/// read straight into it (a view of `memory` at `ptr()`, `LEAF_LEN` long) and hashed where they
/// lie, then written out from there: never copied in. Not part of the package's API.
#[wasm_bindgen]
pub struct LeafBuffer {
    bytes: Vec<u8>,
}

#[wasm_bindgen]
impl LeafBuffer {
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)] // a JS constructor, not a Rust value
    pub fn new() -> LeafBuffer {
        LeafBuffer {
            bytes: vec![0; core::LEAF_LEN as usize],
        }
    }

    /// Where the leaf's room starts in the module's memory.
    pub fn ptr(&self) -> usize {
        self.bytes.as_ptr() as usize
    }

    /// The room's length: one leaf.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.bytes.len()
    }

    /// `leafDigest` of the leaf now in the room, found at `outputOffset` in the output.
    pub fn digest(&self, output_offset: f64) -> Result<Uint8Array, JsValue> {
        leaf_digest(&self.bytes, output_offset)
    }
}

/// One file's room inside this module's memory, for Node's batch workers (`sanitizeFiles`): the
/// input is read straight into it (a view of `memory` at `input(length)`), sanitized where it
/// lies, and the output written out from a view of `memory` at `outputPtr`: no copy between JS
/// and wasm, and the same two buffers for every file, so no fresh memory is touched per file.
/// Not part of the package's API.
#[wasm_bindgen]
pub struct FileBuffer {
    input: Vec<u8>,
    length: usize,
    output: Vec<u8>,
}

#[wasm_bindgen]
impl FileBuffer {
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)] // a JS constructor, not a Rust value
    pub fn new() -> FileBuffer {
        FileBuffer {
            input: Vec::new(),
            length: 0,
            output: Vec::new(),
        }
    }

    /// Makes room for an input of `length` bytes and returns where it starts in the memory
    /// (which may have grown: views are made after this call).
    pub fn input(&mut self, length: usize) -> usize {
        if self.input.len() < length {
            self.input.resize(length, 0);
        }
        self.length = length;
        self.input.as_ptr() as usize
    }

    /// Sanitizes the input now in the room: `{ report, receipt?, outputPtr, outputLength }`,
    /// the output lying in the memory until the next call. Throws as `Sanitizer.sanitize`.
    pub fn sanitize(&mut self, sanitizer: &Sanitizer) -> Result<JsValue, JsValue> {
        let done = sanitizer
            .inner
            .sanitize_into(&self.input[..self.length], &mut self.output)
            .map_err(|e| js_error(&e))?;
        let out = Object::new();
        set(&out, "report", &to_js(&done.report)?);
        if let Some(receipt) = &done.receipt {
            set(&out, "receipt", &to_js(receipt)?);
        }
        set(&out, "outputPtr", &(self.output.as_ptr() as usize).into());
        set(&out, "outputLength", &self.output.len().into());
        Ok(out.into())
    }
}

/// A JS number that must be a whole, non-negative, exactly represented count or offset.
fn whole(n: f64) -> Result<u64, JsValue> {
    if n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0 {
        Ok(n as u64)
    } else {
        Err(js_error(&leaf_error(&format!(
            "{n} is not a whole offset or index"
        ))))
    }
}

fn leaf_error(message: &str) -> core::Error {
    core::Error::Read {
        code: "stream.leaf_invalid",
        offset: None,
        message: message.to_string(),
    }
}

/// Bytes of this module's linear memory now (it only grows): how tests and workers watch it.
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        (std::arch::wasm32::memory_size(0) * 65536) as f64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

/// Whether `file` still matches its signed `receipt` for `publicKey` (hex string or 32 bytes):
/// `{ valid, mismatches: [{ part, message }] }`.
#[wasm_bindgen]
pub fn verify(file: &[u8], receipt: JsValue, public_key: JsValue) -> Result<JsValue, JsValue> {
    let receipt = serde_wasm_bindgen::from_value::<serde_json::Value>(receipt)
        .map_err(|e| e.to_string())
        .and_then(|v| serde_json::from_value::<core::Receipt>(v).map_err(|e| e.to_string()))
        .map_err(|e| js_error(&invalid(&format!("receipt: {e}"))))?;
    let key = key_bytes(public_key, Text::Hex).map_err(|e| js_error(&e))?;
    to_js(&core::verify(file, &receipt, &key.unwrap_or_default()))
}

/// A file sanitized with `recipients`, its original values restored (PS3.15 E.1.2) with a
/// recipient's RSA private key (PEM text or DER bytes); `certificate` picks its recipient info.
/// For the clinic that holds the key (Node): no page or worker of this package asks for one.
#[wasm_bindgen]
pub fn reidentify(
    file: &[u8],
    private_key: JsValue,
    certificate: JsValue,
) -> Result<Uint8Array, JsValue> {
    let key = key_bytes(private_key, Text::Utf8)
        .map_err(|e| js_error(&e))?
        .unwrap_or_default();
    let certificate = key_bytes(certificate, Text::Utf8).map_err(|e| js_error(&e))?;
    let out = core::reidentify(file, &key, certificate.as_deref()).map_err(|e| js_error(&e))?;
    Ok(Uint8Array::from(&out[..]))
}

/// What a recipient certificate (PEM text or DER bytes) is, for a person to check before
/// adding it: `{ subject, notAfter, notAfterUnix, pem }`, `pem` the certificate alone, for
/// settings' `recipients`. Throws `settings.invalid_recipient` for what `recipients` would refuse.
#[wasm_bindgen(js_name = recipientInfo)]
pub fn recipient_info(certificate: JsValue) -> Result<JsValue, JsValue> {
    let bytes = key_bytes(certificate, Text::Utf8)
        .map_err(|e| js_error(&e))?
        .unwrap_or_default();
    let r = core::encrypted_attributes::Recipient::parse(&bytes).map_err(|e| js_error(&e))?;
    let out = Object::new();
    set(&out, "subject", &r.subject().into());
    set(&out, "notAfter", &r.not_after().into());
    set(&out, "notAfterUnix", &(r.not_after_unix() as f64).into());
    set(&out, "pem", &r.pem().into());
    Ok(out.into())
}

/// Whether `original` is the file `report` (of the sanitized `file`) was made from:
/// `{ valid, mismatches: [{ part, message }] }`. Check the receipt with `verify` first.
#[wasm_bindgen(js_name = verifyOriginal)]
pub fn verify_original(original: &[u8], file: &[u8], report: JsValue) -> Result<JsValue, JsValue> {
    let report = serde_wasm_bindgen::from_value::<serde_json::Value>(report)
        .map_err(|e| e.to_string())
        .and_then(|v| serde_json::from_value::<core::Report>(v).map_err(|e| e.to_string()))
        .map_err(|e| js_error(&invalid(&format!("report: {e}"))))?;
    to_js(&core::verify_original(original, file, &report))
}

/// The public key (hex) of a signing key (hex string or 32 bytes).
#[wasm_bindgen(js_name = publicKey)]
pub fn public_key(signing_key: JsValue) -> Result<String, JsValue> {
    let seed = key_bytes(signing_key, Text::Hex).map_err(|e| js_error(&e))?;
    core::public_key(&seed.unwrap_or_default())
        .map(|k| core::hex(&k))
        .map_err(|e| js_error(&e))
}

/// A new random Ed25519 signing key (hex), from `crypto.getRandomValues`.
#[wasm_bindgen(js_name = generateSigningKey)]
pub fn generate_signing_key() -> Result<String, JsValue> {
    core::generate_signing_key()
        .map(|k| core::hex(&k))
        .map_err(|e| js_error(&e))
}

/// The identifying values of a file's header (names, IDs, dates, other identifying text) as
/// `[{ kind, tag, keyword, value }]`, for matching against text found in its pixels. `bytes`: the
/// file, or its first bytes as far as Pixel Data (`read.truncated` otherwise: give more).
#[wasm_bindgen(js_name = identifyingValues)]
pub fn identifying_values(bytes: &[u8], accept_raw: Option<bool>) -> Result<JsValue, JsValue> {
    let values =
        core::identifying_values(bytes, accept_raw.unwrap_or(false)).map_err(|e| js_error(&e))?;
    to_js(&values)
}

/// What a Part 10 file holds to preview, from its header only: `{ frames, rows, columns,
/// labels }` (`frames` 0 when it has no image), for grouping before rendering.
#[wasm_bindgen(js_name = describeImage)]
pub fn describe_image(file: &[u8]) -> Result<JsValue, JsValue> {
    described(core::describe(file))
}

/// `describeImage` of a file read by position: `read(offset, length)` returns its bytes there
/// as a `Uint8Array`, synchronously; only as much of its start as the header takes is read.
#[wasm_bindgen(js_name = describeImageAt)]
pub fn describe_image_at(size: f64, read: &js_sys::Function) -> Result<JsValue, JsValue> {
    described(core::describe_at(&mut JsReader::new(size, read)?))
}

fn described(d: core::Result<core::Described>) -> Result<JsValue, JsValue> {
    let d = d.map_err(|e| js_error(&e))?;
    let out = Object::new();
    set(&out, "frames", &d.frames.into());
    set(&out, "rows", &d.rows.into());
    set(&out, "columns", &d.columns.into());
    set(&out, "labels", &to_js(&d.labels)?);
    Ok(out.into())
}

/// One frame (from 0) of a Part 10 file for review: `{ frames, rows, columns, labels, width,
/// height, rgba: Uint8ClampedArray }` (fitted to `maxSize` pixels on the long side when given),
/// or, for JPEG Baseline and Extended, `{ frames, rows, columns, labels, jpeg: Uint8Array }`
/// for the platform's decoder. Throws a `DicomSanitizerError` (`preview.*`, `read.*`,
/// `pixel.unsupported`).
#[wasm_bindgen(js_name = renderFrame)]
pub fn render_frame(file: &[u8], frame: u32, max_size: Option<u32>) -> Result<JsValue, JsValue> {
    rendered(core::render_frame(file, frame, max_size))
}

/// `renderFrame` of a file read by position (`read(offset, length)`: a `Uint8Array`,
/// synchronously): the header, then the frame's bytes; never the whole file.
#[wasm_bindgen(js_name = renderFrameAt)]
pub fn render_frame_at(
    size: f64,
    read: &js_sys::Function,
    frame: u32,
    max_size: Option<u32>,
) -> Result<JsValue, JsValue> {
    let mut source = JsReader::new(size, read)?;
    rendered(core::render_frame_at(&mut source, frame, max_size))
}

fn rendered(p: core::Result<core::Preview>) -> Result<JsValue, JsValue> {
    let p = p.map_err(|e| js_error(&e))?;
    let out = Object::new();
    set(&out, "frames", &p.frames.into());
    set(&out, "rows", &p.rows.into());
    set(&out, "columns", &p.columns.into());
    set(&out, "labels", &to_js(&p.labels)?);
    match &p.picture {
        core::Picture::Rgba {
            width,
            height,
            pixels,
        } => {
            set(&out, "width", &(*width).into());
            set(&out, "height", &(*height).into());
            let rgba = js_sys::Uint8ClampedArray::new_with_length(pixels.len() as u32);
            rgba.copy_from(pixels);
            set(&out, "rgba", &rgba.into());
        }
        core::Picture::Jpeg(bytes) => set(&out, "jpeg", &Uint8Array::from(bytes.as_slice()).into()),
    }
    Ok(out.into())
}

/// A file read by position through a JavaScript function `read(offset, length) -> Uint8Array`.
struct JsReader<'a> {
    size: u64,
    read: &'a js_sys::Function,
}

impl<'a> JsReader<'a> {
    fn new(size: f64, read: &'a js_sys::Function) -> Result<JsReader<'a>, JsValue> {
        match size.is_finite() && size >= 0.0 && size.fract() == 0.0 {
            true => Ok(JsReader {
                size: size as u64,
                read,
            }),
            false => Err(js_error(&invalid(&format!(
                "size {size}: a whole number of bytes"
            )))),
        }
    }
}

impl core::ReadAt for JsReader<'_> {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&mut self, at: u64, len: usize) -> Result<Vec<u8>, String> {
        let got = self
            .read
            .call2(&JsValue::NULL, &(at as f64).into(), &(len as f64).into())
            .map_err(|e| format!("{e:?}"))?;
        let bytes = got
            .dyn_into::<Uint8Array>()
            .map_err(|_| "read did not return a Uint8Array".to_string())?;
        Ok(bytes.to_vec())
    }
}

/// Every error code a `DicomSanitizerError` can carry.
#[wasm_bindgen(js_name = errorCodes)]
pub fn error_codes() -> Array {
    core::ERROR_CODES
        .iter()
        .map(|c| JsValue::from_str(c))
        .collect()
}

/// Every code a report finding can carry.
#[wasm_bindgen(js_name = findingCodes)]
pub fn finding_codes() -> Array {
    core::FINDING_CODES
        .iter()
        .map(|c| JsValue::from_str(c))
        .collect()
}

/// The core library's version.
#[wasm_bindgen]
pub fn version() -> String {
    core::VERSION.to_string()
}

/// The edition of PS3.15 Table E.1-1 applied, e.g. `2025b`.
#[wasm_bindgen]
pub fn edition() -> String {
    core::profile::EDITION.to_string()
}

fn settings_from_js(options: JsValue) -> Result<core::Settings, core::Error> {
    if options.is_undefined() || options.is_null() {
        return Ok(core::Settings::new());
    }
    if !options.is_object() || Array::is_array(&options) {
        return Err(invalid("the options must be an object"));
    }
    // The keys are bytes or strings, which serde cannot tell apart for us; take them out first.
    let rest = Object::assign(&Object::new(), options.unchecked_ref());
    let take = |name: &str| {
        let v = Reflect::get(&rest, &name.into()).unwrap_or(JsValue::UNDEFINED);
        let _ = Reflect::delete_property(&rest, &name.into());
        v
    };
    let key = take("key");
    let signing_key = take("signingKey");
    // Through a JSON value, because serde-wasm-bindgen reads only the fields a struct names, so
    // a misspelt option (`optoins`) would otherwise be ignored rather than refused.
    let value: serde_json::Value = serde_wasm_bindgen::from_value(rest.into())
        .map_err(|e| invalid(&format!("options: {e}")))?;
    let mut settings: core::Settings =
        serde_json::from_value(value).map_err(|e| invalid(&format!("options: {e}")))?;
    settings.key = key_bytes(key, Text::Utf8)?.map(core::Key);
    settings.signing_key = key_bytes(signing_key, Text::Hex)?.map(core::Key);
    Ok(settings)
}

/// How a key given as a string becomes bytes.
#[derive(Clone, Copy)]
enum Text {
    /// The pseudonym key: its UTF-8 bytes.
    Utf8,
    /// Ed25519 keys, as `keygen` prints them.
    Hex,
}

fn key_bytes(value: JsValue, text: Text) -> Result<Option<Vec<u8>>, core::Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if let Some(s) = value.as_string() {
        return match text {
            Text::Utf8 => Ok(Some(s.into_bytes())),
            Text::Hex => core::unhex(&s)
                .map(Some)
                .ok_or_else(|| invalid("a signing or public key string must be hex")),
        };
    }
    if value.is_instance_of::<Uint8Array>() {
        return Ok(Some(value.unchecked_into::<Uint8Array>().to_vec()));
    }
    Err(invalid("keys must be strings or Uint8Arrays"))
}

fn invalid(message: &str) -> core::Error {
    core::Error::Settings {
        code: "settings.invalid_value",
        message: message.to_string(),
    }
}

/// A JS `Error` named `DicomSanitizerError` with the stable `code`, and `offset` or `path`
/// where the core knows them.
fn js_error(e: &core::Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name("DicomSanitizerError");
    set(&err, "code", &e.code().into());
    // What a person is told: input that is not DICOM at all is skipped, not refused.
    let status = if e.code() == "read.not_dicom" {
        "skipped"
    } else {
        "refused"
    };
    set(&err, "status", &status.into());
    if let Some(offset) = e.offset() {
        set(&err, "offset", &(offset as f64).into());
    }
    if let Some(path) = e.path() {
        set(&err, "path", &path.into());
    }
    err.into()
}

fn to_js(value: &impl Serialize) -> Result<JsValue, JsValue> {
    // JSON-compatible: maps become plain objects and counts plain numbers.
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| js_sys::Error::new(&format!("report: {e}")).into())
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Defining a property on an object we just made cannot fail.
    let _ = Reflect::set(target, &key.into(), value);
}
