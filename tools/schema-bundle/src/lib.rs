//! Builds the schema bundle the engine embeds (`engine/schemas/k8s-v1.37.json.gz`): for every built-in
//! Kubernetes kind served at a GA version, its group, version, kind, plural, scope and OpenAPI v3 schema, with
//! the schemas of all kinds sharing one `definitions` map (referenced as `#/definitions/<name>`), so that
//! `ObjectMeta`, `PodSpec` and friends appear once. The first paragraph of each field description is kept
//! (editors show it on hover).
//!
//! The source is `k8s-openapi` with its `schemars` feature, at the Kubernetes minor of the API-server harness.
//! The output is deterministic: kinds in the order `for_each_kind!` lists them, definitions sorted by name, compact
//! JSON, gzip with no timestamp.

use k8s_openapi::schemars::{JsonSchema, SchemaGenerator, generate::SchemaSettings};
use serde_json::{Map, Value, json};

/// The Kubernetes minor the bundle describes (k8s-openapi's `v1_37` feature).
pub const KUBERNETES_VERSION: &str = "1.37";

/// Where the bundle lives, relative to the workspace root.
pub const BUNDLE_PATH: &str = "engine/schemas/k8s-v1.37.json.gz";

/// Where `$ref`s point: `#/definitions/<name>`.
const DEFINITIONS_PATH: &str = "/definitions";

/// A scope a kind can have. Implemented only for namespaced and cluster-scoped resources, so a subresource
/// (`Scale`, `Eviction`, `TokenRequest`) listed by mistake does not compile.
trait ScopeName {
    const NAME: &'static str;
}

impl ScopeName for k8s_openapi::NamespaceResourceScope {
    const NAME: &'static str = "Namespaced";
}

impl ScopeName for k8s_openapi::ClusterResourceScope {
    const NAME: &'static str = "Cluster";
}

/// Collects the kinds and their shared definitions.
struct Collector {
    generator: SchemaGenerator,
    kinds: Vec<Value>,
}

impl Collector {
    fn add<T>(&mut self)
    where
        T: k8s_openapi::Resource + JsonSchema,
        T::Scope: ScopeName,
    {
        let schema = self.generator.subschema_for::<T>();
        self.kinds.push(json!({
            "group": T::GROUP,
            "version": T::VERSION,
            "kind": T::KIND,
            "plural": T::URL_PATH_SEGMENT,
            "scope": <T::Scope as ScopeName>::NAME,
            "schema": schema.to_value(),
        }));
    }
}

