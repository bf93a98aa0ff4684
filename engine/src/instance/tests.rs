//! Instances checked against CRDs generated from real RGDs; the expected messages are the API server's (see
//! `tests/e2e/tests/crd_fidelity.rs`, which checks them against a real one).

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::*;
use crate::compile::compile;
use crate::yaml::{Limits, load_documents};
use crate::{Catalog, InputLimits};

const MARKERS: &str = r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: markers
spec:
  schema:
    apiVersion: v1alpha1
    kind: App
    types:
      Rule:
        host: string | required=true
        port: integer | required=true
        path: string
    spec:
      name: string | required=true minLength=3 maxLength=10 immutable=true
      replicas: integer | default=1 minimum=1 maximum=10
      ratio: float | maximum=0.75
      tier: string | enum="dev,prod" default=dev
      size: integer | enum="1,2,4"
      host: string | pattern="^[a-z0-9]+(\.[a-z0-9]+)*$"
      odd: integer | validation="self % 2 == 1"
      zone: string | immutable=false
      hosts: "[]string | uniqueItems=true minItems=1 maxItems=3"
      rules: "[]Rule | listType=map listMapKey=host listMapKey=port"
      labels: map[string]string
      extra: object
      nested:
        enabled: boolean | default=true
        port: integer | default=8080
"#;

/// What the API server adds when a blocking finding kept it from running the CRD's rules.
const NOT_CHECKED: &str = "some validation rules were not checked because the object was invalid; correct the \
                           existing errors to complete validation";

fn crd_schema(rgd: &str) -> Value {
    let docs = compile(rgd, &std::sync::Arc::new(Catalog::builtin()), &InputLimits::default());
    let compiled = docs[0].rgd.as_ref().unwrap_or_else(|| panic!("{:#?}", docs[0].diagnostics));
    compiled.crd.pointer("/spec/versions/0/schema/openAPIV3Schema").unwrap().clone()
}

fn node(text: &str) -> Node {
    load_documents(text, Limits::default()).unwrap().remove(0).root.unwrap()
}

/// An `App` instance whose spec is `spec` (YAML, unindented).
fn app(spec: &str) -> String {
    let body: String = spec.lines().map(|l| format!("  {l}\n")).collect();
    format!("apiVersion: kro.run/v1alpha1\nkind: App\nmetadata:\n  name: x\nspec:\n{body}")
}

fn check(spec: &str) -> InstanceCheck {
    validate_instance(&crd_schema(MARKERS), &node(&app(spec)), None)
}

fn messages(check: &InstanceCheck) -> Vec<String> {
    check.findings.iter().map(|f| f.message.clone()).collect()
}

fn error_messages(check: &InstanceCheck) -> Vec<String> {
    check.errors().map(|f| f.message.clone()).collect()
}

#[test]
fn the_seed_example_is_valid_and_gets_its_defaults() {
    let rgd = include_str!("../../../examples/webapp/rgd.yaml").to_string();
    let instance = include_str!("../../../examples/webapp/instance.yaml").to_string();
    let check = validate_instance(&crd_schema(&rgd), &node(&instance), None);
    assert_eq!(check.findings, vec![]);
    assert!(check.is_valid());
    assert_eq!(
        check.defaulted["spec"],
        json!({"name": "my-awesome-app", "image": "nginx", "ingress": {"enabled": true}})
    );
    assert_eq!(check.defaulted["metadata"], json!({"name": "my-application-instance"}));
}

#[test]
fn the_seed_example_without_ingress_materialises_the_nested_default() {
    let rgd = include_str!("../../../examples/webapp/rgd.yaml").to_string();
    let instance = "apiVersion: kro.run/v1alpha1\nkind: Application\nmetadata:\n  name: a\nspec:\n  name: app\n";
    let check = validate_instance(&crd_schema(&rgd), &node(instance), None);
    assert!(check.is_valid(), "{:?}", check.findings);
    assert_eq!(check.defaulted["spec"], json!({"name": "app", "image": "nginx", "ingress": {"enabled": false}}));
}

