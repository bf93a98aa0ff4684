//! An instance as the API server would store it, before it is planned: validated against the generated
//! CRD and defaulted (the `instance` module), with the metadata a cluster would have filled in: the `default`
//! namespace for a namespaced API, generation 1, and a UID derived from namespace and name
//! ([`super::instance_uid`]).

use serde_json::{Map, Value};

use crate::graph::CompiledRgd;
use crate::instance::{Finding, validate_instance_for_crd};
use crate::kube::Scope;
use crate::yaml::Node;

/// The stored form of `instance` (`None` when the API server would reject it), and every finding: the errors
/// it would be rejected with, and warnings (what the API server would ignore) either way.
pub(crate) fn prepare_instance(rgd: &CompiledRgd, instance: &Node) -> (Option<Value>, Vec<Finding>) {
    let check = validate_instance_for_crd(&rgd.crd, instance, None);
    if !check.is_valid() {
        return (None, check.findings);
    }
    (Some(stored(rgd, instance, check.defaulted)), check.findings)
}

/// The defaulted instance with what a cluster fills in.
fn stored(rgd: &CompiledRgd, instance: &Node, mut object: Value) -> Value {
    let Some(map) = object.as_object_mut() else { return object };
    // A status in the file is the previous reconcile's (condition transition times): keep it.
    if let Some(status) = instance.get("status") {
        map.insert("status".to_string(), status.to_json());
    }
    let metadata = map.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    if let Some(metadata) = metadata.as_object_mut() {
        let no_namespace = metadata.get("namespace").and_then(Value::as_str).is_none_or(str::is_empty);
        if rgd.api.scope == Scope::Namespaced && no_namespace {
            metadata.insert("namespace".to_string(), Value::String("default".to_string()));
        }
        metadata.entry("generation").or_insert(Value::from(1));
    }
    let uid = super::instance_uid(&object);
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.entry("uid").or_insert(Value::String(uid));
    }
    object
}
