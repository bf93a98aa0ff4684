//! Hover: the type and description of a field (in an expression, or a template's or the schema's key), a
//! resource's kind and dependencies (on its id or a reference to it), a function's signature.

use super::Hover;
use super::cel_library;
use super::context::{Step, chain_at};
use super::outline::{Kind, Outline};
use super::resolve::{Root, Scope, type_label};
use crate::engine::Engine;
use crate::position::{LineIndex, LspPosition};
use crate::schemas::Schema;

/// The hover at `position` of `text`, if there is something to say; kinds' schemas from `engine`'s catalog.
pub fn hover(text: &str, position: LspPosition, engine: &Engine) -> Option<Hover> {
    let index = LineIndex::new(text);
    let at = index.byte_of(position);
    let outline = Outline::parse(text);
    let line = outline.lines.partition_point(|l| l.start <= at).saturating_sub(1);
    let span = outline.lines[line];
    let scope = Scope::new(&outline, outline.document_of_line(line), Some(engine.catalog()));
    let line_text = &text[span.start..span.end];
    let col = at.clamp(span.start, span.end) - span.start;
    let make = |contents: String, (start, end): (usize, usize)| Hover {
        contents,
        range: index.lsp_range_of_bytes(span.start + start, span.start + end),
    };
    if let Some((start, end)) = expression_around(line_text, col) {
        let (steps, word) = chain_at(&line_text[..end], col)?;
        if word.0 < start {
            return None;
        }
        let owner = outline.on_line(line).last().or_else(|| outline.last_before(line));
        let here = owner.and_then(|o| scope.enclosing_resource(o));
        let after = &line_text[word.1..];
        if after.trim_start().starts_with('(') {
            let Some(Step::Field(name)) = steps.last() else { return None };
            let qualified = match steps.as_slice() {
                [Step::Field(ns), Step::Field(_)] => format!("{ns}.{name}"),
                _ => name.clone(),
            };
            let f = cel_library::named(&qualified).or_else(|| cel_library::named(name))?;
            return Some(make(format!("```\n{}\n```\n{}", f.signature, f.doc), word));
        }
        if let [Step::Field(name)] = steps.as_slice() {
            return match scope.root(name, here)? {
                Root::Instance => Some(make(instance_text(&scope), word)),
                Root::Resource(item) => Some(make(resource_text(&scope, text, engine, name, item), word)),
                Root::Item(item) => {
                    let kind = scope.kind_of(item).map_or(String::new(), |(_, k)| format!(" ({k})"));
                    Some(make(format!("**{name}**: an item of this resource's forEach{kind}"), word))
                }
            };
        }
        let schema = scope.resolve(&steps, here)?;
        let Some(Step::Field(name)) = steps.last() else { return None };
        return Some(make(field_text(name, schema), word));
    }
    // A key, or the value of an `id`.
    let node = outline.on_line(line).filter(|&i| outline.nodes[i].kind != Kind::Item).find(|&i| {
        let n = &outline.nodes[i];
        (n.start..=n.key_end).contains(&at) || n.value.as_ref().is_some_and(|v| (v.start..=v.end).contains(&at))
    })?;
    let n = &outline.nodes[node];
    let key = outline.key(node)?;
    let on_key = at <= n.key_end;
    let key_range = (n.start - span.start, n.key_end - span.start);
    if !on_key {
        if key == "id"
            && let Some(item) = n.parent
        {
            let value = n.value.as_ref()?;
            let range = (value.start - span.start, value.end - span.start);
            return Some(make(resource_text(&scope, text, engine, &value.text, item), range));
        }
        return None;
    }
    if let Some(schema) = scope.template_schema(node) {
        return Some(make(field_text(key, schema), key_range));
    }
    let path = outline.path(node);
    if path.len() > 3 && path.starts_with(&[Some("spec"), Some("schema"), Some("spec")]) {
        let mut schema = scope.instance().field("spec")?;
        for step in &path[3..] {
            schema = match step {
                Some(k) => schema.field(k)?,
                None => schema.items()?,
            };
        }
        return Some(make(field_text(key, schema), key_range));
    }
    None
}

