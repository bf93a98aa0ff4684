//! Finding the values a rule checks: paths through an object (`spec.ports[*].name`), and every occurrence of
//! an OpenAPI definition, found by walking the object along its kind's schema.

use serde_json::{Map, Value};

use super::Mode;
use crate::diagnostics::Path;
use crate::schemas::Schema;

/// How deep the schema walk goes: far beyond any real object (templates are at most 128 levels deep anyway).
const MAX_DEPTH: usize = 64;

/// One step of a table path.
enum Step<'a> {
    Field(&'a str),
    /// Every item of a list.
    Each,
}

fn steps(at: &str) -> Vec<Step<'_>> {
    let mut steps = Vec::new();
    for part in at.split('.').filter(|p| !p.is_empty()) {
        let name = part.trim_end_matches("[*]");
        if !name.is_empty() {
            steps.push(Step::Field(name));
        }
        for _ in 0..(part.len() - name.len()) / 3 {
            steps.push(Step::Each);
        }
    }
    steps
}

/// Whether `value` is a computed value of a template (any string holding `${`), which no rule can judge.
pub(super) fn unknown(value: &Value, mode: Mode) -> bool {
    mode == Mode::Template && value.as_str().is_some_and(|s| s.contains("${"))
}

/// Calls `f` with every value `at` reaches from `node` (at `path`), and its path. A field absent from a map
/// that is known is passed as `None` (a rule may require it); nothing is passed below a value that is
/// unknown, missing, or of another shape than the path expects.
pub(super) fn each(node: &Value, path: &Path, at: &str, mode: Mode, f: &mut dyn FnMut(Option<&Value>, Path)) {
    visit(Some(node), path.clone(), &steps(at), mode, f);
}

fn visit(node: Option<&Value>, path: Path, steps: &[Step<'_>], mode: Mode, f: &mut dyn FnMut(Option<&Value>, Path)) {
    let Some((step, rest)) = steps.split_first() else {
        return f(node, path);
    };
    let Some(node) = node.filter(|n| !unknown(n, mode)) else { return };
    match step {
        Step::Field(name) => {
            if let Some(map) = node.as_object() {
                visit(map.get(*name), path.key(name), rest, mode, f);
            }
        }
        Step::Each => {
            if let Some(items) = node.as_array() {
                for (i, item) in items.iter().enumerate() {
                    visit(Some(item), path.index(i), rest, mode, f);
                }
            }
        }
    }
}

/// Every place in `object` whose schema is a named definition: `(definition, value, path)`, outermost first.
/// The object's own `metadata` is left out (the rules for every object's metadata are kind rules).
pub(super) fn definitions<'o, 's>(
    object: &'o Value,
    schema: Schema<'s>,
    mode: Mode,
) -> Vec<(&'s str, &'o Value, Path)> {
    let mut found = Vec::new();
    walk(object, schema, &Path::root(), mode, 0, &mut found);
    found
}

fn walk<'o, 's>(
    node: &'o Value,
    schema: Schema<'s>,
    path: &Path,
    mode: Mode,
    depth: usize,
    found: &mut Vec<(&'s str, &'o Value, Path)>,
) {
    if depth > MAX_DEPTH || unknown(node, mode) {
        return;
    }
    if let Some(name) = schema.definition_name() {
        found.push((name, node, path.clone()));
    }
    match node {
        Value::Object(map) => walk_fields(map, schema, path, mode, depth, found),
        Value::Array(items) => {
            if let Some(items_schema) = schema.items() {
                for (i, item) in items.iter().enumerate() {
                    walk(item, items_schema, &path.index(i), mode, depth + 1, found);
                }
            }
        }
        _ => {}
    }
}

fn walk_fields<'o, 's>(
    map: &'o Map<String, Value>,
    schema: Schema<'s>,
    path: &Path,
    mode: Mode,
    depth: usize,
    found: &mut Vec<(&'s str, &'o Value, Path)>,
) {
    for (key, value) in map {
        if depth == 0 && key == "metadata" {
            continue;
        }
        if let Some(child) = schema.field(key) {
            walk(value, child, &path.key(key), mode, depth + 1, found);
        }
    }
}

/// Sets the field at `at` (dotted fields and `[N]` indexes) to `value`, creating maps on the way; `null`
/// removes the field. For building the table's examples.
pub(super) fn set(object: &mut Value, at: &str, value: Value) -> Result<(), String> {
    let mut parts: Vec<(&str, Option<usize>)> = Vec::new();
    for part in at.split('.') {
        match part.split_once('[') {
            Some((name, index)) => {
                let index = index.trim_end_matches(']').parse().map_err(|_| format!("bad index in {part:?}"))?;
                parts.push((name, Some(index)));
            }
            None => parts.push((part, None)),
        }
    }
    let Some(((last, last_index), parents)) = parts.split_last() else { return Err("empty path".into()) };
    let mut node = object;
    for (name, index) in parents {
        node = child(node, name)?;
        if let Some(i) = index {
            node = node.get_mut(*i).ok_or_else(|| format!("no item {i} in {name}"))?;
        }
    }
    if let Some(i) = last_index {
        let items = child(node, last)?;
        let slot = items.get_mut(*i).ok_or_else(|| format!("no item {i} in {last}"))?;
        *slot = value;
        return Ok(());
    }
    let map = node.as_object_mut().ok_or("not a map")?;
    if value.is_null() {
        map.remove(*last);
    } else {
        map.insert((*last).to_string(), value);
    }
    Ok(())
}

fn child<'v>(node: &'v mut Value, name: &str) -> Result<&'v mut Value, String> {
    let map = node.as_object_mut().ok_or_else(|| format!("{name}: the parent is not a map"))?;
    Ok(map.entry(name.to_string()).or_insert_with(|| Value::Object(Map::new())))
}
