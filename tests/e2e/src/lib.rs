//! kro-rs' end-to-end tests: everything that needs a real kube-apiserver lives in this crate's `tests/`, so
//! the other crates' tests run without a server. Run them with `make e2e` (it builds the API server and kubectl
//! first, `make apiserver`); without those binaries every test fails with a message saying so (none is skipped).
//!
//! - `tests/crd_fidelity.rs`, `tests/render_fidelity.rs`: generated CRDs are accepted and enforce their markers
//!   with Kubernetes' own messages; rendered objects pass a server-side dry run ([`fidelity`] helpers).
//! - `tests/story.rs`, `tests/operator.rs`, `tests/restart.rs`, `tests/scale.rs`: the operator.
//!
//! Helpers of the operator tests: one operator per test binary, running in-process on its own runtime
//! against the binary's API server (`kro_test_support::shared`), kubectl as a user types it, YAML files of
//! the repository applied with server-side apply, polling with a deadline, and the Deployment controller the
//! API server does not run (tests write the status it would).
#![allow(
    clippy::missing_panics_doc,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

pub mod chart;
pub mod fidelity;

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use kro_operator::operator::{Metrics, Operator, Options};
use kube::api::{DynamicObject, GroupVersionKind, Patch, PatchParams};
use kube::{Api, Client, discovery};
use serde_json::{Value, json};

/// How long a test waits for the operator to get somewhere (a bound on a hang, not a timing assertion).
pub const TIMEOUT: Duration = Duration::from_secs(90);

/// The repository's root folder.
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file of the repository, as text.
pub fn read(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path)).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// The operator every test of this binary shares. It runs on a runtime of its own, since each
/// `#[tokio::test]` has a runtime that ends with the test.
pub fn operator() -> &'static Arc<Metrics> {
    operator_with(Options::default)
}

/// [`operator`], started with `options()` by the first test of the binary that asks (a binary's tests all ask
/// with the same options).
pub fn operator_with(options: fn() -> Options) -> &'static Arc<Metrics> {
    static OPERATOR: OnceLock<Arc<Metrics>> = OnceLock::new();
    OPERATOR.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            runtime.block_on(async move {
                let operator = start_operator_with(options()).await.unwrap();
                tx.send(Arc::clone(operator.metrics())).unwrap();
                std::future::pending::<()>().await;
            });
        });
        rx.recv().expect("the operator started")
    })
}

/// Starts an operator on the shared API server, on the current runtime.
pub async fn start_operator() -> Result<Operator> {
    start_operator_with(Options::default()).await
}

/// [`start_operator`] with these options (their client limits raised for tests).
pub async fn start_operator_with(options: Options) -> Result<Operator> {
    start_operator_on(kro_test_support::shared().config().await?, options).await
}

/// An operator on the API server of `config` (a test's own server), with these options (client limits raised
/// for tests).
pub async fn start_operator_on(config: kube::Config, options: Options) -> Result<Operator> {
    // Logs only when asked (RUST_LOG=info cargo test -p kro-e2e -- --nocapture).
    if std::env::var_os("RUST_LOG").is_some() {
        kro_operator::operator::telemetry::init(kro_operator::operator::LogFormat::Text);
    }
    let options = Options { concurrency: 8, client_qps: 500.0, client_burst: 1000, ..options };
    Operator::start(config, options).await
}

/// A client of the shared API server for the calling test.
pub async fn client() -> Result<Client> {
    Ok(kro_test_support::shared().client().await?)
}

/// Runs kubectl with `args` (and `stdin`); returns its standard output, failing on a non-zero exit.
pub fn kubectl(args: &[&str], stdin: Option<&str>) -> Result<String> {
    let out = kro_test_support::shared().kubectl_run(args, stdin);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() {
        bail!("kubectl {} failed: {}{}", args.join(" "), stdout, String::from_utf8_lossy(&out.stderr));
    }
    Ok(stdout)
}

