//! The children of one kind, cached as plans read them: each object projected by the RGD's field mask for
//! its kind ([`kro_engine::FieldMask`]), stamped with its `apiVersion` and `kind` (a LIST of a built-in kind
//! carries neither), kept as JSON text (a parsed value costs ten to twenty times more; see `cached.rs`), and
//! indexed by the uid of the instance it belongs to, so a reconcile finds its children without scanning every
//! child of the kind.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use kro_engine::{FieldMask, ObjectKey, labels};
use kube::api::{ApiResource, DynamicObject};
use kube::runtime::watcher::Event;
use serde_json::Value;

/// One child kind's cache.
#[derive(Debug)]
pub struct ChildCache {
    resource: ApiResource,
    mask: FieldMask,
    state: RwLock<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Children by the uid of their instance, then by identity.
    by_instance: HashMap<String, HashMap<ObjectKey, Arc<str>>>,
    /// What a relist under way has delivered so far; it replaces `by_instance` when the relist is done.
    relist: Option<HashMap<String, HashMap<ObjectKey, Arc<str>>>>,
    /// Whether a first list has completed.
    ready: bool,
}

/// What a watch event changed, for the caller's bookkeeping.
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    /// These children were added or changed.
    Applied(Vec<ObjectKey>),
    /// This child is gone.
    Deleted(ObjectKey),
    /// A relist finished: `present` are every child the cluster has now; `vanished` the instances (name,
    /// namespace) of the children it had before and no longer has (deleted while the watch was down).
    Relisted {
        present: Vec<ObjectKey>,
        vanished: Vec<(String, Option<String>)>,
    },
    None,
}

impl ChildCache {
    pub fn new(resource: ApiResource, mask: FieldMask) -> ChildCache {
        ChildCache { resource, mask, state: RwLock::new(State::default()) }
    }

    /// The kind it holds.
    pub fn resource(&self) -> &ApiResource {
        &self.resource
    }

    /// Whether the first list of the kind has been read.
    pub fn is_ready(&self) -> bool {
        self.read(|s| s.ready)
    }

    /// The children of the instance with this uid, as plans read them.
    pub fn children_of(&self, instance_uid: &str) -> Vec<Value> {
        let texts: Vec<Arc<str>> =
            self.read(|s| s.by_instance.get(instance_uid).map(|c| c.values().cloned().collect()).unwrap_or_default());
        texts.iter().filter_map(|text| serde_json::from_str(text).ok()).collect()
    }

    /// Follows one event of the kind's watch.
    pub fn observe(&self, event: &Event<DynamicObject>) -> Change {
        let mut state = self.state.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        match event {
            Event::Init => {
                state.relist = Some(HashMap::new());
                Change::None
            }
            Event::InitApply(object) => {
                let Some((uid, key, value)) = self.entry(object) else { return Change::None };
                let relist = state.relist.get_or_insert_with(HashMap::new);
                relist.entry(uid).or_default().insert(key.clone(), value);
                Change::Applied(vec![key])
            }
            Event::InitDone => {
                let mut vanished = Vec::new();
                if let Some(relist) = state.relist.take() {
                    for (uid, children) in &state.by_instance {
                        let now = relist.get(uid);
                        for (key, text) in children {
                            if now.is_none_or(|now| !now.contains_key(key)) {
                                vanished.extend(instance_of(text));
                            }
                        }
                    }
                    state.by_instance = relist;
                }
                state.ready = true;
                vanished.sort();
                vanished.dedup();
                let present = state.by_instance.values().flat_map(|c| c.keys().cloned()).collect();
                Change::Relisted { present, vanished }
            }
            Event::Apply(object) => {
                let Some((uid, key, value)) = self.entry(object) else { return Change::None };
                state.by_instance.entry(uid).or_default().insert(key.clone(), value);
                Change::Applied(vec![key])
            }
            Event::Delete(object) => {
                let Some((uid, key, _)) = self.entry(object) else { return Change::None };
                if let Some(children) = state.by_instance.get_mut(&uid) {
                    children.remove(&key);
                    if children.is_empty() {
                        state.by_instance.remove(&uid);
                    }
                }
                Change::Deleted(key)
            }
        }
    }

