//! What the operator does beyond the seed story, each on a real API server with the operator in-process: an
//! includeWhen toggled both ways, drift reverted, deleted children recreated, child status projected, deletion
//! in reverse waves before the finalizer goes, invalid RGDs, kinds installed later, RGD changes re-rendering
//! instances, and the forEach / externalRef example reaching ACTIVE.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Result;
use futures::StreamExt;
use kro_e2e::{
    api, apply, client, condition, documents, eventually, get, make_deployment_available, metric_of_kind, operator,
    read, renamed_rgd, wait_deleted, wait_rgd_active, wait_state,
};
use kube::api::{DeleteParams, Patch, PatchParams};
use kube::runtime::watcher;
use serde_json::{Value, json};

fn app(name: &str, kind: &str, ingress: bool) -> Value {
    json!({
        "apiVersion": "kro.run/v1alpha1", "kind": kind,
        "metadata": {"name": name},
        "spec": {"name": name, "ingress": {"enabled": ingress}},
    })
}

#[tokio::test]
async fn an_include_when_toggled_on_creates_the_ingress_and_toggled_off_prunes_it() -> Result<()> {
    operator();
    let client = client().await?;
    let ns = kro_test_support::create_namespace(&client, "toggle").await?;
    apply(&client, &renamed_rgd("examples/webapp/rgd.yaml", "toggle-app", "ToggleApp"), None).await?;
    wait_rgd_active(&client, "toggle-app").await?;
    apply(&client, &app("shop", "ToggleApp", false), Some(&ns)).await?;
    eventually("the Service", || get(&client, "v1", "Service", Some(&ns), "shop-service")).await?;
    wait_state(&client, "ToggleApp", &ns, "shop", "ACTIVE").await?;
    assert!(get(&client, "networking.k8s.io/v1", "Ingress", Some(&ns), "shop-ingress").await?.is_none());

    apply(&client, &app("shop", "ToggleApp", true), Some(&ns)).await?;
    eventually("the Ingress", || get(&client, "networking.k8s.io/v1", "Ingress", Some(&ns), "shop-ingress")).await?;

    apply(&client, &app("shop", "ToggleApp", false), Some(&ns)).await?;
    wait_deleted(&client, &ns, "the Ingress pruned", &[("networking.k8s.io/v1", "Ingress", "shop-ingress")]).await?;
    assert!(get(&client, "v1", "Service", Some(&ns), "shop-service").await?.is_some(), "only the Ingress is pruned");
    Ok(())
}

