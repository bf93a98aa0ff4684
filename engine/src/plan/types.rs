//! What a plan is made of and what it is made from: the options a host passes, the plan's parts (objects to
//! apply, what waits and why, the instance patch and status), and the input gathered for one reconcile.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::identity::ObjectKey;
use super::nodes::NodeStatus;
use crate::catalog::{Catalog, ResourceType};
use crate::diagnostics::Diagnostic;
use crate::expr::eval::Evaluator;
use crate::graph::CompiledRgd;

/// What the host knows that the planner must not find out itself.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// The time of this reconcile, for condition transition times.
    pub now: DateTime<Utc>,
    /// kro's version, written in labels and the `ApplySet` tooling annotation.
    pub kro_version: String,
    /// The RGD's UID, when known (labels the instance).
    pub rgd_uid: Option<String>,
    /// Largest collection a forEach may expand to (kro's `--rgd-max-collection-size`).
    pub max_collection_size: usize,
    /// Requeue delay while anything waits (kro's `--instance-requeue-interval`).
    pub requeue_after: Duration,
    /// Simulation only: a `readyWhen` whose data is missing from an observed object counts as true (and the
    /// plan says so in `assumed`), since a simulated object has no status unless one is given.
    pub assume_ready_without_status: bool,
    /// Objects the host failed to apply in this reconcile, with the API server's message: each is an error of
    /// the resource that renders it, so the instance goes to ERROR with that message (kro's apply errors).
    pub apply_failures: BTreeMap<ObjectKey, String>,
    /// Simulation only: what happens in the simulated cluster from a step on (a resource that never becomes
    /// ready, an apply the API server refuses), as a host scripts it.
    pub events: Vec<super::SimulatedEvent>,
    /// The GraphRevision the RGD was compiled from (the operator's; `None` offline): the instance's status
    /// records it (`status.graphRevision`), and says in `GraphResolved` when a newer revision does not compile
    /// and this older one is used (docs/decisions/0019).
    pub revision: Option<crate::RevisionInUse>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            now: default_now(),
            kro_version: env!("CARGO_PKG_VERSION").to_string(),
            rgd_uid: None,
            max_collection_size: 1000,
            requeue_after: Duration::from_secs(3),
            assume_ready_without_status: false,
            apply_failures: BTreeMap::new(),
            events: Vec::new(),
            revision: None,
        }
    }
}

/// The time a plan is made at when the host gives none: a fixed epoch keeps output reproducible.
pub const DEFAULT_NOW: &str = "2025-01-01T00:00:00Z";

/// [`DEFAULT_NOW`] as a time.
pub(crate) fn default_now() -> DateTime<Utc> {
    // 2025-01-01T00:00:00Z; `from_timestamp` only fails out of chrono's range.
    DateTime::from_timestamp(1_735_689_600, 0).unwrap_or_default()
}

/// Why a resource is not applied (or not ready) in this pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ReasonCode {
    /// A resource it reads is not ready yet.
    DependencyNotReady,
    /// An expression reads data that is not there yet.
    DataPending,
    /// Applied and observed, but its `readyWhen` is false.
    ReadyWhenFalse,
    /// Applied in this pass; ready once observed.
    AwaitingObservation,
    /// An external reference that the cluster does not have (yet).
    ExternalNotFound,
    /// An expression failed, or the rendered resource is unusable.
    Error,
    /// The instance is annotated `kro.run/reconcile: suspended`.
    Suspended,
    /// Rendered, but not applied: another resource failed, and nothing is applied in a pass with a failure.
    StoppedByError,
}

/// Why a resource waits, with a message for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// The machine-readable reason.
    pub code: ReasonCode,
    /// What exactly waits, or failed.
    pub message: String,
}

/// A resource not applied in this pass, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PendingNode {
    /// The resource's id.
    pub id: String,
    /// Why it waits.
    pub reason: Reason,
    /// With [`ReasonCode::Error`] for an object the API server would refuse: each thing it would refuse, with
    /// its stable code and where in the RGD the value came from (the `${...}` that computed it, or the
    /// resource), as `kro validate` reports the same rules for literal values.
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "as_diagnostics")]
    pub diagnostics: Vec<Diagnostic>,
}

/// An object to apply (server-side, field manager `kro.run/applyset`). Plans serialise only its object.
#[derive(Debug, Clone, PartialEq)]
pub struct Apply {
    /// The id of the resource it renders.
    pub id: String,
    /// kro's apply-order wave (1 first).
    pub wave: usize,
    /// Position in its collection.
    pub index: Option<usize>,
    /// The rendered object, stamped with kro's labels.
    pub object: Value,
    /// Where a kube client applies it (group, version, plural, scope), when the catalog knows the kind.
    pub resource_type: Option<ResourceType>,
}

/// An object the planner needs from the cluster: an external reference, read by name or by label selector.
/// A host reads what a plan lists, adds the objects to what it observed and plans again, until the plan asks
/// for nothing new (a reference's name may come from another reference).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Read {
    /// The id of the external reference.
    pub id: String,
    /// Its `apiVersion`.
    pub api_version: String,
    /// Its kind.
    pub kind: String,
    /// Its namespace; `None` for a cluster-scoped kind, or every namespace.
    pub namespace: Option<String>,
    /// The object's name (a GET), or `None` for a list (see `selector`).
    pub name: Option<String>,
    /// The objects to list, as an API-server label selector (`app=web,tier in (a,b)`); empty: every object.
    pub selector: Option<String>,
}

