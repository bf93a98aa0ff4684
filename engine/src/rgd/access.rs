//! Small typed readers over the YAML tree that report a located diagnostic when a field is missing or holds
//! the wrong kind of value.

use crate::diagnostics::{Code, Diagnostic, Diagnostics, Path, name_span};
use crate::yaml::{Node, Span};

/// A field read from a mapping, with where it sits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field<'a> {
    pub node: &'a Node,
    pub key_span: Span,
}

/// Reads fields of one mapping, checking for unknown keys once done.
#[derive(Debug)]
pub(crate) struct Fields<'a> {
    pub node: &'a Node,
    pub path: Path,
}

impl<'a> Fields<'a> {
    /// `None` (with a diagnostic) when `node` is not a mapping.
    pub(crate) fn of(node: &'a Node, path: Path, what: &str, diags: &mut Diagnostics) -> Option<Self> {
        if node.as_map().is_none() {
            diags.error(Code::WrongType, format!("{what} must be a map, got {}", node.described()), &path, node.span);
            return None;
        }
        Some(Self { node, path })
    }

    pub(crate) fn path(&self, key: &str) -> Path {
        self.path.key(key)
    }

    /// The field, or `None` when absent or explicitly null.
    pub(crate) fn get(&self, key: &str) -> Option<Field<'a>> {
        self.node.entry(key).filter(|(_, v)| !v.is_null()).map(|(k, v)| Field { node: v, key_span: k.span })
    }

    pub(crate) fn required(&self, key: &str, what: &str, diags: &mut Diagnostics) -> Option<Field<'a>> {
        let field = self.get(key);
        if field.is_none() {
            let at = self.node.entry(key).map_or(self.anchor(), |(k, _)| k.span);
            diags.error(Code::MissingField, format!("{} is required: {what}", self.path(key)), &self.path(key), at);
        }
        field
    }

    /// A string field; reports a non-string value.
    pub(crate) fn string(&self, key: &str, diags: &mut Diagnostics) -> Option<(&'a str, &'a Node)> {
        self.typed(key, "a string", Node::as_str, diags)
    }

    pub(crate) fn required_string(
        &self,
        key: &str,
        what: &str,
        diags: &mut Diagnostics,
    ) -> Option<(&'a str, &'a Node)> {
        self.required(key, what, diags)?;
        self.string(key, diags)
    }

    /// A list field; reports a non-list value.
    pub(crate) fn list(&self, key: &str, diags: &mut Diagnostics) -> Option<(&'a [Node], &'a Node)> {
        self.typed(key, "a list", Node::as_seq, diags)
    }

    /// The field's value as `extract` reads it, reporting a value of another type as `wrong-type`.
    fn typed<T>(
        &self,
        key: &str,
        expected: &str,
        extract: fn(&'a Node) -> Option<T>,
        diags: &mut Diagnostics,
    ) -> Option<(T, &'a Node)> {
        let field = self.get(key)?;
        let value = extract(field.node);
        if value.is_none() {
            let message = format!("{} must be {expected}, got {}", self.path(key), field.node.described());
            diags.error(Code::WrongType, message, &self.path(key), field.node.span);
        }
        value.map(|v| (v, field.node))
    }

    /// Reports every key not in `known`.
    pub(crate) fn deny_unknown(&self, known: &[&str], diags: &mut Diagnostics) {
        for (key, _) in self.node.as_map().unwrap_or_default() {
            if !known.contains(&key.name.as_str()) {
                let near = closest(&key.name, known);
                let hint = near.map(|k| format!("; did you mean {k:?}?")).unwrap_or_default();
                let d = Diagnostic::error(
                    Code::UnknownField,
                    format!(
                        "unknown field {:?} in {}{hint} (known fields: {})",
                        key.name,
                        if self.path.is_empty() { "the document".to_string() } else { self.path.to_string() },
                        known.join(", ")
                    ),
                    self.path(&key.name),
                    key.span,
                );
                diags.push(match near {
                    Some(near) => d.with_fix(name_span(key.span, &key.name), near),
                    None => d,
                });
            }
        }
    }

    /// Where to point when a required field is absent: the mapping's first key, or the mapping itself.
    pub(crate) fn anchor(&self) -> Span {
        self.node.as_map().and_then(|m| m.first()).map_or(self.node.span, |(k, _)| k.span)
    }
}

/// The candidate closest to `word` by edit distance, when it is close enough to be a likely typo.
pub(crate) fn closest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(&word.to_lowercase(), &c.to_lowercase()), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4) && *d > 0 || (*d == 0 && *c != word))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_words_are_suggested_and_far_ones_are_not() {
        assert_eq!(closest("includewhen", &["includeWhen", "readyWhen"]), Some("includeWhen"));
        assert_eq!(closest("tempalte", &["template", "externalRef"]), Some("template"));
        assert_eq!(closest("zzz", &["template", "externalRef"]), None);
    }
}
