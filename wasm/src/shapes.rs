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

/// An instance the API server would refuse: the engine's `output::instance_errors_json` (each finding with its
/// severity and code, as the fixtures write it), with its LSP `range` in `index`'s text when it has a position.
pub fn instance_errors(errors: &[Diagnostic], index: &LineIndex<'_>) -> Value {
    let mut value = output::instance_errors_json(errors);
    if let Some(items) = value.get_mut("instanceErrors").and_then(Value::as_array_mut) {
        for (item, d) in items.iter_mut().zip(errors) {
            item["range"] = json!(d.position().map(|_| index.lsp_range(d.span)));
        }
    }
    value
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
