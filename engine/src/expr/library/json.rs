//! `json.marshal(dyn) -> string` and `json.unmarshal(string) -> dyn`, as kro's `pkg/cel/library/json.go`, which
//! uses Go's `encoding/json`. So does the output here, byte for byte:
//! - object keys sorted, no spaces: `{"count":42,"name":"test"}`;
//! - `<`, `>`, `&`, U+2028 and U+2029 escaped as `\u003c` ... (Go's HTML-safe default), control characters as
//!   `\n`, `\t`, `\b` ... or `\u001f`;
//! - doubles as Go prints a `float64`: `1` for `1.0`, `1e+21`, `1e-7`; NaN and infinities are errors;
//! - `bytes` base64-encoded, `uint` as is (even above `int64`), timestamps as RFC 3339 strings, durations as
//!   Go's `1h0m0s`, an absent optional as `null`.
//!
//! `json.unmarshal` decodes as Go does into `any`: every number is a `double` (`json.unmarshal('1')` is `1.0`),
//! objects are maps with string keys.

use std::collections::HashMap;
use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use cel::ExecutionError;
use cel::common::types::{
    CelBool, CelBytes, CelDouble, CelDuration, CelInt, CelList, CelMap, CelMapKey, CelNull, CelOptional, CelString,
    CelTimestamp, CelUInt, Kind,
};
use cel::common::value::{CowVal, Val};
use serde_json::Value as JsonValue;

use super::declare::{Family, Overload};
use super::{fail, str_arg, take};
use crate::expr::values::{go_duration, rfc3339, sorted_string_entries};

const MARSHAL: &str = "json.marshal";
const UNMARSHAL: &str = "json.unmarshal";

pub(super) static FAMILY: Family = Family {
    name: "json",
    overloads: &[
        Overload::new(&["json.unmarshal(string) -> dyn"], "json.unmarshal_string", unmarshal_overload),
        Overload::new(&["json.marshal(dyn) -> string"], "json.marshal_dyn", marshal_overload),
        // cel-go's encoders extension (enabled by kro at its latest version) has `json.encode`, the same JSON text.
        Overload::new(&["json.encode(dyn) -> string"], "json.encode_dyn", marshal_overload),
    ],
    docs: &[
        ("json.unmarshal", "kro: the value of a JSON text."),
        ("json.marshal", "kro: the value as JSON text."),
        ("json.encode", "kro: the value as JSON text (another name of `json.marshal`)."),
    ],
    ..Family::EMPTY
};

fn unmarshal_overload<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [text] = take(args)?;
    let text = str_arg(UNMARSHAL, text.as_ref())?;
    unmarshal(text).map(CowVal::Owned).map_err(|message| fail(UNMARSHAL, message))
}

fn marshal_overload<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [value] = take(args)?;
    marshal(value.as_ref()).map(|s| CowVal::owned(CelString::from(s))).map_err(|message| fail(MARSHAL, message))
}

/// `json.unmarshal(text)`: the CEL value of a JSON text, every number a `double`.
pub(crate) fn unmarshal(text: &str) -> Result<Box<dyn Val + 'static>, String> {
    serde_json::from_str::<JsonValue>(text).map(go_any).map_err(|e| format!("json.unmarshal failed to parse JSON: {e}"))
}

/// A decoded JSON value as Go's `json.Unmarshal` into `any` gives it to CEL: numbers are `float64`.
fn go_any(value: JsonValue) -> Box<dyn Val + 'static> {
    match value {
        JsonValue::Null => Box::new(CelNull),
        JsonValue::Bool(b) => Box::new(CelBool::from(b)),
        JsonValue::Number(n) => Box::new(CelDouble::from(n.as_f64().unwrap_or(f64::NAN))),
        JsonValue::String(s) => Box::new(CelString::from(s)),
        JsonValue::Array(items) => Box::new(CelList::from(items.into_iter().map(go_any).collect::<Vec<_>>())),
        JsonValue::Object(entries) => {
            let map: HashMap<CelMapKey<'static>, Box<dyn Val>> =
                entries.into_iter().map(|(k, v)| (CelMapKey::from(k), go_any(v))).collect();
            Box::new(CelMap::from(map))
        }
    }
}

