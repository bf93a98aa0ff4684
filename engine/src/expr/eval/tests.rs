use serde_json::json;

use super::*;

fn evaluator() -> Evaluator {
    Evaluator::new(EvalLimits::default()).unwrap()
}

fn eval(text: &str, vars: &[(&str, &JsonValue)]) -> Result<JsonValue, EvalError> {
    let evaluator = evaluator();
    let program = evaluator.compile(text).unwrap();
    let mut bindings = Bindings::new(&evaluator);
    for (name, value) in vars {
        bindings.bind(name, value);
    }
    bindings.evaluate(&program, &[])
}

fn schema() -> JsonValue {
    json!({"spec": {"name": "web", "replicas": 3, "labels": {"app": "web", "tier": "front"},
                    "ports": [80, 443], "items": (0..100).collect::<Vec<_>>()}})
}

#[test]
fn field_paths_take_the_fast_path_and_agree_with_the_interpreter() {
    let evaluator = evaluator();
    let data = schema();
    for (text, expected) in [
        ("schema.spec.name", json!("web")),
        ("schema.spec.replicas", json!(3)),
        ("schema.spec.labels", json!({"app": "web", "tier": "front"})),
        ("schema.spec.ports[1]", json!(443)),
        ("schema.spec.labels['tier']", json!("front")),
    ] {
        let program = evaluator.compile(text).unwrap();
        assert!(program.is_field_path(), "{text}");
        let mut bindings = Bindings::new(&evaluator);
        bindings.bind("schema", &data);
        assert_eq!(bindings.evaluate(&program, &[]).unwrap(), expected, "{text}");
        // The same expression through the interpreter gives the same value.
        let slow = evaluator.compile(&format!("[{text}][0]")).unwrap();
        assert!(!slow.is_field_path());
        assert_eq!(bindings.evaluate(&slow, &[]).unwrap(), expected, "[{text}][0]");
    }
}

#[test]
fn missing_data_is_pending_not_failure() {
    let data = schema();
    for text in ["schema.spec.missing", "schema.spec.ports[5]", "(schema.spec.missing)", "schema.spec.ports[5] + 1"] {
        let error = eval(text, &[("schema", &data)]).unwrap_err();
        assert!(error.is_pending(), "{text}: {error:?}");
    }
    let error = eval("schema.spec.missing", &[("schema", &data)]).unwrap_err();
    assert_eq!(error.message, "no such key: missing");
    // A resource that is not bound yet (not observed) is pending too.
    let error = eval("deployment.status.readyReplicas", &[("schema", &data)]).unwrap_err();
    assert!(error.is_pending(), "{error:?}");
}

#[test]
fn missing_data_read_inside_a_function_or_macro_is_pending_by_its_kind() {
    let data = schema();
    for text in [
        "[schema.spec.labels].map(l, l.missing)",
        "[schema.spec.labels].exists(l, l.missing == 'x')",
        "cel.bind(x, schema.spec.missing, x)",
        "string(schema.spec.missing)",
        "[schema.spec.ports[9]].size()",
    ] {
        let error = eval(text, &[("schema", &data)]).unwrap_err();
        assert!(error.is_pending(), "{text}: {error:?}");
    }
}

#[test]
fn a_function_failure_is_never_pending_whatever_its_message_says() {
    let data = schema();
    // The text of the failure names a missing key; the failure is still the function's, not missing data.
    for text in ["quantity('no such key: x')", "'no such key'.charAt(40)", "json.unmarshal('no such key')"] {
        let error = eval(text, &[("schema", &data)]).unwrap_err();
        assert_eq!(error.kind, EvalErrorKind::Failed, "{text}: {error:?}");
    }
}

#[test]
fn a_path_the_walk_cannot_decide_falls_back_to_cel_errors() {
    let data = schema();
    // A field of a string: the interpreter's own error, and a failure, not a wait.
    let error = eval("schema.spec.name.first", &[("schema", &data)]).unwrap_err();
    assert_eq!(error.kind, EvalErrorKind::Failed, "{error:?}");
}

