//! A tolerant reading of a YAML text's block structure, line by line, for editor services: keys, list items,
//! their inline values and where they sit. Unlike the loader it never fails, so it still describes a document
//! in the middle of being typed (an unclosed quote, a key without a value, a tab). Flow collections and
//! multi-line plain scalars are kept as opaque values; block scalars (`|`, `>`) as a value spanning lines.

/// What a node of the outline is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    /// `key:` (with an inline value or children).
    Key(String),
    /// `- ` (a list item; its keys or scalar follow).
    Item,
}

/// An inline value: its text (quotes removed) and byte range in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Scalar {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone)]
pub(super) struct Node {
    pub kind: Kind,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// Column (bytes from the line start; indentation is ASCII) of the key, or of the dash of an item.
    pub col: usize,
    /// 0-based line.
    pub line: usize,
    /// Byte range of the key text (of the dash, for an item).
    pub start: usize,
    pub key_end: usize,
    pub value: Option<Scalar>,
    /// Last line of the node's subtree (block scalar content included).
    pub end_line: usize,
    /// Which YAML document (0-based, split at `---`) the node is in.
    pub document: usize,
}

/// A line of the text: byte range without its line break.
#[derive(Debug, Clone, Copy)]
pub(super) struct LineSpan {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone)]
pub(super) struct Outline<'t> {
    pub text: &'t str,
    pub nodes: Vec<Node>,
    pub lines: Vec<LineSpan>,
    /// First line of each document.
    pub document_starts: Vec<usize>,
}

/// Splits the text into lines (a `\r` before `\n` belongs to the break).
fn split_lines(text: &str) -> Vec<LineSpan> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            let end = if i > start && text.as_bytes()[i - 1] == b'\r' { i - 1 } else { i };
            lines.push(LineSpan { start, end });
            start = i + 1;
        }
    }
    lines.push(LineSpan { start, end: text.len() });
    lines
}

