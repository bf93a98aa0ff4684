//! Whether a CRD generated from a changed RGD can replace the one installed without breaking the instances
//! already stored (kro's `pkg/graph/crd/compat`): a field removed, a type changed, a new required field, a
//! narrower enum, a new or changed pattern, tighter bounds on numbers, lengths or item counts. Loosening
//! changes (a field added, a description or default changed, a field no longer required, an enum widened,
//! bounds relaxed) are compatible. The operator refuses a breaking update unless the RGD carries
//! `kro.run/allow-breaking-changes: "true"`.
//!
//! `status` is not compared: kro-rs writes it, and no stored object depends on its shape.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::kube::version_schemas;

/// What kind of breaking change, in kro's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeKind {
    /// A served version of the installed CRD is gone.
    VersionRemoved,
    /// The CRD's scope (Namespaced or Cluster) changed.
    ScopeChanged,
    /// A property of the installed schema is gone.
    PropertyRemoved,
    /// A property's type changed.
    TypeChanged,
    /// A property became required.
    RequiredAdded,
    /// An enum lost values.
    EnumRestricted,
    /// A string property got a pattern.
    PatternAdded,
    /// A string property's pattern changed.
    PatternChanged,
    /// A number got a minimum.
    MinimumAdded,
    /// A number's minimum went up.
    MinimumIncreased,
    /// A number got a maximum.
    MaximumAdded,
    /// A number's maximum went down.
    MaximumDecreased,
    /// A string got a minimum length.
    MinLengthAdded,
    /// A string's minimum length went up.
    MinLengthIncreased,
    /// A string got a maximum length.
    MaxLengthAdded,
    /// A string's maximum length went down.
    MaxLengthDecreased,
    /// A list got a minimum item count.
    MinItemsAdded,
    /// A list's minimum item count went up.
    MinItemsIncreased,
    /// A list got a maximum item count.
    MaxItemsAdded,
    /// A list's maximum item count went down.
    MaxItemsDecreased,
}

/// One breaking change: what, where (`v1alpha1: spec.ports.items.port`) and a sentence a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreakingChange {
    /// Which rule it breaks.
    pub kind: ChangeKind,
    /// Where in the schema, prefixed with the version.
    pub path: String,
    /// What changed, in words a user can act on.
    pub message: String,
}

impl fmt::Display for BreakingChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The breaking changes from the `installed` CRD to the `generated` one; empty when the update is safe.
pub fn breaking_changes(installed: &Value, generated: &Value) -> Vec<BreakingChange> {
    let mut changes = Vec::new();
    let scope = |crd: &Value| crd.pointer("/spec/scope").and_then(Value::as_str).unwrap_or("Namespaced").to_string();
    if scope(installed) != scope(generated) {
        changes.push(BreakingChange {
            kind: ChangeKind::ScopeChanged,
            path: "spec.scope".to_string(),
            message: format!("scope changed from {} to {}", scope(installed), scope(generated)),
        });
    }
    let new_versions: Vec<(&str, Option<&Value>)> = version_schemas(generated).collect();
    for (name, old_schema) in version_schemas(installed) {
        match new_versions.iter().find(|(n, _)| *n == name) {
            None => changes.push(BreakingChange {
                kind: ChangeKind::VersionRemoved,
                path: name.to_string(),
                message: format!("version {name} is no longer served"),
            }),
            Some((_, new_schema)) => {
                compare(old_schema.unwrap_or(&Value::Null), new_schema.unwrap_or(&Value::Null), name, &mut changes);
            }
        }
    }
    changes
}

