//! GraphRevision numbering and the fallback survive restarts (docs/decisions/0019): a new operator finds the
//! last revision that compiles among the stored ones (nothing held in memory) and reconciles instances with
//! it, and goes on numbering from the revisions it lists and from the RGD's `status.lastIssuedRevision`, even
//! with every revision deleted while no operator ran. Its own binary: it starts and stops its own operators.

use std::sync::atomic::Ordering;

use anyhow::Result;
use kro_e2e::{
    api, apply, client, condition, eventually, get, graph_revisions, kubectl, revision_numbers, start_operator,
    wait_rgd_revision,
};
use kro_operator::operator::Operator;
use kube::Client;
use kube::api::{Patch, PatchParams};
use serde_json::{Value, json};

fn rgd(value: &str) -> Value {
    json!({
        "apiVersion": "kro.run/v1alpha1", "kind": "ResourceGraphDefinition",
        "metadata": {"name": "restart-rev"},
        "spec": {
            "schema": {"apiVersion": "v1alpha1", "kind": "RestartRev", "spec": {"name": "string"}},
            "resources": [{"id": "config", "template": {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "${schema.spec.name}"}, "data": {"value": value}}}],
        },
    })
}

async fn wait_value(client: &Client, ns: &str, value: &str) -> Result<()> {
    eventually(&format!("the ConfigMap = {value}"), || async {
        let config = get(client, "v1", "ConfigMap", Some(ns), "app").await?;
        Ok(config.filter(|c| c.pointer("/data/value") == Some(&json!(value))).map(|_| ()))
    })
    .await
}

/// Waits until `operator` has reconciled the RGD at least once (its own counter): a reconcile that changes
/// nothing writes nothing to wait for.
async fn wait_rgd_reconciled(operator: &Operator) -> Result<()> {
    eventually("the new operator's first RGD reconcile", || async {
        Ok((operator.metrics().totals.rgd_reconciles.load(Ordering::Relaxed) > 0).then_some(()))
    })
    .await
}

#[tokio::test]
async fn a_restarted_operator_serves_the_last_revision_that_compiles_and_numbering_goes_on() -> Result<()> {
    let client = client().await?;
    let ns = kro_test_support::create_namespace(&client, "restart-rev").await?;
    let first = start_operator().await?;
    apply(&client, &rgd("one"), None).await?;
    wait_rgd_revision(&client, "restart-rev", 1).await?;
    let instance = json!({"apiVersion": "kro.run/v1alpha1", "kind": "RestartRev", "metadata": {"name": "app"},
        "spec": {"name": "app"}});
    apply(&client, &instance, Some(&ns)).await?;
    wait_value(&client, &ns, "one").await?;
    apply(&client, &rgd("two"), None).await?;
    wait_rgd_revision(&client, "restart-rev", 2).await?;
    wait_value(&client, &ns, "two").await?;
    apply(&client, &rgd("${schema.spec.nope}"), None).await?;
    wait_rgd_revision(&client, "restart-rev", 3).await?;
    first.shutdown().await?;

    // A new operator, with revision 3 failing: it finds revision 2 and corrects drift with it.
    let second = start_operator().await?;
    wait_rgd_reconciled(&second).await?;
    let config_maps = api(&client, "v1", "ConfigMap", Some(&ns)).await?;
    config_maps.patch("app", &PatchParams::default(), &Patch::Merge(json!({"data": {"value": "by hand"}}))).await?;
    wait_value(&client, &ns, "two").await?;
    let held = get(&client, "kro.run/v1alpha1", "RestartRev", Some(&ns), "app").await?.unwrap();
    assert_eq!(held["status"]["graphRevision"], 2);
    assert_eq!(condition(&held, "GraphResolved").unwrap()["reason"], "LatestRevisionFailed");
    assert_eq!(revision_numbers(&graph_revisions(&client, "restart-rev").await?), [1, 2, 3], "nothing issued");
    apply(&client, &rgd("four"), None).await?;
    wait_rgd_revision(&client, "restart-rev", 4).await?;
    wait_value(&client, &ns, "four").await?;
    second.shutdown().await?;

    // Every revision deleted while no operator runs: the RGD's status alone carries the numbering on.
    kubectl(&["delete", "gr", "-l", "kro.run/resource-graph-definition-name=restart-rev"], None)?;
    assert!(graph_revisions(&client, "restart-rev").await?.is_empty());
    let third = start_operator().await?;
    let rgd_object = wait_rgd_revision(&client, "restart-rev", 5).await?;
    let revisions = graph_revisions(&client, "restart-rev").await?;
    assert_eq!(revision_numbers(&revisions), [5], "the current spec again, as revision 5");
    assert_eq!(revisions[0]["metadata"]["name"], "restart-rev-r00005");
    assert_eq!(revisions[0]["spec"]["snapshot"]["spec"], rgd_object["spec"]);
    eventually("the instance on revision 5", || async {
        let i = get(&client, "kro.run/v1alpha1", "RestartRev", Some(&ns), "app").await?;
        Ok(i.filter(|i| i.pointer("/status/graphRevision") == Some(&json!(5))).map(|_| ()))
    })
    .await?;
    third.shutdown().await?;
    Ok(())
}
