//! Executes what a plan says, and nothing else: server-side apply of the objects of one wave at once (field
//! manager `kro-rs`, force, as kro's applyset does), with the engine's drift repair when an apply cannot give
//! the declared object; reads of external references; deletes; the instance's metadata patch, its finalizer
//! and its status (through the status subresource).

use futures::future::join_all;
use kro_engine::drift::{self, Ownership};
use kro_engine::{Apply, InstancePatch, ObjectKey, Read, labels};
use kube::api::{ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::{Api, Client};
use serde_json::{Value, json};

use super::super::discovery::Served;
use super::super::errors::{ReconcileError, is_not_found};
use super::super::{FIELD_MANAGER, Shared};

/// An object as plans read it: the API server's answer with its `apiVersion` and `kind` (objects of a LIST of
/// a built-in kind carry neither).
pub fn observed(resource: &ApiResource, object: &DynamicObject) -> Option<Value> {
    let mut value = serde_json::to_value(object).ok()?;
    let map = value.as_object_mut()?;
    map.insert("apiVersion".to_string(), Value::String(resource.api_version.clone()));
    map.insert("kind".to_string(), Value::String(resource.kind.clone()));
    Some(value)
}

/// The API of the object `api_version`/`kind` in `namespace` (ignored for cluster-scoped kinds), through
/// `client` (the operator's, or one acting as the RGD's ServiceAccount): from the engine's catalog (built-in
/// kinds and the cluster's CRDs, no request), else the API server's discovery.
pub async fn api_for(
    shared: &Shared,
    client: &Client,
    engine: &kro_engine::Engine,
    api_version: &str,
    kind: &str,
    namespace: &str,
) -> Result<(Api<DynamicObject>, ApiResource), ReconcileError> {
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
        None => shared.discovery.resolve(&shared.client, api_version, kind).await.map_err(|e| {
            ReconcileError::Refused(format!("{api_version} {kind} is not served by the API server: {e}"))
        })?,
    };
    let api = if served.namespaced && !namespace.is_empty() {
        Api::namespaced_with(client.clone(), namespace, &served.resource)
    } else {
        Api::all_with(client.clone(), &served.resource)
    };
    Ok((api, served.resource))
}

/// An object the API server would not take: the engine makes it an error of its resource.
#[derive(Debug)]
pub struct ApplyFailure {
    pub key: ObjectKey,
    pub error: ReconcileError,
}

/// Applies `wave` concurrently; returns, in order, each object as the API server stored it or why not.
pub async fn apply_wave(
    shared: &Shared,
    client: &Client,
    engine: &kro_engine::Engine,
    wave: &[&Apply],
) -> Vec<Result<Value, ApplyFailure>> {
    join_all(wave.iter().map(|a| apply_one(shared, client, engine, &a.object))).await
}

async fn apply_one(
    shared: &Shared,
    client: &Client,
    engine: &kro_engine::Engine,
    desired: &Value,
) -> Result<Value, ApplyFailure> {
    let key = ObjectKey::of(desired);
    let failure = |error: ReconcileError| ApplyFailure { key: key.clone(), error };
    let (api, resource) =
        api_for(shared, client, engine, &key.api_version, &key.kind, &key.namespace).await.map_err(&failure)?;
    let params = PatchParams::apply(FIELD_MANAGER).force();
    match api.patch(&key.name, &params, &Patch::Apply(desired)).await {
        Ok(stored) => {
            let stored = observed(&resource, &stored).unwrap_or(Value::Null);
            if drift::holds(&stored, desired) {
                return Ok(stored);
            }
            // Items other managers own inside declared lists keep it from being as declared.
            match take_back(shared, &api, desired).await {
                Ok(Some(repaired)) => Ok(observed(&resource, &repaired).unwrap_or(stored)),
                Ok(None) => Ok(stored),
                Err(e) => Err(failure(ReconcileError::api(format!("repair {key}"), &e))),
            }
        }
        // Refused as merged with what other managers own (two unnamed Service ports): take their items back
        // and apply again; if there is nothing to take, the refusal stands.
        Err(e) if is_invalid(&e) => match take_back(shared, &api, desired).await {
            Ok(Some(repaired)) => Ok(observed(&resource, &repaired).unwrap_or(Value::Null)),
            Ok(None) | Err(_) => Err(failure(ReconcileError::api(format!("apply {key}"), &e))),
        },
        Err(e) => {
            if is_not_found(&e) {
                // The kind went away (its CRD deleted): look it up again next time.
                shared.discovery.forget(&key.api_version, &key.kind);
            }
            Err(failure(ReconcileError::api(format!("apply {key}"), &e)))
        }
    }
}

