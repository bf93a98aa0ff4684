//! The OpenAPI schemas of the built-in Kubernetes kinds, for type checking with no cluster.
//!
//! The data is `engine/schemas/k8s-v1.37.json.gz`, generated from `k8s-openapi` by `tools/schema-bundle`
//! (`make schemas`) and embedded in the engine: every built-in kind served at a GA version, with its group,
//! version, kind, plural, scope and OpenAPI v3 schema. The kinds share one `definitions` map (`$ref:
//! "#/definitions/<name>"`); field descriptions are kept for editors.
//!
//! [`builtin`] decompresses and parses it on first use (a few milliseconds) and keeps it for the life of the
//! program; lookups after that are hash-map reads. [`Schema`] is a cheap, copyable view of one schema that
//! follows `$ref`s; it also works over a schema with no definitions (a CRD's `openAPIV3Schema`).
//!
//! Next to the schemas, [`rules`] holds what the API server checks that no schema says (names per kind, label
//! keys, ports, selectors, ...), from its own table `engine/schemas/k8s-v1.37-rules.yaml`.

mod bundle;
mod definitions;
mod gzip;
pub(crate) mod rules;
mod view;

pub(crate) use bundle::{Bundle, KindSchema};
pub(crate) use view::{JsonType, Schema, SchemaKind};

use std::sync::OnceLock;

/// The embedded bundle, gzipped.
const BUILTIN_GZ: &[u8] = include_bytes!("../../schemas/k8s-v1.37.json.gz");

/// The schemas of the built-in kinds of Kubernetes 1.37, loaded on first use.
///
/// The embedded data is checked by the tests, so loading does not fail in practice; if it ever did, this returns
/// an empty bundle (every kind unknown, so checked as `dyn`).
pub(crate) fn builtin() -> &'static Bundle {
    static BUILTIN: OnceLock<Bundle> = OnceLock::new();
    BUILTIN.get_or_init(|| Bundle::from_gzip(BUILTIN_GZ).unwrap_or_else(|_| Bundle::empty()))
}

#[cfg(test)]
mod tests;
