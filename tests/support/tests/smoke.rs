//! Smoke tests of the real API server harness: if these pass, the end-to-end
//! suite has a working Kubernetes API (discovery, namespaces, CRDs, server-side
//! apply, watch, delete) and a working kubectl.

use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams, PostParams,
    WatchEvent, WatchParams,
};
use kube::discovery::Discovery;
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(60);

#[tokio::test]
async fn the_server_is_kubernetes_1_37_and_serves_the_groups_the_operator_uses() -> Result<()> {
    let client = kro_test_support::shared().client().await?;
    let version = client.apiserver_version().await?;
    assert_eq!(version.major, "1", "{version:?}");
    assert_eq!(version.minor, "37", "{version:?}");

    let discovery = Discovery::new(client).run().await?;
    let groups: Vec<String> = discovery.groups().map(|g| g.name().to_owned()).collect();
    for want in ["", "apps", "apiextensions.k8s.io", "rbac.authorization.k8s.io", "coordination.k8s.io"] {
        assert!(groups.iter().any(|g| g == want), "group {want:?} missing from {groups:?}");
    }
    let (deploy, caps) = discovery
        .resolve_gvk(&GroupVersionKind::gvk("apps", "v1", "Deployment"))
        .context("apps/v1 Deployment not discovered")?;
    assert_eq!(deploy.plural, "deployments");
    assert!(caps.supports_operation(kube::discovery::verbs::PATCH));
    Ok(())
}

#[tokio::test]
async fn a_namespace_and_a_config_map_can_be_created_and_read_back() -> Result<()> {
    let client = kro_test_support::shared().client().await?;
    let ns = kro_test_support::create_namespace(&client, "smoke-ns").await?;
    let got = Api::<Namespace>::all(client.clone()).get(&ns).await?;
    assert_eq!(got.metadata.name.as_deref(), Some(ns.as_str()));

    let cms = Api::<ConfigMap>::namespaced(client, &ns);
    let cm: ConfigMap = serde_json::from_value(json!({
        "metadata": {"name": "cm"},
        "data": {"k": "v"}
    }))?;
    cms.create(&PostParams::default(), &cm).await?;
    let got = cms.get("cm").await?;
    assert_eq!(got.data.unwrap_or_default().get("k").map(String::as_str), Some("v"));
    Ok(())
}

fn widget_crd(group: &str) -> Result<CustomResourceDefinition> {
    Ok(serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("widgets.{group}")},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
            "versions": [{
                "name": "v1alpha1",
                "served": true,
                "storage": true,
                "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "properties": {
                        "spec": {
                            "type": "object",
                            "required": ["size"],
                            "properties": {
                                "size": {"type": "integer", "minimum": 1},
                                "color": {"type": "string", "enum": ["red", "blue"]}
                            }
                        },
                        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
                    }
                }}
            }]
        }
    }))?)
}

