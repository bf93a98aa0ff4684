//! Field paths into a schema, written as kro and kubectl write them: `spec.template.spec.containers[0].image`,
//! `metadata.labels["app.kubernetes.io/name"]`, and `[]` or `[*]` for "any element" (`spec.ports[].targetPort`).
//! Unlike a [`Path`](crate::yaml::Path) inside a document, such a path may say "any element": it addresses a
//! schema, not a value, so it has types of its own.

use std::fmt::{self, Write as _};

use crate::yaml::write_key;

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment<'p> {
    /// A field of an object or a key of a map (`.name`, `["a.b"]`).
    Field(std::borrow::Cow<'p, str>),
    /// An element of a list: `[3]`, or `[]` / `[*]` (`None`).
    Index(Option<usize>),
}

impl fmt::Display for PathSegment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathSegment::Field(name) => f.write_str(name),
            PathSegment::Index(Some(n)) => write!(f, "[{n}]"),
            PathSegment::Index(None) => f.write_str("[]"),
        }
    }
}

/// What went wrong while following a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldPathErrorKind {
    /// The path is not well formed; the message says where.
    Syntax(String),
    /// The object has no such field (and does not keep unknown fields).
    UnknownField,
    /// An index was applied to something that is not a list.
    NotAList,
    /// A field was asked of something that is neither an object nor a map.
    NotAnObject,
}

/// A field path that does not lead to a schema, with the prefix of the path that failed (`spec.replicaz`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct FieldPathError {
    pub kind: FieldPathErrorKind,
    /// The path up to and including the segment that failed.
    pub at: String,
}

impl FieldPathError {
    fn message(&self) -> String {
        match &self.kind {
            FieldPathErrorKind::Syntax(why) => format!("invalid field path: {why}"),
            FieldPathErrorKind::UnknownField => format!("schema not found for field {}", self.at),
            FieldPathErrorKind::NotAList => format!("{} is not a list", self.at),
            FieldPathErrorKind::NotAnObject => format!("{} is not an object or a map", self.at),
        }
    }
}

/// Splits a field path into segments. Quoted keys take `"` or `'` with backslash escapes.
pub fn parse_field_path(path: &str) -> Result<Vec<PathSegment<'_>>, FieldPathError> {
    let syntax = |why: String| FieldPathError { kind: FieldPathErrorKind::Syntax(why), at: path.to_string() };
    let bytes = path.as_bytes();
    let mut segments = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'[' => {
                let (segment, next) = bracket(path, i).map_err(syntax)?;
                segments.push(segment);
                i = next;
            }
            b'.' if segments.is_empty() => return Err(syntax(format!("unexpected '.' at offset {i}"))),
            b'.' => {
                let start = i + 1;
                let end = field_end(bytes, start);
                if end == start {
                    return Err(syntax(format!("empty field name at offset {start}")));
                }
                segments.push(PathSegment::Field(path[start..end].into()));
                i = end;
            }
            _ if segments.is_empty() => {
                let end = field_end(bytes, i);
                if end == i {
                    return Err(syntax(format!("unexpected {:?} at offset {i}", char::from(bytes[i]))));
                }
                segments.push(PathSegment::Field(path[i..end].into()));
                i = end;
            }
            other => return Err(syntax(format!("unexpected {:?} at offset {i}", char::from(other)))),
        }
    }
    Ok(segments)
}

fn field_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..].iter().position(|&b| matches!(b, b'.' | b'[' | b']')).map_or(bytes.len(), |n| start + n)
}

/// Reads `[...]` starting at `open`; returns the segment and the offset after `]`.
fn bracket(path: &str, open: usize) -> Result<(PathSegment<'_>, usize), String> {
    let bytes = path.as_bytes();
    let inner = open + 1;
    if let Some(&quote @ (b'"' | b'\'')) = bytes.get(inner) {
        return quoted(path, inner, char::from(quote));
    }
    let close = path[inner..].find(']').map(|n| inner + n).ok_or_else(|| format!("unclosed '[' at offset {open}"))?;
    let index = match path[inner..close].trim() {
        "" | "*" => None,
        digits => Some(digits.parse::<usize>().map_err(|_| format!("bad index {digits:?} at offset {inner}"))?),
    };
    Ok((PathSegment::Index(index), close + 1))
}

/// Reads a quoted key whose opening quote is at `at`, then the `]` after it.
fn quoted(path: &str, at: usize, quote: char) -> Result<(PathSegment<'_>, usize), String> {
    let mut key = String::new();
    let mut chars = path[at + 1..].char_indices();
    while let Some((n, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, escaped)) => key.push(escaped),
                None => break,
            },
            c if c == quote => {
                let close = at + 1 + n + 1;
                return if path.as_bytes().get(close) == Some(&b']') {
                    Ok((PathSegment::Field(key.into()), close + 1))
                } else {
                    Err(format!("expected ']' at offset {close}"))
                };
            }
            c => key.push(c),
        }
    }
    Err(format!("unterminated quoted key at offset {at}"))
}

/// Writes segments back as a path (for error messages), keys as a document [`Path`](crate::yaml::Path) writes
/// them.
pub(super) fn display(segments: &[PathSegment<'_>]) -> String {
    let mut out = String::new();
    for segment in segments {
        let first = out.is_empty();
        // Writing to a `String` cannot fail.
        let _ = match segment {
            PathSegment::Field(name) => write_key(&mut out, name, first),
            PathSegment::Index(_) => write!(out, "{segment}"),
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str) -> PathSegment<'_> {
        PathSegment::Field(name.into())
    }

    #[test]
    fn parses_fields_indexes_and_quoted_keys() {
        assert_eq!(
            parse_field_path("spec.template.spec.containers[0].image").unwrap(),
            vec![
                field("spec"),
                field("template"),
                field("spec"),
                field("containers"),
                PathSegment::Index(Some(0)),
                field("image")
            ]
        );
        assert_eq!(
            parse_field_path("spec.ports[].targetPort").unwrap(),
            vec![field("spec"), field("ports"), PathSegment::Index(None), field("targetPort")]
        );
        assert_eq!(parse_field_path("items[*]").unwrap(), vec![field("items"), PathSegment::Index(None)]);
        assert_eq!(
            parse_field_path(r#"metadata.labels["app.kubernetes.io/name"]"#).unwrap(),
            vec![field("metadata"), field("labels"), field("app.kubernetes.io/name")]
        );
        assert_eq!(parse_field_path(r"data['a\'b']").unwrap(), vec![field("data"), field("a'b")]);
        assert_eq!(parse_field_path("").unwrap(), vec![]);
        assert_eq!(parse_field_path("[\"x\"]").unwrap(), vec![field("x")]);
    }

    #[test]
    fn rejects_malformed_paths() {
        for bad in
            [".spec", "spec.", "spec..x", "spec[", "spec[x]", "spec[-1]", "spec[\"x", "spec[\"x\"x", "a]b", "]", "a.b]"]
        {
            let err = parse_field_path(bad).unwrap_err();
            assert!(matches!(err.kind, FieldPathErrorKind::Syntax(_)), "{bad}: {err:?}");
        }
    }

    #[test]
    fn displays_paths_as_kubectl_writes_them() {
        let segments = parse_field_path(r#"metadata.labels["app.kubernetes.io/name"]"#).unwrap();
        assert_eq!(display(&segments), r#"metadata.labels["app.kubernetes.io/name"]"#);
        assert_eq!(display(&parse_field_path("a[2].b[]").unwrap()), "a[2].b[]");
    }
}
