//! The YAML tree the engine works on: every node keeps the span it came from, so any diagnostic, however deep,
//! can point at a line and column of the user's file.

use serde_json::Value;

/// A position in the source: `offset` counts characters (not bytes) from the start of the text, `line` is
/// 1-based and `column` is 1-based, both counted in characters, as editors and the CLI show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Pos {
    /// Characters from the start of the text.
    pub offset: u32,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// A half-open range of the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Span {
    /// The first character.
    pub start: Pos,
    /// Just past the last character.
    pub end: Pos,
}

impl Span {
    /// The span from `start` to `end`.
    pub fn new(start: Pos, end: Pos) -> Self {
        Self { start, end }
    }

    /// Whether it points into a text: spans of nodes read from JSON, and of findings about the input as a
    /// whole, are all zeros (lines are 1-based, so line 0 means "no position").
    pub fn is_located(&self) -> bool {
        self.start.line > 0
    }

    /// A span that starts `from` characters into this one and is `len` long, for pointing inside a scalar
    /// (an expression inside a string template). Only exact for single-line scalars written without escapes,
    /// which the caller checks; past the end it clamps to this span.
    #[must_use]
    pub fn sub(&self, from: u32, len: u32) -> Span {
        let width = self.end.offset.saturating_sub(self.start.offset);
        let from = from.min(width);
        let len = len.min(width - from);
        let at = |n: u32| Pos { offset: self.start.offset + n, line: self.start.line, column: self.start.column + n };
        Span { start: at(from), end: at(from + len) }
    }
}

/// How a scalar was written. Expression positions inside a scalar can only be mapped exactly for some styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Block,
}

/// A resolved YAML value with its location.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries keep document order; keys are scalars (rendered to strings, as sigs.k8s.io/yaml does).
    Map(Vec<(Key, Node)>),
}

/// A mapping key: its text and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub kind: NodeKind,
    pub span: Span,
    /// Set for scalars only.
    pub style: Option<ScalarStyle>,
}

impl Node {
    pub(crate) fn new(kind: NodeKind, span: Span) -> Self {
        Self { kind, span, style: None }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key and value of `key` in a mapping.
    pub(crate) fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
        match &self.kind {
            NodeKind::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub(crate) fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }

    /// A word for the node's type, for messages ("expected a map, got a string").
    pub(crate) fn type_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "boolean",
            NodeKind::Int(_) => "integer",
            NodeKind::Float(_) => "number",
            NodeKind::Str(_) => "string",
            NodeKind::Seq(_) => "list",
            NodeKind::Map(_) => "map",
        }
    }

    /// The node's type with its article, for "expected a map, got an integer".
    pub(crate) fn described(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Int(_) => "an integer",
            NodeKind::Float(_) => "a number",
            NodeKind::Str(_) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a map",
        }
    }

    /// A tree for a JSON value (an object the API server returned): every span is empty, so diagnostics on it
    /// carry their path only.
    pub(crate) fn from_json(value: &Value) -> Node {
        let kind = match value {
            Value::Null => NodeKind::Null,
            Value::Bool(b) => NodeKind::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => NodeKind::Int(i),
                None => NodeKind::Float(n.as_f64().unwrap_or_default()),
            },
            Value::String(s) => NodeKind::Str(s.clone()),
            Value::Array(items) => NodeKind::Seq(items.iter().map(Node::from_json).collect()),
            Value::Object(entries) => NodeKind::Map(
                entries
                    .iter()
                    .map(|(k, v)| (Key { name: k.clone(), span: Span::default() }, Node::from_json(v)))
                    .collect(),
            ),
        };
        let style = matches!(kind, NodeKind::Str(_)).then_some(ScalarStyle::DoubleQuoted);
        Node { kind, span: Span::default(), style }
    }

    /// The JSON value of this node, as the Kubernetes API server would receive it.
    pub(crate) fn to_json(&self) -> Value {
        match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Int(i) => Value::from(*i),
            NodeKind::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            NodeKind::Str(s) => Value::String(s.clone()),
            NodeKind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => {
                Value::Object(entries.iter().map(|(k, v)| (k.name.clone(), v.to_json())).collect())
            }
        }
    }

    /// Whether an exact character offset inside this scalar maps to the same offset in the source, which holds
    /// for single-line plain scalars and single-line quoted scalars without escapes.
    pub(crate) fn maps_offsets_exactly(&self) -> bool {
        let NodeKind::Str(text) = &self.kind else {
            return false;
        };
        if self.span.start.line != self.span.end.line {
            return false;
        }
        let written = self.span.end.offset.saturating_sub(self.span.start.offset) as usize;
        let chars = text.chars().count();
        match self.style {
            Some(ScalarStyle::Plain) => written == chars,
            Some(ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) => written == chars + 2,
            _ => false,
        }
    }

    /// The span of `len` characters starting `from` characters into this string scalar's value, falling back to
    /// the whole scalar when the written form does not map one-to-one (escapes, block scalars, folded lines).
    pub(crate) fn span_within(&self, from: usize, len: usize) -> Span {
        if !self.maps_offsets_exactly() {
            return self.span;
        }
        let quote = u32::from(self.style != Some(ScalarStyle::Plain));
        self.span.sub(from as u32 + quote, len as u32)
    }
}
