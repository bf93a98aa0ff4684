//! SimpleSchema, kro's compact way to declare an API (`replicas: integer | default=1 minimum=1`), turned into
//! the OpenAPI v3 schema of the generated CRD. Mirrors kro's pkg/simpleschema.

mod build;
mod markers;
mod types;

pub use build::SchemaBuilder;
pub use markers::{MarkerKey, parse_markers};
pub use types::{MAX_TYPE_DEPTH, TypeExpr, parse_type};