#[test]
fn templates_and_macros_evaluate() {
    let data = schema();
    let vars = [("schema", &data)];
    assert_eq!(eval("schema.spec.name + '-svc'", &vars).unwrap(), json!("web-svc"));
    assert_eq!(eval("schema.spec.items.map(i, i * 2)[99]", &vars).unwrap(), json!(198));
    assert_eq!(eval("size(schema.spec.items.filter(i, i % 2 == 0))", &vars).unwrap(), json!(50));
    assert_eq!(eval("schema.spec.items.exists(i, i == 42)", &vars).unwrap(), json!(true));
    assert_eq!(eval("schema.spec.items.all(i, i < 100)", &vars).unwrap(), json!(true));
    assert_eq!(eval("cel.bind(n, schema.spec.name, n + n)", &vars).unwrap(), json!("webweb"));
    assert_eq!(
        eval("schema.spec.labels.transformMap(k, v, v + '!')", &vars).unwrap(),
        json!({"app": "web!", "tier": "front!"})
    );
    assert_eq!(eval("['a', 'b'].join('-')", &vars).unwrap(), json!("a-b"));
    assert_eq!(eval("'a.b.c'.replace('.', '/')", &vars).unwrap(), json!("a/b/c"));
    assert_eq!(eval("lists.range(3)", &vars).unwrap(), json!([0, 1, 2]));
    // `exists` keeps cel-go's error absorption after instrumentation: a true item wins over an error.
    assert_eq!(eval("[0, 1].exists(i, 1 / i == 1)", &vars).unwrap(), json!(true));
}

#[test]
fn locals_shadow_bindings() {
    let evaluator = evaluator();
    let data = schema();
    let item = json!({"name": "a"});
    let mut bindings = Bindings::new(&evaluator);
    bindings.bind("schema", &data);
    let fast = evaluator.compile("region.name").unwrap();
    assert_eq!(bindings.evaluate(&fast, &[("region", &item)]).unwrap(), json!("a"));
    let slow = evaluator.compile("schema.spec.name + '-' + region.name").unwrap();
    assert_eq!(bindings.evaluate(&slow, &[("region", &item)]).unwrap(), json!("web-a"));
}

#[test]
fn rebinding_a_variable_is_seen_by_the_next_evaluation() {
    let evaluator = evaluator();
    let (first, second) = (json!({"v": 1}), json!({"v": 2}));
    let program = evaluator.compile("x.v + 0").unwrap();
    let mut bindings = Bindings::new(&evaluator);
    bindings.bind("x", &first);
    assert_eq!(bindings.evaluate(&program, &[]).unwrap(), json!(1));
    bindings.bind("x", &second);
    assert_eq!(bindings.evaluate(&program, &[]).unwrap(), json!(2));
}

#[test]
fn conditions_treat_null_as_false_and_reject_other_types() {
    let evaluator = evaluator();
    let data = json!({"spec": {"on": true, "off": null, "name": "x"}});
    let mut bindings = Bindings::new(&evaluator);
    bindings.bind("schema", &data);
    let mut check = |text: &str| bindings.evaluate_bool(&evaluator.compile(text).unwrap(), &[]);
    assert_eq!(check("schema.spec.on"), Ok(true));
    assert_eq!(check("schema.spec.off"), Ok(false));
    let error = check("schema.spec.name").unwrap_err();
    assert_eq!(error.message, "schema.spec.name must evaluate to a bool, got string");
}

#[test]
fn bytes_results_are_refused_with_kros_explanation() {
    let error = eval("b'abc'", &[]).unwrap_err();
    assert_eq!(error.kind, EvalErrorKind::Failed);
    assert!(error.message.contains("base64.encode"), "{}", error.message);
}

#[test]
fn nested_comprehensions_exhaust_the_iteration_budget() {
    let limits = EvalLimits { max_iterations: 10_000, ..EvalLimits::default() };
    let evaluator = Evaluator::new(limits).unwrap();
    let mut bindings = Bindings::new(&evaluator);
    let ok = evaluator.compile("lists.range(50).map(i, lists.range(50).map(j, i * j)).size()").unwrap();
    assert_eq!(bindings.evaluate(&ok, &[]).unwrap(), json!(50));
    let hostile = evaluator.compile("lists.range(1000).map(i, lists.range(1000).map(j, i * j)).size()").unwrap();
    let error = bindings.evaluate(&hostile, &[]).unwrap_err();
    assert_eq!(error.kind, EvalErrorKind::Failed);
    assert!(error.message.contains("cost budget"), "{}", error.message);
}

