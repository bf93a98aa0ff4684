//! JSON text as Go's `encoding/json` writes it, so a hash of it is the hash kro computes (`pkg/graph/hash`):
//! object keys in the order the value holds them (the caller puts struct fields in struct order and sorts
//! what Go holds as maps), strings with Go's escapes (`<`, `>`, `&`, U+2028 and U+2029 as `\u` escapes, `\b`
//! and `\f` short), and every number as Go prints a `float64` (kro reads raw JSON into `any`, so numbers are
//! floats): shortest digits, exponent form below 1e-6 and from 1e21.

use std::fmt::Write as _;

use serde_json::{Map, Value};

/// `value` as Go's `json.Marshal` writes it, keys in the order `value` holds them.
pub(super) fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write(&mut out, value);
    out
}

/// `value` with the keys of every object sorted, as Go writes a `map[string]any` (and kro's canonical form
/// of a `RawExtension`).
pub(super) fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&map[k]))).collect::<Map<_, _>>())
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

fn write(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_float(out, n.as_f64().unwrap_or_default()),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, key);
                out.push(':');
                write(out, item);
            }
            out.push('}');
        }
    }
}

/// Go's `floatEncoder` for 64-bit floats: `strconv.FormatFloat(f, 'f', -1, 64)`, or `'e'` with the exponent
/// unpadded (`1e-7`, `1e+21`) outside [1e-6, 1e21).
fn write_float(out: &mut String, f: f64) {
    if !f.is_finite() {
        // JSON has no such number; Go refuses to encode it. Never reached from parsed JSON.
        out.push_str("null");
        return;
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Rust writes the shortest digits as `1.5e-7` / `1e21`; Go writes `1.5e-07` (cleaned to `1.5e-7`) and
        // `1e+21`.
        let text = format!("{f:e}");
        match text.split_once('e') {
            Some((mantissa, exponent)) if !exponent.starts_with('-') => {
                let _ = write!(out, "{mantissa}e+{exponent}");
            }
            _ => out.push_str(&text),
        }
    } else {
        let _ = write!(out, "{f}");
    }
}

/// Go's `appendString` with HTML escaping on (what `json.Marshal` does).
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn numbers_are_written_as_go_writes_a_float64() {
        let cases = [
            (json!(3), "3"),
            (json!(-0.0), "-0"),
            (json!(1.5), "1.5"),
            (json!(0.000_001), "0.000001"),
            (json!(1.5e-7), "1.5e-7"),
            (json!(1e20), "100000000000000000000"),
            (json!(1e21), "1e+21"),
            (json!(2.5e300), "2.5e+300"),
            (json!(12_345_678_901_234_567_890_u64), "12345678901234567000"),
        ];
        for (value, go) in cases {
            assert_eq!(to_string(&value), go, "{value}");
        }
    }

    #[test]
    fn strings_take_gos_escapes_html_included() {
        let text = "a<b && c>d \"q\" \\ \u{8}\u{c}\n\r\t\u{1} \u{2028}\u{2029} é 😀";
        assert_eq!(
            to_string(&json!(text)),
            r#""a\u003cb \u0026\u0026 c\u003ed \"q\" \\ \b\f\n\r\t\u0001 \u2028\u2029 é 😀""#
        );
    }

    #[test]
    fn maps_are_sorted_only_when_asked() {
        let value = json!({"b": 1, "a": {"d": [true, null], "c": "x"}});
        assert_eq!(to_string(&value), r#"{"b":1,"a":{"d":[true,null],"c":"x"}}"#);
        assert_eq!(to_string(&sorted(&value)), r#"{"a":{"c":"x","d":[true,null]},"b":1}"#);
    }
}