/// The patch to the instance's own metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct InstancePatch {
    /// Labels to set on the instance.
    pub labels: BTreeMap<String, String>,
    /// Annotations to set on the instance (its `ApplySet` inventory among them).
    pub annotations: BTreeMap<String, String>,
    /// The finalizers the instance must have.
    pub finalizers: Vec<String>,
}

/// Instance states, as kro writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InstanceState {
    /// Resources are still being created or becoming ready.
    InProgress,
    /// Every resource is applied and ready.
    Active,
    /// A resource could not be rendered or applied.
    Error,
    /// The instance is being deleted; its children go first.
    Deleting,
}

impl InstanceState {
    /// The state as kro writes it in the instance's `status.state`.
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceState::InProgress => "IN_PROGRESS",
            InstanceState::Active => "ACTIVE",
            InstanceState::Error => "ERROR",
            InstanceState::Deleting => "DELETING",
        }
    }
}

/// What to do now. Its serialisation is the `kro render -o json` contract, which the npm package and the
/// fixtures share: `resources` are the objects to apply (the plan's `nodes` say which resource each one is),
/// `requeueAfterSeconds` is always there (`null`: on the next event), `delete` and `assumed` only when not
/// empty.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Objects to apply, in apply order (wave, then topological position, then collection index).
    #[serde(serialize_with = "objects")]
    pub resources: Vec<Apply>,
    /// The resources that wait, and why.
    pub pending: Vec<PendingNode>,
    /// Ids of resources excluded by `includeWhen` (or reading an excluded one).
    pub excluded: Vec<String>,
    /// Objects of this instance that are no longer desired; only listed when every desired object could be
    /// rendered and nothing failed, as kro prunes only after a complete apply (a resource waiting for readiness
    /// does not hold it back).
    pub prune: Vec<ObjectKey>,
    /// What to patch on the instance's own metadata.
    pub instance: InstancePatch,
    /// The instance state to write.
    pub state: InstanceState,
    /// Every resource of the graph in topological order, with what this plan does with it.
    pub nodes: Vec<NodeStatus>,
    /// The instance `status` to write.
    pub status: Value,
    /// When to reconcile again if nothing changes before (anything waits); `None`: on the next event.
    #[serde(rename = "requeueAfterSeconds", serialize_with = "as_seconds")]
    pub requeue_after: Option<Duration>,
    /// Deletion only: the objects to delete now (the highest remaining wave).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub delete: Vec<ObjectKey>,
    /// Simulation only: readiness assumed for lack of status.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assumed: Vec<String>,
    /// The external objects this plan read, or wanted and was not given: what a host reads from the cluster.
    #[serde(skip)]
    pub reads: Vec<Read>,
}

impl Plan {
    /// The objects to apply, one slice per wave, in apply order: a wave's objects may be applied at once, a
    /// wave only after the one before it.
    pub fn waves(&self) -> impl Iterator<Item = &[Apply]> {
        self.resources.chunk_by(|a, b| a.wave == b.wave)
    }
}

impl InstancePatch {
    /// Whether `instance` already carries this patch: every label, annotation and finalizer, and no kro
    /// `ApplySet` annotation the patch dropped (an additional namespace no longer used). A host patches the
    /// instance only when it does not.
    pub fn is_satisfied_by(&self, instance: &Value) -> bool {
        let strings = |key: &str| -> BTreeMap<&str, &str> {
            instance
                .pointer(&format!("/metadata/{key}"))
                .and_then(Value::as_object)
                .map(|m| m.iter().filter_map(|(k, v)| Some((k.as_str(), v.as_str()?))).collect())
                .unwrap_or_default()
        };
        let (labels, annotations) = (strings("labels"), strings("annotations"));
        let has_all = |want: &BTreeMap<String, String>, have: &BTreeMap<&str, &str>| {
            want.iter().all(|(k, v)| have.get(k.as_str()) == Some(&v.as_str()))
        };
        let finalizers: Vec<&str> = instance
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .map(|f| f.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        // A held patch (suspended, failed) lists no annotations: what is recorded stays.
        let stale = !self.annotations.is_empty()
            && annotations
                .keys()
                .any(|k| super::identity::is_inventory_annotation(k) && !self.annotations.contains_key(*k));
        has_all(&self.labels, &labels)
            && has_all(&self.annotations, &annotations)
            && self.finalizers.iter().all(|f| finalizers.contains(&f.as_str()))
            && !stale
    }
}

/// The applied objects as the contract lists them: each object alone, in apply order.
fn objects<S: serde::Serializer>(applies: &[Apply], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(applies.iter().map(|a| &a.object))
}

/// Everything a plan reads, gathered once.
#[derive(Debug)]
pub(crate) struct PlanInput<'a> {
    pub rgd: &'a CompiledRgd,
    pub catalog: &'a Catalog,
    pub evaluator: &'a Evaluator,
    /// The instance as stored (validated and defaulted).
    pub instance: &'a Value,
    /// Objects as the cluster has them: children and external references.
    pub observed: &'a [Value],
    pub options: &'a PlanOptions,
}

/// Diagnostics in the shape every JSON output of the engine gives them (`kro validate -o json`).
fn as_diagnostics<S: serde::Serializer>(diagnostics: &[Diagnostic], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(diagnostics.iter().map(|d| crate::output::diagnostic_json(None, d)))
}

/// A requeue delay as the whole seconds the JSON contract (`requeueAfterSeconds`) carries.
#[allow(clippy::ref_option)] // serde's `serialize_with` hands the field by reference
fn as_seconds<S: serde::Serializer>(delay: &Option<Duration>, serializer: S) -> Result<S::Ok, S::Error> {
    match delay {
        Some(d) => serializer.serialize_u64(d.as_secs()),
        None => serializer.serialize_none(),
    }
}
