//! Builds [`Node`] documents from saphyr-parser's event stream, with the limits that keep hostile input
//! (alias bombs, absurd nesting) from exhausting memory or time.

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle as Style, Span as PSpan};

use super::node::{Key, Node, NodeKind, Pos, ScalarStyle, Span};
use super::path::{Path, Segment};
use super::scalar::resolve_plain;

/// Bounds applied while loading. The defaults are far above any real Kubernetes manifest.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting of sequences and mappings.
    pub max_depth: usize,
    /// Most nodes a stream may produce, counting every copy an alias makes.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_depth: 128, max_nodes: 1_000_000 }
    }
}

/// Why a stream could not be loaded, and where.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LoadError {
    pub message: String,
    pub span: Span,
    pub kind: LoadErrorKind,
    /// Where in the document, when known (for a duplicate key: the path of the key).
    pub path: Path,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoadErrorKind {
    Syntax,
    DuplicateKey,
    TooDeep,
    TooLarge,
    UnknownAnchor,
}

/// One document of a stream. A document that holds nothing (`---` alone) has `root == None`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Document {
    pub root: Option<Node>,
    /// Where the document starts (for pointing at an empty one).
    pub span: Span,
    /// Keys defined twice in one mapping (kind [`LoadErrorKind::DuplicateKey`]), in file order. They do not
    /// stop loading: kubectl and the API server read YAML as JSON, where the later value wins, so the
    /// document holds the later value; the host reports each as a warning, since the earlier value is lost.
    pub duplicates: Vec<LoadError>,
}

fn pos(m: Marker) -> Pos {
    Pos { offset: m.index() as u32, line: m.line() as u32, column: m.col() as u32 + 1 }
}

/// What saphyr's scanner reports when flow collections nest deeper than it counts (its level is a `u8`: 255
/// `[`/`{` deep). Its `ScanError` has no kind, only this text, and it scans that far ahead of the events our
/// own depth bound sees; so this is the one place the text is read, compared whole, and the test
/// `the_scanners_own_nesting_bound_is_reported_as_too_deep` pins it: an upgrade that rewords it fails there
/// instead of turning a depth error into a syntax error.
const SCANNER_NESTING_BOUND: &str = "recursion limit exceeded";

fn is_scanner_nesting_bound(e: &saphyr_parser::ScanError) -> bool {
    e.info() == SCANNER_NESTING_BOUND
}

fn span(s: PSpan) -> Span {
    Span::new(pos(s.start), pos(s.end))
}

enum Frame {
    Seq { items: Vec<Node>, start: Span, anchor: usize },
    Map { entries: Vec<(Key, Node)>, pending_key: Option<Key>, start: Span, anchor: usize },
}

/// Loads every document of `text`. On the first error the whole stream is rejected: a half-read manifest is
/// not something to validate.
pub(crate) fn load_documents(text: &str, limits: Limits) -> Result<Vec<Document>, LoadError> {
    Loader { limits, nodes: 0, anchors: HashMap::new(), stack: Vec::new() }.run(text)
}

struct Loader {
    limits: Limits,
    nodes: usize,
    anchors: HashMap<usize, Node>,
    stack: Vec<Frame>,
}

