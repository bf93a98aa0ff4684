//! The driver's side of the cluster: a client that counts its own requests (so they can be told apart from
//! the controller's in the API server's totals), the instances it creates and watches, the Deployment
//! controller the API server does not run, and the server's own request counts.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context as _, Result};
use futures::{StreamExt, TryStreamExt};
use kube::api::{ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::client::ClientBuilder;
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, Config, ResourceExt};
use serde_json::{Value, json};
use tower::util::MapRequestLayer;

use crate::prom::Scrape;
use crate::requests::Counts;

/// The instance kind of examples/webapp.
pub const INSTANCE_API_VERSION: &str = "kro.run/v1alpha1";
pub const INSTANCE_KIND: &str = "Application";

/// A client over `config` whose requests are counted by kind in `counts`.
pub fn counting_client(config: Config, counts: Arc<Counts>) -> Result<Client> {
    let layer = MapRequestLayer::new(move |request: http::Request<kube::client::Body>| {
        counts.record(&request);
        request
    });
    Ok(ClientBuilder::try_from(config)?.with_layer(&layer).build())
}

/// The API server's `/metrics`.
pub async fn apiserver_metrics(client: &Client) -> Result<Scrape> {
    let request = http::Request::get("/metrics").body(Vec::new())?;
    let text = client.request_text(request).await.context("GET /metrics of the API server")?;
    Ok(Scrape::parse(&text))
}

/// A controller's `/metrics` at `address` (`host:port`): one HTTP/1.0 GET.
pub async fn controller_metrics(address: &str) -> Result<Scrape> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = address.trim_start_matches("http://").trim_end_matches("/metrics");
    let mut stream = tokio::net::TcpStream::connect(address).await.with_context(|| format!("connect {address}"))?;
    stream.write_all(format!("GET /metrics HTTP/1.0\r\nHost: {address}\r\n\r\n").as_bytes()).await?;
    let mut body = String::new();
    stream.read_to_string(&mut body).await?;
    let body = body.split_once("\r\n\r\n").map_or(body.as_str(), |(_, b)| b);
    Ok(Scrape::parse(body))
}

/// One instance of the web application, named `app-<i>`, with its Ingress (as examples/webapp/instance.yaml).
pub fn instance(i: usize, namespace: &str) -> Value {
    let name = format!("app-{i:05}");
    json!({
        "apiVersion": INSTANCE_API_VERSION,
        "kind": INSTANCE_KIND,
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"name": name, "ingress": {"enabled": true}},
    })
}

