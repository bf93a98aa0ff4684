//! The checks the table's rows name: strings of a format, numbers in a range, entries that must differ or be
//! present. Each reports in the API server's words (`Invalid value`, `Required value`, `Duplicate value`,
//! `Unsupported value`, `Too long`), and judges only what is known: in a template, a `${...}` value, or a
//! list or map written as one, is skipped.

use std::collections::HashSet;

use base64::Engine as _;
use serde_json::Value;

use super::table::{Check, NameFormat};
use super::walk::{self, unknown};
use super::{Mode, Refusal, objects};
use crate::diagnostics::{Code, Path};
use crate::kube::formats;

/// Where a row's findings go.
pub(super) struct Report<'r> {
    pub mode: Mode,
    pub rule: &'r str,
    pub code: Code,
    pub out: &'r mut Vec<Refusal>,
}

impl Report<'_> {
    /// A value is known: not a computed template value.
    pub(super) fn known(&self, value: &Value) -> bool {
        !unknown(value, self.mode)
    }

    /// A value and everything inside it is known.
    pub(super) fn fully_known(&self, value: &Value) -> bool {
        match value {
            Value::Object(map) => map.values().all(|v| self.fully_known(v)),
            Value::Array(items) => items.iter().all(|v| self.fully_known(v)),
            other => self.known(other),
        }
    }

    /// The value as a known string.
    pub(super) fn text<'v>(&self, value: Option<&'v Value>) -> Option<&'v str> {
        value.filter(|v| self.known(v)).and_then(Value::as_str)
    }

    /// The value as an integer (a whole JSON number).
    pub(super) fn integer(value: Option<&Value>) -> Option<i64> {
        let value = value?;
        #[allow(clippy::cast_possible_truncation, reason = "a whole number within i64, checked")]
        value.as_i64().or_else(|| value.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18).map(|f| f as i64))
    }

    pub(super) fn push(&mut self, code: Code, path: Path, on_key: bool, detail: String) {
        self.out.push(Refusal { rule: self.rule.to_string(), code, path, on_key, detail });
    }

    pub(super) fn invalid(&mut self, path: Path, value: &Value, why: &str) {
        let code = self.code;
        self.push(code, path, false, format!("Invalid value: {}: {why}", shown(value)));
    }

    pub(super) fn invalid_key(&mut self, path: Path, key: &str, why: &str) {
        let code = self.code;
        self.push(code, path, true, format!("Invalid value: {}: {why}", shown(&Value::from(key))));
    }

    pub(super) fn required(&mut self, path: Path, why: &str) {
        let code = self.code;
        let detail = if why.is_empty() { "Required value".to_string() } else { format!("Required value: {why}") };
        self.push(code, path, false, detail);
    }

    /// `what`, `size` bytes in all, over the `max` the API server allows.
    pub(super) fn too_long(&mut self, path: &Path, size: usize, max: usize, what: &str) {
        if size > max {
            let code = self.code;
            let detail = format!("Too long: may not be more than {max} bytes ({what} add up to {size})");
            self.push(code, path.clone(), false, detail);
        }
    }

    pub(super) fn duplicate(&mut self, path: Path, value: &Value) {
        let code = self.code;
        self.push(code, path, false, format!("Duplicate value: {}", shown(value)));
    }
}

/// A value as a message quotes it: JSON, with a long string cut to its start and its length.
pub(super) fn shown(value: &Value) -> String {
    match value.as_str() {
        Some(s) if s.chars().count() > 80 => {
            let start: String = s.chars().take(40).collect();
            format!("\"{start}…\" ({} characters)", s.chars().count())
        }
        _ => value.to_string(),
    }
}

/// Runs `check` on one value found by a row (`None`: absent from a known map).
pub(super) fn run(check: &Check, value: Option<&Value>, path: Path, report: &mut Report<'_>) {
    if value.is_some_and(|v| !report.known(v)) {
        return;
    }
    match check {
        Check::Required => required(value, path, report),
        Check::NonEmpty => {
            let empty = match value {
                None | Some(Value::Null) => true,
                Some(Value::Array(items)) => items.is_empty(),
                Some(Value::Object(map)) => map.is_empty(),
                Some(_) => false,
            };
            if empty {
                report.required(path, "");
            }
        }
        Check::OneOf { values, default } => one_of(value, default.as_deref(), values, path, report),
        _ => {
            if let Some(value) = value.filter(|v| !v.is_null()) {
                run_present(check, value, path, report);
            }
        }
    }
}

