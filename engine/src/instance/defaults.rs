//! Structural defaulting and pruning, as the API server does them while decoding a custom resource
//! (apiextensions-apiserver `structuraldefaulting` and `structuralpruning`):
//! - a `null` in a field that is not `nullable` is dropped first, so its default (if any) applies;
//! - an absent field with a `default` gets a copy of it, and defaulting then goes on inside the copy, which is
//!   how `default: {}` on a struct makes the defaults of its fields materialise;
//! - a field the schema does not declare is dropped, unless `x-kubernetes-preserve-unknown-fields` keeps it.

use serde_json::Value;

use super::InstancePath;

/// Defaults `value` and prunes its unknown fields, recording the path of each pruned field in `unknown`.
pub(super) fn default_and_prune(
    value: &mut Value,
    schema: &Value,
    path: &InstancePath,
    unknown: &mut Vec<InstancePath>,
) {
    walk(value, schema, path, unknown);
}

fn preserves(schema: &Value) -> bool {
    schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true))
}

fn nullable(schema: Option<&Value>) -> bool {
    schema.and_then(|s| s.get("nullable")) == Some(&Value::Bool(true))
}

fn walk(value: &mut Value, schema: &Value, path: &InstancePath, unknown: &mut Vec<InstancePath>) {
    match value {
        Value::Object(map) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties");
            let field_schema =
                |k: &str| properties.and_then(|p| p.get(k)).or_else(|| additional.filter(|a| a.is_object()));
            map.retain(|k, v| !v.is_null() || nullable(field_schema(k)));
            if let Some(properties) = properties {
                for (name, prop) in properties {
                    if let Some(default) = prop.get("default")
                        && !map.contains_key(name)
                    {
                        map.insert(name.clone(), default.clone());
                    }
                }
            }
            let keep_unknown = preserves(schema) || additional == Some(&Value::Bool(true));
            let mut pruned = Vec::new();
            for (k, v) in map.iter_mut() {
                if let Some(prop) = properties.and_then(|p| p.get(k)) {
                    walk(v, prop, &path.field(k), unknown);
                } else if let Some(item) = additional.filter(|a| a.is_object()) {
                    walk(v, item, &path.key(k), unknown);
                } else if !keep_unknown {
                    pruned.push(k.clone());
                }
            }
            for k in pruned {
                map.remove(&k);
                unknown.push(path.field(&k));
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter_mut().enumerate() {
                    walk(item, item_schema, &path.index(i), unknown);
                }
            }
        }
        _ => {}
    }
}
