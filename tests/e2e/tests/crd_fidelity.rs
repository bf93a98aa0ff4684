//! CRD fidelity against the real kube-apiserver (tests/apiserver, `make apiserver`):
//! every CRD that `kro crd` generates for `examples/` and every fixture's
//! `expected/crd.yaml` is accepted by the API server and becomes `Established`;
//! the example instances are accepted; and instances that break a marker
//! (minimum, maximum, enum, pattern, length, validation, immutable, required) are
//! rejected with Kubernetes' own message.
//!
//! All requests go through the kubectl built from the same Kubernetes release.
//! Each CRD is applied under a group of its own (`<case>.fidelity.kro.run`), so
//! cases that share a name (most fixtures generate `apps.kro.run`) do not collide;
//! nothing else in the CRD is changed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use kro_e2e::repo_root;
use serde_json::{Value, json};

fn yaml_to_json(text: &str, what: &str) -> Vec<Value> {
    kro_e2e::fidelity::yaml_to_json(text, what).unwrap_or_else(|e| panic!("{e}"))
}

fn kubectl(args: &[&str], stdin: Option<&Value>) -> Output {
    kro_test_support::shared().kubectl_run(args, stdin.map(ToString::to_string).as_deref())
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).trim().to_owned()
}

/// A CRD as generated, moved to `group`. Returns the CRD and its new name.
fn regroup(mut crd: Value, group: &str) -> (Value, String) {
    let plural = crd["spec"]["names"]["plural"].as_str().expect("CRD has spec.names.plural").to_owned();
    let name = format!("{plural}.{group}");
    crd["spec"]["group"] = json!(group);
    crd["metadata"]["name"] = json!(name);
    (crd, name)
}

/// What `kro crd` prints for an RGD file, computed in-process by the engine.
fn kro_crd(rgd: &Path) -> String {
    kro_e2e::fidelity::crd_yaml(rgd).unwrap_or_else(|e| panic!("kro crd {}: {e}", rgd.display()))
}

fn case_group(case: &str) -> String {
    format!("{}.fidelity.kro.run", case.to_ascii_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "-"))
}