/// Adds every kind of the bundle to `$collector`: every `k8s_openapi::Resource` of v1.37 at a GA
/// version (`v1`, `v2`) that is namespaced or cluster-scoped, except the discovery documents of
/// `apimachinery` (`APIGroup`, `APIResourceList`, ...), which are not objects one creates.
macro_rules! for_each_kind {
    ($collector:ident) => {{
        use k8s_openapi::api;
        use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions;
        use k8s_openapi::kube_aggregator::pkg::apis::apiregistration;
        // core/v1
        $collector.add::<api::core::v1::Binding>();
        $collector.add::<api::core::v1::ComponentStatus>();
        $collector.add::<api::core::v1::ConfigMap>();
        $collector.add::<api::core::v1::Endpoints>();
        $collector.add::<api::core::v1::Event>();
        $collector.add::<api::core::v1::LimitRange>();
        $collector.add::<api::core::v1::Namespace>();
        $collector.add::<api::core::v1::Node>();
        $collector.add::<api::core::v1::PersistentVolume>();
        $collector.add::<api::core::v1::PersistentVolumeClaim>();
        $collector.add::<api::core::v1::Pod>();
        $collector.add::<api::core::v1::PodTemplate>();
        $collector.add::<api::core::v1::ReplicationController>();
        $collector.add::<api::core::v1::ResourceQuota>();
        $collector.add::<api::core::v1::Secret>();
        $collector.add::<api::core::v1::Service>();
        $collector.add::<api::core::v1::ServiceAccount>();
        // admissionregistration.k8s.io/v1
        $collector.add::<api::admissionregistration::v1::MutatingAdmissionPolicy>();
        $collector.add::<api::admissionregistration::v1::MutatingAdmissionPolicyBinding>();
        $collector.add::<api::admissionregistration::v1::MutatingWebhookConfiguration>();
        $collector.add::<api::admissionregistration::v1::ValidatingAdmissionPolicy>();
        $collector.add::<api::admissionregistration::v1::ValidatingAdmissionPolicyBinding>();
        $collector.add::<api::admissionregistration::v1::ValidatingWebhookConfiguration>();
        // apiextensions.k8s.io/v1
        $collector.add::<apiextensions::v1::CustomResourceDefinition>();
        // apiregistration.k8s.io/v1
        $collector.add::<apiregistration::v1::APIService>();
        // apps/v1
        $collector.add::<api::apps::v1::ControllerRevision>();
        $collector.add::<api::apps::v1::DaemonSet>();
        $collector.add::<api::apps::v1::Deployment>();
        $collector.add::<api::apps::v1::ReplicaSet>();
        $collector.add::<api::apps::v1::StatefulSet>();
        // authentication.k8s.io/v1
        $collector.add::<api::authentication::v1::SelfSubjectReview>();
        $collector.add::<api::authentication::v1::TokenReview>();
        // authorization.k8s.io/v1
        $collector.add::<api::authorization::v1::LocalSubjectAccessReview>();
        $collector.add::<api::authorization::v1::SelfSubjectAccessReview>();
        $collector.add::<api::authorization::v1::SelfSubjectRulesReview>();
        $collector.add::<api::authorization::v1::SubjectAccessReview>();
        // autoscaling/v1 and autoscaling/v2
        $collector.add::<api::autoscaling::v1::HorizontalPodAutoscaler>();
        $collector.add::<api::autoscaling::v2::HorizontalPodAutoscaler>();
        // batch/v1
        $collector.add::<api::batch::v1::CronJob>();
        $collector.add::<api::batch::v1::Job>();
        // certificates.k8s.io/v1
        $collector.add::<api::certificates::v1::CertificateSigningRequest>();
        $collector.add::<api::certificates::v1::ClusterTrustBundle>();
        $collector.add::<api::certificates::v1::PodCertificateRequest>();
        // coordination.k8s.io/v1
        $collector.add::<api::coordination::v1::Lease>();
        // discovery.k8s.io/v1
        $collector.add::<api::discovery::v1::EndpointSlice>();
        // events.k8s.io/v1
        $collector.add::<api::events::v1::Event>();
        // flowcontrol.apiserver.k8s.io/v1
        $collector.add::<api::flowcontrol::v1::FlowSchema>();
        $collector.add::<api::flowcontrol::v1::PriorityLevelConfiguration>();
        // networking.k8s.io/v1
        $collector.add::<api::networking::v1::IPAddress>();
        $collector.add::<api::networking::v1::Ingress>();
        $collector.add::<api::networking::v1::IngressClass>();
        $collector.add::<api::networking::v1::NetworkPolicy>();
        $collector.add::<api::networking::v1::ServiceCIDR>();
        // node.k8s.io/v1
        $collector.add::<api::node::v1::RuntimeClass>();
        // policy/v1
        $collector.add::<api::policy::v1::PodDisruptionBudget>();
        // rbac.authorization.k8s.io/v1
        $collector.add::<api::rbac::v1::ClusterRole>();
        $collector.add::<api::rbac::v1::ClusterRoleBinding>();
        $collector.add::<api::rbac::v1::Role>();
        $collector.add::<api::rbac::v1::RoleBinding>();
        // resource.k8s.io/v1
        $collector.add::<api::resource::v1::DeviceClass>();
        $collector.add::<api::resource::v1::DeviceTaintRule>();
        $collector.add::<api::resource::v1::ResourceClaim>();
        $collector.add::<api::resource::v1::ResourceClaimTemplate>();
        $collector.add::<api::resource::v1::ResourceSlice>();
        // scheduling.k8s.io/v1
        $collector.add::<api::scheduling::v1::PriorityClass>();
        // storage.k8s.io/v1
        $collector.add::<api::storage::v1::CSIDriver>();
        $collector.add::<api::storage::v1::CSINode>();
        $collector.add::<api::storage::v1::CSIStorageCapacity>();
        $collector.add::<api::storage::v1::StorageClass>();
        $collector.add::<api::storage::v1::VolumeAttachment>();
        $collector.add::<api::storage::v1::VolumeAttributesClass>();
        // storagemigration.k8s.io/v1
        $collector.add::<api::storagemigration::v1::StorageVersionMigration>();
    }};
}

/// The bundle as a JSON value: `{"kubernetes", "source", "kinds": [...], "definitions": {...}}`.
pub fn bundle() -> Value {
    let settings = SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = DEFINITIONS_PATH.into();
        s.meta_schema = None;
    });
    let mut collector = Collector { generator: SchemaGenerator::new(settings), kinds: Vec::new() };
    for_each_kind!(collector);
    let Collector { mut generator, kinds } = collector;
    let mut definitions = generator.take_definitions(true);
    align_with_kubernetes(&kinds, &mut definitions);
    for definition in definitions.values_mut() {
        keep_first_paragraphs(definition);
    }
    let mut definitions: Vec<(String, Value)> = definitions.into_iter().collect();
    definitions.sort_by(|a, b| a.0.cmp(&b.0));
    json!({
        "kubernetes": KUBERNETES_VERSION,
        "source": "k8s-openapi 0.29 (feature v1_37), generated by tools/schema-bundle",
        "kinds": kinds,
        "definitions": definitions.into_iter().collect::<Map<String, Value>>(),
    })
}

