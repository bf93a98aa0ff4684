//! kro-typical expressions against a small Deployment-like environment.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::*;

fn schema_of_instance() -> Value {
    json!({"type": "object", "properties": {
        "metadata": {"type": "object", "properties": {
            "name": {"type": "string"}, "namespace": {"type": "string"}, "uid": {"type": "string"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}}
        }},
        "spec": {"type": "object", "properties": {
            "name": {"type": "string"},
            "image": {"type": "string"},
            "replicas": {"type": "integer"},
            "enabled": {"type": "boolean"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "ports": {"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"}, "port": {"type": "integer"}
            }}},
            "config": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
        }}
    }})
}

fn deployment() -> Value {
    let labels = json!({"type": "object", "additionalProperties": {"type": "string"}});
    json!({"type": "object", "properties": {
        "metadata": {"type": "object", "properties": {
            "name": {"type": "string"}, "labels": labels,
            "creationTimestamp": {"type": "string", "format": "date-time"}
        }},
        "spec": {"type": "object", "properties": {
            "replicas": {"type": "integer"},
            "selector": {"type": "object", "properties": {"matchLabels": labels}},
            "template": {"type": "object", "properties": {
                "metadata": {"type": "object", "properties": {"labels": labels}},
                "spec": {"type": "object", "properties": {
                    "containers": {"type": "array", "items": {"type": "object", "properties": {
                        "name": {"type": "string"},
                        "image": {"type": "string"},
                        "resources": {"type": "object", "properties": {
                            "limits": {"type": "object", "additionalProperties": {"x-kubernetes-int-or-string": true}}
                        }}
                    }}}
                }}
            }}
        }},
        "status": {"type": "object", "properties": {
            "availableReplicas": {"type": "integer"},
            "conditions": {"type": "array", "items": {"type": "object", "properties": {
                "type": {"type": "string"}, "status": {"type": "string"},
                "lastTransitionTime": {"type": "string", "format": "date-time"}
            }}}
        }}
    }})
}

fn env() -> CheckEnv {
    let resolver: Arc<dyn RefResolver> = Arc::new(NoRefs);
    let mut env = CheckEnv::new();
    env.declare("schema", type_of_schema(&schema_of_instance(), "schema", &resolver));
    env.declare("deployment", type_of_schema(&deployment(), "deployment", &resolver));
    let data = |format: Option<&str>| {
        let mut value = json!({"type": "string"});
        if let Some(format) = format {
            value["format"] = json!(format);
        }
        json!({"type": "object", "properties": {"data": {"type": "object", "additionalProperties": value}}})
    };
    env.declare("configmap", type_of_schema(&data(None), "configmap", &resolver));
    env.declare("secret", type_of_schema(&data(Some("byte")), "secret", &resolver));
    env.declare("a", Type::Dyn);
    env.declare("b", Type::Dyn);
    env
}

fn type_of(expression: &str) -> String {
    match check(expression, &env()) {
        Ok(t) => t.to_string(),
        Err(errors) => panic!("{expression}: {errors:?}"),
    }
}

fn errors(expression: &str) -> Vec<String> {
    match check(expression, &env()) {
        Ok(t) => panic!("{expression}: expected an error, got {t}"),
        Err(errors) => errors.into_iter().map(|e| e.message).collect(),
    }
}

