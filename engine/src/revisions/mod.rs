//! GraphRevisions (kro v0.9's `internal.kro.run/v1alpha1` `GraphRevision`, KREP-013): every change of an RGD's
//! spec gets a numbered, immutable snapshot. [`resolve`] is the whole decision an RGD reconcile makes about
//! them, pure: hash the spec and compare it with the newest revision's, issue the next number when it differs
//! (numbers survive restarts through `status.lastIssuedRevision` and never go back, even past garbage
//! collection), adopt revisions another RGD of the same name left, compile the newest revision and say in its
//! status whether it compiled (`GraphVerified`), and pick the graph instances are reconciled with.
//!
//! Where kro-rs goes past kro (docs/decisions/0019): a spec that does not compile still gets a revision, kept
//! with `GraphVerified` False and the engine's message (kro issues none); and when the newest revision does not
//! compile, instances keep being reconciled with the newest one that does (kro stops them), which garbage
//! collection therefore never deletes.

mod go_json;
mod hash;
mod object;
mod status;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::compile::CompiledDocument;
use crate::engine::Engine;
use crate::graph::CompiledRgd;
use object::{Listed, NewRevision};

pub(crate) use hash::spec_hash;

/// How an RGD's revisions are kept (the operator's flags).
#[derive(Debug, Clone)]
pub struct RevisionOptions {
    /// Revisions kept per RGD (kro's `--rgd-max-graph-revisions`, 5); 0 keeps every one.
    pub max_graph_revisions: usize,
    /// Written in the `kro.run/kro-version` label of a new revision.
    pub kro_version: String,
    /// The time of this reconcile, for condition transition times.
    pub now: DateTime<Utc>,
}

impl Default for RevisionOptions {
    fn default() -> Self {
        RevisionOptions {
            max_graph_revisions: 5,
            kro_version: env!("CARGO_PKG_VERSION").to_string(),
            now: crate::plan::default_now(),
        }
    }
}

/// The revision an instance is reconciled with, and the newer one that failed to compile when it is not the
/// newest: what a plan writes in the instance's status (`status.graphRevision`, and `GraphResolved` False
/// while a newer revision fails). Set by a host in [`crate::PlanOptions::revision`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RevisionInUse {
    /// The revision number of the graph the plan was made with.
    pub revision: i64,
    /// The newest revision, when it does not compile (so the instance is held on `revision`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_failed: Option<FailedRevision>,
}

/// A revision that does not compile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedRevision {
    /// Its number.
    pub revision: i64,
    /// Why it does not compile: the engine's errors, each with its path.
    pub message: String,
}

/// A write to one existing GraphRevision: a JSON merge patch of its metadata, or its new status.
#[derive(Debug, Clone, PartialEq)]
pub struct RevisionWrite {
    /// The GraphRevision's name.
    pub name: String,
    /// The merge patch body (metadata) or the whole status.
    pub body: Value,
}

/// What an RGD reconcile does with the RGD's revisions ([`Engine::resolve_revisions`]), in order: create
/// [`Revisions::issue`], patch [`Revisions::adopt`], write [`Revisions::statuses`], delete
/// [`Revisions::delete`]; then serve [`Revisions::served`] and write the RGD status
/// ([`Engine::rgd_status`]), whose `lastIssuedRevision` is [`Revisions::last_issued`].
#[derive(Debug, Clone)]
pub struct Revisions {
    /// The highest revision number issued for this RGD name, the one issued now included.
    pub last_issued: i64,
    /// The GraphRevision to create first: the spec differs from the newest revision's, or there is none.
    pub issue: Option<Value>,
    /// Why [`Revisions::issue`] is issued, as kro's `rgd_graph_revision_issue_total` labels it: `no_revision`
    /// or `spec_changed`.
    pub issue_reason: Option<&'static str>,
    /// Revisions to adopt: merge patches giving them this RGD as their controller owner.
    pub adopt: Vec<RevisionWrite>,
    /// Statuses that differ from the stored ones (the revision issued now included).
    pub statuses: Vec<RevisionWrite>,
    /// Names of revisions to delete: the oldest beyond [`RevisionOptions::max_graph_revisions`], never the
    /// one served.
    pub delete: Vec<String>,
    /// The graph instances are reconciled with: the newest revision that compiles (shared, so the host's
    /// instance controller and the RGD status read the same one).
    pub served: Option<Arc<CompiledRgd>>,
    /// What plans made with [`Revisions::served`] say about it.
    pub in_use: Option<RevisionInUse>,
    /// The newest revision and its compile result, for the RGD's status.
    latest: Option<(i64, CompiledDocument)>,
}

