//! The JSON shapes of the JS API that the CLI has no equivalent for: diagnostics with LSP ranges, instance
//! errors, and source ranges added to `kro graph`'s resources. Everything else comes from the engine's
//! `output` module, so the CLI and the package print the same thing.

use kro_engine::instance::Finding;
use kro_engine::yaml::{Node, Span};
use kro_engine::{Diagnostic, LineIndex};
use serde_json::{Value, json};

/// `{severity, code, message, path, help?, range}`, the range in LSP positions of `index`'s text.
pub fn diagnostic(d: &Diagnostic, index: &LineIndex<'_>) -> Value {
    let mut v = json!({
        "severity": d.severity,
        "code": d.code,
        "message": d.message,
        "path": d.path.to_string(),
        "range": index.lsp_range(d.span),
    });
    if let Some(help) = &d.help {
        v["help"] = json!(help);
    }
    v
}

/// An instance the API server would refuse: each error with its field path and, when known, its range.
pub fn instance_errors(findings: &[Finding], index: &LineIndex<'_>) -> Value {
    let errors: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "path": f.path.to_string(),
                "line": f.span.map(|s| s.start.line),
                "column": f.span.map(|s| s.start.column),
                "message": f.message,
                "range": f.span.map(|s| index.lsp_range(s)),
            })
        })
        .collect();
    json!({ "instanceErrors": errors })
}

/// Adds `range` (the resource's list item) and `idRange` (its `id` value) to each resource of a `kro graph`
/// JSON value, found by id among `spec.resources` of the document `root`.
pub fn add_resource_ranges(graph: &mut Value, root: &Node, index: &LineIndex<'_>) {
    let items = root.get("spec").and_then(|s| s.get("resources")).and_then(Node::as_seq).unwrap_or_default();
    let spans: Vec<(&str, Span, Span)> = items
        .iter()
        .filter_map(|item| {
            let id = item.get("id")?;
            Some((id.as_str()?, item.span, id.span))
        })
        .collect();
    let Some(resources) = graph.get_mut("resources").and_then(Value::as_array_mut) else { return };
    for resource in resources {
        let id = resource.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
        if let Some((_, item, id_span)) = spans.iter().find(|(i, _, _)| *i == id)
            && let Some(map) = resource.as_object_mut()
        {
            map.insert("range".to_string(), json!(index.lsp_range(*item)));
            map.insert("idRange".to_string(), json!(index.lsp_range(*id_span)));
        }
    }
}