/// CRD lifecycle through the real apiextensions-apiserver: create, wait for
/// Established, then create / server-side apply / watch / delete objects of the
/// new kind, and read them back with the built kubectl.
#[tokio::test]
async fn crd_objects_apply_watch_delete_and_kubectl() -> Result<()> {
    let server = kro_test_support::shared();
    let client = server.client().await?;
    // A group of our own per run: CRDs are cluster-scoped and the server is
    // shared with the other tests of this binary.
    let group = format!("{}.smoke.kro.run", kro_test_support::unique_name("g"));
    let crds = Api::<CustomResourceDefinition>::all(client.clone());
    crds.create(&PostParams::default(), &widget_crd(&group)?).await?;
    kro_test_support::wait_crd_established(&client, &format!("widgets.{group}"), TIMEOUT)
        .await
        .map_err(anyhow::Error::msg)?;

    let ns = kro_test_support::create_namespace(&client, "smoke-crd").await?;
    let gvk = GroupVersionKind::gvk(&group, "v1alpha1", "Widget");
    let ar = ApiResource::from_gvk_with_plural(&gvk, "widgets");
    let widgets = Api::<DynamicObject>::namespaced_with(client.clone(), &ns, &ar);

    // Watch from the (empty) list's resourceVersion, so no event is missed.
    let list = widgets.list(&ListParams::default()).await?;
    ensure!(list.items.is_empty());
    let rv = list.metadata.resource_version.context("list has no resourceVersion")?;
    let mut events = widgets.watch(&WatchParams::default().timeout(60), &rv).await?.boxed();

    // Create.
    let mut w = DynamicObject::new("w1", &ar).within(&ns);
    w.data = json!({"spec": {"size": 1, "color": "red"}});
    widgets.create(&PostParams::default(), &w).await?;

    // Invalid objects are rejected by the CRD's schema.
    let mut bad = DynamicObject::new("bad", &ar).within(&ns);
    bad.data = json!({"spec": {"size": 0, "color": "green"}});
    match widgets.create(&PostParams::default(), &bad).await {
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 422, "{status:?}");
            assert!(status.message.contains("spec.size"), "{}", status.message);
            assert!(status.message.contains("spec.color"), "{}", status.message);
        }
        other => bail!("expected a 422 for an invalid widget, got {other:?}"),
    }

    // Server-side apply with a field manager: takes over spec.size.
    let apply = json!({
        "apiVersion": format!("{group}/v1alpha1"),
        "kind": "Widget",
        "metadata": {"name": "w1", "labels": {"app": "smoke"}},
        "spec": {"size": 3}
    });
    let pp = PatchParams::apply("kro-smoke").force();
    let applied = widgets.patch("w1", &pp, &Patch::Apply(&apply)).await?;
    assert_eq!(applied.data["spec"]["size"], 3);
    assert_eq!(applied.data["spec"]["color"], "red", "fields of another manager stay");
    let managers: Vec<_> = applied.metadata.managed_fields.iter().flatten().filter_map(|m| m.manager.clone()).collect();
    assert!(managers.iter().any(|m| m == "kro-smoke"), "{managers:?}");

    // Status subresource.
    let status = json!({"status": {"phase": "Ready"}});
    widgets.patch_status("w1", &PatchParams::default(), &Patch::Merge(&status)).await?;

    // kubectl of the same release sees it.
    let out = server.kubectl().args(["get", &format!("widgets.{group}"), "-n", &ns, "-o", "json"]).output()?;
    ensure!(out.status.success(), "kubectl get failed: {}", String::from_utf8_lossy(&out.stderr));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(listed["items"][0]["metadata"]["name"], "w1");
    assert_eq!(listed["items"][0]["spec"]["size"], 3);
    assert_eq!(listed["items"][0]["status"]["phase"], "Ready");
    let out = server.kubectl().args(["get", "widgets", "-n", &ns, "-l", "app=smoke", "-o", "name"]).output()?;
    ensure!(out.status.success(), "kubectl get -o name failed: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("widget.{group}/w1"));

    // Delete.
    widgets.delete("w1", &DeleteParams::default()).await?;

    // The watch saw it all, in order.
    let mut seen = Vec::new();
    let collect = async {
        while let Some(ev) = events.try_next().await? {
            let step = match ev {
                WatchEvent::Added(o) => ("ADDED", o.data["spec"]["size"].clone()),
                WatchEvent::Modified(o) => ("MODIFIED", o.data["spec"]["size"].clone()),
                WatchEvent::Deleted(o) => ("DELETED", o.data["spec"]["size"].clone()),
                WatchEvent::Bookmark(_) => continue,
                WatchEvent::Error(e) => bail!("watch error: {e:?}"),
            };
            let done = step.0 == "DELETED";
            seen.push(step);
            if done {
                break;
            }
        }
        Ok(())
    };
    tokio::time::timeout(TIMEOUT, collect).await.context("watch timed out")??;
    let kinds: Vec<&str> = seen.iter().map(|s| s.0).collect();
    assert_eq!(kinds, ["ADDED", "MODIFIED", "MODIFIED", "DELETED"], "{seen:?}");
    assert_eq!(seen[0].1, 1);
    assert_eq!(seen[1].1, 3);

    ensure!(widgets.get_opt("w1").await?.is_none(), "w1 still exists after delete");
    Ok(())
}

/// The harness's own promise: a private server stops and removes its data
/// folder when its standard input closes (as when a test binary exits).
#[test]
fn private_server_stops_and_cleans_up_when_stdin_closes() -> Result<()> {
    let server = kro_test_support::ApiServer::start(&[])?;
    let data_dir = server.kubeconfig_path().parent().context("kubeconfig has no folder")?.to_path_buf();
    ensure!(data_dir.join("pki").is_dir(), "no pki in {}", data_dir.display());
    let status = server.stop()?;
    assert!(status.success(), "exit status {status}; log:\n{}", server.log_tail().join("\n"));
    assert!(!data_dir.exists(), "{} left behind", data_dir.display());
    Ok(())
}