/// The byte range (inside `line`) of the `${...}` holding column `col`, if any: from after `${` to the
/// closing brace (or the line's end).
pub(super) fn expression_around(line: &str, col: usize) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(open) = line[from..].find("${") {
        let start = from + open + 2;
        let end = closing(&line[start..]).map_or(line.len(), |c| start + c);
        if (start..=end).contains(&col) {
            return Some((start, end));
        }
        if end >= line.len() {
            return None;
        }
        from = end;
    }
    None
}

/// Where the `}` closing an expression whose text starts `rest` is.
fn closing(rest: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in rest.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn field_text(name: &str, schema: Schema<'_>) -> String {
    let mut text = format!("**{name}**: `{}`", type_label(schema));
    if let Some(description) = schema.description() {
        text.push_str("\n\n");
        text.push_str(description);
    }
    text
}

fn instance_text(scope: &Scope<'_>) -> String {
    let value = |keys: &[&str]| {
        scope
            .outline
            .at(scope.document, keys)
            .and_then(|k| scope.outline.nodes[k].value.as_ref())
            .map(|v| v.text.clone())
    };
    let kind = value(&["spec", "schema", "kind"]).unwrap_or_else(|| "?".into());
    let version = value(&["spec", "schema", "apiVersion"]).unwrap_or_else(|| "?".into());
    let group = value(&["spec", "schema", "group"]).unwrap_or_else(|| crate::rgd::DEFAULT_GROUP.to_string());
    format!("**schema**: the `{kind}` instance (`{group}/{version}`): `schema.spec`, `schema.metadata`")
}

/// A resource's kind and what it depends on: from the compiled RGD when the text compiles, else from the
/// names its expressions read.
fn resource_text(scope: &Scope<'_>, text: &str, engine: &Engine, id: &str, item: usize) -> String {
    let kind = scope.kind_of(item).map_or("unknown kind".to_string(), |(v, k)| format!("`{v}` `{k}`"));
    let compiled = engine
        .compile_text(text)
        .into_iter()
        .find(|d| d.index == scope.document)
        .and_then(|d| d.rgd)
        .and_then(|rgd| rgd.resources.into_iter().find(|r| r.id == id).map(|r| r.depends_on));
    let depends = compiled.unwrap_or_else(|| textual_dependencies(scope, item));
    let mut out = format!("**{id}**: {kind}");
    if scope.outline.child(Some(item), "forEach", scope.document).is_some() {
        out.push_str(" (a collection: one per forEach item)");
    }
    if scope.outline.child(Some(item), "externalRef", scope.document).is_some() {
        out.push_str(" (external: read, never created)");
    }
    if depends.is_empty() {
        out.push_str("\n\nDepends on nothing.");
    } else {
        out.push_str("\n\nDepends on: ");
        out.push_str(&depends.join(", "));
    }
    out
}

/// Resource ids read by `${...}` in the resource's text, in first-use order.
fn textual_dependencies(scope: &Scope<'_>, item: usize) -> Vec<String> {
    let outline: &Outline<'_> = scope.outline;
    let (start, end) = outline.node_range(item);
    let body = &outline.text[start..end];
    let ids: Vec<&str> = scope.resources().into_iter().filter(|(_, i)| *i != item).map(|(id, _)| id).collect();
    let mut found: Vec<String> = Vec::new();
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphabetic() || bytes[i] == b'_' {
            let s = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let word = &body[s..i];
            let after_dot = s > 0 && bytes[s - 1] == b'.';
            if !after_dot && ids.contains(&word) && !found.iter().any(|f| f == word) && inside_expression(body, s) {
                found.push(word.to_string());
            }
        } else {
            i += 1;
        }
    }
    found
}

fn inside_expression(body: &str, at: usize) -> bool {
    let line_start = body[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = body[at..].find('\n').map_or(body.len(), |i| at + i);
    expression_around(&body[line_start..line_end], at - line_start).is_some()
}
