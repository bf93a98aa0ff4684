//! What the engine knows about kinds other than the RGD's own: their scope (for kro's scope rules) and their
//! schema (to check templates). Built-in kinds come from the embedded schema bundle ([`crate::schemas`]);
//! CRDs the user passes (`--crd`) and the APIs other RGDs of the same run define are added by the host. kro
//! asks a live API server; we never need one.

mod packed;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

pub use packed::PackedSchema;

use crate::expr::library::Features;
use crate::kube::Scope;
use crate::schemas::rules::KindRules;
use crate::schemas::{self, KindSchema, Schema};

/// Where `$ref`s to Kubernetes' `ObjectMeta` point, in the built-in bundle's definitions.
const OBJECT_META: &str = "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/// A kind as the catalog knows it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum KindInfo<'a> {
    /// Served at this version, with a schema to check templates against.
    Known { schema: Schema<'a> },
    /// Defined by an RGD of the same run: its schema is known only once that RGD is built.
    SchemaLess,
    /// The group and kind exist, but not at this version; `served` lists the versions that do.
    WrongVersion { served: &'a [String] },
}

/// What a kube client needs to reach objects of a kind (kube's `ApiResource`): where it is served and under
/// which plural, and whether objects live in a namespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceType {
    /// `""` for the core group.
    pub group: String,
    /// The API version served, e.g. `v1`.
    pub version: String,
    /// The kind, e.g. `Deployment`.
    pub kind: String,
    /// The resource name in URLs, e.g. `deployments`.
    pub plural: String,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
}

impl ResourceType {
    /// `v1` for the core group, `group/version` otherwise.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.clone() } else { format!("{}/{}", self.group, self.version) }
    }
}

#[derive(Debug, Clone)]
struct CrdKind {
    scope: Scope,
    plural: String,
    /// `openAPIV3Schema` per served version.
    versions: Vec<(String, SchemaSource)>,
    version_names: Vec<String>,
    /// Served by a CustomResourceDefinition (not only known from discovery, as an aggregated API is): the API
    /// server's rules for custom resources apply.
    custom_resource: bool,
}

/// A version's schema: as given (CRDs of files and of the RGDs of a run, a few), or packed until first used (a
/// cluster's CRDs, hundreds).
#[derive(Debug, Clone)]
enum SchemaSource {
    Inline(Value),
    Packed(Arc<PackedSchema>),
}

impl SchemaSource {
    fn value(&self) -> &Value {
        match self {
            SchemaSource::Inline(value) => value,
            SchemaSource::Packed(packed) => packed.get(),
        }
    }
}

/// A CustomResourceDefinition as the catalog keeps it: its kind, where it is served, and each version's schema
/// packed ([`PackedSchema`]). A host that watches a cluster's CRDs builds these as the objects arrive, so
/// neither it nor the catalog ever holds whole CRD objects.
#[derive(Debug, Clone)]
pub struct CrdDefinition {
    /// The API group.
    pub group: String,
    /// The kind.
    pub kind: String,
    /// The resource name in URLs.
    pub plural: String,
    /// Whether objects live in a namespace.
    pub scope: Scope,
    /// Each version's name and `openAPIV3Schema` (`None`: the version declares no schema).
    pub versions: Vec<(String, Option<Arc<PackedSchema>>)>,
}

/// [`with_object_fields`] of an owned schema.
fn with_object_fields_of(mut schema: Value) -> Value {
    with_object_fields(&mut schema);
    schema
}

/// Gives a CRD version's schema the fields the API server gives every custom resource, whatever the CRD
/// declares: the full `ObjectMeta` (a CRD may say at most `type: object` of `metadata`), and `apiVersion` and
/// `kind` as strings when the CRD omits them (kro's own e2e case `check-unknown-fields` declares only `spec`).
fn with_object_fields(schema: &mut Value) {
    let Some(root) = schema.as_object_mut() else { return };
    let properties = root.entry("properties").or_insert_with(|| Value::Object(serde_json::Map::new()));
    let Some(properties) = properties.as_object_mut() else { return };
    properties.insert("metadata".to_string(), serde_json::json!({"$ref": OBJECT_META}));
    for field in ["apiVersion", "kind"] {
        properties.entry(field).or_insert_with(|| serde_json::json!({"type": "string"}));
    }
}