/// Polls `check` every 100 ms until it returns `Some`, or fails after [`TIMEOUT`] with `what` and the last
/// state `describe` gives.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    let mut last_error = String::new();
    loop {
        match check().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(e) => last_error = format!("{e:#}"),
        }
        if tokio::time::Instant::now() > deadline {
            bail!("timed out waiting for {what} {last_error}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The API of `apiVersion`/`kind` in `namespace` (`None`: cluster-scoped or all namespaces).
pub async fn api(
    client: &Client,
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
) -> Result<Api<DynamicObject>> {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let (ar, caps) = discovery::pinned_kind(client, &GroupVersionKind::gvk(group, version, kind)).await?;
    Ok(match namespace {
        Some(ns) if caps.scope == discovery::Scope::Namespaced => Api::namespaced_with(client.clone(), ns, &ar),
        _ => Api::all_with(client.clone(), &ar),
    })
}

/// An object as JSON, or `None` when it does not exist.
pub async fn get(
    client: &Client,
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
) -> Result<Option<Value>> {
    let api = api(client, api_version, kind, namespace).await?;
    Ok(api.get_opt(name).await?.map(|o| serde_json::to_value(o).unwrap_or_default()))
}

/// Waits until none of `objects` (`apiVersion`, kind, name) is left in `namespace`.
pub async fn wait_deleted(client: &Client, namespace: &str, what: &str, objects: &[(&str, &str, &str)]) -> Result<()> {
    eventually(what, || async {
        for (api_version, kind, name) in objects {
            if get(client, api_version, kind, Some(namespace), name).await?.is_some() {
                return Ok(None);
            }
        }
        Ok(Some(()))
    })
    .await
}

/// Waits until `operator` holds the leader Lease (`what` names it in a timeout).
pub async fn wait_leading(operator: &Operator, what: &str) -> Result<()> {
    eventually(what, || async { Ok(operator.is_leader().then_some(())) }).await
}

/// The YAML documents of `text` as JSON.
pub fn documents(text: &str) -> Vec<Value> {
    let engine = kro_engine::Engine::new(kro_engine::EngineOptions::default()).expect("kro's environment builds");
    engine.load_objects(text).expect("valid YAML")
}

/// Server-side applies `object` (as a test's own field manager), in `namespace` when namespaced.
pub async fn apply(client: &Client, object: &Value, namespace: Option<&str>) -> Result<Value> {
    let s = |p: &str| object.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
    let api = api(client, &s("/apiVersion"), &s("/kind"), namespace).await?;
    let applied = api
        .patch(&s("/metadata/name"), &PatchParams::apply("e2e-test").force(), &Patch::Apply(object))
        .await
        .with_context(|| format!("apply {} {}", s("/kind"), s("/metadata/name")))?;
    Ok(serde_json::to_value(applied)?)
}

/// The example RGD at `path` under another name and kind, so tests sharing one API server do not collide.
pub fn renamed_rgd(path: &str, name: &str, kind: &str) -> Value {
    let mut rgd = documents(&read(path)).remove(0);
    rgd["metadata"]["name"] = json!(name);
    rgd["spec"]["schema"]["kind"] = json!(kind);
    rgd
}

/// Waits until the RGD `name` is Active.
pub async fn wait_rgd_active(client: &Client, name: &str) -> Result<Value> {
    eventually(&format!("RGD {name} Active"), || async {
        let rgd = get(client, "kro.run/v1alpha1", "ResourceGraphDefinition", None, name).await?;
        Ok(rgd.filter(|r| r.pointer("/status/state") == Some(&json!("Active"))))
    })
    .await
}

/// Waits until the instance's `status.state` is `state`.
pub async fn wait_state(client: &Client, kind: &str, namespace: &str, name: &str, state: &str) -> Result<Value> {
    eventually(&format!("{kind} {namespace}/{name} {state}"), || async {
        let instance = get(client, "kro.run/v1alpha1", kind, Some(namespace), name).await?;
        Ok(instance.filter(|i| i.pointer("/status/state") == Some(&json!(state))))
    })
    .await
}

/// Plays the Deployment controller: the Deployment reports all its replicas available.
pub async fn make_deployment_available(client: &Client, namespace: &str, name: &str) -> Result<()> {
    let api = api(client, "apps/v1", "Deployment", Some(namespace)).await?;
    let deployment = api.get(name).await?;
    let replicas = deployment.data.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1);
    let generation = deployment.metadata.generation.unwrap_or(1);
    let status = deployment_available_status(name, generation, replicas);
    api.patch_status(name, &PatchParams::default(), &Patch::Merge(&status)).await?;
    Ok(())
}

/// The status patch the Deployment controller would write once all `replicas` of Deployment `name` at
/// `generation` are available (the seed walk-through's conditions).
pub fn deployment_available_status(name: &str, generation: i64, replicas: i64) -> Value {
    json!({"status": {
        "observedGeneration": generation,
        "replicas": replicas, "updatedReplicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas,
        "conditions": [
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
             "message": "Deployment has minimum availability.",
             "lastTransitionTime": "2025-03-13T11:36:11Z", "lastUpdateTime": "2025-03-13T11:36:11Z"},
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
             "message": format!("ReplicaSet \"{name}-9ccb8f99d\" has successfully progressed."),
             "lastTransitionTime": "2025-03-13T11:36:01Z", "lastUpdateTime": "2025-03-13T11:36:11Z"}
        ]
    }})
}