#[tokio::test]
async fn drift_is_reverted_a_deleted_child_is_recreated_and_child_status_reaches_the_instance() -> Result<()> {
    operator();
    let client = client().await?;
    let ns = kro_test_support::create_namespace(&client, "drift").await?;
    apply(&client, &renamed_rgd("examples/webapp/rgd.yaml", "drift-app", "DriftApp"), None).await?;
    wait_rgd_active(&client, "drift-app").await?;
    apply(&client, &app("web", "DriftApp", false), Some(&ns)).await?;
    let service = eventually("the Service", || get(&client, "v1", "Service", Some(&ns), "web-service")).await?;

    // Edited by hand: kro-rs owns spec.replicas and puts it back.
    let deployments = api(&client, "apps/v1", "Deployment", Some(&ns)).await?;
    deployments.patch("web", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": 1}}))).await?;
    eventually("replicas reverted to 3", || async {
        let d = get(&client, "apps/v1", "Deployment", Some(&ns), "web").await?;
        Ok(d.filter(|d| d["spec"]["replicas"] == 3).map(|_| ()))
    })
    .await?;

    // Deleted by hand: recreated (a new object, a new uid).
    api(&client, "v1", "Service", Some(&ns)).await?.delete("web-service", &DeleteParams::default()).await?;
    let uid = service["metadata"]["uid"].clone();
    eventually("the Service recreated", || async {
        let s = get(&client, "v1", "Service", Some(&ns), "web-service").await?;
        Ok(s.filter(|s| s["metadata"]["uid"] != uid).map(|_| ()))
    })
    .await?;

    // The child's status changes: the instance's projected status follows.
    make_deployment_available(&client, &ns, "web").await?;
    eventually("availableReplicas projected", || async {
        let i = get(&client, "kro.run/v1alpha1", "DriftApp", Some(&ns), "web").await?;
        Ok(i.filter(|i| i.pointer("/status/availableReplicas") == Some(&json!(3))).map(|_| ()))
    })
    .await?;
    Ok(())
}

#[tokio::test]
async fn deleting_an_instance_deletes_its_children_in_reverse_waves_then_removes_the_finalizer() -> Result<()> {
    operator();
    let client = client().await?;
    let ns = kro_test_support::create_namespace(&client, "delete").await?;
    apply(&client, &renamed_rgd("examples/webapp/rgd.yaml", "delete-app", "DeleteApp"), None).await?;
    wait_rgd_active(&client, "delete-app").await?;
    apply(&client, &app("gone", "DeleteApp", true), Some(&ns)).await?;
    eventually("the Ingress", || get(&client, "networking.k8s.io/v1", "Ingress", Some(&ns), "gone-ingress")).await?;

    // Record when each child's deletion is seen.
    let order: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let mut watches = Vec::new();
    // Each watch says when its first list is done: from then on it sees every deletion.
    let (listed_tx, mut listed) = tokio::sync::mpsc::channel::<()>(3);
    for (api_version, kind, name) in [
        ("apps/v1", "Deployment", "gone"),
        ("v1", "Service", "gone-service"),
        ("networking.k8s.io/v1", "Ingress", "gone-ingress"),
    ] {
        let api = api(&client, api_version, kind, Some(&ns)).await?;
        let order = Arc::clone(&order);
        let listed_tx = listed_tx.clone();
        let config = watcher::Config::default().fields(&format!("metadata.name={name}"));
        watches.push(tokio::spawn(async move {
            let mut events = std::pin::pin!(watcher(api, config));
            while let Some(event) = events.next().await {
                match event {
                    Ok(watcher::Event::InitDone) => {
                        let _ = listed_tx.send(()).await;
                    }
                    Ok(watcher::Event::Delete(_)) => {
                        order.lock().unwrap().push((kind.to_string(), Instant::now()));
                        return;
                    }
                    _ => {}
                }
            }
        }));
    }
    for _ in 0..3 {
        tokio::time::timeout(kro_e2e::TIMEOUT, listed.recv()).await?;
    }
    api(&client, "kro.run/v1alpha1", "DeleteApp", Some(&ns)).await?.delete("gone", &DeleteParams::default()).await?;
    wait_deleted(&client, &ns, "the instance gone", &[("kro.run/v1alpha1", "DeleteApp", "gone")]).await?;
    for w in watches {
        let _ = tokio::time::timeout(kro_e2e::TIMEOUT, w).await;
    }
    let kinds: Vec<String> = order.lock().unwrap().iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(kinds, ["Ingress", "Service", "Deployment"], "children are deleted from the last wave to the first");
    Ok(())
}

#[tokio::test]
async fn an_invalid_rgd_is_inactive_with_the_engines_message_and_active_once_fixed() -> Result<()> {
    operator();
    let client = client().await?;
    let mut rgd = renamed_rgd("examples/webapp/rgd.yaml", "broken-app", "BrokenApp");
    rgd["spec"]["resources"][1]["template"]["metadata"]["name"] = json!("${schema.spec.nmae}-service");
    apply(&client, &rgd, None).await?;
    let inactive = eventually("broken-app Inactive", || async {
        let r = get(&client, "kro.run/v1alpha1", "ResourceGraphDefinition", None, "broken-app").await?;
        Ok(r.filter(|r| r.pointer("/status/state") == Some(&json!("Inactive"))))
    })
    .await?;
    let accepted = condition(&inactive, "GraphAccepted").unwrap();
    assert_eq!(accepted["status"], "False");
    assert_eq!(accepted["reason"], "InvalidResourceGraph");
    let message = accepted["message"].as_str().unwrap();
    assert!(message.contains("nmae") && message.contains("spec.resources[1].template.metadata.name"), "{message}");
    assert_eq!(condition(&inactive, "Ready").unwrap()["status"], "False");

    apply(&client, &renamed_rgd("examples/webapp/rgd.yaml", "broken-app", "BrokenApp"), None).await?;
    wait_rgd_active(&client, "broken-app").await?;
    Ok(())
}

#[tokio::test]
async fn an_rgd_waiting_for_a_kind_turns_active_when_its_crd_is_installed() -> Result<()> {
    operator();
    let client = client().await?;
    let rgd = json!({
        "apiVersion": "kro.run/v1alpha1", "kind": "ResourceGraphDefinition",
        "metadata": {"name": "gadget-owner"},
        "spec": {
            "schema": {"apiVersion": "v1alpha1", "kind": "GadgetOwner", "spec": {"size": "integer | default=1"}},
            "resources": [{"id": "gadget", "template": {
                "apiVersion": "e2e.example.com/v1", "kind": "Gadget",
                "metadata": {"name": "${schema.metadata.name}"},
                "spec": {"size": "${schema.spec.size}"},
            }}],
        },
    });
    apply(&client, &rgd, None).await?;
    let inactive = eventually("gadget-owner Inactive", || async {
        let r = get(&client, "kro.run/v1alpha1", "ResourceGraphDefinition", None, "gadget-owner").await?;
        Ok(r.filter(|r| r.pointer("/status/state") == Some(&json!("Inactive"))))
    })
    .await?;
    assert!(condition(&inactive, "GraphAccepted").unwrap()["message"].as_str().unwrap().contains("Gadget"));

    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.e2e.example.com"},
        "spec": {"group": "e2e.example.com", "scope": "Namespaced",
            "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget", "listKind": "GadgetList"},
            "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {
                "type": "object", "properties": {
                    "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
                    "spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}}}]},
    });
    apply(&client, &crd, None).await?;
    wait_rgd_active(&client, "gadget-owner").await?;
    let ns = kro_test_support::create_namespace(&client, "gadget").await?;
    apply(&client, &json!({"apiVersion": "kro.run/v1alpha1", "kind": "GadgetOwner", "metadata": {"name": "g1"}, "spec": {"size": 4}}), Some(&ns)).await?;
    let gadget = eventually("the Gadget", || get(&client, "e2e.example.com/v1", "Gadget", Some(&ns), "g1")).await?;
    assert_eq!(gadget["spec"]["size"], 4);
    wait_state(&client, "GadgetOwner", &ns, "g1", "ACTIVE").await?;
    Ok(())
}