/// Kinds the engine can resolve, beyond the built-in ones, keyed by `(group, kind)`; and the feature gates of
/// the kro the RGDs are meant for (they decide what the CEL environment offers, e.g. `omit()`).
///
/// A cluster has hundreds of CRDs, and every compile adds the APIs of the RGDs it builds: a compile layers a
/// small catalog of its own over a shared one instead of copying it.
#[derive(Debug, Clone)]
pub struct Catalog {
    crds: HashMap<(String, String), Arc<CrdKind>>,
    rgd_kinds: HashMap<(String, String), Scope>,
    /// Kinds removed from `base` in this layer.
    removed: Vec<(String, String)>,
    base: Option<Arc<Catalog>>,
    features: Features,
    unknown_kinds: UnknownKinds,
}

/// What a kind the catalog does not know means. Offline (files, an editor) the catalog knows the built-in kinds
/// and the CRDs the user passed, so another kind is only unchecked: a warning. On a cluster the catalog is every
/// kind the cluster serves, so another kind cannot be applied: an error, as kro reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownKinds {
    /// A warning: the template is not checked (the CLI says to pass the CRD with `--crd`).
    #[default]
    Warn,
    /// An error: the cluster does not serve the kind.
    Error,
}

/// The versions each built-in `(group, kind)` is served at, computed once.
fn builtin_versions() -> &'static HashMap<(String, String), Vec<String>> {
    static VERSIONS: OnceLock<HashMap<(String, String), Vec<String>>> = OnceLock::new();
    VERSIONS.get_or_init(|| {
        let mut versions: HashMap<(String, String), Vec<String>> = HashMap::new();
        for k in schemas::builtin().kinds() {
            versions.entry((k.group().to_string(), k.kind().to_string())).or_default().push(k.version().to_string());
        }
        versions
    })
}

impl Default for Catalog {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Catalog {
    /// The built-in Kubernetes kinds (from the embedded bundle) and kro's own ResourceGraphDefinition.
    pub(crate) fn builtin() -> Self {
        let mut catalog = Self {
            crds: HashMap::new(),
            rgd_kinds: HashMap::new(),
            removed: Vec::new(),
            base: None,
            features: Features::default(),
            unknown_kinds: UnknownKinds::default(),
        };
        catalog.add("kro.run", "ResourceGraphDefinition", Scope::Cluster);
        catalog
    }

    /// An empty layer over `base`: what is added to it shadows `base`, which is neither copied nor changed.
    pub(crate) fn layered(base: Arc<Catalog>) -> Self {
        Self {
            crds: HashMap::new(),
            rgd_kinds: HashMap::new(),
            removed: Vec::new(),
            features: base.features,
            unknown_kinds: base.unknown_kinds,
            base: Some(base),
        }
    }

    /// The layers from this one down to the first.
    fn layers(&self) -> impl Iterator<Item = &Catalog> {
        std::iter::successors(Some(self), |c| c.base.as_deref())
    }

    /// The CRD of `key`, from the highest layer that has it, unless a layer above removed it.
    fn find_crd(&self, key: &(String, String)) -> Option<&CrdKind> {
        for layer in self.layers() {
            if let Some(crd) = layer.crds.get(key) {
                return Some(crd);
            }
            if layer.removed.contains(key) {
                return None;
            }
        }
        None
    }

    fn find_rgd_kind(&self, key: &(String, String)) -> Option<Scope> {
        for layer in self.layers() {
            if let Some(scope) = layer.rgd_kinds.get(key) {
                return Some(*scope);
            }
            if layer.removed.contains(key) {
                return None;
            }
        }
        None
    }

    /// The same catalog, building RGDs for a kro with these feature gates (all off by default, as in kro).
    #[must_use]
    pub(crate) fn with_features(mut self, features: Features) -> Self {
        self.features = features;
        self
    }

    /// The feature gates RGDs are built for.
    pub(crate) fn features(&self) -> Features {
        self.features
    }

    /// The same catalog, with unknown kinds meaning `unknown_kinds`.
    #[must_use]
    pub(crate) fn with_unknown_kinds(mut self, unknown_kinds: UnknownKinds) -> Self {
        self.unknown_kinds = unknown_kinds;
        self
    }

    /// What a kind it does not know means.
    pub(crate) fn unknown_kinds(&self) -> UnknownKinds {
        self.unknown_kinds
    }