impl Revisions {
    /// The newest revision's number and whether it compiled.
    pub fn latest(&self) -> Option<(i64, bool)> {
        self.latest.as_ref().map(|(n, doc)| (*n, doc.rgd.is_some()))
    }

    pub(crate) fn latest_document(&self) -> Option<&CompiledDocument> {
        self.latest.as_ref().map(|(_, doc)| doc)
    }
}

/// See [`Engine::resolve_revisions`].
pub(crate) fn resolve(engine: &Engine, rgd: &Value, listed: &[Value], options: &RevisionOptions) -> Revisions {
    let name = rgd.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
    let uid = rgd.pointer("/metadata/uid").and_then(Value::as_str);
    let spec = rgd.get("spec").cloned().unwrap_or(Value::Null);
    let all: Vec<Listed> = listed.iter().filter_map(|o| Listed::read(o, name)).collect();
    // A terminating revision still holds its number (and its name) until it is gone.
    let stored = rgd.pointer("/status/lastIssuedRevision").and_then(Value::as_i64).unwrap_or(0);
    let mut last_issued = all.iter().map(|r| r.revision).fold(stored.max(0), i64::max);
    let mut live: Vec<Listed> = all.into_iter().filter(|r| !r.terminating).collect();
    live.sort_by_key(|r| std::cmp::Reverse(r.revision));

    let mut adopt: Vec<RevisionWrite> = match uid {
        Some(uid) => live
            .iter()
            .filter(|r| !r.owned_by(uid))
            .map(|r| RevisionWrite {
                name: r.name.clone(),
                body: json!({"metadata": {"ownerReferences": r.adopted_references(&object::owner_reference(name, uid))}}),
            })
            .collect(),
        None => Vec::new(),
    };

    let hash = spec_hash(&spec);
    let mut issue = None;
    let mut issue_reason = None;
    if live.first().is_none_or(|newest| spec_hash(&newest.spec) != hash) {
        issue_reason = Some(if live.is_empty() { "no_revision" } else { "spec_changed" });
        last_issued += 1;
        let generation = rgd.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(1);
        let new = NewRevision {
            rgd_name: name,
            rgd_uid: uid,
            revision: last_issued,
            generation,
            spec: &spec,
            hash: &hash,
            kro_version: &options.kro_version,
        };
        let created = object::new_object(&new);
        live.insert(
            0,
            Listed {
                name: object::name(name, last_issued),
                revision: last_issued,
                spec: spec.clone(),
                terminating: false,
                owner_references: Vec::new(),
                generation: 1,
                status: None,
            },
        );
        issue = Some(created);
    }

    // The newest revision first, then older ones until one compiles: that one is served.
    let mut statuses = Vec::new();
    let mut latest = None;
    let mut served: Option<(i64, CompiledRgd)> = None;
    for revision in &live {
        let document = engine.compile_json(&json!({
            "apiVersion": "kro.run/v1alpha1",
            "kind": "ResourceGraphDefinition",
            "metadata": {"name": name},
            "spec": revision.spec,
        }));
        let computed = status::revision_status(revision, &document, options.now);
        if revision.status.as_ref() != Some(&computed) {
            statuses.push(RevisionWrite { name: revision.name.clone(), body: computed });
        }
        let compiled = document.rgd.clone();
        if latest.is_none() {
            latest = Some((revision.revision, document));
        }
        if let Some(rgd) = compiled {
            served = Some((revision.revision, rgd));
            break;
        }
    }

    let delete = garbage(&live, served.as_ref().map(|(n, _)| *n), options.max_graph_revisions);
    adopt.retain(|a| !delete.contains(&a.name));
    let in_use = served.as_ref().map(|(n, _)| RevisionInUse {
        revision: *n,
        latest_failed: latest.as_ref().filter(|(l, _)| l != n).map(|(l, doc)| FailedRevision {
            revision: *l,
            message: crate::rgd_status::errors_message(&doc.diagnostics),
        }),
    });
    Revisions {
        last_issued,
        issue,
        issue_reason,
        adopt,
        statuses,
        delete,
        served: served.map(|(_, rgd)| Arc::new(rgd)),
        in_use,
        latest,
    }
}

/// The revisions beyond the newest `keep` (kro's retention floor), except the one served: deleting it would
/// leave instances nothing to be reconciled with while the newer ones fail.
fn garbage(live: &[Listed], served: Option<i64>, keep: usize) -> Vec<String> {
    if keep == 0 {
        return Vec::new();
    }
    let kept: BTreeSet<i64> = live.iter().take(keep).map(|r| r.revision).chain(served).collect();
    live.iter().filter(|r| !kept.contains(&r.revision)).map(|r| r.name.clone()).collect()
}

#[cfg(test)]
mod tests;
