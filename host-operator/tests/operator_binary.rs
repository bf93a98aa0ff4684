//! The `kro operator` command itself: it finds the kubeconfig from its flag, installs the RGD CRD, serves
//! `/readyz`, and on SIGTERM drains and exits 0, logging JSON lines. (Here rather than in tests/e2e, which
//! cannot name this package's binary.) Its own test binary and API server, as it runs its own operator.

use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;

/// The status code of `GET path` on a local endpoint, if it answers.
fn http_status(addr: &str, path: &str) -> Option<u16> {
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test]
async fn kro_operator_serves_readyz_and_exits_zero_on_sigterm() -> Result<()> {
    let server = kro_test_support::shared();
    let client = server.client().await?;
    // A free port for the health endpoint.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let health = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kro"))
        .args(["operator", "--kubeconfig"])
        .arg(server.kubeconfig_path())
        .args(["--metrics-bind-address", "0", "--health-probe-bind-address", &health, "--log-format", "json"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("run kro operator")?;
    let started = Instant::now();
    let mut ready = false;
    while !ready && started.elapsed() < Duration::from_secs(60) && child.try_wait()?.is_none() {
        tokio::time::sleep(Duration::from_millis(100)).await;
        ready = http_status(&health, "/readyz") == Some(200);
    }
    let crd = Api::<CustomResourceDefinition>::all(client).get_opt("resourcegraphdefinitions.kro.run").await?;
    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            child.kill()?;
            bail!("kro operator did not exit within 30 s of SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let log = std::io::read_to_string(child.stderr.take().context("stderr")?)?;
    assert!(ready, "/readyz never answered 200; log:\n{log}");
    assert!(crd.is_some(), "the RGD CRD is installed at start");
    assert!(killed.success());
    assert!(status.success(), "exit status {status:?}; log:\n{log}");
    // Structured logs: one JSON object per line, the start among them.
    let mut messages = Vec::new();
    for text in log.lines() {
        let line: serde_json::Value = serde_json::from_str(text).with_context(|| format!("not JSON: {text}"))?;
        messages.push(line["message"].as_str().unwrap_or_default().to_string());
    }
    assert!(messages.iter().any(|m| m == "kro-rs operator started"), "{log}");
    Ok(())
}
