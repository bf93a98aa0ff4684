//! kro-engine: the pure core of kro-rs. It reads a ResourceGraphDefinition, checks it, and produces the
//! generated CRD and the dependency graph of its resources; hosts (the `kro` CLI and operator, the wasm
//! package) only do I/O around it. No I/O, clock, or environment access happens here, so the same code runs
//! natively and in the browser.
//!
//! Start at [`Engine`]: build one from the host's feature gates and limits, then compile RGDs
//! ([`Engine::compile_text`], [`Engine::compile_json`]) into [`CompiledRgd`]s once, and plan each reconcile of
//! an instance against one ([`Engine::plan`], [`Engine::simulate`]). Every host — the `kro` CLI, the operator,
//! the npm package — goes through it, so nothing is decided twice.
//!
//! ```
//! use kro_engine::{Engine, EngineOptions, PlanOptions};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = Engine::new(EngineOptions::default())?;
//! let docs = engine.compile_text(include_str!("../../examples/webapp/rgd.yaml"));
//! let Some(rgd) = docs[0].rgd.as_ref() else { return Err(format!("{:?}", docs[0].diagnostics).into()) };
//! assert_eq!(rgd.topological_ids(), ["deployment", "service", "ingress"]);
//!
//! let text = include_str!("../../examples/webapp/instance.yaml");
//! let instance = engine.instance_from_text(rgd, text).map_err(|d| format!("{d:?}"))?;
//! let plan = engine.plan(rgd, &instance, &[], &PlanOptions::default());
//! assert_eq!(plan.resources[0].id, "deployment"); // the first wave; the Service waits for it
//! # Ok(())
//! # }
//! ```
//!
//! Inside, the work follows a pipeline: YAML is loaded with the span of every node, read into the RGD model,
//! the instance API's SimpleSchema is turned into OpenAPI, every `${...}` is parsed and type-checked as CEL,
//! and the resources become a DAG with the generated CRD ([`CompiledRgd`]); per reconcile, an instance is
//! validated and defaulted as the API server would store it, then planned ([`Plan`]). Those stages are
//! private: hosts see their results ([`CompiledDocument`], [`Diagnostic`], [`Plan`], [`RgdStatus`]), the JSON
//! shapes of [`output`], the editor services of [`editor`], the positions of [`position`], and the labels kro
//! puts on objects ([`labels`]). Everything else is `pub(crate)`, so it can change without breaking a host.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
#![warn(unreachable_pub, missing_docs, unnameable_types)]

mod catalog;
mod compile;
mod diagnostics;
pub mod editor;
mod engine;
mod expr;
mod graph;
mod instance;
mod kube;
pub mod output;
mod plan;
pub mod position;
mod revisions;
mod rgd;
mod rgd_status;
mod schemas;
mod simpleschema;
mod workspace;
mod yaml;

pub use catalog::{Catalog, CrdDefinition, PackedSchema, ResourceType, UnknownKinds};
pub use compile::{CompiledDocument, InputLimits, NotOneRgd, only_rgd};
pub use diagnostics::{Code, Diagnostic, Edit, Fix, Fixes, Path, Segment, Severity};
pub use engine::{Engine, EngineError, EngineOptions};
pub use expr::eval::{EvalError, EvalErrorKind, EvalLimits};
pub use expr::library::Features;
pub use graph::crd_compat::{BreakingChange, ChangeKind, breaking_changes};

/// kro's hash of an RGD `spec` (`pkg/graph/hash`, FNV-64a in hex, byte for byte): equal for specs that differ
/// only in what means nothing (key order, resource order, defaults written out), and the
/// `kro.run/graph-revision-hash` label of a GraphRevision.
pub fn spec_hash(spec: &serde_json::Value) -> String {
    revisions::spec_hash(spec)
}
pub use graph::{CompiledRgd, Dimension, ExprSite, FieldMask, InstanceApi, InstanceFields, Resource, Role};
pub use kube::Scope;
pub use plan::{
    Apply, DEFAULT_NOW, ExpressionValue, ExternalLookup, InstancePatch, InstanceState, Inventory, KeptSimulation,
    NodeState, NodeStatus, ObjectKey, PendingNode, Plan, PlanOptions, Read, Reason, ReasonCode, SimulatedEffect,
    SimulatedEvent, Simulation, SimulationError, SimulationStep, StepSummary, ValueOutcome,
};
pub use position::{LineIndex, LspPosition, LspRange, PositionEncoding};
pub use revisions::{FailedRevision, RevisionInUse, RevisionOptions, RevisionWrite, Revisions};
pub use rgd_status::{Condition, DependencyRef, HostConditions, ResourceDependencies, RgdState, RgdStatus};
pub use workspace::{DocumentKind, PlanBlocked, PlanRequest, Workspace};
pub use yaml::{Limits as YamlLimits, Pos, Span};

/// Keeping children as declared: whether an observed child holds its declared fields, and how to take back
/// the list items other managers added (docs/decisions/0018).
pub mod drift {
    pub use crate::plan::drift::{Ownership, holds, take_back};
}

pub mod labels;

/// The examples of the API server's rules table (`engine/schemas/k8s-v1.37-rules.yaml`): objects the API server
/// refuses because of one rule, and objects it accepts. For the tests of the engine and of the end-to-end suite,
/// which send each to a real API server; not part of the API.
#[doc(hidden)]
pub mod api_rules {
    pub use crate::schemas::rules::{Example, examples};
}

/// The engine's internals the benchmarks time directly. Not part of the API: no stability is promised.
#[doc(hidden)]
pub mod bench_support {
    pub use crate::expr::eval::{Bindings, Evaluator, Program};
    pub use crate::expr::template::{Piece, Template};
}
