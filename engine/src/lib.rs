//! kro-engine: the pure core of kro-rs. It reads a ResourceGraphDefinition, checks it, and produces the
//! generated CRD and the dependency graph of its resources; hosts (the `kro` CLI and operator, the wasm
//! package) only do I/O around it. No I/O, clock, or environment access happens here, so the same code runs
//! natively and in the browser.
//!
//! The modules follow the pipeline: [`yaml`] (source with spans) -> [`rgd`] (the RGD model) ->
//! [`simpleschema`] (the instance API's schema) -> [`expr`] (`${...}` and CEL) -> [`graph`] (DAG and CRD).
//! [`compile`] runs the whole front half over a text that may hold several documents.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod catalog;
pub mod compile;
pub mod diagnostics;
pub mod expr;
pub mod graph;
pub mod instance;
pub mod kube;
pub mod output;
pub mod plan;
pub mod rgd;
pub mod schemas;
pub mod simpleschema;
pub mod yaml;

pub use catalog::Catalog;
pub use compile::{CompiledDocument, InputLimits, Source, compile, load_source};
pub use diagnostics::{Code, Diagnostic, Path, Severity};
pub use graph::CompiledRgd;
