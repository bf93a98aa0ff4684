//! The ResourceGraphDefinition controller: compile each RGD with the engine against every kind the cluster
//! serves (the built-in bundle plus every CRD, watched, so a CRD installed later re-validates the RGDs that
//! wait for it), install its CRD, start or restart its instance controller, and write kro's RGD status
//! (`state`, `topologicalOrder`, `resources`, conditions `GraphAccepted`, `KindReady`, `ControllerReady`,
//! `Ready`). Deleting an RGD stops its controller; its CRD stays unless `--allow-crd-deletion`.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kro_engine::labels;
use kube::api::{DeleteParams, Patch, PatchParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, ResourceExt};
use serde_json::{Value, json};
use tracing::Instrument;

use super::Shared;
use super::crd_install::{self, ALLOW_BREAKING_CHANGES, InstallError};
use super::engine::Engine;
use super::executor::{ReconcileError, is_not_found};
use super::instance_controller::ControllerSpec;
use super::rgd_types::ResourceGraphDefinition;

/// Runs until shutdown; then stops every instance controller (each drains its reconciles).
pub async fn run(
    shared: Arc<Shared>,
    crd_writer: reflector::store::Writer<CustomResourceDefinition>,
    on_ready: impl FnOnce(),
) -> anyhow::Result<()> {
    let client = shared.client.clone();
    let crd_stream = reflector::reflector(crd_writer, watcher(Api::all(client.clone()), watcher::Config::default()))
        .default_backoff()
        .touched_objects();
    let controller = Controller::new(Api::<ResourceGraphDefinition>::all(client), watcher::Config::default());
    let rgds = controller.store();
    let controller = controller.watches_stream(crd_stream, move |crd| rgds_to_revisit(&rgds, &crd));
    on_ready();
    let rgd_reconciles = controller
        .graceful_shutdown_on(shared.on_shutdown())
        .run(reconcile, error_policy, Arc::clone(&shared))
        .for_each(|_| futures::future::ready(()));
    // Requeues the controller holds can keep its stream open after a graceful shutdown drained it: give the
    // running RGD reconciles a moment, then stop the instance controllers (each drains its own reconciles).
    let mut rgd_reconciles = std::pin::pin!(rgd_reconciles);
    tokio::select! {
        () = &mut rgd_reconciles => {}
        () = shared.on_shutdown() => {
            let _ = tokio::time::timeout(Duration::from_secs(5), rgd_reconciles).await;
        }
    }
    shared.instance_controllers.stop_all().await;
    Ok(())
}

/// A CRD event concerns the RGD that owns the CRD, and every RGD not Active (it may be waiting for that kind).
fn rgds_to_revisit(
    rgds: &Store<ResourceGraphDefinition>,
    crd: &CustomResourceDefinition,
) -> Vec<ObjectRef<ResourceGraphDefinition>> {
    let owner = crd.labels().get(labels::RGD_NAME).cloned();
    rgds.state()
        .iter()
        .filter(|rgd| {
            Some(rgd.name_any()) == owner || rgd.status.as_ref().and_then(|s| s.state.as_deref()) != Some("Active")
        })
        .map(|rgd| ObjectRef::from_obj(rgd.as_ref()))
        .collect()
}

async fn reconcile(rgd: Arc<ResourceGraphDefinition>, shared: Arc<Shared>) -> Result<Action, ReconcileError> {
    let span = tracing::info_span!("rgd", rgd = %rgd.name_any());
    reconcile_rgd(rgd, shared).instrument(span).await
}

async fn reconcile_rgd(rgd: Arc<ResourceGraphDefinition>, shared: Arc<Shared>) -> Result<Action, ReconcileError> {
    // Compiling before every CRD is known would report kinds as missing that are only not listed yet.
    // (Polled with a timeout: with several reconciles waiting at once, one of them was never woken.)
    while tokio::time::timeout(Duration::from_millis(100), shared.crds.wait_until_ready()).await.is_err() {}
    let name = rgd.name_any();
    let api: Api<ResourceGraphDefinition> = Api::all(shared.client.clone());
    if rgd.metadata.deletion_timestamp.is_some() {
        return finalize(&shared, &api, &rgd).await;
    }
    if !rgd.finalizers().iter().any(|f| f == labels::FINALIZER) {
        let mut finalizers = rgd.finalizers().to_vec();
        finalizers.push(labels::FINALIZER.to_string());
        let body = json!({"metadata": {"finalizers": finalizers, "resourceVersion": rgd.resource_version()}});
        api.patch(&name, &PatchParams::default(), &Patch::Merge(&body)).await?;
    }
    let generation = rgd.metadata.generation.unwrap_or_default();
    let object = serde_json::to_value(rgd.as_ref()).map_err(|e| ReconcileError(e.to_string()))?;
    let engine = Engine::new(shared.options.features, crd_objects(&shared.crds)).map_err(ReconcileError)?;
    let compiled = engine.compile(&object);
    shared.metrics.rgd_built(compiled.rgd.is_none());
    let (kind_ready, controller_ready, requeue) = match &compiled.rgd {
        None => {
            tracing::info!("invalid RGD");
            shared.instance_controllers.stop(&shared, &name).await;
            (None, None, None)
        }
        Some(graph) => activate(&shared, &rgd, graph, &engine).await,
    };
    let previous = rgd.status.as_ref().and_then(|s| serde_json::to_value(s).ok());
    let status = engine.rgd_status(&compiled, kind_ready, controller_ready, generation, previous.clone());
    write_status(&shared, &api, &rgd, previous, status).await?;
    Ok(requeue.map_or_else(Action::await_change, Action::requeue))
}

/// A fact the RGD status reports: `None` not known, `Err` why not.
type Fact = Option<Result<(), String>>;

