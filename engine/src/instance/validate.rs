//! Schema validation of a defaulted instance: the OpenAPI keywords kro's SimpleSchema produces, with the API
//! server's messages (kube-openapi's validators, converted to `field.Error`s by apiextensions-apiserver).

use std::collections::HashSet;

use serde_json::Value;

use super::{Finding, FindingKind, InstancePath, json_type, shown};
use crate::diagnostics::Severity;

fn error(kind: FindingKind, path: &InstancePath, body: &str) -> Finding {
    Finding { severity: Severity::Error, kind, path: path.clone(), message: format!("{path}: {body}"), span: None }
}

fn invalid(path: &InstancePath, value: &str, detail: &str) -> Finding {
    error(FindingKind::Invalid, path, &format!("Invalid value: {value}: {path} in body {detail}"))
}

/// Whether `value` is of the schema's `type` (with int-or-string and a free-form schema with no type).
fn type_fits(value: &Value, schema: &Value) -> Result<(), String> {
    if schema.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        return if value.is_string() || value.as_f64().is_some_and(|f| f.fract() == 0.0) {
            Ok(())
        } else {
            Err("integer or string".to_string())
        };
    }
    let Some(expected) = schema.get("type").and_then(Value::as_str) else {
        return Ok(());
    };
    if value.is_null() && schema.get("nullable") == Some(&Value::Bool(true)) {
        return Ok(());
    }
    let fits = match (expected, value) {
        ("string", Value::String(_))
        | ("boolean", Value::Bool(_))
        | ("number", Value::Number(_))
        | ("array", Value::Array(_))
        | ("object", Value::Object(_)) => true,
        // An integral float (`3.0`) is an integer to kube-openapi's validator.
        ("integer", Value::Number(n)) => n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => false,
    };
    if fits { Ok(()) } else { Err(expected.to_string()) }
}

/// Validates `value` against `schema`, appending findings.
pub(super) fn validate(value: &Value, schema: &Value, path: &InstancePath, out: &mut Vec<Finding>) {
    if let Err(expected) = type_fits(value, schema) {
        let actual = json_type(value);
        out.push(error(
            FindingKind::TypeInvalid,
            path,
            &format!("Invalid value: \"{actual}\": {path} in body must be of type {expected}: \"{actual}\""),
        ));
        return;
    }
    if value.is_null() {
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
        && !allowed.iter().any(|a| a.as_f64().is_some() && a.as_f64() == value.as_f64())
    {
        // The API server quotes every supported value (`strconv.Quote(fmt.Sprint(v))`).
        let supported: Vec<String> =
            allowed.iter().map(|a| a.as_str().map_or_else(|| format!("\"{a}\""), |_| shown(a))).collect();
        out.push(error(
            FindingKind::NotSupported,
            path,
            &format!("Unsupported value: {}: supported values: {}", shown(value), supported.join(", ")),
        ));
    }
    match value {
        Value::Number(n) => numeric(n.as_f64().unwrap_or(f64::NAN), value, schema, path, out),
        Value::String(s) => string(s, value, schema, path, out),
        Value::Array(items) => array(items, schema, path, out),
        Value::Object(map) => object(map, schema, path, out),
        _ => {}
    }
}

fn bound(schema: &Value, key: &str) -> Option<f64> {
    schema.get(key).and_then(Value::as_f64)
}

/// A bound as Go's `%v` prints a float64: `1`, `0.75`.
fn show_bound(b: f64) -> String {
    if b.fract() == 0.0 && b.abs() < 1e15 { format!("{}", b as i64) } else { format!("{b}") }
}

fn numeric(n: f64, value: &Value, schema: &Value, path: &InstancePath, out: &mut Vec<Finding>) {
    let exclusive = |k: &str| schema.get(k) == Some(&Value::Bool(true));
    if let Some(min) = bound(schema, "minimum") {
        if exclusive("exclusiveMinimum") && n <= min {
            out.push(invalid(path, &shown(value), &format!("should be greater than {}", show_bound(min))));
        } else if n < min {
            out.push(invalid(path, &shown(value), &format!("should be greater than or equal to {}", show_bound(min))));
        }
    }
    if let Some(max) = bound(schema, "maximum") {
        if exclusive("exclusiveMaximum") && n >= max {
            out.push(invalid(path, &shown(value), &format!("should be less than {}", show_bound(max))));
        } else if n > max {
            out.push(invalid(path, &shown(value), &format!("should be less than or equal to {}", show_bound(max))));
        }
    }
    if let Some(m) = bound(schema, "multipleOf")
        && m != 0.0
        && (n / m).fract() != 0.0
    {
        out.push(invalid(path, &shown(value), &format!("should be a multiple of {}", show_bound(m))));
    }
}

fn string(s: &str, value: &Value, schema: &Value, path: &InstancePath, out: &mut Vec<Finding>) {
    // Lengths count characters (Go's utf8.RuneCountInString), not bytes.
    let len = s.chars().count() as f64;
    if let Some(min) = bound(schema, "minLength")
        && len < min
    {
        out.push(invalid(path, &shown(value), &format!("should be at least {} chars long", show_bound(min))));
    }
    if let Some(max) = bound(schema, "maxLength")
        && len > max
    {
        // The wording of Kubernetes 1.32+ (`field.TooLong`); the limit counts characters all the same.
        out.push(error(
            FindingKind::TooLong,
            path,
            &format!(
                "Too long: may not be more than {} {}",
                show_bound(max),
                if max as i64 == 1 { "byte" } else { "bytes" }
            ),
        ));
    }
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        match regex::Regex::new(pattern) {
            Ok(re) if !re.is_match(s) => {
                out.push(invalid(path, &shown(value), &format!("should match '{pattern}'")));
            }
            Ok(_) => {}
            Err(e) => out.push(error(
                FindingKind::RuleError,
                path,
                &format!("Internal error: the schema's pattern {pattern:?} does not compile: {e}"),
            )),
        }
    }
}