fn compare(old: &Value, new: &Value, path: &str, changes: &mut Vec<BreakingChange>) {
    let mut push = |kind: ChangeKind, message: String| {
        changes.push(BreakingChange { kind, path: path.to_string(), message });
    };
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    if let (Some(a), Some(b)) = (text(old, "type"), text(new, "type"))
        && a != b
    {
        push(ChangeKind::TypeChanged, format!("type changed from {a} to {b}"));
        return;
    }
    match (text(old, "pattern"), text(new, "pattern")) {
        (None, Some(p)) => push(ChangeKind::PatternAdded, format!("pattern {p:?} added")),
        (Some(a), Some(b)) if a != b => {
            push(ChangeKind::PatternChanged, format!("pattern changed from {a:?} to {b:?}"));
        }
        _ => {}
    }
    if let Some(new_enum) = new.get("enum").and_then(Value::as_array) {
        let old_enum = old.get("enum").and_then(Value::as_array);
        let dropped: Vec<String> = match old_enum {
            Some(old_enum) => old_enum.iter().filter(|v| !new_enum.contains(v)).map(Value::to_string).collect(),
            None => vec!["any value".to_string()],
        };
        if !dropped.is_empty() {
            push(ChangeKind::EnumRestricted, format!("enum no longer allows {}", dropped.join(", ")));
        }
    }
    let bounds = [
        ("minimum", ChangeKind::MinimumAdded, ChangeKind::MinimumIncreased, true),
        ("maximum", ChangeKind::MaximumAdded, ChangeKind::MaximumDecreased, false),
        ("minLength", ChangeKind::MinLengthAdded, ChangeKind::MinLengthIncreased, true),
        ("maxLength", ChangeKind::MaxLengthAdded, ChangeKind::MaxLengthDecreased, false),
        ("minItems", ChangeKind::MinItemsAdded, ChangeKind::MinItemsIncreased, true),
        ("maxItems", ChangeKind::MaxItemsAdded, ChangeKind::MaxItemsDecreased, false),
    ];
    for (key, added, tightened, is_lower) in bounds {
        let number = |v: &Value| v.get(key).and_then(Value::as_f64);
        match (number(old), number(new)) {
            (None, Some(b)) => push(added, format!("{key} {b} added")),
            (Some(a), Some(b)) if (is_lower && b > a) || (!is_lower && b < a) => {
                push(tightened, format!("{key} changed from {a} to {b}"));
            }
            _ => {}
        }
    }
    let names = |v: &Value, key: &str| -> Vec<String> {
        v.get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    };
    let old_required = names(old, "required");
    for field in names(new, "required").into_iter().filter(|f| !old_required.contains(f)) {
        push(ChangeKind::RequiredAdded, format!("field {field} is now required"));
    }
    let empty = serde_json::Map::new();
    let properties = |v: &Value| v.get("properties").and_then(Value::as_object).unwrap_or(&empty).clone();
    let new_properties = properties(new);
    for (name, old_child) in &properties(old) {
        if path.matches('.').count() == 0 && name == "status" {
            continue;
        }
        let child_path = format!("{path}.{name}");
        match new_properties.get(name) {
            None => changes.push(BreakingChange {
                kind: ChangeKind::PropertyRemoved,
                path: child_path,
                message: format!("field {name} was removed"),
            }),
            Some(new_child) => compare(old_child, new_child, &child_path, changes),
        }
    }
    for key in ["items", "additionalProperties"] {
        if let (Some(a), Some(b)) = (old.get(key), new.get(key))
            && a.is_object()
            && b.is_object()
        {
            compare(a, b, &format!("{path}.{key}"), changes);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn crd(spec: &Value) -> Value {
        json!({"spec": {"scope": "Namespaced", "versions": [{"name": "v1alpha1", "schema": {"openAPIV3Schema": {
            "type": "object",
            "properties": {"spec": spec, "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}}},
        }}}]}})
    }

    fn kinds(old: &Value, new: &Value) -> Vec<(ChangeKind, String)> {
        breaking_changes(&crd(old), &crd(new)).into_iter().map(|c| (c.kind, c.path)).collect()
    }

    #[test]
    fn adding_an_optional_field_or_relaxing_a_rule_is_compatible() {
        let old = json!({"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "maxLength": 10},
            "tier": {"type": "string", "enum": ["dev", "prod"]},
            "replicas": {"type": "integer", "minimum": 1, "default": 1},
        }});
        let new = json!({"type": "object", "properties": {
            "name": {"type": "string", "maxLength": 20, "description": "the name"},
            "tier": {"type": "string", "enum": ["dev", "prod", "staging"]},
            "replicas": {"type": "integer", "default": 2},
            "image": {"type": "string"},
        }});
        assert_eq!(kinds(&old, &new), []);
    }

    #[test]
    fn each_breaking_change_is_named_with_its_path() {
        let old = json!({"type": "object", "properties": {
            "name": {"type": "string"},
            "port": {"type": "integer", "maximum": 65535},
            "tier": {"type": "string", "enum": ["dev", "prod"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "gone": {"type": "string"},
        }});
        let new = json!({"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "pattern": "^[a-z]+$"},
            "port": {"type": "string"},
            "tier": {"type": "string", "enum": ["prod"]},
            "tags": {"type": "array", "maxItems": 3, "items": {"type": "integer"}},
        }});
        assert_eq!(
            kinds(&old, &new),
            [
                (ChangeKind::RequiredAdded, "v1alpha1.spec".to_string()),
                (ChangeKind::PatternAdded, "v1alpha1.spec.name".to_string()),
                (ChangeKind::TypeChanged, "v1alpha1.spec.port".to_string()),
                (ChangeKind::EnumRestricted, "v1alpha1.spec.tier".to_string()),
                (ChangeKind::MaxItemsAdded, "v1alpha1.spec.tags".to_string()),
                (ChangeKind::TypeChanged, "v1alpha1.spec.tags.items".to_string()),
                (ChangeKind::PropertyRemoved, "v1alpha1.spec.gone".to_string()),
            ]
        );
        let message = breaking_changes(&crd(&old), &crd(&new))[3].to_string();
        assert_eq!(message, "v1alpha1.spec.tier: enum no longer allows \"dev\"");
    }

    #[test]
    fn status_changes_and_identical_crds_are_compatible() {
        let spec = json!({"type": "object", "properties": {"name": {"type": "string"}}});
        let mut new = crd(&spec);
        new["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"] = json!({"type": "object"});
        assert_eq!(breaking_changes(&crd(&spec), &new), []);
        assert_eq!(breaking_changes(&crd(&spec), &crd(&spec)), []);
    }

    #[test]
    fn a_version_no_longer_served_or_a_new_scope_breaks_stored_objects() {
        let spec = json!({"type": "object"});
        let mut new = crd(&spec);
        new["spec"]["versions"][0]["name"] = json!("v1beta1");
        new["spec"]["scope"] = json!("Cluster");
        let found: Vec<ChangeKind> = breaking_changes(&crd(&spec), &new).into_iter().map(|c| c.kind).collect();
        assert_eq!(found, [ChangeKind::ScopeChanged, ChangeKind::VersionRemoved]);
    }
}
