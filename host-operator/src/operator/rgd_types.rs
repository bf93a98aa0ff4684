//! The ResourceGraphDefinition API (`resourcegraphdefinitions.kro.run`, v1alpha1, cluster-scoped) as Rust types.
//! The CRD checked into `deploy/crds/` is generated from them (a test keeps the two equal). They accept kro's
//! documents unchanged: where kro's CRD is free-form (`spec.schema.spec`, `status`, `types`, templates,
//! external references), so is ours, and the engine (not the API server) says what is wrong, with a location.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use serde_json::Value;

/// `spec` of a ResourceGraphDefinition.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(
    group = "kro.run",
    version = "v1alpha1",
    kind = "ResourceGraphDefinition",
    plural = "resourcegraphdefinitions",
    shortname = "rgd",
    status = "ResourceGraphDefinitionStatus",
    printcolumn = r#"{"name":"APIVERSION","type":"string","jsonPath":".spec.schema.apiVersion"}"#,
    printcolumn = r#"{"name":"KIND","type":"string","jsonPath":".spec.schema.kind"}"#,
    printcolumn = r#"{"name":"STATE","type":"string","jsonPath":".status.state"}"#,
    printcolumn = r#"{"name":"TOPOLOGICALORDER","type":"string","priority":1,"jsonPath":".status.topologicalOrder"}"#,
    printcolumn = r#"{"name":"AGE","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGraphDefinitionSpec {
    /// The API the RGD defines.
    pub schema: RgdSchema,
    /// The resources one instance stands for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<RgdResource>,
    /// kro-rs extension: the ServiceAccount, in each instance's namespace, whose rights create, read and delete
    /// that instance's resources (the operator impersonates it). Without it the operator uses its own, as kro.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
}

/// `spec.schema`: the instance API.
#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RgdSchema {
    /// The version of the API, e.g. `v1alpha1` (the group is `group`).
    pub api_version: String,
    /// The kind of the API, e.g. `Application`.
    pub kind: String,
    /// The API group (kro.run when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// `Namespaced` (default) or `Cluster`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The SimpleSchema of the instance's spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "free_form")]
    pub spec: Option<Value>,
    /// Custom types the spec may use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "free_form")]
    pub types: Option<Value>,
    /// Status fields projected with `${...}`, and optional custom conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "free_form")]
    pub status: Option<Value>,
    /// Printer columns of the generated CRD (replace the defaults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "free_form_list")]
    pub additional_printer_columns: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_names: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
    /// Labels and annotations of the generated CRD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "free_form")]
    pub metadata: Option<Value>,
}

/// One entry of `spec.resources`: a template, or an external reference.
#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RgdResource {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "free_form")]
    pub template: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "free_form")]
    pub external_ref: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ready_when: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_when: Vec<String>,
    /// Each entry maps one iterator name to a `${list}` expression.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub for_each: Vec<BTreeMap<String, String>>,
}

/// `status` as kro writes it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGraphDefinitionStatus {
    /// `Active` or `Inactive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topological_order: Vec<String>,
    /// Resources that depend on others, with what they depend on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ResourceStatus>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// The highest GraphRevision number issued for this RGD name: numbering goes on from it after a restart
    /// or garbage collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_issued_revision: Option<i64>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
pub struct ResourceStatus {
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Dependency>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
pub struct Dependency {
    pub id: String,
}

/// A Kubernetes condition (metav1.Condition's fields).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
}

fn free_form(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
}

fn free_form_list(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "array",
        "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
    })
}

/// The CRD as the YAML checked into `deploy/crds/resourcegraphdefinitions.kro.run.yaml`.
pub fn crd_yaml() -> String {
    let crd = serde_json::to_value(<ResourceGraphDefinition as kube::CustomResourceExt>::crd()).unwrap_or_default();
    let header = "# Generated from host-operator/src/operator/rgd_types.rs; `kro operator` installs it at start.\n\
                  # Regenerate: KRO_UPDATE_CRD=1 cargo test -p kro-operator --lib rgd_crd\n";
    format!("{header}{}", kro_engine::output::to_yaml(&crd))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHECKED_IN: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/crds/resourcegraphdefinitions.kro.run.yaml");

    #[test]
    fn rgd_crd_checked_into_deploy_is_the_one_the_types_generate() {
        crate::operator::checked_in::assert_checked_in(CHECKED_IN, &crd_yaml(), "rgd_crd");
    }

    #[test]
    fn every_example_rgd_reads_as_the_rgd_type() {
        let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
        let engine = kro_engine::Engine::new(kro_engine::EngineOptions::default()).unwrap();
        for entry in std::fs::read_dir(examples).unwrap() {
            let path = entry.unwrap().path().join("rgd.yaml");
            let text = std::fs::read_to_string(&path).unwrap();
            for doc in engine.load_objects(&text).unwrap() {
                let rgd: Result<ResourceGraphDefinition, _> = serde_json::from_value(doc);
                assert!(rgd.is_ok(), "{}: {:?}", path.display(), rgd.err());
            }
        }
    }
}
