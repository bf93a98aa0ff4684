//! The OpenAPI schemas of the built-in Kubernetes kinds, for type checking with no cluster.
//!
//! The data is `engine/schemas/k8s-v1.37.json.gz`, generated from `k8s-openapi` by `tools/schema-bundle`
//! (`make schemas`) and embedded in the engine: every built-in kind served at a GA version, with its group,
//! version, kind, plural, scope and OpenAPI v3 schema. The kinds share one `definitions` map (`$ref:
//! "#/definitions/<name>"`); field descriptions are kept for editors.
//!
//! [`builtin`] decompresses and parses it on first use (a few milliseconds) and keeps it for the life of the
//! program; lookups after that are hash-map reads. [`Schema`] is a cheap, copyable view of one schema that
//! follows `$ref`s; it also works over a schema with no definitions (a CRD's `openAPIV3Schema`), see
//! [`Schema::standalone`].
//!
//! ```
//! use kro_engine::schemas::{self, SchemaKind};
//! # fn main() -> Result<(), String> {
//! let deployment = schemas::builtin().kind("apps", "v1", "Deployment").ok_or("no Deployment")?;
//! let replicas = deployment.field("spec.replicas").map_err(|e| e.to_string())?;
//! assert_eq!(replicas.kind(), SchemaKind::Integer);
//! assert_eq!(replicas.format(), Some("int32"));
//! let image = deployment.field("spec.template.spec.containers[0].image").map_err(|e| e.to_string())?;
//! assert_eq!(image.kind(), SchemaKind::String);
//! # Ok(())
//! # }
//! ```

mod bundle;
mod gzip;
mod path;
mod view;

pub use bundle::{Bundle, BundleError, KindSchema};
pub use path::{FieldPathError, FieldPathErrorKind, PathSegment, parse_field_path};
pub use view::{JsonType, Schema, SchemaKind, Types};

use std::sync::OnceLock;

/// The embedded bundle, gzipped.
const BUILTIN_GZ: &[u8] = include_bytes!("../../schemas/k8s-v1.37.json.gz");

/// The schemas of the built-in kinds of Kubernetes 1.37, loaded on first use.
///
/// The embedded data is checked by the tests, so loading does not fail in practice; if it ever did, this returns
/// an empty bundle (every kind unknown, so checked as `dyn`) and [`Bundle::load_error`] says why.
pub fn builtin() -> &'static Bundle {
    static BUILTIN: OnceLock<Bundle> = OnceLock::new();
    BUILTIN.get_or_init(|| Bundle::from_gzip(BUILTIN_GZ).unwrap_or_else(Bundle::failed))
}

#[cfg(test)]
mod tests;