    /// Registers the API an RGD of the same run defines.
    pub(crate) fn add(&mut self, group: &str, kind: &str, scope: Scope) {
        self.rgd_kinds.insert((group.to_string(), kind.to_string()), scope);
    }

    /// Adds the kind a CustomResourceDefinition declares (a CRD of the cluster, or one generated from an RGD of
    /// the same run); `false` if `doc` is not a usable CRD.
    pub fn add_crd_json(&mut self, doc: &Value) -> bool {
        if doc.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition") {
            return false;
        }
        let spec = doc.get("spec");
        let group = spec.and_then(|s| s.get("group")).and_then(Value::as_str);
        let kind = spec.and_then(|s| s.get("names")).and_then(|n| n.get("kind")).and_then(Value::as_str);
        let scope = match spec.and_then(|s| s.get("scope")).and_then(Value::as_str) {
            Some("Cluster") => Scope::Cluster,
            _ => Scope::Namespaced,
        };
        let (Some(group), Some(kind)) = (group, kind) else { return false };
        let versions: Vec<(String, SchemaSource)> = crate::kube::version_schemas(doc)
            .map(|(name, schema)| {
                let mut schema = schema.cloned().unwrap_or(Value::Bool(true));
                with_object_fields(&mut schema);
                (name.to_string(), SchemaSource::Inline(schema))
            })
            .collect();
        let version_names = versions.iter().map(|(n, _)| n.clone()).collect();
        let plural = spec
            .and_then(|s| s.get("names"))
            .and_then(|n| n.get("plural"))
            .and_then(Value::as_str)
            .map_or_else(|| crate::kube::plural_of(kind), str::to_string);
        let key = (group.to_string(), kind.to_string());
        // The CRD of an RGD of the same run, once built, replaces its schema-less registration.
        self.rgd_kinds.remove(&key);
        self.removed.retain(|k| k != &key);
        self.crds.insert(key, Arc::new(CrdKind { scope, plural, versions, version_names, custom_resource: true }));
        true
    }

    /// Adds (or replaces) the kind of a CustomResourceDefinition whose schemas are packed (a cluster's CRDs,
    /// as a host's watch delivers them). Each schema is parsed the first time a compile looks the kind up.
    pub fn add_crd(&mut self, crd: &CrdDefinition) {
        let versions: Vec<(String, SchemaSource)> = crd
            .versions
            .iter()
            .map(|(name, schema)| {
                let source = match schema {
                    Some(packed) => SchemaSource::Packed(Arc::clone(packed)),
                    None => SchemaSource::Inline(with_object_fields_of(Value::Bool(true))),
                };
                (name.clone(), source)
            })
            .collect();
        let version_names = versions.iter().map(|(n, _)| n.clone()).collect();
        let key = (crd.group.clone(), crd.kind.clone());
        self.rgd_kinds.remove(&key);
        self.removed.retain(|k| k != &key);
        let kind =
            CrdKind { scope: crd.scope, plural: crd.plural.clone(), versions, version_names, custom_resource: true };
        self.crds.insert(key, Arc::new(kind));
    }

    /// Adds (or replaces) one served version of a kind from its OpenAPI schema, as a cluster's discovery serves
    /// it for an API that is not a CRD (an aggregated API, or a built-in of another Kubernetes release). The
    /// schema must be self-contained, or point only into the built-in bundle's `#/definitions/...`.
    pub fn add_kind_schema(&mut self, kind: &ResourceType, schema: Value) {
        let key = (kind.group.clone(), kind.kind.clone());
        let scope = if kind.namespaced { Scope::Namespaced } else { Scope::Cluster };
        let mut entry = self.find_crd(&key).cloned().unwrap_or_else(|| CrdKind {
            scope,
            plural: kind.plural.clone(),
            versions: Vec::new(),
            version_names: Vec::new(),
            custom_resource: false,
        });
        entry.scope = scope;
        entry.plural.clone_from(&kind.plural);
        entry.versions.retain(|(v, _)| *v != kind.version);
        entry.versions.push((kind.version.clone(), SchemaSource::Inline(schema)));
        entry.version_names = entry.versions.iter().map(|(n, _)| n.clone()).collect();
        self.rgd_kinds.remove(&key);
        self.removed.retain(|k| k != &key);
        self.crds.insert(key, Arc::new(entry));
    }

