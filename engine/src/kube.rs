//! Plain Kubernetes notions that every stage of the pipeline shares and none owns: a kind's scope, and the
//! words Kubernetes' CEL keeps for itself. They sit below `rgd` (which reads them from the document),
//! `schemas` (which knows the scope of every built-in kind) and `expr` (which escapes field names), so that
//! none of those has to reach into another for them. [`formats`] holds Kubernetes' string formats (DNS names,
//! label keys and values, ...), which the RGD reader and the API server's rules share.

pub(crate) mod formats;
pub(crate) mod quantity;
pub(crate) mod selector;

/// Whether objects of a kind live in a namespace (`Namespaced`) or beside namespaces (`Cluster`), as a CRD's
/// `spec.scope` and the API server's discovery say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Scope {
    /// Objects live in a namespace.
    Namespaced,
    /// Objects live beside namespaces.
    Cluster,
}

/// The versions a CustomResourceDefinition document declares, each with its `openAPIV3Schema` when it has one.
pub(crate) fn version_schemas(crd: &serde_json::Value) -> impl Iterator<Item = (&str, Option<&serde_json::Value>)> {
    crd.pointer("/spec/versions")
        .and_then(serde_json::Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| Some((v.get("name")?.as_str()?, v.pointer("/schema/openAPIV3Schema"))))
}

/// The plural resource name of a kind: kro pluralises the lowercased kind with flect; `pluralizer` agrees on
/// ordinary English nouns (tests pin the common cases).
pub(crate) fn plural_of(kind: &str) -> String {
    pluralizer::pluralize(&kind.to_lowercase(), 2, false)
}

/// CEL's reserved words, as the API server lists them (`k8s.io/apiserver/pkg/cel/escaping.go`): they cannot
/// name a variable (so kro refuses them as resource ids), and Kubernetes escapes property names spelled like
/// them (`__if__`).
pub(crate) const CEL_RESERVED_WORDS: &[&str] = &[
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];
