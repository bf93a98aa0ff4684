//! A simulated reconcile: plan, pretend the cluster took every applied object, plan again, until the instance
//! is ACTIVE or nothing changes (stuck). What `kro render --simulate` prints and the playground animates.
//!
//! A simulated object is the rendered one with the `status` of the object of the same identity in the given
//! observed set, when there is one; otherwise it exists with no status, and a `readyWhen` that cannot be
//! evaluated for lack of status counts as true for that step (the step lists it under `assumed`).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::{InstanceState, ObjectKey, Plan, PlanInput, PlanOptions, plan};

/// One pass of the simulation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulationStep {
    /// 1-based number of the pass.
    pub step: usize,
    /// What the planner decided in this pass.
    pub plan: Plan,
}

/// Why a simulated reconcile did not reach ACTIVE.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimulationError {
    /// A pass changed nothing, or the instance went to ERROR: what waits or failed, and why.
    #[error("{0}")]
    Stuck(String),
    /// Still progressing after the most passes simulated.
    #[error("not ACTIVE after {0} passes")]
    TooManySteps(usize),
}

/// A simulated reconcile: every pass, and whether the instance became ACTIVE.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    /// Every pass, in order.
    pub steps: Vec<SimulationStep>,
    /// `Ok` when the instance became ACTIVE, or why it did not.
    pub outcome: Result<(), SimulationError>,
}

/// Most passes simulated: a graph needs at most one per wave, plus one to observe the last.
const MAX_STEPS: usize = 100;

/// The steps, and whether the instance became ACTIVE (`Ok`) or got stuck (`Err` with the reason).
pub(crate) fn simulate(input: &PlanInput<'_>) -> Simulation {
    let options = PlanOptions { assume_ready_without_status: true, ..input.options.clone() };
    let given: BTreeMap<ObjectKey, &Value> = input.observed.iter().map(|o| (ObjectKey::of(o), o)).collect();
    let mut cluster: BTreeMap<ObjectKey, Value> =
        input.observed.iter().map(|o| (ObjectKey::of(o), o.clone())).collect();
    let mut instance = input.instance.clone();
    let mut steps = Vec::new();
    let mut last_signature = None;
    for step in 1..=MAX_STEPS {
        let observed: Vec<Value> = cluster.values().cloned().collect();
        let pass = plan(&PlanInput { observed: &observed, instance: &instance, options: &options, ..*input });
        let signature = (pass.resources.clone(), pass.pending.clone(), pass.state);
        let state = pass.state;
        let stuck_reason = stuck(&pass);
        for apply in &pass.resources {
            let key = ObjectKey::of(&apply.object);
            let mut object = apply.object.clone();
            if let (Some(map), Some(status)) = (object.as_object_mut(), given.get(&key).and_then(|g| g.get("status"))) {
                map.insert("status".to_string(), status.clone());
            }
            cluster.insert(key, object);
        }
        for key in &pass.prune {
            cluster.remove(key);
        }
        if let Some(map) = instance.as_object_mut() {
            map.insert("status".to_string(), pass.status.clone());
        }
        steps.push(SimulationStep { step, plan: pass });
        match state {
            InstanceState::Active => return Simulation { steps, outcome: Ok(()) },
            InstanceState::Error => return Simulation { steps, outcome: Err(SimulationError::Stuck(stuck_reason)) },
            _ => {}
        }
        if last_signature.as_ref() == Some(&signature) {
            return Simulation { steps, outcome: Err(SimulationError::Stuck(stuck_reason)) };
        }
        last_signature = Some(signature);
    }
    Simulation { steps, outcome: Err(SimulationError::TooManySteps(MAX_STEPS)) }
}

fn stuck(plan: &Plan) -> String {
    let reasons: Vec<String> = plan.pending.iter().map(|p| format!("{}: {}", p.id, p.reason.message)).collect();
    if reasons.is_empty() { "no progress".to_string() } else { reasons.join("; ") }
}
