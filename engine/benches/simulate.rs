#![allow(clippy::unwrap_used, clippy::panic, clippy::format_push_string)] // benchmark set-up, not engine code
//! `simulate`: the simulated reconciles the playground runs on every edit. The 100-ConfigMap chain of the
//! playground's speed test (each names the one before it: 101 passes) and the webapp example, each simulated
//! alone, and the chain's whole edit as the playground's worker makes it through a `Workspace` (compile,
//! diagnostics, graph, CRD, simulation, the last step's plan and values). Run with `make bench` or
//! `cargo bench -p kro-engine --bench simulate`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kro_engine::{CompiledRgd, DocumentKind, Engine, EngineOptions, PlanOptions, PlanRequest, Workspace, output};

/// The playground test's chain (`web-playground/tests/playground.test.mjs`): `n` `ConfigMap`s, each naming the
/// one before it, a graph `n` waves deep.
fn chain(n: usize) -> String {
    let mut text = String::from(
        "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata:\n  name: chain\nspec:\n  schema:\n    \
         apiVersion: v1alpha1\n    kind: Chain\n    spec:\n      name: string | default=\"c\"\n  resources:\n",
    );
    for i in 0..n {
        let name = if i == 0 { "${schema.spec.name}".to_string() } else { format!("${{cm{}.metadata.name}}-x", i - 1) };
        text.push_str(&format!(
            "    - id: cm{i}\n      template:\n        apiVersion: v1\n        kind: ConfigMap\n        metadata:\n          \
             name: \"{name}\"\n        data:\n          index: \"{i}\"\n"
        ));
    }
    text
}

const CHAIN_INSTANCE: &str =
    "apiVersion: kro.run/v1alpha1\nkind: Chain\nmetadata:\n  name: demo\n  namespace: default\nspec: {}\n";
const WEBAPP: &str = include_str!("../../examples/webapp/rgd.yaml");
const WEBAPP_INSTANCE: &str = include_str!("../../examples/webapp/instance.yaml");

fn compiled(engine: &Engine, text: &str) -> CompiledRgd {
    engine.compile_text(text).into_iter().next().and_then(|d| d.rgd).unwrap()
}

fn bench(c: &mut Criterion) {
    let engine = Engine::new(EngineOptions::default()).unwrap();
    let options = PlanOptions::default();
    let mut group = c.benchmark_group("simulate");
    group.sample_size(20);
    for (name, rgd, instance, steps) in
        [("chain100", chain(100), CHAIN_INSTANCE, 101), ("webapp", WEBAPP.to_string(), WEBAPP_INSTANCE, 0)]
    {
        let rgd = compiled(&engine, &rgd);
        let instance = engine.instance_from_text(&rgd, instance).unwrap();
        let simulation = engine.simulate(&rgd, &instance, &[], &options);
        assert!(simulation.outcome.is_ok(), "{:?}", simulation.outcome);
        assert!(steps == 0 || simulation.steps.len() == steps);
        group.bench_function(name, |b| b.iter(|| engine.simulate(&rgd, black_box(&instance), &[], &options)));
    }
    group.finish();

    // The playground's edit of the chain: the RGD's name changes, so it is compiled again and every view asked.
    let mut group = c.benchmark_group("edit");
    group.sample_size(20);
    let text = chain(100);
    let mut ws = Workspace::new(engine.clone());
    ws.set("instance", DocumentKind::Instance, CHAIN_INSTANCE);
    ws.set("observed", DocumentKind::Observed, "");
    let request = PlanRequest { rgd: "rgd", instance: "instance", observed: Some("observed") };
    let mut round = 0usize;
    group.bench_function("chain100", |b| {
        b.iter(|| {
            round += 1;
            let name = if round.is_multiple_of(2) { "name: chain" } else { "name: chainx" };
            ws.set("rgd", DocumentKind::Rgds, &text.replacen("name: chain", name, 1));
            black_box(ws.diagnostics("rgd"));
            let rgds = ws.valid_rgds("rgd").unwrap();
            black_box((output::graph_json(rgds[0]), output::crd_yaml(rgds[0])));
            let simulation = ws.simulation(&request, &options).unwrap();
            let last = simulation.len();
            black_box(output::plan_json(&simulation.step(last - 1).unwrap().plan));
            black_box(ws.values(&request, &options, last).unwrap());
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