#[test]
fn an_instance_without_spec_gets_the_spec_default_when_nothing_is_required() {
    let rgd = include_str!("../../../tests/fixtures/marker-default/rgd.yaml").to_string();
    let check = validate_instance_value(&crd_schema(&rgd), &json!({"kind": "App", "metadata": {"name": "a"}}), None);
    assert!(check.is_valid(), "{:?}", check.findings);
    let spec = &check.defaulted["spec"];
    assert_eq!(spec["image"], json!("nginx:1.27"));
    assert_eq!(spec["replicas"], json!(2));
    assert_eq!(spec["ratio"], json!(0.5));
    assert_eq!(spec["debug"], json!(true));
    assert_eq!(spec["tags"], json!(["a", "b"]));
    assert_eq!(spec["annotations"], json!({"team": "web"}));
    assert_eq!(spec["settings"]["level"], json!("info"));
}

#[test]
fn a_valid_instance_of_every_marker_is_accepted_and_defaulted() {
    let c = check(
        "name: app\nreplicas: 3\nratio: 0.5\nsize: 2\nhost: a.example\nodd: 3\nhosts: [a, b]\n\
         rules: [{host: a, port: 80}, {host: a, port: 81}]\nlabels: {a: b}\nextra: {any: [1, {x: z}]}\n\
         nested: {port: 9090}",
    );
    assert_eq!(c.findings, vec![]);
    assert_eq!(c.defaulted["spec"]["tier"], json!("dev"));
    assert_eq!(c.defaulted["spec"]["nested"], json!({"enabled": true, "port": 9090}));
    assert_eq!(c.defaulted["spec"]["extra"], json!({"any": [1, {"x": "z"}]}));
}

#[test]
fn defaults_apply_to_absent_fields_only_and_null_is_absent() {
    let c = check("name: app\nreplicas: 5\ntier: null");
    assert!(c.is_valid(), "{:?}", c.findings);
    assert_eq!(c.defaulted["spec"]["replicas"], json!(5));
    assert_eq!(c.defaulted["spec"]["tier"], json!("dev"));
    assert_eq!(c.defaulted["spec"]["nested"], json!({"enabled": true, "port": 8080}));
}

#[test]
fn a_missing_required_field_is_reported_at_its_parent() {
    let c = check("replicas: 2");
    assert_eq!(error_messages(&c), vec!["spec.name: Required value", NOT_CHECKED]);
    // The span points at the parent that lacks the field.
    assert_eq!(c.findings[0].span.map(|s| s.start.line), Some(6));

    let c = validate_instance(&crd_schema(MARKERS), &node("kind: App\nmetadata:\n  name: x\n"), None);
    assert_eq!(error_messages(&c), vec!["spec: Required value", NOT_CHECKED]);
}

#[test]
fn numbers_outside_minimum_and_maximum_are_refused_at_their_position() {
    let c = check("name: app\nreplicas: 0");
    assert_eq!(
        error_messages(&c),
        vec!["spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1"]
    );
    let span = c.findings[0].span.unwrap();
    assert_eq!((span.start.line, span.start.column), (7, 13));

    let c = check("name: app\nreplicas: 11\nratio: 0.8");
    assert_eq!(
        error_messages(&c),
        vec![
            "spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10",
            "spec.ratio: Invalid value: 0.8: spec.ratio in body should be less than or equal to 0.75",
        ]
    );
}

#[test]
fn values_outside_an_enum_are_unsupported() {
    let c = check("name: app\ntier: x\nsize: 3");
    assert_eq!(
        error_messages(&c)[..2],
        [
            r#"spec.tier: Unsupported value: "x": supported values: "dev", "prod""#,
            r#"spec.size: Unsupported value: 3: supported values: "1", "2", "4""#,
        ]
    );
}

