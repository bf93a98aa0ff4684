//! Keeping children as declared (docs/decisions/0016): when an applied child still holds what its template
//! declares, and how to take back the list items another field manager added inside lists kro-rs declares,
//! so that the next apply removes them.
//!
//! A forced server-side apply restores every field kro-rs declares, but it merges lists keyed by a field
//! (`containers` by `name`, a Service's `ports` by `port` and `protocol`) with the items other managers own.
//! A port whose number was changed by hand, or a container renamed by hand, is such an item: the apply adds
//! the declared one next to it, and the object is then either refused by the API server (two unnamed Service
//! ports) or silently not what was declared (two containers). Flux's answer is to rewrite `managedFields` so
//! that the applier owns those items, then apply: a field owned by the applier alone and missing from what
//! it applies is removed. This module computes that rewrite from the object's `managedFields`: only items of
//! lists the desired object declares, only those no declared item matches, and never from a manager the user
//! named as a co-owner.

use serde_json::{Map, Value};

/// Whether `observed` holds every field of `desired` with the same value (lists item by item, same length):
/// applying `desired` would change nothing a plan declares.
pub fn holds(observed: &Value, desired: &Value) -> bool {
    match (observed, desired) {
        (Value::Object(o), Value::Object(d)) => d.iter().all(|(k, v)| o.get(k).is_some_and(|ov| holds(ov, v))),
        (Value::Array(o), Value::Array(d)) => o.len() == d.len() && o.iter().zip(d).all(|(o, d)| holds(o, d)),
        (o, d) => o == d,
    }
}

/// Who may keep list items inside lists kro-rs declares.
#[derive(Debug, Clone, Copy)]
pub struct Ownership<'a> {
    /// kro-rs's field manager.
    pub manager: &'a str,
    /// Managers the user configured to co-own fields of kro-rs's children: their items are left alone.
    pub shared: &'a [String],
}

/// The `managedFields` to write on `live` so that applying `desired` removes the list items other managers
/// added inside lists `desired` declares: those items move from their manager's entry to kro-rs's `Apply`
/// entry (created if the object has none). `None` when there is nothing to take back.
pub fn take_back(desired: &Value, live: &Value, ownership: &Ownership<'_>) -> Option<Vec<Value>> {
    let entries = live.pointer("/metadata/managedFields")?.as_array()?;
    let mut entries = entries.clone();
    let mut taken = Map::new();
    for entry in &mut entries {
        let manager = entry.get("manager").and_then(Value::as_str).unwrap_or_default();
        let subresource = entry.get("subresource").and_then(Value::as_str).unwrap_or_default();
        if manager == ownership.manager || !subresource.is_empty() || ownership.shared.iter().any(|s| s == manager) {
            continue;
        }
        let Some(fields) = entry.get_mut("fieldsV1").and_then(Value::as_object_mut) else { continue };
        take_items(fields, desired, &mut taken);
    }
    if taken.is_empty() {
        return None;
    }
    // Entries left with nothing are dropped: an empty set would still name its manager.
    entries.retain(|e| e.get("fieldsV1").and_then(Value::as_object).is_none_or(|f| !f.is_empty()));
    let ours = entries.iter_mut().find(|e| {
        e.get("manager").and_then(Value::as_str) == Some(ownership.manager)
            && e.get("operation").and_then(Value::as_str) == Some("Apply")
            && e.get("subresource").and_then(Value::as_str).unwrap_or_default().is_empty()
    });
    match ours {
        Some(entry) => {
            let fields = entry.as_object_mut()?.entry("fieldsV1").or_insert_with(|| Value::Object(Map::new()));
            merge(fields.as_object_mut()?, taken);
        }
        None => entries.push(serde_json::json!({
            "manager": ownership.manager,
            "operation": "Apply",
            "apiVersion": desired.get("apiVersion").cloned().unwrap_or(Value::Null),
            "fieldsType": "FieldsV1",
            "fieldsV1": Value::Object(taken),
        })),
    }
    Some(entries)
}

