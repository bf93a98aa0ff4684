//! The spec hash that tells one revision from the next: kro's `pkg/graph/hash.Spec`, byte for byte, so a
//! spec kro hashed hashes the same here (a cluster moved between the two controllers issues no revision for
//! it). FNV-64a, in hex, of the spec as Go marshals kro's `ResourceGraphDefinitionSpec` after normalizing it:
//! struct fields in struct order with their `omitempty` rules, `group` defaulted to `kro.run` and `scope` to
//! `Namespaced`, resources sorted by id, `readyWhen` and `includeWhen` sorted (their order means nothing),
//! `forEach` kept in order (it is the loop order), and the free-form parts (`schema.spec`, `types`, `status`,
//! templates) in canonical JSON: keys sorted, numbers as floats.
//!
//! kro-rs's one extension field, `serviceAccountName`, is hashed after kro's fields when it is set, so
//! changing it issues a revision; without it the hash is kro's.

use std::hash::Hasher as _;

use serde_json::{Map, Value, json};

use super::go_json;

/// kro's spec hash of an RGD's `spec` (16 hex digits).
pub(crate) fn spec_hash(spec: &Value) -> String {
    let mut hasher = fnv::FnvHasher::default();
    hasher.write(go_json::to_string(&normalized(spec)).as_bytes());
    format!("{:016x}", hasher.finish())
}

/// The spec in the shape Go marshals kro's struct in.
fn normalized(spec: &Value) -> Value {
    let mut out = Map::new();
    if let Some(schema) = spec.get("schema").filter(|s| !s.is_null()) {
        out.insert("schema".into(), normalized_schema(schema));
    }
    if let Some(resources) = spec.get("resources").and_then(Value::as_array).filter(|r| !r.is_empty()) {
        let mut resources: Vec<&Value> = resources.iter().collect();
        // Go sorts the pointers with nil first; ids compare as bytes.
        resources.sort_by(|a, b| {
            fn id(r: &Value) -> Option<&str> {
                r.as_object().map(|o| o.get("id").and_then(Value::as_str).unwrap_or_default())
            }
            id(a).cmp(&id(b))
        });
        out.insert("resources".into(), Value::Array(resources.into_iter().map(normalized_resource).collect()));
    }
    if let Some(account) = spec.get("serviceAccountName").filter(|a| !is_empty(a)) {
        out.insert("serviceAccountName".into(), account.clone());
    }
    Value::Object(out)
}

fn normalized_schema(schema: &Value) -> Value {
    let mut out = Map::new();
    string_field(&mut out, schema, "kind", None);
    string_field(&mut out, schema, "apiVersion", None);
    string_field(&mut out, schema, "group", Some("kro.run"));
    for raw in ["spec", "types", "status"] {
        out.insert(raw.into(), raw_extension(schema.get(raw)));
    }
    string_field(&mut out, schema, "scope", Some("Namespaced"));
    if let Some(columns) = schema.get("additionalPrinterColumns").filter(|c| !is_empty(c)) {
        let columns = match columns.as_array() {
            Some(items) => Value::Array(items.iter().map(normalized_column).collect()),
            None => go_json::sorted(columns),
        };
        out.insert("additionalPrinterColumns".into(), columns);
    }
    for list in ["shortNames", "categories"] {
        if let Some(items) = schema.get(list).filter(|l| !is_empty(l)) {
            out.insert(list.into(), items.clone());
        }
    }
    if let Some(metadata) = schema.get("metadata").filter(|m| !m.is_null()) {
        let mut meta = Map::new();
        for map in ["labels", "annotations"] {
            if let Some(entries) = metadata.get(map).filter(|m| !is_empty(m)) {
                meta.insert(map.into(), go_json::sorted(entries));
            }
        }
        out.insert("metadata".into(), Value::Object(meta));
    }
    Value::Object(out)
}

/// `extv1.CustomResourceColumnDefinition`: name, type, format, description, priority, jsonPath.
fn normalized_column(column: &Value) -> Value {
    let text = |k: &str| column.get(k).cloned().unwrap_or_else(|| json!(""));
    let mut out = Map::new();
    out.insert("name".into(), text("name"));
    out.insert("type".into(), text("type"));
    for optional in ["format", "description", "priority"] {
        if let Some(v) = column.get(optional).filter(|v| !is_empty(v)) {
            out.insert(optional.into(), v.clone());
        }
    }
    out.insert("jsonPath".into(), text("jsonPath"));
    Value::Object(out)
}