/// The first paragraph of a Kubernetes field description: what an editor shows on hover. The rest (long
/// explanations, enum value lists, deprecation history) is 90% of the descriptions' size and would put the
/// bundle over 150 KB gzipped; `first_paragraph` is also what `tests/matches_kubernetes.rs` compares against.
fn keep_first_paragraphs(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                match value {
                    Value::String(text) if key == "description" => *text = first_paragraph(text).to_string(),
                    other => keep_first_paragraphs(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(keep_first_paragraphs),
        _ => {}
    }
}

/// The text up to the first blank line.
pub fn first_paragraph(text: &str) -> &str {
    text.split("\n\n").next().unwrap_or(text).trim_end()
}

/// Where k8s-openapi's schemas differ from the OpenAPI v3 document kube-apiserver v1.37 publishes
/// (`api/openapi-spec/v3` of k8s.io/kubernetes; `tests/matches_kubernetes.rs` compares the two), set them back
/// to what Kubernetes says. k8s-openapi models some optional fields as required Rust fields.
fn align_with_kubernetes(kinds: &[Value], definitions: &mut Map<String, Value>) {
    // Every kind's `metadata` is a non-optional Rust field, so k8s-openapi lists it as required; Kubernetes
    // requires it only for core/v1 Event.
    for kind in kinds {
        let Some(name) = kind.pointer("/schema/$ref").and_then(Value::as_str).and_then(|r| r.rsplit('/').next()) else {
            continue;
        };
        if name != "io.k8s.api.core.v1.Event" {
            edit_required(definitions, name, &["metadata"], &[]);
        }
    }
    // k8s-openapi makes the `name` of local object references required ("effectively required" upstream);
    // the published schema does not.
    for name in [
        "io.k8s.api.core.v1.ConfigMapEnvSource",
        "io.k8s.api.core.v1.ConfigMapKeySelector",
        "io.k8s.api.core.v1.ConfigMapProjection",
        "io.k8s.api.core.v1.ConfigMapVolumeSource",
        "io.k8s.api.core.v1.LocalObjectReference",
        "io.k8s.api.core.v1.SecretEnvSource",
        "io.k8s.api.core.v1.SecretKeySelector",
        "io.k8s.api.core.v1.SecretProjection",
    ] {
        edit_required(definitions, name, &["name"], &[]);
    }
    edit_required(definitions, "io.k8s.api.events.v1.Event", &[], &["eventTime"]);
    // apiextensions' JSON (a CRD's `default`, `example`, `enum` values) is any JSON value, not an object.
    if let Some(Value::Object(json)) =
        definitions.get_mut("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON")
    {
        json.remove("type");
    }
    // A Quantity is a string or a number (`cpu: 0.5` is valid); k8s-openapi calls it int-or-string.
    if let Some(Value::Object(quantity)) = definitions.get_mut("io.k8s.apimachinery.pkg.api.resource.Quantity") {
        quantity.remove("x-kubernetes-int-or-string");
        quantity.insert("oneOf".into(), json!([{"type": "string"}, {"type": "number"}]));
    }
}

/// Removes `remove` from and appends `add` to the `required` list of definition `name`, dropping the list when
/// it ends up empty.
fn edit_required(definitions: &mut Map<String, Value>, name: &str, remove: &[&str], add: &[&str]) {
    let Some(Value::Object(schema)) = definitions.get_mut(name) else {
        return;
    };
    let mut required: Vec<Value> = match schema.remove("required") {
        Some(Value::Array(list)) => list,
        _ => Vec::new(),
    };
    required.retain(|r| !remove.iter().any(|x| r == x));
    for field in add {
        if !required.iter().any(|r| r == field) {
            required.push(Value::from(*field));
        }
    }
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
}

/// The bundle's JSON text, as stored (compact).
pub fn bundle_json() -> String {
    bundle().to_string()
}

/// Gzips `data` with zopfli (a gzip stream any inflater reads, 5% smaller than zlib's best, at seconds of
/// build time), with no name and a zero timestamp, so the output depends only on the input (and the
/// compressor's version). The engine embeds it, so its size is what the npm package's `.wasm` carries.
pub fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    zopfli::compress(zopfli::Options::default(), zopfli::Format::Gzip, data, &mut out)?;
    Ok(out)
}

/// Un-gzips a stored bundle.
pub fn gunzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(data), &mut out)?;
    Ok(out)
}
