//! What this process wrote, so it does not write it again: the watch caches trail the API server, and a
//! reconcile that runs before its own writes are seen must not repeat them (under load, half of all requests
//! were such repeats).
//!
//! Resource versions are compared as numbers: every API server stores them as etcd revisions, which only
//! grow. One that is not a number is never taken as older, so the comparison can only cost a request, never
//! skip one that was needed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kro_engine::ObjectKey;
use serde_json::Value;

/// The resource version of an object, when it is a number.
pub fn resource_version(object: &Value) -> Option<u64> {
    object.pointer("/metadata/resourceVersion")?.as_str()?.parse().ok()
}

/// Per child (by a hash of its identity, so thousands of children cost a few bytes each): a fingerprint of the
/// object last applied, and the resource version the API server returned.
///
/// A child whose template renders the same object again is not applied when the cache shows it unchanged
/// since that apply (same or older resource version, or not seen yet: a deletion would have been seen), or
/// still holding every declared field. Anything else is applied, as kro does: a template that renders
/// something else, drift, a child applied by another process or before a restart (nothing recorded).
#[derive(Debug, Default)]
pub struct AppliedObjects(Mutex<HashMap<u64, Applied>>);

#[derive(Debug, Clone, Copy)]
struct Applied {
    fingerprint: u64,
    version: Option<u64>,
    /// A hash of the child's `apiVersion` and `kind`, for [`AppliedObjects::retain_kind`].
    kind: u64,
}

impl AppliedObjects {
    /// Whether applying `desired` would change nothing, `observed` being the child as the cache has it.
    pub fn unchanged(&self, desired: &Value, observed: Option<&Value>) -> bool {
        let Some(applied) = self.get(&ObjectKey::of(desired)) else { return false };
        if applied.fingerprint != hash(&desired.to_string()) {
            return false;
        }
        let Some(observed) = observed else {
            // Applied, and no deletion seen since (it would have forgotten the record): not seen yet.
            return true;
        };
        let not_changed_since =
            matches!((resource_version(observed), applied.version), (Some(seen), Some(ours)) if seen <= ours);
        not_changed_since || kro_engine::drift::holds(observed, desired)
    }

    /// Records that `desired` was applied, and the object the API server stored.
    pub fn record(&self, desired: &Value, stored: &Value) {
        let key = ObjectKey::of(desired);
        let applied = Applied {
            fingerprint: hash(&desired.to_string()),
            version: resource_version(stored),
            kind: hash(&(&key.api_version, &key.kind)),
        };
        self.lock().insert(hash(&key), applied);
    }

    /// Forgets a child (deleted, or about to be).
    pub fn forget(&self, key: &ObjectKey) {
        self.lock().remove(&hash(key));
    }

    /// Forgets every child of `kind` (`apiVersion`, `kind`) not in `present` (a relist found them gone).
    pub fn retain_kind(&self, api_version: &str, kind: &str, present: &[ObjectKey]) {
        let present: std::collections::HashSet<u64> = present.iter().map(hash).collect();
        let kind = hash(&(api_version, kind));
        self.lock().retain(|key, applied| applied.kind != kind || present.contains(key));
    }

    fn get(&self, key: &ObjectKey) -> Option<Applied> {
        self.lock().get(&hash(key)).copied()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Applied>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A 64-bit hash. A child's record is only used when both its identity's and its object's hashes match, so
/// a collision could skip an apply only if two of them collided at once.
fn hash<T: std::hash::Hash + ?Sized>(value: &T) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(value)
}

/// How long a reconcile waits for the instance cache to show this process's last write before it goes on
/// with what the cache has (a watch that stalls must not stall the instance).
const STALE_FOR_AT_MOST: Duration = Duration::from_secs(5);

/// Per instance (by uid): the resource version of this process's last write to it (metadata or status).
#[derive(Debug, Default)]
pub struct InstanceWrites(Mutex<HashMap<String, (u64, Instant)>>);

impl InstanceWrites {
    /// Records a write whose answer is `stored`.
    pub fn record(&self, uid: &str, stored: &Value) {
        if let Some(version) = resource_version(stored) {
            let mut writes = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let entry = writes.entry(uid.to_string()).or_insert((version, Instant::now()));
            *entry = (entry.0.max(version), Instant::now());
        }
    }