/// Creates instances `0..count` in `namespace`, `concurrency` at a time.
pub async fn create_instances(
    api: &Api<DynamicObject>,
    namespace: &str,
    count: usize,
    concurrency: usize,
) -> Result<()> {
    futures::stream::iter(0..count)
        .map(|i| async move {
            let object: DynamicObject = serde_json::from_value(instance(i, namespace))?;
            api.create(&PostParams::default(), &object).await.with_context(|| format!("create instance {i}"))?;
            anyhow::Ok(())
        })
        .buffer_unordered(concurrency.max(1))
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// Deletes every instance of the namespace with one request.
pub async fn delete_instances(api: &Api<DynamicObject>) -> Result<()> {
    api.delete_collection(&DeleteParams::default(), &ListParams::default()).await?;
    Ok(())
}

/// A cache of the instances, filled by a watch, to count them by `status.state`.
#[derive(Debug)]
pub struct Instances {
    store: Store<DynamicObject>,
    task: tokio::task::JoinHandle<()>,
}

impl Instances {
    pub async fn watch(api: Api<DynamicObject>, resource: ApiResource) -> Instances {
        let writer = reflector::store::Writer::new(resource);
        let store = writer.as_reader();
        let stream = reflector::reflector(writer, watcher(api, watcher::Config::default())).default_backoff();
        let task = tokio::spawn(stream.for_each(|_| futures::future::ready(())));
        let _ = store.wait_until_ready().await;
        Instances { store, task }
    }

    /// How many instances exist, and how many are in `state`.
    pub fn count(&self, state: &str) -> (usize, usize) {
        let all = self.store.state();
        let in_state =
            all.iter().filter(|i| i.data.pointer("/status/state").and_then(Value::as_str) == Some(state)).count();
        (all.len(), in_state)
    }

    /// Instances still there that carry a finalizer (after a deletion: hung ones).
    pub fn with_finalizers(&self) -> Vec<String> {
        self.store.state().iter().filter(|i| !i.finalizers().is_empty()).map(|i| i.name_any()).collect()
    }
}

impl Drop for Instances {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Plays the Deployment controller: every Deployment of `namespace` whose status does not report its current
/// generation available gets that status. Returns the task (aborted to stop) and how many statuses it wrote.
pub fn simulate_deployment_controller(
    client: Client,
    namespace: &str,
) -> (tokio::task::JoinHandle<()>, Arc<AtomicU64>) {
    let api: Api<k8s_openapi::api::apps::v1::Deployment> = Api::namespaced(client, namespace);
    let written = Arc::new(AtomicU64::new(0));
    let count = Arc::clone(&written);
    let task = tokio::spawn(async move {
        let api = &api;
        let count = &count;
        watcher(api.clone(), watcher::Config::default())
            .default_backoff()
            .applied_objects()
            .for_each_concurrent(16, |deployment| async move {
                let Ok(deployment) = deployment else { return };
                let generation = deployment.metadata.generation.unwrap_or(1);
                let replicas = deployment.spec.replicas.unwrap_or(1);
                let status = deployment.status.as_ref();
                let current = status.is_some_and(|s| {
                    s.observed_generation == Some(generation) && s.available_replicas == Some(replicas)
                });
                if current {
                    return;
                }
                let body =
                    kro_e2e::deployment_available_status(&deployment.name_any(), generation, i64::from(replicas));
                if api.patch_status(&deployment.name_any(), &PatchParams::default(), &Patch::Merge(&body)).await.is_ok()
                {
                    count.fetch_add(1, Ordering::Relaxed);
                }
            })
            .await;
    });
    (task, written)
}

/// `n` `CustomResourceDefinitions`, one group and kind each (`things<i>.bench<i>.example.com`), whose `spec` is
/// `depth` levels of `width` object fields with short descriptions (3 x 12: ~190 KB of JSON per CRD): the
/// many-CRDs load of a cluster with large operators installed (crossplane providers, say).
pub fn generated_crds(n: usize, depth: usize, width: usize) -> Vec<Value> {
    fn schema(depth: usize, width: usize) -> Value {
        if depth == 0 {
            return json!({"type": "string", "description": "a leaf field ".repeat(4)});
        }
        let properties: serde_json::Map<String, Value> =
            (0..width).map(|i| (format!("field{i}"), schema(depth - 1, width))).collect();
        json!({"type": "object", "description": "a nested object of this generated kind", "properties": properties})
    }
    let body = schema(depth, width);
    (0..n)
        .map(|i| {
            json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": {"name": format!("things{i}.bench{i}.example.com")},
                "spec": {"group": format!("bench{i}.example.com"), "scope": "Namespaced",
                    "names": {"plural": format!("things{i}"), "singular": format!("thing{i}"),
                        "kind": format!("Thing{i}"), "listKind": format!("Thing{i}List")},
                    "versions": [{"name": "v1", "served": true, "storage": true,
                        "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": body}}}}]}})
        })
        .collect()
}

/// Server-side applies every CRD of `crds`, 8 at a time.
pub async fn install_crds(client: &Client, crds: &[Value]) -> Result<()> {
    let api: Api<DynamicObject> =
        kro_e2e::api(client, "apiextensions.k8s.io/v1", "CustomResourceDefinition", None).await?;
    futures::stream::iter(crds)
        .map(|crd| {
            let api = api.clone();
            async move {
                let name = crd.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_string();
                api.patch(&name, &PatchParams::apply("bench-operator").force(), &Patch::Apply(crd))
                    .await
                    .with_context(|| format!("apply CRD {name}"))?;
                anyhow::Ok(())
            }
        })
        .buffer_unordered(8)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// The children of the web application: `(apiVersion, kind)` with the suffix the RGD adds to `spec.name`.
pub const CHILD_KINDS: [(&str, &str, &str); 3] =
    [("apps/v1", "Deployment", ""), ("v1", "Service", "-service"), ("networking.k8s.io/v1", "Ingress", "-ingress")];

/// Every child kro-rs owns in `namespace`, by kind then name.
pub async fn children(client: &Client, namespace: &str) -> Result<HashMap<&'static str, HashMap<String, Value>>> {
    let mut out = HashMap::new();
    for (api_version, kind, _) in CHILD_KINDS {
        let api = kro_e2e::api(client, api_version, kind, Some(namespace)).await?;
        let list = api.list(&ListParams::default().labels("kro.run/owned=true")).await?;
        let by_name =
            list.items.into_iter().map(|o| (o.name_any(), serde_json::to_value(&o).unwrap_or_default())).collect();
        out.insert(kind, by_name);
    }
    Ok(out)
}

/// Polls `check` every 200 ms until it is true, for at most `timeout`; returns the seconds it took.
pub async fn wait_for<F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<f64>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool>>,
{
    let started = tokio::time::Instant::now();
    loop {
        if check().await? {
            return Ok(started.elapsed().as_secs_f64());
        }
        if started.elapsed() > timeout {
            anyhow::bail!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
