#![allow(clippy::unwrap_used, clippy::panic)] // benchmark set-up, not engine code
//! `eval`: compiling and evaluating kro expressions with the engine's evaluator (`kro_engine::bench_support`,
//! internals exposed for benchmarks only).
//!
//! - `compile/*`: `Evaluator::compile` on an empty cache (a fresh evaluator built outside the timing for each
//!   call), and on a cache hit.
//! - `field_path/*`: plain field paths, resolved straight on the JSON (the fast path).
//! - `template`, `macro/*`, `random/*`: the interpreter, with the variables already converted to CEL (steady
//!   state: `Bindings` convert a variable the first time an expression reads it, once per reconcile).
//! - `first_eval/*`: fresh `Bindings` per call, so the JSON -> CEL conversion of `schema` is in the timing.
//!
//! Run with `cargo bench -p kro-engine --bench eval`; the figures are recorded in
//! `docs/decisions/0008-cel-implementation.md`, never asserted in tests.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use kro_engine::EvalLimits;
use kro_engine::bench_support::{Bindings, Evaluator, Template};
use serde_json::{Value, json};

const FIELD_PATH: &str = "schema.spec.name";
const STRING_TEMPLATE: &str = "schema.spec.name + '-' + string(schema.spec.replicas)";
const MAP_MACRO: &str = "schema.spec.ports.map(p, p.port)";

fn evaluator() -> Evaluator {
    Evaluator::new(EvalLimits::default()).unwrap()
}

/// An instance's `schema`: a few scalars, a 100-int list and a list of 100 port maps.
fn schema() -> Value {
    let ports: Vec<Value> = (0..100)
        .map(|i| json!({"name": format!("port-{i}"), "port": 8000 + i, "protocol": if i % 2 == 0 { "TCP" } else { "UDP" }}))
        .collect();
    json!({
        "apiVersion": "kro.run/v1alpha1",
        "kind": "WebApp",
        "metadata": {"name": "my-app", "namespace": "default", "uid": "5f0c1e8e-2d4b-4c1a-9d7e-0a1b2c3d4e5f"},
        "spec": {
            "name": "web",
            "env": "prod",
            "replicas": 3,
            "image": "nginx:1.27",
            "labels": {"app": "web", "tier": "front"},
            "items": (0..100).collect::<Vec<_>>(),
            "ports": ports,
        }
    })
}

/// An observed apps/v1 Deployment, status included.
fn deployment() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web", "namespace": "default", "uid": "0b6f3c1a-7f55-4b0e-8d0c-2f1e3d4c5b6a",
            "resourceVersion": "123456", "generation": 2,
            "labels": {"app": "web", "kro.run/owned": "true", "kro.run/instance-name": "my-app"},
            "annotations": {"deployment.kubernetes.io/revision": "2"},
            "creationTimestamp": "2025-01-01T00:00:00Z"
        },
        "spec": {
            "replicas": 3,
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
            "selector": {"matchLabels": {"app": "web", "tier": "front"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {
                "metadata": {"labels": {"app": "web", "tier": "front"}},
                "spec": {
                    "containers": [{
                        "name": "web", "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent",
                        "ports": [{"containerPort": 80, "protocol": "TCP"}],
                        "env": [{"name": "ENV", "value": "prod"}, {"name": "LOG_LEVEL", "value": "info"}],
                        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                                      "limits": {"cpu": "500m", "memory": "256Mi"}},
                        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"
                    }],
                    "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler",
                    "terminationGracePeriodSeconds": 30, "securityContext": {}
                }
            }
        },
        "status": {
            "observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
            "conditions": [
                {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                 "message": "Deployment has minimum availability.",
                 "lastUpdateTime": "2025-01-01T00:01:00Z", "lastTransitionTime": "2025-01-01T00:01:00Z"},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                 "message": "ReplicaSet \"web-7c9d8f\" has successfully progressed.",
                 "lastUpdateTime": "2025-01-01T00:01:00Z", "lastTransitionTime": "2025-01-01T00:00:00Z"}
            ]
        }
    })
}

/// An observed `LoadBalancer` Service.
fn service() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {
            "type": "LoadBalancer",
            "selector": {"app": "web", "tier": "front"},
            "ports": [{"name": "http", "port": 80, "targetPort": 80, "protocol": "TCP"}],
            "clusterIP": "10.96.12.34", "clusterIPs": ["10.96.12.34"]
        },
        "status": {"loadBalancer": {"ingress": [{"hostname": "a1b2c3.elb.eu-west-1.amazonaws.com"}]}}
    })
}

fn bench_compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    for (name, text) in [("field_path", FIELD_PATH), ("string_template", STRING_TEMPLATE), ("map_macro", MAP_MACRO)] {
        // A fresh evaluator (its environment built in the untimed set-up) so every timed call misses the cache.
        group.bench_function(format!("uncached/{name}"), |b| {
            b.iter_batched_ref(
                evaluator,
                |evaluator| evaluator.compile(black_box(text)).unwrap(),
                BatchSize::SmallInput,
            );
        });
    }
    let evaluator = evaluator();
    evaluator.compile(STRING_TEMPLATE).unwrap();
    group.bench_function("cache_hit/string_template", |b| {
        b.iter(|| evaluator.compile(black_box(STRING_TEMPLATE)).unwrap());
    });
    group.finish();
}

/// Compiles `text`, checks it evaluates to `expected` with `bindings` and then times its evaluation.
fn bench_evaluation(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    evaluator: &Evaluator,
    bindings: &mut Bindings<'_>,
    text: &str,
    expected: &Value,
) {
    let program = evaluator.compile(text).unwrap();
    assert_eq!(&bindings.evaluate(&program, &[]).unwrap(), expected, "{text}");
    group.bench_function(name, |b| b.iter(|| bindings.evaluate(black_box(&program), &[]).unwrap()));
}

