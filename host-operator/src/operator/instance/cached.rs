//! An instance as the controller's cache keeps it: its metadata (without `managedFields` and the annotations
//! no plan reads) and the rest of the object (`spec`, `status`) as one piece of JSON text, parsed again for
//! each reconcile.
//!
//! A `serde_json::Value` tree costs ten to twenty times its text in memory (a map, a key and a value
//! allocation per field; an instance's status conditions alone are dozens): a reflector of `DynamicObject`s
//! held 24 KB per instance of the web application. The text is one allocation; parsing it again is a few
//! microseconds per reconcile.

use std::borrow::Cow;
use std::sync::Arc;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::ApiResource;
use kube::core::DynamicResourceScope;
use serde::Deserialize;
use serde_json::{Map, Value};

/// An instance in the cache (see the module's docs).
#[derive(Debug, Clone)]
pub struct CachedInstance {
    pub metadata: ObjectMeta,
    /// Everything but `apiVersion`, `kind` and `metadata`, as JSON text.
    body: Arc<str>,
}

impl<'de> Deserialize<'de> for CachedInstance {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut object = Map::deserialize(d)?;
        let metadata = object.remove("metadata").unwrap_or(Value::Null);
        let mut metadata: ObjectMeta = serde_json::from_value(metadata).map_err(serde::de::Error::custom)?;
        // Who wrote which field is nothing a plan reads (nor part of `schema.metadata`).
        metadata.managed_fields = None;
        object.remove("apiVersion");
        object.remove("kind");
        Ok(CachedInstance { metadata, body: Value::Object(object).to_string().into() })
    }
}

/// The instance kind, shared: every reference to an instance (in kube-runtime's scheduler, the controller's
/// queue, the maps of readers) carries its kind, and thousands of copies of five strings add up.
pub type InstanceKind = Arc<ApiResource>;

impl kube::Resource for CachedInstance {
    type DynamicType = InstanceKind;
    type Scope = DynamicResourceScope;

    fn kind(dt: &InstanceKind) -> Cow<'_, str> {
        Cow::Borrowed(&dt.kind)
    }
    fn group(dt: &InstanceKind) -> Cow<'_, str> {
        Cow::Borrowed(&dt.group)
    }
    fn version(dt: &InstanceKind) -> Cow<'_, str> {
        Cow::Borrowed(&dt.version)
    }
    fn api_version(dt: &InstanceKind) -> Cow<'_, str> {
        Cow::Borrowed(&dt.api_version)
    }
    fn plural(dt: &InstanceKind) -> Cow<'_, str> {
        Cow::Borrowed(&dt.plural)
    }
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

impl CachedInstance {
    /// The instance as plans read it: `apiVersion` and `kind` of `resource`, its metadata and its body.
    pub fn to_json(&self, resource: &ApiResource) -> Value {
        let mut object = match serde_json::from_str::<Value>(&self.body) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        object.insert("apiVersion".to_string(), Value::String(resource.api_version.clone()));
        object.insert("kind".to_string(), Value::String(resource.kind.clone()));
        object.insert("metadata".to_string(), serde_json::to_value(&self.metadata).unwrap_or(Value::Null));
        Value::Object(object)
    }

    /// Drops these annotations (no plan reads them).
    pub fn drop_annotations(&mut self, keys: &[&str]) {
        if let Some(annotations) = self.metadata.annotations.as_mut() {
            for key in keys {
                annotations.remove(*key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use kube::api::GroupVersionKind;
    use serde_json::json;

    use super::*;

    #[test]
    fn an_instance_is_kept_as_text_and_read_back_whole() {
        let resource = ApiResource::from_gvk(&GroupVersionKind::gvk("kro.run", "v1alpha1", "Application"));
        let mut cached: CachedInstance = serde_json::from_value(json!({
            "apiVersion": "kro.run/v1alpha1", "kind": "Application",
            "metadata": {"name": "a", "namespace": "ns", "resourceVersion": "4", "generation": 2,
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{...}", "keep": "x"},
                "managedFields": [{"manager": "kubectl", "operation": "Update"}]},
            "spec": {"name": "web"},
            "status": {"state": "ACTIVE", "conditions": [{"type": "Ready", "status": "True"}]}
        }))
        .unwrap();
        cached.drop_annotations(&["kubectl.kubernetes.io/last-applied-configuration"]);
        assert_eq!(
            cached.to_json(&resource),
            json!({"apiVersion": "kro.run/v1alpha1", "kind": "Application",
                "metadata": {"name": "a", "namespace": "ns", "resourceVersion": "4", "generation": 2,
                    "annotations": {"keep": "x"}},
                "spec": {"name": "web"},
                "status": {"state": "ACTIVE", "conditions": [{"type": "Ready", "status": "True"}]}})
        );
    }
}