#[test]
fn strings_not_matching_their_pattern_are_refused() {
    let c = check("name: app\nhost: Not_A_Host");
    assert_eq!(
        error_messages(&c),
        vec![r#"spec.host: Invalid value: "Not_A_Host": spec.host in body should match '^[a-z0-9]+(\.[a-z0-9]+)*$'"#]
    );
}

#[test]
fn string_lengths_are_counted_in_characters() {
    assert_eq!(
        error_messages(&check("name: ab")),
        vec![r#"spec.name: Invalid value: "ab": spec.name in body should be at least 3 chars long"#]
    );
    assert_eq!(
        error_messages(&check("name: abcdefghijk")),
        vec!["spec.name: Too long: may not be more than 10 bytes", NOT_CHECKED]
    );
    // Characters, not bytes.
    assert!(check("name: ééé").is_valid());
}

#[test]
fn lists_outside_min_and_max_items_are_refused() {
    assert_eq!(
        error_messages(&check("name: app\nhosts: []")),
        vec!["spec.hosts: Invalid value: 0: spec.hosts in body should have at least 1 items"]
    );
    assert_eq!(
        error_messages(&check("name: app\nhosts: [a, b, c, d]")),
        vec!["spec.hosts: Too many: 4: must have at most 3 items", NOT_CHECKED]
    );
}

#[test]
fn sets_and_map_lists_reject_duplicates() {
    let c = check("name: app\nhosts: [a, b, a]");
    assert_eq!(error_messages(&c), vec![r#"spec.hosts[2]: Duplicate value: "a""#]);
    assert_eq!(c.findings[0].span.map(|s| (s.start.line, s.start.column)), Some((7, 17)));

    let c = check("name: app\nrules: [{host: a, port: 80, path: /x}, {host: a, port: 80}]");
    assert_eq!(
        error_messages(&c),
        vec![r#"spec.rules[1]: Duplicate value: map[string]interface {}{"host":"a", "port":80}"#]
    );
    let c = check("name: app\nrules: [{host: a}]");
    assert_eq!(error_messages(&c), vec!["spec.rules[0].port: Required value", NOT_CHECKED]);
}

#[test]
fn values_of_the_wrong_type_are_refused_with_kubernetes_messages() {
    let c = check("name: 5\nreplicas: three\nnested: {enabled: maybe}\nhosts: a\nlabels: {a: 1}");
    assert_eq!(
        error_messages(&c),
        vec![
            r#"spec.name: Invalid value: "integer": spec.name in body must be of type string: "integer""#,
            r#"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#,
            r#"spec.nested.enabled: Invalid value: "string": spec.nested.enabled in body must be of type boolean: "string""#,
            r#"spec.hosts: Invalid value: "string": spec.hosts in body must be of type array: "string""#,
            r#"spec.labels[a]: Invalid value: "integer": spec.labels[a] in body must be of type string: "integer""#,
            "some validation rules were not checked because the object was invalid; correct the existing errors to \
             complete validation",
        ]
    );
    // An integral float is an integer; a fraction is not.
    assert!(check("name: app\nreplicas: 2.0").is_valid());
    assert_eq!(
        error_messages(&check("name: app\nreplicas: 2.5")),
        vec![
            r#"spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number""#,
            "some validation rules were not checked because the object was invalid; correct the existing errors to \
             complete validation",
        ]
    );
    // An integer is a number.
    assert!(check("name: app\nratio: 0").is_valid());
}

#[test]
fn every_blocking_finding_skips_the_rules_and_says_so() {
    // odd: 2 fails its rule whenever rules run. The API server's hasBlockingErr: NotSupported, Required,
    // TooLong, TooMany and TypeInvalid skip every rule (checked against kube-apiserver 1.37).
    for (spec, first) in [
        ("odd: 2", "spec.name: Required value"),
        ("name: abcdefghijk\nodd: 2", "spec.name: Too long: may not be more than 10 bytes"),
        ("name: app\nhosts: [a, b, c, d]\nodd: 2", "spec.hosts: Too many: 4: must have at most 3 items"),
        ("name: app\ntier: x\nodd: 2", r#"spec.tier: Unsupported value: "x": supported values: "dev", "prod""#),
        (
            "name: 5\nodd: 2",
            r#"spec.name: Invalid value: "integer": spec.name in body must be of type string: "integer""#,
        ),
        ("name: app\nrules: [{host: a}]\nodd: 2", "spec.rules[0].port: Required value"),
    ] {
        let c = check(spec);
        assert_eq!(error_messages(&c), vec![first, NOT_CHECKED], "{spec}");
        assert!(c.findings[0].kind.blocks_rules());
        assert_eq!(c.findings[1].kind, FindingKind::Ignored);
    }
    // maxProperties is a TooMany too.
    let schema = json!({"type": "object", "properties": {"spec": {
        "type": "object",
        "maxProperties": 1,
        "additionalProperties": {"type": "string"},
        "x-kubernetes-validations": [{"rule": "size(self) == 0"}]
    }}});
    let c = validate_instance_value(&schema, &json!({"spec": {"a": "x", "b": "y"}}), None);
    assert_eq!(error_messages(&c), vec!["spec: Too many: 2: must have at most 1 items", NOT_CHECKED]);
}

#[test]
fn bounds_patterns_and_duplicates_do_not_block_the_rules() {
    // Invalid and Duplicate findings leave the rules to run: the rule's failure is reported beside them.
    for (spec, first) in [
        (
            "name: app\nreplicas: 0\nodd: 2",
            "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1",
        ),
        ("name: ab\nodd: 2", r#"spec.name: Invalid value: "ab": spec.name in body should be at least 3 chars long"#),
        (
            "name: app\nhosts: []\nodd: 2",
            "spec.hosts: Invalid value: 0: spec.hosts in body should have at least 1 items",
        ),
        (
            "name: app\nhost: Not_A_Host\nodd: 2",
            r#"spec.host: Invalid value: "Not_A_Host": spec.host in body should match '^[a-z0-9]+(\.[a-z0-9]+)*$'"#,
        ),
        ("name: app\nhosts: [a, b, a]\nodd: 2", r#"spec.hosts[2]: Duplicate value: "a""#),
    ] {
        let c = check(spec);
        let messages = error_messages(&c);
        assert_eq!(messages[0], first, "{spec}");
        assert_eq!(messages.len(), 2, "{spec}: {messages:?}");
        assert!(!c.findings[0].kind.blocks_rules());
        assert_eq!((c.findings[1].kind, c.findings[1].path.to_string()), (FindingKind::RuleFailed, "spec.odd".into()));
    }
}

#[test]
fn a_crd_without_rules_has_no_rules_to_skip() {
    // The API server builds a CEL validator only for a schema with x-kubernetes-validations; without one, a
    // blocking finding is reported alone (checked against kube-apiserver 1.37). MARKERS without its two rules:
    let rgd: Vec<&str> = MARKERS.lines().filter(|l| !l.contains("validation=")).collect();
    let schema = crd_schema(&rgd.join("\n").replace(" immutable=true", ""));
    assert!(!serde_json::to_string(&schema).unwrap().contains("x-kubernetes-validations"));
    let c = validate_instance_value(&schema, &json!({"spec": {"replicas": "three", "tier": "staging"}}), None);
    assert_eq!(
        error_messages(&c),
        vec![
            "spec.name: Required value",
            r#"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#,
            r#"spec.tier: Unsupported value: "staging": supported values: "dev", "prod""#,
        ]
    );
    assert_eq!(
        error_messages(&validate_instance_value(&schema, &json!({"spec": {"name": "abcdefghijk"}}), None)),
        vec!["spec.name: Too long: may not be more than 10 bytes"]
    );
    // A rule anywhere counts, as in the API server's hasXValidations: below items, additionalProperties, or
    // in the status, which the instance cannot even set.
    let rule = json!([{"rule": "true"}]);
    for with_rule in [
        json!({"type": "object", "properties": {"spec": {"type": "object", "required": ["a"]}}, "x-kubernetes-validations": rule}),
        json!({"type": "object", "properties": {"spec": {"type": "object", "required": ["a"], "properties": {
            "l": {"type": "array", "items": {"type": "string", "x-kubernetes-validations": rule}}}}}}),
        json!({"type": "object", "properties": {"spec": {"type": "object", "required": ["a"], "properties": {
            "m": {"type": "object", "additionalProperties": {"type": "string", "x-kubernetes-validations": rule}}}}}}),
        json!({"type": "object", "properties": {
            "spec": {"type": "object", "required": ["a"]},
            "status": {"type": "object", "properties": {"s": {"type": "string", "x-kubernetes-validations": rule}}}}}),
    ] {
        let c = validate_instance_value(&with_rule, &json!({"spec": {}}), None);
        assert_eq!(error_messages(&c), vec!["spec.a: Required value", NOT_CHECKED], "{with_rule}");
    }
    let without = json!({"type": "object", "properties": {"spec": {"type": "object", "required": ["a"], "properties": {
        "l": {"type": "array", "items": {"type": "string"}},
        "m": {"type": "object", "additionalProperties": {"type": "string"}, "x-kubernetes-validations": []}}}}});
    let c = validate_instance_value(&without, &json!({"spec": {}}), None);
    assert_eq!(error_messages(&c), vec!["spec.a: Required value"]);
}

#[test]
fn unknown_fields_are_pruned_with_a_warning() {
    let c = check("name: app\ncolour: red\nnested: {extra: 1}");
    assert!(c.is_valid());
    assert_eq!(messages(&c), vec![r#"unknown field "spec.nested.extra""#, r#"unknown field "spec.colour""#]);
    assert_eq!(c.findings[0].severity, Severity::Warning);
    // The span is the key's.
    assert_eq!(c.findings[1].span.map(|s| (s.start.line, s.start.column)), Some((7, 3)));
    assert!(c.defaulted["spec"].get("colour").is_none());
    assert_eq!(c.defaulted["spec"]["nested"], json!({"enabled": true, "port": 8080}));
    // Free-form objects keep everything.
    assert!(check("name: app\nextra: {deep: {er: 1}}").findings.is_empty());
}

#[test]
fn status_is_ignored_with_a_warning() {
    let text = format!("{}status:\n  state: ACTIVE\n", app("name: app"));
    let c = validate_instance(&crd_schema(MARKERS), &node(&text), None);
    assert!(c.is_valid());
    assert_eq!(c.findings[0].kind, FindingKind::Ignored);
    assert!(c.defaulted.get("status").is_none());
}

#[test]
fn a_failing_validation_rule_is_a_rule_finding() {
    assert!(check("name: app\nodd: 3").is_valid());
    let c = check("name: app\nodd: 2");
    assert_eq!(error_messages(&c), vec!["spec.odd: Invalid value: 2: validation failed"]);
    assert_eq!(c.findings[0].kind, FindingKind::RuleFailed);
}

#[test]
fn the_marker_validation_fixture_matches_the_api_server() {
    let rgd = include_str!("../../../tests/fixtures/marker-validation/rgd.yaml").to_string();
    let schema = crd_schema(&rgd);
    let run = |spec: Value, old: Option<Value>| {
        let old = old.map(|o| json!({"kind": "App", "spec": o}));
        validate_instance_value(&schema, &json!({"kind": "App", "spec": spec}), old.as_ref())
    };
    assert!(run(json!({"replicas": 3, "name": "app-x"}), None).is_valid());
    assert_eq!(
        error_messages(&run(json!({"replicas": 2}), None)),
        vec!["spec.replicas: Invalid value: 2: validation failed"]
    );
    assert_eq!(
        error_messages(&run(json!({"name": "x"}), None)),
        vec![r#"spec.name: Invalid value: "x": validation failed"#]
    );
    // A CEL rule and immutable on one field: the update changing it fails only the transition rule.
    assert_eq!(
        error_messages(&run(json!({"name": "app-b"}), Some(json!({"name": "app-a"})))),
        vec![r#"spec.name: Invalid value: "app-b": field is immutable"#]
    );
}

#[test]
fn immutable_is_checked_only_against_an_old_object() {
    let schema = crd_schema(MARKERS);
    let new = node(&app("name: app\nzone: b"));
    // Create: no old object, the transition rule is skipped.
    assert!(validate_instance(&schema, &new, None).is_valid());
    // Update with the same name: fine; zone is immutable=false.
    let old = json!({"kind": "App", "spec": {"name": "app", "zone": "a"}});
    assert_eq!(validate_instance(&schema, &new, Some(&old)).findings, vec![]);
    // Update changing the name.
    let old = json!({"kind": "App", "spec": {"name": "other"}});
    let c = validate_instance(&schema, &new, Some(&old));
    assert_eq!(error_messages(&c), vec![r#"spec.name: Invalid value: "app": field is immutable"#]);
    assert_eq!(c.findings[0].span.map(|s| s.start.line), Some(6));
    // An old object without the field: nothing to compare with, as in the API server.
    let old = json!({"kind": "App", "spec": {}});
    assert!(validate_instance(&schema, &new, Some(&old)).is_valid());
}

#[test]
fn the_marker_immutable_fixture_requires_its_field() {
    let rgd = include_str!("../../../tests/fixtures/marker-immutable/rgd.yaml").to_string();
    let c = validate_instance_value(&crd_schema(&rgd), &json!({"spec": {"zone": "a"}}), None);
    // Its only rule is a transition rule, which a create would not run anyway; the API server still says so.
    assert_eq!(error_messages(&c), vec!["spec.region: Required value", NOT_CHECKED]);
}

#[test]
fn rules_on_map_list_items_correlate_with_old_items_by_key() {
    let schema = json!({
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": {"items": {
            "type": "array",
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"],
            "items": {"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string"},
                "size": {"type": "integer", "x-kubernetes-validations": [{"rule": "self >= oldSelf", "message": "size may only grow"}]}
            }}
        }}}}
    });
    let old = json!({"spec": {"items": [{"name": "a", "size": 5}, {"name": "b", "size": 1}]}});
    let new =
        json!({"spec": {"items": [{"name": "b", "size": 2}, {"name": "a", "size": 4}, {"name": "c", "size": 0}]}});
    let c = validate_instance_value(&schema, &new, Some(&old));
    assert_eq!(error_messages(&c), vec!["spec.items[1].size: Invalid value: 4: size may only grow"]);
}

#[test]
fn rules_report_their_errors_message_expressions_and_may_call_kro_functions() {
    let schema = json!({
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": {
            "a": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                  "x-kubernetes-validations": [{"rule": "self.missing > 0"}]},
            "b": {"type": "string", "x-kubernetes-validations": [
                {"rule": "self.size() < 3", "messageExpression": "'too long: ' + self"}]},
            "c": {"type": "string", "x-kubernetes-validations": [
                {"rule": "random.seededString(4, self).size() == 4 && self != 'no'"}]},
            "d": {"type": "string", "x-kubernetes-validations": [{"rule": "self +"}]}
        }}}
    });
    let c = validate_instance_value(&schema, &json!({"spec": {"a": {}, "b": "long", "c": "no", "d": "x"}}), None);
    let found: Vec<(FindingKind, String)> = c.errors().map(|f| (f.kind, f.path.to_string())).collect();
    assert_eq!(
        found,
        vec![
            (FindingKind::RuleError, "spec.a".to_string()),
            (FindingKind::RuleFailed, "spec.b".to_string()),
            (FindingKind::RuleFailed, "spec.c".to_string()),
            (FindingKind::RuleError, "spec.d".to_string()),
        ]
    );
    let m = error_messages(&c);
    assert_eq!(m[1], r#"spec.b: Invalid value: "long": too long: long"#);
    assert_eq!(
        m[2],
        r#"spec.c: Invalid value: "no": failed rule: random.seededString(4, self).size() == 4 && self != 'no'"#
    );
}

#[test]
fn int_or_string_and_preserved_fields_accept_what_kubernetes_accepts() {
    let schema = json!({
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": {
            "port": {"x-kubernetes-int-or-string": true},
            "any": {"x-kubernetes-preserve-unknown-fields": true}
        }}}
    });
    for spec in [json!({"port": 80}), json!({"port": "http"}), json!({"any": [1]}), json!({"any": "s"})] {
        let c = validate_instance_value(&schema, &json!({"spec": spec}), None);
        assert!(c.findings.is_empty(), "{spec}: {:?}", c.findings);
    }
    let c = validate_instance_value(&schema, &json!({"spec": {"port": true}}), None);
    assert_eq!(
        error_messages(&c)[0],
        r#"spec.port: Invalid value: "boolean": spec.port in body must be of type integer or string: "boolean""#
    );
}

#[test]
fn paths_print_as_the_api_server_prints_them() {
    let p = InstancePath::default().field("spec").field("labels").key("app.kubernetes.io/name");
    assert_eq!(p.to_string(), "spec.labels[app.kubernetes.io/name]");
    assert_eq!(InstancePath::default().field("spec").field("hosts").index(2).to_string(), "spec.hosts[2]");
}

#[test]
fn against_the_whole_crd_the_api_version_and_kind_must_match() {
    let docs = compile(MARKERS, &std::sync::Arc::new(Catalog::builtin()), &InputLimits::default());
    let crd = &docs[0].rgd.as_ref().unwrap().crd;
    let good = node(&app("name: app"));
    assert!(validate_instance_for_crd(crd, &good, None).findings.is_empty());
    let c = validate_instance_for_crd(crd, &node("apiVersion: kro.run/v1\nkind: App\nspec: {name: app}\n"), None);
    assert_eq!(
        error_messages(&c),
        vec![r#"no matches for kind "App" in version "kro.run/v1": this CRD serves kind "App" in kro.run/v1alpha1"#]
    );
    assert_eq!(c.findings[0].path.to_string(), "apiVersion");
    let c = validate_instance_for_crd(crd, &node("apiVersion: kro.run/v1alpha1\nkind: Ap\nspec: {name: app}\n"), None);
    assert_eq!(c.findings[0].path.to_string(), "kind");
    assert_eq!(c.findings[0].span.map(|s| s.start.line), Some(2));
}

#[test]
fn a_one_character_limit_says_byte() {
    let schema = json!({"type": "object", "properties": {"s": {"type": "string", "maxLength": 1}}});
    let c = validate_instance_value(&schema, &json!({"s": "ab"}), None);
    assert_eq!(error_messages(&c), vec!["s: Too long: may not be more than 1 byte"]);
}

#[test]
fn hostile_rules_are_errors_not_crashes() {
    // Deep nesting with a macro only the environment's parser expands, and a rule that would iterate forever
    // long: each is refused (bounded parser, cost budget) instead of overflowing the stack or hanging.
    let deep = format!("cel.bind(x, self, {}x{} > 0)", "(".repeat(40), ")".repeat(40));
    let spin = "lists.range(100000).all(i, lists.range(100000).all(j, i + j >= 0))".to_string();
    let schema = json!({
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": {
            "a": {"type": "integer", "x-kubernetes-validations": [{"rule": deep}]},
            "b": {"type": "integer", "x-kubernetes-validations": [{"rule": spin}]}
        }}}
    });
    let c = validate_instance_value(&schema, &json!({"spec": {"a": 1, "b": 1}}), None);
    let found: Vec<(FindingKind, String)> = c.errors().map(|f| (f.kind, f.path.to_string())).collect();
    assert_eq!(
        found,
        vec![(FindingKind::RuleError, "spec.a".to_string()), (FindingKind::RuleError, "spec.b".to_string())]
    );
    let m = error_messages(&c);
    assert!(m[0].contains("the limit for those is 12"), "{}", m[0]);
    assert!(m[1].contains("cost budget"), "{}", m[1]);
}