fn bench_field_paths(c: &mut Criterion) {
    let evaluator = evaluator();
    let (schema, deployment, service) = (schema(), deployment(), service());
    let mut bindings = Bindings::new(&evaluator);
    bindings.bind("schema", &schema);
    bindings.bind("deployment", &deployment);
    bindings.bind("service", &service);
    let mut group = c.benchmark_group("field_path");
    for (name, text, expected) in [
        ("schema_spec_name", "schema.spec.name", json!("web")),
        ("deployment_match_labels", "deployment.spec.selector.matchLabels", json!({"app": "web", "tier": "front"})),
        (
            "service_ingress_hostname",
            "service.status.loadBalancer.ingress[0].hostname",
            json!("a1b2c3.elb.eu-west-1.amazonaws.com"),
        ),
    ] {
        assert!(evaluator.compile(text).unwrap().is_field_path(), "{text}");
        bench_evaluation(&mut group, name, &evaluator, &mut bindings, text, &expected);
    }
    group.finish();
}

fn bench_template(c: &mut Criterion) {
    let evaluator = evaluator();
    let schema = schema();
    let mut bindings = Bindings::new(&evaluator);
    bindings.bind("schema", &schema);
    let mut group = c.benchmark_group("template");
    let text = "schema.spec.name + '-' + schema.spec.env";
    assert!(!evaluator.compile(text).unwrap().is_field_path());
    bench_evaluation(&mut group, "name_dash_env", &evaluator, &mut bindings, text, &json!("web-prod"));
    // The same string written as a kro template, compiled once as the planner has it: two field paths and a
    // literal, with no CEL interpreter involved.
    let template = Template::compile(&json!("${schema.spec.name}-${schema.spec.env}"), &evaluator);
    assert_eq!(template.render_value(&mut bindings).unwrap(), Some(json!("web-prod")));
    group.bench_function("compiled_template_name_dash_env", |b| {
        b.iter(|| black_box(&template).render_value(&mut bindings).unwrap());
    });
    group.finish();
}

fn bench_macros(c: &mut Criterion) {
    let evaluator = evaluator();
    let schema = schema();
    let mut bindings = Bindings::new(&evaluator);
    bindings.bind("schema", &schema);
    let doubled: Vec<i64> = (0..100).map(|i| i * 2).collect();
    let evens: Vec<i64> = (0..100).filter(|i| i % 2 == 0).collect();
    let port_numbers: Vec<i64> = (0..100).map(|i| 8000 + i).collect();
    let tcp_ports: Vec<Value> = schema["spec"]["ports"].as_array().unwrap().iter().step_by(2).cloned().collect();
    let mut group = c.benchmark_group("macro");
    for (name, text, expected) in [
        ("ints100_map", "schema.spec.items.map(i, i * 2)", json!(doubled)),
        ("ints100_filter", "schema.spec.items.filter(i, i % 2 == 0)", json!(evens)),
        ("ints100_exists_last", "schema.spec.items.exists(i, i == 99)", json!(true)),
        ("maps100_map", "schema.spec.ports.map(p, p.port)", json!(port_numbers)),
        ("maps100_filter", "schema.spec.ports.filter(p, p.protocol == 'TCP')", json!(tcp_ports)),
        ("maps100_exists_last", "schema.spec.ports.exists(p, p.port == 8099)", json!(true)),
    ] {
        bench_evaluation(&mut group, name, &evaluator, &mut bindings, text, &expected);
    }
    // The same `exists` through `evaluate_bool`, as `includeWhen`/`readyWhen` run.
    let program = evaluator.compile("schema.spec.items.exists(i, i == 99)").unwrap();
    group.bench_function("ints100_exists_last_bool", |b| {
        b.iter(|| assert!(bindings.evaluate_bool(black_box(&program), &[]).unwrap()));
    });
    group.finish();
}

fn bench_random(c: &mut Criterion) {
    let evaluator = evaluator();
    let schema = schema();
    let mut bindings = Bindings::new(&evaluator);
    bindings.bind("schema", &schema);
    let program = evaluator.compile("random.seededString(10, schema.metadata.name)").unwrap();
    let value = bindings.evaluate(&program, &[]).unwrap();
    assert_eq!(value.as_str().map(str::len), Some(10), "{value}");
    let mut group = c.benchmark_group("random");
    group.bench_function("seeded_string_10", |b| b.iter(|| bindings.evaluate(black_box(&program), &[]).unwrap()));
    group.finish();
}

fn bench_first_evaluation(c: &mut Criterion) {
    let evaluator = evaluator();
    let schema = schema();
    let mut group = c.benchmark_group("first_eval");
    // Fresh bindings each call: the timing includes converting all of `schema` (100 ints, 100 port maps) to CEL.
    for (name, text) in [
        ("template_incl_conversion", "schema.spec.name + '-' + schema.spec.env"),
        ("maps100_map_incl_conversion", MAP_MACRO),
    ] {
        let program = evaluator.compile(text).unwrap();
        group.bench_function(name, |b| {
            b.iter_batched_ref(
                || {
                    let mut bindings = Bindings::new(&evaluator);
                    bindings.bind("schema", &schema);
                    bindings
                },
                |bindings| bindings.evaluate(black_box(&program), &[]).unwrap(),
                BatchSize::SmallInput,
            );
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    bench_compile,
    bench_field_paths,
    bench_template,
    bench_macros,
    bench_random,
    bench_first_evaluation
);
criterion_main!(benches);
