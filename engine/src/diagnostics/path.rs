//! Paths inside a document, written the way kubectl and kro write them: `spec.resources[1].template.metadata`,
//! with keys that are not plain words quoted, `metadata.labels["app.kubernetes.io/name"]`.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Path(Vec<Segment>);

impl Path {
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// Parses a dotted path of plain keys (`spec.schema.kind`), for building paths in code.
    pub fn parse(dotted: &str) -> Self {
        Self(dotted.split('.').filter(|s| !s.is_empty()).map(|s| Segment::Key(s.to_string())).collect())
    }

    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        let mut next = self.clone();
        next.0.push(Segment::Key(key.to_string()));
        next
    }

    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        let mut next = self.clone();
        next.0.push(Segment::Index(index));
        next
    }

    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The path relative to `prefix` when it starts with it (for naming a field inside a template).
    pub fn strip_prefix(&self, prefix: &Path) -> Option<Path> {
        self.0.starts_with(&prefix.0).then(|| Path(self.0[prefix.0.len()..].to_vec()))
    }
}

fn is_plain_key(key: &str) -> bool {
    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Segment::Key(k) if is_plain_key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Segment::Key(k) => write!(f, "[{}]", serde_json::Value::String(k.clone()))?,
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
