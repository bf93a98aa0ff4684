//! [`Bundle`]: the kinds of a schema bundle, indexed for lookup, and their shared definitions.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::gzip::{GzipError, gunzip};
use super::path::FieldPathError;
use super::view::Schema;
use crate::kube::Scope;

/// The bundle is under 1 MiB of JSON; refuse to inflate anything far larger.
const MAX_JSON_BYTES: usize = 64 << 20;

/// Why a bundle could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
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
pub struct Bundle {
    kubernetes: String,
    kinds: Vec<KindEntry>,
    /// Kind name -> indexes into `kinds` (a kind name may be served by several groups or versions).
    by_kind: HashMap<String, Vec<usize>>,
    definitions: Map<String, Value>,
    load_error: Option<BundleError>,
}

impl Bundle {
    /// Reads a gzipped bundle (the format `tools/schema-bundle` writes).
    pub fn from_gzip(data: &[u8]) -> Result<Self, BundleError> {
        Self::from_json(&gunzip(data, MAX_JSON_BYTES)?)
    }

    /// Reads a bundle's JSON: `{"kubernetes": "1.37", "kinds": [{"group", "version", "kind", "plural", "scope",
    /// "schema"}], "definitions": {...}}`.
    pub fn from_json(json: &[u8]) -> Result<Self, BundleError> {
        let value: Value = serde_json::from_slice(json).map_err(|e| BundleError::Json(e.to_string()))?;
        let Value::Object(mut root) = value else {
            return Err(BundleError::Shape("the top level is not an object".into()));
        };
        let kubernetes = root.get("kubernetes").and_then(Value::as_str).unwrap_or_default().to_string();
        let definitions = match root.remove("definitions") {
            Some(Value::Object(definitions)) => definitions,
            None => Map::new(),
            Some(_) => return Err(BundleError::Shape("`definitions` is not an object".into())),
        };
        let Some(Value::Array(entries)) = root.remove("kinds") else {
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
        Ok(Self { kubernetes, kinds, by_kind, definitions, load_error: None })
    }

    /// An empty bundle standing in for one that failed to load.
    pub(super) fn failed(error: BundleError) -> Self {
        Self {
            kubernetes: String::new(),
            kinds: Vec::new(),
            by_kind: HashMap::new(),
            definitions: Map::new(),
            load_error: Some(error),
        }
    }

    /// Why the built-in bundle is empty, if it failed to load (never, unless the embedded file is damaged).
    pub fn load_error(&self) -> Option<&BundleError> {
        self.load_error.as_ref()
    }

    /// The Kubernetes minor the bundle describes, e.g. `1.37`.
    pub fn kubernetes_version(&self) -> &str {
        &self.kubernetes
    }

    /// The kind `kind` of `group` (`""` for the core group) at `version`.
    pub fn kind(&self, group: &str, version: &str, kind: &str) -> Option<KindSchema<'_>> {
        self.by_kind
            .get(kind)?
            .iter()
            .map(|&i| &self.kinds[i])
            .find(|k| k.group == group && k.version == version)
            .map(|entry| KindSchema { bundle: self, entry })
    }

    /// The kind an `apiVersion` (`apps/v1`, `v1`) and `kind` name.
    pub fn kind_for_api_version(&self, api_version: &str, kind: &str) -> Option<KindSchema<'_>> {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        self.kind(group, version, kind)
    }

    /// Every group and version that serves a kind of this name (`Event`: core and events.k8s.io;
    /// `HorizontalPodAutoscaler`: autoscaling v1 and v2), for scope lookups and "did you mean" hints.
    pub fn kinds_named<'s>(&'s self, kind: &str) -> impl Iterator<Item = KindSchema<'s>> {
        self.by_kind.get(kind).into_iter().flatten().map(move |&i| KindSchema { bundle: self, entry: &self.kinds[i] })
    }

    /// Every kind, in bundle order (grouped by API group).
    pub fn kinds(&self) -> impl Iterator<Item = KindSchema<'_>> {
        self.kinds.iter().map(move |entry| KindSchema { bundle: self, entry })
    }

    /// A shared definition by name, e.g. `io.k8s.api.core.v1.PodSpec`.
    pub fn definition(&self, name: &str) -> Option<Schema<'_>> {
        self.definitions.get(name).map(|d| Schema::new(d, Some(&self.definitions)))
    }

    /// Every shared definition, by name: what `$ref`s (`#/definitions/<name>`) resolve in.
    pub fn definitions(&self) -> &Map<String, Value> {
        &self.definitions
    }

    /// The number of shared definitions.
    pub fn definition_count(&self) -> usize {
        self.definitions.len()
    }
}

/// One kind of a [`Bundle`].
#[derive(Debug, Clone, Copy)]
pub struct KindSchema<'a> {
    bundle: &'a Bundle,
    entry: &'a KindEntry,
}

impl<'a> KindSchema<'a> {
    /// The API group, `""` for the core group.
    pub fn group(self) -> &'a str {
        &self.entry.group
    }

    pub fn version(self) -> &'a str {
        &self.entry.version
    }

    pub fn kind(self) -> &'a str {
        &self.entry.kind
    }

    /// The `apiVersion` objects of this kind carry: `apps/v1`, or `v1` for the core group.
    pub fn api_version(self) -> String {
        if self.entry.group.is_empty() {
            self.entry.version.clone()
        } else {
            format!("{}/{}", self.entry.group, self.entry.version)
        }
    }

    /// The resource name in URLs, e.g. `deployments`.
    pub fn plural(self) -> &'a str {
        &self.entry.plural
    }

    pub fn scope(self) -> Scope {
        self.entry.scope
    }

    /// The schema of the whole object.
    pub fn schema(self) -> Schema<'a> {
        Schema::new(&self.entry.schema, Some(&self.bundle.definitions))
    }

    /// The schema of a field of the object, e.g. `spec.template.spec.containers[0].image`.
    pub fn field(self, path: &str) -> Result<Schema<'a>, FieldPathError> {
        self.schema().at(path)
    }
}