fn run_present(check: &Check, value: &Value, path: Path, report: &mut Report<'_>) {
    match check {
        Check::DnsLabel => format(value, path, report, formats::dns_label_problem),
        Check::DnsSubdomain => format(value, path, report, formats::dns_subdomain_problem),
        Check::QualifiedName => format(value, path, report, formats::qualified_name_problem),
        Check::PortName => format(value, path, report, formats::port_name_problem),
        Check::EnvVarName => {
            // An environment variable's name is required: empty is refused too (core `ValidateEnv`).
            if let Some(why) = value.as_str().and_then(formats::env_var_name_problem) {
                report.invalid(path, value, &why);
            }
        }
        Check::MaxLength(max) => {
            format(value, path, report, |s| (s.len() > *max).then(|| format!("must be no more than {max} characters")));
        }
        Check::NotContaining(text) => {
            format(value, path, report, |s| s.contains(text.as_str()).then(|| format!("must not contain {text:?}")));
        }
        Check::Labels => labels(value, &path, report),
        Check::Annotations { max_bytes } => annotations(value, &path, *max_bytes, report),
        Check::QualifiedNames => {
            for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                format(item, path.index(i), report, formats::qualified_name_problem);
            }
        }
        Check::ConfigKeys => {
            for key in value.as_object().into_iter().flat_map(|m| m.keys()) {
                if let Some(problem) = formats::config_key_problem(key) {
                    report.invalid_key(path.key(key), key, &problem);
                }
            }
        }
        Check::Base64Values => base64_values(value, &path, report),
        Check::Min(min) => range(value, path, *min, i64::MAX, report),
        Check::Range(min, max) => range(value, path, *min, *max, report),
        Check::Port => range(value, path, 1, 65535, report),
        Check::OptionalPort => {
            if Report::integer(Some(value)) != Some(0) {
                range(value, path, 1, 65535, report);
            }
        }
        Check::PortOrName => port_or_name(value, path, report),
        Check::OptionalPortOrName => {
            if Report::integer(Some(value)) != Some(0) && value.as_str() != Some("") {
                port_or_name(value, path, report);
            }
        }
        Check::IntOrPercent => int_or_percent(value, path, report),
        Check::Unique(at) => unique(value, &path, at, report),
        Check::RequiredIfSeveral(field) => {
            let items = value.as_array().map_or(&[][..], Vec::as_slice);
            if items.len() > 1 {
                for (i, item) in items.iter().enumerate() {
                    if let Some(map) = item.as_object().filter(|_| report.known(item)) {
                        let name = map.get(field);
                        if name.is_none_or(|n| n.as_str() == Some("")) {
                            report.required(path.index(i).key(field), "");
                        }
                    }
                }
            }
        }
        Check::DisjointKeys(maps) => disjoint_keys(value, &path, maps, report),
        Check::TotalSize { max, text, base64, report: at } => {
            let path = at.as_deref().map_or(path.clone(), |field| path.key(field));
            total_size(value, &path, *max, text, base64, report);
        }
        Check::Required | Check::NonEmpty | Check::OneOf { .. } => {}
        bespoke => objects::run(bespoke, value, path, report),
    }
}

/// A string checked by a format function (a known string only; another type is the schema's business). An
/// empty string is left to the rules that require a value: the API server treats most empty names as unset
/// (a port's, a pod's hostname, a namespace the request's).
fn format(value: &Value, path: Path, report: &mut Report<'_>, problem: impl Fn(&str) -> Option<String>) {
    if let Some(why) = value.as_str().filter(|s| !s.is_empty()).and_then(problem) {
        report.invalid(path, value, &why);
    }
}

fn required(value: Option<&Value>, path: Path, report: &mut Report<'_>) {
    match value {
        None | Some(Value::Null) => report.required(path, ""),
        Some(Value::String(s)) if s.is_empty() => report.required(path, ""),
        Some(_) => {}
    }
}

fn one_of(value: Option<&Value>, default: Option<&str>, values: &[String], path: Path, report: &mut Report<'_>) {
    let given = match value {
        None | Some(Value::Null) => default,
        Some(v) => v.as_str(),
    };
    let Some(given) = given else { return };
    if !values.iter().any(|v| v == given) {
        let supported: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
        let code = report.code;
        let detail = if value.is_some() {
            format!("Unsupported value: {given:?}: supported values: {}", supported.join(", "))
        } else {
            format!("Required value: the API server defaults it to {given:?}; valid values: {}", supported.join(", "))
        };
        report.push(code, path, false, detail);
    }
}

fn range(value: &Value, path: Path, min: i64, max: i64, report: &mut Report<'_>) {
    let Some(n) = Report::integer(Some(value)) else { return };
    if n < min || n > max {
        let why = match (min, max) {
            (0, i64::MAX) => "must be greater than or equal to 0".to_string(),
            (min, i64::MAX) => format!("must be greater than or equal to {min}"),
            (min, max) => format!("must be between {min} and {max}, inclusive"),
        };
        report.invalid(path, value, &why);
    }
}

fn port_or_name(value: &Value, path: Path, report: &mut Report<'_>) {
    match value {
        Value::String(_) => format(value, path, report, formats::port_name_problem),
        _ => range(value, path, 1, 65535, report),
    }
}

fn int_or_percent(value: &Value, path: Path, report: &mut Report<'_>) {
    match value.as_str() {
        Some(s) if !formats::is_percent(s) => {
            report.invalid(path, value, "a valid percent string must be a numeric string followed by an ending '%'");
        }
        Some(_) => {}
        None => range(value, path, 0, i64::MAX, report),
    }
}