#[test]
fn strings_that_grow_past_the_limit_fail() {
    let limits = EvalLimits { max_string_chars: 1000, ..EvalLimits::default() };
    let evaluator = Evaluator::new(limits).unwrap();
    let mut bindings = Bindings::new(&evaluator);
    // Doubling through cel.bind: 2^20 characters without a limit.
    let mut text = "'ab'".to_string();
    for i in 0..10 {
        text = format!("cel.bind(s{i}, {text}, s{i} + s{i})");
    }
    let text = format!("cel.bind(t, {text}, t + t + t + t + t + t + t + t + t + t)");
    let error = bindings.evaluate(&evaluator.compile(&text).unwrap(), &[]).unwrap_err();
    assert!(error.message.contains("exceeds the limit of 1000"), "{}", error.message);
    // One replace would multiply the length: refused before it runs.
    let text = "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'.replace('a', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb')";
    let error = bindings.evaluate(&evaluator.compile(text).unwrap(), &[]).unwrap_err();
    assert!(error.message.contains("replace could build"), "{}", error.message);
    let text = "lists.range(100).map(i, 'xxxxxxxxxxxxxxxxxxxx').join(',')";
    let error = bindings.evaluate(&evaluator.compile(text).unwrap(), &[]).unwrap_err();
    assert!(error.message.contains("join would build"), "{}", error.message);
}

#[test]
fn huge_lists_are_refused_before_they_are_built() {
    let limits = EvalLimits { max_list_len: 1000, ..EvalLimits::default() };
    let evaluator = Evaluator::new(limits).unwrap();
    let mut bindings = Bindings::new(&evaluator);
    let error = bindings.evaluate(&evaluator.compile("size(lists.range(1000000000))").unwrap(), &[]).unwrap_err();
    assert!(error.message.contains("a list of 1000000000 entries"), "{}", error.message);
    let error =
        bindings.evaluate(&evaluator.compile("cel.bind(l, lists.range(600), l + l)").unwrap(), &[]).unwrap_err();
    assert!(error.message.contains("1200 entries"), "{}", error.message);
}

#[test]
fn deep_comprehension_nesting_is_refused_at_compile_time() {
    let limits = EvalLimits { max_comprehension_depth: 2, ..EvalLimits::default() };
    let evaluator = Evaluator::new(limits).unwrap();
    assert!(evaluator.compile("[1].map(a, [2].map(b, a + b))").is_ok());
    let error = evaluator.compile("[1].map(a, [2].map(b, [3].map(c, a + b + c)))").unwrap_err();
    assert_eq!(error.message, "3 comprehensions are nested; the limit is 2");
}

#[test]
fn syntax_errors_and_hostile_sizes_fail_to_compile() {
    let evaluator = evaluator();
    assert!(evaluator.compile("schema.spec.(").is_err());
    let deep = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
    assert!(evaluator.compile(&deep).is_err());
    // Without kro's macros the bounded parser's tree is used, so deep (but bounded) nesting is fine.
    let nested = format!("{}1{}", "(".repeat(90), ")".repeat(90));
    assert!(evaluator.compile(&nested).is_ok());
    // With them, the macro-expanding parser gets a shallower bound.
    let nested = format!("cel.bind(x, 1, {}x{})", "(".repeat(20), ")".repeat(20));
    let error = evaluator.compile(&nested).unwrap_err();
    assert!(error.message.contains("the limit for those is 12"), "{}", error.message);
}

#[test]
fn compiled_programs_are_cached_by_text() {
    let evaluator = evaluator();
    let a = evaluator.compile("schema.spec.name + 'x'").unwrap();
    let b = evaluator.compile("schema.spec.name + 'x'").unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(a.references(), ["schema".to_string()]);
}

#[test]
fn the_evaluator_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Evaluator>();
    assert_send_sync::<Program>();
}

#[test]
fn optional_macros_and_list_ends_evaluate() {
    assert_eq!(eval("optional.of('web').optMap(n, n.upperAscii()).orValue('none')", &[]).unwrap(), json!("WEB"));
    assert_eq!(eval("optional.of(2).optFlatMap(n, optional.of(n * 10)).orValue(0)", &[]).unwrap(), json!(20));
    assert_eq!(eval("[3, 4].last().orValue(0)", &[]).unwrap(), json!(4));
    assert_eq!(eval("optional.unwrap([optional.of(1), optional.none()])", &[]).unwrap(), json!([1]));
}
