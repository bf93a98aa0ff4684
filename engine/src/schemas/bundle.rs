//! [`Bundle`]: the kinds of a schema bundle, indexed for lookup, and their shared definitions.

use std::collections::HashMap;

use serde_json::Value;
use serde_json::value::RawValue;

use super::definitions::Definitions;
use super::gzip::{GzipError, gunzip};
use super::view::Schema;
use crate::kube::Scope;

/// The bundle is under 1 MiB of JSON; refuse to inflate anything far larger.
const MAX_JSON_BYTES: usize = 64 << 20;

/// Why a bundle could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BundleError {
    #[error("schema bundle: {0}")]
    Gzip(#[from] GzipError),
    #[error("schema bundle: invalid JSON: {0}")]
    Json(String),
    #[error("schema bundle: {0}")]
    Shape(String),
}

#[derive(Debug)]
struct KindEntry {
    group: String,
    version: String,
    kind: String,
    plural: String,
    scope: Scope,
    schema: Value,
}

/// A loaded schema bundle: kinds by (group, version, kind), and the definitions their schemas refer to.
#[derive(Debug)]
pub(crate) struct Bundle {
    kinds: Vec<KindEntry>,
    /// Kind name -> indexes into `kinds` (a kind name may be served by several groups or versions).
    by_kind: HashMap<String, Vec<usize>>,
    definitions: Definitions,
}

/// A bundle as read: the kinds (small) as values, the definitions as text, parsed when first reached.
#[derive(serde::Deserialize)]
struct Raw {
    kinds: Option<Vec<Value>>,
    #[serde(default)]
    definitions: HashMap<String, Box<RawValue>>,
}

impl Bundle {
    /// Reads a gzipped bundle (the format `tools/schema-bundle` writes).
    pub(crate) fn from_gzip(data: &[u8]) -> Result<Self, BundleError> {
        Self::from_json(&gunzip(data, MAX_JSON_BYTES)?)
    }

    /// Reads a bundle's JSON: `{"kubernetes": "1.37", "kinds": [{"group", "version", "kind", "plural", "scope",
    /// "schema"}], "definitions": {...}}`.
    pub(crate) fn from_json(json: &[u8]) -> Result<Self, BundleError> {
        let raw: Raw = serde_json::from_slice(json).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => BundleError::Shape(e.to_string()),
            _ => BundleError::Json(e.to_string()),
        })?;
        let definitions = Definitions::from_texts(raw.definitions);
        let Some(entries) = raw.kinds else {
            return Err(BundleError::Shape("`kinds` is missing or not a list".into()));
        };
        let mut kinds = Vec::with_capacity(entries.len());
        let mut by_kind: HashMap<String, Vec<usize>> = HashMap::new();
        for (n, mut entry) in entries.into_iter().enumerate() {
            let text = |entry: &Value, key: &str| -> Result<String, BundleError> {
                entry
                    .get(key)
                    .and_then(Value::as_str)
                    .map(String::from)
                    .ok_or_else(|| BundleError::Shape(format!("kinds[{n}].{key} is missing or not a string")))
            };
            let scope = match text(&entry, "scope")?.as_str() {
                "Namespaced" => Scope::Namespaced,
                "Cluster" => Scope::Cluster,
                other => return Err(BundleError::Shape(format!("kinds[{n}].scope is {other:?}"))),
            };
            let kind = KindEntry {
                group: text(&entry, "group")?,
                version: text(&entry, "version")?,
                kind: text(&entry, "kind")?,
                plural: text(&entry, "plural")?,
                scope,
                schema: entry.get_mut("schema").map_or(Value::Bool(true), Value::take),
            };
            by_kind.entry(kind.kind.clone()).or_default().push(kinds.len());
            kinds.push(kind);
        }
        Ok(Self { kinds, by_kind, definitions })
    }

    /// An empty bundle standing in for one that failed to load.
    pub(super) fn empty() -> Self {
        Self { kinds: Vec::new(), by_kind: HashMap::new(), definitions: Definitions::default() }
    }

    /// The kind `kind` of `group` (`""` for the core group) at `version`.
    pub(crate) fn kind(&self, group: &str, version: &str, kind: &str) -> Option<KindSchema<'_>> {
        self.by_kind
            .get(kind)?
            .iter()
            .map(|&i| &self.kinds[i])
            .find(|k| k.group == group && k.version == version)
            .map(|entry| KindSchema { bundle: self, entry })
    }

    /// Every group and version that serves a kind of this name (`Event`: core and events.k8s.io;
    /// `HorizontalPodAutoscaler`: autoscaling v1 and v2), for scope lookups and "did you mean" hints.
    pub(crate) fn kinds_named<'s>(&'s self, kind: &str) -> impl Iterator<Item = KindSchema<'s>> {
        self.by_kind.get(kind).into_iter().flatten().map(move |&i| KindSchema { bundle: self, entry: &self.kinds[i] })
    }

    /// Every kind, in bundle order (grouped by API group).
    pub(crate) fn kinds(&self) -> impl Iterator<Item = KindSchema<'_>> {
        self.kinds.iter().map(move |entry| KindSchema { bundle: self, entry })
    }

    /// A shared definition by name, e.g. `io.k8s.api.core.v1.PodSpec`.
    pub(crate) fn definition(&self, name: &str) -> Option<Schema<'_>> {
        self.definitions.get(name).map(|d| Schema::new(d, Some(&self.definitions)))
    }

    /// Every shared definition, by name: what `$ref`s (`#/definitions/<name>`) resolve in.
    pub(crate) fn definitions(&self) -> &Definitions {
        &self.definitions
    }
}

/// One kind of a [`Bundle`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct KindSchema<'a> {
    bundle: &'a Bundle,
    entry: &'a KindEntry,
}

impl<'a> KindSchema<'a> {
    /// The API group, `""` for the core group.
    pub(crate) fn group(self) -> &'a str {
        &self.entry.group
    }

    pub(crate) fn version(self) -> &'a str {
        &self.entry.version
    }

    pub(crate) fn kind(self) -> &'a str {
        &self.entry.kind
    }

    /// The resource name in URLs, e.g. `deployments`.
    pub(crate) fn plural(self) -> &'a str {
        &self.entry.plural
    }

    pub(crate) fn scope(self) -> Scope {
        self.entry.scope
    }

    /// The schema of the whole object.
    pub(crate) fn schema(self) -> Schema<'a> {
        Schema::new(&self.entry.schema, Some(&self.bundle.definitions))
    }
}
