//! Executes what a plan says, and nothing else: server-side apply of the objects of one wave at once (field
//! manager `kro-rs`, force, as kro's applyset does), deletes, the instance's metadata patch, its finalizer and
//! its status (through the status subresource, only when it changed).

use std::collections::BTreeMap;

use futures::future::join_all;
use kro_engine::{Apply, InstancePatch, ObjectKey, labels};
use kube::api::{ApiResource, DeleteParams, DynamicObject, Patch, PatchParams};
use kube::{Api, Client};
use serde_json::{Value, json};

use super::discovery::Served;
use super::engine::Engine;
use super::{FIELD_MANAGER, Shared};

/// A reconcile that could not finish; the instance is retried with backoff.
#[derive(Debug)]
pub struct ReconcileError(pub String);

impl std::fmt::Display for ReconcileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReconcileError {}

impl From<kube::Error> for ReconcileError {
    fn from(e: kube::Error) -> Self {
        ReconcileError(e.to_string())
    }
}

/// The API of the object `api_version`/`kind` in `namespace` (ignored for cluster-scoped kinds), through
/// `client` (the operator's, or one acting as the RGD's ServiceAccount): from the engine's catalog (built-in
/// kinds and the cluster's CRDs, no request), else the API server's discovery.
pub async fn api_for(
    shared: &Shared,
    client: &Client,
    engine: &Engine,
    api_version: &str,
    kind: &str,
    namespace: &str,
) -> Result<(Api<DynamicObject>, bool), ReconcileError> {
    let served = match engine.resource_type(api_version, kind) {
        Some(t) => Served {
            resource: ApiResource {
                group: t.group.clone(),
                version: t.version.clone(),
                api_version: t.api_version(),
                kind: t.kind.clone(),
                plural: t.plural.clone(),
            },
            namespaced: t.namespaced,
        },
        None => shared
            .discovery
            .resolve(&shared.client, api_version, kind)
            .await
            .map_err(|e| ReconcileError(format!("{api_version} {kind} is not served by the API server: {e}")))?,
    };
    let api = if served.namespaced && !namespace.is_empty() {
        Api::namespaced_with(client.clone(), namespace, &served.resource)
    } else {
        Api::all_with(client.clone(), &served.resource)
    };
    Ok((api, served.namespaced))
}

/// Applies the objects of one wave concurrently; returns each as the API server stored it.
pub async fn apply_wave(
    shared: &Shared,
    client: &Client,
    engine: &Engine,
    wave: &[&Apply],
) -> Result<Vec<Value>, ApplyFailure> {
    let applies = wave.iter().map(|a| apply_one(shared, client, engine, &a.object));
    let results = join_all(applies).await;
    results.into_iter().collect()
}

/// An object the API server would not take, and its message: the engine makes it an error of its resource.
#[derive(Debug)]
pub struct ApplyFailure {
    pub key: ObjectKey,
    pub message: String,
}

async fn apply_one(shared: &Shared, client: &Client, engine: &Engine, object: &Value) -> Result<Value, ApplyFailure> {
    let key = ObjectKey::of(object);
    let (api, _) = match api_for(shared, client, engine, &key.api_version, &key.kind, &key.namespace).await {
        Ok(found) => found,
        Err(e) => return Err(ApplyFailure { key, message: e.0 }),
    };
    let params = PatchParams::apply(FIELD_MANAGER).force();
    match api.patch(&key.name, &params, &Patch::Apply(object)).await {
        Ok(applied) => Ok(serde_json::to_value(applied).unwrap_or(Value::Null)),
        Err(e) => {
            if is_not_found(&e) {
                // The kind went away (its CRD deleted): look it up again next time.
                shared.discovery.forget(&key.api_version, &key.kind);
            }
            Err(ApplyFailure { key, message: e.to_string() })
        }
    }
}

