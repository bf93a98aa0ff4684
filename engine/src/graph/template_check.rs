//! Templates against the schema of their kind, as kro's template parser walks them: every field must exist
//! ("schema not found for field"), every literal must have the field's type, and a string template can only
//! fill a field that takes a string. Standalone expressions are typed by the CEL checker; this pass skips
//! them. An unknown kind is a warning: its template is checked as `dyn`.

use crate::catalog::{Catalog, KindInfo};
use crate::diagnostics::{Code, Diagnostic, Diagnostics, Path};
use crate::expr::{Interpolation, scan};
use crate::rgd::{Body, closest};
use crate::schemas::{JsonType, Schema, SchemaKind};
use crate::yaml::{Node, NodeKind};

/// Looks up the body's kind; reports an unknown kind or version as a warning. Returns the schema to check
/// against, when there is one.
pub fn kind_schema<'c>(body: &Body<'_>, catalog: &'c Catalog, diags: &mut Diagnostics) -> Option<Schema<'c>> {
    let (group, version) = body.group_version();
    match catalog.lookup(group, version, &body.kind_name) {
        Some(KindInfo::Known { schema, .. }) => Some(schema),
        Some(KindInfo::SchemaLess { .. }) => None,
        Some(KindInfo::WrongVersion { served, .. }) => {
            let served: Vec<String> =
                served.iter().map(|v| if group.is_empty() { v.clone() } else { format!("{group}/{v}") }).collect();
            diags.push(
                Diagnostic::warning(
                    Code::UnknownKind,
                    format!(
                        "{} is not served at {} by Kubernetes 1.37 (served: {}); its fields are not checked",
                        body.kind_name,
                        body.api_version,
                        served.join(", ")
                    ),
                    body.path.key("apiVersion"),
                    body.node.get("apiVersion").map_or(body.kind_span, |n| n.span),
                )
                .with_help(format!("use apiVersion: {}", served.last().map_or("", String::as_str))),
            );
            None
        }
        None => {
            let candidates = catalog.kinds_in_group(group);
            let mut d = Diagnostic::warning(
                Code::UnknownKind,
                format!(
                    "no schema is known for kind {} in {}: its template is not checked; pass its CustomResourceDefinition with --crd",
                    body.kind_name, body.api_version
                ),
                body.path.key("kind"),
                body.kind_span,
            );
            if let Some(near) = closest(&body.kind_name, &candidates) {
                d = d.with_help(format!("did you mean {near:?}?"));
            }
            diags.push(d);
            None
        }
    }
}

/// Checks `node` (a template, or a part of one at `path`) against `schema`.
pub fn check(node: &Node, schema: Schema<'_>, path: &Path, template_root: &Path, diags: &mut Diagnostics) {
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
                let known: Vec<&str> = schema.properties().map(|(name, _)| name).collect();
                let field = child_path.strip_prefix(template_root).unwrap_or_default().to_string();
                let mut d = Diagnostic::error(
                    Code::UnknownTemplateField,
                    format!("schema not found for field {field}"),
                    child_path.clone(),
                    key.span,
                );
                if let Some(near) = closest(&key.name, &known) {
                    d = d.with_help(format!("did you mean {near:?}?"));
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