#[test]
fn kro_typical_expressions_get_their_types() {
    let cases = [
        ("schema.spec.name", "string"),
        ("schema.spec.name + '-svc'", "string"),
        ("deployment.status.availableReplicas", "int"),
        ("deployment.status.availableReplicas > 0", "bool"),
        ("deployment.spec.selector.matchLabels", "map(string, string)"),
        ("schema.spec.ports.map(p, p.port)", "list(int)"),
        ("schema.spec.ports.filter(p, p.port > 1024)", "list(schema.spec.ports.@idx)"),
        ("schema.spec.ports.exists(p, p.name == 'http')", "bool"),
        ("schema.spec.ports.all(p, p.port < 65536)", "bool"),
        ("schema.spec.ports.exists_one(p, p.port == 80)", "bool"),
        ("has(schema.spec.image) ? schema.spec.image : 'nginx'", "string"),
        ("schema.spec.?image.orValue('nginx')", "string"),
        ("schema.spec.?image", "optional_type(string)"),
        ("schema.spec.labels.merge({'app': schema.spec.name})", "map(string, string)"),
        ("random.seededString(8, schema.metadata.uid)", "string"),
        ("random.seededInt(0, 100, schema.metadata.uid)", "int"),
        ("json.marshal(configmap.data)", "string"),
        ("json.unmarshal(configmap.data['config.json'])", "dyn"),
        ("string(schema.spec.replicas)", "string"),
        ("schema.spec.replicas * 2", "int"),
        ("deployment.status.conditions.exists(c, c.type == 'Available' && c.status == 'True')", "bool"),
        ("size(schema.spec.ports)", "int"),
        ("schema.spec.name.startsWith('web') && schema.spec.enabled", "bool"),
        ("'%s-%d'.format([schema.spec.name, schema.spec.replicas])", "string"),
        ("cel.bind(n, schema.spec.name, n + '-' + n)", "string"),
        ("deployment.spec.template.spec.containers[0].image", "string"),
        ("base64.encode(secret.data['password'])", "string"),
        ("schema.spec.ports.map(p, {'name': p.name, 'port': p.port})", "list(map(string, dyn))"),
        ("schema.spec.labels.all(k, v, k.startsWith('app') && v != '')", "bool"),
        ("schema.spec.labels.transformMap(k, v, v.upperAscii())", "map(string, string)"),
        ("schema.spec.ports.transformList(i, p, p.port > 0, i)", "list(int)"),
        ("[3, 1, 2].sortBy(x, -x)", "list(int)"),
        ("hash.sha256(schema.spec.name)", "bytes"),
        ("lists.setAtIndex(schema.spec.ports.map(p, p.port), 0, 80)", "list(int)"),
        ("deployment.metadata.creationTimestamp + duration('1h')", "google.protobuf.Timestamp"),
        ("deployment.metadata.creationTimestamp.getFullYear()", "int"),
        ("schema.spec.config.anything.goes", "dyn"),
        ("'app' in schema.spec.labels", "bool"),
        ("schema.spec.ports.size() > 0 ? schema.spec.ports[0].port : 80", "int"),
        ("schema.spec.ports[?0].?port.orValue(80)", "int"),
        ("int(deployment.spec.template.spec.containers[0].resources.limits['cpu'])", "int"),
        ("schema.metadata.namespace", "string"),
        ("schema.spec.ports.map(p, p.port).sum()", "int"),
        ("deployment.spec.template.spec.containers.map(c, c.name).join(',')", "string"),
        ("schema.spec.name.split('-')[0].upperAscii()", "string"),
        ("[[1], [2]].flatten()", "list(int)"),
        ("lists.range(3)", "list(int)"),
        ("optional.of(1).hasValue()", "bool"),
        ("type(schema.spec.name) == string", "bool"),
        ("double(schema.spec.replicas) < 2.5", "bool"),
        ("schema.spec.ports.map(p, p.port > 80, p.name)", "list(string)"),
        ("dyn(schema.spec.replicas)", "dyn"),
    ];
    for (expression, expected) in cases {
        assert_eq!(type_of(expression), expected, "{expression}");
    }
}

#[test]
fn kubernetes_libraries_are_declared_by_signature() {
    for (expression, expected) in [
        ("quantity('1Gi').isLessThan(quantity('2Gi'))", "bool"),
        ("quantity('1Gi').add(1).asInteger()", "int"),
        ("url('https://example.com').getHost()", "string"),
        ("url('https://example.com').getQuery()", "map(string, list(string))"),
        ("ip('10.0.0.1').family()", "int"),
        ("cidr('10.0.0.0/8').containsIP('10.1.1.1')", "bool"),
        ("cidr('10.0.0.0/8').ip()", "net.IP"),
        ("semver('1.2.3').major()", "int"),
        ("isSemver('1.2.3') && isURL('x') && isIP('x') && isCIDR('x') && isQuantity('1')", "bool"),
        ("'abc'.find('b')", "string"),
        ("'abc'.findAll('b')", "list(string)"),
        ("[1, 2].isSorted()", "bool"),
        ("[1, 2].max()", "int"),
        ("[1, 2].indexOf(2)", "int"),
        ("'abc'.indexOf('b')", "int"),
    ] {
        assert_eq!(type_of(expression), expected, "{expression}");
    }
}

