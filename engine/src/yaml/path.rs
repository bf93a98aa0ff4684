//! Paths inside a document, written the way kubectl and kro write them: `spec.resources[1].template.metadata`,
//! with keys that are not plain words quoted, `metadata.labels["app.kubernetes.io/name"]`. The loader reports
//! where a duplicate key is with one; every diagnostic says where it is with one (re-exported by
//! `diagnostics`).

use std::fmt;

/// One step of a [`Path`]: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// Where a value sits in a document, from its root.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Path(Vec<Segment>);

impl Path {
    /// The path of the document root (empty).
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// Parses a dotted path of plain keys (`spec.schema.kind`), for building paths in code.
    pub fn parse(dotted: &str) -> Self {
        Self(dotted.split('.').filter(|s| !s.is_empty()).map(|s| Segment::Key(s.to_string())).collect())
    }

    /// This path followed by the mapping key `key`.
    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        let mut next = self.clone();
        next.0.push(Segment::Key(key.to_string()));
        next
    }

    /// This path followed by the sequence index `index`.
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        let mut next = self.clone();
        next.0.push(Segment::Index(index));
        next
    }

    /// This path followed by every segment of `relative`.
    #[must_use]
    pub fn join(&self, relative: &Path) -> Self {
        let mut next = self.clone();
        next.0.extend(relative.0.iter().cloned());
        next
    }

    /// The segments as a slice, from the root.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// The segments, from the root.
    pub fn iter(&self) -> std::slice::Iter<'_, Segment> {
        self.0.iter()
    }

    /// Whether this is the root.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The path relative to `prefix` when it starts with it (for naming a field inside a template).
    pub fn strip_prefix(&self, prefix: &Path) -> Option<Path> {
        self.0.starts_with(&prefix.0).then(|| Path(self.0[prefix.0.len()..].to_vec()))
    }
}

impl FromIterator<Segment> for Path {
    fn from_iter<I: IntoIterator<Item = Segment>>(segments: I) -> Self {
        Self(segments.into_iter().collect())
    }
}

impl<'p> IntoIterator for &'p Path {
    type Item = &'p Segment;
    type IntoIter = std::slice::Iter<'p, Segment>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Whether a key is written bare (`.name`) rather than quoted (`["app.kubernetes.io/name"]`).
pub(crate) fn is_plain_key(key: &str) -> bool {
    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
}

/// Writes `key` as a segment of a path: `.key` (no dot at the start), or `["key"]` when it is not plain.
fn write_key(out: &mut impl fmt::Write, key: &str, first: bool) -> fmt::Result {
    if !is_plain_key(key) {
        return write!(out, "[{}]", serde_json::Value::String(key.to_string()));
    }
    if !first {
        out.write_str(".")?;
    }
    out.write_str(key)
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Segment::Key(k) => write_key(f, k, i == 0)?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

impl serde::Serialize for Path {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_as_kubectl_writes_them() {
        let p = Path::parse("spec.resources").index(1).key("template").key("metadata").key("labels");
        assert_eq!(p.to_string(), "spec.resources[1].template.metadata.labels");
        assert_eq!(
            p.key("app.kubernetes.io/name").to_string(),
            "spec.resources[1].template.metadata.labels[\"app.kubernetes.io/name\"]"
        );
        assert_eq!(Path::root().to_string(), "");
    }
}
