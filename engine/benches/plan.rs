#![allow(clippy::unwrap_used, clippy::panic, clippy::format_push_string)] // benchmark set-up, not engine code
//! `plan`: one reconcile's plan for instances of generated RGDs of 10, 50 and 200 resources (each reads the
//! first, a realistic mix of literal and expression values), and of a 1,000-item forEach collection. Measured in
//! steady state (every resource observed, as the operator sees it on each resync: everything renders, readiness
//! and status are evaluated) and on the first pass (nothing observed yet). Run with `make bench`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kro_engine::{CompiledRgd, Engine, EngineOptions, PlanOptions};
use serde_json::{Value, json};

fn fan_out(n: usize) -> String {
    let mut out = String::from(
        "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata:\n  name: generated\nspec:\n  schema:\n    apiVersion: v1alpha1\n    kind: Generated\n    spec:\n      name: string | required=true\n      replicas: integer | default=1 minimum=1\n      labels: map[string]string\n    status:\n      first: ${r0.metadata.name}\n  resources:\n",
    );
    for i in 0..n {
        let name = if i == 0 { "${schema.spec.name}-0".to_string() } else { format!("${{r0.metadata.name}}-{i}") };
        out.push_str(&format!(
            "    - id: r{i}\n      template:\n        apiVersion: v1\n        kind: ConfigMap\n        metadata:\n          name: {name}\n          labels: ${{schema.spec.labels}}\n        data:\n          replicas: \"${{string(schema.spec.replicas)}}\"\n          fixed: value-{i}\n          url: http://${{schema.spec.name}}.example.com/{i}\n"
        ));
    }
    out
}

const COLLECTION: &str = r#"apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: fleet
spec:
  schema:
    apiVersion: v1alpha1
    kind: Fleet
    spec:
      sites: "[]string"
  resources:
    - id: sites
      forEach:
        - site: ${schema.spec.sites}
      readyWhen:
        - ${each.data.site != ""}
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: site-${site}
        data:
          site: ${site}
          url: https://${site}.example.com
"#;

fn compiled(text: &str, engine: &Engine) -> CompiledRgd {
    engine.compile_text(text).into_iter().next().and_then(|d| d.rgd).unwrap()
}

/// The objects the cluster holds once the instance is ACTIVE: the last simulated step's.
fn settled(engine: &Engine, rgd: &CompiledRgd, instance: &Value, options: &PlanOptions) -> Vec<Value> {
    let simulation = engine.simulate(rgd, instance, &[], options);
    assert!(simulation.outcome.is_ok(), "{:?}", simulation.outcome);
    simulation.steps.last().unwrap().plan.resources.iter().map(|a| a.object.clone()).collect()
}

fn bench(c: &mut Criterion) {
    let engine = Engine::new(EngineOptions::default()).unwrap();
    let options = PlanOptions::default();
    let mut group = c.benchmark_group("plan/fan_out");
    for n in [10, 50, 200] {
        let rgd = compiled(&fan_out(n), &engine);
        let instance = json!({"apiVersion": "kro.run/v1alpha1", "kind": "Generated",
            "metadata": {"name": "g", "namespace": "default", "uid": "u", "generation": 1},
            "spec": {"name": "app", "replicas": 2, "labels": {"team": "a", "tier": "web"}}});
        let observed = settled(&engine, &rgd, &instance, &options);
        assert_eq!(engine.plan(&rgd, &instance, &observed, &options).resources.len(), n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("steady", n), &observed, |b, observed| {
            b.iter(|| engine.plan(&rgd, &instance, black_box(observed), &options));
        });
        group.bench_with_input(BenchmarkId::new("first_pass", n), &instance, |b, instance| {
            b.iter(|| engine.plan(&rgd, black_box(instance), &[], &options));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("plan/collection");
    let rgd = compiled(COLLECTION, &engine);
    let sites: Vec<String> = (0..1000).map(|i| format!("s{i}")).collect();
    let instance = json!({"apiVersion": "kro.run/v1alpha1", "kind": "Fleet",
        "metadata": {"name": "f", "namespace": "default", "uid": "u", "generation": 1}, "spec": {"sites": sites}});
    let observed = settled(&engine, &rgd, &instance, &options);
    assert_eq!(engine.plan(&rgd, &instance, &observed, &options).resources.len(), 1000);
    group.throughput(Throughput::Elements(1000));
    group.sample_size(20);
    group.bench_function("steady/1000", |b| b.iter(|| engine.plan(&rgd, &instance, black_box(&observed), &options)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