#[test]
fn a_misspelt_field_is_an_error_naming_it_even_in_a_branch_that_never_runs() {
    let messages = errors("deployment.spec.replicass");
    assert_eq!(
        messages,
        vec!["undefined field 'replicass' on type 'deployment.spec'; did you mean 'replicas'?".to_string()]
    );
    assert_eq!(errors("false && deployment.spec.replicass == 1").len(), 1);
    assert!(errors("has(schema.spec.nope)")[0].contains("undefined field 'nope'"));
    assert!(
        errors("schema.spec.ports.map(p, p.nme)")[0].contains("undefined field 'nme' on type 'schema.spec.ports.@idx'")
    );
    let error = check("deployment.spec.replicass", &env()).unwrap_err();
    assert_eq!(error[0].offset, "deployment.spec".len());
}

#[test]
fn wrong_operand_types_find_no_overload() {
    assert_eq!(errors("'x' + 1"), vec!["found no matching overload for '_+_' applied to '(string, int)'".to_string()]);
    assert_eq!(
        errors("schema.spec.name.contains(1)"),
        vec!["found no matching overload for 'contains' applied to 'string.(int)'".to_string()]
    );
    assert!(errors("schema.spec.replicas ? 1 : 2")[0].contains("'_?_:_' applied to '(int, int, int)'"));
    assert!(errors("true ? 1 : 'a'")[0].contains("'_?_:_'"));
    assert!(errors("1 == 'a'")[0].contains("'_==_' applied to '(int, string)'"));
    assert!(errors("size(1)")[0].contains("'size' applied to '(int)'"));
    assert!(errors("schema.spec.name + schema.spec.replicas")[0].contains("'(string, int)'"));
    // `&&`/`||` (and the loop steps of all/exists) check their operands as bools, with cel-go's message.
    assert_eq!(errors("schema.spec.ports.exists(p, p.port)"), vec!["expected type 'bool' but found 'int'".to_string()]);
    assert_eq!(errors("schema.spec.name && true"), vec!["expected type 'bool' but found 'string'".to_string()]);
    // Overload errors name the well-known types as cel-go does there.
    assert_eq!(
        errors("timestamp('2024-01-01T00:00:00Z') + timestamp('2024-01-01T00:00:00Z')"),
        vec!["found no matching overload for '_+_' applied to '(timestamp, timestamp)'".to_string()]
    );
}

#[test]
fn unknown_names_are_undeclared_references() {
    assert_eq!(errors("foo.bar"), vec!["undeclared reference to 'foo' (in container '')".to_string()]);
    assert_eq!(errors("unknownFn(1, 'a')"), vec!["undeclared reference to 'unknownFn' (in container '')".to_string()]);
    assert!(errors("math.greatest(1, 2)")[0].contains("undeclared reference to 'math'"));
    assert!(errors("sets.contains([1], [1])")[0].contains("undeclared reference to 'sets'"));
    assert!(errors("schema.spec.name.frobnicate()")[0].contains("undeclared reference to 'frobnicate'"));
    assert!(errors("schema.spec.ports.map(p, q)")[0].contains("'q'"));
    // An iteration variable is not in scope after its macro.
    assert!(errors("schema.spec.ports.map(p, p.port).size() + p.port")[0].contains("'p'"));
}

