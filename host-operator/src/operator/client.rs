//! The kube client the operator uses: the kubeconfig found as kubectl finds it, every request counted (for
//! `rest_client_requests_total` and the reports of requests per reconcile), and the request rate bounded by
//! `--client-qps` (`--client-burst` requests may go at once before the rate applies).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use kube::client::ClientBuilder;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use tower::limit::RateLimitLayer;
use tower::util::MapRequestLayer;

use super::metrics::Metrics;

/// The kubeconfig of `--kubeconfig`, else `KUBECONFIG`, `~/.kube/config`, or the in-cluster service account.
pub async fn config(kubeconfig: Option<&Path>) -> anyhow::Result<Config> {
    match kubeconfig {
        Some(path) => {
            let kc = Kubeconfig::read_from(path)?;
            Ok(Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default()).await?)
        }
        None => Ok(Config::infer().await?),
    }
}

/// A client over `config` that counts its requests in `metrics` and sends at most `burst` requests per
/// `burst / qps` seconds (a window of `burst` tokens refilled at the `qps` rate on average).
pub fn build(config: Config, metrics: &Arc<Metrics>, qps: f32, burst: u32) -> anyhow::Result<Client> {
    let metrics = Arc::clone(metrics);
    let count = MapRequestLayer::new(move |request: http::Request<kube::client::Body>| {
        let watch = request.uri().query().is_some_and(|q| q.contains("watch=true") || q.contains("watch=1"));
        metrics.request(request.method().as_str(), watch);
        request
    });
    let burst = burst.max(1);
    let window = Duration::from_secs_f64(f64::from(burst) / f64::from(qps.max(0.001)));
    let client = ClientBuilder::try_from(config)?
        .with_layer(&RateLimitLayer::new(u64::from(burst), window))
        .with_layer(&count)
        .build();
    Ok(client)
}
