//! A GraphRevision as kro writes one (`api/internal.kro.run/v1alpha1`, `createGraphRevision`), and as the
//! engine reads one back from the API server.

use serde_json::{Value, json};

use crate::labels;

/// `apiVersion` of a GraphRevision.
pub(crate) const API_VERSION: &str = "internal.kro.run/v1alpha1";
/// Label kro's documentation names for selecting an RGD's revisions (`kubectl get gr -l ...`); kro's code
/// writes [`labels::RGD_NAME`]. Both are written.
pub(crate) const INTERNAL_RGD_NAME: &str = "internal.kro.run/resource-graph-definition-name";
/// Label: the spec hash of the revision.
pub(crate) const HASH: &str = "kro.run/graph-revision-hash";

/// A GraphRevision of the API server, as far as resolving an RGD's revisions reads it.
#[derive(Debug, Clone)]
pub(crate) struct Listed {
    pub name: String,
    pub revision: i64,
    /// The RGD spec it snapshots.
    pub spec: Value,
    /// It has a `deletionTimestamp`: it still holds its number, but is no longer a revision to serve.
    pub terminating: bool,
    pub owner_references: Vec<Value>,
    /// `metadata.generation` (1 when absent: its spec never changes).
    pub generation: i64,
    /// Its status as stored (`None` for one not created yet).
    pub status: Option<Value>,
}

impl Listed {
    /// `object` when it is a GraphRevision of the RGD `rgd_name` with a revision number; `None` for anything
    /// else (a listing filtered by `spec.snapshot.name` holds only those, but a hand-made object may not).
    pub(crate) fn read(object: &Value, rgd_name: &str) -> Option<Listed> {
        let text = |p: &str| object.pointer(p).and_then(Value::as_str);
        if text("/spec/snapshot/name") != Some(rgd_name) {
            return None;
        }
        let revision = object.pointer("/spec/revision").and_then(Value::as_i64).filter(|r| *r >= 1)?;
        Some(Listed {
            name: text("/metadata/name")?.to_string(),
            revision,
            spec: object.pointer("/spec/snapshot/spec").cloned().unwrap_or(Value::Null),
            terminating: object.pointer("/metadata/deletionTimestamp").is_some_and(|t| !t.is_null()),
            owner_references: object
                .pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            generation: object.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(1),
            status: object.get("status").filter(|s| !s.is_null()).cloned(),
        })
    }

    /// Whether its controller owner is the RGD with this uid.
    pub(crate) fn owned_by(&self, uid: &str) -> bool {
        self.owner_references.iter().any(|r| {
            r.get("uid").and_then(Value::as_str) == Some(uid)
                && r.get("kind").and_then(Value::as_str) == Some("ResourceGraphDefinition")
                && r.get("controller").and_then(Value::as_bool) == Some(true)
        })
    }

    /// Its owner references with the RGD's replaced by `owner` (or `owner` added), as kro adopts a revision.
    pub(crate) fn adopted_references(&self, owner: &Value) -> Vec<Value> {
        let is_rgd = |r: &Value| {
            r.get("kind").and_then(Value::as_str) == Some("ResourceGraphDefinition")
                && r.get("apiVersion").and_then(Value::as_str) == Some("kro.run/v1alpha1")
        };
        let mut references = self.owner_references.clone();
        match references.iter_mut().find(|r| is_rgd(r)) {
            Some(existing) => *existing = owner.clone(),
            None => references.push(owner.clone()),
        }
        references
    }
}

/// The owner reference kro puts on a revision: the RGD, as its controller.
pub(crate) fn owner_reference(rgd_name: &str, uid: &str) -> Value {
    json!({"apiVersion": "kro.run/v1alpha1", "kind": "ResourceGraphDefinition", "name": rgd_name, "uid": uid,
           "controller": true})
}

/// What a new revision holds.
pub(crate) struct NewRevision<'a> {
    pub rgd_name: &'a str,
    pub rgd_uid: Option<&'a str>,
    pub revision: i64,
    pub generation: i64,
    pub spec: &'a Value,
    pub hash: &'a str,
    pub kro_version: &'a str,
}

