//! Who an object is and who owns it: object keys, kro's labels and annotations on children, and the `ApplySet`
//! (KEP-3659) identity of the instance that deletion and pruning rely on (section 4 of kro's semantics).

use base64::Engine as _;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub(crate) use crate::labels::*;

/// Whether `key` is one of the annotations with which an instance records its `ApplySet` inventory.
pub(crate) fn is_inventory_annotation(key: &str) -> bool {
    key.starts_with("applyset.kubernetes.io/") || key.starts_with("internal.kro.run/")
}

/// An object's identity in the cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectKey {
    /// The object's `apiVersion`.
    pub api_version: String,
    /// The object's `kind`.
    pub kind: String,
    /// Its namespace; empty for a cluster-scoped object.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Its `metadata.name`.
    pub name: String,
}

impl ObjectKey {
    /// The key of `object`, read from its `apiVersion`, `kind` and metadata.
    pub fn of(object: &Value) -> ObjectKey {
        // `get`, not `pointer`: this runs for every object of every plan, and a pointer allocates per segment.
        let s = |value: Option<&Value>| value.and_then(Value::as_str).unwrap_or_default().to_string();
        let metadata = object.get("metadata");
        ObjectKey {
            api_version: s(object.get("apiVersion")),
            kind: s(object.get("kind")),
            namespace: s(metadata.and_then(|m| m.get("namespace"))),
            name: s(metadata.and_then(|m| m.get("name"))),
        }
    }

    /// `Kind.group` as `ApplySet`s list them (`Deployment.apps`; `Service` for the core group, as kubectl and
    /// kro write it).
    pub fn group_kind(&self) -> String {
        group_kind(&self.api_version, &self.kind)
    }
}

/// [`ObjectKey::group_kind`] of objects of `kind` at `api_version`.
pub(crate) fn group_kind(api_version: &str, kind: &str) -> String {
    match api_version.rsplit_once('/') {
        Some((group, _)) => format!("{kind}.{group}"),
        None => kind.to_string(),
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{} {}", self.api_version, self.kind, self.name)
        } else {
            write!(f, "{}/{} {}/{}", self.api_version, self.kind, self.namespace, self.name)
        }
    }
}

/// The instance as its children's labels name it.
#[derive(Debug, Clone)]
pub(crate) struct Owner {
    pub name: String,
    pub namespace: String,
    pub uid: String,
    pub group: String,
    pub version: String,
    pub kind: String,
    pub kro_version: String,
    pub applyset_id: String,
}

impl Owner {
    /// The `ApplySet` id: `applyset-<base64url(sha256(name.namespace.kind.group))>-v1`.
    pub(crate) fn applyset_id(name: &str, namespace: &str, kind: &str, group: &str) -> String {
        let digest = Sha256::digest(format!("{name}.{namespace}.{kind}.{group}").as_bytes());
        format!("applyset-{}-v1", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest))
    }

    /// kro's labels and annotations, added to a rendered child (the template's own are kept).
    pub(crate) fn stamp(&self, object: &mut Value, node_id: &str, wave: usize, item: Option<(usize, usize)>) {
        let Some(metadata) =
            object.as_object_mut().map(|o| o.entry("metadata").or_insert_with(|| Value::Object(Map::new())))
        else {
            return;
        };
        let Some(metadata) = metadata.as_object_mut() else { return };
        let labels = metadata.entry("labels").or_insert_with(|| Value::Object(Map::new()));
        if let Some(labels) = labels.as_object_mut() {
            let mut set = |k: &str, v: String| {
                labels.insert(k.to_string(), Value::String(v));
            };
            set(OWNED, "true".to_string());
            set(KRO_VERSION, self.kro_version.clone());
            set(INSTANCE_ID, self.uid.clone());
            set(INSTANCE_NAME, self.name.clone());
            if !self.namespace.is_empty() {
                set(INSTANCE_NAMESPACE, self.namespace.clone());
            }
            set(INSTANCE_GROUP, self.group.clone());
            set(INSTANCE_VERSION, self.version.clone());
            set(INSTANCE_KIND, self.kind.clone());
            set(MANAGED_BY, "kro".to_string());
            set(NODE_ID, node_id.to_string());
            set(PART_OF, self.applyset_id.clone());
            if let Some((index, size)) = item {
                set(COLLECTION_INDEX, index.to_string());
                set(COLLECTION_SIZE, size.to_string());
            }
        }
        let annotations = metadata.entry("annotations").or_insert_with(|| Value::Object(Map::new()));
        if let Some(annotations) = annotations.as_object_mut() {
            annotations.insert(APPLY_ORDER.to_string(), Value::String(wave.to_string()));
        }
    }

    /// Whether `object` carries this instance's ownership labels.
    pub(crate) fn owns(&self, object: &Value) -> bool {
        label(object, INSTANCE_ID) == Some(self.uid.as_str())
            || label(object, PART_OF) == Some(self.applyset_id.as_str())
    }
}

/// What an instance's `ApplySet` annotations record it may own: the group-kinds (`Deployment.apps`) and the
/// namespaces beyond its own. A host lists these to find the children to prune or delete; the deletion plan only
/// deletes children of a recorded group-kind, so an object that merely carries kro's labels is left alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inventory {
    /// The `Kind.group` of each kind of child the instance has applied.
    pub group_kinds: Vec<String>,
    /// The namespaces other than the instance's own that hold its children.
    pub namespaces: Vec<String>,
}

impl Inventory {
    /// The inventory recorded on `instance`; `None` when it records none (an instance kro never reconciled).
    pub fn recorded(instance: &Value) -> Option<Inventory> {
        let list = |key: &str| {
            annotation(instance, key)
                .map(|list| list.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect::<Vec<_>>())
        };
        // Earlier kro-rs releases wrote a core kind as `Service.`; kubectl and kro write `Service`.
        let group_kinds =
            list(APPLYSET_GROUP_KINDS)?.into_iter().map(|gk| gk.trim_end_matches('.').to_string()).collect();
        Some(Inventory { group_kinds, namespaces: list(APPLYSET_NAMESPACES).unwrap_or_default() })
    }
}

/// A label of an object.
pub(crate) fn label<'v>(object: &'v Value, key: &str) -> Option<&'v str> {
    object.get("metadata")?.get("labels")?.get(key)?.as_str()
}

/// An annotation of an object.
pub(crate) fn annotation<'v>(object: &'v Value, key: &str) -> Option<&'v str> {
    object.get("metadata")?.get("annotations")?.get(key)?.as_str()
}

/// kro's `internal.kro.run/applyset-inventory-hash`: `sha256:` and the base64url digest of the `ApplySet` id, the
/// group-kinds and the additional namespaces the annotations list, joined by NUL (kro's `inventoryHash`), so a
/// hand edit of the inventory annotations is detectable and kro reads an instance kro-rs wrote.
pub(crate) fn inventory_hash(applyset_id: &str, group_kinds: &str, namespaces: &str) -> String {
    let digest = Sha256::digest([applyset_id, group_kinds, namespaces].join("\0").as_bytes());
    format!("sha256:{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_inventory_hash_is_kros() {
        // kro's inventoryHash("applyset-x-v1", {Deployment.apps, Service}, {}) — sha256 of the three joined by NUL.
        let hash = super::inventory_hash("applyset-x-v1", "Deployment.apps,Service", "");
        let digest = <sha2::Sha256 as sha2::Digest>::digest(b"applyset-x-v1\0Deployment.apps,Service\0");
        let expected = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, digest);
        assert_eq!(hash, format!("sha256:{expected}"));
    }
}
