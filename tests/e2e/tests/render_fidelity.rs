//! What `kro render` produces is what a real kube-apiserver accepts: for every example, the objects of the last
//! step of a simulated reconcile (everything the instance stands for, rendered with kro's labels and annotations;
//! planned in-process by the engine, as `kro render --simulate` plans them) pass a server-side dry-run apply
//! against the API server of tests/apiserver (`make apiserver`), the same Kubernetes release the embedded schemas
//! come from.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

fn kubectl(args: &[&str], stdin: Option<&Value>) -> Output {
    kro_test_support::shared().kubectl_run(args, stdin.map(ToString::to_string).as_deref())
}

fn text(out: &Output) -> String {
    format!("{} {}", String::from_utf8_lossy(&out.stdout).trim(), String::from_utf8_lossy(&out.stderr).trim())
}

/// The objects of the last simulated step, planned in-process by the engine as `kro render --simulate` plans
/// them.
fn rendered(example: &Path) -> Vec<Value> {
    kro_e2e::fidelity::simulated_objects(example).unwrap_or_else(|e| panic!("kro render --simulate: {e}"))
}

#[test]
fn rendered_objects_of_every_example_pass_a_server_side_dry_run() {
    let examples: Vec<PathBuf> = kro_e2e::fidelity::examples()
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .filter(|p| p.join("instance.yaml").is_file())
        .collect();
    assert!(examples.len() >= 5, "examples/ holds the examples");
    let mut checked = 0;
    for example in examples {
        let objects = rendered(&example);
        assert!(!objects.is_empty(), "{} renders nothing", example.display());
        // The namespaces the objects live in must exist for a dry run of namespaced objects (the dry run of a
        // Namespace object creates nothing).
        for namespace in objects.iter().filter_map(|o| o.pointer("/metadata/namespace").and_then(Value::as_str)) {
            let out = kubectl(&["create", "namespace", namespace], None);
            assert!(
                out.status.success() || text(&out).contains("AlreadyExists"),
                "namespace {namespace}: {}",
                text(&out)
            );
        }
        // A CRD the example installs (kro-rs extension, examples/crontab) must really exist before a dry run of
        // an object of its kind: apply it and wait until it is Established, as the operator does.
        let (crds, objects): (Vec<Value>, Vec<Value>) = objects
            .into_iter()
            .partition(|o| o.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition"));
        for crd in &crds {
            let out = kubectl(&["apply", "--server-side", "--field-manager=kro.run/applyset", "-f", "-"], Some(crd));
            assert!(out.status.success(), "{}: the API server refused a CRD: {}", example.display(), text(&out));
            let name = crd.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
            let out = kubectl(&["wait", "--for=condition=Established", "--timeout=60s", &format!("crd/{name}")], None);
            assert!(out.status.success(), "{}: CRD {name} not Established: {}", example.display(), text(&out));
            checked += 1;
        }
        let list = json!({"apiVersion": "v1", "kind": "List", "items": objects});
        let out = kubectl(
            &["apply", "--server-side", "--dry-run=server", "--field-manager=kro.run/applyset", "-f", "-"],
            Some(&list),
        );
        assert!(out.status.success(), "{}: the API server refused rendered objects: {}", example.display(), text(&out));
        checked += objects.len();
    }
    assert!(checked > 10, "only {checked} objects checked");
}
