//! The API server's rules kro-rs checks before it does (`engine/schemas/k8s-v1.37-rules.yaml`) agree with a real
//! kube-apiserver of the same release (tests/apiserver, `make apiserver`): every example of the table is created
//! with a server-side dry run, and the server refuses exactly the objects kro-rs reports — so kro-rs is never
//! stricter than the server, and each rule it reports is one the server applies, at the field the server names.
//! The Kubernetes functions the table cites are checked to exist in the sources of that release.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::process::Command;

use kro_engine::api_rules::{Example, examples};
use kro_engine::{Engine, EngineOptions, Path, Segment};
use kube::Api;
use kube::api::{DeleteParams, DynamicObject, PostParams};
use serde_json::Value;

/// Rules only a real create can show: a node port is checked when it is allocated, which a dry run skips.
const REAL_CREATE: &[&str] = &["node-port"];

/// What the server said of a create (a dry run, or a real one in `namespace` for [`REAL_CREATE`] rules, deleted
/// again): `None` when it took the object, else its status code and message.
async fn server_verdict(
    apis: &mut BTreeMap<(String, String, String), Api<DynamicObject>>,
    example: &Example,
    namespace: &str,
) -> Option<(u16, String)> {
    let mut object = example.object.clone();
    let real = REAL_CREATE.contains(&example.rule.as_str());
    if real {
        object["metadata"]["namespace"] = Value::from(namespace);
    }
    let s = |p: &str| object.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
    let key = (s("/apiVersion"), s("/kind"), s("/metadata/namespace"));
    if !apis.contains_key(&key) {
        let client = kro_e2e::client().await.unwrap();
        let namespace = Some(key.2.clone()).filter(|n| !n.is_empty());
        let api = kro_e2e::api(&client, &key.0, &key.1, namespace.as_deref()).await.unwrap();
        apis.insert(key.clone(), api);
    }
    let api = &apis[&key];
    let typed: DynamicObject = serde_json::from_value(object.clone()).unwrap();
    let params = PostParams { dry_run: !real, ..PostParams::default() };
    match api.create(&params, &typed).await {
        Ok(_) => {
            if real {
                api.delete(&s("/metadata/name"), &DeleteParams::default()).await.unwrap();
            }
            None
        }
        Err(kube::Error::Api(status)) => Some((status.code, status.message)),
        Err(other) => panic!("create {object}: {other}"),
    }
}

/// A path of kro-rs (`spec.template.metadata.labels.tier`, `data["conf/app.yaml"]`) written the ways the API
/// server writes field paths: map keys in brackets (`data[conf/app.yaml]`, `requests[cpu]`), an embedded
/// object's `metadata` left out (`spec.template.labels`), `stringData` merged into `data`; and the same for up
/// to three of its parents (the server names `metadata.labels` where kro-rs names the key).
fn server_spellings(path: &Path) -> Vec<String> {
    if path.is_empty() {
        // The object as a whole (a ConfigMap over 1 MiB): `field.NewPath("")`.
        return vec!["[]".to_string()];
    }
    let all: Vec<&Segment> = path.iter().collect();
    let without_metadata: Vec<&Segment> = path
        .iter()
        .enumerate()
        .filter(|(i, s)| *i == 0 || **s != Segment::Key("metadata".to_string()))
        .map(|(_, s)| s)
        .collect();
    let mut spellings = spell(&all);
    spellings.extend(spell(&without_metadata));
    spellings
}

fn spell(segments: &[&Segment]) -> Vec<String> {
    let mut spellings = Vec::new();
    for end in (segments.len().saturating_sub(4)..segments.len()).rev() {
        for last_as_key in [false, true] {
            let mut text = String::new();
            for (i, segment) in segments[..=end].iter().enumerate() {
                match segment {
                    Segment::Index(n) => {
                        let _ = write!(text, "[{n}]");
                    }
                    Segment::Key(key) if i == 0 => text.push_str(if key == "stringData" { "data" } else { key }),
                    Segment::Key(key) => {
                        let plain = key.chars().all(|c| c.is_ascii_alphanumeric()) && !(last_as_key && i == end);
                        let _ = if plain { write!(text, ".{key}") } else { write!(text, "[{key}]") };
                    }
                }
            }
            spellings.push(text);
        }
    }
    spellings
}

/// Whether the server's message names the field of one of kro-rs' findings, as it lists its causes
/// (`field: Invalid value...`).
fn names_a_field(message: &str, paths: &[Path]) -> bool {
    paths.iter().flat_map(server_spellings).any(|field| message.contains(&format!("{field}: ")))
        // A key the server hangs on a parent of the value (a claim's storage request: `spec.resources[storage]`).
        || paths.iter().filter_map(|p| p.segments().last()).any(|last| match last {
            Segment::Key(key) => message.contains(&format!("[{key}]: ")),
            Segment::Index(_) => false,
        })
}

