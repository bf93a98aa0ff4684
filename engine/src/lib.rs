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
//! The modules follow the pipeline: [`yaml`] (source with spans) -> [`rgd`] (the RGD model) ->
//! [`simpleschema`] (the instance API's schema) -> [`expr`] (`${...}` and CEL) -> [`graph`] (DAG and CRD)
//! -> [`instance`] (an instance as the API server stores it) -> [`plan`] (one reconcile).
//! [`compile`] runs the front half over a text that may hold several documents.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod catalog;
pub mod compile;
pub mod diagnostics;
pub mod editor;
mod engine;
pub mod expr;
pub mod graph;
pub mod instance;
pub mod kube;
pub mod output;
pub mod plan;
pub mod position;
pub mod rgd;
pub mod rgd_status;
pub mod schemas;
pub mod simpleschema;
pub mod yaml;

pub use catalog::{Catalog, ResourceType};
pub use compile::{CompiledDocument, InputLimits, Source, compile, load_source};
pub use diagnostics::{Code, Diagnostic, Path, Severity};
pub use engine::{Engine, EngineError, EngineOptions};
pub use expr::eval::{EvalError, EvalErrorKind, EvalLimits};
pub use expr::library::Features;
pub use graph::CompiledRgd;
pub use graph::crd_compat::{self, BreakingChange, ChangeKind, breaking_changes};
pub use plan::{
    Apply, DEFAULT_NOW, InstanceState, ObjectKey, Plan, PlanOptions, Simulation, SimulationError, SimulationStep,
};
pub use position::{LineIndex, LspPosition, LspRange};
pub use rgd_status::{HostConditions, RgdState, RgdStatus};
pub use yaml::{Pos, Span};
