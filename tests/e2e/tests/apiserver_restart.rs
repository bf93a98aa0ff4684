//! The API server goes away for 20 s and comes back on the same etcd data while a thousand instances converge
//! (docs/decisions/0018): the operator reconnects, its watches list their kinds again (the restarted server
//! answers a watch from an old resource version with 410 Gone), every instance reaches ACTIVE with exactly its
//! three children, and deleting them all leaves no child and no finalizer behind.
//!
//! Its own binary and its own API server, which it stops and starts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use futures::{StreamExt, TryStreamExt};
use kro_e2e::{apply, renamed_rgd, start_operator_on};
use kro_operator::operator::{Metrics, Options};
use kro_test_support::ApiServer;
use kube::api::{DeleteParams, DynamicObject, ListParams, PostParams};
use kube::{Api, Client};
use serde_json::json;

/// Instances created (`KRO_E2E_RESTART_INSTANCES`, default 300: the in-process operator of the tests is a
/// debug build; the note of issue [operator-lean] reports the run at 1,000).
fn instances_wanted() -> usize {
    std::env::var("KRO_E2E_RESTART_INSTANCES").ok().and_then(|n| n.parse().ok()).unwrap_or(300)
}
const KIND: &str = "RestartedApp";
const DOWN_FOR: Duration = Duration::from_secs(20);
/// How long each phase may take (a bound on a hang, not a timing assertion).
const PHASE: Duration = Duration::from_secs(600);

/// A free loopback port, so the restarted server listens where the operator's client looks.
fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The API server on `port` over the etcd data in `data`. `compacting`: it compacts etcd's history every second,
/// so a watch that resumes from a resource version of before the restart is told 410 Gone and must list again.
fn start(port: u16, data: &std::path::Path, compacting: bool) -> Result<ApiServer> {
    let (port, data) = (port.to_string(), data.display().to_string());
    // A /16 Service range: a /24 holds 254 Services, every instance has one.
    let mut args = vec!["--port", &port, "--data-dir", &data, "--", "--service-cluster-ip-range=10.0.0.0/16"];
    if compacting {
        args.push("--etcd-compaction-interval=1s");
    }
    Ok(ApiServer::start(&args)?)
}

async fn instances(client: &Client, ns: &str) -> Result<Vec<DynamicObject>> {
    let api: Api<DynamicObject> = kro_e2e::api(client, "kro.run/v1alpha1", KIND, Some(ns)).await?;
    Ok(api.list(&ListParams::default()).await?.items)
}

fn active(instances: &[DynamicObject]) -> usize {
    instances.iter().filter(|i| i.data.pointer("/status/state") == Some(&json!("ACTIVE"))).count()
}