impl Loader {
    fn run(mut self, text: &str) -> Result<Vec<Document>, LoadError> {
        // The scanner's character index can run past the text on some malformed input (found by fuzzing);
        // every span is kept inside it.
        let chars = text.chars().count() as u32;
        let mut parser = Parser::new_from_str(text);
        let mut docs = Vec::new();
        let mut current: Option<Document> = None;
        while let Some(next) = parser.next_event() {
            let (event, at) = next.map_err(|e| {
                let mut p = pos(*e.marker());
                p.offset = p.offset.min(chars);
                // The scanner has a nesting bound of its own, which it may reach before ours.
                if is_scanner_nesting_bound(&e) {
                    return LoadError {
                        message: format!("nesting is deeper than {} levels", self.limits.max_depth),
                        span: Span::new(p, p),
                        kind: LoadErrorKind::TooDeep,
                        path: Path::root(),
                    };
                }
                LoadError {
                    message: e.info().to_string(),
                    span: Span::new(p, p),
                    kind: LoadErrorKind::Syntax,
                    path: Path::root(),
                }
            })?;
            let mut at = span(at);
            at.start.offset = at.start.offset.min(chars);
            at.end.offset = at.end.offset.min(chars).max(at.start.offset);
            match event {
                Event::DocumentStart(_) => {
                    self.anchors.clear();
                    current = Some(Document { root: None, span: at, duplicates: Vec::new() });
                }
                Event::DocumentEnd => docs.extend(current.take()),
                Event::Scalar(value, style, anchor, tag) => {
                    let node = scalar_node(&value, style, tag.as_deref().map(|t| t.suffix.as_str()), at);
                    self.push_value(node, anchor, &mut current)?;
                }
                Event::Alias(id) => {
                    let Some(node) = self.anchors.get(&id).cloned() else {
                        return Err(LoadError {
                            message: "alias refers to an anchor that is not defined before it".into(),
                            span: at,
                            kind: LoadErrorKind::UnknownAnchor,
                            path: self.path(),
                        });
                    };
                    // An alias copies its anchor's whole subtree: count every copied node, so that nested aliases
                    // (the "billion laughs") hit the node limit instead of memory.
                    self.count(count_nodes(&node), at)?;
                    let node = Node { span: at, ..node };
                    self.push_value(node, 0, &mut current)?;
                }
                Event::SequenceStart(anchor, _) => {
                    self.open(at)?;
                    self.stack.push(Frame::Seq { items: Vec::new(), start: at, anchor });
                }
                Event::MappingStart(anchor, _) => {
                    self.open(at)?;
                    self.stack.push(Frame::Map { entries: Vec::new(), pending_key: None, start: at, anchor });
                }
                Event::SequenceEnd => {
                    if let Some(Frame::Seq { items, start, anchor }) = self.stack.pop() {
                        let end = collection_end(items.last().map(|n| n.span), at);
                        let node = Node::new(NodeKind::Seq(items), Span::new(start.start, end));
                        self.push_value(node, anchor, &mut current)?;
                    }
                }
                Event::MappingEnd => {
                    if let Some(Frame::Map { entries, start, anchor, .. }) = self.stack.pop() {
                        let end = collection_end(entries.last().map(|(_, v)| v.span), at);
                        let node = Node::new(NodeKind::Map(entries), Span::new(start.start, end));
                        self.push_value(node, anchor, &mut current)?;
                    }
                }
                Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            }
        }
        docs.extend(current.take());
        Ok(docs)
    }

    fn count(&mut self, n: usize, at: Span) -> Result<(), LoadError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_nodes {
            return Err(LoadError {
                message: format!(
                    "the document expands to more than {} nodes (aliases included); refusing to load it",
                    self.limits.max_nodes
                ),
                span: at,
                kind: LoadErrorKind::TooLarge,
                path: self.path(),
            });
        }
        Ok(())
    }

    fn open(&mut self, at: Span) -> Result<(), LoadError> {
        self.count(1, at)?;
        if self.stack.len() >= self.limits.max_depth {
            return Err(LoadError {
                message: format!("nesting is deeper than {} levels", self.limits.max_depth),
                span: at,
                kind: LoadErrorKind::TooDeep,
                // The path of something nested this deep is itself unreadable.
                path: Path::root(),
            });
        }
        Ok(())
    }

    /// The path to the value being read, from the open collections.
    fn path(&self) -> Path {
        self.stack
            .iter()
            .filter_map(|frame| match frame {
                Frame::Seq { items, .. } => Some(Segment::Index(items.len())),
                Frame::Map { pending_key: Some(key), .. } => Some(Segment::Key(key.name.clone())),
                Frame::Map { .. } => None,
            })
            .collect()
    }

    fn push_value(&mut self, node: Node, anchor: usize, current: &mut Option<Document>) -> Result<(), LoadError> {
        if !matches!(node.kind, NodeKind::Seq(_) | NodeKind::Map(_)) {
            self.count(1, node.span)?;
        }
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        let path = self.path();
        match self.stack.last_mut() {
            None => {
                if let Some(doc) = current.as_mut() {
                    doc.root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, pending_key, .. }) => match pending_key.take() {
                None => {
                    let name = key_text(&node).ok_or_else(|| LoadError {
                        message: "mapping keys must be scalars".into(),
                        span: node.span,
                        kind: LoadErrorKind::Syntax,
                        path: path.clone(),
                    })?;
                    if let Some((first, _)) = entries.iter().find(|(k, _)| k.name == name) {
                        let duplicate = LoadError {
                            message: format!(
                                "key {name:?} is defined twice in this mapping, on lines {} and {}; the value on line {} is used (as kubectl and the API server read it) and the one on line {} is lost",
                                first.span.start.line,
                                node.span.start.line,
                                node.span.start.line,
                                first.span.start.line
                            ),
                            span: node.span,
                            kind: LoadErrorKind::DuplicateKey,
                            path: path.key(&name),
                        };
                        if let Some(doc) = current.as_mut() {
                            doc.duplicates.push(duplicate);
                        }
                    }
                    *pending_key = Some(Key { name, span: node.span });
                }
                // The later value of a duplicate key replaces the earlier one where it stood.
                Some(key) => match entries.iter_mut().find(|(k, _)| k.name == key.name) {
                    Some(slot) => *slot = (key, node),
                    None => entries.push((key, node)),
                },
            },
        }
        Ok(())
    }
}

