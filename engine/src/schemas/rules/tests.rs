use std::collections::BTreeMap;

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::*;

/// The rules of `object`'s kind, as the engine picks them for a built-in kind.
fn check(object: &Value, mode: Mode) -> Vec<Refusal> {
    let api_version = object["apiVersion"].as_str().unwrap();
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let kind = object["kind"].as_str().unwrap();
    let rules = KindRules::builtin(group, version, kind).unwrap_or_else(|| panic!("{api_version} {kind}"));
    refusals(object, rules, mode)
}

#[test]
fn the_table_loads_and_every_code_it_names_exists() {
    let table = table::load(table::TEXT).unwrap();
    assert_eq!(table.kubernetes, "1.37");
    assert!(table.rules.len() > 40, "{} rules", table.rules.len());
    assert_eq!(TABLE.rules.len(), table.rules.len(), "the embedded table is the one loaded");
}

#[test]
fn every_example_the_api_server_refuses_is_refused_by_its_rule_and_every_other_is_not() {
    let examples = examples().unwrap();
    assert!(examples.len() > 120, "{} examples", examples.len());
    for example in examples {
        let found = check(&example.object, Mode::Rendered);
        if example.refused {
            assert!(
                found.iter().any(|r| r.rule == example.rule),
                "rule {} does not refuse {}: {found:?}",
                example.rule,
                example.object
            );
        } else {
            assert_eq!(found, Vec::new(), "rule {}: the API server accepts {}", example.rule, example.object);
        }
    }
}

#[test]
fn every_built_in_kind_has_exactly_one_name_rule() {
    let mut named: BTreeMap<String, usize> = BTreeMap::new();
    for kind in named_kinds() {
        *named.entry(kind).or_default() += 1;
    }
    let kinds: std::collections::BTreeSet<String> = builtin()
        .kinds()
        .map(|k| if k.group().is_empty() { k.kind().to_string() } else { format!("{}/{}", k.group(), k.kind()) })
        .collect();
    for key in kinds {
        assert_eq!(named.remove(&key), Some(1), "{key} must be named once in names:");
    }
    assert_eq!(named, BTreeMap::new(), "names: lists kinds the bundle does not have");
}

#[test]
fn every_kind_and_definition_the_rules_name_is_in_the_bundle() {
    for row in &TABLE.rules {
        for kind in row.kinds.iter().filter(|k| *k != "*") {
            let (group, kind) = kind.rsplit_once('/').unwrap_or(("", kind));
            assert!(builtin().kinds_named(kind).any(|k| k.group() == group), "rule {}: no kind {group}/{kind}", row.id);
        }
        for definition in &row.types {
            assert!(builtin().definition(definition).is_some(), "rule {}: no definition {definition}", row.id);
        }
        assert!(row.kinds.is_empty() != row.types.is_empty(), "rule {} applies to kinds or to types", row.id);
    }
}

#[test]
fn a_service_named_with_an_underscore_a_negative_replica_count_and_a_long_config_map_name_are_refused() {
    let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "my-awesome-app_Service"},
        "spec": {"ports": [{"port": 80}]}});
    let found = check(&service, Mode::Rendered);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].code, found[0].path.to_string()), (Code::InvalidName, "metadata.name".to_string()));
    assert!(found[0].detail.starts_with("Invalid value: \"my-awesome-app_Service\": must consist of lower case"));
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": -3, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}});
    let found = check(&deployment, Mode::Rendered);
    assert_eq!(
        found.iter().map(Refusal::message).collect::<Vec<_>>(),
        ["spec.replicas: Invalid value: -3: must be greater than or equal to 0"]
    );
    let config = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c".repeat(295)}});
    let found = check(&config, Mode::Rendered);
    assert_eq!(found[0].code, Code::InvalidName);
    assert!(found[0].detail.ends_with("must be no more than 253 characters (it has 295)"), "{}", found[0].detail);
}

#[test]
fn a_computed_value_of_a_template_is_never_refused_but_the_literals_around_it_are() {
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "${schema.spec.name}_x", "labels": {"${x}": "${y}", "bad key": "v"}},
        "spec": {"replicas": "${schema.spec.replicas}", "selector": {"matchLabels": {"app": "${schema.spec.name}"}},
            "template": {"metadata": {"labels": {"app": "${schema.spec.name}"}},
                "spec": {"containers": "${schema.spec.containers}", "volumes": [{"name": "v", "emptyDir": {}}]}}}});
    let found: Vec<String> = check(&deployment, Mode::Template).iter().map(Refusal::message).collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("metadata.labels[\"${x}\"]") || found[0].contains("bad key"), "{found:?}");
    // Rendered, the same strings are values like any other.
    let rendered: Vec<Refusal> = check(&deployment, Mode::Rendered);
    assert!(rendered.iter().any(|r| r.path.to_string() == "metadata.name"), "{rendered:?}");
}

#[test]
fn a_selector_that_cannot_match_is_found_even_with_computed_values() {
    let deployment = |selector: Value, labels: Value| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"selector": selector, "template": {"metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}})
    };
    let rules = |d: &Value| check(d, Mode::Template).into_iter().map(|r| r.rule).collect::<Vec<_>>();
    // The template lacks the selected label: no value of the expression can make it match.
    assert_eq!(
        rules(&deployment(json!({"matchLabels": {"app": "${schema.spec.name}"}}), json!({"tier": "web"}))),
        ["selector"]
    );
    // Two literals that differ.
    assert_eq!(
        rules(&deployment(json!({"matchLabels": {"app": "web", "v": "${x}"}}), json!({"app": "api", "v": "${x}"}))),
        ["selector"]
    );
    // The same expression on both sides: unknown, so not refused.
    assert_eq!(
        rules(&deployment(json!({"matchLabels": {"app": "${x}"}}), json!({"app": "${x}"}))),
        Vec::<String>::new()
    );
}
