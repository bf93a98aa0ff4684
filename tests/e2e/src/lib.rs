//! kro-rs' end-to-end tests: everything that needs a real kube-apiserver lives in this crate's `tests/`, so
//! the other crates' tests build and run without kube, tokio or a server.
//!
//! - `tests/crd_fidelity.rs`: the CRDs kro-rs generates are accepted and Established, and enforce their
//!   markers with Kubernetes' own messages.
//! - `tests/render_fidelity.rs`: the objects a simulated reconcile renders pass a server-side dry run.
//! - the operator against the server (to come).
//!
//! Run them with `make e2e`, which builds the API server and kubectl (`make apiserver`, into
//! `${KRO_CACHE_DIR:-$HOME/.cache/kro-rs}/apiserver/bin`) and then runs `cargo test --locked -p kro-e2e`.
//! The server is started by [`kro_test_support::shared`] and shared by the tests of one test binary; without
//! the binaries every test fails with a message saying to run `make apiserver` (none is skipped).
//!
//! This library holds what the tests share: where the repository's inputs are and what the engine makes of
//! them, computed in-process (the `kro` binary belongs to another package, so `CARGO_BIN_EXE_kro` is not
//! available here).

use std::path::{Path, PathBuf};

use kro_engine::expr::eval::{EvalLimits, Evaluator};
use kro_engine::plan::{self, PlanInput, PlanOptions};
use kro_engine::yaml::{Limits, Node, load_documents};
use kro_engine::{Catalog, CompiledRgd, InputLimits, compile, output};
use serde_json::Value;

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
    // CARGO_MANIFEST_DIR is tests/e2e.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

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

/// The non-empty YAML documents of `text` as JSON.
pub fn yaml_to_json(text: &str, what: &str) -> Result<Vec<Value>, String> {
    let docs = load_documents(text, Limits::default()).map_err(|e| format!("{what}: not YAML: {e:?}"))?;
    Ok(docs.iter().filter_map(|d| d.root.as_ref()).map(Node::to_json).filter(|v| !v.is_null()).collect())
}

/// The RGDs of a file, compiled against the built-in kinds, as `kro crd` and `kro render` compile them; any
/// diagnostic is an error here, since the inputs of these tests are valid.
fn compiled(rgd: &Path) -> Result<Vec<CompiledRgd>, String> {
    let text = read(rgd)?;
    let docs = compile(&text, &Catalog::builtin(), &InputLimits::default());
    let diagnostics: Vec<String> =
        docs.iter().flat_map(|d| &d.diagnostics).map(|d| format!("{}: {}", d.code, d.message)).collect();
    if !diagnostics.is_empty() {
        return Err(format!("{}: {}", rgd.display(), diagnostics.join("; ")));
    }
    Ok(docs.into_iter().filter_map(|d| d.rgd).collect())
}

/// What `kro crd` prints for an RGD file: its CRDs as multi-document YAML.
pub fn crd_yaml(rgd: &Path) -> Result<String, String> {
    Ok(compiled(rgd)?.iter().map(output::crd_yaml).collect())
}

/// The objects of the last step of a simulated reconcile of an example (`rgd.yaml`, `instance.yaml` and, when
/// present, `observed.yaml`), as `kro render --simulate` plans them: everything the instance stands for.
pub fn simulated_objects(example: &Path) -> Result<Vec<Value>, String> {
    let rgds = compiled(&example.join("rgd.yaml"))?;
    let [rgd] = rgds.as_slice() else {
        return Err(format!("{}: expected one RGD, found {}", example.display(), rgds.len()));
    };
    let instance_text = read(&example.join("instance.yaml"))?;
    let instance_docs =
        load_documents(&instance_text, Limits::default()).map_err(|e| format!("instance.yaml: not YAML: {e:?}"))?;
    let [instance_node] = instance_docs.iter().filter_map(|d| d.root.as_ref()).collect::<Vec<_>>()[..] else {
        return Err(format!("{}: instance.yaml must hold one document", example.display()));
    };
    let instance = plan::prepare_instance(rgd, instance_node).map_err(|findings| {
        let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
        format!("{}: invalid instance: {}", example.display(), messages.join("; "))
    })?;
    let observed_path = example.join("observed.yaml");
    let observed =
        if observed_path.exists() { yaml_to_json(&read(&observed_path)?, "observed.yaml")? } else { Vec::new() };
    let evaluator = Evaluator::new(EvalLimits::default()).map_err(|e| e.message)?;
    let catalog = Catalog::builtin();
    let options = PlanOptions::default();
    let input = PlanInput {
        rgd,
        catalog: &catalog,
        evaluator: &evaluator,
        instance: &instance,
        observed: &observed,
        options: &options,
    };
    let (steps, result) = plan::simulate(&input);
    result.map_err(|reason| format!("{}: the simulated reconcile got stuck: {reason}", example.display()))?;
    let last = steps.last().ok_or_else(|| format!("{}: the simulation has no step", example.display()))?;
    Ok(last.plan.resources.iter().map(|a| a.object.clone()).collect())
}
