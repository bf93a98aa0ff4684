//! YAML in and out. Input keeps a span on every node (see [`node`]); scalars resolve as Kubernetes' YAML 1.1
//! reader does (see [`scalar`]); output goes through saphyr's emitter (see [`emit`]).
//!
//! Why saphyr: `serde_yaml` is deprecated and unmaintained; saphyr-parser is the maintained successor of
//! yaml-rust2 by the same people, is `no_std`-friendly (builds for wasm32), and reports a start and end
//! position for every event. See `docs/decisions/0001-yaml-crate.md`.

mod emit;
mod load;
mod node;
mod path;
mod scalar;

pub(crate) use emit::to_yaml;
pub use load::Limits;
pub(crate) use load::{Document, LoadError, LoadErrorKind, load_documents};
pub(crate) use node::{Node, NodeKind};
pub use node::{Pos, Span};
pub use path::{Path, Segment};