/// What this process last applied, per child: a hash of the object it sent. A child whose template renders the
/// same object again, and whose observed state still holds every field of it, is not applied again: the apply
/// would change nothing (the profile of the load benchmark: half of all requests were such applies, one per
/// child in every reconcile a status change triggers). Anything else is applied, as kro does:
/// - a template that renders something else (a field removed included: only an apply drops it);
/// - drift: a field of ours changed or gone in the observed object;
/// - a child applied by another process, or before a restart (nothing recorded).
#[derive(Debug, Default)]
pub struct AppliedObjects(std::sync::Mutex<std::collections::HashMap<ObjectKey, u64>>);

impl AppliedObjects {
    /// Whether applying `desired` would change nothing, `observed` being the child as last seen.
    pub fn unchanged(&self, desired: &Value, observed: Option<&Value>) -> bool {
        let Some(observed) = observed else { return false };
        let recorded = self.0.lock().ok().and_then(|a| a.get(&ObjectKey::of(desired)).copied());
        recorded == Some(fingerprint(desired)) && holds(observed, desired)
    }

    /// Records that `desired` was applied.
    pub fn record(&self, desired: &Value) {
        if let Ok(mut applied) = self.0.lock() {
            applied.insert(ObjectKey::of(desired), fingerprint(desired));
        }
    }

    /// Forgets the children deleted (or about to be).
    pub fn forget(&self, keys: &[ObjectKey]) {
        if let Ok(mut applied) = self.0.lock() {
            for key in keys {
                applied.remove(key);
            }
        }
    }
}

fn fingerprint(object: &Value) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    object.to_string().hash(&mut h);
    h.finish()
}

/// Whether `observed` has every field of `desired` with the same value (lists item by item, same length).
fn holds(observed: &Value, desired: &Value) -> bool {
    match (observed, desired) {
        (Value::Object(o), Value::Object(d)) => d.iter().all(|(k, v)| o.get(k).is_some_and(|ov| holds(ov, v))),
        (Value::Array(o), Value::Array(d)) => o.len() == d.len() && o.iter().zip(d).all(|(o, d)| holds(o, d)),
        (o, d) => o == d,
    }
}

/// Deletes the objects (background propagation); one already gone is fine.
pub async fn delete(
    shared: &Shared,
    client: &Client,
    engine: &Engine,
    keys: &[ObjectKey],
) -> Result<(), ReconcileError> {
    let deletes = keys.iter().map(|key| async move {
        let (api, _) = api_for(shared, client, engine, &key.api_version, &key.kind, &key.namespace).await?;
        match api.delete(&key.name, &DeleteParams::background()).await {
            Ok(_) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(ReconcileError(format!("delete {key}: {e}"))),
        }
    });
    join_all(deletes).await.into_iter().collect()
}

pub fn is_not_found(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(status) if status.code == 404)
}

/// Applies the plan's labels, annotations and finalizer onto the instance when it lacks any of them, or has
/// kro's `ApplySet` annotations the plan no longer lists. Returns the instance as stored after the patch.
pub async fn patch_instance(
    api: &Api<DynamicObject>,
    instance: &Value,
    patch: &InstancePatch,
) -> Result<Option<Value>, ReconcileError> {
    if !needs_patch(instance, patch) {
        return Ok(None);
    }
    let body = json!({
        "apiVersion": instance.get("apiVersion"),
        "kind": instance.get("kind"),
        "metadata": {
            "name": instance.pointer("/metadata/name"),
            "labels": patch.labels,
            "annotations": patch.annotations,
            "finalizers": patch.finalizers,
        },
    });
    let name = instance.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
    let stored = api.patch(name, &PatchParams::apply(FIELD_MANAGER).force(), &Patch::Apply(&body)).await?;
    Ok(Some(serde_json::to_value(stored).unwrap_or(Value::Null)))
}

