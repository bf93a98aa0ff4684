//! JSON values and CEL values, converted the way Kubernetes and kro convert them.
//!
//! Into CEL ([`to_cel`], [`into_cel`]): a JSON integer is a CEL `int` (never `uint`: the `cel` crate's own JSON
//! conversion makes non-negative numbers `uint`, and `uint * int` then has no overload), a JSON integer beyond
//! the `int` range and every other number is a `double`, an object is a map with string keys, `null` is `null`.
//!
//! Back to JSON ([`to_json`]), what kro does when it writes an expression's result into a
//! resource or a status field (`pkg/cel/conversion`): a timestamp becomes an RFC 3339 string in UTC, a duration
//! Go's `time.Duration` string (`1h0m0s`), an absent optional `null`, a `uint` an integer if it fits an `int64`
//! and an error otherwise, and `bytes` an error: a Kubernetes object has no bytes, so the expression must encode
//! them itself (`base64.encode(...)`).

use std::collections::HashMap;
use std::fmt::Write as _;

use base64::Engine as _;
use cel::common::types::CelBytes;
use cel::common::types::{
    CelBool, CelDouble, CelDuration, CelInt, CelList, CelMap, CelMapKey, CelNull, CelOptional, CelString, CelTimestamp,
    CelUInt, Kind,
};
use cel::common::value::Val;
use serde_json::{Map as JsonMap, Number, Value as JsonValue};

use crate::schemas::{Schema, SchemaKind};

/// Why a CEL value has no JSON form in a Kubernetes object.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum ConversionError {
    /// A `bytes` value: Kubernetes objects hold text, so the expression must choose an encoding.
    #[error(
        "bytes value cannot be used directly as a field value: a Kubernetes object has no bytes type; \
         encode it explicitly, e.g. base64.encode(...)"
    )]
    Bytes,
    /// A `uint` above the largest `int64`, which Kubernetes' JSON cannot carry.
    #[error("uint value {0} is out of the int64 range of Kubernetes objects")]
    UintOutOfRange(u64),
    /// A `double` that is NaN or infinite, which JSON cannot represent.
    #[error("double value {0} cannot be represented in JSON")]
    NonFiniteDouble(f64),
    /// A duration beyond Go's `time.Duration` range (about 292 years).
    #[error("duration is out of the range of a Kubernetes duration (about 292 years)")]
    DurationOutOfRange,
    /// A map whose key is not a string: JSON objects have string keys only.
    #[error("map key must be string, got {0}")]
    NonStringKey(String),
    /// A value of a type with no JSON form (a type value, a struct, a function).
    #[error("unsupported type: {0}")]
    UnsupportedType(String),
}

/// The CEL type name of a JSON value (`null_type`, `bool`, `int`, `double`, `string`, `list`, `map`), for
/// messages about a value of the wrong type.
pub(crate) fn cel_type_name(value: &JsonValue) -> &'static str {
    match value {
        JsonValue::Null => "null_type",
        JsonValue::Bool(_) => "bool",
        JsonValue::Number(n) if n.is_i64() => "int",
        JsonValue::Number(_) => "double",
        JsonValue::String(_) => "string",
        JsonValue::Array(_) => "list",
        JsonValue::Object(_) => "map",
    }
}

/// The CEL value of a JSON value, borrowing its strings (no copy of string data).
pub(crate) fn to_cel(value: &JsonValue) -> Box<dyn Val + '_> {
    match value {
        JsonValue::Null => Box::new(CelNull),
        JsonValue::Bool(b) => Box::new(CelBool::from(*b)),
        JsonValue::Number(n) => number(n),
        JsonValue::String(s) => Box::new(CelString::from(s.as_str())),
        JsonValue::Array(items) => Box::new(CelList::from(items.iter().map(to_cel).collect::<Vec<_>>())),
        JsonValue::Object(entries) => {
            let map: HashMap<CelMapKey<'_>, Box<dyn Val + '_>> =
                entries.iter().map(|(k, v)| (CelMapKey::from(k.as_str()), to_cel(v))).collect();
            Box::new(CelMap::from(map))
        }
    }
}