    /// The `(group, kind)` of every CRD it knows.
    pub fn crd_kinds(&self) -> Vec<(String, String)> {
        let mut kinds: Vec<(String, String)> =
            self.layers().flat_map(|c| c.crds.keys()).filter(|k| self.find_crd(k).is_some()).cloned().collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }

    /// Forgets the CRD of `kind` in `group` (deleted from the cluster); `false` if it was not known.
    pub fn remove_crd(&mut self, group: &str, kind: &str) -> bool {
        let key = (group.to_string(), kind.to_string());
        let known = self.find_crd(&key).is_some();
        self.crds.remove(&key);
        if known && self.base.is_some() && !self.removed.contains(&key) {
            self.removed.push(key);
        }
        known
    }

    /// What a kube client needs to reach objects of `kind` at `api_version`, when the catalog knows that kind
    /// at that version.
    pub fn resource_type(&self, api_version: &str, kind: &str) -> Option<ResourceType> {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let key = (group.to_string(), kind.to_string());
        let (plural, scope) = if let Some(crd) = self.find_crd(&key) {
            if !crd.version_names.iter().any(|v| v == version) {
                return None;
            }
            (crd.plural.clone(), crd.scope)
        } else {
            let k = schemas::builtin().kind(group, version, kind)?;
            (k.plural().to_string(), k.scope())
        };
        Some(ResourceType {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
            plural,
            namespaced: scope == Scope::Namespaced,
        })
    }

    /// What is known of `kind` at `group`/`version` (`""` for the core group); `None` for a kind never heard of.
    pub(crate) fn lookup(&self, group: &str, version: &str, kind: &str) -> Option<KindInfo<'_>> {
        let key = (group.to_string(), kind.to_string());
        if self.find_rgd_kind(&key).is_some() {
            return Some(KindInfo::SchemaLess);
        }
        if let Some(crd) = self.find_crd(&key) {
            return Some(match crd.versions.iter().find(|(v, _)| v == version) {
                Some((_, schema)) => {
                    KindInfo::Known { schema: Schema::new(schema.value(), Some(schemas::builtin().definitions())) }
                }
                None => KindInfo::WrongVersion { served: &crd.version_names },
            });
        }
        let served = builtin_versions().get(&key)?;
        match schemas::builtin().kind(group, version, kind) {
            Some(k) => Some(KindInfo::Known { schema: k.schema() }),
            None => Some(KindInfo::WrongVersion { served }),
        }
    }

    /// Which of the API server's rules objects of `kind` at `api_version` get ([`crate::schemas::rules`]): a
    /// built-in kind's own, a custom resource's, or none (a kind the catalog does not know, or knows only from
    /// discovery: its server's rules are its own).
    pub(crate) fn kind_rules<'a>(&self, api_version: &'a str, kind: &'a str) -> Option<KindRules<'a>> {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let key = (group.to_string(), kind.to_string());
        if self.find_rgd_kind(&key).is_some() {
            return Some(KindRules::Custom);
        }
        if let Some(crd) = self.find_crd(&key) {
            return crd.custom_resource.then_some(KindRules::Custom);
        }
        KindRules::builtin(group, version, kind)
    }

    /// The scope of `kind` in `group`, whatever the version, when known.
    pub(crate) fn scope(&self, group: &str, kind: &str) -> Option<Scope> {
        let key = (group.to_string(), kind.to_string());
        if let Some(scope) = self.find_rgd_kind(&key) {
            return Some(scope);
        }
        if let Some(crd) = self.find_crd(&key) {
            return Some(crd.scope);
        }
        schemas::builtin().kinds_named(kind).find(|k| k.group() == group).map(KindSchema::scope)
    }

    /// Kinds of `group` whose name is close to `kind`, for "did you mean".
    pub(crate) fn kinds_in_group(&self, group: &str) -> Vec<&str> {
        let builtin = builtin_versions().keys().filter(|(g, _)| g == group).map(|(_, k)| k.as_str());
        let layers = self.layers().flat_map(|c| c.crds.keys().chain(c.rgd_kinds.keys()));
        let defined = layers.filter(|(g, _)| g == group).map(|(_, k)| k.as_str());
        let mut kinds: Vec<&str> = builtin.chain(defined).collect();
        kinds.sort_unstable();
        kinds.dedup();
        kinds
    }
}