/// Where a collection ends: a block collection's end event sits at the start of whatever follows (often the
/// next line), so it ends with its last value instead; a flow collection ends with its closing bracket.
fn collection_end(last: Option<Span>, end_event: Span) -> Pos {
    match last {
        Some(last) if end_event.start.line > last.end.line => last.end,
        _ => end_event.end,
    }
}

/// Keys become strings the way sigs.k8s.io/yaml turns them into JSON object keys.
fn key_text(node: &Node) -> Option<String> {
    Some(match &node.kind {
        NodeKind::Null => "null".into(),
        NodeKind::Bool(b) => b.to_string(),
        NodeKind::Int(i) => i.to_string(),
        NodeKind::Float(f) => f.to_string(),
        NodeKind::Str(s) => s.clone(),
        NodeKind::Seq(_) | NodeKind::Map(_) => return None,
    })
}

fn count_nodes(node: &Node) -> usize {
    match &node.kind {
        NodeKind::Seq(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        NodeKind::Map(entries) => 1 + entries.iter().map(|(_, v)| 1 + count_nodes(v)).sum::<usize>(),
        _ => 1,
    }
}

fn scalar_node(value: &str, style: Style, tag: Option<&str>, at: Span) -> Node {
    let (kind, style) = match style {
        Style::Plain => (resolve_plain(value, tag), ScalarStyle::Plain),
        Style::SingleQuoted => (tagged_or_string(value, tag), ScalarStyle::SingleQuoted),
        Style::DoubleQuoted => (tagged_or_string(value, tag), ScalarStyle::DoubleQuoted),
        Style::Literal | Style::Folded => (tagged_or_string(value, tag), ScalarStyle::Block),
    };
    Node { kind, span: at, style: Some(style) }
}

/// A quoted or block scalar is a string unless an explicit core tag (`!!int "3"`) says otherwise.
fn tagged_or_string(value: &str, tag: Option<&str>) -> NodeKind {
    match tag {
        Some("int" | "float" | "bool" | "null") => resolve_plain(value, tag),
        _ => NodeKind::Str(value.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Vec<Document>, LoadError> {
        load_documents(text, Limits::default())
    }

    #[test]
    fn every_node_knows_its_line_and_column() {
        let docs = load("a:\n  b: [1, 2]\n  c: \"x\"\n").unwrap();
        let root = docs[0].root.as_ref().unwrap();
        let a = root.get("a").unwrap();
        let c = a.get("c").unwrap();
        assert_eq!((c.span.start.line, c.span.start.column), (3, 6));
        // A block map ends with its last value, not at the start of whatever follows.
        assert_eq!((a.span.end.line, a.span.end.column), (3, 9));
        let b = a.get("b").unwrap();
        assert_eq!((b.span.start.column, b.span.end.column), (6, 12), "a flow list ends at its bracket");
    }

    #[test]
    fn several_documents_are_read_in_order() {
        let docs = load("a: 1\n---\nb: 2\n---\n").unwrap();
        assert_eq!(docs.len(), 3);
        assert!(docs[1].root.as_ref().unwrap().get("b").is_some());
    }

    #[test]
    fn aliases_copy_their_anchor_and_are_counted() {
        let docs = load("a: &x {k: v}\nb: *x\n").unwrap();
        let root = docs[0].root.as_ref().unwrap();
        assert_eq!(root.get("b").unwrap().to_json(), serde_json::json!({"k": "v"}));

        let small = Limits { max_depth: 128, max_nodes: 50 };
        let bomb = "a: &a [x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a]\nc: [*b, *b, *b]\n";
        let err = load_documents(bomb, small).unwrap_err();
        assert_eq!(err.kind, LoadErrorKind::TooLarge);
    }

    #[test]
    fn nesting_is_bounded() {
        let shallow = Limits { max_depth: 3, max_nodes: 1000 };
        assert!(load_documents("a: {b: {c: 1}}", shallow).is_ok());
        let err = load_documents("a: {b: {c: {d: 1}}}", shallow).unwrap_err();
        assert_eq!(err.kind, LoadErrorKind::TooDeep);
    }

    #[test]
    fn the_scanners_own_nesting_bound_is_reported_as_too_deep() {
        // Flow collections 300 deep: the scanner gives up (at 255) before our bound of 128 sees the events.
        let text = format!("a: {}{}", "[".repeat(300), "]".repeat(300));
        let err = load_documents(&text, Limits::default()).unwrap_err();
        assert_eq!(err.kind, LoadErrorKind::TooDeep, "{}", err.message);
        assert_eq!(err.message, "nesting is deeper than 128 levels");
    }

    #[test]
    fn a_duplicate_key_keeps_the_later_value_and_is_recorded_with_its_path() {
        let docs = load("spec:\n  items:\n    - a: 1\n      a: 2\n      b: 3\n").unwrap();
        let item = &docs[0].root.as_ref().unwrap().to_json()["spec"]["items"][0];
        assert_eq!(item, &serde_json::json!({"a": 2, "b": 3}));
        let [duplicate] = docs[0].duplicates.as_slice() else { panic!("{:?}", docs[0].duplicates) };
        assert_eq!(duplicate.kind, LoadErrorKind::DuplicateKey);
        assert_eq!(duplicate.path, Path::parse("spec.items").index(0).key("a"));
        assert_eq!(duplicate.span.start.line, 4);
        assert!(duplicate.message.contains("on lines 3 and 4; the value on line 4 is used"), "{}", duplicate.message);
    }

    #[test]
    fn an_alias_to_an_unknown_anchor_is_an_error() {
        assert!(load("a: *nope\n").is_err());
    }
}

#[cfg(test)]
mod position_tests {
    use super::*;

    #[test]
    fn offsets_count_characters_after_non_ascii_text() {
        let docs = load_documents("a: é\nb: x\n", Limits::default()).unwrap();
        let b = docs[0].root.as_ref().unwrap().get("b").unwrap();
        assert_eq!((b.span.start.offset, b.span.start.line, b.span.start.column), (8, 2, 4));
    }

    #[test]
    fn an_error_at_the_end_of_the_text_stays_inside_it() {
        let text = "%@\u{769}[].@#*#";
        let err = load_documents(text, Limits::default()).unwrap_err();
        assert!(err.span.end.offset as usize <= text.chars().count(), "{err:?}");
    }
}

#[cfg(test)]
mod fuzz_regressions {
    use super::*;

    /// Control characters made the scanner's index run past the text; spans must stay inside it.
    #[test]
    fn spans_stay_inside_text_with_control_characters() {
        let text =
            "%'\t\u{5de}#\t:ingc\n---\nn~nn kind \u{15}\u{15}\u{15}\u{15}  ze7rs at:ing\n---\n\u{15}\u{15}\u{15} x\n";
        let limit = text.chars().count() as u32;
        match load_documents(text, Limits::default()) {
            Ok(docs) => {
                for d in docs.iter().filter_map(|d| d.root.as_ref()) {
                    assert!(d.span.end.offset <= limit, "{:?}", d.span);
                }
            }
            Err(e) => assert!(e.span.end.offset <= limit, "{:?}", e.span),
        }
    }
}
