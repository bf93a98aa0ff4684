//! A simulation that keeps what earlier passes rendered must give exactly what planning every pass from scratch
//! gives: every step's plan (objects, what waits and why, states, status, prune), what each step planned from
//! (so the values of expressions at a step too) and the outcome, on every example, every fixture with an
//! instance, scripted events, and the 100-ConfigMap chain, where it renders each resource once.

use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::Memo;
use crate::engine::{Engine, EngineOptions};
use crate::graph::CompiledRgd;
use crate::plan::simulate::simulate_with;
use crate::plan::{PlanOptions, SimulatedEffect, SimulatedEvent, Simulation};

/// The simulation of `instance` kept incrementally and planned from scratch, compared; the memo is returned
/// for what it counted.
fn compare(engine: &Engine, rgd: &CompiledRgd, instance: &Value, observed: &[Value], options: &PlanOptions) -> Memo {
    let input = engine.plan_input(rgd, instance, observed, options);
    let mut memo = Memo::default();
    let kept = simulate_with(&input, Some(&mut memo)).to_simulation();
    let scratch = simulate_with(&input, None).to_simulation();
    if let Some(step) = kept.steps.iter().zip(&scratch.steps).position(|(k, s)| k != s) {
        panic!(
            "{}: step {} differs (events {:?}):\nkept:    {:#?}\nscratch: {:#?}",
            rgd.name,
            step + 1,
            options.events,
            kept.steps[step],
            scratch.steps[step]
        );
    }
    assert_eq!(kept, scratch, "{}: the steps or the outcome differ (events {:?})", rgd.name, options.events);
    for index in 0..kept.steps.len() {
        assert_eq!(values(engine, rgd, &kept, index, options), values(engine, rgd, &scratch, index, options));
    }
    memo
}

fn values(engine: &Engine, rgd: &CompiledRgd, simulation: &Simulation, index: usize, options: &PlanOptions) -> Value {
    serde_json::to_value(engine.step_values(rgd, simulation, index, options)).unwrap_or_default()
}

/// Every resource made not ready from step 2, then refused by the API server from step 2, one at a time.
fn with_events(rgd: &CompiledRgd) -> Vec<PlanOptions> {
    let mut all = Vec::new();
    for resource in &rgd.resources {
        for effect in [SimulatedEffect::NotReady, SimulatedEffect::Failed("denied by a webhook".into())] {
            let event = SimulatedEvent { id: resource.id.clone(), from_step: 2, effect };
            all.push(PlanOptions { events: vec![event], ..PlanOptions::default() });
        }
    }
    all
}

