//! The cluster's `CustomResourceDefinitions`, as compact as the operator can keep them: one watch, whose objects
//! carry each version's schema packed ([`PackedSchema`], parsed only when an RGD uses the kind), and one
//! engine, updated by that watch and shared by every RGD reconcile (docs/decisions/0011).
//!
//! A cluster with 200 large CRDs is 38 MB of JSON. Held as typed `k8s-openapi` objects (a struct of some
//! forty fields per schema node) and serialized again into a fresh engine on every RGD reconcile, it took
//! 1.7 GB; packed as it arrives and never copied, a few MB.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kro_engine::{CrdDefinition, EngineOptions, Features, PackedSchema, Scope, UnknownKinds};
use kube::runtime::watcher::Event;
use serde::Deserialize;
use serde_json::{Value, json};

/// A CustomResourceDefinition as the operator keeps it: its metadata (no `managedFields`), names and scope, and
/// each version's schema packed.
#[derive(Debug, Clone, Deserialize)]
pub struct CrdObject {
    pub metadata: ObjectMeta,
    pub spec: CrdSpec,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CrdSpec {
    pub group: String,
    pub names: CrdNames,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub versions: Vec<CrdVersion>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CrdNames {
    pub kind: String,
    pub plural: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CrdVersion {
    pub name: String,
    #[serde(default, deserialize_with = "packed_schema")]
    pub schema: Option<Arc<PackedSchema>>,
}

/// `schema.openAPIV3Schema`, packed straight from the response's text: the schema is never held as a parsed
/// value here.
fn packed_schema<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Arc<PackedSchema>>, D::Error> {
    #[derive(Deserialize)]
    struct Validation {
        #[serde(rename = "openAPIV3Schema")]
        open_api_v3_schema: Option<Box<serde_json::value::RawValue>>,
    }
    let validation: Option<Validation> = Option::deserialize(d)?;
    Ok(validation.and_then(|v| v.open_api_v3_schema).map(|raw| Arc::new(PackedSchema::from_json_text(raw.get()))))
}

impl kube::Resource for CrdObject {
    type DynamicType = ();
    type Scope = kube::core::ClusterResourceScope;

    fn kind((): &()) -> std::borrow::Cow<'_, str> {
        "CustomResourceDefinition".into()
    }
    fn group((): &()) -> std::borrow::Cow<'_, str> {
        "apiextensions.k8s.io".into()
    }
    fn version((): &()) -> std::borrow::Cow<'_, str> {
        "v1".into()
    }
    fn plural((): &()) -> std::borrow::Cow<'_, str> {
        "customresourcedefinitions".into()
    }
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

impl CrdObject {
    /// The kind as the engine's catalog keeps it.
    pub fn definition(&self) -> CrdDefinition {
        CrdDefinition {
            group: self.spec.group.clone(),
            kind: self.spec.names.kind.clone(),
            plural: self.spec.names.plural.clone(),
            scope: if self.spec.scope == "Cluster" { Scope::Cluster } else { Scope::Namespaced },
            versions: self.spec.versions.iter().map(|v| (v.name.clone(), v.schema.clone())).collect(),
        }
    }

    /// What the engine's compatibility check reads of an installed CRD: its scope and each version's schema.
    pub fn to_json(&self) -> Value {
        let versions: Vec<Value> = self
            .spec
            .versions
            .iter()
            .map(|v| match &v.schema {
                Some(schema) => json!({"name": v.name, "schema": {"openAPIV3Schema": schema.to_value()}}),
                None => json!({"name": v.name}),
            })
            .collect();
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": self.metadata.name},
            "spec": {"group": self.spec.group, "scope": self.spec.scope, "versions": versions}})
    }

    /// A label of the CRD.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.metadata.labels.as_ref()?.get(key).map(String::as_str)
    }

    fn group_kind(&self) -> (String, String) {
        (self.spec.group.clone(), self.spec.names.kind.clone())
    }
}

