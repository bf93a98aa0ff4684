//! What each resource of the graph is doing in one plan, decided once here so no host sorts reason codes into
//! states of its own (the playground colours its graph by these, `kro render -o json` prints them).

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::types::{Plan, ReasonCode};
use crate::graph::CompiledRgd;

/// Where one resource stands after a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NodeState {
    /// Applied (or, for an external reference, found) and ready; dependents may read it.
    Ready,
    /// Applied, and not ready yet: not observed since, or its `readyWhen` is false.
    Applied,
    /// Not applied in this pass: it waits for a dependency, for data, for the external object to exist, or
    /// reconciliation is suspended.
    Waiting,
    /// Left out: an `includeWhen` is false, or it reads a resource that is excluded.
    Excluded,
    /// It failed, or it was not applied because another resource failed in the same pass.
    Failed,
    /// Deletion: its objects are deleted in this pass.
    Deleting,
    /// Deletion: none of its objects is left.
    Deleted,
}

/// One resource's state in a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeStatus {
    /// The resource's id.
    pub id: String,
    /// What the plan does with it (why it waits or failed is its entry in the plan's `pending`).
    pub state: NodeState,
}

/// The state of every resource of `rgd` in `plan` (not a deletion plan), in topological order.
pub(super) fn node_states(rgd: &CompiledRgd, plan: &Plan) -> Vec<NodeStatus> {
    // By id, the first entry of each: a simulation asks this of every pass, with most resources pending.
    let mut reasons: HashMap<&str, ReasonCode> = HashMap::with_capacity(plan.pending.len());
    for pending in &plan.pending {
        reasons.entry(pending.id.as_str()).or_insert(pending.reason.code);
    }
    let excluded: HashSet<&str> = plan.excluded.iter().map(String::as_str).collect();
    rgd.order
        .iter()
        .map(|&i| {
            let resource = &rgd.resources[i];
            let id = resource.id.as_str();
            let pending = reasons.get(id).copied();
            let state = if excluded.contains(id) {
                NodeState::Excluded
            } else {
                match pending {
                    None => NodeState::Ready,
                    Some(ReasonCode::AwaitingObservation | ReasonCode::ReadyWhenFalse) if !resource.external => {
                        NodeState::Applied
                    }
                    Some(ReasonCode::Error | ReasonCode::StoppedByError) => NodeState::Failed,
                    Some(
                        ReasonCode::AwaitingObservation
                        | ReasonCode::ReadyWhenFalse
                        | ReasonCode::DependencyNotReady
                        | ReasonCode::DataPending
                        | ReasonCode::ExternalNotFound
                        | ReasonCode::Suspended,
                    ) => NodeState::Waiting,
                }
            };
            NodeStatus { id: id.to_string(), state }
        })
        .collect()
}