fn array(items: &[Value], schema: &Value, path: &InstancePath, out: &mut Vec<Finding>) {
    let count = items.len() as f64;
    if let Some(min) = bound(schema, "minItems")
        && count < min
    {
        out.push(invalid(path, &items.len().to_string(), &format!("should have at least {} items", show_bound(min))));
    }
    if let Some(max) = bound(schema, "maxItems")
        && count > max
    {
        out.push(error(
            FindingKind::TooMany,
            path,
            &format!("Too many: {}: must have at most {} items", items.len(), show_bound(max)),
        ));
    }
    if let Some(item_schema) = schema.get("items") {
        for (i, item) in items.iter().enumerate() {
            validate(item, item_schema, &path.index(i), out);
        }
    }
    match schema.get("x-kubernetes-list-type").and_then(Value::as_str) {
        Some("set") => {
            for (i, item) in items.iter().enumerate() {
                if items[..i].contains(item) {
                    out.push(error(
                        FindingKind::Duplicate,
                        &path.index(i),
                        &format!("Duplicate value: {}", shown(item)),
                    ));
                }
            }
        }
        Some("map") => {
            let keys: Vec<&str> = schema
                .get("x-kubernetes-list-map-keys")
                .and_then(Value::as_array)
                .map(|k| k.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut seen = HashSet::new();
            for (i, item) in items.iter().enumerate() {
                let key: Vec<String> =
                    keys.iter().map(|k| item.get(k).map_or_else(|| "null".to_string(), Value::to_string)).collect();
                if !seen.insert(key) {
                    let shown_key: serde_json::Map<String, Value> =
                        keys.iter().filter_map(|k| item.get(k).map(|v| ((*k).to_string(), v.clone()))).collect();
                    out.push(error(
                        FindingKind::Duplicate,
                        &path.index(i),
                        &format!("Duplicate value: {}", shown(&Value::Object(shown_key))),
                    ));
                }
            }
        }
        _ => {}
    }
}

fn object(map: &serde_json::Map<String, Value>, schema: &Value, path: &InstancePath, out: &mut Vec<Finding>) {
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        for name in required.iter().filter_map(Value::as_str) {
            if !map.contains_key(name) {
                out.push(error(FindingKind::Required, &path.field(name), "Required value"));
            }
        }
    }
    let count = map.len() as f64;
    if let Some(min) = bound(schema, "minProperties")
        && count < min
    {
        out.push(invalid(
            path,
            &map.len().to_string(),
            &format!("should have at least {} properties", show_bound(min)),
        ));
    }
    if let Some(max) = bound(schema, "maxProperties")
        && count > max
    {
        out.push(error(
            FindingKind::TooMany,
            path,
            &format!("Too many: {}: must have at most {} items", map.len(), show_bound(max)),
        ));
    }
    let properties = schema.get("properties").and_then(Value::as_object);
    let additional = schema.get("additionalProperties").filter(|a| a.is_object());
    for (k, v) in map {
        if let Some(prop) = properties.and_then(|p| p.get(k)) {
            validate(v, prop, &path.field(k), out);
        } else if let Some(item) = additional {
            validate(v, item, &path.key(k), out);
        }
    }
}
