//! The instance's `status`: every field is computed from expressions (kro rejects literals), and `conditions`
//! holds custom condition expressions. Builds the status part of the CRD schema; fields are typed from their
//! expressions once CEL type checking exists, until then a standalone expression is free-form and a string
//! template is a string.

use serde_json::{Map, Value, json};

use super::expressions::Collector;
use super::model::Role;
use crate::diagnostics::{Code, Path};
use crate::yaml::{Node, NodeKind};

/// Walks `status` (a map), collecting its expressions, and returns the OpenAPI schema of the user's fields.
pub(super) fn user_status_schema(status: &Node, path: &Path, collector: &mut Collector<'_>) -> Map<String, Value> {
    let mut properties = Map::new();
    for (key, value) in status.as_map().unwrap_or_default() {
        let field_path = path.key(&key.name);
        if !crate::simpleschema::check_field_name(&key.name, &field_path, key.span, collector.diags) {
            continue;
        }
        if key.name == "conditions" {
            conditions(value, &field_path, collector);
            continue;
        }
        if let Some(schema) = field(value, &field_path, collector) {
            properties.insert(key.name.clone(), schema);
        }
    }
    properties
}

fn field(node: &Node, path: &Path, collector: &mut Collector<'_>) -> Option<Value> {
    match &node.kind {
        NodeKind::Str(text) => {
            let before = collector.sites.len();
            let count = collector.value(node, path, None, Role::Status, false);
            if count == 0 {
                collector.diags.error(
                    Code::StatusWithoutExpression,
                    format!("status fields without expressions are not supported: {path} is the literal {text:?}; status is computed, e.g. ${{deployment.status.availableReplicas}}"),
                    path,
                    node.span,
                );
                return None;
            }
            let standalone = collector.sites.get(before).is_some_and(|s| s.standalone);
            Some(if standalone {
                json!({"x-kubernetes-preserve-unknown-fields": true})
            } else {
                json!({"type": "string"})
            })
        }
        NodeKind::Map(entries) => {
            let mut properties = Map::new();
            for (key, value) in entries {
                if !crate::simpleschema::check_field_name(&key.name, &path.key(&key.name), key.span, collector.diags) {
                    continue;
                }
                if let Some(schema) = field(value, &path.key(&key.name), collector) {
                    properties.insert(key.name.clone(), schema);
                }
            }
            Some(json!({"type": "object", "properties": properties}))
        }
        NodeKind::Seq(items) => {
            let mut item_schema = None;
            for (i, item) in items.iter().enumerate() {
                item_schema = field(item, &path.index(i), collector).or(item_schema);
            }
            Some(
                json!({"type": "array", "items": item_schema.unwrap_or_else(|| json!({"x-kubernetes-preserve-unknown-fields": true}))}),
            )
        }
        _ => {
            collector.diags.error(
                Code::StatusWithoutExpression,
                format!(
                    "status fields without expressions are not supported: {path} is the literal {}",
                    node.to_json()
                ),
                path,
                node.span,
            );
            None
        }
    }
}

fn conditions(node: &Node, path: &Path, collector: &mut Collector<'_>) {
    let Some(items) = node.as_seq() else {
        collector.diags.error(
            Code::InvalidCondition,
            format!("status.conditions must be a list of expressions, got {}", node.described()),
            path,
            node.span,
        );
        return;
    };
    for (i, item) in items.iter().enumerate() {
        if item.as_str().is_none() {
            collector.diags.error(
                Code::InvalidCondition,
                format!("status.conditions[{i}] must be a CEL expression string"),
                &path.index(i),
                item.span,
            );
            continue;
        }
        collector.value(item, &path.index(i), None, Role::Condition, true);
    }
}

/// kro's own status fields, added unless the user declared fields of the same name; and kro-rs's
/// `graphRevision`, the GraphRevision the operator last reconciled the instance with (docs/decisions/0019).
pub(super) fn with_kro_fields(mut properties: Map<String, Value>) -> Value {
    properties.entry("state").or_insert_with(|| json!({"type": "string"}));
    properties.entry(crate::plan::GRAPH_REVISION).or_insert_with(|| {
        json!({"type": "integer", "format": "int64",
               "description": "The GraphRevision of the ResourceGraphDefinition the instance was last reconciled with"})
    });
    properties.entry("conditions").or_insert_with(|| {
        json!({
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "status": {"type": "string"},
                    "reason": {"type": "string"},
                    "message": {"type": "string"},
                    "lastTransitionTime": {"type": "string", "format": "date-time"},
                    "observedGeneration": {"type": "integer", "format": "int64"}
                }
            }
        })
    });
    json!({"type": "object", "properties": properties})
}
