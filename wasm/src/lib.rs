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
    /// `options`: `{ options?, key?, patientId?, rules?, limits? }` as in the TypeScript types;
    /// `key` is a string (its UTF-8 bytes) or a `Uint8Array`. Throws a `DicomSanitizerError`
    /// with a `settings.*` code on anything invalid, including unknown fields.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Sanitizer, JsValue> {
        let settings = settings_from_js(options).map_err(|e| js_error(&e))?;
        let inner = core::Sanitizer::new(settings).map_err(|e| js_error(&e))?;
        Ok(Sanitizer { inner })
    }

    /// De-identifies one DICOM Part 10 file. Returns `{ bytes: Uint8Array, report }`; throws a
    /// `DicomSanitizerError` (and gives no bytes) on any doubt. The caller's array is only read.
    pub fn sanitize(&self, input: &[u8]) -> Result<JsValue, JsValue> {
        let done = self.inner.sanitize(input).map_err(|e| js_error(&e))?;
        let out = Object::new();
        set(
            &out,
            "bytes",
            &Uint8Array::from(done.bytes.as_slice()).into(),
        );
        set(&out, "report", &to_js(&done.report)?);
        Ok(out.into())
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
    // The key is bytes or a string, which serde cannot tell apart for us; take it out first.
    let rest = Object::assign(&Object::new(), options.unchecked_ref());
    let key = Reflect::get(&rest, &"key".into()).unwrap_or(JsValue::UNDEFINED);
    let _ = Reflect::delete_property(&rest, &"key".into());
    // Through a JSON value, because serde-wasm-bindgen reads only the fields a struct names, so
    // a misspelt option (`optoins`) would otherwise be ignored rather than refused.
    let value: serde_json::Value = serde_wasm_bindgen::from_value(rest.into())
        .map_err(|e| invalid(&format!("options: {e}")))?;
    let mut settings: core::Settings =
        serde_json::from_value(value).map_err(|e| invalid(&format!("options: {e}")))?;
    settings.key = match key {
        k if k.is_undefined() || k.is_null() => None,
        k if k.is_string() => Some(core::Key(k.as_string().unwrap_or_default().into_bytes())),
        k if k.is_instance_of::<Uint8Array>() => {
            Some(core::Key(k.unchecked_into::<Uint8Array>().to_vec()))
        }
        _ => return Err(invalid("key must be a string or a Uint8Array")),
    };
    Ok(settings)
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
