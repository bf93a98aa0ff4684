//! The I/O of an RGD's GraphRevisions (docs/decisions/0019): list them straight from the API server, and carry
//! out what the engine resolved ([`kro_engine::Revisions`]): create the new revision, adopt orphans, write
//! statuses, garbage-collect. The engine decides everything; this module only talks to the API server.

use futures::future::join_all;
use kro_engine::Revisions;
use kube::api::{ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::{Value, json};

use super::super::Shared;
use super::super::errors::{ReconcileError, is_not_found};
use super::super::graph_revision_types::GraphRevision;

/// The GraphRevision API.
fn api(client: &Client) -> Api<DynamicObject> {
    Api::all_with(client.clone(), &ApiResource::erase::<GraphRevision>(&()))
}

/// Every GraphRevision of the RGD `name`, by kro's selectable field `spec.snapshot.name`. A direct LIST, not a
/// cache: a revision this process created a moment ago must be in it, or its number would be issued twice.
pub async fn list(client: &Client, name: &str) -> Result<Vec<Value>, ReconcileError> {
    let params = ListParams::default().fields(&format!("spec.snapshot.name={name}"));
    let list = api(client).list(&params).await.map_err(|e| ReconcileError::api("list the RGD's GraphRevisions", &e))?;
    list.items.into_iter().map(|o| serde_json::to_value(o).map_err(ReconcileError::from)).collect()
}

/// Creates, adopts, writes statuses and deletes as `revisions` says, in that order. A failed garbage collection
/// is logged and retried at the next reconcile (as kro's): it holds nothing back.
pub async fn execute(shared: &Shared, revisions: &Revisions) -> Result<(), ReconcileError> {
    let api = api(&shared.client);
    if let Some(issue) = &revisions.issue {
        let object: DynamicObject = serde_json::from_value(issue.clone())?;
        // A name already taken is a conflict: the next reconcile lists it and issues past it.
        api.create(&PostParams::default(), &object)
            .await
            .map_err(|e| ReconcileError::api("create the GraphRevision", &e))?;
        shared.metrics.graph_revision_issued(revisions.issue_reason.unwrap_or("spec_changed"));
        tracing::info!(revision = revisions.last_issued, "GraphRevision issued");
    }
    for adopt in &revisions.adopt {
        api.patch(&adopt.name, &PatchParams::default(), &Patch::Merge(&adopt.body))
            .await
            .map_err(|e| ReconcileError::api(format!("adopt GraphRevision {}", adopt.name), &e))?;
    }
    for status in &revisions.statuses {
        // The whole status replaced, as kro writes it: a revision that stops compiling loses its graph.
        let patch: json_patch::Patch =
            serde_json::from_value(json!([{"op": "add", "path": "/status", "value": status.body}]))?;
        match api.patch_status(&status.name, &PatchParams::default(), &Patch::Json::<()>(patch)).await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(ReconcileError::api(format!("write GraphRevision {}'s status", status.name), &e)),
        }
    }
    let deletes = revisions.delete.iter().map(|name| {
        let api = api.clone();
        async move { (name, api.delete(name, &DeleteParams::default()).await) }
    });
    for (name, result) in join_all(deletes).await {
        match result {
            Ok(_) => shared.metrics.graph_revision_collected(true),
            Err(e) if is_not_found(&e) => {}
            Err(e) => {
                shared.metrics.graph_revision_collected(false);
                tracing::warn!(revision = %name, error = %e, "could not garbage-collect a GraphRevision");
            }
        }
    }
    Ok(())
}

/// Deletes every GraphRevision of the deleted RGD `name`, unless it was deleted with `--cascade=orphan` (its
/// `orphan` finalizer): then they stay for an RGD of the same name to adopt, as in kro. (In a cluster the
/// garbage collector would delete them through their owner reference anyway; deleting here does not depend on
/// it.)
pub async fn cleanup(client: &Client, name: &str, finalizers: &[String]) -> Result<(), ReconcileError> {
    if finalizers.iter().any(|f| f == "orphan") {
        return Ok(());
    }
    let api = api(client);
    for revision in list(client, name).await? {
        let Some(revision) = revision.pointer("/metadata/name").and_then(Value::as_str) else { continue };
        match api.delete(revision, &DeleteParams::background()).await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(ReconcileError::api(format!("delete GraphRevision {revision}"), &e)),
        }
    }
    Ok(())
}
