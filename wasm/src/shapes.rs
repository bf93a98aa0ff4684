//! The JSON shapes of the JS API that the CLI has no equivalent for: diagnostics with LSP ranges, instance
//! errors, and source ranges added to `kro graph`'s resources. Everything else comes from the engine's
//! `output` module, so the CLI and the package print the same thing.

use kro_engine::{CompiledRgd, Diagnostic, LineIndex, output};
use serde_json::{Value, json};

/// A diagnostic as `kro validate -o json` has it (the engine's `output::diagnostic_json`: 1-based `line` and
/// `column` in characters), plus `range` in LSP positions of `index`'s text for editors.
pub fn diagnostic(d: &Diagnostic, index: &LineIndex<'_>) -> Value {
    let mut v = output::diagnostic_json(None, d);
    v["range"] = json!(index.lsp_range(d.span));
    v
}

/// An instance the API server would refuse: each error as the fixtures write it (`path`, `line`, `column`,
/// `message`; no position for an instance given as an object) with its LSP `range` when it has a position.
pub fn instance_errors(errors: &[Diagnostic], index: &LineIndex<'_>) -> Value {
    let errors: Vec<Value> = errors
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let at = |n: u32| (n > 0).then_some(n);
            let located = d.span.start.line > 0;
            json!({
                "path": d.path.to_string(),
                "line": at(d.span.start.line),
                "column": at(d.span.start.column),
                "message": d.message,
                "range": located.then(|| index.lsp_range(d.span)),
            })
        })
        .collect();
    json!({ "instanceErrors": errors })
}

/// Adds `range` (the resource's list item) and `idRange` (its `id` value) to each resource of a `kro graph`
/// JSON value of `rgd`, which was compiled from `index`'s text.
pub fn add_resource_ranges(graph: &mut Value, rgd: &CompiledRgd, index: &LineIndex<'_>) {
    let Some(resources) = graph.get_mut("resources").and_then(Value::as_array_mut) else { return };
    for resource in resources {
        let id = resource.get("id").and_then(Value::as_str).unwrap_or_default();
        if let Some(compiled) = rgd.resources.iter().find(|r| r.id == id)
            && let Some(map) = resource.as_object_mut()
        {
            map.insert("range".to_string(), json!(index.lsp_range(compiled.span)));
            map.insert("idRange".to_string(), json!(index.lsp_range(compiled.id_span)));
        }
    }
}
