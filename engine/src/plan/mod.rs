//! The reconcile planner: given a compiled RGD, an instance and the objects observed in the cluster, what to
//! apply now and in which wave, what waits and why, what is excluded, what to prune, and the instance status
//! to write. Pure and deterministic: the time and everything else a host knows comes in [`PlanOptions`]. The
//! operator executes plans; the playground and `kro render --simulate` feed them back observed objects.
//!
//! The rules are kro's (section 4 of its semantics): resources are walked in topological order; a resource
//! renders only once every resource it reads is ready; `includeWhen` false (or null) excludes it and every
//! resource that reads it; a missing key is "data pending", not an error; readiness is existence, or
//! `readyWhen` on the observed object; collections expand the cartesian product of their `forEach`
//! dimensions; external references are read, never applied. Deletion ([`deletion`]) evaluates no CEL.

mod deletion;
pub(crate) mod drift;
pub(crate) mod identity;
mod kept;
mod lookup;
mod memo;
mod nodes;
mod objects;
mod prepare;
mod refusals;
mod render;
mod server;
mod simulate;
mod status;
#[cfg(test)]
mod tests;
mod types;
mod values;
mod walk;

use serde_json::Value;

pub use identity::{Inventory, ObjectKey};
pub(crate) use kept::cluster_at;
pub use kept::{KeptSimulation, StepSummary};
pub use lookup::ExternalLookup;
pub(crate) use lookup::external_lookup;
pub use nodes::{NodeState, NodeStatus};
pub(crate) use prepare::prepare_instance;
pub use simulate::{SimulatedEffect, SimulatedEvent, Simulation, SimulationError, SimulationStep};
pub(crate) use simulate::{StepInput, keep, simulate};
pub(crate) use status::GRAPH_REVISION;
pub use types::{
    Apply, DEFAULT_NOW, InstancePatch, InstanceState, PendingNode, Plan, PlanOptions, Read, Reason, ReasonCode,
};
pub(crate) use types::{PlanInput, default_now};
pub(crate) use values::values;
pub use values::{ExpressionValue, ValueOutcome};

/// The plan for one reconcile of `input.instance`.
pub(crate) fn plan(input: &PlanInput<'_>) -> Plan {
    let (mut plan, applies) = plan_pass(input, None);
    // Nothing else holds the objects of a plan made alone: they move into it.
    plan.resources = applies.into_iter().map(|k| std::sync::Arc::unwrap_or_clone(k).apply).collect();
    plan
}

/// [`plan`] with its objects apart, still shared (its `resources` are empty), and in a simulation with what the
/// passes before it rendered ([`walk::Incremental`]).
fn plan_pass(
    input: &PlanInput<'_>,
    incremental: Option<walk::Incremental<'_>>,
) -> (Plan, Vec<std::sync::Arc<objects::Keyed>>) {
    let owner = walk::owner(input);
    if input.instance.pointer("/metadata/deletionTimestamp").is_some_and(|t| !t.is_null()) {
        return (deletion::plan_deletion(input, &owner), Vec::new());
    }
    let schema = walk::schema_view(input.instance);
    let computed: Vec<ObjectKey>;
    let walked = if let Some(walk::Incremental { memo, keys, versions }) = incremental {
        walk::Planner::new(input, owner, keys, Some(memo), versions).run(&schema)
    } else {
        computed = input.observed.iter().map(ObjectKey::of).collect();
        walk::Planner::new(input, owner, &computed, None, &[]).run(&schema)
    };
    let mut plan = walked.plan;
    plan.nodes = nodes::node_states(input.rgd, &plan);
    (plan, walked.applies)
}

/// The instance's UID from its metadata, or one derived from its namespace and name (offline instances have
/// none): `00000000-0000-4000-8000-` and the first 12 hex digits of sha256(namespace/name).
pub(crate) fn instance_uid(instance: &Value) -> String {
    if let Some(uid) = instance.pointer("/metadata/uid").and_then(Value::as_str) {
        return uid.to_string();
    }
    let s = |p: &str| instance.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
    let digest = <sha2::Sha256 as sha2::Digest>::digest(
        format!("{}/{}", s("/metadata/namespace"), s("/metadata/name")).as_bytes(),
    );
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("00000000-0000-4000-8000-{hex}")
}