/// `json.marshal(value)`: the JSON text Go's `json.Marshal` writes for kro's Go form of `value`.
///
/// As in kro, converting the value (non-string map keys, types with no JSON form) fails before encoding it
/// (NaN and infinities), whatever their order in the value.
pub(crate) fn marshal(value: &dyn Val) -> Result<String, String> {
    let mut out = String::new();
    let mut encode_error = None;
    write_value(value, &mut out, &mut encode_error)
        .map_err(|e| format!("json.marshal failed to convert value: {e}"))?;
    match encode_error {
        Some(e) => Err(format!("json.marshal failed to encode value: {e}")),
        None => Ok(out),
    }
}

/// Appends the JSON of `value` to `out`. A conversion error returns at once; an encoding error (NaN) is kept
/// in `encode_error`, the first one only, to be reported if no conversion error follows.
fn write_value(value: &dyn Val, out: &mut String, encode_error: &mut Option<String>) -> Result<(), String> {
    let unsupported = || format!("unsupported type: {}", value.get_type().name());
    match value.get_type().kind() {
        Kind::NullType => out.push_str("null"),
        Kind::Boolean => {
            let b = value.downcast_ref::<CelBool>().ok_or_else(unsupported)?;
            out.push_str(if *b.inner() { "true" } else { "false" });
        }
        Kind::Int => {
            let _ = write!(out, "{}", value.downcast_ref::<CelInt>().ok_or_else(unsupported)?.inner());
        }
        Kind::UInt => {
            let _ = write!(out, "{}", value.downcast_ref::<CelUInt>().ok_or_else(unsupported)?.inner());
        }
        Kind::Double => {
            let f = *value.downcast_ref::<CelDouble>().ok_or_else(unsupported)?.inner();
            if let Some(text) = go_float(f) {
                out.push_str(&text);
            } else {
                encode_error.get_or_insert_with(|| format!("json: unsupported value: {}", go_special_float(f)));
                out.push_str("null");
            }
        }
        Kind::String => write_string(value.downcast_ref::<CelString>().ok_or_else(unsupported)?.inner(), out),
        Kind::Bytes => {
            let bytes = value.downcast_ref::<CelBytes>().ok_or_else(unsupported)?;
            out.push('"');
            BASE64.encode_string(bytes.inner(), out);
            out.push('"');
        }
        Kind::Timestamp => match rfc3339(value.downcast_ref::<CelTimestamp>().ok_or_else(unsupported)?) {
            Some(text) => write_string(&text, out),
            None => out.push_str("null"),
        },
        Kind::Duration => {
            let d = value.downcast_ref::<CelDuration>().ok_or_else(unsupported)?;
            write_string(&go_duration(d).ok_or("duration out of range")?, out);
        }
        Kind::List => {
            let list = value.downcast_ref::<CelList>().ok_or_else(unsupported)?;
            out.push('[');
            for (i, item) in list.inner().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item.as_ref(), out, encode_error)?;
            }
            out.push(']');
        }
        Kind::Map => {
            let map = value.downcast_ref::<CelMap>().ok_or_else(unsupported)?;
            let entries = sorted_string_entries(map).map_err(|t| format!("map key must be string, got {t}"))?;
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_value(v, out, encode_error)?;
            }
            out.push('}');
        }
        Kind::Opaque => match value.downcast_ref::<CelOptional>() {
            Some(optional) => match optional.option() {
                Some(inner) => write_value(inner, out, encode_error)?,
                None => out.push_str("null"),
            },
            None => return Err(unsupported()),
        },
        _ => return Err(unsupported()),
    }
    Ok(())
}

