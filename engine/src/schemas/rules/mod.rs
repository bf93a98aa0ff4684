//! What the API server refuses that no OpenAPI schema says: the rules Kubernetes' validation code applies to
//! the built-in kinds (`pkg/apis/*/validation`, apimachinery's `ValidateObjectMeta`), kept as a table next to
//! the schema bundle (`engine/schemas/k8s-v1.37-rules.yaml`, read by [`table`]).
//!
//! Object names per kind (a `Service` is a DNS label, a `ConfigMap` a DNS subdomain, an RBAC `Role` a path
//! segment), label keys and values, annotation keys and their total size, negative replica counts, ports
//! outside 1–65535, container, port, volume and environment variable names, quantities and requests above
//! limits, `ConfigMap` and `Secret` keys, `Ingress` hosts and paths, workload selectors that do not select
//! their own pods, and more: each row of the table names its Kubernetes source.
//!
//! One function, [`refusals`], runs the rules over an object. The graph build runs it over each template with
//! its literal values ([`Mode::Template`]: a value written as `${...}` is unknown and never refused), so
//! `kro validate` and editors point at the line; the planner runs it over each rendered object
//! ([`Mode::Rendered`]), so a value known only at reconcile time is an error of its resource in the plan. The
//! rules are never stricter than the API server: each example of the table is checked against a real one by
//! the end-to-end suite (`tests/e2e/tests/api_rules.rs`).

mod checks;
mod objects;
mod table;
mod walk;

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Schema, builtin};
use crate::diagnostics::{Code, Path};
use table::{Case, NameFormat, Row, TABLE};

/// How much of an object is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A template as written: a string holding `${` is computed at reconcile time, so it is not checked, and
    /// neither is what an expression could remove.
    Template,
    /// An object as it will be applied: every value is final.
    Rendered,
}

/// Which rules an object's kind gets.
#[derive(Debug, Clone, Copy)]
pub(crate) enum KindRules<'a> {
    /// A kind of the bundle: its own rules, found through its schema.
    Builtin { group: &'a str, kind: &'a str, schema: Schema<'a> },
    /// A custom resource (a CRD's kind, or an RGD's): the API server's rules for every object's metadata,
    /// and a DNS-subdomain name.
    Custom,
}

impl<'a> KindRules<'a> {
    /// The rules of a built-in kind at `group`/`version`, when the bundle has it.
    pub(crate) fn builtin(group: &'a str, version: &str, kind: &'a str) -> Option<Self> {
        builtin().kind(group, version, kind).map(|k| KindRules::Builtin { group, kind, schema: k.schema() })
    }
}

/// One thing the API server would refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// The table row (or `name` for the name rule).
    pub rule: String,
    pub code: Code,
    /// Where in the object.
    pub path: Path,
    /// The problem is the map key that ends `path` (a label key), not its value.
    pub on_key: bool,
    /// What the API server would say, in its words: `Invalid value: "x": must ...`.
    pub detail: String,
}

impl Refusal {
    /// `path: detail`, as the API server lists its causes.
    pub(crate) fn message(&self) -> String {
        format!("{}: {}", self.path, self.detail)
    }
}

/// Everything the API server would refuse in `object` (a template or a rendered object) of a kind with
/// `rules`, in the table's order.
pub(crate) fn refusals(object: &Value, rules: KindRules<'_>, mode: Mode) -> Vec<Refusal> {
    let mut out = Vec::new();
    let table = &*TABLE;
    let (group, kind) = match rules {
        KindRules::Builtin { group, kind, .. } => (group, kind),
        KindRules::Custom => ("", ""),
    };
    let name_format = match rules {
        KindRules::Builtin { .. } => table
            .names
            .iter()
            .find(|row| row.kinds.iter().any(|k| kind_matches(k, group, kind)))
            .map_or(NameFormat::PathSegment, |row| row.format),
        KindRules::Custom => table.custom_resource_names,
    };
    checks::object_name(object, name_format, mode, &mut out);
    let builtin_kind = matches!(rules, KindRules::Builtin { .. });
    for row in &table.rules {
        let applies = row.kinds.iter().any(|k| k == "*" || (builtin_kind && kind_matches(k, group, kind)));
        if applies {
            run_row(row, object, &Path::root(), mode, &mut out);
        }
    }
    if let KindRules::Builtin { schema, .. } = rules {
        for (definition, node, path) in walk::definitions(object, schema, mode) {
            for row in table.rules.iter().filter(|r| r.types.iter().any(|t| t == definition)) {
                run_row(row, node, &path, mode, &mut out);
            }
        }
    }
    out
}