fn needs_patch(instance: &Value, patch: &InstancePatch) -> bool {
    let map = |key: &str| -> BTreeMap<String, String> {
        instance
            .pointer(&format!("/metadata/{key}"))
            .and_then(Value::as_object)
            .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
            .unwrap_or_default()
    };
    let (labels, annotations) = (map("labels"), map("annotations"));
    let finalizers: Vec<&str> = instance
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .map(|f| f.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let missing = |want: &BTreeMap<String, String>, have: &BTreeMap<String, String>| {
        want.iter().any(|(k, v)| have.get(k) != Some(v))
    };
    // ApplySet annotations the plan dropped (an additional namespace no longer used) must go too.
    let stale = annotations.keys().any(|k| {
        (k.starts_with("applyset.kubernetes.io/") || k.starts_with("internal.kro.run/"))
            && !patch.annotations.contains_key(k)
    }) && !patch.annotations.is_empty();
    missing(&patch.labels, &labels)
        || missing(&patch.annotations, &annotations)
        || patch.finalizers.iter().any(|f| !finalizers.contains(&f.as_str()))
        || stale
}

/// Removes kro's finalizer (JSON merge patch with the resourceVersion it was read at, so a concurrent change
/// is a conflict, retried, rather than lost).
pub async fn remove_finalizer(api: &Api<DynamicObject>, instance: &Value) -> Result<(), ReconcileError> {
    let finalizers: Vec<&str> = instance
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .map(|f| f.iter().filter_map(Value::as_str).filter(|f| *f != labels::FINALIZER).collect())
        .unwrap_or_default();
    let body = json!({"metadata": {
        "finalizers": finalizers,
        "resourceVersion": instance.pointer("/metadata/resourceVersion"),
    }});
    let name = instance.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
    match api.patch(name, &PatchParams::default(), &Patch::Merge(&body)).await {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Replaces the instance's status with `status` when it differs from what is stored.
///
/// The write is a JSON Patch `add /status` on the status subresource: a whole replacement, as kro's
/// `UpdateStatus`, but without the resourceVersion the reconcile read. The reconcile's own metadata patches
/// (finalizer, labels, `ApplySet` annotations) move that version on, so a PUT carrying it failed with 409 on
/// about a quarter of all reconciles under load (the load benchmark's profile); a status computed from an older
/// spec is corrected by the reconcile the spec change itself triggers.
pub async fn write_status(api: &Api<DynamicObject>, instance: &Value, status: &Value) -> Result<bool, ReconcileError> {
    if instance.get("status") == Some(status) {
        return Ok(false);
    }
    let name = instance.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
    let patch: json_patch::Patch = serde_json::from_value(json!([{"op": "add", "path": "/status", "value": status}]))
        .map_err(|e| ReconcileError(e.to_string()))?;
    match api.patch_status(name, &PatchParams::default(), &Patch::Json::<()>(patch)).await {
        Ok(_) => Ok(true),
        Err(e) if is_not_found(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(replicas: i64) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app", "namespace": "ns"},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "app", "image": "nginx"}]}}}})
    }

    fn observed(desired: &Value) -> Value {
        let mut observed = desired.clone();
        observed["metadata"]["resourceVersion"] = json!("7");
        observed["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = json!("Always");
        observed["status"] = json!({"availableReplicas": 3});
        observed
    }

    #[test]
    fn an_object_applied_before_and_still_in_place_is_not_applied_again() {
        let applied = AppliedObjects::default();
        let desired = deployment(3);
        assert!(!applied.unchanged(&desired, Some(&observed(&desired))), "nothing recorded: apply");
        applied.record(&desired);
        assert!(applied.unchanged(&desired, Some(&observed(&desired))), "defaults and status added by the server");
        assert!(!applied.unchanged(&desired, None), "gone: apply");
        assert!(!applied.unchanged(&deployment(4), Some(&observed(&desired))), "the template renders another object");
        let mut drifted = observed(&desired);
        drifted["spec"]["replicas"] = json!(1);
        assert!(!applied.unchanged(&desired, Some(&drifted)), "drift");
        let mut extra_container = observed(&desired);
        extra_container["spec"]["template"]["spec"]["containers"].as_array_mut().unwrap().push(json!({"name": "x"}));
        assert!(!applied.unchanged(&desired, Some(&extra_container)), "a list of another length");
        applied.forget(&[ObjectKey::of(&desired)]);
        assert!(!applied.unchanged(&desired, Some(&observed(&desired))), "forgotten: apply");
    }
}