    /// Whether the cached `instance` is older than this process's last write to it (recent enough to wait
    /// for): a reconcile from it would repeat the write.
    pub fn is_behind(&self, uid: &str, instance: &Value) -> bool {
        let writes = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some((ours, when)) = writes.get(uid) else { return false };
        resource_version(instance).is_some_and(|seen| seen < *ours) && when.elapsed() < STALE_FOR_AT_MOST
    }

    /// Forgets an instance (gone).
    pub fn forget(&self, uid: &str) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(uid);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn deployment(replicas: i64) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app", "namespace": "ns"},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "app", "image": "nginx"}]}}}})
    }

    fn observed(desired: &Value, version: &str) -> Value {
        let mut observed = desired.clone();
        observed["metadata"]["resourceVersion"] = json!(version);
        observed["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = json!("Always");
        observed["status"] = json!({"availableReplicas": 3});
        observed
    }

    #[test]
    fn a_child_applied_before_and_unchanged_since_is_not_applied_again() {
        let applied = AppliedObjects::default();
        let desired = deployment(3);
        assert!(!applied.unchanged(&desired, Some(&observed(&desired, "7"))), "nothing recorded: apply");
        applied.record(&desired, &observed(&desired, "7"));
        assert!(applied.unchanged(&desired, Some(&observed(&desired, "7"))), "as the apply left it");
        assert!(applied.unchanged(&desired, Some(&observed(&desired, "9"))), "changed since, but still as declared");
        assert!(applied.unchanged(&desired, None), "applied and not seen yet");
        assert!(
            !applied.unchanged(&deployment(4), Some(&observed(&desired, "7"))),
            "the template renders another object"
        );
        let mut drifted = observed(&desired, "9");
        drifted["spec"]["replicas"] = json!(1);
        assert!(!applied.unchanged(&desired, Some(&drifted)), "drift after our apply");
        let mut stale = drifted.clone();
        stale["metadata"]["resourceVersion"] = json!("5");
        assert!(applied.unchanged(&desired, Some(&stale)), "the cache trails our apply");
        let mut extra_container = observed(&desired, "10");
        extra_container["spec"]["template"]["spec"]["containers"].as_array_mut().unwrap().push(json!({"name": "x"}));
        assert!(!applied.unchanged(&desired, Some(&extra_container)), "a list of another length");
        applied.forget(&ObjectKey::of(&desired));
        assert!(!applied.unchanged(&desired, None), "forgotten (deleted): apply");
    }

    #[test]
    fn a_relist_forgets_the_children_of_its_kind_it_no_longer_lists() {
        let applied = AppliedObjects::default();
        let desired = deployment(3);
        applied.record(&desired, &observed(&desired, "7"));
        applied.retain_kind("v1", "Service", &[]);
        assert!(applied.unchanged(&desired, None), "another kind's relist");
        applied.retain_kind("apps/v1", "Deployment", &[]);
        assert!(!applied.unchanged(&desired, None));
    }

    #[test]
    fn an_instance_cache_behind_our_last_write_is_recognised() {
        let writes = InstanceWrites::default();
        let at = |v: &str| json!({"metadata": {"resourceVersion": v}});
        assert!(!writes.is_behind("u", &at("5")));
        writes.record("u", &at("8"));
        assert!(writes.is_behind("u", &at("5")));
        assert!(!writes.is_behind("u", &at("8")));
        assert!(!writes.is_behind("u", &json!({"metadata": {"resourceVersion": "not-a-number"}})));
        writes.forget("u");
        assert!(!writes.is_behind("u", &at("5")));
    }
}