/// A string as Go's `encoding/json` quotes it (with `SetEscapeHTML(true)`, `json.Marshal`'s default).
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' | '\u{0}'..='\u{1f}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A finite `float64` as Go's `encoding/json` writes it: the shortest decimal that reads back the same, in
/// plain notation, or in exponent notation below 1e-6 and from 1e21 (`1e+21`, `1e-7`). `None` for NaN and the
/// infinities, which JSON cannot hold.
fn go_float(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    let abs = f.abs();
    if abs == 0.0 || (1e-6..1e21).contains(&abs) {
        // Rust prints the same shortest digits as Go's strconv 'f' with precision -1 (`1` for 1.0, `-0`).
        return Some(format!("{f}"));
    }
    // Rust's `{:e}` is "1.5e-7" / "1e21"; Go's is "1.5e-07" / "1e+21", then encoding/json trims "e-07" to
    // "e-7". So: a negative exponent as Rust writes it, a positive one with a `+`.
    let text = format!("{f:e}");
    Some(match text.split_once('e') {
        Some((mantissa, exponent)) if !exponent.starts_with('-') => format!("{mantissa}e+{exponent}"),
        _ => text,
    })
}

/// How Go's `strconv` spells a special float in the "unsupported value" error.
fn go_special_float(f: f64) -> &'static str {
    if f.is_nan() {
        "NaN"
    } else if f > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    }
}

#[cfg(test)]
mod tests {
    use cel::Value;
    use pretty_assertions::assert_eq;

    use super::super::test_support::{error, ok};
    use super::*;

    fn marshals(expr: &str, json: &str) {
        assert_eq!(ok(&format!("json.marshal({expr})")), Value::from(json), "json.marshal({expr})");
    }

