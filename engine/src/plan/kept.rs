//! A simulation kept for a host that reads it a step at a time (the playground, through
//! [`crate::Workspace::simulation`]): every step's summary, and any step whole on demand.
//!
//! Its steps share their objects: an object rendered the same in many passes is kept once, so keeping every
//! step of a 100-resource chain costs the 100 objects, not the 5,150 a [`Simulation`] holds (one per resource
//! applied per step). A step's plan is copied out when asked for, exactly as [`super::simulate`] gives it.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::objects::Keyed;
use super::simulate::{Simulation, SimulationError, SimulationStep, StepInput};
use super::{InstanceState, NodeStatus, ObjectKey, PendingNode, Plan};

/// A simulated reconcile whose steps share the objects they apply ([`crate::Workspace::simulation`]): a
/// summary of every step, any step whole, and the outcome. [`KeptSimulation::to_simulation`] gives the
/// [`Simulation`] that [`crate::Engine::simulate`] makes of the same input.
#[derive(Debug, Clone)]
pub struct KeptSimulation {
    pub(super) steps: Vec<KeptStep>,
    pub(super) outcome: Result<(), SimulationError>,
}

/// One pass: its plan with `resources` left empty, and its objects in apply order.
#[derive(Debug, Clone)]
pub(super) struct KeptStep {
    pub plan: Plan,
    pub applies: Vec<Arc<Keyed>>,
    pub input: StepInput,
}

/// A step of a simulation without its objects: what a host lists for every step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StepSummary<'s> {
    /// 1-based number of the pass.
    pub step: usize,
    /// The instance state the pass writes.
    pub state: InstanceState,
    /// What the pass does with each resource.
    pub nodes: &'s [NodeStatus],
    /// The resources that wait, and why.
    pub pending: &'s [PendingNode],
    /// Ids of the resources excluded.
    pub excluded: &'s [String],
    /// How many objects the pass applies.
    pub applied: usize,
    /// Readiness assumed for lack of status (left out when none was).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub assumed: &'s [String],
}

impl KeptSimulation {
    /// How many passes it made.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether it made no pass (it always makes at least one).
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// `Ok` when the instance became ACTIVE, or why it did not.
    pub fn outcome(&self) -> &Result<(), SimulationError> {
        &self.outcome
    }

    /// Pass `index` (0-based) without its objects.
    pub fn summary(&self, index: usize) -> Option<StepSummary<'_>> {
        let kept = self.steps.get(index)?;
        let plan = &kept.plan;
        Some(StepSummary {
            step: index + 1,
            state: plan.state,
            nodes: &plan.nodes,
            pending: &plan.pending,
            excluded: &plan.excluded,
            applied: kept.applies.len(),
            assumed: &plan.assumed,
        })
    }

    /// Pass `index` (0-based) whole: its plan with its objects.
    pub fn step(&self, index: usize) -> Option<SimulationStep> {
        let kept = self.steps.get(index)?;
        let mut plan = kept.plan.clone();
        plan.resources = kept.applies.iter().map(|k| k.apply.clone()).collect();
        Some(SimulationStep { step: index + 1, plan, input: kept.input.clone() })
    }

    /// Every pass whole, as [`crate::Engine::simulate`] gives them.
    pub fn to_simulation(&self) -> Simulation {
        Simulation { steps: (0..self.len()).filter_map(|i| self.step(i)).collect(), outcome: self.outcome.clone() }
    }

    /// What each pass planned from, in order.
    pub(crate) fn inputs(&self) -> impl Iterator<Item = &StepInput> {
        self.steps.iter().map(|s| &s.input)
    }
}

/// The objects pass `index` (0-based) of a simulation planned from, given what each pass planned from: the
/// changes of every pass up to it, less what it hid.
pub(crate) fn cluster_at<'s>(inputs: impl Iterator<Item = &'s StepInput>, index: usize) -> Vec<Value> {
    let mut cluster: BTreeMap<&ObjectKey, &Arc<Value>> = BTreeMap::new();
    let mut hidden = None;
    for (i, input) in inputs.take(index + 1).enumerate() {
        for (key, change) in &input.changes {
            match change {
                Some(object) => cluster.insert(key, object),
                None => cluster.remove(key),
            };
        }
        if i == index {
            hidden = Some(&input.hidden);
        }
    }
    cluster.into_iter().filter(|(k, _)| hidden.is_none_or(|h| !h.contains(*k))).map(|(_, o)| (**o).clone()).collect()
}
