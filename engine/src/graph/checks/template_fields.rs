//! Rule: templates fit the schema of their kind.
//!
//! ## What it rejects
//! Checked as kro's template parser walks a template against its kind's OpenAPI schema:
//! - a field the schema does not have (`unknown-template-field`: kro's "schema not found for field");
//! - a literal of another type than its field's, or a string template filling a field that takes no string
//!   (`template-type-mismatch`).
//!
//! Standalone expressions are typed by the CEL checker ([`crate::graph`]'s `typecheck`); this rule skips
//! them. A kind (or version) with no known schema is a warning (`unknown-kind`) and its template goes
//! unchecked; an externalRef only names its object, so only its kind is looked up.
//!
//! ## Why
//! kro resolves each kind's schema and parses templates against it (`pkg/graph/builder.go`,
//! `pkg/graph/parser/parser.go`); the API server would refuse what does not fit.
//!
//! ## Example
//! ```yaml
//! template:
//!   apiVersion: apps/v1
//!   kind: Deployment
//!   spec:
//!     replicas: "three"   # expected integer
//! ```
//!
//! Each code is documented for users in `docs/diagnostics.md`.

use super::ResourceBody;
use crate::catalog::{Catalog, KindInfo, UnknownKinds};
use crate::diagnostics::{Code, Diagnostic, Diagnostics, Path, name_span};
use crate::expr::{Interpolation, scan};
use crate::rgd::{Body, BodyKind, closest};
use crate::schemas::{JsonType, Schema, SchemaKind};
use crate::yaml::{Node, NodeKind, Span};

/// Checks one resource's body: its kind is known, and a template's fields fit the kind's schema. A body with
/// a structural error (its reader reported it) is left alone.
pub(in crate::graph) fn check_body(rb: &ResourceBody<'_, '_>, catalog: &Catalog, diags: &mut Diagnostics) {
    let body = rb.body;
    let schema = if body.well_formed { kind_schema(body, catalog, diags) } else { None };
    if let Some(schema) = schema
        && matches!(body.kind, BodyKind::Template)
    {
        check(body.node, schema, &body.path, &body.path, diags);
    }
}

/// Looks up the body's kind; reports an unknown kind or version as a warning. Returns the schema to check
/// against, when there is one.
pub(crate) fn kind_schema<'c>(body: &Body<'_>, catalog: &'c Catalog, diags: &mut Diagnostics) -> Option<Schema<'c>> {
    let (group, version) = body.group_version();
    match catalog.lookup(group, version, &body.kind_name) {
        Some(KindInfo::Known { schema }) => Some(schema),
        Some(KindInfo::SchemaLess) => None,
        Some(KindInfo::WrongVersion { served }) => {
            let served: Vec<String> =
                served.iter().map(|v| if group.is_empty() { v.clone() } else { format!("{group}/{v}") }).collect();
            let message = match catalog.unknown_kinds() {
                UnknownKinds::Warn => format!(
                    "{} is not served at {} by Kubernetes 1.37 (served: {}); its fields are not checked",
                    body.kind_name,
                    body.api_version,
                    served.join(", ")
                ),
                UnknownKinds::Error => format!(
                    "{} is not served at {} by the cluster (served: {})",
                    body.kind_name,
                    body.api_version,
                    served.join(", ")
                ),
            };
            let span = body.node.get("apiVersion").map_or(body.kind_span, |n| n.span);
            diags.push(
                unknown_kind(catalog, message, body.path.key("apiVersion"), span)
                    .with_help(format!("use apiVersion: {}", served.last().map_or("", String::as_str))),
            );
            None
        }
        None => {
            let candidates = catalog.kinds_in_group(group);
            let message = match catalog.unknown_kinds() {
                UnknownKinds::Warn => format!(
                    "no schema is known for kind {} in {}: its template is not checked",
                    body.kind_name, body.api_version
                ),
                UnknownKinds::Error => format!(
                    "kind {} in {} is not served by the cluster: no built-in kind or CustomResourceDefinition defines it",
                    body.kind_name, body.api_version
                ),
            };
            let mut d = unknown_kind(catalog, message, body.path.key("kind"), body.kind_span);
            if let Some(near) = closest(&body.kind_name, &candidates) {
                d = d
                    .with_help(format!("did you mean {near:?}?"))
                    .with_fix(name_span(body.kind_span, &body.kind_name), near);
            } else if catalog.unknown_kinds() == UnknownKinds::Warn {
                // Each host has its own place for CRDs: the CLI's --crd, a workspace's CRD documents (the
                // playground's CRDs tab, an editor's workspace folders).
                d = d.with_help(
                    "give kro-rs its CustomResourceDefinition (the CLI's --crd, the playground's CRDs tab, a CRD file in the editor's workspace)",
                );
            }
            diags.push(d);
            None
        }
    }
}