#[tokio::test]
async fn changing_an_rgd_re_renders_its_existing_instances() -> Result<()> {
    operator();
    let client = client().await?;
    let ns = kro_test_support::create_namespace(&client, "change").await?;
    let mut rgd = renamed_rgd("examples/webapp/rgd.yaml", "change-app", "ChangeApp");
    apply(&client, &rgd, None).await?;
    wait_rgd_active(&client, "change-app").await?;
    apply(&client, &app("site", "ChangeApp", false), Some(&ns)).await?;
    eventually("the Deployment", || get(&client, "apps/v1", "Deployment", Some(&ns), "site")).await?;

    rgd["spec"]["resources"][0]["template"]["spec"]["replicas"] = json!(5);
    apply(&client, &rgd, None).await?;
    eventually("5 replicas", || async {
        let d = get(&client, "apps/v1", "Deployment", Some(&ns), "site").await?;
        Ok(d.filter(|d| d["spec"]["replicas"] == 5).map(|_| ()))
    })
    .await?;
    Ok(())
}

#[tokio::test]
async fn the_edge_cache_example_with_for_each_and_an_external_ref_reaches_active() -> Result<()> {
    operator();
    let client = client().await?;
    // The platform team's ConfigMap the RGD reads through its externalRef.
    let platform = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "platform"}});
    apply(&client, &platform, None).await?;
    let defaults = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "edge-defaults", "namespace": "platform"},
        "data": {"cdnDomain": "cdn.example.com", "cacheImage": "ghcr.io/example/edge-cache:3.2"}});
    apply(&client, &defaults, Some("platform")).await?;

    let ns = kro_test_support::create_namespace(&client, "edge").await?;
    apply(&client, &documents(&read("examples/edge-cache/rgd.yaml")).remove(0), None).await?;
    wait_rgd_active(&client, "edge-cache").await?;
    apply(&client, &documents(&read("examples/edge-cache/instance.yaml")).remove(0), Some(&ns)).await?;
    for region in ["eu-west-1", "us-east-1", "ap-southeast-2"] {
        let name = format!("images-{region}");
        let config = eventually("a region's ConfigMap", || get(&client, "v1", "ConfigMap", Some(&ns), &name)).await?;
        assert_eq!(config["data"]["PUBLIC_HOST"], json!(format!("{region}.cdn.example.com")));
        let deployment =
            eventually("a region's Deployment", || get(&client, "apps/v1", "Deployment", Some(&ns), &name)).await?;
        assert_eq!(
            deployment.pointer("/spec/template/spec/containers/0/image"),
            Some(&json!("ghcr.io/example/edge-cache:3.2"))
        );
        assert_eq!(deployment["metadata"]["labels"]["kro.run/collection-size"], "3");
        make_deployment_available(&client, &ns, &name).await?;
    }
    let instance = wait_state(&client, "EdgeCache", &ns, "images", "ACTIVE").await?;
    assert_eq!(instance["status"]["availableRegions"], json!(["eu-west-1", "us-east-1", "ap-southeast-2"]));

    // The external reference changes: its readers are reconciled and re-render.
    let mut defaults = defaults;
    defaults["data"]["cdnDomain"] = json!("cdn2.example.com");
    apply(&client, &defaults, Some("platform")).await?;
    eventually("PUBLIC_HOST re-rendered", || async {
        let c = get(&client, "v1", "ConfigMap", Some(&ns), "images-eu-west-1").await?;
        Ok(c.filter(|c| c["data"]["PUBLIC_HOST"] == "eu-west-1.cdn2.example.com").map(|_| ()))
    })
    .await?;
    Ok(())
}

