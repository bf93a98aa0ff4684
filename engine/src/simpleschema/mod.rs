//! SimpleSchema, kro's compact way to declare an API (`replicas: integer | default=1 minimum=1`), turned into
//! the OpenAPI v3 schema of the generated CRD. Mirrors kro's pkg/simpleschema.

mod build;
mod markers;
mod types;

pub(crate) use build::SchemaBuilder;

use crate::diagnostics::{Code, Diagnostics, Path};
use crate::yaml::Span;

/// Longest field name of an instance API: a generated CRD must stay readable as YAML, where an implicit
/// mapping key is at most 1024 characters. Longer is an error.
pub(crate) const MAX_FIELD_NAME_CHARS: usize = 1024;

/// How many characters `name` may take when the CRD is written as YAML, at most: quoted, with a control
/// character escaped (`\u0007`, six characters) and a quote or backslash doubled.
fn written_key_chars(name: &str) -> usize {
    2 + name
        .chars()
        .map(|c| {
            if c.is_control() {
                6
            } else if matches!(c, '"' | '\\') {
                2
            } else {
                1
            }
        })
        .sum::<usize>()
}

/// Past this, a field name is accepted (kube-apiserver 1.37 and kro's controller take it) but warned about: no
/// real field name comes near it.
pub(crate) const LONG_FIELD_NAME_CHARS: usize = 256;

/// Checks `name`, a field of the generated API (spec or status), at `path`; reports what is wrong with it.
/// Returns `false` when the field cannot be kept (only a name YAML itself could not carry). An empty name, a
/// control character or a long name are warnings: the API server and kro's controller accept them.
pub(crate) fn check_field_name(name: &str, path: &Path, span: Span, diags: &mut Diagnostics) -> bool {
    let chars = name.chars().count();
    let written = written_key_chars(name);
    if written > MAX_FIELD_NAME_CHARS {
        let message = format!(
            "the field name takes {written} characters as a YAML key; a YAML mapping key, and so a field of the generated CRD, is at most {MAX_FIELD_NAME_CHARS}"
        );
        diags.error(Code::InvalidFieldName, message, path, span);
        return false;
    }
    let accepted = "the API server accepts it, but it is almost certainly a mistake";
    let warning = if name.is_empty() {
        Some(format!("the field name is empty; {accepted}"))
    } else if chars > LONG_FIELD_NAME_CHARS {
        Some(format!("the field name is {chars} characters long (over {LONG_FIELD_NAME_CHARS}); {accepted}"))
    } else {
        name.chars()
            .find(|c| c.is_control())
            .map(|c| format!("the field name {name:?} holds a control character (U+{:04X}); {accepted}", u32::from(c)))
    };
    if let Some(message) = warning {
        diags.warning(Code::InvalidFieldName, message, path, span);
    }
    true
}

pub(crate) use markers::MarkerKey;
