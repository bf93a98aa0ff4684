use serde_json::json;

use super::bundle::BundleError;
use super::view::Types;
use super::*;
use crate::kube::Scope;

fn kind(group: &str, version: &str, name: &str) -> KindSchema<'static> {
    builtin().kind(group, version, name).unwrap_or_else(|| panic!("{group}/{version} {name} is not in the bundle"))
}

/// Follows `path` from `schema`: field names between dots, `["key"]` for a key with dots in it, and `[0]` or
/// `[]` for an element of a list.
fn at<'a>(schema: Schema<'a>, path: &str) -> Option<Schema<'a>> {
    let mut here = schema;
    let mut rest = path;
    while !rest.is_empty() {
        rest = rest.strip_prefix('.').unwrap_or(rest);
        if let Some(bracketed) = rest.strip_prefix('[') {
            let (inside, after) = bracketed.split_once(']')?;
            here = match inside.strip_prefix('"').and_then(|k| k.strip_suffix('"')) {
                Some(key) => here.field(key)?,
                None => here.items()?,
            };
            rest = after;
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            here = here.field(&rest[..end])?;
            rest = &rest[end..];
        }
    }
    Some(here)
}

/// The schema at `path` in objects of `kind`, which must be there.
fn field<'a>(kind: KindSchema<'a>, path: &str) -> Schema<'a> {
    at(kind.schema(), path).unwrap_or_else(|| panic!("no schema at {path}"))
}

#[test]
fn the_embedded_bundle_loads() {
    let loaded = Bundle::from_gzip(BUILTIN_GZ).unwrap();
    assert!(loaded.kinds().count() >= 70, "{} kinds", loaded.kinds().count());
    assert!(loaded.definitions().len() > 400);
    let bundle = builtin();
    assert_eq!(bundle.kinds().count(), loaded.kinds().count());
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
    assert_eq!(kind("apps", "v1", "Deployment").plural(), "deployments");
    assert_eq!(kind("networking.k8s.io", "v1", "Ingress").plural(), "ingresses");
}

#[test]
fn unknown_kinds_and_versions_are_none() {
    assert!(builtin().kind("apps", "v1", "Deploymnt").is_none());
    assert!(builtin().kind("apps", "v1beta1", "Deployment").is_none());
    assert!(builtin().kind("", "v1", "Deployment").is_none());
    assert!(builtin().kind("example.com", "v1", "Widget").is_none());
    assert!(builtin().kind("apps", "v2", "Deployment").is_none());
}

#[test]
fn kinds_are_namespaced_or_cluster_scoped_as_kubernetes_serves_them() {
    assert_eq!(kind("", "v1", "ConfigMap").scope(), Scope::Namespaced);
    assert_eq!(kind("apps", "v1", "Deployment").scope(), Scope::Namespaced);
    assert_eq!(kind("", "v1", "Namespace").scope(), Scope::Cluster);
    assert_eq!(kind("rbac.authorization.k8s.io", "v1", "ClusterRole").scope(), Scope::Cluster);
    assert_eq!(kind("apiextensions.k8s.io", "v1", "CustomResourceDefinition").scope(), Scope::Cluster);
    assert_eq!(kind("authorization.k8s.io", "v1", "LocalSubjectAccessReview").scope(), Scope::Namespaced);
}

#[test]
fn a_kind_served_by_several_groups_or_versions_is_found_in_each() {
    let group_version = |k: KindSchema<'static>| (k.group(), k.version());
    let mut events: Vec<(&str, &str)> = builtin().kinds_named("Event").map(group_version).collect();
    events.sort_unstable();
    assert_eq!(events, [("", "v1"), ("events.k8s.io", "v1")]);
    let mut hpa: Vec<(&str, &str)> = builtin().kinds_named("HorizontalPodAutoscaler").map(group_version).collect();
    hpa.sort_unstable();
    assert_eq!(hpa, [("autoscaling", "v1"), ("autoscaling", "v2")]);
    assert_eq!(builtin().kinds_named("Nope").count(), 0);
}