/// Whether a table kind (`apps/Deployment`, `Service` for the core group) names `group`/`kind`.
fn kind_matches(entry: &str, group: &str, kind: &str) -> bool {
    match entry.rsplit_once('/') {
        Some((g, k)) => g == group && k == kind,
        None => group.is_empty() && entry == kind,
    }
}

fn run_row(row: &Row, node: &Value, path: &Path, mode: Mode, out: &mut Vec<Refusal>) {
    let Some(code) = table::code_of(&row.code) else { return };
    let mut report = checks::Report { mode, rule: &row.id, code, out };
    for at in &row.at {
        walk::each(node, path, at, mode, &mut |value, at_path| checks::run(&row.check, value, at_path, &mut report));
    }
}

/// An example of the table: an object the API server refuses (or accepts) because of one rule.
#[derive(Debug, Clone)]
pub struct Example {
    /// The rule's id in the table (`name` for the name rules).
    pub rule: String,
    /// The code the rule reports.
    pub code: Code,
    /// Whether the API server refuses the object.
    pub refused: bool,
    /// The Kubernetes source the rule follows, as the table cites it.
    pub source: String,
    /// The object.
    pub object: Value,
}

/// Every example of the table, refused and accepted, and each sample as it is (accepted), for the tests of
/// the engine and of the end-to-end suite; a malformed example is an `Err` naming it.
pub fn examples() -> Result<Vec<Example>, String> {
    let table = table::load(table::TEXT)?;
    let mut examples = Vec::new();
    let mut add = |rule: &str, code: Code, refused: bool, source: &str, case: &Case| -> Result<(), String> {
        let sample = table.samples.get(&case.sample).ok_or_else(|| format!("{rule}: no sample {:?}", case.sample))?;
        let mut object = sample.clone();
        for (at, value) in &case.set {
            walk::set(&mut object, at, expand(value)).map_err(|e| format!("{rule}: {at}: {e}"))?;
        }
        examples.push(Example { rule: rule.to_string(), code, refused, source: source.to_string(), object });
        Ok(())
    };
    for row in &table.names {
        for case in &row.refused {
            add("name", Code::InvalidName, true, &row.source, case)?;
        }
        for case in &row.accepted {
            add("name", Code::InvalidName, false, &row.source, case)?;
        }
    }
    for row in &table.rules {
        let code = table::code_of(&row.code).ok_or_else(|| format!("{}: unknown code", row.id))?;
        if row.refused.is_empty() || row.accepted.is_empty() {
            return Err(format!("rule {} needs an example the API server refuses and one it accepts", row.id));
        }
        for case in &row.refused {
            add(&row.id, code, true, &row.source, case)?;
        }
        for case in &row.accepted {
            add(&row.id, code, false, &row.source, case)?;
        }
    }
    for name in table.samples.keys() {
        add("sample", Code::InvalidName, false, "", &Case { sample: name.clone(), set: BTreeMap::new() })?;
    }
    Ok(examples)
}

/// An example value with each `{$repeat: [text, n]}` replaced by `text` repeated `n` times.
fn expand(value: &Value) -> Value {
    match value {
        Value::Object(map) => match map.get("$repeat").and_then(Value::as_array).map(Vec::as_slice) {
            Some([Value::String(text), n]) => Value::from(text.repeat(n.as_u64().unwrap_or(0).try_into().unwrap_or(0))),
            _ => Value::Object(map.iter().map(|(k, v)| (k.clone(), expand(v))).collect()),
        },
        Value::Array(items) => Value::Array(items.iter().map(expand).collect()),
        other => other.clone(),
    }
}

/// The kinds the table names, for the test that every built-in kind has a name rule.
#[cfg(test)]
pub(super) fn named_kinds() -> Vec<String> {
    TABLE.names.iter().flat_map(|row| row.kinds.iter().cloned()).collect()
}

#[cfg(test)]
mod tests;