/// The unknown-kind finding, as severe as the catalog says an unknown kind is.
fn unknown_kind(catalog: &Catalog, message: String, path: Path, span: Span) -> Diagnostic {
    match catalog.unknown_kinds() {
        UnknownKinds::Warn => Diagnostic::warning(Code::UnknownKind, message, path, span),
        UnknownKinds::Error => Diagnostic::error(Code::UnknownKind, message, path, span),
    }
}

/// Checks `node` (a template, or a part of one at `path`) against `schema`.
pub(crate) fn check(node: &Node, schema: Schema<'_>, path: &Path, template_root: &Path, diags: &mut Diagnostics) {
    let relative = || path.strip_prefix(template_root).unwrap_or_default().to_string();
    let kind = schema.kind();
    match &node.kind {
        NodeKind::Map(entries) => {
            if kind == SchemaKind::Any {
                return;
            }
            if !schema.accepts(JsonType::Object) {
                mismatch(schema, "a map", &relative(), path, node, diags);
                return;
            }
            for (key, value) in entries {
                let child_path = path.key(&key.name);
                if let Some(child) = schema.field(&key.name) {
                    check(value, child, &child_path, template_root, diags);
                    continue;
                }
                // A union's fields are its object alternative's (a CRD's `items`: JSONSchemaProps or a list).
                let object = schema.alternative(JsonType::Object).unwrap_or(schema);
                let known: Vec<&str> = object.properties().map(|(name, _)| name).collect();
                let field = child_path.strip_prefix(template_root).unwrap_or_default().to_string();
                let mut d = Diagnostic::error(
                    Code::UnknownTemplateField,
                    format!("schema not found for field {field}"),
                    child_path.clone(),
                    key.span,
                );
                if let Some(near) = closest(&key.name, &known) {
                    d = d.with_help(format!("did you mean {near:?}?")).with_fix(name_span(key.span, &key.name), near);
                }
                diags.push(d);
            }
        }
        NodeKind::Seq(items) => {
            if kind == SchemaKind::Any {
                return;
            }
            let Some(item_schema) = schema.items().filter(|_| schema.accepts(JsonType::Array)) else {
                mismatch(schema, "a list", &relative(), path, node, diags);
                return;
            };
            for (i, item) in items.iter().enumerate() {
                check(item, item_schema, &path.index(i), template_root, diags);
            }
        }
        // A standalone expression is typed by the CEL checker; the rest of a string is text.
        NodeKind::Str(text) => match scan(text).interpolation {
            Interpolation::Template(_) if !accepts_string(schema) => {
                mismatch(
                    schema,
                    "a string (a string template always produces a string)",
                    &relative(),
                    path,
                    node,
                    diags,
                );
            }
            Interpolation::Literal if !accepts_string(schema) => {
                mismatch(schema, "a string", &relative(), path, node, diags);
            }
            _ => {}
        },
        NodeKind::Int(_) if !schema.accepts(JsonType::Integer) && kind != SchemaKind::Any => {
            mismatch(schema, "an integer", &relative(), path, node, diags);
        }
        NodeKind::Float(_) if !schema.accepts(JsonType::Number) && kind != SchemaKind::Any => {
            mismatch(schema, "a number", &relative(), path, node, diags);
        }
        NodeKind::Bool(_) if !schema.accepts(JsonType::Boolean) && kind != SchemaKind::Any => {
            mismatch(schema, "a boolean", &relative(), path, node, diags);
        }
        // Null leaves a field unset; the remaining cases fit their field.
        _ => {}
    }
}

fn accepts_string(schema: Schema<'_>) -> bool {
    schema.kind() == SchemaKind::Any || schema.accepts(JsonType::String)
}

/// A word for what a schema takes, for messages: `integer`, `string or integer`, `object`, `list`.
fn expected(schema: Schema<'_>) -> String {
    match schema.kind() {
        SchemaKind::Object | SchemaKind::Map => "object".into(),
        SchemaKind::Array => "list".into(),
        SchemaKind::String => "string".into(),
        SchemaKind::Integer => "integer".into(),
        SchemaKind::Number => "number".into(),
        SchemaKind::Boolean => "boolean".into(),
        SchemaKind::IntOrString => "integer or string".into(),
        SchemaKind::Union(types) => {
            let names: Vec<&str> = types
                .iter()
                .map(|t| match t {
                    JsonType::Object => "object",
                    JsonType::Array => "list",
                    JsonType::String => "string",
                    JsonType::Integer => "integer",
                    JsonType::Number => "number",
                    JsonType::Boolean => "boolean",
                })
                .collect();
            names.join(" or ")
        }
        SchemaKind::Any => "any value".into(),
    }
}

fn mismatch(schema: Schema<'_>, got: &str, field: &str, path: &Path, node: &Node, diags: &mut Diagnostics) {
    diags.error(
        Code::TemplateTypeMismatch,
        format!("expected {} type for path {field}, got {got}", expected(schema)),
        path,
        node.span,
    );
}