#[test]
fn a_deployments_fields_have_kubernetes_types_formats_and_descriptions() {
    let deployment = kind("apps", "v1", "Deployment");
    let replicas = field(deployment, "spec.replicas");
    assert_eq!(replicas.kind(), SchemaKind::Integer);
    assert_eq!(replicas.format(), Some("int32"));
    assert!(replicas.description().unwrap().starts_with("Number of desired pods."));
    assert!(replicas.accepts(JsonType::Integer));
    assert!(!replicas.accepts(JsonType::String));

    let match_labels = field(deployment, "spec.selector.matchLabels");
    assert_eq!(match_labels.kind(), SchemaKind::Map);
    assert_eq!(match_labels.map_values().unwrap().kind(), SchemaKind::String);
    assert_eq!(field(deployment, "spec.selector.matchLabels.app").kind(), SchemaKind::String);
    assert_eq!(field(deployment, r#"spec.selector.matchLabels["app.kubernetes.io/name"]"#).kind(), SchemaKind::String);

    let port = field(deployment, "spec.template.spec.containers[0].ports[0].containerPort");
    assert_eq!((port.kind(), port.format()), (SchemaKind::Integer, Some("int32")));
    let image = field(deployment, "spec.template.spec.containers[].image");
    assert_eq!(image.kind(), SchemaKind::String);

    let containers = field(deployment, "spec.template.spec.containers");
    assert_eq!(containers.kind(), SchemaKind::Array);
    let container = containers.items().unwrap();
    assert_eq!(container.definition_name(), Some("io.k8s.api.core.v1.Container"));
    assert!(container.is_required("name"));
    assert!(container.properties().any(|(name, _)| name == "image"));

    let status = field(deployment, "status.availableReplicas");
    assert_eq!((status.kind(), status.format()), (SchemaKind::Integer, Some("int32")));
    let created = field(deployment, "metadata.creationTimestamp");
    assert_eq!((created.kind(), created.format()), (SchemaKind::String, Some("date-time")));
    let generation = field(deployment, "metadata.generation");
    assert_eq!(generation.format(), Some("int64"));
}

#[test]
fn use_site_descriptions_win_over_the_definitions() {
    let deployment = kind("apps", "v1", "Deployment");
    let spec = field(deployment, "spec");
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
    let pull_secret = field(kind("", "v1", "Pod"), "spec.imagePullSecrets[0]");
    assert_eq!(pull_secret.required().count(), 0);
}

#[test]
fn int_or_string_and_quantity_fields_accept_numbers_and_strings() {
    let target_port = field(kind("", "v1", "Service"), "spec.ports[].targetPort");
    assert_eq!(target_port.kind(), SchemaKind::IntOrString);
    assert!(target_port.is_int_or_string());
    assert!(target_port.accepts(JsonType::Integer) && target_port.accepts(JsonType::String));
    assert!(!target_port.accepts(JsonType::Boolean));
    assert!(target_port.description().unwrap().starts_with("Number or name of the port"));
    let max_surge = field(kind("apps", "v1", "Deployment"), "spec.strategy.rollingUpdate.maxSurge");
    assert_eq!(max_surge.kind(), SchemaKind::IntOrString);

    // A Quantity is a string or a number, as Kubernetes publishes it: `cpu: 0.5` and `memory: 1Gi` both fit.
    let cpu = field(kind("", "v1", "Pod"), r#"spec.containers[0].resources.limits["cpu"]"#);
    assert_eq!(cpu.definition_name(), Some("io.k8s.apimachinery.pkg.api.resource.Quantity"));
    assert_eq!(cpu.kind(), SchemaKind::Union(Types::of(JsonType::String).with(JsonType::Number)));
    for t in [JsonType::String, JsonType::Number, JsonType::Integer] {
        assert!(cpu.accepts(t), "{t:?}");
    }
    assert!(!cpu.accepts(JsonType::Boolean));
}

#[test]
fn secret_and_config_map_data_are_maps_of_strings() {
    let secret = kind("", "v1", "Secret");
    let data = field(secret, "data");
    assert_eq!(data.kind(), SchemaKind::Map);
    let value = data.map_values().unwrap();
    assert_eq!((value.kind(), value.format()), (SchemaKind::String, Some("byte")));
    let tls = field(secret, r#"data["tls.crt"]"#);
    assert_eq!(tls.format(), Some("byte"));
    assert_eq!(field(secret, "stringData.password").format(), None);
    let binary = field(kind("", "v1", "ConfigMap"), "binaryData.blob");
    assert_eq!(binary.format(), Some("byte"));
    assert_eq!(field(kind("", "v1", "ConfigMap"), "data.key").kind(), SchemaKind::String);
}

#[test]
fn any_values_are_walked_without_a_schema() {
    let crd = kind("apiextensions.k8s.io", "v1", "CustomResourceDefinition");
    let default = field(crd, "spec.versions[0].schema.openAPIV3Schema.default");
    assert_eq!(default.kind(), SchemaKind::Any);
    assert!(default.accepts(JsonType::Boolean) && default.accepts(JsonType::Object));
    let deep = field(crd, "spec.versions[0].schema.openAPIV3Schema.default.a.b[3].c");
    assert_eq!(deep.kind(), SchemaKind::Any);
    // JSONSchemaProps is recursive, and has a property literally named `$ref`.
    let nested = field(crd, "spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.x.type");
    assert_eq!(nested.kind(), SchemaKind::String);
    assert_eq!(field(crd, r#"spec.versions[0].schema.openAPIV3Schema["$ref"]"#).kind(), SchemaKind::String);
}

#[test]
fn paths_that_lead_nowhere_find_no_schema() {
    let deployment = kind("apps", "v1", "Deployment").schema();
    for path in ["spec.replicaz", "spec.template.spec.containers[0].imag", "spec.replicas.x", "spec.selector[0]"] {
        assert!(at(deployment, path).is_none(), "{path}");
    }
    assert_eq!(at(deployment, "").unwrap().definition_name(), Some("io.k8s.api.apps.v1.Deployment"));
}

#[test]
fn standalone_schemas_such_as_a_crd_version_are_walked_like_kinds() {
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
    let root = Schema::new(&schema, None);
    assert_eq!(at(root, "spec.size").unwrap().description(), Some("How many."));
    assert!(at(root, "spec").unwrap().is_required("size"));
    assert_eq!(at(root, "spec.port").unwrap().kind(), SchemaKind::IntOrString);
    assert_eq!(at(root, "spec.tags[1]").unwrap().kind(), SchemaKind::String);
    let extra = at(root, "spec.extra").unwrap();
    assert_eq!(extra.kind(), SchemaKind::Object);
    assert!(extra.preserves_unknown_fields());
    assert_eq!(at(root, "spec.extra.anything.below[2]").unwrap().kind(), SchemaKind::Any);
    assert_eq!(at(root, "spec.limits.cpu").unwrap().kind(), SchemaKind::Number);
    assert!(at(root, "spec.limits.cpu").unwrap().accepts(JsonType::Integer));
    let broken = at(root, "broken").unwrap();
    assert_eq!((broken.kind(), broken.description()), (SchemaKind::Any, Some("dangling")));
    assert!(at(root, "spec.nope").is_none());
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
    assert_eq!(field(bundle.kind("", "v1", "X").unwrap(), "a").kind(), SchemaKind::Boolean);
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
    assert_eq!(seen.len(), builtin().definitions().len(), "every definition is reachable from a kind");
}