async fn wait_inactive(client: &kube::Client, name: &str) -> Result<Value> {
    eventually(&format!("RGD {name} Inactive"), || async {
        let r = get(client, "kro.run/v1alpha1", "ResourceGraphDefinition", None, name).await?;
        Ok(r.filter(|r| r.pointer("/status/state") == Some(&json!("Inactive"))))
    })
    .await
}

#[tokio::test]
async fn an_rgd_whose_crd_exists_and_is_not_kros_is_refused() -> Result<()> {
    operator();
    let client = client().await?;
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "squatters.kro.run"},
        "spec": {"group": "kro.run", "scope": "Namespaced",
            "names": {"plural": "squatters", "singular": "squatter", "kind": "Squatter", "listKind": "SquatterList"},
            "versions": [{"name": "v1alpha1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {
                "type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]},
    });
    apply(&client, &crd, None).await?;
    apply(&client, &renamed_rgd("examples/webapp/rgd.yaml", "squatter", "Squatter"), None).await?;
    let rgd = wait_inactive(&client, "squatter").await?;
    let kind_ready = condition(&rgd, "KindReady").unwrap();
    assert_eq!(kind_ready["status"], "False");
    assert!(kind_ready["message"].as_str().unwrap().contains("not owned by kro"), "{kind_ready}");
    let still =
        get(&client, "apiextensions.k8s.io/v1", "CustomResourceDefinition", None, "squatters.kro.run").await?.unwrap();
    assert!(still["metadata"]["labels"].get("kro.run/owned").is_none(), "the CRD is left as it was");
    Ok(())
}