/// Applies every CRD of `cases` (case name -> CRDs), waits for Established and
/// returns, per case, the applied CRDs (renamed). One kubectl call applies them
/// all and one waits for them all; only on a failure does it go case by case,
/// to say which.
fn apply_and_establish(cases: &BTreeMap<String, Vec<Value>>) -> BTreeMap<String, Vec<(String, Value)>> {
    let applied: BTreeMap<String, Vec<(String, Value)>> = cases
        .iter()
        .map(|(case, crds)| {
            let group = case_group(case);
            (case.clone(), crds.iter().cloned().map(|c| regroup(c, &group)).map(|(c, n)| (n, c)).collect())
        })
        .collect();
    let list = |crds: Vec<&Value>| json!({"apiVersion": "v1", "kind": "List", "items": crds});
    let apply = |crds: Vec<&Value>| {
        kubectl(&["apply", "--server-side", "--field-manager=kro-fidelity", "-f", "-"], Some(&list(crds)))
    };
    let wait = |names: Vec<String>| {
        let mut args = vec!["wait".to_owned(), "--for=condition=Established".to_owned(), "--timeout=60s".to_owned()];
        args.extend(names.into_iter().map(|n| format!("crd/{n}")));
        kubectl(&args.iter().map(String::as_str).collect::<Vec<_>>(), None)
    };

    let all = applied.values().flatten();
    if apply(all.clone().map(|(_, c)| c).collect()).status.success()
        && wait(all.map(|(n, _)| n.clone()).collect()).status.success()
    {
        return applied;
    }
    let mut failures = Vec::new();
    for (case, crds) in &applied {
        let out = apply(crds.iter().map(|(_, c)| c).collect());
        if !out.status.success() {
            failures.push(format!("{case}: the API server rejected the CRD:\n{}", text(&out.stderr)));
            continue;
        }
        for (name, _) in crds {
            let out = wait(vec![name.clone()]);
            if !out.status.success() {
                let conds = kubectl(&["get", &format!("crd/{name}"), "-o", "jsonpath={.status.conditions}"], None);
                failures.push(format!(
                    "{case}: CRD {name} not Established: {}\nconditions: {}",
                    text(&out.stderr),
                    text(&conds.stdout)
                ));
            }
        }
    }
    assert!(!failures.is_empty(), "applying all CRDs at once failed, but each case alone passed");
    panic!("{} CRD case(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn generated_crds_are_established_and_enforce_markers() {
    let root = repo_root();
    let mut cases: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut instances: Vec<(String, PathBuf)> = Vec::new();

    let examples = kro_e2e::fidelity::examples().unwrap_or_else(|e| panic!("{e}"));
    for dir in &examples {
        let name = format!("example-{}", dir.file_name().and_then(|n| n.to_str()).expect("UTF-8 folder name"));
        let crds = yaml_to_json(&kro_crd(&dir.join("rgd.yaml")), &name);
        assert!(!crds.is_empty(), "{name}: kro crd printed no CRD");
        cases.insert(name.clone(), crds);
        if dir.join("instance.yaml").is_file() {
            instances.push((name, dir.join("instance.yaml")));
        }
    }
    assert!(!examples.is_empty(), "no RGD in examples/");

    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(root.join("tests/fixtures"))
        .expect("read tests/fixtures/")
        .filter_map(Result::ok)
        .map(|e| e.path().join("expected/crd.yaml"))
        .filter(|p| p.is_file())
        .collect();
    fixtures.sort();
    for path in &fixtures {
        let case =
            path.parent().and_then(Path::parent).and_then(Path::file_name).and_then(|n| n.to_str()).expect("case");
        let text = std::fs::read_to_string(path).expect("read crd.yaml");
        let crds = yaml_to_json(&text, case);
        assert!(!crds.is_empty(), "{case}: expected/crd.yaml holds no document");
        cases.insert(case.to_owned(), crds);
    }
    assert!(!fixtures.is_empty(), "no tests/fixtures/*/expected/crd.yaml");

    let applied = apply_and_establish(&cases);
    eprintln!(
        "crd_fidelity: {} CRDs of {} cases Established",
        applied.values().map(Vec::len).sum::<usize>(),
        applied.len()
    );

    let ns = create_namespace();

    // The examples' instances are valid and must be accepted as they are.
    let mut rejected = Vec::new();
    for (case, path) in &instances {
        let group = case_group(case);
        let text = std::fs::read_to_string(path).expect("read instance.yaml");
        for mut inst in yaml_to_json(&text, case) {
            let version =
                inst["apiVersion"].as_str().and_then(|v| v.rsplit('/').next()).expect("instance apiVersion").to_owned();
            inst["apiVersion"] = json!(format!("{group}/{version}"));
            inst["metadata"]["namespace"] = json!(ns);
            let out = kubectl(&["create", "-f", "-"], Some(&inst));
            if !out.status.success() {
                rejected.push(format!("{case}: {}: {}", path.display(), text_of(&out)));
            }
        }
    }
    assert!(rejected.is_empty(), "valid example instances were rejected:\n{}", rejected.join("\n"));

    check_markers(&applied, &ns);
}

fn text_of(out: &Output) -> String {
    format!("{} {}", text(&out.stdout), text(&out.stderr))
}

fn create_namespace() -> String {
    let ns = kro_test_support::unique_name("fidelity");
    let out = kubectl(&["create", "namespace", &ns], None);
    assert!(out.status.success(), "create namespace: {}", text_of(&out));
    ns
}

/// An instance of the (single) CRD of a fixture case.
fn instance(applied: &BTreeMap<String, Vec<(String, Value)>>, case: &str, ns: &str, name: &str, spec: &Value) -> Value {
    let (_, crd) = applied.get(case).and_then(|c| c.first()).unwrap_or_else(|| panic!("fixture {case} missing"));
    let version = crd["spec"]["versions"][0]["name"].as_str().expect("version name");
    json!({
        "apiVersion": format!("{}/{version}", crd["spec"]["group"].as_str().expect("group")),
        "kind": crd["spec"]["names"]["kind"],
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    })
}

fn resource(applied: &BTreeMap<String, Vec<(String, Value)>>, case: &str) -> String {
    applied[case][0].0.clone()
}

fn check_markers(applied: &BTreeMap<String, Vec<(String, Value)>>, ns: &str) {
    // (fixture, spec, substrings the rejection must contain; empty = accepted)
    let creates: &[(&str, Value, &[&str])] = &[
        ("marker-minimum-maximum", json!({"replicas": 5, "ratio": 0.5}), &[]),
        ("marker-minimum-maximum", json!({"replicas": 0}), &["spec.replicas", "should be greater than or equal to 1"]),
        ("marker-minimum-maximum", json!({"replicas": 11}), &["spec.replicas", "should be less than or equal to 10"]),
        ("marker-minimum-maximum", json!({"ratio": 0.8}), &["spec.ratio", "should be less than or equal to 0.75"]),
        ("marker-enum", json!({"tier": "prod", "size": 4}), &[]),
        (
            "marker-enum",
            json!({"tier": "qa"}),
            &["spec.tier", r#"Unsupported value: "qa""#, r#""dev", "staging", "prod""#],
        ),
        ("marker-enum", json!({"size": 3}), &["spec.size", "Unsupported value: 3"]),
        ("marker-pattern", json!({"host": "a.example", "version": "v1"}), &[]),
        ("marker-pattern", json!({"host": "Not_A_Host"}), &["spec.host", r"should match '^[a-z0-9]+(\.[a-z0-9]+)*$'"]),
        ("marker-length", json!({"name": "abc"}), &[]),
        ("marker-length", json!({"name": "ab"}), &["spec.name", "should be at least 3 chars long"]),
        ("marker-validation", json!({"replicas": 3, "name": "app-x"}), &[]),
        ("marker-validation", json!({"replicas": 2}), &["spec.replicas", "validation failed"]),
        ("marker-validation", json!({"name": "x"}), &["spec.name", "validation failed"]),
        ("marker-immutable", json!({"zone": "a"}), &["spec.region", "Required value"]),
    ];
    let mut failures = Vec::new();
    for (i, (case, spec, want)) in creates.iter().enumerate() {
        let obj = instance(applied, case, ns, &format!("c{i}"), spec);
        let out = kubectl(&["create", "-f", "-"], Some(&obj));
        let said = text_of(&out);
        match (out.status.success(), want.is_empty()) {
            (true, true) => {}
            (false, true) => failures.push(format!("{case} {spec}: rejected, expected accepted: {said}")),
            (true, false) => failures.push(format!("{case} {spec}: accepted, expected a rejection with {want:?}")),
            (false, false) => {
                for w in *want {
                    if !said.contains(w) {
                        failures.push(format!("{case} {spec}: rejection lacks {w:?}: {said}"));
                    }
                }
            }
        }
    }

    // immutable=true: an update of the field is rejected; the other field may change.
    let case = "marker-immutable";
    let obj = instance(applied, case, ns, "imm", &json!({"region": "eu", "zone": "a"}));
    let out = kubectl(&["create", "-f", "-"], Some(&obj));
    assert!(out.status.success(), "{case}: create: {}", text_of(&out));
    let res = resource(applied, case);
    let patch = |p: &str| kubectl(&["patch", &res, "imm", "-n", ns, "--type=merge", "-p", p], None);
    let out = patch(r#"{"spec":{"region":"us"}}"#);
    let said = text_of(&out);
    if out.status.success() || !said.contains("spec.region") || !said.contains("field is immutable") {
        failures
            .push(format!("{case}: changing spec.region: expected 'spec.region ... field is immutable', got: {said}"));
    }
    let out = patch(r#"{"spec":{"zone":"b"}}"#);
    if !out.status.success() {
        failures.push(format!("{case}: changing spec.zone (immutable=false) was rejected: {}", text_of(&out)));
    }

    // A CEL rule with immutable in one list: validation and oldSelf together.
    let case = "marker-validation";
    let obj = instance(applied, case, ns, "val", &json!({"replicas": 1, "name": "app-a"}));
    let out = kubectl(&["create", "-f", "-"], Some(&obj));
    assert!(out.status.success(), "{case}: create: {}", text_of(&out));
    let res = resource(applied, case);
    let out = kubectl(&["patch", &res, "val", "-n", ns, "--type=merge", "-p", r#"{"spec":{"name":"app-b"}}"#], None);
    let said = text_of(&out);
    if out.status.success() || !said.contains("field is immutable") {
        failures.push(format!("{case}: changing spec.name: expected 'field is immutable', got: {said}"));
    }

    assert!(failures.is_empty(), "{} marker check(s) failed:\n{}", failures.len(), failures.join("\n"));
}
