//! From an RGD to a validated graph: expressions and their references ([`expressions`]), kro's rules over
//! them and the templates ([`checks`], one file per rule), their types ([`typecheck`]), the DAG ([`dag`]), the
//! instance status schema ([`status`]), the templates compiled for evaluation ([`templates`]), the generated CRD ([`crd`]) and whether it may replace an installed one
//! ([`crd_compat`]), and the pass tying them together ([`build`]).

mod build;
mod checks;
pub(crate) mod crd;
pub(crate) mod crd_compat;
pub(crate) mod dag;
mod expressions;
mod field_mask;
pub(crate) mod installed_crds;
mod model;
mod status;
mod templates;
mod typecheck;

pub(crate) use build::build;
pub use field_mask::{FieldMask, InstanceFields};
pub use model::{CompiledRgd, Dimension, ExprSite, InstanceApi, Resource, Role};
pub(crate) use templates::CompiledTemplates;
