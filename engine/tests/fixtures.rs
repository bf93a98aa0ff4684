#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test harness: a failure should stop it loudly
//! Runs every case under `tests/fixtures/<case>/`: compiles `rgd.yaml` (with the CRDs in `crds/`, if any) and
//! compares the outcome with `expected/`: `diagnostics.json` always, `crd.yaml` and `graph.json` when the RGD
//! is valid. `UPDATE_EXPECT=1` rewrites the expected files; review every change by hand before committing.

use std::fs;
use std::path::Path;

use kro_engine::compile::{CompiledDocument, InputLimits};
use kro_engine::{Catalog, compile, output};
use serde_json::{Value, json};

fn diagnostics_json(docs: &[CompiledDocument]) -> Value {
    Value::Array(
        docs.iter()
            .flat_map(|d| &d.diagnostics)
            .map(|d| {
                json!({
                    "severity": d.severity,
                    "code": d.code,
                    "path": d.path.to_string(),
                    "line": d.span.start.line,
                    "column": d.span.start.column,
                    "message": d.message,
                })
            })
            .collect(),
    )
}

fn catalog_for(case: &Path) -> Catalog {
    let mut catalog = Catalog::builtin();
    if let Ok(entries) = fs::read_dir(case.join("crds")) {
        let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        for file in files {
            let text = fs::read_to_string(&file).unwrap();
            let source = kro_engine::load_source(&text, &InputLimits::default()).unwrap();
            for doc in source.documents.iter().filter_map(|d| d.root.as_ref()) {
                assert!(catalog.add_crd(doc), "{} holds a document that is not a CRD", file.display());
            }
        }
    }
    catalog
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
    let docs = compile(&text, &catalog_for(case), &InputLimits::default());
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
    }
    if failures.is_empty() { Ok(()) } else { Err(failures.join("\n\n").into()) }
}

datatest_stable::harness! {
    { test = run_case, root = "../tests/fixtures", pattern = r"rgd\.yaml$" },
}
