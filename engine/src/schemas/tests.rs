use serde_json::json;

use super::*;
use crate::kube::Scope;

fn kind(group: &str, version: &str, name: &str) -> KindSchema<'static> {
    builtin().kind(group, version, name).unwrap_or_else(|| panic!("{group}/{version} {name} is not in the bundle"))
}

#[test]
fn the_embedded_bundle_loads() {
    let bundle = builtin();
    assert_eq!(bundle.load_error(), None);
    assert_eq!(bundle.kubernetes_version(), "1.37");
    assert!(bundle.kinds().count() >= 70, "{} kinds", bundle.kinds().count());
    assert!(bundle.definition_count() > 400);
    // The same bundle every time: loaded once.
    assert!(std::ptr::eq(bundle, builtin()));
}

#[test]
fn the_required_groups_are_there() {
    for (group, version, name) in [
        ("", "v1", "Pod"),
        ("apps", "v1", "StatefulSet"),
        ("batch", "v1", "CronJob"),
        ("networking.k8s.io", "v1", "Ingress"),
        ("rbac.authorization.k8s.io", "v1", "RoleBinding"),
        ("autoscaling", "v2", "HorizontalPodAutoscaler"),
        ("policy", "v1", "PodDisruptionBudget"),
        ("storage.k8s.io", "v1", "StorageClass"),
        ("coordination.k8s.io", "v1", "Lease"),
        ("discovery.k8s.io", "v1", "EndpointSlice"),
        ("scheduling.k8s.io", "v1", "PriorityClass"),
        ("node.k8s.io", "v1", "RuntimeClass"),
        ("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration"),
        ("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
        ("certificates.k8s.io", "v1", "CertificateSigningRequest"),
    ] {
        let k = kind(group, version, name);
        assert_eq!((k.group(), k.version(), k.kind()), (group, version, name));
    }
    assert_eq!(kind("apps", "v1", "Deployment").api_version(), "apps/v1");
    assert_eq!(kind("", "v1", "Service").api_version(), "v1");
    assert_eq!(kind("apps", "v1", "Deployment").plural(), "deployments");
    assert_eq!(
        builtin().kind_for_api_version("networking.k8s.io/v1", "Ingress").map(KindSchema::plural),
        Some("ingresses")
    );
    assert_eq!(builtin().kind_for_api_version("v1", "ConfigMap").map(KindSchema::kind), Some("ConfigMap"));
}

#[test]
fn unknown_kinds_and_versions_are_none() {
    assert!(builtin().kind("apps", "v1", "Deploymnt").is_none());
    assert!(builtin().kind("apps", "v1beta1", "Deployment").is_none());
    assert!(builtin().kind("", "v1", "Deployment").is_none());
    assert!(builtin().kind("example.com", "v1", "Widget").is_none());
    assert!(builtin().kind_for_api_version("apps/v2", "Deployment").is_none());
}

#[test]
fn scopes() {
    assert_eq!(kind("", "v1", "ConfigMap").scope(), Scope::Namespaced);
    assert_eq!(kind("apps", "v1", "Deployment").scope(), Scope::Namespaced);
    assert_eq!(kind("", "v1", "Namespace").scope(), Scope::Cluster);
    assert_eq!(kind("rbac.authorization.k8s.io", "v1", "ClusterRole").scope(), Scope::Cluster);
    assert_eq!(kind("apiextensions.k8s.io", "v1", "CustomResourceDefinition").scope(), Scope::Cluster);
    assert_eq!(kind("authorization.k8s.io", "v1", "LocalSubjectAccessReview").scope(), Scope::Namespaced);
}

#[test]
fn kinds_served_by_several_groups_or_versions() {
    let mut events: Vec<String> = builtin().kinds_named("Event").map(KindSchema::api_version).collect();
    events.sort();
    assert_eq!(events, ["events.k8s.io/v1", "v1"]);
    let mut hpa: Vec<String> = builtin().kinds_named("HorizontalPodAutoscaler").map(KindSchema::api_version).collect();
    hpa.sort();
    assert_eq!(hpa, ["autoscaling/v1", "autoscaling/v2"]);
    assert_eq!(builtin().kinds_named("Nope").count(), 0);
}

#[test]
fn deployment_fields() {
    let deployment = kind("apps", "v1", "Deployment");
    let replicas = deployment.field("spec.replicas").unwrap();
    assert_eq!(replicas.kind(), SchemaKind::Integer);
    assert_eq!(replicas.type_name(), Some("integer"));
    assert_eq!(replicas.format(), Some("int32"));
    assert!(replicas.description().unwrap().starts_with("Number of desired pods."));
    assert!(replicas.accepts(JsonType::Integer));
    assert!(!replicas.accepts(JsonType::String));

    let match_labels = deployment.field("spec.selector.matchLabels").unwrap();
    assert_eq!(match_labels.kind(), SchemaKind::Map);
    assert_eq!(match_labels.map_values().unwrap().kind(), SchemaKind::String);
    assert_eq!(deployment.field("spec.selector.matchLabels.app").unwrap().kind(), SchemaKind::String);
    assert_eq!(
        deployment.field(r#"spec.selector.matchLabels["app.kubernetes.io/name"]"#).unwrap().kind(),
        SchemaKind::String
    );

    let port = deployment.field("spec.template.spec.containers[0].ports[0].containerPort").unwrap();
    assert_eq!((port.kind(), port.format()), (SchemaKind::Integer, Some("int32")));
    let image = deployment.field("spec.template.spec.containers[].image").unwrap();
    assert_eq!(image.kind(), SchemaKind::String);

    let containers = deployment.field("spec.template.spec.containers").unwrap();
    assert_eq!(containers.kind(), SchemaKind::Array);
    let container = containers.items().unwrap();
    assert_eq!(container.definition_name(), Some("io.k8s.api.core.v1.Container"));
    assert!(container.is_required("name"));
    assert!(container.properties().any(|(name, _)| name == "image"));

    let status = deployment.field("status.availableReplicas").unwrap();
    assert_eq!((status.kind(), status.format()), (SchemaKind::Integer, Some("int32")));
    let created = deployment.field("metadata.creationTimestamp").unwrap();
    assert_eq!((created.kind(), created.format()), (SchemaKind::String, Some("date-time")));
    let generation = deployment.field("metadata.generation").unwrap();
    assert_eq!(generation.format(), Some("int64"));
}

#[test]
fn use_site_descriptions_win_over_the_definitions() {
    let deployment = kind("apps", "v1", "Deployment");
    let spec = deployment.field("spec").unwrap();
    assert_eq!(spec.description(), Some("Specification of the desired behavior of the Deployment."));
    assert_eq!(spec.definition_name(), Some("io.k8s.api.apps.v1.DeploymentSpec"));
    let definition = builtin().definition("io.k8s.api.apps.v1.DeploymentSpec").unwrap();
    assert_eq!(
        definition.description(),
        Some("DeploymentSpec is the specification of the desired behavior of the Deployment.")
    );
    assert_eq!(
        deployment.schema().description(),
        Some("Deployment enables declarative updates for Pods and ReplicaSets.")
    );
}

#[test]
fn required_fields_are_those_kubernetes_publishes() {
    let deployment = kind("apps", "v1", "Deployment").schema();
    assert_eq!(deployment.required().collect::<Vec<_>>(), ["spec"]);
    let spec = deployment.property("spec").unwrap();
    let mut required: Vec<&str> = spec.required().collect();
    required.sort_unstable();
    assert_eq!(required, ["selector", "template"]);
    assert!(!kind("", "v1", "ConfigMap").schema().is_required("metadata"));
    let pull_secret = kind("", "v1", "Pod").field("spec.imagePullSecrets[0]").unwrap();
    assert_eq!(pull_secret.required().count(), 0);
}

#[test]
fn int_or_string_and_quantities() {
    let target_port = kind("", "v1", "Service").field("spec.ports[].targetPort").unwrap();
    assert_eq!(target_port.kind(), SchemaKind::IntOrString);
    assert!(target_port.is_int_or_string());
    assert!(target_port.accepts(JsonType::Integer) && target_port.accepts(JsonType::String));
    assert!(!target_port.accepts(JsonType::Boolean));
    assert!(target_port.description().unwrap().starts_with("Number or name of the port"));
    let max_surge = kind("apps", "v1", "Deployment").field("spec.strategy.rollingUpdate.maxSurge").unwrap();
    assert_eq!(max_surge.kind(), SchemaKind::IntOrString);

    // A Quantity is a string or a number, as Kubernetes publishes it: `cpu: 0.5` and `memory: 1Gi` both fit.
    let cpu = kind("", "v1", "Pod").field(r#"spec.containers[0].resources.limits["cpu"]"#).unwrap();
    assert_eq!(cpu.definition_name(), Some("io.k8s.apimachinery.pkg.api.resource.Quantity"));
    assert_eq!(cpu.kind(), SchemaKind::Union(Types::of(JsonType::String).with(JsonType::Number)));
    for t in [JsonType::String, JsonType::Number, JsonType::Integer] {
        assert!(cpu.accepts(t), "{t:?}");
    }
    assert!(!cpu.accepts(JsonType::Boolean));
}

#[test]
fn secret_and_config_map_data() {
    let secret = kind("", "v1", "Secret");
    let data = secret.field("data").unwrap();
    assert_eq!(data.kind(), SchemaKind::Map);
    let value = data.map_values().unwrap();
    assert_eq!((value.kind(), value.format()), (SchemaKind::String, Some("byte")));
    let tls = secret.field(r#"data["tls.crt"]"#).unwrap();
    assert_eq!(tls.format(), Some("byte"));
    assert_eq!(secret.field("stringData.password").unwrap().format(), None);
    let binary = kind("", "v1", "ConfigMap").field("binaryData.blob").unwrap();
    assert_eq!(binary.format(), Some("byte"));
    assert_eq!(kind("", "v1", "ConfigMap").field("data.key").unwrap().kind(), SchemaKind::String);
}

#[test]
fn any_values_are_walked_without_a_schema() {
    let crd = kind("apiextensions.k8s.io", "v1", "CustomResourceDefinition");
    let default = crd.field("spec.versions[0].schema.openAPIV3Schema.default").unwrap();
    assert_eq!(default.kind(), SchemaKind::Any);
    assert!(default.accepts(JsonType::Boolean) && default.accepts(JsonType::Object));
    let deep = crd.field("spec.versions[0].schema.openAPIV3Schema.default.a.b[3].c").unwrap();
    assert_eq!(deep.kind(), SchemaKind::Any);
    // JSONSchemaProps is recursive, and has a property literally named `$ref`.
    let nested = crd.field("spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.x.type").unwrap();
    assert_eq!(nested.kind(), SchemaKind::String);
    assert_eq!(crd.field(r#"spec.versions[0].schema.openAPIV3Schema["$ref"]"#).unwrap().kind(), SchemaKind::String);
}

#[test]
fn bad_paths_say_where() {
    let deployment = kind("apps", "v1", "Deployment");
    let err = deployment.field("spec.replicaz").unwrap_err();
    assert_eq!(err.kind, FieldPathErrorKind::UnknownField);
    assert_eq!(err.to_string(), "schema not found for field spec.replicaz");
    let err = deployment.field("spec.template.spec.containers[0].imag").unwrap_err();
    assert_eq!(err.at, "spec.template.spec.containers[0].imag");
    let err = deployment.field("spec.replicas.x").unwrap_err();
    assert_eq!(err.kind, FieldPathErrorKind::NotAnObject);
    let err = deployment.field("spec.selector[0]").unwrap_err();
    assert_eq!((err.kind, err.at.as_str()), (FieldPathErrorKind::NotAList, "spec.selector[0]"));
    let err = deployment.field("spec..x").unwrap_err();
    assert!(matches!(err.kind, FieldPathErrorKind::Syntax(_)));
    assert_eq!(deployment.field("").unwrap().definition_name(), Some("io.k8s.api.apps.v1.Deployment"));
}

#[test]
fn segments_from_a_parsed_path() {
    let segments = parse_field_path("spec.template.spec.containers[0].image").unwrap();
    let schema = kind("apps", "v1", "Deployment").schema().at_segments(&segments).unwrap();
    assert_eq!(schema.kind(), SchemaKind::String);
}

#[test]
fn standalone_schemas_such_as_a_crd_version() {
    let schema = json!({
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "required": ["size"],
                "properties": {
                    "size": {"type": "integer", "format": "int64", "description": "How many."},
                    "port": {"x-kubernetes-int-or-string": true},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                    "limits": {"type": "object", "additionalProperties": {"type": "number"}},
                },
            },
            "broken": {"$ref": "#/definitions/Missing", "description": "dangling"},
        },
    });
    let root = Schema::standalone(&schema);
    assert_eq!(root.at("spec.size").unwrap().description(), Some("How many."));
    assert!(root.at("spec").unwrap().is_required("size"));
    assert_eq!(root.at("spec.port").unwrap().kind(), SchemaKind::IntOrString);
    assert_eq!(root.at("spec.tags[1]").unwrap().kind(), SchemaKind::String);
    let extra = root.at("spec.extra").unwrap();
    assert_eq!(extra.kind(), SchemaKind::Object);
    assert!(extra.preserves_unknown_fields());
    assert_eq!(root.at("spec.extra.anything.below[2]").unwrap().kind(), SchemaKind::Any);
    assert_eq!(root.at("spec.limits.cpu").unwrap().kind(), SchemaKind::Number);
    assert!(root.at("spec.limits.cpu").unwrap().accepts(JsonType::Integer));
    let broken = root.at("broken").unwrap();
    assert_eq!((broken.kind(), broken.description()), (SchemaKind::Any, Some("dangling")));
    assert_eq!(root.at("spec.nope").unwrap_err().kind, FieldPathErrorKind::UnknownField);
}

#[test]
fn a_corrupted_copy_of_the_embedded_bundle_is_an_error_not_a_panic() {
    // The last eight bytes are the CRC-32 and the length of the JSON.
    let crc = BUILTIN_GZ.len() - 8;
    let mut bad_checksum = BUILTIN_GZ.to_vec();
    bad_checksum[crc] ^= 0xff;
    assert!(matches!(Bundle::from_gzip(&bad_checksum), Err(BundleError::Gzip(_))));
    let mut bad_body = BUILTIN_GZ.to_vec();
    bad_body[BUILTIN_GZ.len() / 2] ^= 0x55;
    assert!(matches!(Bundle::from_gzip(&bad_body), Err(BundleError::Gzip(_))));
    assert!(matches!(Bundle::from_gzip(&BUILTIN_GZ[..crc]), Err(BundleError::Gzip(_))));
}

#[test]
fn bundles_that_do_not_load_say_why() {
    assert!(matches!(Bundle::from_gzip(b"not gzip at all, clearly"), Err(BundleError::Gzip(_))));
    assert!(matches!(Bundle::from_json(b"{"), Err(BundleError::Json(_))));
    assert!(matches!(Bundle::from_json(b"[]"), Err(BundleError::Shape(_))));
    assert!(matches!(Bundle::from_json(br#"{"kinds": [{"group": ""}]}"#), Err(BundleError::Shape(_))));
    let bad_scope = br#"{"kinds": [{"group": "", "version": "v1", "kind": "X", "plural": "xs", "scope": "Galaxy"}]}"#;
    assert!(matches!(Bundle::from_json(bad_scope), Err(BundleError::Shape(_))));
    let tiny = br##"{"kubernetes": "0.1", "kinds": [{"group": "", "version": "v1", "kind": "X", "plural": "xs",
        "scope": "Cluster", "schema": {"$ref": "#/definitions/X"}}], "definitions": {"X": {"type": "object",
        "properties": {"a": {"type": "boolean"}}}}}"##;
    let bundle = Bundle::from_json(tiny).unwrap();
    assert_eq!(bundle.kind("", "v1", "X").unwrap().field("a").unwrap().kind(), SchemaKind::Boolean);
    assert_eq!(bundle.kind("", "v1", "X").unwrap().scope(), Scope::Cluster);
}

#[test]
fn every_ref_in_the_bundle_resolves() {
    fn walk(schema: Schema<'_>, depth: usize, seen: &mut std::collections::HashSet<String>) {
        if let Some(name) = schema.definition_name()
            && !seen.insert(name.to_string())
        {
            return;
        }
        assert!(!schema.raw().is_some_and(|raw| raw.contains_key("$ref")), "unresolved $ref {:?}", schema.raw());
        assert!(depth < 64);
        for (_, property) in schema.properties() {
            walk(property, depth + 1, seen);
        }
        for next in [schema.items(), schema.map_values()].into_iter().flatten() {
            if next.raw().is_some() {
                walk(next, depth + 1, seen);
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    for k in builtin().kinds() {
        assert_ne!(k.schema().kind(), SchemaKind::Any, "{}", k.kind());
        walk(k.schema(), 0, &mut seen);
    }
    assert_eq!(seen.len(), builtin().definition_count(), "every definition is reachable from a kind");
}