/// The CEL value of a JSON value read through its OpenAPI schema, as Kubernetes' `UnstructuredToVal` does: a
/// string of `format: byte` is `bytes` (its base64 decoded: `string(secret.data.password)` is the password), one
/// of `format: date-time` or `date` a `timestamp`. Anything the schema does not type that way, or a value that
/// does not parse as its format says, converts as [`to_cel`] does. (`format: duration` stays a string: no
/// built-in kind uses it.)
pub(crate) fn to_cel_typed<'v>(value: &'v JsonValue, schema: Schema<'_>) -> Box<dyn Val + 'v> {
    match value {
        JsonValue::String(s) => typed_string(s, schema).unwrap_or_else(|| to_cel(value)),
        JsonValue::Array(items) => match schema.items().filter(|i| !matches!(i.kind(), SchemaKind::Any)) {
            Some(item) => Box::new(CelList::from(items.iter().map(|i| to_cel_typed(i, item)).collect::<Vec<_>>())),
            None => to_cel(value),
        },
        JsonValue::Object(entries) if !matches!(schema.kind(), SchemaKind::Any) => {
            let map: HashMap<CelMapKey<'_>, Box<dyn Val + '_>> = entries
                .iter()
                .map(|(k, v)| {
                    (CelMapKey::from(k.as_str()), schema.field(k).map_or_else(|| to_cel(v), |f| to_cel_typed(v, f)))
                })
                .collect();
            Box::new(CelMap::from(map))
        }
        _ => to_cel(value),
    }
}

/// [`to_cel_typed`], taking ownership of the value.
pub(crate) fn into_cel_typed(value: JsonValue, schema: Schema<'_>) -> Box<dyn Val + 'static> {
    match value {
        JsonValue::String(s) => typed_string(&s, schema).unwrap_or_else(|| Box::new(CelString::from(s))),
        JsonValue::Array(items) => match schema.items().filter(|i| !matches!(i.kind(), SchemaKind::Any)) {
            Some(item) => {
                Box::new(CelList::from(items.into_iter().map(|i| into_cel_typed(i, item)).collect::<Vec<_>>()))
            }
            None => into_cel(JsonValue::Array(items)),
        },
        JsonValue::Object(entries) if !matches!(schema.kind(), SchemaKind::Any) => {
            let map: HashMap<CelMapKey<'static>, Box<dyn Val>> = entries
                .into_iter()
                .map(|(k, v)| {
                    let converted = match schema.field(&k) {
                        Some(field) => into_cel_typed(v, field),
                        None => into_cel(v),
                    };
                    (CelMapKey::from(k), converted)
                })
                .collect();
            Box::new(CelMap::from(map))
        }
        other => into_cel(other),
    }
}

/// A string whose schema format makes it another CEL type, when it parses as that format.
fn typed_string(s: &str, schema: Schema<'_>) -> Option<Box<dyn Val + 'static>> {
    match schema.format()? {
        "byte" => base64::engine::general_purpose::STANDARD.decode(s).ok().map(|b| Box::new(CelBytes::from(b)) as _),
        "date-time" => chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| Box::new(CelTimestamp::from(t)) as _),
        "date" => chrono::DateTime::parse_from_rfc3339(&format!("{s}T00:00:00Z"))
            .ok()
            .map(|t| Box::new(CelTimestamp::from(t)) as _),
        _ => None,
    }
}

/// The CEL value of a JSON value, taking ownership of it.
pub(crate) fn into_cel(value: JsonValue) -> Box<dyn Val + 'static> {
    match value {
        JsonValue::Null => Box::new(CelNull),
        JsonValue::Bool(b) => Box::new(CelBool::from(b)),
        JsonValue::Number(n) => number(&n),
        JsonValue::String(s) => Box::new(CelString::from(s)),
        JsonValue::Array(items) => Box::new(CelList::from(items.into_iter().map(into_cel).collect::<Vec<_>>())),
        JsonValue::Object(entries) => {
            let map: HashMap<CelMapKey<'static>, Box<dyn Val>> =
                entries.into_iter().map(|(k, v)| (CelMapKey::from(k), into_cel(v))).collect();
            Box::new(CelMap::from(map))
        }
    }
}

/// A JSON number as Kubernetes decodes it: `int` when it is an integer within `int64`, `double` otherwise.
fn number(n: &Number) -> Box<dyn Val + 'static> {
    match n.as_i64() {
        Some(i) => Box::new(CelInt::from(i)),
        // A u64 above i64::MAX, or a number with a fraction or exponent: float64, as in apimachinery's decoder.
        None => Box::new(CelDouble::from(n.as_f64().unwrap_or(f64::NAN))),
    }
}

