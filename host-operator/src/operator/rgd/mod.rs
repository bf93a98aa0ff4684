//! The ResourceGraphDefinition controller: keep each RGD's GraphRevisions (a new one per spec change, each
//! compiled with the one shared engine: the built-in kinds plus every CRD of the cluster, kept current by the
//! CRD watch, so a CRD installed later re-validates the RGDs that wait for it), install the CRD of the revision
//! served (the newest that compiles), start or restart its instance controller on it, and write kro's RGD
//! status (`state`, `topologicalOrder`, `resources`, `lastIssuedRevision`, conditions `GraphAccepted`,
//! `GraphRevisionsResolved`, `KindReady`, `ControllerReady`, `Ready`). kube-runtime's `finalizer()` keeps
//! kro's finalizer on each RGD; deleting an RGD stops its controller and deletes its revisions, and its CRD
//! stays unless `--allow-crd-deletion`.

mod crd_install;
mod revisions;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kro_engine::{CompiledRgd, HostConditions, RevisionInUse, RevisionOptions, Revisions, RgdState, labels};
use kube::api::{DeleteParams, PartialObjectMeta, Patch, PatchParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::finalizer::{self, Event as Finalizer};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, ResourceExt};
use serde_json::{Value, json};
use tracing::Instrument;

use super::Shared;
use super::cluster_crds::CrdObject;
use super::errors::{ReconcileError, is_not_found};
use super::graph_revision_types::GraphRevision;
use super::instance::ControllerSpec;
use super::rgd_types::ResourceGraphDefinition;
use crd_install::{ALLOW_BREAKING_CHANGES, InstallError};

pub use crd_install::wait_established;

/// CRDs listed per page by the CRD watch: a page is held whole while it is read, and CRDs can be large.
const CRD_PAGE: u32 = 10;