fn labels(value: &Value, path: &Path, report: &mut Report<'_>) {
    let Some(map) = value.as_object() else { return };
    for (key, v) in map {
        if let Some(problem) = formats::qualified_name_problem(key) {
            report.invalid_key(path.key(key), key, &format!("not a valid label key: {problem}"));
            continue;
        }
        if let Some(problem) = v.as_str().filter(|_| report.known(v)).and_then(formats::label_value_problem) {
            report.invalid(path.key(key), v, &format!("not a valid label value: {problem}"));
        }
    }
}

fn annotations(value: &Value, path: &Path, max_bytes: usize, report: &mut Report<'_>) {
    let Some(map) = value.as_object() else { return };
    let mut size = 0usize;
    for (key, v) in map {
        // The API server checks annotation keys lowercased (apimachinery `ValidateAnnotations`).
        if let Some(problem) = formats::qualified_name_problem(&key.to_lowercase()) {
            report.invalid_key(path.key(key), key, &format!("not a valid annotation key: {problem}"));
        }
        // A computed value only adds to the size: what is known already counts.
        size += key.len() + v.as_str().filter(|_| report.known(v)).map_or(0, str::len);
    }
    report.too_long(path, size, max_bytes, "the keys and values");
}

/// Decodes a `[]byte` field's JSON form (standard base64, padded), as Go's `encoding/json` does.
pub(super) fn decoded_len(text: &str) -> Option<usize> {
    base64::engine::general_purpose::STANDARD.decode(text).ok().map(|bytes| bytes.len())
}

fn base64_values(value: &Value, path: &Path, report: &mut Report<'_>) {
    for (key, v) in value.as_object().into_iter().flatten() {
        if let Some(text) = v.as_str().filter(|_| report.known(v))
            && decoded_len(text).is_none()
        {
            report.invalid(
                path.key(key),
                &Value::from("<data>"),
                "must be base64-encoded (this value does not decode)",
            );
        }
    }
}

fn unique(node: &Value, path: &Path, at: &[String], report: &mut Report<'_>) {
    let mut seen: HashSet<String> = HashSet::new();
    for sub in at {
        let mut found: Vec<(Value, Path)> = Vec::new();
        walk::each(node, path, sub, report.mode, &mut |value, at_path| {
            if let Some(v) = value.filter(|v| v.is_string() || v.is_number()) {
                found.push((v.clone(), at_path));
            }
        });
        for (value, at_path) in found {
            if !report.known(&value) {
                continue;
            }
            if !seen.insert(value.to_string()) {
                report.duplicate(at_path, &value);
            }
        }
    }
}

/// A key of the first map that a later one holds too is reported on the first, as the API server does
/// (`data[logo]: duplicate of key present in binaryData`).
fn disjoint_keys(node: &Value, path: &Path, maps: &[String], report: &mut Report<'_>) {
    let keys = |field: &String| node.get(field).and_then(Value::as_object).into_iter().flat_map(|m| m.keys());
    for (i, field) in maps.iter().enumerate() {
        for key in keys(field) {
            if let Some(later) = maps[i + 1..].iter().find(|later| keys(later).any(|k| k == key)) {
                report.invalid_key(path.key(field).key(key), key, &format!("duplicate of key present in {later}"));
            }
        }
    }
}

/// The text maps are counted first: a key they share with a base64 map counts once, as the API server merges a
/// `Secret`'s `stringData` over its `data`.
fn total_size(node: &Value, path: &Path, max: usize, text: &[String], base64: &[String], report: &mut Report<'_>) {
    let entries = |field: &String| node.get(field).and_then(Value::as_object).into_iter().flatten();
    let mut counted: HashSet<&str> = HashSet::new();
    let mut size = 0usize;
    for (key, v) in text.iter().flat_map(entries) {
        counted.insert(key);
        size += v.as_str().filter(|_| report.known(v)).map_or(0, str::len);
    }
    for (key, v) in base64.iter().flat_map(entries) {
        if !counted.contains(key.as_str()) {
            size += v.as_str().filter(|_| report.known(v)).and_then(decoded_len).unwrap_or(0);
        }
    }
    report.too_long(path, size, max, "the data");
}

/// `metadata.name` by the kind's name rule (a missing name is the schema's and `generateName`'s business).
pub(super) fn object_name(object: &Value, format: NameFormat, mode: Mode, out: &mut Vec<Refusal>) {
    let Some(name) = object.pointer("/metadata/name") else { return };
    let mut report = Report { mode, rule: "name", code: Code::InvalidName, out };
    if !report.known(name) {
        return;
    }
    let problem = match format {
        NameFormat::DnsSubdomain => formats::dns_subdomain_problem,
        NameFormat::DnsLabel => formats::dns_label_problem,
        NameFormat::PathSegment => formats::path_segment_problem,
    };
    let path = Path::root().key("metadata").key("name");
    if let Some(why) = name.as_str().and_then(problem) {
        report.invalid(path, name, &why);
    }
}