/// Polls `check` every 500 ms (errors while the server is away count as "not yet") until it holds.
async fn until<F, Fut>(what: &str, mut check: F) -> Result<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool>>,
{
    let started = Instant::now();
    loop {
        if check().await.unwrap_or(false) {
            return Ok(started.elapsed());
        }
        anyhow::ensure!(started.elapsed() < PHASE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn relists(metrics: &Metrics) -> u64 {
    metrics.totals.relists.load(std::sync::atomic::Ordering::Relaxed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_server_restarted_mid_convergence_loses_duplicates_and_hangs_nothing() -> Result<()> {
    let total = instances_wanted();
    let data = tempfile::tempdir()?;
    let port = free_port()?;
    let server = start(port, data.path(), false)?;
    let config = server.config().await?;
    let client = Client::try_from(config.clone())?;
    let operator = start_operator_on(config, Options::default()).await?;
    let metrics = Arc::clone(operator.metrics());
    let ns = kro_test_support::create_namespace(&client, "restart-apiserver").await?;
    apply(&client, &renamed_rgd("examples/webapp/rgd.yaml", "restarted-app", KIND), None).await?;
    kro_e2e::wait_rgd_active(&client, "restarted-app").await?;

    // The load: every instance created; the server goes away once a tenth of them is ACTIVE.
    let api: Api<DynamicObject> = kro_e2e::api(&client, "kro.run/v1alpha1", KIND, Some(&ns)).await?;
    futures::stream::iter(0..total)
        .map(|i| {
            let api = api.clone();
            async move {
                let name = format!("app-{i:04}");
                let object: DynamicObject = serde_json::from_value(json!({
                    "apiVersion": "kro.run/v1alpha1", "kind": KIND, "metadata": {"name": name},
                    "spec": {"name": name, "ingress": {"enabled": true}}}))?;
                api.create(&PostParams::default(), &object).await.with_context(|| format!("create {name}"))?;
                anyhow::Ok(())
            }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await?;
    until("a tenth of the instances ACTIVE", || async { Ok(active(&instances(&client, &ns).await?) >= total / 10) })
        .await?;
    let at_stop = active(&instances(&client, &ns).await?);
    server.stop()?;
    tokio::time::sleep(DOWN_FOR).await;
    let server = start(port, data.path(), true)?;

    let took = until("every instance ACTIVE after the restart", || async {
        Ok(active(&instances(&client, &ns).await?) == total)
    })
    .await?;
    eprintln!(
        "{at_stop} of {total} ACTIVE when the API server stopped for {DOWN_FOR:?}; all ACTIVE {:.1} s after it was back",
        took.as_secs_f64()
    );

    // A watch whose resource version the server no longer has (etcd compacted its history) is told 410 Gone and
    // lists its kind again. The operator's watches are idle now, at the versions they last saw. Writes move etcd's
    // revision on and the server compacts its history every second, so two seconds after the last write the
    // versions the watches hold are gone; when the server restarts, every watch resumes from one of them.
    let writes: Api<DynamicObject> = kro_e2e::api(&client, "v1", "ConfigMap", Some(&ns)).await?;
    for _ in 0..3 {
        let marker: DynamicObject = serde_json::from_value(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"generateName": "revision-"}}))?;
        writes.create(&PostParams::default(), &marker).await?;
        // The compactor's period, not a wait for an outcome: etcd keeps one interval of history.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let relists_before = relists(&metrics);
    server.stop()?;
    let server = start(port, data.path(), true)?;
    let relisted =
        until("the watches listed their kinds again", || async { Ok(relists(&metrics) > relists_before) }).await?;
    eprintln!("the watches listed their kinds again {:.1} s after the second restart", relisted.as_secs_f64());
    until("every instance still ACTIVE", || async { Ok(active(&instances(&client, &ns).await?) == total) }).await?;

    // Exactly three children per instance, each labelled with its instance's uid: none duplicated, none lost.
    let uids: std::collections::HashSet<String> =
        instances(&client, &ns).await?.iter().filter_map(|i| i.metadata.uid.clone()).collect();
    for (api_version, kind) in [("apps/v1", "Deployment"), ("v1", "Service"), ("networking.k8s.io/v1", "Ingress")] {
        let children: Api<DynamicObject> = kro_e2e::api(&client, api_version, kind, Some(&ns)).await?;
        let list = children.list(&ListParams::default().labels("kro.run/owned=true")).await?;
        let owners: Vec<String> =
            list.items.iter().filter_map(|c| c.metadata.labels.as_ref()?.get("kro.run/instance-id").cloned()).collect();
        assert_eq!(owners.len(), total, "one {kind} per instance");
        assert!(owners.iter().all(|o| uids.contains(o)), "every {kind} belongs to an instance that exists");
    }

    // Deleting every instance deletes every child and lets every instance go: no finalizer hangs.
    api.delete_collection(&DeleteParams::default(), &ListParams::default()).await?;
    let left = std::sync::atomic::AtomicUsize::new(total);
    let gone = until("every instance gone", || async {
        let now = instances(&client, &ns).await?;
        left.store(now.len(), std::sync::atomic::Ordering::Relaxed);
        Ok(now.is_empty())
    })
    .await
    .with_context(|| format!("{} instances left", left.load(std::sync::atomic::Ordering::Relaxed)))?;
    eprintln!("every instance and child deleted {:.1} s after the instances were", gone.as_secs_f64());
    for (api_version, kind) in [("apps/v1", "Deployment"), ("v1", "Service"), ("networking.k8s.io/v1", "Ingress")] {
        let children: Api<DynamicObject> = kro_e2e::api(&client, api_version, kind, Some(&ns)).await?;
        let left: Vec<String> = children
            .list(&ListParams::default())
            .await?
            .items
            .iter()
            .map(|c| format!("{:?} {:?}", c.metadata.name, c.metadata.deletion_timestamp))
            .collect();
        assert!(left.is_empty(), "no {kind} left: {} left, e.g. {:?}", left.len(), left.first());
    }
    operator.kill();
    drop(server);
    Ok(())
}
