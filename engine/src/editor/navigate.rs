//! Go-to-definition (from a reference to the resource or schema field it names) and the outline.

use super::context::{Step, chain_at};
use super::hover::expression_around;
use super::outline::Outline;
use super::resolve::{Root, Scope};
use super::{Definition, Symbol, SymbolKind};
use crate::position::{LineIndex, LspPosition};

/// Where the name at `position` is declared: a resource id in an expression leads to the resource's `id`,
/// `schema.spec.x` to the field `x` under `spec.schema.spec`.
pub fn definition(text: &str, position: LspPosition) -> Option<Definition> {
    let index = LineIndex::new(text);
    let at = index.byte_of(position);
    let outline = Outline::parse(text);
    let line = outline.lines.partition_point(|l| l.start <= at).saturating_sub(1);
    let span = outline.lines[line];
    let line_text = &text[span.start..span.end];
    let col = at.clamp(span.start, span.end) - span.start;
    let (_, end) = expression_around(line_text, col)?;
    let (steps, word) = chain_at(&line_text[..end], col)?;
    // Kinds' schemas play no part in where names are declared.
    let scope = Scope::new(&outline, outline.document_of_line(line), None);
    let owner = outline.on_line(line).last().or_else(|| outline.last_before(line));
    let here = owner.and_then(|o| scope.enclosing_resource(o));
    let origin_range = index.lsp_range_of_bytes(span.start + word.0, span.start + word.1);
    let Some(Step::Field(root)) = steps.first() else { return None };
    let range_of = |node: usize| {
        let (s, e) = outline.node_range(node);
        index.lsp_range_of_bytes(s, e)
    };
    match scope.root(root, here)? {
        Root::Resource(item) => {
            let id = outline.child(Some(item), "id", scope.document)?;
            let value = outline.nodes[id].value.as_ref()?;
            Some(Definition {
                range: index.lsp_range_of_bytes(value.start, value.end),
                target_range: range_of(item),
                origin_range,
            })
        }
        Root::Instance => {
            let mut node = outline.at(scope.document, &["spec", "schema"])?;
            for step in &steps[1..] {
                let Step::Field(name) = step else { return None };
                node = outline.child(Some(node), name, scope.document)?;
            }
            let n = &outline.nodes[node];
            Some(Definition {
                range: index.lsp_range_of_bytes(n.start, n.key_end),
                target_range: range_of(node),
                origin_range,
            })
        }
        Root::Item(_) => None,
    }
}

/// The outline of every document: its instance API (spec and status fields) and its resources.
pub fn symbols(text: &str) -> Vec<Symbol> {
    let index = LineIndex::new(text);
    let outline = Outline::parse(text);
    let mut out = Vec::new();
    for document in 0..outline.document_starts.len() {
        let scope = Scope::new(&outline, document, None);
        let key_range = |node: usize| {
            let n = &outline.nodes[node];
            index.lsp_range_of_bytes(n.start, n.key_end)
        };
        let whole = |node: usize| {
            let (s, e) = outline.node_range(node);
            index.lsp_range_of_bytes(s, e)
        };
        if let Some(schema) = outline.at(document, &["spec", "schema"]) {
            let kind = outline.value_of(schema, "kind").unwrap_or("schema");
            let detail = outline.value_of(schema, "apiVersion").map(str::to_string);
            let mut children = Vec::new();
            for part in ["spec", "status"] {
                if let Some(node) = outline.child(Some(schema), part, document) {
                    children.push(Symbol {
                        name: part.to_string(),
                        kind: SymbolKind::Field,
                        detail: None,
                        range: whole(node),
                        selection_range: key_range(node),
                        children: fields(&outline, node, &index, 0),
                    });
                }
            }
            out.push(Symbol {
                name: kind.to_string(),
                kind: SymbolKind::Schema,
                detail,
                range: whole(schema),
                selection_range: key_range(schema),
                children,
            });
        }
        for (id, item) in scope.resources() {
            let selection = outline.child(Some(item), "id", document).and_then(|i| outline.nodes[i].value.as_ref());
            let range = whole(item);
            out.push(Symbol {
                name: id.to_string(),
                kind: SymbolKind::Resource,
                detail: scope.kind_of(item).map(|(v, k)| format!("{k} ({v})")),
                range,
                selection_range: selection.map_or(range, |v| index.lsp_range_of_bytes(v.start, v.end)),
                children: Vec::new(),
            });
        }
    }
    out
}

/// The fields under a SimpleSchema (or status) node, nested.
fn fields(outline: &Outline<'_>, node: usize, index: &LineIndex<'_>, depth: usize) -> Vec<Symbol> {
    if depth > 16 {
        return Vec::new();
    }
    outline.nodes[node]
        .children
        .iter()
        .filter_map(|&child| {
            let name = outline.key(child)?;
            let n = &outline.nodes[child];
            let (s, e) = outline.node_range(child);
            Some(Symbol {
                name: name.to_string(),
                kind: SymbolKind::Field,
                detail: n.value.as_ref().map(|v| v.text.clone()),
                range: index.lsp_range_of_bytes(s, e),
                selection_range: index.lsp_range_of_bytes(n.start, n.key_end),
                children: fields(outline, child, index, depth + 1),
            })
        })
        .collect()
}