#[tokio::test]
async fn a_breaking_schema_change_is_refused_unless_the_rgd_allows_it() -> Result<()> {
    operator();
    let client = client().await?;
    let mut rgd = renamed_rgd("examples/webapp/rgd.yaml", "breaking-app", "BreakingApp");
    apply(&client, &rgd, None).await?;
    wait_rgd_active(&client, "breaking-app").await?;

    // spec.image goes away: stored instances that set it would no longer match the schema.
    rgd["spec"]["schema"]["spec"].as_object_mut().unwrap().remove("image");
    rgd["spec"]["resources"][0]["template"]["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx");
    apply(&client, &rgd, None).await?;
    let refused = wait_inactive(&client, "breaking-app").await?;
    let message = condition(&refused, "KindReady").unwrap()["message"].as_str().unwrap().to_string();
    assert!(message.contains("image") && message.contains("kro.run/allow-breaking-changes"), "{message}");

    rgd["metadata"]["annotations"] = json!({"kro.run/allow-breaking-changes": "true"});
    apply(&client, &rgd, None).await?;
    wait_rgd_active(&client, "breaking-app").await?;
    let crd = get(&client, "apiextensions.k8s.io/v1", "CustomResourceDefinition", None, "breakingapps.kro.run")
        .await?
        .unwrap();
    assert!(crd.pointer("/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/image").is_none());
    Ok(())
}

#[tokio::test]
async fn deleting_an_rgd_stops_its_controller_and_keeps_its_crd_and_instances() -> Result<()> {
    let metrics = operator();
    let client = client().await?;
    let ns = kro_test_support::create_namespace(&client, "rgd-delete").await?;
    apply(&client, &renamed_rgd("examples/webapp/rgd.yaml", "kept-app", "KeptApp"), None).await?;
    wait_rgd_active(&client, "kept-app").await?;
    apply(&client, &app("kept", "KeptApp", false), Some(&ns)).await?;
    eventually("the Deployment", || get(&client, "apps/v1", "Deployment", Some(&ns), "kept")).await?;

    api(&client, "kro.run/v1alpha1", "ResourceGraphDefinition", None)
        .await?
        .delete("kept-app", &DeleteParams::default())
        .await?;
    eventually("the RGD gone", || async {
        Ok(get(&client, "kro.run/v1alpha1", "ResourceGraphDefinition", None, "kept-app").await?.is_none().then_some(()))
    })
    .await?;
    assert!(
        get(&client, "apiextensions.k8s.io/v1", "CustomResourceDefinition", None, "keptapps.kro.run").await?.is_some()
    );
    assert!(get(&client, "kro.run/v1alpha1", "KeptApp", Some(&ns), "kept").await?.is_some());
    // Nothing reconciles the instance any more: the RGD's finalizer stopped its controller and watches before
    // it let the RGD go, so the kind's reconcile count is final and a deleted child stays deleted. (Asked to
    // reconcile, a running controller would have counted one more reconcile of the kind.)
    let reconciled = metric_of_kind(metrics, "dynamic_controller_reconcile_total", "keptapps");
    api(&client, "apps/v1", "Deployment", Some(&ns)).await?.delete("kept", &DeleteParams::default()).await?;
    apply(
        &client,
        &json!({"apiVersion": "kro.run/v1alpha1", "kind": "KeptApp",
        "metadata": {"name": "kept", "annotations": {"kro.run/reconcile": "now"}}}),
        Some(&ns),
    )
    .await?;
    assert!(get(&client, "apps/v1", "Deployment", Some(&ns), "kept").await?.is_none());
    assert_eq!(metric_of_kind(metrics, "dynamic_controller_reconcile_total", "keptapps"), reconciled);
    Ok(())
}