/// Where the `:` ending a mapping key is in `rest` (a line's content after indentation and dashes): a colon
/// followed by a space or the line's end, outside quotes; `None` for a scalar or flow value.
pub(super) fn key_colon(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    match bytes.first() {
        None | Some(b'{' | b'[' | b'#' | b'|' | b'>') => return None,
        Some(&q @ (b'"' | b'\'')) => {
            let close = rest[1..].find(q as char)? + 1;
            let after = close + 1;
            return (bytes.get(after) == Some(&b':') && bytes.get(after + 1).is_none_or(|b| *b == b' ' || *b == b'\t'))
                .then_some(after);
        }
        _ => {}
    }
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b':' if bytes.get(i + 1).is_none_or(|b| *b == b' ' || *b == b'\t') => return Some(i),
            b' ' if bytes.get(i + 1) == Some(&b'#') => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

/// The value text after a key's colon: comment removed, quotes removed, with its byte range (relative to
/// `base`, the offset of `raw` in the source).
fn scalar(raw: &str, base: usize) -> Option<Scalar> {
    let lead = raw.len() - raw.trim_start().len();
    let body = &raw[lead..];
    if body.is_empty() {
        return None;
    }
    let start = base + lead;
    let bytes = body.as_bytes();
    if let Some(&q @ (b'"' | b'\'')) = bytes.first() {
        // An unclosed quote (being typed) runs to the line's end.
        let close = body[1..].find(q as char).map_or(body.len(), |i| i + 1);
        let text = body[1..close].to_string();
        return Some(Scalar { text, start, end: start + (close + 1).min(body.len()) });
    }
    let mut end = body.len();
    let mut depth = 0i32;
    for (i, b) in body.bytes().enumerate() {
        match b {
            b'{' => depth += 1,
            b'}' => depth -= 1,
            b'#' if depth <= 0 && i > 0 && bytes[i - 1] == b' ' => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    let text = body[..end].trim_end();
    Some(Scalar { text: text.to_string(), start, end: start + text.len() })
}

impl<'t> Outline<'t> {
    pub(super) fn parse(text: &'t str) -> Self {
        let lines = split_lines(text);
        let mut nodes: Vec<Node> = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        let mut document = 0;
        let mut document_starts = vec![0];
        // Column a block scalar's owner sits at: deeper lines (and blank ones) are its content.
        let mut block: Option<(usize, usize)> = None;
        for (n, span) in lines.iter().enumerate() {
            let line = &text[span.start..span.end];
            let content = line.trim_start_matches(' ');
            let indent = line.len() - content.len();
            if let Some((col, owner)) = block {
                if content.trim().is_empty() || indent > col {
                    Self::extend(&mut nodes, &stack, n);
                    nodes[owner].end_line = n;
                    continue;
                }
                block = None;
            }
            if content.starts_with("---") || content.starts_with("...") {
                if content.starts_with("---") {
                    document += 1;
                    document_starts.push(n + 1);
                }
                stack.clear();
                continue;
            }
            if content.trim().is_empty() || content.starts_with('#') {
                continue;
            }
            let mut col = indent;
            let mut rest = content;
            while rest == "-" || rest.starts_with("- ") || rest.starts_with("-\t") {
                while let Some(&top) = stack.last() {
                    let t = &nodes[top];
                    if t.col > col || (t.col == col && t.kind == Kind::Item) {
                        stack.pop();
                    } else {
                        break;
                    }
                }
                let start = span.start + col;
                let id = Self::push(&mut nodes, &stack, Kind::Item, col, n, start, start + 1, document);
                stack.push(id);
                let after = rest[1..].trim_start_matches([' ', '\t']);
                col += rest.len() - after.len();
                rest = after;
            }
            if rest.is_empty() {
                Self::extend(&mut nodes, &stack, n);
                continue;
            }
            let base = span.start + col;
            if let Some(colon) = key_colon(rest) {
                while stack.last().is_some_and(|&top| nodes[top].col >= col) {
                    stack.pop();
                }
                let raw_key = rest[..colon].trim_end();
                let name = raw_key.trim_matches(|c| c == '"' || c == '\'').to_string();
                let id = Self::push(&mut nodes, &stack, Kind::Key(name), col, n, base, base + raw_key.len(), document);
                let value = scalar(&rest[colon + 1..], base + colon + 1);
                if value.as_ref().is_some_and(|v| v.text.starts_with('|') || v.text.starts_with('>')) {
                    block = Some((col, id));
                }
                nodes[id].value = value;
                stack.push(id);
            } else if let Some(&item) =
                stack.last().filter(|&&top| nodes[top].kind == Kind::Item && nodes[top].line == n)
            {
                nodes[item].value = scalar(rest, base);
            }
            Self::extend(&mut nodes, &stack, n);
        }
        Outline { text, nodes, lines, document_starts }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        nodes: &mut Vec<Node>,
        stack: &[usize],
        kind: Kind,
        col: usize,
        line: usize,
        start: usize,
        key_end: usize,
        document: usize,
    ) -> usize {
        let parent = stack.last().copied();
        let id = nodes.len();
        nodes.push(Node {
            kind,
            parent,
            children: Vec::new(),
            col,
            line,
            start,
            key_end,
            value: None,
            end_line: line,
            document,
        });
        if let Some(p) = parent {
            nodes[p].children.push(id);
        }
        id
    }

    fn extend(nodes: &mut [Node], stack: &[usize], line: usize) {
        for &id in stack {
            nodes[id].end_line = line;
        }
    }

    /// The key of a node, if it is a key.
    pub(super) fn key(&self, id: usize) -> Option<&str> {
        match &self.nodes[id].kind {
            Kind::Key(k) => Some(k),
            Kind::Item => None,
        }
    }

    /// The child of `id` (or of the document root, for `None`) named `key`.
    pub(super) fn child(&self, id: Option<usize>, key: &str, document: usize) -> Option<usize> {
        match id {
            Some(id) => self.nodes[id].children.iter().copied().find(|&c| self.key(c) == Some(key)),
            None => self.roots(document).find(|&c| self.key(c) == Some(key)),
        }
    }

    /// The top-level nodes of a document.
    pub(super) fn roots(&self, document: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.nodes.len()).filter(move |&i| self.nodes[i].parent.is_none() && self.nodes[i].document == document)
    }

    /// Follows `keys` from the document root.
    pub(super) fn at(&self, document: usize, keys: &[&str]) -> Option<usize> {
        let mut id = None;
        for key in keys {
            id = Some(self.child(id, key, document)?);
        }
        id
    }

    /// The inline value of the child `key` of `id`.
    pub(super) fn value_of(&self, id: usize, key: &str) -> Option<&str> {
        let child = self.child(Some(id), key, self.nodes[id].document)?;
        self.nodes[child].value.as_ref().map(|v| v.text.as_str())
    }

    /// `id` and its ancestors, innermost first.
    pub(super) fn ancestry(&self, id: usize) -> Vec<usize> {
        let mut chain = vec![id];
        let mut at = id;
        while let Some(p) = self.nodes[at].parent {
            chain.push(p);
            at = p;
        }
        chain
    }

    /// The keys from the root to `id` (list items as `None`), outermost first.
    pub(super) fn path(&self, id: usize) -> Vec<Option<&str>> {
        let mut path: Vec<Option<&str>> = self.ancestry(id).into_iter().map(|i| self.key(i)).collect();
        path.reverse();
        path
    }

    /// The document a line belongs to.
    pub(super) fn document_of_line(&self, line: usize) -> usize {
        self.document_starts.partition_point(|&s| s <= line).saturating_sub(1)
    }

    /// The last node that starts before `line`, in the same document.
    pub(super) fn last_before(&self, line: usize) -> Option<usize> {
        let document = self.document_of_line(line);
        let count = self.nodes.partition_point(|n| n.line < line);
        (0..count).rev().find(|&i| self.nodes[i].document == document)
    }

    /// The block container of a position at `col` on `line`: the innermost open node left of `col` that can
    /// hold keys (an item, or a key without an inline value).
    pub(super) fn container(&self, line: usize, col: usize) -> Option<usize> {
        let last = self.last_before(line)?;
        self.ancestry(last).into_iter().find(|&i| {
            let node = &self.nodes[i];
            node.col < col && (node.kind == Kind::Item || node.value.is_none())
        })
    }

    /// The nodes starting on `line`, in order.
    pub(super) fn on_line(&self, line: usize) -> impl Iterator<Item = usize> + '_ {
        let from = self.nodes.partition_point(|n| n.line < line);
        (from..self.nodes.len()).take_while(move |&i| self.nodes[i].line == line)
    }

    /// The byte range of lines `first..=last`.
    pub(super) fn line_range(&self, first: usize, last: usize) -> (usize, usize) {
        let start = self.lines.get(first).map_or(self.text.len(), |l| l.start);
        let end = self.lines.get(last).map_or(self.text.len(), |l| l.end);
        (start, end.max(start))
    }

    /// The byte range of a node's whole subtree.
    pub(super) fn node_range(&self, id: usize) -> (usize, usize) {
        let node = &self.nodes[id];
        let (_, end) = self.line_range(node.end_line, node.end_line);
        (node.start, end.max(node.start))
    }

    /// The resource list items (`spec.resources[*]`) of a document, in order.
    pub(super) fn resources(&self, document: usize) -> Vec<usize> {
        self.at(document, &["spec", "resources"]).map(|r| self.nodes[r].children.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_items_and_values_nest_by_indentation() {
        let text = "spec:\n  resources:\n  - id: a\n    template:\n      kind: Pod # c\n  - id: 'b'\n";
        let o = Outline::parse(text);
        let items = o.resources(0);
        assert_eq!(items.len(), 2);
        assert_eq!(o.value_of(items[0], "id"), Some("a"));
        assert_eq!(o.value_of(items[1], "id"), Some("b"));
        let template = o.child(Some(items[0]), "template", 0).unwrap();
        assert_eq!(o.value_of(template, "kind"), Some("Pod"));
        assert_eq!(o.path(template), vec![Some("spec"), Some("resources"), None, Some("template")]);
    }

    #[test]
    fn a_block_scalar_hides_its_content_from_the_structure() {
        let text = "a: |\n  b: c\n  d: e\nf: g\n";
        let o = Outline::parse(text);
        let keys: Vec<_> =
            o.nodes.iter().filter_map(|n| if let Kind::Key(k) = &n.kind { Some(k.as_str()) } else { None }).collect();
        assert_eq!(keys, ["a", "f"]);
        assert_eq!(o.nodes[0].end_line, 2);
    }

    #[test]
    fn half_typed_lines_never_fail() {
        for text in ["a:\n  - \n  -", "\"unclosed: x", "- - - a: b", "a: {b: [c", "\t\tk: v", ":", "- : x"] {
            let _ = Outline::parse(text);
        }
    }

    #[test]
    fn documents_split_at_three_dashes() {
        let o = Outline::parse("a: 1\n---\nb: 2\n");
        assert_eq!(o.at(1, &["b"]).map(|i| o.nodes[i].line), Some(2));
        assert_eq!(o.at(1, &["a"]), None);
        assert_eq!(o.document_of_line(2), 1);
    }
}
