#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test harness: a failure should stop it loudly
//! A `CustomResourceDefinition` template is checked against `JSONSchemaProps` as the API server reads it: its
//! `items` is a schema or a list of schemas, its `additionalProperties` a schema or a bool, and both recurse.
//! Every CRD kro-rs generates (each fixture's `expected/crd.yaml`) and the JSON Schema of an RGD document, as
//! large, deeply nested real schemas, must pass when embedded as a template; a misspelt key must not.

use std::fs;
use std::path::Path;

use kro_engine::{Engine, EngineOptions};
use serde_json::{Value, json};

fn rgd_with_template(template: &Value) -> String {
    let rgd = json!({
        "apiVersion": "kro.run/v1alpha1",
        "kind": "ResourceGraphDefinition",
        "metadata": {"name": "installs-a-crd"},
        "spec": {
            "schema": {"apiVersion": "v1alpha1", "kind": "Installer"},
            "resources": [{"id": "crd", "template": template}],
        },
    });
    // JSON is YAML: the engine reads it as any other input.
    serde_json::to_string_pretty(&rgd).unwrap()
}

fn errors_of(engine: &Engine, template: &Value) -> Vec<String> {
    engine
        .compile_text(&rgd_with_template(template))
        .iter()
        .flat_map(|d| &d.diagnostics)
        .filter(|d| d.is_error())
        .map(|d| format!("{} {}: {}", d.code, d.path, d.message))
        .collect()
}

#[test]
fn every_generated_crd_passes_when_embedded_as_a_template() {
    let engine = Engine::new(EngineOptions::default()).unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut cases: Vec<_> = fs::read_dir(&fixtures).unwrap().filter_map(Result::ok).map(|e| e.path()).collect();
    cases.sort();
    for case in cases {
        let Ok(text) = fs::read_to_string(case.join("expected/crd.yaml")) else { continue };
        for mut crd in engine.load_objects(&text).unwrap() {
            checked += 1;
            // kro's own labels on a generated CRD are reserved in a template; the schema is what is tested.
            crd["metadata"] = json!({"name": crd["metadata"]["name"]});
            let errors = errors_of(&engine, &crd);
            if !errors.is_empty() {
                failures.push(format!("{}: {}", case.display(), errors.join("\n  ")));
            }
        }
    }
    assert!(checked > 50, "expected the fixtures' CRDs, found {checked}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Rewrites the few draft-07 keywords `JSONSchemaProps` lacks (`$id`, `const`) and drops descriptions that
/// quote `${...}` (an expression outside a CRD's metadata is an error of its own).
fn as_jsonschemaprops(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            map.remove("$id");
            if let Some(value) = map.remove("const") {
                map.insert("enum".to_string(), json!([value]));
            }
            if map.get("description").and_then(Value::as_str).is_some_and(|d| d.contains("${")) {
                map.remove("description");
            }
            map.values_mut().for_each(as_jsonschemaprops);
        }
        Value::Array(items) => items.iter_mut().for_each(as_jsonschemaprops),
        _ => {}
    }
}

/// The RGD document's own JSON Schema, as the `openAPIV3Schema` of a CRD: draft-07 keywords that
/// `JSONSchemaProps` also has (`definitions`, `additionalProperties: false`, `anyOf`, nested `items`).
fn rgd_schema_crd() -> Value {
    let mut schema = Engine::rgd_json_schema();
    as_jsonschemaprops(&mut schema);
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "resourcegraphdefinitions.kro.run"},
        "spec": {
            "group": "kro.run",
            "names": {"kind": "ResourceGraphDefinition", "plural": "resourcegraphdefinitions", "singular": "resourcegraphdefinition", "shortNames": ["rgd"]},
            "scope": "Cluster",
            "versions": [{"name": "v1alpha1", "served": true, "storage": true, "schema": {"openAPIV3Schema": schema}}],
        },
    })
}

#[test]
fn the_rgd_document_schema_passes_when_embedded_as_a_crd() {
    let engine = Engine::new(EngineOptions::default()).unwrap();
    let errors = errors_of(&engine, &rgd_schema_crd());
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn a_misspelt_key_deep_in_an_embedded_crd_is_a_located_error() {
    let engine = Engine::new(EngineOptions::default()).unwrap();
    let mut crd = rgd_schema_crd();
    let spec = crd.pointer_mut("/spec/versions/0/schema/openAPIV3Schema/properties/spec").unwrap();
    spec["properties"]["resources"]["items"]["propertes"] = json!({});
    let errors = errors_of(&engine, &crd);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(
            "unknown-template-field spec.resources[0].template.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.resources.items.propertes"
        ),
        "{errors:?}"
    );
}
