//! SimpleSchema, kro's compact way to declare an API (`replicas: integer | default=1 minimum=1`), turned into
//! the OpenAPI v3 schema of the generated CRD. Mirrors kro's pkg/simpleschema.

mod build;
mod markers;
mod types;

pub use build::{RuleSyntaxCheck, SchemaBuilder};

/// Longest field name of an instance API. Kubernetes sets no limit, but a generated CRD must stay readable as
/// YAML (a mapping key is at most 1024 characters), and no real field name comes near this.
pub const MAX_FIELD_NAME_CHARS: usize = 256;

/// Why `name` cannot name a field of the generated API, if it cannot.
pub fn field_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a field name cannot be empty".to_string());
    }
    let chars = name.chars().count();
    if chars > MAX_FIELD_NAME_CHARS {
        return Some(format!("the field name is {chars} characters long; the limit is {MAX_FIELD_NAME_CHARS}"));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Some(format!("the field name {name:?} holds a control character (U+{:04X})", u32::from(c)));
    }
    None
}
pub use markers::{MarkerKey, parse_markers};
pub use types::{MAX_TYPE_DEPTH, TypeExpr, parse_type};