/// The GraphRevision object to create.
pub(crate) fn new_object(new: &NewRevision<'_>) -> Value {
    let mut labels = serde_json::Map::new();
    labels.insert(labels::OWNED.into(), json!("true"));
    if is_label_value(new.kro_version) {
        labels.insert(labels::KRO_VERSION.into(), json!(new.kro_version));
    }
    // An RGD name is up to 253 characters, a label value up to 63: a longer name is found by the
    // `spec.snapshot.name` field selector alone (kro's create fails there).
    if is_label_value(new.rgd_name) {
        labels.insert(labels::RGD_NAME.into(), json!(new.rgd_name));
        labels.insert(INTERNAL_RGD_NAME.into(), json!(new.rgd_name));
    }
    labels.insert(HASH.into(), json!(new.hash));
    let mut metadata = json!({"name": name(new.rgd_name, new.revision), "labels": labels});
    if let Some(uid) = new.rgd_uid {
        metadata["ownerReferences"] = json!([owner_reference(new.rgd_name, uid)]);
    }
    json!({
        "apiVersion": API_VERSION,
        "kind": "GraphRevision",
        "metadata": metadata,
        "spec": {
            "revision": new.revision,
            "snapshot": {"name": new.rgd_name, "generation": new.generation, "spec": new.spec},
        },
    })
}

/// kro's `graphRevisionName`: `<rgd>-r00001`; a name that would pass 253 characters is cut, trailing dots
/// and dashes trimmed, and suffixed with the FNV-32a hash of the whole RGD name, so two long names that
/// share a prefix stay apart.
pub(crate) fn name(rgd_name: &str, revision: i64) -> String {
    const MAX: usize = 253;
    let suffix = format!("-r{revision:05}");
    if rgd_name.len() + suffix.len() <= MAX {
        return format!("{rgd_name}{suffix}");
    }
    let suffix = format!("-r{revision:05}-{}", fnv32a(rgd_name));
    let mut end = MAX.saturating_sub(suffix.len()).min(rgd_name.len());
    while !rgd_name.is_char_boundary(end) {
        end -= 1;
    }
    let prefix = rgd_name[..end].trim_end_matches(['.', '-']);
    let prefix = if prefix.is_empty() { "gr" } else { prefix };
    format!("{prefix}{suffix}")
}

fn fnv32a(text: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{hash:08x}")
}

/// A valid label value: at most 63 characters, alphanumerics with `-`, `_`, `.` inside.
fn is_label_value(text: &str) -> bool {
    let ok = |c: char| c.is_ascii_alphanumeric();
    text.len() <= 63
        && (text.is_empty()
            || (text.starts_with(ok)
                && text.ends_with(ok)
                && text.chars().all(|c| ok(c) || matches!(c, '-' | '_' | '.'))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_are_named_as_kro_names_them_long_names_cut_with_a_hash() {
        assert_eq!(name("webapp", 1), "webapp-r00001");
        assert_eq!(name("webapp", 123_456), "webapp-r123456");
        let long = format!("{}.{}", "a".repeat(240), "b".repeat(12));
        let cut = name(&long, 7);
        assert_eq!(cut.len(), 253, "{cut}");
        assert!(cut.starts_with(&"a".repeat(230)) && cut.ends_with(&format!("-r00007-{}", fnv32a(&long))));
        let dotted = format!("{}{}", "a".repeat(238), ".".repeat(20));
        assert!(!name(&dotted, 1).contains(".-r"), "trailing dots are trimmed");
        assert_eq!(fnv32a(""), "811c9dc5");
        assert_eq!(fnv32a("a"), "e40c292c");
    }

    #[test]
    fn a_new_revision_carries_kros_labels_owner_and_snapshot() {
        let spec = json!({"schema": {"kind": "App", "apiVersion": "v1alpha1"}});
        let new = NewRevision {
            rgd_name: "webapp",
            rgd_uid: Some("u-1"),
            revision: 3,
            generation: 5,
            spec: &spec,
            hash: "0011223344556677",
            kro_version: "0.1.0",
        };
        let object = new_object(&new);
        assert_eq!(object["metadata"]["name"], "webapp-r00003");
        let labels = &object["metadata"]["labels"];
        assert_eq!(labels["kro.run/resource-graph-definition-name"], "webapp");
        assert_eq!(labels["internal.kro.run/resource-graph-definition-name"], "webapp");
        assert_eq!(labels["kro.run/graph-revision-hash"], "0011223344556677");
        assert_eq!(labels["kro.run/owned"], "true");
        assert_eq!(object["metadata"]["ownerReferences"][0]["uid"], "u-1");
        assert_eq!(
            object["spec"],
            json!({"revision": 3, "snapshot": {"name": "webapp", "generation": 5, "spec": spec}})
        );
        let listed = Listed::read(&object, "webapp").unwrap();
        assert!(listed.owned_by("u-1") && !listed.owned_by("u-2"));
        assert!(Listed::read(&object, "other").is_none(), "another RGD's revision");
        let readopted = listed.adopted_references(&owner_reference("webapp", "u-2"));
        assert_eq!(readopted.len(), 1);
        assert_eq!(readopted[0]["uid"], "u-2");
    }
}