fn normalized_resource(resource: &Value) -> Value {
    if resource.is_null() {
        return Value::Null;
    }
    let mut out = Map::new();
    string_field(&mut out, resource, "id", None);
    out.insert("template".into(), raw_extension(resource.get("template")));
    if let Some(external) = resource.get("externalRef").filter(|e| !e.is_null()) {
        out.insert("externalRef".into(), normalized_external_ref(external));
    }
    for list in ["readyWhen", "includeWhen"] {
        if let Some(items) = resource.get(list).filter(|l| !is_empty(l)) {
            let items = match items.as_array() {
                Some(items) => {
                    let mut items = items.clone();
                    items.sort_by(|a, b| a.as_str().unwrap_or_default().cmp(b.as_str().unwrap_or_default()));
                    Value::Array(items)
                }
                None => items.clone(),
            };
            out.insert(list.into(), items);
        }
    }
    if let Some(dimensions) = resource.get("forEach").filter(|f| !is_empty(f)) {
        out.insert("forEach".into(), go_json::sorted(dimensions));
    }
    Value::Object(out)
}

/// `ExternalRef`: apiVersion, kind, metadata {name, namespace, selector {matchLabels, matchExpressions}}.
fn normalized_external_ref(external: &Value) -> Value {
    let text = |k: &str| external.get(k).cloned().unwrap_or_else(|| json!(""));
    let metadata = external.get("metadata").cloned().unwrap_or(Value::Null);
    let mut meta = Map::new();
    string_field(&mut meta, &metadata, "name", None);
    string_field(&mut meta, &metadata, "namespace", None);
    if let Some(selector) = metadata.get("selector").filter(|s| !s.is_null()) {
        let mut sel = Map::new();
        if let Some(labels) = selector.get("matchLabels").filter(|l| !is_empty(l)) {
            sel.insert("matchLabels".into(), go_json::sorted(labels));
        }
        if let Some(expressions) = selector.get("matchExpressions").filter(|e| !is_empty(e)) {
            let expressions = match expressions.as_array() {
                Some(items) => Value::Array(items.iter().map(normalized_requirement).collect()),
                None => go_json::sorted(expressions),
            };
            sel.insert("matchExpressions".into(), expressions);
        }
        meta.insert("selector".into(), Value::Object(sel));
    }
    json!({"apiVersion": text("apiVersion"), "kind": text("kind"), "metadata": meta})
}

/// `metav1.LabelSelectorRequirement`: key, operator, values.
fn normalized_requirement(requirement: &Value) -> Value {
    let mut out = Map::new();
    out.insert("key".into(), requirement.get("key").cloned().unwrap_or_else(|| json!("")));
    out.insert("operator".into(), requirement.get("operator").cloned().unwrap_or_else(|| json!("")));
    if let Some(values) = requirement.get("values").filter(|v| !is_empty(v)) {
        out.insert("values".into(), values.clone());
    }
    Value::Object(out)
}

/// A `RawExtension` in kro's canonical form: the value with its keys sorted, `null` when absent.
fn raw_extension(value: Option<&Value>) -> Value {
    value.map_or(Value::Null, go_json::sorted)
}

/// A string field with `omitempty`, defaulted to `default` when empty. A value that is not a string (which
/// kro could not read at all) is kept as it is, so a change to it still changes the hash.
fn string_field(out: &mut Map<String, Value>, object: &Value, key: &str, default: Option<&str>) {
    match object.get(key) {
        Some(Value::String(s)) if !s.is_empty() => {
            out.insert(key.into(), json!(s));
        }
        None | Some(Value::Null | Value::String(_)) => {
            if let Some(default) = default {
                out.insert(key.into(), json!(default));
            }
        }
        Some(other) => {
            out.insert(key.into(), go_json::sorted(other));
        }
    }
}

/// What Go's `omitempty` leaves out: a missing or null value, an empty string, list or map, a zero number.
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Bool(b) => !b,
    }
}
