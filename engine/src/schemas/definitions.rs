//! [`Definitions`]: the shared definitions of a schema bundle (`#/definitions/<name>`), each kept as its JSON
//! text and parsed the first time a `$ref` reaches it.
//!
//! The bundle's 534 definitions are 700 KB of JSON and over 5 MB as parsed values; checking an RGD reaches a
//! few dozen of them (a Deployment's template, its containers, their ports). Parsing each on first use keeps
//! the operator, the CLI and the browser from holding the rest.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;
use serde_json::value::RawValue;

/// Definitions by name, parsed on first use and kept parsed.
#[derive(Debug, Default)]
pub(crate) struct Definitions {
    entries: HashMap<String, Definition>,
}

#[derive(Debug)]
struct Definition {
    /// The JSON text (`None` when built from a value).
    text: Option<Box<RawValue>>,
    parsed: OnceLock<Value>,
}

impl Definitions {
    /// Definitions given as JSON text, by name (what a bundle holds).
    pub(crate) fn from_texts(texts: HashMap<String, Box<RawValue>>) -> Definitions {
        let entries = texts
            .into_iter()
            .map(|(name, text)| (name, Definition { text: Some(text), parsed: OnceLock::new() }))
            .collect();
        Definitions { entries }
    }

    /// The definition `name`, parsed now if it never was. Text that does not parse reads as a schema that
    /// allows anything.
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        let definition = self.entries.get(name)?;
        Some(definition.parsed.get_or_init(|| {
            definition.text.as_ref().and_then(|text| serde_json::from_str(text.get()).ok()).unwrap_or(Value::Bool(true))
        }))
    }

    /// How many definitions there are.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_definition_is_parsed_when_first_reached() {
        let mut texts = HashMap::new();
        let raw = |s: &str| RawValue::from_string(s.to_string()).unwrap();
        texts.insert("a".to_string(), raw(r#"{"type": "string"}"#));
        texts.insert("broken".to_string(), raw(r#"{"type": "object"}"#));
        let definitions = Definitions::from_texts(texts);
        assert_eq!(definitions.len(), 2);
        assert!(definitions.entries["a"].parsed.get().is_none(), "nothing parsed up front");
        assert_eq!(definitions.get("a"), Some(&serde_json::json!({"type": "string"})));
        assert!(definitions.entries["a"].parsed.get().is_some());
        assert!(definitions.entries["broken"].parsed.get().is_none(), "only what was reached");
        assert_eq!(definitions.get("missing"), None);
    }
}