#[test]
fn dyn_operands_take_cel_go_result_types() {
    assert_eq!(type_of("schema.spec.replicas * schema.spec.replicas"), "int");
    assert_eq!(type_of("a * b"), "dyn");
    assert_eq!(type_of("a + b"), "dyn");
    assert_eq!(type_of("(a + b) > 1"), "bool");
    assert_eq!(type_of("a.b.c[0] + 'x'"), "string");
    assert_eq!(type_of("a.map(x, x.y)"), "list(dyn)");
    assert_eq!(type_of("a.reverse()"), "dyn");
    assert_eq!(type_of("size(a)"), "int");
}

#[test]
fn literals_have_their_cel_types() {
    for (expression, expected) in [
        ("1", "int"),
        ("1u", "uint"),
        ("1.5", "double"),
        ("'s'", "string"),
        ("b'x'", "bytes"),
        ("true", "bool"),
        ("null", "null_type"),
        ("[]", "list(dyn)"),
        ("[1, 'a']", "list(dyn)"),
        ("{'a': 1}", "map(string, int)"),
        ("{}", "map(dyn, dyn)"),
        ("timestamp('2024-01-01T00:00:00Z')", "google.protobuf.Timestamp"),
    ] {
        assert_eq!(type_of(expression), expected, "{expression}");
    }
}

#[test]
fn results_fit_target_fields() {
    let resolver: Arc<dyn RefResolver> = Arc::new(NoRefs);
    let target = type_of_schema(&deployment(), "Deployment", &resolver);
    let replicas = target.select("spec").and_then(|s| s.select("replicas")).unwrap();
    let match_labels = target.select("spec").and_then(|s| s.select("selector")).and_then(|s| s.select("matchLabels"));
    let match_labels = match_labels.unwrap();
    let env = env();
    let fits = |expected: &Type, expression: &str| assignable(expected, &check(expression, &env).unwrap());
    assert_eq!(fits(&replicas, "schema.spec.replicas"), Ok(()));
    assert!(fits(&replicas, "schema.spec.name").is_err());
    assert_eq!(fits(&replicas, "schema.spec.?replicas.orValue(1)"), Ok(()));
    assert_eq!(fits(&match_labels, "{'app': schema.spec.name}"), Ok(()));
    assert_eq!(fits(&match_labels, "schema.metadata.labels"), Ok(()));
    assert!(fits(&match_labels, "{'app': 1}").is_err());
    assert_eq!(fits(&Type::list(Type::Dyn), "schema.spec.ports.map(p, p.port)"), Ok(()));
}

#[test]
fn status_types_become_openapi() {
    let env = env();
    let status = |expression: &str| to_openapi(&check(expression, &env).unwrap());
    assert_eq!(status("deployment.status.availableReplicas"), json!({"type": "integer"}));
    assert_eq!(status("schema.spec.ports.map(p, p.name)"), json!({"type": "array", "items": {"type": "string"}}));
    assert_eq!(
        status("schema.spec.ports[0]"),
        json!({"type": "object", "properties": {"name": {"type": "string"}, "port": {"type": "integer"}}})
    );
}

#[test]
fn syntax_errors_and_hostile_input_are_errors_not_panics() {
    assert!(check("schema.spec.", &env()).is_err());
    assert!(check(&format!("{}1", "-".repeat(5000)), &env()).is_err());
    for source in [
        "",
        "(",
        "a.?",
        "[?1]",
        "{?'a': optional.none()}",
        "Foo{a: 1}",
        "cel.bind(1, 2, 3)",
        "cel.bind(x, 1)",
        "a.all(1, 2, 3)",
        "a.sortBy(1, 2)",
        "schema.spec.transformMapEntry(k, v, v)",
        "schema.spec.labels.transformMapEntry(k, v, {v: k})",
        "optional.none().optMap(x, x + 1)",
        "1.optMap(x, x)",
        "schema.spec.replicas.all(x, x)",
        "[1][?0]",
        "{'a': 1}[?'a']",
        "[1].exists(x, x == null)",
        "null == null",
        "schema.spec.ports.map(p, [p])",
        "a[?0].b.?c[1]",
    ] {
        let _ = check(source, &env());
    }
}

/// The embedded Kubernetes schemas, resolved through a cache of shared definitions.
struct Builtin(Mutex<HashMap<String, Arc<Value>>>);