/// Runs until shutdown; then stops every instance controller (each drains its reconciles).
pub async fn run(
    shared: Arc<Shared>,
    crd_writer: reflector::store::Writer<CrdObject>,
    on_ready: impl FnOnce(),
) -> anyhow::Result<()> {
    let client = shared.client.clone();
    let engine = Arc::clone(&shared);
    let relists = Arc::clone(&shared);
    let mut listed = false;
    let crd_stream = watcher(Api::<CrdObject>::all(client.clone()), watcher::Config::default().page_size(CRD_PAGE))
        .default_backoff()
        .modify(|crd| crd.metadata.managed_fields = None)
        .inspect_ok(move |event| {
            if matches!(event, watcher::Event::Init) && std::mem::replace(&mut listed, true) {
                relists.metrics.relisted("CustomResourceDefinition.apiextensions.k8s.io");
            }
            engine.engine.observe(event);
        })
        .reflect(crd_writer)
        .touched_objects();
    let controller = Controller::new(Api::<ResourceGraphDefinition>::all(client.clone()), watcher::Config::default());
    let rgds = controller.store();
    let controller = controller.watches_stream(crd_stream, move |crd| rgds_to_revisit(&rgds, &crd));
    // A GraphRevision changed or deleted by someone else (kro's `Owns`) brings its RGD back: a deleted newest
    // revision is issued again under the next number, a hand-edited status is written back. Metadata only:
    // the owner reference is all the mapping needs, and snapshots stay out of memory.
    let revision_stream = watcher(Api::<PartialObjectMeta<GraphRevision>>::all(client), watcher::Config::default())
        .default_backoff()
        .touched_objects();
    let controller = controller.owns_stream(revision_stream);
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
fn rgds_to_revisit(rgds: &Store<ResourceGraphDefinition>, crd: &CrdObject) -> Vec<ObjectRef<ResourceGraphDefinition>> {
    let owner = crd.label(labels::RGD_NAME);
    rgds.state()
        .iter()
        .filter(|rgd| {
            owner == Some(rgd.name_any().as_str())
                || rgd.status.as_ref().and_then(|s| s.state.as_deref()) != Some(RgdState::Active.as_str())
        })
        .map(|rgd| ObjectRef::from_obj(rgd.as_ref()))
        .collect()
}

async fn reconcile(rgd: Arc<ResourceGraphDefinition>, shared: Arc<Shared>) -> Result<Action, ReconcileError> {
    let span = tracing::info_span!("rgd", rgd = %rgd.name_any());
    let started = std::time::Instant::now();
    let result = async {
        // Compiling before every CRD is known would report kinds as missing that are only not listed yet.
        // (Polled with a timeout: with several reconciles waiting at once, one of them was never woken.)
        while tokio::time::timeout(Duration::from_millis(100), shared.crds.wait_until_ready()).await.is_err() {}
        let api: Api<ResourceGraphDefinition> = Api::all(shared.client.clone());
        finalizer::finalizer(&api, labels::FINALIZER, rgd, |event| async {
            match event {
                Finalizer::Apply(rgd) => apply(&shared, &api, &rgd).await,
                Finalizer::Cleanup(rgd) => cleanup(&shared, &rgd).await,
            }
        })
        .await
        .map_err(|e| match e {
            finalizer::Error::ApplyFailed(e) | finalizer::Error::CleanupFailed(e) => e,
            finalizer::Error::AddFinalizer(e) | finalizer::Error::RemoveFinalizer(e) => {
                ReconcileError::api("the RGD's finalizer", &e)
            }
            other => ReconcileError::Invalid(other.to_string()),
        })
    }
    .instrument(span)
    .await;
    shared.metrics.rgd_reconciled(started.elapsed().as_secs_f64());
    result
}

/// Resolves the RGD's revisions (issuing one when its spec changed), installs the CRD of the one served and
/// runs its instance controller, and writes its status.
async fn apply(
    shared: &Arc<Shared>,
    api: &Api<ResourceGraphDefinition>,
    rgd: &ResourceGraphDefinition,
) -> Result<Action, ReconcileError> {
    let name = rgd.name_any();
    let generation = rgd.metadata.generation.unwrap_or_default();
    let object = serde_json::to_value(rgd)?;
    let engine = shared.engine.snapshot();
    let listed = revisions::list(&shared.client, &name).await?;
    let options = RevisionOptions {
        max_graph_revisions: shared.options.max_graph_revisions,
        kro_version: env!("CARGO_PKG_VERSION").to_string(),
        now: Utc::now(),
    };
    let resolved = engine.resolve_revisions(&object, &listed, &options);
    shared.metrics.rgd_built(resolved.latest().is_some_and(|(_, compiled)| !compiled));
    revisions::execute(shared, &resolved).await?;
    // The status reads the graph served too (its order, its kind): the controller shares it.
    let (kind_ready, controller_ready, requeue) =
        if let (Some(graph), Some(in_use)) = (&resolved.served, &resolved.in_use) {
            activate(shared, rgd, graph.clone(), engine.clone(), in_use.clone()).await
        } else {
            tracing::info!("no revision of the RGD compiles");
            shared.instance_controllers.stop(shared, &name).await;
            (None, None, None)
        };
    let previous = rgd.status.as_ref().and_then(|s| serde_json::to_value(s).ok());
    let status = rgd_status(&engine, &resolved, kind_ready, controller_ready, generation, previous.clone());
    write_status(shared, api, rgd, previous, status).await?;
    Ok(requeue.map_or_else(Action::await_change, Action::requeue))
}

/// kro's RGD status as JSON, from the RGD's revisions and what the operator knows of the CRD and the instance
/// controller.
fn rgd_status(
    engine: &kro_engine::Engine,
    revisions: &Revisions,
    kind_ready: Fact,
    controller_ready: Fact,
    generation: i64,
    previous: Option<Value>,
) -> Value {
    let host = HostConditions { kind_ready, controller_ready, generation, now: Utc::now(), previous };
    serde_json::to_value(engine.rgd_status(revisions, &host)).unwrap_or(Value::Null)
}

/// A fact the RGD status reports: `None` not known, `Err` why not.
type Fact = Option<Result<(), String>>;

/// Installs the CRD of the revision served and (re)starts its instance controller on it; returns whether the
/// kind and the controller are ready, and when to look again if something is not there yet.
async fn activate(
    shared: &Arc<Shared>,
    rgd: &ResourceGraphDefinition,
    compiled: Arc<CompiledRgd>,
    engine: kro_engine::Engine,
    revision: RevisionInUse,
) -> (Fact, Fact, Option<Duration>) {
    let name = rgd.name_any();
    let crd_name = compiled.crd().pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
    let installed = shared.crds.get(&ObjectRef::new(crd_name));
    let uid = rgd.uid().unwrap_or_default();
    let owner = crd_install::Owner {
        rgd_name: &name,
        rgd_uid: &uid,
        allow_breaking: rgd.annotations().get(ALLOW_BREAKING_CHANGES).is_some_and(|v| v == "true"),
        kro_version: env!("CARGO_PKG_VERSION"),
    };
    if let Err(e) = crd_install::ensure(&shared.client, installed.as_deref(), compiled.crd(), &owner).await {
        // A refused CRD waits for the user; one the API server has not taken yet is looked at again.
        let again =
            matches!(e, InstallError::Api(_) | InstallError::NotEstablished(_)).then_some(Duration::from_secs(5));
        return (Some(Err(e.to_string())), None, again);
    }
    let api = compiled.api();
    // The CRD may have just changed: find its resource again.
    shared.discovery.forget(&api.api_version(), &api.kind);
    let served = match shared.discovery.resolve(&shared.client, &api.api_version(), &api.kind).await {
        Ok(served) => served,
        Err(e) => {
            let message = format!("kind {} is not served yet: {e}", api.kind);
            return (Some(Ok(())), Some(Err(message)), Some(Duration::from_secs(2)));
        }
    };
    // Another revision served, or a newer one failing, restarts the controller, whose first pass re-renders
    // every instance (and writes the revision in its status); a spec change that issues no revision does not.
    let failed = revision.latest_failed.as_ref().map_or(0, |f| f.revision);
    let fingerprint = format!("{uid}/{}/{failed}/{}", revision.revision, api.api_version());
    let kind = api.kind.clone();
    let spec = ControllerSpec { rgd: compiled, rgd_uid: uid, engine, instances: served, revision: Some(revision) };
    if shared.instance_controllers.ensure(shared, &name, fingerprint, spec).await {
        tracing::info!(%kind, "instance controller (re)started");
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
    let mut body = json!({"state": null, "topologicalOrder": null, "resources": null, "conditions": null,
                          "lastIssuedRevision": null});
    if let (Some(body), Some(status)) = (body.as_object_mut(), status.as_object()) {
        body.extend(status.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    match api.patch_status(&rgd.name_any(), &PatchParams::default(), &Patch::Merge(&json!({"status": body}))).await {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(ReconcileError::api("write the RGD's status", &e)),
    }
}

/// RGD deletion: stop its instance controller, delete its revisions (unless orphaned), and delete its CRD only
/// when allowed and owned. (The finalizer helper drops the finalizer once this succeeds.)
async fn cleanup(shared: &Arc<Shared>, rgd: &ResourceGraphDefinition) -> Result<Action, ReconcileError> {
    let name = rgd.name_any();
    shared.instance_controllers.stop(shared, &name).await;
    revisions::cleanup(&shared.client, &name, rgd.finalizers()).await?;
    if shared.options.allow_crd_deletion {
        let crds: Api<CustomResourceDefinition> = Api::all(shared.client.clone());
        for crd in shared.crds.state() {
            if crd.label(labels::OWNED) == Some("true") && crd.label(labels::RGD_NAME) == Some(name.as_str()) {
                tracing::info!(crd = %crd.name_any(), "deleting the RGD's CRD (--allow-crd-deletion)");
                match crds.delete(&crd.name_any(), &DeleteParams::default()).await {
                    Ok(_) => {}
                    Err(e) if is_not_found(&e) => {}
                    Err(e) => return Err(ReconcileError::api("delete the RGD's CRD", &e)),
                }
            }
        }
    }
    Ok(Action::await_change())
}

#[allow(clippy::needless_pass_by_value, reason = "the signature kube's Controller::run asks for")]
fn error_policy(rgd: Arc<ResourceGraphDefinition>, error: &ReconcileError, _: Arc<Shared>) -> Action {
    tracing::warn!(rgd = %rgd.name_any(), %error, kind = error.label(), "RGD reconcile failed");
    Action::requeue(error.backoff(1).min(Duration::from_secs(5)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_rgd_using_a_kind_the_cluster_does_not_have_is_an_error_with_its_location() {
        let shared = super::super::cluster_crds::SharedEngine::new(kro_engine::Features::default()).unwrap();
        let engine = shared.snapshot();
        let rgd = json!({"apiVersion": "kro.run/v1alpha1", "kind": "ResourceGraphDefinition", "metadata": {"name": "x"}, "spec": {"schema": {"apiVersion": "v1alpha1", "kind": "X", "spec": {"name": "string"}},
            "resources": [{"id": "w", "template": {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "${schema.spec.name}"}}}]}});
        let revisions = engine.resolve_revisions(&rgd, &[], &RevisionOptions::default());
        assert!(revisions.served.is_none());
        let status = rgd_status(&engine, &revisions, None, None, 1, None);
        assert_eq!(status["state"], "Inactive");
        assert_eq!(status["lastIssuedRevision"], 1);
        let message = status["conditions"][0]["message"].as_str().unwrap();
        assert!(message.contains("Widget") && message.contains("spec.resources[0].template"), "{message}");
        assert!(message.contains("not served by the cluster"), "{message}");
    }
}