/// The JSON form of a CEL value, for a resource or status field (kro's `GoNativeType` + `EnsureJSONSafe`).
/// Map keys come out sorted, so the result does not depend on hash order.
pub(crate) fn to_json(value: &dyn Val) -> Result<JsonValue, ConversionError> {
    let unsupported = || ConversionError::UnsupportedType(value.get_type().name().to_string());
    match value.get_type().kind() {
        Kind::NullType => Ok(JsonValue::Null),
        Kind::Boolean => value.downcast_ref::<CelBool>().map(|b| JsonValue::Bool(*b.inner())).ok_or_else(unsupported),
        Kind::Int => value.downcast_ref::<CelInt>().map(|i| JsonValue::from(*i.inner())).ok_or_else(unsupported),
        Kind::UInt => value.downcast_ref::<CelUInt>().ok_or_else(unsupported).and_then(|u| uint(*u.inner())),
        Kind::Double => value.downcast_ref::<CelDouble>().ok_or_else(unsupported).and_then(|d| double(*d.inner())),
        Kind::String => {
            value.downcast_ref::<CelString>().map(|s| JsonValue::String(s.inner().to_string())).ok_or_else(unsupported)
        }
        Kind::Bytes => Err(ConversionError::Bytes),
        Kind::Duration => {
            let d = value.downcast_ref::<CelDuration>().ok_or_else(unsupported)?;
            go_duration(d).map(JsonValue::String).ok_or(ConversionError::DurationOutOfRange)
        }
        Kind::Timestamp => {
            let t = value.downcast_ref::<CelTimestamp>().ok_or_else(unsupported)?;
            Ok(rfc3339(t).map_or(JsonValue::Null, JsonValue::String))
        }
        Kind::List => {
            let list = value.downcast_ref::<CelList>().ok_or_else(unsupported)?;
            list.inner().iter().map(|item| to_json(item.as_ref())).collect::<Result<Vec<_>, _>>().map(JsonValue::Array)
        }
        Kind::Map => {
            let map = value.downcast_ref::<CelMap>().ok_or_else(unsupported)?;
            let entries = sorted_string_entries(map).map_err(ConversionError::NonStringKey)?;
            let mut object = JsonMap::with_capacity(entries.len());
            for (k, v) in entries {
                object.insert(k.to_string(), to_json(v)?);
            }
            Ok(JsonValue::Object(object))
        }
        Kind::Opaque => match value.downcast_ref::<CelOptional>() {
            Some(optional) => optional.option().map_or(Ok(JsonValue::Null), to_json),
            None => Err(unsupported()),
        },
        _ => Err(unsupported()),
    }
}

fn uint(u: u64) -> Result<JsonValue, ConversionError> {
    i64::try_from(u).map(JsonValue::from).map_err(|_| ConversionError::UintOutOfRange(u))
}

fn double(f: f64) -> Result<JsonValue, ConversionError> {
    Number::from_f64(f).map(JsonValue::Number).ok_or(ConversionError::NonFiniteDouble(f))
}