    #[test]
    fn marshal_writes_what_go_writes() {
        // kro's own test cases (pkg/cel/library/json_test.go).
        marshals("{'name': 'test', 'count': 42}", r#"{"count":42,"name":"test"}"#);
        marshals("[1, 2, 3]", "[1,2,3]");
        marshals("'hello'", r#""hello""#);
        marshals("42", "42");
        marshals("true", "true");
        marshals("null", "null");
        marshals("{'outer': {'inner': 'value'}}", r#"{"outer":{"inner":"value"}}"#);
        marshals(r#"json.unmarshal('{"name":"test","count":42}')"#, r#"{"count":42,"name":"test"}"#);
        marshals("b'hello'", r#""aGVsbG8=""#);
        marshals("18446744073709551615u", "18446744073709551615");
    }

    #[test]
    fn marshal_sorts_keys_bytewise_at_every_level() {
        marshals(
            "{'b': {'z': 1, 'a': 2}, 'a': [{'y': 1, 'x': 2}], 'B': 0}",
            r#"{"B":0,"a":[{"x":2,"y":1}],"b":{"a":2,"z":1}}"#,
        );
    }

    #[test]
    fn marshal_formats_doubles_as_go_does() {
        marshals("1.0", "1");
        marshals("-0.0", "-0");
        marshals("0.5", "0.5");
        marshals("2.5e-3", "0.0025");
        marshals("1e-6", "0.000001");
        marshals("1e-7", "1e-7");
        marshals("1.5e-10", "1.5e-10");
        marshals("123456789.125", "123456789.125");
        marshals("1e20", "100000000000000000000");
        marshals("1e21", "1e+21");
        marshals("-1.25e300", "-1.25e+300");
        marshals("0.1 + 0.2", "0.30000000000000004");
        marshals("5e-324", "5e-324");
    }

    #[test]
    fn marshal_escapes_strings_as_go_does() {
        marshals(r#"'a"b\\c'"#, r#""a\"b\\c""#);
        marshals(r"'<a href=x>&</a>'", r#""\u003ca href=x\u003e\u0026\u003c/a\u003e""#);
        marshals(r"'line\nnext\ttab\rret'", r#""line\nnext\ttab\rret""#);
        marshals(r"'\b\f\x01\x1f\x7f'", "\"\\b\\f\\u0001\\u001f\u{7f}\"");
        marshals(r"'\u2028\u2029é😀'", "\"\\u2028\\u2029é😀\"");
        marshals(r"{'k<': 'v'}", r#"{"k\u003c":"v"}"#);
    }

    #[test]
    fn marshal_writes_times_optionals_and_uints() {
        marshals("timestamp('2024-01-15T10:30:00Z')", r#""2024-01-15T10:30:00Z""#);
        marshals("duration('1h30m')", r#""1h30m0s""#);
        marshals("{'a': optional.none(), 'b': optional.of(1)}", r#"{"a":null,"b":1}"#);
        marshals("[1u, -1]", "[1,-1]");
    }

    #[test]
    fn marshal_fails_on_what_go_cannot_convert_or_encode() {
        assert_eq!(
            error("json.marshal({1: 'a'})"),
            "json.marshal failed to convert value: map key must be string, got int64"
        );
        assert_eq!(
            error("json.marshal([{true: 1}])"),
            "json.marshal failed to convert value: map key must be string, got bool"
        );
        assert_eq!(error("json.marshal(int)"), "json.marshal failed to convert value: unsupported type: type");
        assert_eq!(
            error("json.marshal(1.0 / 0.0)"),
            "json.marshal failed to encode value: json: unsupported value: +Inf"
        );
        assert_eq!(
            error("json.marshal([-1.0 / 0.0])"),
            "json.marshal failed to encode value: json: unsupported value: -Inf"
        );
        assert_eq!(
            error("json.marshal({'a': 0.0 / 0.0})"),
            "json.marshal failed to encode value: json: unsupported value: NaN"
        );
        // Converting fails before encoding, whatever comes first in the value.
        assert_eq!(
            error("json.marshal([0.0 / 0.0, {1: 2}])"),
            "json.marshal failed to convert value: map key must be string, got int64"
        );
    }

    #[test]
    fn unmarshal_decodes_as_go_does_into_any() {
        // kro's own test cases: numbers are doubles.
        assert_eq!(
            ok(r#"json.unmarshal('{"name": "test", "count": 42}') == {'name': 'test', 'count': 42.0}"#),
            Value::Bool(true)
        );
        assert_eq!(ok(r#"type(json.unmarshal('{"count": 42}').count) == double"#), Value::Bool(true));
        assert_eq!(
            ok("json.unmarshal('[1, 2, 3]')"),
            Value::List(vec![Value::Float(1.0), Value::Float(2.0), Value::Float(3.0)].into())
        );
        assert_eq!(ok(r#"json.unmarshal('"hello"')"#), Value::from("hello"));
        assert_eq!(ok("json.unmarshal('123')"), Value::Float(123.0));
        assert_eq!(ok("json.unmarshal('true')"), Value::Bool(true));
        assert_eq!(ok("json.unmarshal('null') == null"), Value::Bool(true));
        assert_eq!(ok(r#"json.unmarshal('{"nested": {"value": "deep"}}').nested.value"#), Value::from("deep"));
        assert_eq!(ok("json.unmarshal('[1, 2, 3]')[1]"), Value::Float(2.0));
        assert_eq!(ok("json.unmarshal(' 18446744073709551616 ')"), Value::Float(18_446_744_073_709_551_616.0));
        // A repeated key keeps the last value, as Go's decoder does.
        assert_eq!(ok(r#"json.unmarshal('{"a": 1, "a": 2}').a"#), Value::Float(2.0));
    }

    #[test]
    fn unmarshal_fails_on_what_is_not_json() {
        for text in [r#"'{"invalid"}'"#, "''", "'[1,'", "'{} {}'", "'NaN'", "'1e400'"] {
            let message = error(&format!("json.unmarshal({text})"));
            assert!(message.starts_with("json.unmarshal failed to parse JSON: "), "{text}: {message}");
        }
        assert!(error("json.unmarshal(123)").contains("found no matching overload"));
    }

    #[test]
    fn marshal_and_unmarshal_round_trip() {
        assert_eq!(
            ok(r#"json.marshal(json.unmarshal('{"b":[true,null,"x",1.5],"a":{}}'))"#),
            Value::from(r#"{"a":{},"b":[true,null,"x",1.5]}"#)
        );
    }

    #[test]
    fn go_float_switches_to_exponents_where_go_does() {
        assert_eq!(go_float(999_999_999_999_999_900_000.0).as_deref(), Some("999999999999999900000"));
        assert_eq!(go_float(1e21).as_deref(), Some("1e+21"));
        assert_eq!(go_float(0.000_001).as_deref(), Some("0.000001"));
        assert_eq!(go_float(0.000_000_99).as_deref(), Some("9.9e-7"));
        assert_eq!(go_float(f64::MAX).as_deref(), Some("1.7976931348623157e+308"));
        assert_eq!(go_float(f64::NAN), None);
    }
}