    /// The instance uid, identity and projected value of a child; `None` for an object without kro's
    /// instance label (the watch selects by kro's labels, so only one edited by hand).
    fn entry(&self, object: &DynamicObject) -> Option<(String, ObjectKey, Arc<str>)> {
        let uid = object.metadata.labels.as_ref()?.get(labels::INSTANCE_ID)?.clone();
        let mut value = serde_json::to_value(object).ok()?;
        let map = value.as_object_mut()?;
        map.insert("apiVersion".to_string(), Value::String(self.resource.api_version.clone()));
        map.insert("kind".to_string(), Value::String(self.resource.kind.clone()));
        let value = self.mask.project(value);
        let key = ObjectKey::of(&value);
        Some((uid, key, value.to_string().into()))
    }

    fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self.state.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

/// The instance (name, namespace) a cached child names in kro's labels.
fn instance_of(text: &str) -> Option<(String, Option<String>)> {
    let child: Value = serde_json::from_str(text).ok()?;
    let labels = child.pointer("/metadata/labels")?;
    let name = labels.get(labels::INSTANCE_NAME)?.as_str()?.to_string();
    Some((name, labels.get(labels::INSTANCE_NAMESPACE).and_then(Value::as_str).map(str::to_string)))
}

#[cfg(test)]
mod tests {
    use kube::api::GroupVersionKind;
    use serde_json::json;

    use super::*;

    fn child(name: &str, instance: &str) -> DynamicObject {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "ns", "resourceVersion": "3",
                "labels": {"kro.run/instance-id": instance}, "annotations": {"big": "x"}},
            "data": {"a": "1", "b": "2"}
        }))
        .unwrap()
    }

    fn cache() -> ChildCache {
        let resource = ApiResource::from_gvk(&GroupVersionKind::gvk("", "v1", "ConfigMap"));
        let mut mask = FieldMask::default();
        let engine = kro_engine::Engine::new(kro_engine::EngineOptions::default()).unwrap();
        let rgd = "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata: {name: x}\nspec:\n  schema: {apiVersion: v1alpha1, kind: X}\n  resources:\n    - id: cm\n      template: {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {a: '1'}}\n";
        let docs = engine.compile_text(rgd);
        mask.clone_from(&docs[0].rgd.as_ref().unwrap().observed_fields("v1", "ConfigMap"));
        ChildCache::new(resource, mask)
    }

    #[test]
    fn children_are_projected_stamped_and_found_by_their_instance() {
        let cache = cache();
        assert!(!cache.is_ready());
        cache.observe(&Event::Init);
        cache.observe(&Event::InitApply(child("one", "i1")));
        cache.observe(&Event::InitApply(child("two", "i2")));
        assert!(cache.children_of("i1").is_empty(), "a relist shows once it is complete");
        let done = cache.observe(&Event::InitDone);
        assert!(matches!(done, Change::Relisted { ref present, .. } if present.len() == 2));
        assert!(cache.is_ready());
        let ones = cache.children_of("i1");
        assert_eq!(
            ones[0],
            json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "1"},
                "metadata": {"name": "one", "namespace": "ns", "resourceVersion": "3",
                    "labels": {"kro.run/instance-id": "i1"}, "annotations": {}}})
        );
        cache.observe(&Event::Delete(child("one", "i1")));
        assert!(cache.children_of("i1").is_empty());
        // A relist that no longer has `two` drops it.
        cache.observe(&Event::Init);
        cache.observe(&Event::InitDone);
        assert!(cache.children_of("i2").is_empty());
    }

    #[test]
    fn a_relist_names_the_instances_of_children_deleted_while_the_watch_was_down() {
        let cache = cache();
        let named = |name: &str, instance: &str| {
            let mut c = child(name, &format!("uid-{instance}"));
            let labels = c.metadata.labels.get_or_insert_with(Default::default);
            labels.insert("kro.run/instance-name".into(), instance.into());
            labels.insert("kro.run/instance-namespace".into(), "ns".into());
            c
        };
        for event in
            [Event::Init, Event::InitApply(named("one", "a")), Event::InitApply(named("two", "b")), Event::InitDone]
        {
            cache.observe(&event);
        }
        cache.observe(&Event::Init);
        cache.observe(&Event::InitApply(named("two", "b")));
        let Change::Relisted { present, vanished } = cache.observe(&Event::InitDone) else { panic!("not a relist") };
        assert_eq!(present.len(), 1);
        assert_eq!(vanished, [("a".to_string(), Some("ns".to_string()))]);
        assert!(cache.children_of("uid-a").is_empty());
    }
}
