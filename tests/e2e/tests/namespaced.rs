//! `kro operator --namespace NS`: instances in NS are reconciled, instances elsewhere are left alone (RGDs and
//! CRDs, cluster-scoped, are still handled). Its own binary: its operator must be the only one on its API server.

use anyhow::Result;
use kro_e2e::{apply, client, eventually, get, renamed_rgd, start_operator_with, wait_rgd_active, wait_state};
use kro_operator::operator::Options;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_limited_to_one_namespace_reconciles_only_the_instances_there() -> Result<()> {
    let client = client().await?;
    let mine = kro_test_support::create_namespace(&client, "mine").await?;
    let other = kro_test_support::create_namespace(&client, "other").await?;
    let operator = start_operator_with(Options { namespace: Some(mine.clone()), ..Options::default() }).await?;

    apply(&client, &renamed_rgd("examples/webapp/rgd.yaml", "scoped-app", "ScopedApp"), None).await?;
    wait_rgd_active(&client, "scoped-app").await?;
    let instance = json!({"apiVersion": "kro.run/v1alpha1", "kind": "ScopedApp", "metadata": {"name": "app"},
        "spec": {"name": "app"}});
    apply(&client, &instance, Some(&other)).await?;
    apply(&client, &instance, Some(&mine)).await?;
    wait_state(&client, "ScopedApp", &mine, "app", "ACTIVE").await?;
    eventually("the Deployment in the watched namespace", || get(&client, "apps/v1", "Deployment", Some(&mine), "app"))
        .await?;

    // The instance of the other namespace was created first and is still untouched. The bound: an instance
    // created after it in the watched namespace has been reconciled to ACTIVE since, and the operator counts
    // exactly the two instances of its namespace by state (one it had seen would be counted too).
    let later = json!({"apiVersion": "kro.run/v1alpha1", "kind": "ScopedApp", "metadata": {"name": "later"},
        "spec": {"name": "later"}});
    apply(&client, &later, Some(&mine)).await?;
    wait_state(&client, "ScopedApp", &mine, "later", "ACTIVE").await?;
    let counted = kro_e2e::metric_of_kind(operator.metrics(), "instances_by_state", "scopedapps");
    assert_eq!(counted, 2, "instances the namespaced operator reconciled");
    let untouched = get(&client, "kro.run/v1alpha1", "ScopedApp", Some(&other), "app").await?.unwrap();
    assert!(untouched.get("status").is_none(), "{untouched}");
    assert!(untouched.pointer("/metadata/finalizers").is_none(), "{untouched}");
    assert!(get(&client, "apps/v1", "Deployment", Some(&other), "app").await?.is_none());
    operator.shutdown().await?;
    Ok(())
}