impl RefResolver for Builtin {
    fn resolve(&self, reference: &str) -> Option<Arc<Value>> {
        let name = reference.strip_prefix("#/definitions/")?;
        let mut cache = self.0.lock().ok()?;
        if let Some(found) = cache.get(name) {
            return Some(Arc::clone(found));
        }
        let raw = crate::schemas::builtin().definition(name)?.raw()?;
        let shared = Arc::new(Value::Object(raw.clone()));
        cache.insert(name.to_string(), Arc::clone(&shared));
        Some(shared)
    }
}

fn builtin_kind(group: &str, kind: &str, name: &str) -> Type {
    let resolver: Arc<dyn RefResolver> = Arc::new(Builtin(Mutex::default()));
    let schema = crate::schemas::builtin().kind(group, "v1", kind).and_then(|k| k.schema().raw()).unwrap();
    type_of_schema(&Value::Object(schema.clone()), name, &resolver)
}

#[test]
fn the_embedded_kubernetes_schemas_type_real_expressions() {
    let mut env = CheckEnv::new();
    env.declare("deployment", builtin_kind("apps", "Deployment", "deployment"));
    env.declare("secret", builtin_kind("", "Secret", "secret"));
    env.declare("crd", builtin_kind("apiextensions.k8s.io", "CustomResourceDefinition", "crd"));
    let type_of = |expression: &str| check(expression, &env).map(|t| t.to_string()).map_err(|e| e[0].message.clone());
    assert_eq!(type_of("deployment.spec.replicas").as_deref(), Ok("int"));
    assert_eq!(type_of("deployment.status.availableReplicas > 0").as_deref(), Ok("bool"));
    assert_eq!(type_of("deployment.spec.selector.matchLabels").as_deref(), Ok("map(string, string)"));
    assert_eq!(type_of("deployment.spec.template.spec.containers[0].image").as_deref(), Ok("string"));
    assert_eq!(type_of("deployment.metadata.creationTimestamp").as_deref(), Ok("google.protobuf.Timestamp"));
    assert_eq!(type_of("secret.data['password']").as_deref(), Ok("bytes"));
    assert_eq!(
        type_of("crd.spec.versions[0].schema.openAPIV3Schema.properties['spec'].properties['x'].type").as_deref(),
        Ok("string")
    );
    let error = type_of("deployment.spec.replicass").unwrap_err();
    assert!(error.starts_with("undefined field 'replicass' on type 'deployment.spec'"), "{error}");
    let status = to_openapi(&check("deployment.status", &env).unwrap());
    assert_eq!(status["properties"]["availableReplicas"], json!({"type": "integer"}));
    // A recursive type re-derives without running away.
    let props = to_openapi(&check("crd.spec.versions[0].schema.openAPIV3Schema", &env).unwrap());
    assert_eq!(props["properties"]["type"], json!({"type": "string"}));
}

#[test]
fn deep_merge_checks_on_any_operands_and_gives_dyn() {
    assert_eq!(type_of("schema.spec.labels.deepMerge({'a': 'b'})"), "dyn");
    assert_eq!(type_of("a.deepMerge(b)"), "dyn");
    assert_eq!(type_of("{'a': {'b': 1}}.deepMerge({'a': {'c': 2}})"), "dyn");
    assert_eq!(
        errors("deepMerge({}, {})"),
        vec!["found no matching overload for 'deepMerge' applied to '(map(dyn, dyn), map(dyn, dyn))'"],
        "a method, not a global function"
    );
}

#[test]
fn omit_needs_its_feature_gate() {
    assert_eq!(errors("a ? 1 : omit()"), vec!["omit() requires the CELOmitFunction feature gate to be enabled"]);
    let mut with_omit = env();
    with_omit.allow_omit(true);
    assert_eq!(check("omit()", &with_omit).map(|t| t.to_string()), Ok("dyn".to_string()));
    assert_eq!(check("a ? 1 : omit()", &with_omit).map(|t| t.to_string()), Ok("dyn".to_string()));
    assert!(check("omit(1)", &with_omit).is_err(), "omit takes no arguments");
}

