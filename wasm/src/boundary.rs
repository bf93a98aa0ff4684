//! Crossing the JavaScript boundary: values go out as plain JS objects and come in from them, and failures
//! become thrown JS `Error`s through [`failure`] alone.
//!
//! Values cross as JSON text parsed by the JS engine's own `JSON.parse` (and `JSON.stringify` inbound): for
//! the engine's `serde_json` values this measured faster than building objects property by property through
//! serde-wasm-bindgen (see wasm/README.md, "Measurements"), since one string crosses instead of a call per
//! property.

use js_sys::JSON;
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};

/// A plain JS value for `value`: a `serde_json` value, or an engine type written straight to JSON text (a
/// simulation's step summaries, which as a `Value` tree first would cost as much again).
#[cfg(not(feature = "boundary-serde-wasm-bindgen"))]
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(|e| failure(&format!("cannot encode the result: {e}")))?;
    JSON::parse(&text)
}

/// A plain JS value for `value`, built property by property (the measured alternative).
#[cfg(feature = "boundary-serde-wasm-bindgen")]
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| failure(&format!("cannot encode the result: {e}")))
}

/// The JSON value of a JS value (`undefined` is `null`). Values JSON cannot hold (functions, cycles, `BigInt`)
/// are an error.
pub fn from_js(value: &JsValue, what: &str) -> Result<Value, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(Value::Null);
    }
    let text = JSON::stringify(value)
        .map_err(|_| failure(&format!("{what} cannot be turned into JSON")))?
        .as_string()
        .unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| failure(&format!("{what}: {e}")))
}

/// A JS `Error` with `message`, the one way this crate throws.
pub fn failure(message: &str) -> JsValue {
    js_sys::Error::new(message).unchecked_into()
}
