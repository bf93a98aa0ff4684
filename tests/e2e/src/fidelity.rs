//! What the fidelity tests share (`tests/crd_fidelity.rs`, `tests/render_fidelity.rs`): the repository's inputs
//! and what the engine makes of them, computed in-process (the `kro` binary belongs to another package, so
//! `CARGO_BIN_EXE_kro` is not available here).

use std::path::{Path, PathBuf};

use crate::repo_root;

use kro_engine::{CompiledRgd, Engine, EngineOptions, PlanOptions, output};
use serde_json::Value;

/// The folders of `examples/` that hold an `rgd.yaml`, sorted.
pub fn examples() -> Result<Vec<PathBuf>, String> {
    let dir = repo_root().join("examples");
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("read {}: {e}", dir.display()))?;
    let mut examples: Vec<PathBuf> =
        entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.join("rgd.yaml").is_file()).collect();
    examples.sort();
    Ok(examples)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))
}

/// The engine the tests use: kro's defaults, the built-in kinds.
pub fn engine() -> Result<Engine, String> {
    Engine::new(EngineOptions::default()).map_err(|e| e.to_string())
}

/// The non-empty YAML documents of `text` as JSON.
pub fn yaml_to_json(text: &str, what: &str) -> Result<Vec<Value>, String> {
    let objects = engine()?.load_objects(text).map_err(|d| format!("{what}: not YAML: {}", d.message))?;
    Ok(objects.into_iter().filter(|v| !v.is_null()).collect())
}

/// The RGDs of a file, compiled against the built-in kinds, as `kro crd` and `kro render` compile them; any
/// diagnostic is an error here, since the inputs of these tests are valid.
fn compiled(engine: &Engine, rgd: &Path) -> Result<Vec<CompiledRgd>, String> {
    let docs = engine.compile_text(&read(rgd)?);
    let diagnostics: Vec<String> =
        docs.iter().flat_map(|d| &d.diagnostics).map(|d| format!("{}: {}", d.code, d.message)).collect();
    if !diagnostics.is_empty() {
        return Err(format!("{}: {}", rgd.display(), diagnostics.join("; ")));
    }
    Ok(docs.into_iter().filter_map(|d| d.rgd).collect())
}

/// What `kro crd` prints for an RGD file: its CRDs as multi-document YAML.
pub fn crd_yaml(rgd: &Path) -> Result<String, String> {
    Ok(compiled(&engine()?, rgd)?.iter().map(output::crd_yaml).collect())
}

/// The objects of the last step of a simulated reconcile of an example (`rgd.yaml`, `instance.yaml` and, when
/// present, `observed.yaml`), as `kro render --simulate` plans them: everything the instance stands for.
pub fn simulated_objects(example: &Path) -> Result<Vec<Value>, String> {
    let engine = engine()?;
    let rgds = compiled(&engine, &example.join("rgd.yaml"))?;
    let [rgd] = rgds.as_slice() else {
        return Err(format!("{}: expected one RGD, found {}", example.display(), rgds.len()));
    };
    let instance = engine.instance_from_text(rgd, &read(&example.join("instance.yaml"))?).map_err(|diagnostics| {
        let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
        format!("{}: invalid instance: {}", example.display(), messages.join("; "))
    })?;
    let observed_path = example.join("observed.yaml");
    let observed =
        if observed_path.exists() { yaml_to_json(&read(&observed_path)?, "observed.yaml")? } else { Vec::new() };
    let simulation = engine.simulate(rgd, &instance, &observed, &PlanOptions::default());
    simulation
        .outcome
        .map_err(|reason| format!("{}: the simulated reconcile got stuck: {reason}", example.display()))?;
    let last = simulation.steps.last().ok_or_else(|| format!("{}: the simulation has no step", example.display()))?;
    Ok(last.plan.resources.iter().map(|a| a.object.clone()).collect())
}