/// The one engine every RGD reconcile compiles with: the built-in kinds and every CRD of the cluster, kept
/// current by the CRD watch ([`SharedEngine::observe`]). Reconciles take a snapshot (a cheap clone: the
/// catalog is shared, copied on write).
#[derive(Debug)]
pub struct SharedEngine {
    engine: RwLock<kro_engine::Engine>,
    /// The kinds of the CRDs seen by a relist still under way.
    relisting: std::sync::Mutex<Option<HashSet<(String, String)>>>,
}

impl SharedEngine {
    /// An engine for a cluster: an unknown kind is an error, as kro reports it.
    pub fn new(features: Features) -> anyhow::Result<SharedEngine> {
        let options = EngineOptions { features, unknown_kinds: UnknownKinds::Error, ..EngineOptions::default() };
        let engine = kro_engine::Engine::new(options)?;
        Ok(SharedEngine { engine: RwLock::new(engine), relisting: std::sync::Mutex::new(None) })
    }

    /// The engine as it is now.
    pub fn snapshot(&self) -> kro_engine::Engine {
        match self.engine.read() {
            Ok(engine) => engine.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Follows one event of the CRD watch: a CRD added or changed teaches the catalog its kind, one deleted
    /// (or gone from a relist) is forgotten.
    pub fn observe(&self, event: &Event<CrdObject>) {
        let mut relisting = self.relisting.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match event {
            Event::Init => *relisting = Some(HashSet::new()),
            Event::InitApply(crd) | Event::Apply(crd) => {
                if let (Event::InitApply(_), Some(seen)) = (event, relisting.as_mut()) {
                    seen.insert(crd.group_kind());
                }
                self.write(|catalog| catalog.add_crd(&crd.definition()));
            }
            Event::Delete(crd) => {
                let (group, kind) = crd.group_kind();
                self.write(|catalog| {
                    catalog.remove_crd(&group, &kind);
                });
            }
            Event::InitDone => {
                if let Some(seen) = relisting.take() {
                    self.write(|catalog| {
                        for (group, kind) in catalog.crd_kinds() {
                            if !seen.contains(&(group.clone(), kind.clone())) {
                                catalog.remove_crd(&group, &kind);
                            }
                        }
                    });
                }
            }
        }
    }

    fn write(&self, change: impl FnOnce(&mut kro_engine::Catalog)) {
        let mut engine = self.engine.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        change(engine.catalog_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crd(group: &str, kind: &str) -> CrdObject {
        serde_json::from_value(json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": format!("{}s.{group}", kind.to_lowercase()), "labels": {"kro.run/owned": "true"}},
            "spec": {"group": group, "scope": "Namespaced", "names": {"kind": kind, "plural": format!("{}s", kind.to_lowercase())},
                "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema":
                    {"type": "object", "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}}}]}
        }))
        .unwrap()
    }

    #[test]
    fn the_shared_engine_follows_the_crd_watch_relists_included() {
        let shared = SharedEngine::new(Features::default()).unwrap();
        shared.observe(&Event::Apply(crd("a.example.com", "Bucket")));
        assert!(shared.snapshot().resource_type("a.example.com/v1", "Bucket").is_some());
        let bucket = crd("a.example.com", "Bucket");
        assert_eq!(bucket.label("kro.run/owned"), Some("true"));
        assert_eq!(bucket.to_json()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["type"], "object");
        // A relist that no longer has the Bucket CRD (deleted while the watch was down) forgets it.
        shared.observe(&Event::Init);
        shared.observe(&Event::InitApply(crd("b.example.com", "Queue")));
        shared.observe(&Event::InitDone);
        let engine = shared.snapshot();
        assert!(engine.resource_type("a.example.com/v1", "Bucket").is_none());
        assert!(engine.resource_type("b.example.com/v1", "Queue").is_some());
        shared.observe(&Event::Delete(crd("b.example.com", "Queue")));
        assert!(shared.snapshot().resource_type("b.example.com/v1", "Queue").is_none());
    }
}