/// Installs the RGD's CRD and (re)starts its instance controller; returns whether the kind and the controller
/// are ready, and when to look again if something is not there yet.
async fn activate(
    shared: &Arc<Shared>,
    rgd: &ResourceGraphDefinition,
    compiled: &Arc<kro_engine::CompiledRgd>,
    engine: &Engine,
) -> (Fact, Fact, Option<Duration>) {
    let generation = rgd.metadata.generation;
    let name = rgd.name_any();
    let crd_name = compiled.crd.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
    let installed = shared.crds.get(&ObjectRef::new(crd_name));
    let uid = rgd.uid().unwrap_or_default();
    let owner = crd_install::Owner {
        rgd_name: &name,
        rgd_uid: &uid,
        allow_breaking: rgd.annotations().get(ALLOW_BREAKING_CHANGES).is_some_and(|v| v == "true"),
        kro_version: env!("CARGO_PKG_VERSION"),
    };
    let crds: Api<CustomResourceDefinition> = Api::all(shared.client.clone());
    if let Err(e) = crd_install::ensure(&crds, installed.as_deref(), &compiled.crd, &owner).await {
        // A refused CRD waits for the user; one the API server has not taken yet is looked at again.
        let again =
            matches!(e, InstallError::Api(_) | InstallError::NotEstablished(_)).then_some(Duration::from_secs(5));
        return (Some(Err(e.to_string())), None, again);
    }
    let api = &compiled.api;
    // The CRD may have just changed: find its resource again.
    shared.discovery.forget(&api.api_version(), &api.kind);
    let served = match shared.discovery.resolve(&shared.client, &api.api_version(), &api.kind).await {
        Ok(served) => served,
        Err(e) => {
            let message = format!("kind {} is not served yet: {e}", api.kind);
            return (Some(Ok(())), Some(Err(message)), Some(Duration::from_secs(2)));
        }
    };
    // A new generation of the RGD restarts the controller, whose first pass re-renders every instance.
    let fingerprint = format!("{uid}/{}/{}", generation.unwrap_or_default(), api.api_version());
    let spec =
        ControllerSpec { rgd: Arc::clone(compiled), rgd_uid: uid, engine: Arc::new(engine.clone()), instances: served };
    if shared.instance_controllers.ensure(shared, &name, fingerprint, spec).await {
        tracing::info!(kind = %api.kind, "instance controller (re)started");
    }
    (Some(Ok(())), Some(Ok(())), None)
}

/// Writes the status the engine computed when it differs from the RGD's (a merge patch with every key present,
/// null when absent, so it also clears what the new status no longer has).
async fn write_status(
    shared: &Shared,
    api: &Api<ResourceGraphDefinition>,
    rgd: &ResourceGraphDefinition,
    previous: Option<Value>,
    status: Value,
) -> Result<(), ReconcileError> {
    let state = |s: Option<&Value>| s.and_then(|s| s.get("state")).and_then(Value::as_str).map(str::to_string);
    let before = state(previous.as_ref());
    shared.metrics.rgd_state(before.as_deref(), state(Some(&status)).as_deref().unwrap_or_default());
    if previous.as_ref() == Some(&status) {
        return Ok(());
    }
    let mut body = json!({"state": null, "topologicalOrder": null, "resources": null, "conditions": null});
    if let (Some(body), Some(status)) = (body.as_object_mut(), status.as_object()) {
        body.extend(status.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    match api.patch_status(&rgd.name_any(), &PatchParams::default(), &Patch::Merge(&json!({"status": body}))).await {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// RGD deletion: stop its instance controller, delete its CRD only when allowed and owned, drop the finalizer.
async fn finalize(
    shared: &Arc<Shared>,
    api: &Api<ResourceGraphDefinition>,
    rgd: &ResourceGraphDefinition,
) -> Result<Action, ReconcileError> {
    let name = rgd.name_any();
    shared.instance_controllers.stop(shared, &name).await;
    if shared.options.allow_crd_deletion {
        let crds: Api<CustomResourceDefinition> = Api::all(shared.client.clone());
        for crd in shared.crds.state() {
            let labels = crd.labels();
            if labels.get(labels::OWNED).is_some_and(|v| v == "true") && labels.get(labels::RGD_NAME) == Some(&name) {
                tracing::info!(crd = %crd.name_any(), "deleting the RGD's CRD (--allow-crd-deletion)");
                match crds.delete(&crd.name_any(), &DeleteParams::default()).await {
                    Ok(_) => {}
                    Err(e) if is_not_found(&e) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
    let finalizers: Vec<&String> = rgd.finalizers().iter().filter(|f| f.as_str() != labels::FINALIZER).collect();
    if finalizers.len() != rgd.finalizers().len() {
        let body = json!({"metadata": {"finalizers": finalizers, "resourceVersion": rgd.resource_version()}});
        match api.patch(&name, &PatchParams::default(), &Patch::Merge(&body)).await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Action::await_change())
}

/// Every CRD the cluster has, as JSON, for the engine's catalog.
fn crd_objects(crds: &Store<CustomResourceDefinition>) -> Vec<Value> {
    crds.state()
        .iter()
        .filter_map(|crd| {
            let mut value = serde_json::to_value(crd.as_ref()).ok()?;
            value.as_object_mut()?.insert("kind".to_string(), json!("CustomResourceDefinition"));
            Some(value)
        })
        .collect()
}

#[allow(clippy::needless_pass_by_value, reason = "the signature kube's Controller::run asks for")]
fn error_policy(rgd: Arc<ResourceGraphDefinition>, error: &ReconcileError, _: Arc<Shared>) -> Action {
    tracing::warn!(rgd = %rgd.name_any(), %error, "RGD reconcile failed");
    Action::requeue(Duration::from_secs(2))
}
