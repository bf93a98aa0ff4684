//! Which fields of an observed object the plans of one RGD read, so a host caches only those.
//!
//! A plan reads of a child: its identity and kro's labels; every field its template declares (drift is judged
//! on them, docs/decisions/0009); and every field an expression reads from it — in templates, `includeWhen`,
//! `readyWhen` (its own object, or `each` item of a collection) and the status. Everything else the API server
//! adds (defaults, most of `status`, `managedFields`) no plan looks at, and an operator with thousands of
//! children should not hold it: [`CompiledRgd::observed_fields`] gives the mask for a kind, and
//! [`FieldMask::project`] keeps what it names.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{CompiledRgd, Role};

/// Metadata every observed child keeps: who it is, kro's labels on it, and what tells one version of it
/// from the next (and, below, the apply-order annotation deletion reads).
const IDENTITY: &[&str] = &["name", "namespace", "uid", "labels", "resourceVersion", "generation", "deletionTimestamp"];

/// An annotation kubectl writes with the whole object it applied: large, and read by no plan.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// A set of field paths of a JSON object: the fields named are kept with everything below them. A mask applies
/// to every item of a list it meets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMask {
    /// Keep everything below this point.
    all: bool,
    fields: BTreeMap<String, FieldMask>,
}

impl FieldMask {
    /// A mask that keeps everything.
    pub fn everything() -> FieldMask {
        FieldMask { all: true, fields: BTreeMap::new() }
    }

    /// Whether it keeps everything.
    pub fn keeps_everything(&self) -> bool {
        self.all
    }

    /// The mask of field `name` below this point: `None` when it is not kept.
    pub fn field(&self, name: &str) -> Option<&FieldMask> {
        static EVERYTHING: FieldMask = FieldMask { all: true, fields: BTreeMap::new() };
        if self.all { Some(&EVERYTHING) } else { self.fields.get(name) }
    }

    /// Keeps `path` and everything below it.
    pub(crate) fn insert<S: AsRef<str>>(&mut self, path: &[S]) {
        let mut node = self;
        for step in path {
            if node.all {
                return;
            }
            node = node.fields.entry(step.as_ref().to_string()).or_default();
        }
        node.all = true;
        node.fields.clear();
    }

    /// Keeps what `other` keeps too.
    pub(crate) fn merge(&mut self, other: &FieldMask) {
        if self.all {
            return;
        }
        if other.all {
            self.all = true;
            self.fields.clear();
            return;
        }
        for (name, mask) in &other.fields {
            self.fields.entry(name.clone()).or_default().merge(mask);
        }
    }

    /// `object` with only the fields this mask keeps (moved, not copied). Lists keep every item, each masked;
    /// a scalar where the mask expects an object is kept as it is, so a comparison still sees it.
    pub fn project(&self, object: Value) -> Value {
        if self.all {
            return object;
        }
        match object {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .filter_map(|(name, value)| Some((name.clone(), self.fields.get(&name)?.project(value))))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.into_iter().map(|item| self.project(item)).collect()),
            scalar => scalar,
        }
    }

    /// The mask of the fields a template declares: every key it writes, and everything below a value an
    /// expression fills (its shape is known only once rendered).
    fn of_template(template: &Value) -> FieldMask {
        match template {
            Value::Object(map) => FieldMask {
                all: false,
                fields: map.iter().map(|(name, value)| (name.clone(), FieldMask::of_template(value))).collect(),
            },
            Value::Array(items) => {
                let mut mask = FieldMask::default();
                for item in items {
                    mask.merge(&FieldMask::of_template(item));
                }
                // A list of scalars: keep its items.
                if mask.fields.is_empty() {
                    mask.all = true;
                }
                mask
            }
            _ => FieldMask::everything(),
        }
    }
}

impl CompiledRgd {
    /// The fields of an observed object of `api_version`/`kind` that this RGD's plans read: the identity
    /// metadata, what the templates of the resources of that kind declare, and what any expression reads of
    /// them. A host that caches the RGD's children keeps `mask.project(child)` instead of the child. Kinds the
    /// RGD does not create keep everything.
    pub fn observed_fields(&self, api_version: &str, kind: &str) -> FieldMask {
        let of_kind: Vec<usize> = (0..self.resources.len())
            .filter(|&i| {
                let r = &self.resources[i];
                !r.external && r.api_version == api_version && r.kind == kind
            })
            .collect();
        if of_kind.is_empty() {
            return FieldMask::everything();
        }
        let mut mask = FieldMask::default();
        for field in ["apiVersion", "kind"] {
            mask.insert(&[field]);
        }
        for field in IDENTITY {
            mask.insert(&["metadata", field]);
        }
        // Deletion goes by the wave kro stamped on each child.
        mask.insert(&["metadata", "annotations", crate::labels::APPLY_ORDER]);
        for &i in &of_kind {
            let resource = &self.resources[i];
            mask.merge(&FieldMask::of_template(&resource.template));
            if resource.default_ready_when.is_some() {
                // The default readiness of a CRD template reads its conditions.
                mask.insert(&["status"]);
            }
        }
        for site in &self.expressions {
            let Some(parsed) = &site.parsed else {
                // An expression that did not parse is an error: such an RGD has no plans.
                continue;
            };
            for (root, path) in parsed.field_reads() {
                let reads_this_kind = match root.as_str() {
                    // `each` is an item of the collection whose readyWhen it is.
                    "each" => site.role == Role::ReadyWhen && site.resource.is_some_and(|r| of_kind.contains(&r)),
                    id => of_kind.iter().any(|&i| self.resources[i].id == id),
                };
                if reads_this_kind {
                    mask.insert(&path);
                }
            }
        }
        mask
    }