#[tokio::test]
async fn a_suspended_instance_is_not_reconciled_until_the_annotation_goes() -> Result<()> {
    operator();
    let client = client().await?;
    let ns = kro_test_support::create_namespace(&client, "suspend").await?;
    apply(&client, &renamed_rgd("examples/webapp/rgd.yaml", "suspend-app", "SuspendApp"), None).await?;
    wait_rgd_active(&client, "suspend-app").await?;
    let mut instance = app("paused", "SuspendApp", false);
    instance["metadata"]["annotations"] = json!({"kro.run/reconcile": "suspended"});
    apply(&client, &instance, Some(&ns)).await?;
    let suspended = eventually("ResourcesReady ReconciliationSuspended", || async {
        let i = get(&client, "kro.run/v1alpha1", "SuspendApp", Some(&ns), "paused").await?;
        Ok(i.filter(|i| condition(i, "ResourcesReady").is_some_and(|c| c["reason"] == "ReconciliationSuspended")))
    })
    .await?;
    assert_eq!(suspended["status"]["state"], "IN_PROGRESS");
    assert!(get(&client, "apps/v1", "Deployment", Some(&ns), "paused").await?.is_none());

    instance["metadata"]["annotations"] = json!({});
    apply(&client, &instance, Some(&ns)).await?;
    eventually("the Deployment", || get(&client, "apps/v1", "Deployment", Some(&ns), "paused")).await?;
    Ok(())
}

#[tokio::test]
async fn a_resource_removed_from_the_rgd_is_pruned_from_its_instances() -> Result<()> {
    operator();
    let client = client().await?;
    let ns = kro_test_support::create_namespace(&client, "shrink").await?;
    let mut rgd = renamed_rgd("examples/webapp/rgd.yaml", "shrink-app", "ShrinkApp");
    apply(&client, &rgd, None).await?;
    wait_rgd_active(&client, "shrink-app").await?;
    apply(&client, &app("small", "ShrinkApp", true), Some(&ns)).await?;
    eventually("the Ingress", || get(&client, "networking.k8s.io/v1", "Ingress", Some(&ns), "small-ingress")).await?;

    // The Ingress leaves the RGD: its kind is no longer watched, the instance's inventory still lists it.
    rgd["spec"]["resources"].as_array_mut().unwrap().pop();
    apply(&client, &rgd, None).await?;
    wait_deleted(&client, &ns, "the Ingress pruned", &[("networking.k8s.io/v1", "Ingress", "small-ingress")]).await?;
    assert!(get(&client, "v1", "Service", Some(&ns), "small-service").await?.is_some());
    Ok(())
}

#[tokio::test]
async fn one_instance_failing_does_not_stop_the_others_of_its_kind() -> Result<()> {
    operator();
    let client = client().await?;
    let ns = kro_test_support::create_namespace(&client, "isolate").await?;
    apply(&client, &renamed_rgd("examples/webapp/rgd.yaml", "isolate-app", "IsolateApp"), None).await?;
    wait_rgd_active(&client, "isolate-app").await?;
    // A Deployment name the API server refuses: the plan finds it before any apply (decision 0016), so the
    // instance is in ERROR while the other instance of its kind goes on.
    let mut broken = app("broken", "IsolateApp", false);
    broken["spec"]["name"] = json!("Not_A_DNS_Name");
    apply(&client, &broken, Some(&ns)).await?;
    // The engine makes the object the API server would refuse an error of its resource: the instance says so.
    let errored = wait_state(&client, "IsolateApp", &ns, "broken", "ERROR").await?;
    let ready = condition(&errored, "ResourcesReady").unwrap();
    assert_eq!(ready["status"], "False");
    assert!(ready["message"].as_str().unwrap_or_default().contains("Not_A_DNS_Name"), "{ready}");
    apply(&client, &app("fine", "IsolateApp", false), Some(&ns)).await?;
    wait_state(&client, "IsolateApp", &ns, "fine", "ACTIVE").await?;
    assert!(get(&client, "apps/v1", "Deployment", Some(&ns), "fine").await?.is_some());
    Ok(())
}