/// Moves from `fields` (one manager's field set, at the level of `desired`) into `taken` every item of a list
/// `desired` declares that no declared item matches; recurses into the fields and matching items `desired`
/// declares. Nodes left empty by a move are removed.
fn take_items(fields: &mut Map<String, Value>, desired: &Value, taken: &mut Map<String, Value>) {
    let keys: Vec<String> = fields.keys().cloned().collect();
    for key in keys {
        let below = if let Some(name) = key.strip_prefix("f:") {
            desired.get(name)
        } else if let Some(item) = key.strip_prefix("k:") {
            let Value::Array(items) = desired else { continue };
            let Ok(Value::Object(item_key)) = serde_json::from_str::<Value>(item) else { continue };
            let declared = items.iter().find(|i| matches_key(i, &item_key));
            if declared.is_none()
                && let Some(sub) = fields.remove(&key)
            {
                taken.insert(key, sub);
                continue;
            }
            declared
        } else if let Some(value) = key.strip_prefix("v:") {
            let Value::Array(items) = desired else { continue };
            let Ok(value) = serde_json::from_str::<Value>(value) else { continue };
            if !items.contains(&value)
                && let Some(sub) = fields.remove(&key)
            {
                taken.insert(key, sub);
            }
            continue;
        } else {
            // "." (the field itself) and "i:" (an item of a list kept whole) are owned as they are.
            continue;
        };
        let Some(below) = below else { continue };
        let Some(Value::Object(sub)) = fields.get_mut(&key) else { continue };
        if sub.is_empty() {
            continue;
        }
        let mut sub_taken = Map::new();
        take_items(sub, below, &mut sub_taken);
        if sub_taken.is_empty() {
            continue;
        }
        if sub.is_empty() {
            fields.remove(&key);
        }
        taken.insert(key, Value::Object(sub_taken));
    }
}

/// Whether a declared list item is the item `key` names: every key field it declares has the key's value,
/// and it declares at least one (a field it leaves out may be defaulted by the API server, as a Service
/// port's `protocol` is).
fn matches_key(item: &Value, key: &Map<String, Value>) -> bool {
    let mut declared = 0;
    for (field, value) in key {
        match item.get(field) {
            Some(v) if v == value => declared += 1,
            Some(_) => return false,
            None => {}
        }
    }
    declared > 0
}