/// `GET path` on a local HTTP endpoint: the status code and the body.
pub async fn http_get(addr: std::net::SocketAddr, path: &str) -> Result<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let code = response.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((code, body))
}

/// A condition of an object's status by type.
pub fn condition<'v>(object: &'v Value, type_: &str) -> Option<&'v Value> {
    object.pointer("/status/conditions")?.as_array()?.iter().find(|c| c.get("type") == Some(&json!(type_)))
}

/// The GraphRevisions of the RGD `rgd` (by kro's selectable field `spec.snapshot.name`), by revision number.
pub async fn graph_revisions(client: &Client, rgd: &str) -> Result<Vec<Value>> {
    let api = api(client, "internal.kro.run/v1alpha1", "GraphRevision", None).await?;
    let params = kube::api::ListParams::default().fields(&format!("spec.snapshot.name={rgd}"));
    let mut revisions: Vec<Value> =
        api.list(&params).await?.items.into_iter().map(|o| serde_json::to_value(o).unwrap_or_default()).collect();
    revisions.sort_by_key(|r| r.pointer("/spec/revision").and_then(Value::as_i64));
    Ok(revisions)
}

/// The revision numbers of [`graph_revisions`].
pub fn revision_numbers(revisions: &[Value]) -> Vec<i64> {
    revisions.iter().filter_map(|r| r.pointer("/spec/revision").and_then(Value::as_i64)).collect()
}

/// Waits until the RGD `name` has reconciled its current generation (every condition at it) and has issued
/// revision `last` (`status.lastIssuedRevision`); returns the RGD.
pub async fn wait_rgd_revision(client: &Client, name: &str, last: i64) -> Result<Value> {
    eventually(&format!("RGD {name} at revision {last}"), || async {
        let rgd = get(client, "kro.run/v1alpha1", "ResourceGraphDefinition", None, name).await?;
        Ok(rgd.filter(|r| {
            let generation = r.pointer("/metadata/generation");
            let conditions = r.pointer("/status/conditions").and_then(Value::as_array);
            r.pointer("/status/lastIssuedRevision") == Some(&json!(last))
                && conditions.is_some_and(|cs| cs.iter().all(|c| c.get("observedGeneration") == generation))
        }))
    })
    .await
}

/// The sum of a metric's samples (`name{...} value` lines of the Prometheus text) over the instance kind whose
/// plural is `plural` (its `gvr` label ends `/plural`).
pub fn metric_of_kind(metrics: &Metrics, name: &str, plural: &str) -> i64 {
    let (start, kind) = (format!("{name}{{"), format!("/{plural}\""));
    metrics
        .encode()
        .lines()
        .filter(|l| l.starts_with(&start) && l.contains(&kind))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<i64>().ok())
        .sum()
}
