#![allow(clippy::unwrap_used, clippy::panic, clippy::format_push_string)] // benchmark set-up, not engine code
//! `rgd_build`: the whole front half (parse -> validate -> DAG -> CRD) on the examples and on generated RGDs of
//! 10, 100 and 500 resources, shaped as chains (each reads the previous) and fan-outs (all read the first).
//! Run with `make bench`; the figures are reported in the issue notes, never asserted in tests.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kro_engine::{Engine, EngineOptions};

#[derive(Clone, Copy)]
enum Shape {
    Chain,
    FanOut,
}

/// An RGD of `n` config maps with a realistic mix of literal and expression values.
fn generated(n: usize, shape: Shape) -> String {
    let mut out = String::from(
        "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata:\n  name: generated\nspec:\n  schema:\n    apiVersion: v1alpha1\n    kind: Generated\n    spec:\n      name: string | required=true\n      replicas: integer | default=1 minimum=1\n      labels: map[string]string\n    status:\n      first: ${r0.metadata.name}\n  resources:\n",
    );
    for i in 0..n {
        let name = match (shape, i) {
            (_, 0) => "${schema.spec.name}-0".to_string(),
            (Shape::Chain, i) => format!("${{r{}.metadata.name}}-{i}", i - 1),
            (Shape::FanOut, i) => format!("${{r0.metadata.name}}-{i}"),
        };
        out.push_str(&format!(
            "    - id: r{i}\n      template:\n        apiVersion: v1\n        kind: ConfigMap\n        metadata:\n          name: {name}\n          labels: ${{schema.spec.labels}}\n        data:\n          replicas: \"${{string(schema.spec.replicas)}}\"\n          fixed: value-{i}\n          url: http://${{schema.spec.name}}.example.com/{i}\n"
        ));
    }
    out
}

fn bench(c: &mut Criterion) {
    let engine = Engine::new(EngineOptions::default()).unwrap();
    let mut examples = c.benchmark_group("rgd_build/examples");
    for name in ["webapp", "webapp-db", "tenant", "worker"] {
        let Ok(text) = std::fs::read_to_string(format!("{}/../examples/{name}/rgd.yaml", env!("CARGO_MANIFEST_DIR")))
        else {
            continue;
        };
        examples.bench_function(name, |b| b.iter(|| engine.compile_text(black_box(&text))));
    }
    examples.finish();

    for (label, shape) in [("chain", Shape::Chain), ("fan_out", Shape::FanOut)] {
        let mut group = c.benchmark_group(format!("rgd_build/{label}"));
        for n in [10, 100, 500] {
            let text = generated(n, shape);
            let docs = engine.compile_text(&text);
            assert!(docs[0].rgd.is_some(), "generated RGD must be valid: {:?}", docs[0].diagnostics);
            group.throughput(Throughput::Elements(n as u64));
            group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
                b.iter(|| engine.compile_text(black_box(text)));
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