    /// The fields of an instance its plans read: all but the last-applied annotation kubectl writes (a copy of
    /// the whole object), unless an expression reads the annotations whole.
    pub fn instance_fields(&self) -> InstanceFields {
        let annotations_read = self.expressions.iter().filter_map(|s| s.parsed.as_ref()).any(|parsed| {
            parsed.field_reads().iter().any(|(root, path)| {
                root == "schema"
                    && (path.len() < 2 || (path[0] == "metadata" && path[1] == "annotations" && path.len() == 2))
            })
        });
        InstanceFields { drop_last_applied: !annotations_read }
    }
}

/// What a host keeps of an instance (see [`CompiledRgd::instance_fields`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceFields {
    drop_last_applied: bool,
}

impl InstanceFields {
    /// The annotations of the instance a host may drop from its cache.
    pub fn dropped_annotations(&self) -> &'static [&'static str] {
        if self.drop_last_applied { &[LAST_APPLIED] } else { &[] }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use crate::{Engine, EngineOptions};

    fn webapp() -> crate::CompiledRgd {
        let engine = Engine::new(EngineOptions::default()).unwrap();
        let mut docs = engine.compile_text(include_str!("../../../examples/webapp/rgd.yaml"));
        docs.remove(0).rgd.unwrap()
    }

    #[test]
    fn a_child_keeps_its_identity_its_declared_fields_and_what_expressions_read() {
        let rgd = webapp();
        let mask = rgd.observed_fields("apps/v1", "Deployment");
        let observed = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "app", "namespace": "ns", "uid": "u", "resourceVersion": "7", "generation": 2,
                "labels": {"kro.run/instance-id": "i"},
                "annotations": {"deployment.kubernetes.io/revision": "1", "internal.kro.run/apply-order": "1"},
                "creationTimestamp": "2025-01-01T00:00:00Z"},
            "spec": {"replicas": 3, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
                "selector": {"matchLabels": {"app": "app", "extra": "x"}},
                "template": {"metadata": {"labels": {"app": "app"}},
                    "spec": {"restartPolicy": "Always", "containers": [
                        {"name": "app", "image": "nginx", "imagePullPolicy": "Always",
                         "ports": [{"containerPort": 80, "protocol": "TCP"}]},
                        {"name": "sidecar", "image": "envoy"}]}}},
            "status": {"availableReplicas": 3, "replicas": 3, "observedGeneration": 2,
                "conditions": [{"type": "Available", "status": "True"}]}
        });
        let projected = mask.project(observed);
        assert_eq!(
            projected,
            json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "app", "namespace": "ns", "uid": "u", "resourceVersion": "7", "generation": 2,
                    "labels": {"kro.run/instance-id": "i"}, "annotations": {"internal.kro.run/apply-order": "1"}},
                "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "app", "extra": "x"}},
                    "template": {"metadata": {"labels": {"app": "app"}},
                        "spec": {"containers": [
                            {"name": "app", "image": "nginx", "ports": [{"containerPort": 80}]},
                            {"name": "sidecar", "image": "envoy"}]}}},
                "status": {"availableReplicas": 3, "conditions": [{"type": "Available", "status": "True"}]}
            }),
            "the status fields the instance status reads, every container (a foreign one is drift)"
        );
    }

    #[test]
    fn kinds_the_rgd_does_not_create_keep_everything() {
        assert!(webapp().observed_fields("v1", "ConfigMap").keeps_everything());
    }

    #[test]
    fn masks_merge_and_a_whole_field_absorbs_its_parts() {
        let mut mask = super::FieldMask::default();
        mask.insert(&["spec", "a"]);
        mask.insert(&["spec"]);
        mask.insert(&["spec", "b"]);
        assert!(mask.field("spec").unwrap().keeps_everything());
        assert_eq!(mask.project(json!({"spec": {"x": 1}, "status": 2})), json!({"spec": {"x": 1}}));
    }
}