/// The Go type name kro's error shows for a map key of this kind (`%T` of the Go value).
/// A map's entries in key order, as a JSON object (and Go's encoder) writes them. `Err` holds the Go type name of
/// a key that is not a string, for the error message.
pub(crate) fn sorted_string_entries<'m, 'v>(map: &'m CelMap<'v>) -> Result<Vec<(&'m str, &'m (dyn Val + 'v))>, String> {
    let mut entries = map
        .inner()
        .iter()
        .map(|(k, v)| match k {
            CelMapKey::String(s) => Ok((s.inner(), v.as_ref())),
            other => Err(go_key_type(other.inner().get_type().kind())),
        })
        .collect::<Result<Vec<_>, _>>()?;
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    Ok(entries)
}

pub(crate) fn go_key_type(kind: Kind) -> String {
    match kind {
        Kind::Int => "int64",
        Kind::UInt => "uint64",
        Kind::Boolean => "bool",
        _ => "unknown",
    }
    .to_string()
}

/// Seconds from the Unix epoch to 0001-01-01T00:00:00Z, Go's zero `time.Time`.
const GO_ZERO_TIME_UNIX: i64 = -62_135_596_800;

/// A timestamp as `metav1.Time` writes it: RFC 3339 in UTC, whole seconds (`2024-01-15T10:30:00Z`). `None` for
/// Go's zero time (0001-01-01T00:00:00Z), which `metav1.Time` writes as `null`.
pub(crate) fn rfc3339(t: &CelTimestamp) -> Option<String> {
    let t = t.inner();
    if t.timestamp() == GO_ZERO_TIME_UNIX && t.timestamp_subsec_nanos() == 0 {
        return None;
    }
    Some(t.naive_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// A duration as Go's `time.Duration.String()` writes it (`1h30m0s`, `1.5s`, `250ms`, `0s`); `None` beyond
/// Go's range of ±2^63 nanoseconds.
pub(crate) fn go_duration(d: &CelDuration) -> Option<String> {
    d.inner().num_nanoseconds().map(go_duration_nanos)
}

/// Go's `time.Duration.String()` of `nanos` nanoseconds.
pub(crate) fn go_duration_nanos(nanos: i64) -> String {
    const SECOND: u64 = 1_000_000_000;
    let mut out = String::new();
    if nanos < 0 {
        out.push('-');
    }
    let u = nanos.unsigned_abs();
    if u == 0 {
        return "0s".to_string();
    }
    if u < SECOND {
        // Below a second, a smaller unit with a fraction: 1.5ms, 250µs, 7ns.
        let (precision, unit) = match u {
            0..1_000 => (0, "ns"),
            1_000..1_000_000 => (3, "µs"),
            _ => (6, "ms"),
        };
        let scale = 10u64.pow(precision);
        let _ = write!(out, "{}{}{unit}", u / scale, fraction(u % scale, precision));
        return out;
    }
    let seconds = u / SECOND;
    let frac = fraction(u % SECOND, 9);
    let (hours, minutes, secs) = (seconds / 3600, (seconds / 60) % 60, seconds % 60);
    if hours > 0 {
        let _ = write!(out, "{hours}h{minutes}m");
    } else if minutes > 0 {
        let _ = write!(out, "{minutes}m");
    }
    let _ = write!(out, "{secs}{frac}s");
    out
}

/// `.ddd` for `value` / 10^`digits`, trailing zeros dropped; empty when it is zero.
fn fraction(value: u64, digits: u32) -> String {
    if value == 0 {
        return String::new();
    }
    let padded = format!("{value:0width$}", width = digits as usize);
    format!(".{}", padded.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use cel::common::types::{CelBytes, CelType, CelUInt};
    use cel::{Context, Env};
    use pretty_assertions::assert_eq;
    use serde_json::json;

    use super::*;

    /// Evaluates `expr` in the standard environment with `x` bound to `input` (converted with [`to_cel`]) and
    /// converts the result back with [`to_json`].
    fn eval_json(expr: &str, input: &JsonValue) -> Result<JsonValue, ConversionError> {
        let env = Arc::new(Env::stdlib());
        let program = env.compile(expr).unwrap();
        let mut context = Context::with_env(env);
        context.add_variable_as_val("x", to_cel(input));
        let value: Box<dyn Val> = program.execute(&context).unwrap().try_into().unwrap();
        to_json(value.as_ref())
    }

    fn eval(expr: &str) -> Result<JsonValue, ConversionError> {
        eval_json(expr, &JsonValue::Null)
    }

    #[test]
    fn json_integers_are_cel_ints_so_int_arithmetic_works() {
        let input = json!({"replicas": 3, "big": 9_223_372_036_854_775_807_i64});
        assert_eq!(eval_json("x.replicas * 2", &input), Ok(json!(6)));
        assert_eq!(eval_json("type(x.replicas) == int", &input), Ok(json!(true)));
        assert_eq!(eval_json("type(x.big) == int", &input), Ok(json!(true)));
        // What the cel crate's own conversion gets wrong: a non-negative number as uint fails `uint * int`.
        assert_eq!(eval_json("x.replicas * -1", &input), Ok(json!(-3)));
    }

    #[test]
    fn json_numbers_beyond_int64_or_with_a_fraction_are_doubles() {
        let input = json!({"huge": 18_446_744_073_709_551_615_u64, "half": 0.5, "one": 1.0});
        assert_eq!(eval_json("type(x.huge) == double", &input), Ok(json!(true)));
        assert_eq!(eval_json("type(x.half) == double && type(x.one) == double", &input), Ok(json!(true)));
        assert_eq!(eval_json("x.half * 4.0", &input), Ok(json!(2.0)));
    }

    #[test]
    fn objects_lists_strings_bools_and_null_round_trip() {
        let input = json!({
            "metadata": {"name": "web", "labels": {"app": "web", "tier": "frontend"}},
            "spec": {"ports": [80, 443], "enabled": true, "note": null, "ratio": 0.25}
        });
        assert_eq!(eval_json("x", &input), Ok(input.clone()));
        assert_eq!(eval_json("x.metadata.labels.app + '-svc'", &input), Ok(json!("web-svc")));
        assert_eq!(eval_json("x.spec.note == null", &input), Ok(json!(true)));
        // The borrowed and the owned conversions agree.
        let owned = into_cel(input.clone());
        assert_eq!(to_json(owned.as_ref()), Ok(input.clone()));
        assert_eq!(to_json(to_cel(&input).as_ref()), Ok(input.clone()));
    }

    #[test]
    fn map_keys_come_out_sorted() {
        let out = eval("{'b': 1, 'a': 2, 'c': {'z': 1, 'y': 2}}").unwrap();
        assert_eq!(serde_json::to_string(&out).unwrap(), r#"{"a":2,"b":1,"c":{"y":2,"z":1}}"#);
    }

    #[test]
    fn timestamps_become_rfc3339_strings_in_utc_with_whole_seconds() {
        assert_eq!(eval("timestamp('2024-01-15T10:30:00Z')"), Ok(json!("2024-01-15T10:30:00Z")));
        assert_eq!(eval("timestamp('2024-01-15T12:30:00.75+02:00')"), Ok(json!("2024-01-15T10:30:00Z")));
        // metav1.Time writes Go's zero time as null.
        assert_eq!(eval("timestamp('0001-01-01T00:00:00Z')"), Ok(JsonValue::Null));
        assert_eq!(eval("[timestamp('1970-01-01T00:00:00Z')]"), Ok(json!(["1970-01-01T00:00:00Z"])));
    }

    #[test]
    fn durations_become_go_duration_strings() {
        assert_eq!(eval("duration('1h')"), Ok(json!("1h0m0s")));
        assert_eq!(eval("duration('1h30m')"), Ok(json!("1h30m0s")));
        assert_eq!(eval("duration('90s')"), Ok(json!("1m30s")));
        assert_eq!(eval("duration('1.5s')"), Ok(json!("1.5s")));
        assert_eq!(eval("duration('0s')"), Ok(json!("0s")));
        assert_eq!(eval("duration('-2m3s')"), Ok(json!("-2m3s")));
        assert_eq!(eval("duration('250ms')"), Ok(json!("250ms")));
        assert_eq!(eval("duration('1500us')"), Ok(json!("1.5ms")));
        assert_eq!(eval("duration('2us')"), Ok(json!("2µs")));
        assert_eq!(eval("duration('7ns')"), Ok(json!("7ns")));
        assert_eq!(eval("duration('26h0m0.000000001s')"), Ok(json!("26h0m0.000000001s")));
    }

    #[test]
    fn go_duration_strings_match_go_at_the_edges() {
        // Go: time.Duration(math.MinInt64).String() == "-2562047h47m16.854775808s".
        assert_eq!(go_duration_nanos(i64::MIN), "-2562047h47m16.854775808s");
        assert_eq!(go_duration_nanos(i64::MAX), "2562047h47m16.854775807s");
        assert_eq!(go_duration_nanos(1_000_000_000), "1s");
        assert_eq!(go_duration_nanos(999_999_999), "999.999999ms");
        assert_eq!(go_duration_nanos(-1), "-1ns");
    }

    #[test]
    fn optionals_unwrap_and_an_absent_one_is_null() {
        assert_eq!(eval("optional.of(3)"), Ok(json!(3)));
        assert_eq!(eval("optional.none()"), Ok(JsonValue::Null));
        assert_eq!(eval_json("x.?missing", &json!({})), Ok(JsonValue::Null));
        assert_eq!(eval("{'a': optional.none()}"), Ok(json!({"a": null})));
    }

    #[test]
    fn uints_become_ints_when_they_fit_and_an_error_when_they_do_not() {
        assert_eq!(eval("42u"), Ok(json!(42)));
        assert_eq!(eval("9223372036854775807u"), Ok(json!(i64::MAX)));
        assert_eq!(eval("9223372036854775808u"), Err(ConversionError::UintOutOfRange(9_223_372_036_854_775_808)));
        assert_eq!(to_json(&CelUInt::from(u64::MAX)), Err(ConversionError::UintOutOfRange(u64::MAX)));
    }

    #[test]
    fn bytes_are_an_error_that_says_to_encode_them() {
        let err = eval("b'hello'").unwrap_err();
        assert_eq!(err, ConversionError::Bytes);
        let message = err.to_string();
        assert!(message.starts_with("bytes value cannot be used directly"), "{message}");
        assert!(message.contains("encode it explicitly, e.g. base64.encode(...)"), "{message}");
        assert_eq!(eval("{'data': [b'x']}"), Err(ConversionError::Bytes));
        assert_eq!(to_json(&CelBytes::from(vec![1u8])), Err(ConversionError::Bytes));
        // Encoding them first is the way out.
        assert_eq!(to_json(to_cel(&json!("aGVsbG8=")).as_ref()), Ok(json!("aGVsbG8=")));
    }

    #[test]
    fn non_string_map_keys_and_types_without_json_form_are_errors() {
        assert_eq!(eval("{1: 'a'}"), Err(ConversionError::NonStringKey("int64".into())));
        assert_eq!(eval("{true: 'a'}"), Err(ConversionError::NonStringKey("bool".into())));
        assert_eq!(eval("{'a': {2u: 1}}"), Err(ConversionError::NonStringKey("uint64".into())));
        assert_eq!(eval("1.0 / 0.0"), Err(ConversionError::NonFiniteDouble(f64::INFINITY)));
        assert_eq!(to_json(&CelType::new("int")), Err(ConversionError::UnsupportedType("type".into())));
    }

    #[test]
    fn schema_typed_conversion_makes_bytes_and_timestamps_and_leaves_the_rest() {
        use cel::common::types::{CelBytes, CelTimestamp};
        let schema = serde_json::json!({"type": "object", "properties": {
            "data": {"type": "object", "additionalProperties": {"type": "string", "format": "byte"}},
            "when": {"type": "string", "format": "date-time"},
            "day": {"type": "string", "format": "date"},
            "list": {"type": "array", "items": {"type": "string", "format": "byte"}},
            "name": {"type": "string"}
        }});
        let schema = Schema::new(&schema, None);
        let value = serde_json::json!({"data": {"k": "aGk=", "bad": "not base64!"}, "when": "2024-01-02T03:04:05Z",
            "day": "2024-01-02", "list": ["aGk="], "name": "aGk=", "other": "x"});
        for owned in [false, true] {
            let converted = if owned { into_cel_typed(value.clone(), schema) } else { to_cel_typed(&value, schema) };
            let map = converted.downcast_ref::<CelMap>().unwrap();
            let get = |k: &'static str| map.get(&CelMapKey::from(k)).unwrap();
            let data = get("data").downcast_ref::<CelMap>().unwrap();
            assert!(data.get(&CelMapKey::from("k")).unwrap().downcast_ref::<CelBytes>().is_some());
            // A value that does not parse as its format stays a string.
            assert!(data.get(&CelMapKey::from("bad")).unwrap().downcast_ref::<CelString>().is_some());
            assert!(get("when").downcast_ref::<CelTimestamp>().is_some());
            assert!(get("day").downcast_ref::<CelTimestamp>().is_some());
            let list = get("list").downcast_ref::<CelList>().unwrap();
            assert!(list.inner()[0].downcast_ref::<CelBytes>().is_some());
            assert!(get("name").downcast_ref::<CelString>().is_some());
            assert!(get("other").downcast_ref::<CelString>().is_some());
            // Back to JSON, a timestamp is its RFC 3339 text again.
            assert_eq!(to_json(get("when").as_ref()), Ok(JsonValue::String("2024-01-02T03:04:05Z".to_string())));
        }
    }
}