/// Takes back the list items other field managers added inside lists `desired` declares (the engine decides
/// which: [`drift::take_back`]), then applies `desired` again. `None` when there was nothing to take.
async fn take_back(
    shared: &Shared,
    api: &Api<DynamicObject>,
    desired: &Value,
) -> Result<Option<DynamicObject>, kube::Error> {
    let key = ObjectKey::of(desired);
    let Some(live) = api.get_opt(&key.name).await? else { return Ok(None) };
    let live_json = serde_json::to_value(&live).unwrap_or(Value::Null);
    let ownership = Ownership { manager: FIELD_MANAGER, shared: &shared.options.shared_field_managers };
    let Some(managed_fields) = drift::take_back(desired, &live_json, &ownership) else { return Ok(None) };
    // Only if nobody wrote the object since it was read: a test of the resource version goes first.
    let patch: json_patch::Patch = serde_json::from_value(json!([
        {"op": "test", "path": "/metadata/resourceVersion", "value": live.metadata.resource_version},
        {"op": "replace", "path": "/metadata/managedFields", "value": managed_fields},
    ]))
    .map_err(kube::Error::SerdeError)?;
    api.patch(&key.name, &PatchParams::default(), &Patch::Json::<()>(patch)).await?;
    let stored = api.patch(&key.name, &PatchParams::apply(FIELD_MANAGER).force(), &Patch::Apply(desired)).await?;
    shared.metrics.drift_repaired(&key.group_kind());
    tracing::info!(object = %key, "took back list items other field managers added, and applied it again");
    Ok(Some(stored))
}

/// A 422 (`Invalid`) or 400 (`BadRequest`) from the API server: the object as merged is refused.
fn is_invalid(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(status) if status.code == 422 || status.code == 400)
}

/// Reads what a plan asks of the cluster: one object by name, or the objects a selector matches.
pub async fn read(
    shared: &Shared,
    client: &Client,
    engine: &kro_engine::Engine,
    read: &Read,
) -> Result<Vec<Value>, ReconcileError> {
    let namespace = read.namespace.as_deref().unwrap_or_default();
    let (api, resource) = api_for(shared, client, engine, &read.api_version, &read.kind, namespace).await?;
    let what = || format!("read {} {}", read.kind, read.name.as_deref().unwrap_or("(list)"));
    let objects = if let Some(name) = &read.name {
        api.get_opt(name).await.map_err(|e| ReconcileError::api(what(), &e))?.into_iter().collect()
    } else {
        let params = match read.selector.as_deref() {
            Some(selector) if !selector.is_empty() => ListParams::default().labels(selector),
            _ => ListParams::default(),
        };
        api.list(&params).await.map_err(|e| ReconcileError::api(what(), &e))?.items
    };
    Ok(objects.iter().filter_map(|o| observed(&resource, o)).collect())
}

/// Deletes the objects (background propagation); one already gone is fine.
pub async fn delete(
    shared: &Shared,
    client: &Client,
    engine: &kro_engine::Engine,
    keys: &[ObjectKey],
) -> Result<(), ReconcileError> {
    let deletes = keys.iter().map(|key| async move {
        let (api, _) = api_for(shared, client, engine, &key.api_version, &key.kind, &key.namespace).await?;
        match api.delete(&key.name, &DeleteParams::background()).await {
            Ok(_) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(ReconcileError::api(format!("delete {key}"), &e)),
        }
    });
    join_all(deletes).await.into_iter().collect()
}

/// Applies the plan's labels, annotations and finalizer onto the instance, unless it already carries them
/// (the engine says). Returns the instance as stored after the patch.
pub async fn patch_instance(
    api: &Api<DynamicObject>,
    instance: &Value,
    patch: &InstancePatch,
) -> Result<Option<Value>, ReconcileError> {
    if patch.is_satisfied_by(instance) {
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
    let stored = api
        .patch(name, &PatchParams::apply(FIELD_MANAGER).force(), &Patch::Apply(&body))
        .await
        .map_err(|e| ReconcileError::api("patch the instance's metadata", &e))?;
    Ok(Some(serde_json::to_value(stored)?))
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
        Err(e) => Err(ReconcileError::api("remove the finalizer", &e)),
    }
}

/// Replaces the instance's status with `status` when it differs from what is stored; returns the instance as
/// stored after the write, when it wrote.
///
/// The write is a JSON Patch `add /status` on the status subresource: a whole replacement, as kro's
/// `UpdateStatus`, but without the resourceVersion the reconcile read. The reconcile's own metadata patches
/// (finalizer, labels, `ApplySet` annotations) move that version on, so a PUT carrying it failed with 409 on
/// about a quarter of all reconciles under load; a status computed from an older spec is corrected by the
/// reconcile the spec change itself triggers.
pub async fn write_status(
    api: &Api<DynamicObject>,
    instance: &Value,
    status: &Value,
) -> Result<Option<Value>, ReconcileError> {
    if instance.get("status") == Some(status) {
        return Ok(None);
    }
    let name = instance.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
    let patch: json_patch::Patch = serde_json::from_value(json!([{"op": "add", "path": "/status", "value": status}]))?;
    match api.patch_status(name, &PatchParams::default(), &Patch::Json::<()>(patch)).await {
        Ok(stored) => Ok(Some(serde_json::to_value(stored)?)),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(ReconcileError::api("write the instance's status", &e)),
    }
}