/// Adds `from`'s fields to `into`, a field set (keys below keys).
fn merge(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (key, value) in from {
        match (into.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(more)) => merge(existing, more),
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    const OWNERSHIP: Ownership<'static> = Ownership { manager: "kro-rs", shared: &[] };

    #[allow(clippy::needless_pass_by_value)] // the callers build the values inline
    fn service(ports: Value, managed: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "managedFields": managed},
            "spec": {"ports": ports}})
    }

    #[test]
    fn a_port_changed_by_hand_moves_to_kro_so_the_next_apply_removes_it() {
        let desired = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
            "spec": {"ports": [{"port": 80, "targetPort": 80}]}});
        let live = service(
            json!([{"port": 8081, "protocol": "TCP", "targetPort": 80}]),
            json!([
                {"manager": "kro-rs", "operation": "Apply", "apiVersion": "v1", "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}}}}},
                {"manager": "kubectl-patch", "operation": "Update", "apiVersion": "v1", "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:spec": {"f:ports": {"k:{\"port\":8081,\"protocol\":\"TCP\"}":
                    {".": {}, "f:port": {}, "f:protocol": {}, "f:targetPort": {}}}}}},
                {"manager": "kube-controller-manager", "operation": "Update", "subresource": "status",
                 "fieldsV1": {"f:status": {}}}
            ]),
        );
        let entries = take_back(&desired, &live, &OWNERSHIP).unwrap();
        assert_eq!(entries.len(), 2, "kubectl-patch owned nothing else: its entry goes; the status entry stays");
        let ours = &entries[0]["fieldsV1"];
        assert_eq!(ours["f:metadata"], json!({"f:labels": {"f:app": {}}}));
        assert!(ours.pointer("/f:spec/f:ports/k:{\"port\":8081,\"protocol\":\"TCP\"}/f:targetPort").is_some());
        assert_eq!(entries[1]["manager"], "kube-controller-manager");
    }

    #[test]
    fn declared_items_and_foreign_fields_stay_with_their_managers() {
        // The declared port (protocol defaulted by the server) and a label another tool added are not taken.
        let desired = json!({"apiVersion": "v1", "metadata": {"name": "s", "labels": {"app": "a"}},
            "spec": {"ports": [{"port": 80}]}});
        let live = service(
            json!([{"port": 80, "protocol": "TCP"}]),
            json!([{"manager": "helm", "operation": "Update", "fieldsV1": {
                "f:metadata": {"f:labels": {"f:team": {}}},
                "f:spec": {"f:ports": {"k:{\"port\":80,\"protocol\":\"TCP\"}": {"f:name": {}}}}}}]),
        );
        assert_eq!(take_back(&desired, &live, &OWNERSHIP), None);
    }

    #[test]
    fn a_renamed_container_is_taken_and_items_inside_a_declared_container_too() {
        let desired = json!({"apiVersion": "apps/v1", "spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "nginx", "ports": [{"containerPort": 80}]}]}}}});
        let live = json!({"metadata": {"managedFields": [
        {"manager": "kubectl-edit", "operation": "Update", "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {
            "k:{\"name\":\"renamed\"}": {".": {}, "f:name": {}, "f:image": {}},
            "k:{\"name\":\"app\"}": {"f:ports": {"k:{\"containerPort\":8080,\"protocol\":\"TCP\"}": {".": {}}}}
        }}}}}}]}});
        let entries = take_back(&desired, &live, &OWNERSHIP).unwrap();
        assert_eq!(entries.len(), 1, "kubectl-edit owned only taken items");
        assert_eq!(entries[0]["manager"], "kro-rs");
        assert_eq!(entries[0]["operation"], "Apply");
        let containers = &entries[0]["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"];
        assert!(containers.get("k:{\"name\":\"renamed\"}").is_some());
        assert!(
            containers
                .pointer("/k:{\"name\":\"app\"}/f:ports/k:{\"containerPort\":8080,\"protocol\":\"TCP\"}")
                .is_some()
        );
    }

    #[test]
    fn a_shared_manager_keeps_its_items() {
        let desired = json!({"spec": {"ports": [{"port": 80}]}});
        let live = service(
            json!([]),
            json!([{"manager": "mesh", "operation": "Apply", "fieldsV1": {"f:spec": {"f:ports": {"k:{\"port\":15090}": {}}}}}]),
        );
        let shared = vec!["mesh".to_string()];
        assert_eq!(take_back(&desired, &live, &Ownership { manager: "kro-rs", shared: &shared }), None);
        assert!(take_back(&desired, &live, &OWNERSHIP).is_some());
    }

    #[test]
    fn set_values_not_declared_are_taken() {
        let desired = json!({"metadata": {"finalizers": ["a"]}});
        let live = json!({"metadata": {"managedFields": [
            {"manager": "x", "operation": "Update", "fieldsV1": {"f:metadata": {"f:finalizers": {"v:\"a\"": {}, "v:\"b\"": {}}}}}]}});
        let entries = take_back(&desired, &live, &OWNERSHIP).unwrap();
        assert_eq!(entries[0]["fieldsV1"], json!({"f:metadata": {"f:finalizers": {"v:\"a\"": {}}}}));
        assert_eq!(entries[1]["fieldsV1"], json!({"f:metadata": {"f:finalizers": {"v:\"b\"": {}}}}));
    }

    #[test]
    fn holds_compares_declared_fields_and_list_lengths() {
        let desired = json!({"spec": {"a": 1, "l": [{"x": 1}]}});
        assert!(holds(&json!({"spec": {"a": 1, "b": 2, "l": [{"x": 1, "y": 2}]}}), &desired));
        assert!(!holds(&json!({"spec": {"a": 2, "l": [{"x": 1}]}}), &desired));
        assert!(!holds(&json!({"spec": {"a": 1, "l": [{"x": 1}, {"x": 2}]}}), &desired));
    }
}
