//! The `kro` command line as a user runs it: real files, real processes, the exit-code and output contract
//! of DESIGN.md.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::format_collect)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn kro(args: &[&str]) -> Output {
    kro_with_stdin(args, None)
}

fn kro_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kro"))
        .args(args)
        .current_dir(repo())
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        pipe.write_all(bytes).unwrap();
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn temp_file(contents: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".yaml").tempfile().unwrap();
    f.write_all(contents).unwrap();
    f
}

const WEBAPP: &str = "examples/webapp/rgd.yaml";
const BROKEN: &str = "tests/fixtures/error-many-independent/rgd.yaml";

#[test]
fn validate_accepts_the_seed_example_and_says_what_it_found() {
    let o = kro(&["validate", WEBAPP]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("ResourceGraphDefinition my-application is valid"), "{out}");
    assert!(out.contains("deployment -> service -> ingress"), "{out}");
}

#[test]
fn validate_prints_every_error_with_a_code_frame_and_exits_1() {
    let o = kro(&["validate", BROKEN]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    for code in ["schema-unknown-type", "marker-invalid-value", "unknown-identifier", "cel-syntax", "self-reference"] {
        assert!(out.contains(&format!("error[{code}]")), "{code} missing in:\n{out}");
    }
    // The code frame: file:line:column, the source line, and the span underlined.
    assert!(out.contains(&format!("{BROKEN}:10:13")), "{out}");
    assert!(out.contains("10 │       name: strng"), "{out}");
    assert!(out.contains("^^^^^"), "{out}");
    assert!(out.contains("= at spec.schema.spec.name"), "{out}");
    assert!(out.contains("5 errors"), "{out}");
    assert!(!out.contains('\u{1b}'), "no colour when not on a terminal");
}

#[test]
fn validate_json_has_the_contract_fields() {
    let o = kro(&["validate", BROKEN, WEBAPP, "--output", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 5);
    let first = &diags[0];
    assert_eq!(first["severity"], "error");
    assert_eq!(first["code"], "schema-unknown-type");
    assert_eq!(first["path"], "spec.schema.spec.name");
    assert_eq!(first["file"], BROKEN);
    assert_eq!((first["line"].as_u64(), first["column"].as_u64()), (Some(10), Some(13)));
    assert!(first["message"].as_str().unwrap().contains("strng"));
    let unknown = diags.iter().find(|d| d["code"] == "unknown-identifier").unwrap();
    assert_eq!(unknown["help"], "did you mean \"second\" instead of \"secnd\"?");
}

#[test]
fn several_files_and_standard_input_are_read() {
    let text = std::fs::read(repo().join(WEBAPP)).unwrap();
    let o = kro_with_stdin(&["validate", "-", "tests/fixtures/types-map/rgd.yaml"], Some(&text));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("<stdin>: ResourceGraphDefinition my-application is valid"), "{out}");
    assert!(out.contains("types-map/rgd.yaml: ResourceGraphDefinition types-map is valid"), "{out}");
}

#[test]
fn a_missing_file_is_an_io_error_with_exit_2() {
    let o = kro(&["validate", "does/not/exist.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read does/not/exist.yaml: no such file"), "{}", stderr(&o));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(kro(&["validate"]).status.code(), Some(2));
    assert_eq!(kro(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(kro(&["graph", WEBAPP, "--output", "png"]).status.code(), Some(2));
}

#[test]
fn a_file_over_the_size_limit_is_refused_with_exit_2() {
    let big = temp_file(&vec![b'#'; 4 * 1024 * 1024 + 1]);
    let o = kro(&["validate", big.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("over the 4194304-byte limit"), "{}", stderr(&o));
}

#[test]
fn binary_empty_and_non_rgd_files_are_clear_errors() {
    let binary = temp_file(b"\x7fELF\x00\x01\x02");
    let o = kro(&["validate", binary.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("error[not-text]"), "{}", stdout(&o));

    let latin1 = temp_file(b"name: caf\xe9\n");
    assert!(stdout(&kro(&["validate", latin1.path().to_str().unwrap()])).contains("not valid UTF-8"));

    let empty = temp_file(b"");
    let o = kro(&["validate", empty.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("error[empty-input]"), "{}", stdout(&o));

    let o = kro(&["validate", "examples/webapp/instance.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("error[not-an-rgd]"), "{}", stdout(&o));

    let o = kro(&["validate", "Cargo.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("error["), "{}", stdout(&o));
}

#[test]
fn alias_bombs_and_deep_nesting_are_bounded() {
    let levels: String = (1..10)
        .map(|i| {
            let p = i - 1;
            format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n")
        })
        .collect();
    let bomb = format!("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n{levels}");
    let f = temp_file(bomb.as_bytes());
    let o = kro(&["validate", f.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("error[yaml-limit]"), "{}", stdout(&o));

    let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let f = temp_file(deep.as_bytes());
    let o = kro(&["validate", f.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("error[yaml-limit]"), "{out}");
    assert!(out.len() < 2000, "a 200 KB line is not echoed back:\n{out}");
}

#[test]
fn warnings_pass_unless_denied() {
    let warn = "tests/fixtures/warning-unterminated-expression/rgd.yaml";
    let o = kro(&["validate", warn]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("warning[unterminated-expression]"));
    assert_eq!(kro(&["validate", warn, "--deny-warnings"]).status.code(), Some(1));
}

#[test]
fn crd_prints_the_generated_crd_and_nothing_when_invalid() {
    let o = kro(&["crd", WEBAPP]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    let expected = std::fs::read_to_string(repo().join("tests/fixtures/seed-webapp/expected/crd.yaml")).unwrap();
    assert_eq!(text, expected);

    let o = kro(&["crd", BROKEN]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "", "no partial output to pipe into kubectl");
    assert!(stderr(&o).contains("error[unknown-identifier]"), "diagnostics go to stderr");
}

#[test]
fn crd_flag_teaches_kro_custom_kinds() {
    let rgd = "tests/fixtures/custom-kind-from-crd/rgd.yaml";
    // Without the CRDs the scope of Bucket and Registry is unknown, so no scope rule can fire.
    assert_eq!(kro(&["validate", rgd]).status.code(), Some(0));
    // With them, a namespaced Bucket under a cluster-scoped instance must set a namespace, which it does.
    assert_eq!(kro(&["validate", rgd, "--crd", "tests/fixtures/custom-kind-from-crd/crds"]).status.code(), Some(0));
    let bad = std::fs::read_to_string(repo().join(rgd)).unwrap().replace("namespace: storage", "namespace:");
    let f = temp_file(bad.as_bytes());
    let path = f.path().to_str().unwrap();
    assert_eq!(kro(&["validate", path]).status.code(), Some(0));
    let o = kro(&["validate", path, "--crd", "tests/fixtures/custom-kind-from-crd/crds/storage.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("error[scope-namespace]"), "{}", stdout(&o));
}

#[test]
fn graph_renders_json_dot_and_mermaid() {
    let o = kro(&["graph", WEBAPP]);
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["topologicalOrder"], serde_json::json!(["deployment", "service", "ingress"]));
    let ingress = &v["resources"][2];
    for key in ["id", "apiVersion", "kind", "dependsOn", "wave", "includeWhen", "readyWhen", "forEach", "external"] {
        assert!(ingress.get(key).is_some(), "{key}");
    }
    assert_eq!(ingress["dependsOn"], serde_json::json!(["service"]));

    let dot = stdout(&kro(&["graph", WEBAPP, "-o", "dot"]));
    assert!(dot.starts_with("digraph \"my-application\" {"), "{dot}");
    assert!(dot.contains("\"deployment\" -> \"service\";"), "{dot}");
    let mermaid = stdout(&kro(&["graph", WEBAPP, "-o", "mermaid"]));
    assert!(mermaid.starts_with("flowchart LR"), "{mermaid}");
    assert!(mermaid.contains("service --> ingress"), "{mermaid}");
}

#[test]
fn the_rgd_json_schema_accepts_every_valid_example_and_fixture() {
    let o = kro(&["schema"]);
    assert_eq!(o.status.code(), Some(0));
    let schema: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let mut checked = 0;
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["examples", "tests/fixtures"] {
        for entry in std::fs::read_dir(repo().join(dir)).unwrap() {
            let rgd = entry.unwrap().path().join("rgd.yaml");
            if rgd.exists() && !rgd.to_string_lossy().contains("/error-") {
                files.push(rgd);
            }
        }
    }
    let engine = kro_engine::Engine::new(kro_engine::EngineOptions::default()).unwrap();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for json in engine.load_objects(&text).unwrap() {
            let errors: Vec<String> =
                validator.iter_errors(&json).map(|e| format!("{} at {}", e, e.instance_path())).collect();
            assert!(errors.is_empty(), "{}: {errors:?}", file.display());
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} documents checked");
}

#[test]
fn help_and_version_work_for_every_command() {
    let v = kro(&["--version"]);
    assert_eq!(v.status.code(), Some(0));
    assert!(stdout(&v).starts_with("kro "), "{}", stdout(&v));
    for cmd in ["validate", "crd", "graph", "schema"] {
        let o = kro(&[cmd, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{cmd}");
        assert!(stdout(&o).contains("Usage: kro"), "{cmd}");
    }
}

#[test]
fn a_reader_that_stops_early_does_not_crash_kro() {
    // 40 copies of the CRD are far more than a pipe buffer holds, so kro writes into a closed pipe.
    let mut args = vec!["crd"];
    args.extend(std::iter::repeat_n(WEBAPP, 40));
    let child = Command::new(env!("CARGO_BIN_EXE_kro"))
        .args(&args)
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = child;
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

const WEBAPP_INSTANCE: &str = "examples/webapp/instance.yaml";

#[test]
fn render_prints_the_first_wave_as_yaml_deterministically() {
    let o = kro(&["render", WEBAPP, "--instance", WEBAPP_INSTANCE]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    // Only the Deployment: the Service reads it, so it waits until the Deployment is observed.
    assert_eq!(out.matches("\nkind: ").count(), 1, "{out}");
    assert!(out.contains("kind: Deployment") && out.contains("kro.run/node-id: deployment"), "{out}");
    assert!(out.contains("namespace: default"), "{out}");
    assert_eq!(stdout(&kro(&["render", WEBAPP, "--instance", WEBAPP_INSTANCE])), out);
}

#[test]
fn render_json_follows_the_contract_and_uses_observed_objects() {
    let o = kro(&["render", WEBAPP, "--instance", WEBAPP_INSTANCE, "-o", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let first: Value = serde_json::from_str(&stdout(&o)).unwrap();
    for key in ["resources", "pending", "excluded", "prune", "instance", "status", "requeueAfterSeconds"] {
        assert!(first.get(key).is_some(), "{key} missing: {first}");
    }
    assert_eq!(first["pending"][1]["reason"]["code"], "dependencyNotReady");
    assert_eq!(first["requeueAfterSeconds"], 3);
    // Feed the Deployment back as observed: the Service renders now, and the status projects its fields.
    let mut deployment = first["resources"][0].clone();
    deployment["status"] = serde_json::json!({"availableReplicas": 3, "conditions": []});
    let observed = temp_file(serde_json::to_string(&deployment).unwrap().as_bytes());
    let o = kro(&[
        "render",
        WEBAPP,
        "--instance",
        WEBAPP_INSTANCE,
        "--observed",
        observed.path().to_str().unwrap(),
        "--now",
        "2026-01-02T03:04:05Z",
        "-o",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let second: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let kinds: Vec<&str> =
        second["resources"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["Deployment", "Service"]);
    assert_eq!(second["status"]["availableReplicas"], 3);
    assert_eq!(second["status"]["conditions"][0]["lastTransitionTime"], "2026-01-02T03:04:05Z");
}

#[test]
fn render_simulate_steps_to_active() {
    let o = kro(&["render", WEBAPP, "--instance", WEBAPP_INSTANCE, "--simulate"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("step 1: state IN_PROGRESS\n  apply   deployment (wave 1)"), "{out}");
    assert!(out.contains("wait    service: waiting for deployment to be ready"), "{out}");
    assert!(out.trim_end().ends_with("ACTIVE after 4 step(s)"), "{out}");
}

#[test]
fn render_simulate_exits_1_when_stuck() {
    let rgd = temp_file(
        b"apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: stuck}
spec:
  schema:
    apiVersion: v1alpha1
    kind: Stuck
    spec: {}
  resources:
    - id: shared
      externalRef: {apiVersion: v1, kind: ConfigMap, metadata: {name: missing, namespace: default}}
",
    );
    let instance = temp_file(b"apiVersion: kro.run/v1alpha1\nkind: Stuck\nmetadata: {name: s}\nspec: {}\n");
    let o =
        kro(&["render", rgd.path().to_str().unwrap(), "--instance", instance.path().to_str().unwrap(), "--simulate"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("stuck after 2 step(s): shared: external reference v1/ConfigMap default/missing not found"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn render_shows_what_the_api_server_would_refuse_at_the_expression_that_computed_it_and_exits_1() {
    let rgd = "tests/fixtures/plan-api-refusals/rgd.yaml";
    let o = kro(&["render", rgd, "--instance", "tests/fixtures/plan-api-refusals/instance.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "nothing is applied in a pass with a failure");
    let err = stderr(&o);
    assert!(
        err.contains("error[invalid-name]: the API server would refuse Service default/my-awesome-app_Service"),
        "{err}"
    );
    assert!(err.contains("rgd.yaml:30:17") && err.contains("name: ${schema.spec.name}"), "{err}");
    assert!(err.contains("error[out-of-range]") && err.contains("spec.replicas: Invalid value: -3"), "{err}");
    // The same instance with values the API server takes renders as usual.
    let o = kro(&["render", rgd, "--instance", "tests/fixtures/plan-api-refusals/instance.valid.yaml"]);
    assert_eq!((o.status.code(), stderr(&o)), (Some(0), String::new()));
    let o = kro(&["render", rgd, "--instance", "tests/fixtures/plan-api-refusals/instance.yaml", "--simulate"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("state ERROR") && stderr(&o).contains("error[invalid-name]"), "{}", stderr(&o));
}

#[test]
fn render_rejects_an_invalid_instance_with_its_location() {
    let instance = temp_file(b"apiVersion: kro.run/v1alpha1\nkind: Application\nmetadata: {name: x}\nspec:\n  name: 42\n  ingress: {enabled: maybe}\n");
    let o = kro(&["render", WEBAPP, "--instance", instance.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains(":5:9: error: spec.name: Invalid value: \"integer\""), "{err}");
    assert!(err.contains(":6:22: error: spec.ingress.enabled"), "{err}");
    assert!(stdout(&o).is_empty());
}

#[test]
fn render_usage_errors_and_a_file_with_two_rgds_exit_2() {
    let o = kro(&["render", WEBAPP, "--instance", "no/such/file.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no such file"), "{}", stderr(&o));
    let o = kro(&["render", WEBAPP, "--instance", WEBAPP_INSTANCE, "--now", "yesterday"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not an RFC 3339 time"), "{}", stderr(&o));
    let o = kro(&["render", BROKEN, "--instance", WEBAPP_INSTANCE]);
    assert_eq!(o.status.code(), Some(1), "an invalid RGD is invalid input");
    // Two RGDs in the file: which one the instance belongs to is the user's to say.
    let webapp = std::fs::read_to_string(repo().join(WEBAPP)).unwrap();
    let two = temp_file(
        format!(
            "{webapp}\n---\n{}",
            webapp.replace("name: my-application", "name: other").replace("kind: Application", "kind: Other")
        )
        .as_bytes(),
    );
    let o = kro(&["render", two.path().to_str().unwrap(), "--instance", WEBAPP_INSTANCE]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("holds 2 RGDs; an instance is planned against exactly one"), "{}", stderr(&o));
}

#[test]
fn feature_gates_switch_omit_on() {
    let rgd = temp_file(
        br#"apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: omitter}
spec:
  schema:
    apiVersion: v1alpha1
    kind: Omitter
    spec:
      replicas: integer | default=0
  resources:
    - id: cm
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: cm}
        data:
          replicas: "${schema.spec.replicas > 0 ? string(schema.spec.replicas) : omit()}"
          kept: "yes"
"#,
    );
    let path = rgd.path().to_str().unwrap();
    assert_eq!(kro(&["validate", path]).status.code(), Some(1));
    assert_eq!(kro(&["validate", path, "--feature-gates", "CELOmitFunction=true"]).status.code(), Some(0));
    let instance = temp_file(b"apiVersion: kro.run/v1alpha1\nkind: Omitter\nmetadata: {name: o}\nspec: {}\n");
    let o = kro(&[
        "render",
        path,
        "--instance",
        instance.path().to_str().unwrap(),
        "--feature-gates",
        "CELOmitFunction=true",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("kept: \"yes\"") && !stdout(&o).contains("replicas"), "{}", stdout(&o));
    let o = kro(&["validate", path, "--feature-gates", "Bogus=true"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn every_example_simulates_to_active() {
    let mut examples: Vec<PathBuf> =
        std::fs::read_dir(repo().join("examples")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    examples.sort();
    assert!(examples.len() >= 5);
    for dir in examples {
        let file = |name: &str| dir.join(name).to_str().unwrap().to_string();
        let mut args = vec!["render".to_string(), file("rgd.yaml"), "--instance".to_string(), file("instance.yaml")];
        if dir.join("observed.yaml").exists() {
            args.extend(["--observed".to_string(), file("observed.yaml")]);
        }
        args.push("--simulate".to_string());
        let o = kro(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(o.status.code(), Some(0), "{}: {}{}", dir.display(), stdout(&o), stderr(&o));
        assert!(stdout(&o).contains("ACTIVE after"), "{}", dir.display());
    }
}

#[test]
fn rgds_in_separate_files_of_one_run_see_each_others_kinds_as_in_one_file() {
    // The user of the Database kind comes first, its definition in the second file.
    let text = std::fs::read_to_string(repo().join("tests/fixtures/rgd-uses-rgd-kind/rgd.yaml")).unwrap();
    let docs: Vec<&str> = text.split("\n---\n").collect();
    assert_eq!(docs.len(), 2, "the fixture holds two RGDs");
    let (user, definer) = (temp_file(docs[0].as_bytes()), temp_file(docs[1].as_bytes()));
    let (a, b) = (user.path().to_str().unwrap(), definer.path().to_str().unwrap());
    let joined = format!("{}\n---\n{}", docs[0], docs[1]);

    let separate = kro(&["crd", a, b]);
    let together = kro_with_stdin(&["crd", "-"], Some(joined.as_bytes()));
    assert_eq!(separate.status.code(), Some(0), "{}", stderr(&separate));
    assert_eq!(stdout(&separate), stdout(&together), "the CRDs (and their status types) agree");
    assert!(stdout(&separate).contains("dbReplicas:\n                  type: integer"), "{}", stdout(&separate));

    let verdicts = |o: &Output| -> Vec<(String, String)> {
        let json: Value = serde_json::from_str(&stdout(o)).unwrap();
        json["diagnostics"].as_array().unwrap().iter().map(|d| (d["code"].to_string(), d["path"].to_string())).collect()
    };
    let separate = kro(&["validate", "-o", "json", a, b]);
    let together = kro_with_stdin(&["validate", "-o", "json", "-"], Some(joined.as_bytes()));
    assert_eq!(separate.status.code(), together.status.code());
    assert_eq!(verdicts(&separate), verdicts(&together));
}
