//! The CustomResourceDefinition generated for an RGD's API (kro's pkg/graph/crd).

use serde_json::{Map, Value, json};

use super::model::InstanceApi;
use crate::kube::{Scope, plural_of};
use crate::rgd::SchemaDef;

pub(crate) fn instance_api(schema: &SchemaDef<'_>) -> InstanceApi {
    InstanceApi {
        group: schema.group.clone(),
        version: schema.api_version.clone(),
        kind: schema.kind.clone(),
        plural: plural_of(&schema.kind),
        singular: schema.kind.to_lowercase(),
        scope: schema.scope,
    }
}

/// Printer columns when the RGD declares none: kro's STATE and READY, plus the SYNCED column the seed
/// walk-through shows (docs/decisions/0004-printer-columns.md); READY only with `-o wide`. The descriptions
/// of kro's columns are kro's (`pkg/graph/crd/defaults.go`, `defaultAdditionalPrinterColumns`).
fn default_columns() -> Value {
    json!([
        {"name": "State", "type": "string", "description": "The state of a ResourceGraphDefinition instance", "jsonPath": ".status.state"},
        {"name": "Synced", "type": "string", "description": "Whether the resources of a ResourceGraphDefinition instance are in sync", "jsonPath": ".status.conditions[?(@.type==\"InstanceSynced\")].status"},
        {"name": "Ready", "type": "string", "description": "Whether a ResourceGraphDefinition instance is ready", "priority": 1, "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
        {"name": "Age", "type": "date", "description": "Age of the resource", "jsonPath": ".metadata.creationTimestamp"}
    ])
}

pub(crate) fn build_crd(
    rgd_name: &str,
    api: &InstanceApi,
    schema: &SchemaDef<'_>,
    spec: Value,
    status: Value,
) -> Value {
    let mut labels = schema.labels.clone();
    labels.insert("kro.run/owned".into(), json!("true"));
    labels.insert("kro.run/resource-graph-definition-name".into(), json!(rgd_name));
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(format!("{}.{}", api.plural, api.group)));
    metadata.insert("labels".into(), Value::Object(labels));
    if !schema.annotations.is_empty() {
        metadata.insert("annotations".into(), Value::Object(schema.annotations.clone()));
    }

    let mut names = Map::new();
    names.insert("kind".into(), json!(api.kind));
    names.insert("listKind".into(), json!(format!("{}List", api.kind)));
    names.insert("plural".into(), json!(api.plural));
    names.insert("singular".into(), json!(api.singular));
    if !schema.short_names.is_empty() {
        names.insert("shortNames".into(), json!(schema.short_names));
    }
    if !schema.categories.is_empty() {
        names.insert("categories".into(), json!(schema.categories));
    }

    let mut root = Map::new();
    root.insert("type".into(), json!("object"));
    let mut properties = Map::new();
    properties.insert("apiVersion".into(), json!({"type": "string"}));
    properties.insert("kind".into(), json!({"type": "string"}));
    properties.insert("metadata".into(), json!({"type": "object"}));
    let spec_required = spec.get("required").is_some();
    properties.insert("spec".into(), spec);
    properties.insert("status".into(), status);
    root.insert("properties".into(), Value::Object(properties));
    if spec_required {
        // A spec with required fields must itself be present, or an instance without spec would slip through.
        root.insert("required".into(), json!(["spec"]));
    }

    let columns = match &schema.printer_columns {
        Some(columns) if !columns.is_empty() => Value::Array(columns.clone()),
        _ => default_columns(),
    };
    let mut version = Map::new();
    version.insert("name".into(), json!(api.version));
    version.insert("served".into(), json!(true));
    version.insert("storage".into(), json!(true));
    version.insert("schema".into(), json!({"openAPIV3Schema": canonical(Value::Object(root))}));
    version.insert("subresources".into(), json!({"status": {}}));
    version.insert("additionalPrinterColumns".into(), columns);

    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": metadata,
        "spec": {
            "group": api.group,
            "names": names,
            "scope": match api.scope { Scope::Namespaced => "Namespaced", Scope::Cluster => "Cluster" },
            "versions": [version]
        }
    })
}

/// Schema keywords in one fixed, readable order (type first, then what constrains it, then children), so the
/// generated CRD is stable and diffs well. Property order stays as the user declared it.
const KEY_ORDER: &[&str] = &[
    "type",
    "format",
    "description",
    "default",
    "enum",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "items",
    "properties",
    "additionalProperties",
    "required",
];

pub(crate) fn canonical(schema: Value) -> Value {
    let Value::Object(map) = schema else {
        return schema;
    };
    let mut entries: Vec<(String, Value)> = map.into_iter().collect();
    entries.sort_by_key(|(k, _)| KEY_ORDER.iter().position(|o| o == k).unwrap_or(KEY_ORDER.len()));
    let mut out = Map::new();
    for (key, value) in entries {
        let value = match key.as_str() {
            "items" => canonical(value),
            "additionalProperties" if value.is_object() => canonical(value),
            "properties" => match value {
                Value::Object(props) => Value::Object(props.into_iter().map(|(k, v)| (k, canonical(v))).collect()),
                other => other,
            },
            _ => value,
        };
        out.insert(key, value);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_agree_with_kro_on_common_kinds() {
        for (kind, plural) in [
            ("Application", "applications"),
            ("WebApp", "webapps"),
            ("Policy", "policies"),
            ("Ingress", "ingresses"),
            ("Database", "databases"),
            ("Status", "statuses"),
            ("Tenant", "tenants"),
            ("Worker", "workers"),
            ("Proxy", "proxies"),
            ("Bus", "buses"),
            ("Cache", "caches"),
            ("Class", "classes"),
            ("Box", "boxes"),
            ("Person", "people"),
            ("Child", "children"),
        ] {
            assert_eq!(plural_of(kind), plural, "{kind}");
        }
    }
}