fn describe(example: &Example) -> String {
    let verdict = if example.refused { "refused" } else { "accepted" };
    let object: String = example.object.to_string().chars().take(400).collect();
    format!("rule {} ({verdict}): {object}", example.rule)
}

#[tokio::test]
async fn the_api_server_refuses_what_kro_reports_and_accepts_what_it_lets_through() {
    let engine = Engine::new(EngineOptions::default()).unwrap();
    let examples = examples().unwrap();
    assert!(examples.len() > 120, "{} examples", examples.len());
    let client = kro_e2e::client().await.unwrap();
    let namespace = kro_test_support::create_namespace(&client, "api-rules").await.unwrap();
    let mut apis = BTreeMap::new();
    let mut failures = Vec::new();
    let (mut refused, mut accepted) = (0, 0);
    for example in &examples {
        let findings = engine.api_server_refusals(&example.object);
        let server = server_verdict(&mut apis, example, &namespace).await;
        match (example.refused, &server) {
            (true, None) => failures.push(format!("the server accepts {}", describe(example))),
            (false, Some((code, message))) => {
                failures.push(format!("the server refuses ({code}: {message}) {}", describe(example)));
            }
            _ => {}
        }
        match (example.refused, findings.is_empty()) {
            (true, true) => failures.push(format!("kro-rs lets through {}", describe(example))),
            (false, false) => failures.push(format!("kro-rs reports {findings:?} for {}", describe(example))),
            _ => {}
        }
        // A 422 lists the fields; a 400 (a quantity or base64 that does not decode) names none.
        if let Some((422, message)) = &server {
            let paths: Vec<Path> = findings.iter().map(|d| d.path.clone()).collect();
            if !paths.is_empty() && !names_a_field(message, &paths) {
                let ours: Vec<String> = paths.iter().map(ToString::to_string).collect();
                let message: String = message.chars().take(400).collect();
                failures.push(format!(
                    "the server names another field ({message}) than kro-rs ({ours:?}) for {}",
                    describe(example)
                ));
            }
        }
        if example.refused { refused += 1 } else { accepted += 1 }
    }
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
    assert!(refused > 80 && accepted > 40, "{refused} refused, {accepted} accepted");
}

/// The Kubernetes modules of tests/apiserver/go.mod, downloaded (or found in the module cache) by `go`.
fn module_dir(module: &str) -> std::path::PathBuf {
    let go_mod = kro_e2e::read("tests/apiserver/go.mod");
    let version = go_mod.lines().map(str::trim).find_map(|l| l.strip_prefix(&format!("{module} "))).map_or_else(
        || panic!("{module} is not in tests/apiserver/go.mod"),
        |v| v.split_whitespace().next().unwrap_or_default().to_string(),
    );
    let out = Command::new("go")
        .args(["mod", "download", "-json", &format!("{module}@{version}")])
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap_or_else(|e| panic!("go mod download (Go is needed by make apiserver too): {e}"));
    let info: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("go mod download {module}: {e}"));
    std::path::PathBuf::from(info["Dir"].as_str().unwrap_or_else(|| panic!("go mod download {module}: {info}")))
}

#[test]
fn every_function_the_table_cites_is_in_the_kubernetes_sources() {
    let kubernetes = module_dir("k8s.io/kubernetes");
    let apimachinery = module_dir("k8s.io/apimachinery");
    let sources: BTreeSet<String> = examples().unwrap().into_iter().map(|e| e.source).collect();
    let mut checked = 0;
    for source in sources {
        for citation in source.split("; ") {
            // `[apimachinery ]path/file.go Name Name (remarks) Name`: the names must be in that file.
            let (root, citation) = match citation.strip_prefix("apimachinery ") {
                Some(rest) => (&apimachinery, rest),
                None => (&kubernetes, citation),
            };
            if !citation.starts_with("pkg/") {
                continue;
            }
            let Some((file, names)) = citation.split_once(".go") else { continue };
            let text = std::fs::read_to_string(root.join(format!("{file}.go")))
                .unwrap_or_else(|e| panic!("{file}.go, cited in {source:?}: {e}"));
            let mut depth = 0;
            let outside: String = names
                .chars()
                .filter(|c| {
                    depth += i32::from(*c == '(') - i32::from(*c == ')');
                    depth == 0 && *c != ')'
                })
                .collect();
            for name in outside.split([' ', ',']).filter(|n| !n.is_empty()) {
                assert!(text.contains(name), "{name} is not in {file}.go (cited in {source:?})");
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} names checked");
}
