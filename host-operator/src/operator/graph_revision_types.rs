//! kro's GraphRevision API (`graphrevisions.internal.kro.run`, v1alpha1, cluster-scoped, short name `gr`) as
//! Rust types: an immutable, numbered snapshot of an RGD's spec (docs/decisions/0019). The CRD has kro's shape
//! (`api/internal.kro.run/v1alpha1/graphrevision_types.go`: its printer columns, the `spec.snapshot.name`
//! selectable field, `spec` immutable), so `kubectl get gr` and kro's tooling read it; the snapshot's spec is
//! the RGD spec type of this crate, so every spec the RGD CRD accepts is stored whole. `kro operator` installs
//! it with the RGD CRD; the copy in `deploy/crds/` is generated from these types (a test keeps them equal).

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::rgd_types::{Condition, ResourceGraphDefinitionSpec, ResourceStatus};

/// `spec` of a GraphRevision: which revision of which RGD, and the RGD's spec as it was.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(
    group = "internal.kro.run",
    version = "v1alpha1",
    kind = "GraphRevision",
    plural = "graphrevisions",
    shortname = "gr",
    status = "GraphRevisionStatus",
    selectable = ".spec.snapshot.name",
    doc = "GraphRevision is an immutable snapshot of a ResourceGraphDefinition revision.",
    printcolumn = r#"{"name":"RGD","type":"string","priority":1,"jsonPath":".spec.snapshot.name"}"#,
    printcolumn = r#"{"name":"REVISION","type":"integer","jsonPath":".spec.revision"}"#,
    printcolumn = r#"{"name":"HASH","type":"string","priority":1,"jsonPath":".metadata.labels.kro\\.run/graph-revision-hash"}"#,
    printcolumn = r#"{"name":"READY","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].status"}"#,
    printcolumn = r#"{"name":"AGE","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
pub struct GraphRevisionSpec {
    /// Revision is a monotonic revision number assigned per ResourceGraphDefinition name.
    #[schemars(range(min = 1))]
    pub revision: i64,
    /// Snapshot is an immutable capture of the source ResourceGraphDefinition identity and spec at the time
    /// this revision was issued.
    pub snapshot: Snapshot,
}

/// The RGD a revision was issued for, and its spec then.
#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
pub struct Snapshot {
    /// Name identifies the source ResourceGraphDefinition by name.
    pub name: String,
    /// Generation is the metadata.generation of the source ResourceGraphDefinition when this revision was
    /// issued. Informational only.
    pub generation: i64,
    /// Spec is an immutable copy of the source ResourceGraphDefinition spec.
    pub spec: ResourceGraphDefinitionSpec,
}

/// `status` as kro writes it: whether the snapshot compiled, and its graph.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GraphRevisionStatus {
    /// The resource ids in the order of their dependencies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topological_order: Vec<String>,
    /// `GraphVerified` (the snapshot compiled) and the aggregate `Ready`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// Resources that depend on others, with what they depend on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ResourceStatus>,
}

/// The CRD as JSON: what kube-derive generates, with `spec` immutable as kro's CRD has it.
pub fn crd() -> Value {
    let mut crd = serde_json::to_value(<GraphRevision as kube::CustomResourceExt>::crd()).unwrap_or_default();
    if let Some(spec) = crd.pointer_mut("/spec/versions/0/schema/openAPIV3Schema/properties/spec") {
        spec["x-kubernetes-validations"] = json!([{"rule": "self == oldSelf", "message": "spec is immutable"}]);
    }
    crd
}

/// The CRD as the YAML checked into `deploy/crds/graphrevisions.internal.kro.run.yaml`.
pub fn crd_yaml() -> String {
    let header = "# Generated from host-operator/src/operator/graph_revision_types.rs; `kro operator` installs it at start.\n\
                  # Regenerate: KRO_UPDATE_CRD=1 cargo test -p kro-operator --lib crd_checked_into_deploy\n";
    format!("{header}{}", kro_engine::output::to_yaml(&crd()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHECKED_IN: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/crds/graphrevisions.internal.kro.run.yaml");

    #[test]
    fn graph_revision_crd_checked_into_deploy_is_the_one_the_types_generate() {
        crate::operator::checked_in::assert_checked_in(CHECKED_IN, &crd_yaml(), "crd_checked_into_deploy");
    }

    #[test]
    fn the_crd_has_kros_shape() {
        let crd = crd();
        assert_eq!(crd["metadata"]["name"], "graphrevisions.internal.kro.run");
        assert_eq!(crd["spec"]["scope"], "Cluster");
        assert_eq!(crd["spec"]["names"]["shortNames"], json!(["gr"]));
        let version = &crd["spec"]["versions"][0];
        let columns: Vec<&str> = version["additionalPrinterColumns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(columns, ["RGD", "REVISION", "HASH", "READY", "AGE"]);
        assert_eq!(version["selectableFields"], json!([{"jsonPath": ".spec.snapshot.name"}]));
        let spec = &version["schema"]["openAPIV3Schema"]["properties"]["spec"];
        assert_eq!(spec["x-kubernetes-validations"][0]["rule"], "self == oldSelf");
        assert_eq!(spec["properties"]["revision"]["minimum"], 1.0);
        let snapshot_spec = &spec["properties"]["snapshot"]["properties"]["spec"];
        assert!(snapshot_spec["properties"]["serviceAccountName"].is_object(), "the whole RGD spec is kept");
    }

    #[test]
    fn a_revision_the_engine_issues_reads_as_the_type() {
        let engine = kro_engine::Engine::new(kro_engine::EngineOptions::default()).unwrap();
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/webapp/rgd.yaml")).unwrap();
        let mut rgd = engine.load_objects(&text).unwrap().remove(0);
        rgd["metadata"]["uid"] = json!("u");
        let revisions = engine.resolve_revisions(&rgd, &[], &kro_engine::RevisionOptions::default());
        let issued: GraphRevision = serde_json::from_value(revisions.issue.unwrap()).unwrap();
        assert_eq!(issued.spec.revision, 1);
        let status: GraphRevisionStatus = serde_json::from_value(revisions.statuses[0].body.clone()).unwrap();
        assert_eq!(status.topological_order, ["deployment", "service", "ingress"]);
    }
}
