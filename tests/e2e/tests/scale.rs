//! Two RGDs and fifty instances at once all reach ACTIVE. Its own binary (and API server), so its load does
//! not slow the other suites' tests. Prints reconciles and API requests, for the reports.

use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::Result;
use futures::future::try_join_all;
use kro_e2e::{apply, client, eventually, get, operator, renamed_rgd, wait_rgd_active};
use serde_json::json;

#[tokio::test]
async fn two_rgds_and_fifty_instances_at_once_all_reach_active() -> Result<()> {
    let metrics = operator();
    let client = client().await?;
    let ns = kro_test_support::create_namespace(&client, "scale").await?;
    // Two RGDs whose readiness is existence, so no Deployment controller has to be played.
    for (name, kind) in [("scale-a", "ScaleA"), ("scale-b", "ScaleB")] {
        let mut rgd = renamed_rgd("examples/webapp/rgd.yaml", name, kind);
        // Status reads only what exists once applied.
        rgd["spec"]["schema"]["status"] = json!({"service": "${service.metadata.name}"});
        apply(&client, &rgd, None).await?;
    }
    wait_rgd_active(&client, "scale-a").await?;
    wait_rgd_active(&client, "scale-b").await?;
    let (reconciles0, requests0) =
        (metrics.totals.instance_reconciles.load(Ordering::Relaxed), metrics.totals.requests.load(Ordering::Relaxed));
    let started = Instant::now();
    let instances: Vec<(String, &str)> =
        (0..50).map(|i| (format!("app-{i:02}"), if i % 2 == 0 { "ScaleA" } else { "ScaleB" })).collect();
    try_join_all(instances.iter().map(|(name, kind)| {
        let object = json!({"apiVersion": "kro.run/v1alpha1", "kind": kind, "metadata": {"name": name},
            "spec": {"name": name, "ingress": {"enabled": true}}});
        let client = client.clone();
        let ns = ns.clone();
        async move { apply(&client, &object, Some(&ns)).await }
    }))
    .await?;
    for (name, kind) in &instances {
        eventually(&format!("{kind} {name} ACTIVE"), || async {
            let i = get(&client, "kro.run/v1alpha1", kind, Some(&ns), name).await?;
            Ok(i.filter(|i| i.pointer("/status/state") == Some(&json!("ACTIVE"))).map(|_| ()))
        })
        .await?;
    }
    let reconciles = metrics.totals.instance_reconciles.load(Ordering::Relaxed) - reconciles0;
    let requests = metrics.totals.requests.load(Ordering::Relaxed) - requests0;
    eprintln!(
        "scale: 50 instances (150 children) ACTIVE in {:.1}s, {reconciles} instance reconciles, {requests} API requests",
        started.elapsed().as_secs_f64()
    );
    let (objects, full, without_managed, metadata) = cache_sizes(&client, &ns).await?;
    eprintln!(
        "scale: {objects} children; JSON bytes per instance: full objects {}, without managedFields {}, metadata only (without managedFields) {}",
        full / 50,
        without_managed / 50,
        metadata / 50
    );
    Ok(())
}

/// What each watch-and-cache design would hold for these instances' children, for docs/decisions/0011: full
/// objects (what the operator caches, without managedFields), and metadata only (a metadata watch, plus one
/// GET per child per reconcile).
async fn cache_sizes(client: &kube::Client, ns: &str) -> Result<(usize, usize, usize, usize)> {
    use kube::api::{ListParams, PartialObjectMeta};
    let (mut objects, mut full, mut without_managed, mut metadata) = (0, 0, 0, 0);
    for (api_version, kind) in [("apps/v1", "Deployment"), ("v1", "Service"), ("networking.k8s.io/v1", "Ingress")] {
        let api = kro_e2e::api(client, api_version, kind, Some(ns)).await?;
        for mut object in api.list(&ListParams::default().labels("kro.run/owned=true")).await? {
            objects += 1;
            full += serde_json::to_vec(&object)?.len();
            object.metadata.managed_fields = None;
            without_managed += serde_json::to_vec(&object)?.len();
        }
        let (ar, _) = kube::discovery::pinned_kind(
            client,
            &kube::api::GroupVersionKind::gvk(
                api_version.rsplit_once('/').map_or("", |(g, _)| g),
                api_version.rsplit('/').next().unwrap_or(api_version),
                kind,
            ),
        )
        .await?;
        let meta: kube::Api<PartialObjectMeta<kube::api::DynamicObject>> =
            kube::Api::namespaced_with(client.clone(), ns, &ar);
        for mut object in meta.list_metadata(&ListParams::default().labels("kro.run/owned=true")).await? {
            object.metadata.managed_fields = None;
            metadata += serde_json::to_vec(&object)?.len();
        }
    }
    Ok((objects, full, without_managed, metadata))
}
