#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test harness: a failure should stop it loudly
//! Runs every case under `tests/fixtures/<case>/`: compiles `rgd.yaml` (with the CRDs in `crds/`, if any) and
//! compares the outcome with `expected/`: `diagnostics.json` always, `crd.yaml` and `graph.json` when the RGD
//! is valid. `UPDATE_EXPECT=1` rewrites the expected files; review every change by hand before committing.
//!
//! A case with a valid RGD may also hold instances to plan: `instance.yaml` (with the cluster's objects in
//! `observed.yaml`, if any) gives `expected/plan.json` and the simulated reconcile `expected/steps.json`;
//! `instance.NAME.yaml` (with `observed.NAME.yaml`) gives `expected/plan.NAME.json`, for a life cycle's passes.
//! Plans are made at `kro_engine::DEFAULT_NOW` with kro version `dev`; an instance the API server would
//! reject gives `{"instanceErrors": [...]}` instead.

use std::fs;
use std::path::Path;

use kro_engine::{Code, CompiledDocument, Engine, EngineOptions, PlanOptions, output};
use serde_json::Value;

fn diagnostics_json(docs: &[CompiledDocument]) -> Value {
    Value::Array(
        docs.iter()
            .flat_map(|d| &d.diagnostics)
            .map(|d| {
                // The contract's shape, the fields the fixtures pin in their order.
                let full = output::diagnostic_json(None, d);
                let pinned = ["severity", "code", "path", "line", "column", "message"];
                Value::Object(pinned.iter().map(|k| ((*k).to_string(), full[*k].clone())).collect())
            })
            .collect(),
    )
}

/// The engine for a case: the built-in kinds and the CRDs in its `crds/` folder.
fn engine_for(case: &Path) -> Engine {
    let mut engine = Engine::new(EngineOptions::default()).unwrap();
    if let Ok(entries) = fs::read_dir(case.join("crds")) {
        let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        for file in files {
            let text = fs::read_to_string(&file).unwrap();
            for doc in engine.load_objects(&text).unwrap() {
                assert!(
                    engine.catalog_mut().add_crd_json(&doc),
                    "{} holds a document that is not a CRD",
                    file.display()
                );
            }
        }
    }
    engine
}

/// Compares `actual` with the expected file, or writes it when updating.
fn expect(path: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, actual).unwrap();
        return;
    }
    match fs::read_to_string(path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => failures.push(format!(
            "{} differs:\n{}",
            path.display(),
            pretty_assertions::StrComparison::new(&expected, actual)
        )),
        Err(_) => failures.push(format!("{} is missing (run with UPDATE_EXPECT=1 and review it)", path.display())),
    }
}

#[allow(clippy::needless_pass_by_value)] // datatest-stable passes the file contents by value
fn run_case(rgd_path: &Path, text: String) -> datatest_stable::Result<()> {
    let case = rgd_path.parent().unwrap();
    let expected = case.join("expected");
    let engine = engine_for(case);
    let docs = engine.compile_text(&text);
    let mut failures = Vec::new();
    let diags = serde_json::to_string_pretty(&diagnostics_json(&docs))? + "\n";
    expect(&expected.join("diagnostics.json"), &diags, &mut failures);
    let rgds: Vec<_> = docs.iter().filter_map(|d| d.rgd.as_ref()).collect();
    let crd_file = expected.join("crd.yaml");
    let graph_file = expected.join("graph.json");
    if rgds.is_empty() {
        for stale in [&crd_file, &graph_file] {
            if stale.exists() {
                failures.push(format!("{} exists, but the case yields no valid RGD", stale.display()));
            }
        }
    } else {
        let crds: String = rgds.iter().map(|r| output::crd_yaml(r)).collect();
        expect(&crd_file, &crds, &mut failures);
        let graphs = match rgds.as_slice() {
            [one] => output::graph_json(one),
            many => Value::Array(many.iter().map(|r| output::graph_json(r)).collect()),
        };
        expect(&graph_file, &(serde_json::to_string_pretty(&graphs)? + "\n"), &mut failures);
        if let [rgd] = rgds.as_slice() {
            plan_instances(case, rgd, &engine, &mut failures);
        }
    }
    if failures.is_empty() { Ok(()) } else { Err(failures.join("\n\n").into()) }
}

fn plan_instances(case: &Path, rgd: &kro_engine::CompiledRgd, engine: &Engine, failures: &mut Vec<String>) {
    let mut instances: Vec<(String, std::path::PathBuf)> = fs::read_dir(case)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            let middle = name.strip_prefix("instance")?.strip_suffix(".yaml")?.to_string();
            (middle.is_empty() || middle.starts_with('.')).then_some((middle, p))
        })
        .collect();
    instances.sort();
    let options = PlanOptions { kro_version: "dev".to_string(), ..PlanOptions::default() };
    for (suffix, path) in instances {
        let expected = case.join("expected").join(format!("plan{suffix}.json"));
        let text = fs::read_to_string(&path).unwrap();
        let instance = match engine.instance_from_text(rgd, &text) {
            Ok(i) => i,
            Err(diagnostics) => {
                assert!(
                    diagnostics.iter().all(|d| d.code != Code::NotAnInstance),
                    "{} must hold one instance",
                    path.display()
                );
                let text = serde_json::to_string_pretty(&output::instance_errors_json(&diagnostics)).unwrap() + "\n";
                expect(&expected, &text, failures);
                continue;
            }
        };
        let observed_path = case.join(format!("observed{suffix}.yaml"));
        let observed: Vec<Value> = if observed_path.exists() {
            engine.load_objects(&fs::read_to_string(&observed_path).unwrap()).unwrap()
        } else {
            Vec::new()
        };
        let planned = output::plan_json(&engine.plan(rgd, &instance, &observed, &options));
        expect(&expected, &(serde_json::to_string_pretty(&planned).unwrap() + "\n"), failures);
        if suffix.is_empty() {
            let simulation = engine.simulate(rgd, &instance, &observed, &options);
            let simulated = output::simulation_json(&simulation);
            let file = case.join("expected").join("steps.json");
            expect(&file, &(serde_json::to_string_pretty(&simulated).unwrap() + "\n"), failures);
            // Every step has a value (or a reason) for every expression, and asking never panics.
            for index in 0..simulation.steps.len() {
                assert_eq!(engine.step_values(rgd, &simulation, index, &options).len(), rgd.expressions().len());
            }
        }
    }
}

datatest_stable::harness! {
    { test = run_case, root = "../tests/fixtures", pattern = r"rgd\.yaml$" },
}