/// A folder's RGD (compiled with the CRDs of its `crds/`), instance and observed objects, when it has an
/// instance the API server would take.
fn case(folder: &Path) -> Option<(Engine, CompiledRgd, Value, Vec<Value>)> {
    let instance = fs::read_to_string(folder.join("instance.yaml")).ok()?;
    let mut engine = Engine::new(EngineOptions::default()).unwrap();
    let mut crds: Vec<PathBuf> = fs::read_dir(folder.join("crds"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    crds.sort();
    for file in crds {
        for doc in engine.load_objects(&fs::read_to_string(file).unwrap()).unwrap() {
            engine.catalog_mut().add_crd_json(&doc);
        }
    }
    let docs = engine.compile_text(&fs::read_to_string(folder.join("rgd.yaml")).unwrap());
    let [doc] = docs.as_slice() else { return None };
    let rgd = doc.rgd.clone()?;
    let instance = engine.instance_from_text(&rgd, &instance).ok()?;
    let observed = match fs::read_to_string(folder.join("observed.yaml")) {
        Ok(text) => engine.load_objects(&text).unwrap(),
        Err(_) => Vec::new(),
    };
    Some((engine, rgd, instance, observed))
}

fn folders(under: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(under);
    let mut all: Vec<PathBuf> = fs::read_dir(root).unwrap().filter_map(Result::ok).map(|e| e.path()).collect();
    all.sort();
    all
}

#[test]
fn every_example_simulates_the_same_kept_as_from_scratch_with_and_without_scripted_events() {
    let mut compared = 0;
    for folder in folders("examples") {
        let Some((engine, rgd, instance, observed)) = case(&folder) else { continue };
        compare(&engine, &rgd, &instance, &observed, &PlanOptions::default());
        for options in with_events(&rgd) {
            compare(&engine, &rgd, &instance, &observed, &options);
        }
        compared += 1;
    }
    assert!(compared >= 6, "only {compared} examples were compared");
}

#[test]
fn every_fixture_with_an_instance_simulates_the_same_kept_as_from_scratch() {
    let mut compared = 0;
    for folder in folders("tests/fixtures") {
        let Some((engine, rgd, instance, observed)) = case(&folder) else { continue };
        let options = PlanOptions { kro_version: "dev".to_string(), ..PlanOptions::default() };
        compare(&engine, &rgd, &instance, &observed, &options);
        compared += 1;
    }
    assert!(compared >= 30, "only {compared} fixtures were compared");
}

/// `n` `ConfigMap`s, each naming the one before it (the playground's speed test).
fn chain(n: usize) -> String {
    let mut text = String::from(
        "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata: {name: chain}\nspec:\n  schema:\n    \
         apiVersion: v1alpha1\n    kind: Chain\n    spec:\n      name: string | default=\"c\"\n  resources:\n",
    );
    for i in 0..n {
        let name = if i == 0 { "${schema.spec.name}".to_string() } else { format!("${{cm{}.metadata.name}}-x", i - 1) };
        let _ = write!(
            text,
            "    - id: cm{i}\n      template:\n        apiVersion: v1\n        kind: ConfigMap\n        metadata:\n          \
             name: \"{name}\"\n        data:\n          index: \"{i}\"\n"
        );
    }
    text
}

#[test]
fn the_hundred_configmap_chain_simulates_the_same_and_renders_each_resource_once() {
    let engine = Engine::new(EngineOptions::default()).unwrap();
    let rgd = engine.compile_text(&chain(100)).into_iter().next().and_then(|d| d.rgd).unwrap();
    let text = "apiVersion: kro.run/v1alpha1\nkind: Chain\nmetadata: {name: demo, namespace: default}\nspec: {}\n";
    let instance = engine.instance_from_text(&rgd, text).unwrap();
    let memo = compare(&engine, &rgd, &instance, &[], &PlanOptions::default());
    // 101 passes; from scratch, pass k renders the resources whose dependencies are ready, k of them and all
    // 100 in the last: 5,150 renders.
    assert_eq!(memo.misses, 100, "each resource rendered once");
    assert_eq!(memo.hits, 5150 - 100);
    // A resource in the middle made not ready, or refused, part way.
    for effect in [SimulatedEffect::NotReady, SimulatedEffect::Failed("denied".into())] {
        let event = SimulatedEvent { id: "cm40".into(), from_step: 30, effect };
        compare(&engine, &rgd, &instance, &[], &PlanOptions { events: vec![event], ..PlanOptions::default() });
    }
}

/// `b` reads `a`, the collection `c` reads both, and `d` reads `c`: the cluster already holds `a` and `b` with
/// other data and the items `c` renders from those, so each pass that applies one changes what the next reads.
const CHANGING: &str = r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: changing}
spec:
  schema:
    apiVersion: v1alpha1
    kind: Changing
    spec:
      value: string
  resources:
    - id: a
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: "${schema.metadata.name}-a"}
        data: {v: "${schema.spec.value}"}
    - id: b
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: "${schema.metadata.name}-b"}
        data: {v: "${a.data.v}"}
    - id: c
      forEach:
        - v: ${[a.data.v + "-1", b.data.v + "-2"]}
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: "${schema.metadata.name}-c-${v}"}
    - id: d
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: "${schema.metadata.name}-d"}
        data: {second: "${c[1].metadata.name}"}
"#;

const CHANGING_OBSERVED: &str = "
apiVersion: v1
kind: ConfigMap
metadata: {name: demo-a, namespace: team}
data: {v: old}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: demo-b, namespace: team}
data: {v: stale}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: demo-c-old-1, namespace: team}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: demo-c-stale-2, namespace: team}
";

#[test]
fn a_resource_whose_inputs_change_between_passes_is_rendered_again() {
    let engine = Engine::new(EngineOptions::default()).unwrap();
    let docs = engine.compile_text(CHANGING);
    assert!(docs[0].diagnostics.iter().all(|d| !d.is_error()), "{:#?}", docs[0].diagnostics);
    let rgd = docs[0].rgd.clone().unwrap();
    let text =
        "apiVersion: kro.run/v1alpha1\nkind: Changing\nmetadata: {name: demo, namespace: team}\nspec: {value: new}\n";
    let instance = engine.instance_from_text(&rgd, text).unwrap();
    let observed = engine.load_objects(CHANGING_OBSERVED).unwrap();
    let memo = compare(&engine, &rgd, &instance, &observed, &PlanOptions::default());
    assert!(memo.hits > 0 && memo.misses > rgd.resources.len(), "hits {}, misses {}", memo.hits, memo.misses);
    let simulation = engine.simulate(&rgd, &instance, &observed, &PlanOptions::default());
    assert_eq!(simulation.outcome, Ok(()));
    let last = &simulation.steps.last().unwrap().plan;
    let names: Vec<&str> = last.resources.iter().filter_map(|a| a.object.pointer("/metadata/name")?.as_str()).collect();
    assert_eq!(names, ["demo-a", "demo-b", "demo-c-new-1", "demo-c-new-2", "demo-d"]);
    let d = last.resources.iter().find(|a| a.id == "d").unwrap();
    assert_eq!(d.object["data"]["second"], "demo-c-new-2", "d reads c's items once b reads the new a");
    for options in with_events(&rgd) {
        compare(&engine, &rgd, &instance, &observed, &options);
    }
}
