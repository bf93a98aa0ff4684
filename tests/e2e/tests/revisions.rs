//! GraphRevisions on the real API server (docs/decisions/0019): every spec change gives a numbered, immutable
//! revision and a cosmetic one none; a change that does not compile is a revision that is not verified, and
//! instances go on being reconciled (drift corrected, deleted, created) with the last revision that compiled,
//! saying so in their conditions; the fix is the next revision and instances move to it; garbage collection
//! keeps five; and `kubectl` reads revisions as kro's CRD has them. Restarts: `tests/revisions_restart.rs`.

use anyhow::Result;
use kro_e2e::{
    api, apply, client, condition, eventually, get, graph_revisions, kubectl, operator, revision_numbers, wait_deleted,
    wait_rgd_active, wait_rgd_revision, wait_state,
};
use kube::Client;
use kube::api::{Patch, PatchParams};
use serde_json::{Value, json};

/// An RGD of two `ConfigMaps`, the first holding `value`, the second reading the first.
fn rgd(name: &str, kind: &str, value: &str) -> Value {
    json!({
        "apiVersion": "kro.run/v1alpha1", "kind": "ResourceGraphDefinition",
        "metadata": {"name": name},
        "spec": {
            "schema": {"apiVersion": "v1alpha1", "kind": kind, "spec": {"name": "string"}},
            "resources": [
                {"id": "config", "template": {"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "${schema.spec.name}"}, "data": {"value": value}}},
                {"id": "extra", "template": {"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "${schema.spec.name}-extra"}, "data": {"from": "${config.metadata.name}"}}},
            ],
        },
    })
}

fn instance(kind: &str, name: &str) -> Value {
    json!({"apiVersion": "kro.run/v1alpha1", "kind": kind, "metadata": {"name": name}, "spec": {"name": name}})
}

/// Waits until the `ConfigMap` `name` holds `value`.
async fn wait_value(client: &Client, ns: &str, name: &str, value: &str) -> Result<Value> {
    eventually(&format!("ConfigMap {name} = {value}"), || async {
        let config = get(client, "v1", "ConfigMap", Some(ns), name).await?;
        Ok(config.filter(|c| c.pointer("/data/value") == Some(&json!(value))))
    })
    .await
}

/// Waits until the instance records `revision` in `status.graphRevision`.
async fn wait_instance_revision(client: &Client, kind: &str, ns: &str, name: &str, revision: i64) -> Result<Value> {
    eventually(&format!("{kind} {name} on revision {revision}"), || async {
        let instance = get(client, "kro.run/v1alpha1", kind, Some(ns), name).await?;
        Ok(instance.filter(|i| i.pointer("/status/graphRevision") == Some(&json!(revision))))
    })
    .await
}

#[allow(clippy::panic, reason = "a test helper: a missing condition fails the test")]
fn status_of<'v>(object: &'v Value, type_: &str) -> (&'v str, &'v str, &'v str) {
    let c = condition(object, type_).unwrap_or_else(|| panic!("no {type_} in {object}"));
    let text = |k: &str| c[k].as_str().unwrap_or_default();
    (text("status"), text("reason"), text("message"))
}

#[tokio::test]
#[allow(clippy::too_many_lines, reason = "one story: r1 to r5 and what instances do meanwhile")]
async fn spec_changes_are_revisions_and_a_revision_that_does_not_compile_leaves_instances_on_the_last_that_did()
-> Result<()> {
    operator();
    let client = client().await?;
    let ns = kro_test_support::create_namespace(&client, "revisions").await?;
    let (name, kind) = ("rev-app", "RevApp");

    // Three spec changes: r1, r2, r3; the instance follows each.
    apply(&client, &rgd(name, kind, "one"), None).await?;
    wait_rgd_revision(&client, name, 1).await?;
    apply(&client, &instance(kind, "a"), Some(&ns)).await?;
    wait_value(&client, &ns, "a", "one").await?;
    wait_instance_revision(&client, kind, &ns, "a", 1).await?;
    for (revision, value) in [(2, "two"), (3, "three")] {
        apply(&client, &rgd(name, kind, value), None).await?;
        wait_rgd_revision(&client, name, revision).await?;
        wait_value(&client, &ns, "a", value).await?;
        wait_instance_revision(&client, kind, &ns, "a", revision).await?;
    }
    let revisions = graph_revisions(&client, name).await?;
    assert_eq!(revision_numbers(&revisions), [1, 2, 3]);
    let rgd_object = get(&client, "kro.run/v1alpha1", "ResourceGraphDefinition", None, name).await?.unwrap();
    for (i, revision) in revisions.iter().enumerate() {
        assert_eq!(revision["metadata"]["name"], format!("{name}-r0000{}", i + 1));
        assert_eq!(revision["spec"]["snapshot"]["name"], name);
        assert_eq!(revision["metadata"]["labels"]["kro.run/resource-graph-definition-name"], name);
        assert_eq!(revision["metadata"]["labels"]["internal.kro.run/resource-graph-definition-name"], name);
        assert_eq!(revision["metadata"]["ownerReferences"][0]["uid"], rgd_object["metadata"]["uid"]);
        assert_eq!(status_of(revision, "GraphVerified"), ("True", "Verified", "graph revision compiled and verified"));
        assert_eq!(status_of(revision, "Ready").0, "True");
        assert_eq!(revision["status"]["topologicalOrder"], json!(["config", "extra"]));
        assert_eq!(revision["status"]["resources"], json!([{"id": "extra", "dependencies": [{"id": "config"}]}]));
    }
    let third = &revisions[2];
    assert_eq!(third["spec"]["snapshot"]["spec"], rgd_object["spec"], "the snapshot is the spec as it was");
    assert_eq!(third["metadata"]["labels"]["kro.run/graph-revision-hash"], kro_engine::spec_hash(&rgd_object["spec"]));
    assert_eq!(third["spec"]["snapshot"]["generation"], rgd_object["metadata"]["generation"]);
    assert_eq!(
        status_of(&rgd_object, "GraphRevisionsResolved"),
        ("True", "Resolved", "revision 3 compiled and active")
    );
    assert_eq!(rgd_object["status"]["topologicalOrder"], json!(["config", "extra"]));
    assert_eq!(status_of(&rgd_object, "KindReady").2, "kind RevApp has been accepted and ready");

    // A cosmetic change (the resources reordered): a new generation, the same hash, no revision.
    let mut reordered = rgd(name, kind, "three");
    let resources = reordered["spec"]["resources"].as_array_mut().unwrap();
    resources.reverse();
    apply(&client, &reordered, None).await?;
    let after = eventually("the reordered spec reconciled", || async {
        let r = get(&client, "kro.run/v1alpha1", "ResourceGraphDefinition", None, name).await?.unwrap();
        let reconciled = r["metadata"]["generation"] != rgd_object["metadata"]["generation"]
            && condition(&r, "Ready").is_some_and(|c| c["observedGeneration"] == r["metadata"]["generation"]);
        Ok(reconciled.then_some(r))
    })
    .await?;
    assert_eq!(after["status"]["lastIssuedRevision"], 3);
    assert_eq!(after["status"]["state"], "Active");
    assert_eq!(revision_numbers(&graph_revisions(&client, name).await?), [1, 2, 3]);

    // A second instance, to be deleted while the RGD is broken.
    apply(&client, &instance(kind, "b"), Some(&ns)).await?;
    wait_value(&client, &ns, "b", "three").await?;

    // A change that does not compile: r4, not verified; the RGD says why; instances stay on r3.
    apply(&client, &rgd(name, kind, "${schema.spec.nope}"), None).await?;
    let broken = wait_rgd_revision(&client, name, 4).await?;
    assert_eq!(broken["status"]["state"], "Inactive");
    let (status, reason, message) = status_of(&broken, "GraphAccepted");
    assert_eq!((status, reason), ("False", "InvalidResourceGraph"));
    assert!(message.contains("nope") && message.contains("spec.resources[0].template.data.value"), "{message}");
    let (status, reason, message) = status_of(&broken, "GraphRevisionsResolved");
    assert_eq!((status, reason), ("False", "Failed"));
    assert_eq!(
        message,
        "latest graph revision 4 failed compilation; instances are reconciled with revision 3, the last that compiled"
    );
    assert_eq!(status_of(&broken, "Ready").0, "False");
    assert_eq!(status_of(&broken, "ControllerReady").0, "True", "the controller runs, on revision 3");
    assert_eq!(broken["status"]["topologicalOrder"], json!(["config", "extra"]), "revision 3's graph");
    let revisions = graph_revisions(&client, name).await?;
    assert_eq!(revision_numbers(&revisions), [1, 2, 3, 4]);
    let (status, reason, message) = status_of(&revisions[3], "GraphVerified");
    assert_eq!((status, reason), ("False", "InvalidGraph"));
    assert!(message.starts_with("failed to compile graph revision \"rev-app-r00004\": ") && message.contains("nope"));
    assert_eq!(status_of(&revisions[3], "Ready").0, "False");
    assert!(revisions[3]["status"].get("topologicalOrder").is_none());

    let held = eventually("instance a held on revision 3, saying so", || async {
        let i = get(&client, "kro.run/v1alpha1", kind, Some(&ns), "a").await?.unwrap();
        Ok(condition(&i, "GraphResolved").is_some_and(|c| c["reason"] == "LatestRevisionFailed").then_some(i))
    })
    .await?;
    assert_eq!(held["status"]["graphRevision"], 3);
    assert_eq!(held["status"]["state"], "ACTIVE", "its resources are all there and ready");
    let (status, _, message) = status_of(&held, "GraphResolved");
    assert_eq!(status, "False");
    assert!(
        message.starts_with(
            "graph revision 4 of ResourceGraphDefinition rev-app does not compile; reconciled with revision 3, the \
             last that compiled: "
        ) && message.contains("nope"),
        "{message}"
    );
    assert_eq!(status_of(&held, "Ready").0, "False");
    assert_eq!(status_of(&held, "ResourcesReady").0, "True");

    // Drift is still corrected, with revision 3's template.
    let config_maps = api(&client, "v1", "ConfigMap", Some(&ns)).await?;
    config_maps.patch("a", &PatchParams::default(), &Patch::Merge(json!({"data": {"value": "by hand"}}))).await?;
    eventually("the hand edit reverted", || async {
        let config = get(&client, "v1", "ConfigMap", Some(&ns), "a").await?;
        Ok(config.filter(|c| c.pointer("/data/value") == Some(&json!("three"))))
    })
    .await?;
    // A new instance is reconciled with revision 3, and a deleted one goes with its children.
    apply(&client, &instance(kind, "c"), Some(&ns)).await?;
    wait_value(&client, &ns, "c", "three").await?;
    wait_instance_revision(&client, kind, &ns, "c", 3).await?;
    kubectl(&["delete", "-n", &ns, "revapp", "b", "--wait=false"], None)?;
    let gone = [("kro.run/v1alpha1", kind, "b"), ("v1", "ConfigMap", "b"), ("v1", "ConfigMap", "b-extra")];
    wait_deleted(&client, &ns, "instance b and its children", &gone).await?;

    // The fix: r5, and every instance moves to it.
    apply(&client, &rgd(name, kind, "five"), None).await?;
    let fixed = wait_rgd_revision(&client, name, 5).await?;
    assert_eq!(status_of(&fixed, "GraphRevisionsResolved"), ("True", "Resolved", "revision 5 compiled and active"));
    assert_eq!(status_of(&fixed, "GraphAccepted").0, "True");
    wait_rgd_active(&client, name).await?;
    for instance in ["a", "c"] {
        wait_value(&client, &ns, instance, "five").await?;
        wait_instance_revision(&client, kind, &ns, instance, 5).await?;
        let moved = wait_state(&client, kind, &ns, instance, "ACTIVE").await?;
        assert_eq!(status_of(&moved, "GraphResolved").1, "Resolved", "{moved}");
        assert_eq!(moved["status"]["graphRevision"], 5);
    }
    assert_eq!(revision_numbers(&graph_revisions(&client, name).await?), [1, 2, 3, 4, 5]);
    Ok(())
}

#[tokio::test]
async fn garbage_collection_keeps_the_five_newest_revisions() -> Result<()> {
    let metrics = operator();
    let client = client().await?;
    let name = "gc-app";
    for revision in 1..=7 {
        apply(&client, &rgd(name, "GcApp", &format!("v{revision}")), None).await?;
        wait_rgd_revision(&client, name, revision).await?;
    }
    let kept = eventually("five revisions left", || async {
        let revisions = graph_revisions(&client, name).await?;
        Ok((revisions.len() == 5).then_some(revisions))
    })
    .await?;
    assert_eq!(revision_numbers(&kept), [3, 4, 5, 6, 7]);
    let encoded = metrics.encode();
    assert!(encoded.contains("rgd_graph_revision_gc_deleted_total "), "{encoded}");
    assert!(encoded.contains(r#"rgd_graph_revision_issue_total{reason="spec_changed"} "#), "{encoded}");
    Ok(())
}

#[tokio::test]
async fn kubectl_reads_revisions_as_kros_crd_has_them_and_their_spec_is_immutable() -> Result<()> {
    operator();
    let client = client().await?;
    let name = "gr-view";
    apply(&client, &rgd(name, "GrView", "one"), None).await?;
    let rgd_object = wait_rgd_revision(&client, name, 1).await?;
    eventually("revision 1 verified", || async {
        let revisions = graph_revisions(&client, name).await?;
        Ok(revisions.first().filter(|r| condition(r, "Ready").is_some_and(|c| c["status"] == "True")).map(|_| ()))
    })
    .await?;

    let by_label = format!("kro.run/resource-graph-definition-name={name}");
    let table = kubectl(&["get", "gr", "-l", &by_label], None)?;
    let lines: Vec<Vec<&str>> = table.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(lines[0], ["NAME", "REVISION", "READY", "AGE"], "{table}");
    assert_eq!(lines[1][..3], ["gr-view-r00001", "1", "True"], "{table}");
    let wide = kubectl(
        &["get", "graphrevisions", "-o", "wide", "--field-selector", &format!("spec.snapshot.name={name}")],
        None,
    )?;
    let lines: Vec<Vec<&str>> = wide.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(lines[0], ["NAME", "RGD", "REVISION", "HASH", "READY", "AGE"], "{wide}");
    let hash = kro_engine::spec_hash(&rgd_object["spec"]);
    assert_eq!(lines[1][..5], ["gr-view-r00001", name, "1", hash.as_str(), "True"], "{wide}");
    let by_internal_label = kubectl(
        &["get", "gr", "-o", "name", "-l", &format!("internal.kro.run/resource-graph-definition-name={name}")],
        None,
    )?;
    assert_eq!(by_internal_label.trim(), "graphrevision.internal.kro.run/gr-view-r00001");

    let refused = kro_test_support::shared()
        .kubectl_run(&["patch", "gr", "gr-view-r00001", "--type", "merge", "-p", r#"{"spec":{"revision":9}}"#], None);
    assert!(!refused.status.success());
    let error = String::from_utf8_lossy(&refused.stderr);
    assert!(error.contains("spec is immutable"), "{error}");
    Ok(())
}

#[tokio::test]
async fn a_revision_deleted_or_edited_by_hand_is_put_right_without_an_rgd_change() -> Result<()> {
    operator();
    let client = client().await?;
    let name = "gr-hand";
    apply(&client, &rgd(name, "GrHand", "one"), None).await?;
    let rgd_object = wait_rgd_revision(&client, name, 1).await?;
    let verified = |revision: i64| {
        let client = client.clone();
        async move {
            eventually(&format!("revision {revision} verified"), || async {
                let revisions = graph_revisions(&client, name).await?;
                Ok(revisions
                    .into_iter()
                    .find(|r| r["spec"]["revision"] == revision)
                    .filter(|r| condition(r, "Ready").is_some_and(|c| c["status"] == "True")))
            })
            .await
        }
    };
    verified(1).await?;

    // Its status overwritten: the operator writes it back.
    let tampered = json!({"status": {"conditions": [{"type": "Ready", "status": "False", "reason": "ByHand",
        "message": "edited", "lastTransitionTime": "2025-01-01T00:00:00Z"}]}});
    kubectl(
        &["patch", "gr", "gr-hand-r00001", "--subresource=status", "--type=merge", "-p", &tampered.to_string()],
        None,
    )?;
    let restored = verified(1).await?;
    assert_eq!(status_of(&restored, "GraphVerified").0, "True");
    assert_eq!(restored["status"]["topologicalOrder"], json!(["config", "extra"]));

    // The only revision deleted: the same spec is issued again, under the next number.
    kubectl(&["delete", "gr", "gr-hand-r00001"], None)?;
    let again = verified(2).await?;
    assert_eq!(again["metadata"]["name"], "gr-hand-r00002");
    assert_eq!(again["metadata"]["labels"]["kro.run/graph-revision-hash"], kro_engine::spec_hash(&rgd_object["spec"]));
    assert_eq!(revision_numbers(&graph_revisions(&client, name).await?), [2]);
    let after = wait_rgd_revision(&client, name, 2).await?;
    assert_eq!(after["metadata"]["generation"], rgd_object["metadata"]["generation"], "the RGD was not changed");
    Ok(())
}
