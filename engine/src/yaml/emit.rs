//! JSON values to YAML text, for the generated CRDs and rendered objects the CLI prints.

use std::borrow::Cow;

use saphyr::{Mapping, Scalar, ScalarStyle, Yaml, YamlEmitter};
use serde_json::Value;

/// Writes `value` as one YAML document, starting with `---`.
pub(crate) fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    let doc = to_node(value);
    let mut emitter = YamlEmitter::new(&mut out);
    emitter.multiline(true);
    // Writing into a String cannot fail; an error here would only mean a bug in the emitter, and the caller
    // still gets the text written so far rather than a crash.
    let _ = emitter.dump(&doc);
    out.push('\n');
    out
}

fn to_node(value: &Value) -> Yaml<'_> {
    match value {
        Value::Null => Yaml::Value(Scalar::Null),
        Value::Bool(b) => Yaml::Value(Scalar::Boolean(*b)),
        Value::Number(n) => n.as_i64().map_or_else(
            || Yaml::Value(Scalar::FloatingPoint(n.as_f64().unwrap_or(0.0).into())),
            |i| Yaml::Value(Scalar::Integer(i)),
        ),
        Value::String(s) => string_node(s),
        Value::Array(items) => Yaml::Sequence(items.iter().map(to_node).collect()),
        Value::Object(map) => {
            let mut out = Mapping::new();
            for (k, v) in map {
                out.insert(string_node(k), to_node(v));
            }
            Yaml::Mapping(out)
        }
    }
}

/// The emitter quotes what YAML 1.2 would misread, but leaves `y`/`n` bare, and Kubernetes' YAML 1.1 reader
/// turns those into booleans: quote them ourselves.
fn string_node(s: &str) -> Yaml<'_> {
    if matches!(s, "y" | "Y" | "n" | "N") {
        Yaml::Representation(Cow::Borrowed(s), ScalarStyle::SingleQuoted, None)
    } else {
        Yaml::Value(Scalar::String(Cow::Borrowed(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, load_documents};

    #[test]
    fn emitted_yaml_reads_back_to_the_same_json_under_kubernetes_rules() {
        let value = serde_json::json!({
            "a": "yes", "b": "y", "c": "0644", "d": 3, "e": 1.5, "f": null, "g": ["x", {"h": "multi\nline\n"}],
            "i": {}, "j": [], "k": "${schema.spec.name}", "l": "on", "m": "", "n": "- dash", "o": "a: b"
        });
        let text = to_yaml(&value);
        let docs = load_documents(&text, Limits::default()).unwrap();
        let back = docs[0].root.as_ref().unwrap().to_json();
        assert_eq!(back, value, "{text}");
    }
}
