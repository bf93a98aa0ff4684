//! Killing the operator in the middle of a reconcile and starting a new one loses nothing and duplicates
//! nothing: server-side apply is idempotent, and the finalizer and the `ApplySet` inventory are on the instance
//! before any child is created. Its own binary: it starts and kills its own operators.

use anyhow::Result;
use kro_e2e::{
    apply, client, eventually, get, http_get, make_deployment_available, renamed_rgd, start_operator,
    start_operator_with, wait_rgd_active, wait_state,
};
use kro_operator::operator::Options;
use kube::api::ListParams;
use serde_json::json;

#[tokio::test]
async fn an_operator_killed_mid_reconcile_and_restarted_loses_and_duplicates_nothing() -> Result<()> {
    let client = client().await?;
    let ns = kro_test_support::create_namespace(&client, "restart").await?;
    let first = start_operator().await?;
    apply(&client, &renamed_rgd("examples/webapp/rgd.yaml", "restart-app", "RestartApp"), None).await?;
    wait_rgd_active(&client, "restart-app").await?;
    let instance = json!({"apiVersion": "kro.run/v1alpha1", "kind": "RestartApp", "metadata": {"name": "app"},
        "spec": {"name": "app", "ingress": {"enabled": true}}});
    apply(&client, &instance, Some(&ns)).await?;
    // Kill as soon as the first child exists: the reconcile is then applying the next ones.
    eventually("the Deployment", || get(&client, "apps/v1", "Deployment", Some(&ns), "app")).await?;
    first.kill();

    let local = "127.0.0.1:0".parse()?;
    let options =
        Options { metrics_bind_address: Some(local), health_probe_bind_address: Some(local), ..Options::default() };
    let second = start_operator_with(options).await?;
    eventually("the Ingress", || get(&client, "networking.k8s.io/v1", "Ingress", Some(&ns), "app-ingress")).await?;
    make_deployment_available(&client, &ns, "app").await?;
    let instance = wait_state(&client, "RestartApp", &ns, "app", "ACTIVE").await?;
    assert_eq!(instance["metadata"]["finalizers"], json!(["kro.run/finalizer"]));

    // Exactly one object per resource carries the instance's id.
    let uid = instance["metadata"]["uid"].as_str().unwrap().to_string();
    let selector = format!("kro.run/instance-id={uid}");
    let mut children = Vec::new();
    for (api_version, kind) in [("apps/v1", "Deployment"), ("v1", "Service"), ("networking.k8s.io/v1", "Ingress")] {
        let api = kro_e2e::api(&client, api_version, kind, Some(&ns)).await?;
        for object in api.list(&ListParams::default().labels(&selector)).await? {
            children.push(format!("{kind}/{}", object.metadata.name.unwrap_or_default()));
        }
    }
    children.sort();
    assert_eq!(children, ["Deployment/app", "Ingress/app-ingress", "Service/app-service"]);

    // Its endpoints: health, readiness, and kro's metric names.
    let health = second.health_address.unwrap();
    assert_eq!(http_get(health, "/healthz").await?.0, 200);
    assert_eq!(http_get(health, "/readyz").await?.0, 200);
    let metrics_address = second.metrics_address.unwrap();
    let metrics = eventually("the restarted operator's reconciles in /metrics", || async {
        let (code, metrics) = http_get(metrics_address, "/metrics").await?;
        assert_eq!(code, 200);
        let active = "instances_by_state{gvr=\"kro.run/v1alpha1/restartapps\",state=\"ACTIVE\"} 1";
        Ok(metrics.contains(active).then_some(metrics))
    })
    .await?;
    for name in [
        "dynamic_controller_reconcile_total{",
        "dynamic_controller_gvr_count 1",
        "dynamic_controller_queue_length{gvr=\"kro.run/v1alpha1/restartapps\"}",
        "rest_client_requests_total{method=\"PATCH\"}",
        "instances_by_state{",
    ] {
        assert!(metrics.contains(name), "{name} missing from\n{metrics}");
    }

    // The restarted operator shuts down cleanly, draining what it runs.
    second.shutdown().await?;
    Ok(())
}