fn conditions_env() -> CheckEnv {
    let mut env = env();
    env.declare("runtime", runtime_type());
    env
}

#[test]
fn condition_expressions_type_to_conditions() {
    let env = conditions_env();
    let type_of = |e: &str| check(e, &env).map_or_else(|errors| panic!("{e}: {errors:?}"), |t| t.to_string());
    assert_eq!(type_of("runtime.newCondition({type: 'Ready', status: 'True'})"), "kro.run.Condition");
    assert_eq!(
        type_of(
            "runtime.newCondition({type: 'A', status: deployment.status.availableReplicas > 0 ? 'True' : 'False', reason: a, message: 'm'})"
        ),
        "kro.run.Condition"
    );
    assert_eq!(type_of("runtime.condition(schema, 'Ready')"), "kro.run.Condition");
    assert_eq!(type_of("runtime.condition(schema, 'Ready').status"), "string");
    assert_eq!(type_of("[runtime.newCondition({type: 'A', status: 'True'})]"), "list(kro.run.Condition)");
    assert!(is_condition(&check("runtime.condition(deployment, 'Available')", &env).unwrap()));
}

#[test]
fn condition_mistakes_are_type_errors() {
    let conditions = conditions_env();
    let errors = |e: &str| -> Vec<String> {
        match check(e, &conditions) {
            Ok(t) => panic!("{e}: expected an error, got {t}"),
            Err(errors) => errors.into_iter().map(|e| e.message).collect(),
        }
    };
    assert_eq!(
        errors("runtime.newCondition({type: 'A', status: true})"),
        vec!["runtime.newCondition: status must be a string, got bool"]
    );
    assert_eq!(errors("runtime.newCondition({type: 'A'})"), vec!["runtime.newCondition: 'status' is required"]);
    assert_eq!(
        errors("runtime.condition(schema, 'Ready').state"),
        vec!["undefined field 'state' on type 'kro.run.Condition'; did you mean 'status'?"]
    );
    assert_eq!(
        errors("runtime.condition(schema, 1)"),
        vec!["runtime.condition: the condition type must be a string, got int"]
    );
    // Without the variable (outside status.conditions), `runtime` is an unknown name.
    assert_eq!(
        check("runtime.newCondition({type: 'A', status: 'True'})", &env()).unwrap_err()[0].message,
        "undeclared reference to 'runtime' (in container '')"
    );
}

#[test]
fn kro_has_no_cross_type_numeric_comparisons_and_the_library_shapes_it_declares() {
    // kro does not enable cel-go's CrossTypeNumericComparisons: these are type errors there too.
    for expression in ["schema.spec.replicas < 2.5", "1 == 1.0", "1 in [1.0]"] {
        let found = errors(expression);
        assert!(found.iter().any(|e| e.contains("found no matching overload")), "{expression}: {found:?}");
    }
    // `sign` of a quantity is a global function in the API server's library; semver has no normalize flag.
    assert_eq!(type_of("sign(quantity('250m'))"), "int");
    assert!(errors("quantity('250m').sign()").iter().any(|e| e.contains("no matching overload")));
    assert!(errors("semver('v1', true)").iter().any(|e| e.contains("no matching overload")));
    assert_eq!(type_of("ip.isCanonical('::1')"), "bool");
    assert_eq!(type_of("json.encode({'a': 1})"), "string");
}

#[test]
fn the_optional_library_kro_enables_type_checks() {
    assert_eq!(type_of("[1, 2].first()"), "optional_type(int)");
    assert_eq!(type_of("['a'].last().orValue('')"), "string");
    assert_eq!(type_of("optional.unwrap([optional.of(1), optional.of(2)])"), "list(int)");
    assert_eq!(type_of("[optional.of('a')].unwrapOpt()"), "list(string)");
    assert_eq!(type_of("optional.of('web').optMap(n, n.upperAscii()).orValue('none')"), "string");
    assert_eq!(type_of("optional.of(2).optFlatMap(n, optional.of(n * 10)).orValue(0)"), "int");
}
