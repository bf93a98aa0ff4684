//! Drift that always converges (docs/decisions/0018), on a real API server: edits a user or another tool makes
//! to a child are undone even where a forced server-side apply alone cannot undo them — a list item whose key
//! was changed by hand (the apply would merge the declared item next to it), a container renamed by hand, a
//! label removed with `kubectl edit`, a child edited by another server-side-apply manager — while a manager
//! configured as a co-owner (`--shared-field-managers`) keeps what it added.

use std::process::Stdio;

use anyhow::{Result, bail};
use kro_e2e::{
    api, apply, client, documents, eventually, get, kubectl, operator_with, renamed_rgd, wait_rgd_active, wait_state,
};
use kro_operator::operator::Options;
use serde_json::{Value, json};

/// The co-owner every test of this binary's operator leaves alone.
const MESH: &str = "mesh";

fn options() -> Options {
    Options { shared_field_managers: vec![MESH.to_string()], ..Options::default() }
}

fn app(name: &str, kind: &str, ingress: bool) -> Value {
    json!({"apiVersion": "kro.run/v1alpha1", "kind": kind, "metadata": {"name": name},
        "spec": {"name": name, "ingress": {"enabled": ingress}}})
}

/// The web application of examples/webapp under its own kind, with an instance `name` ACTIVE in a new namespace.
async fn webapp(rgd: &str, kind: &str, name: &str, ingress: bool) -> Result<(kube::Client, String)> {
    operator_with(options);
    let client = client().await?;
    let ns = kro_test_support::create_namespace(&client, rgd).await?;
    apply(&client, &renamed_rgd("examples/webapp/rgd.yaml", rgd, kind), None).await?;
    wait_rgd_active(&client, rgd).await?;
    apply(&client, &app(name, kind, ingress), Some(&ns)).await?;
    wait_state(&client, kind, &ns, name, "ACTIVE").await?;
    Ok((client, ns))
}

/// How many children of `kind` had list items taken back, from the operator's metrics.
fn repairs(kind: &str) -> f64 {
    let metrics = operator_with(options).encode();
    let line = format!("drift_repairs_total{{kind=\"{kind}\"}} ");
    metrics.lines().find_map(|l| l.strip_prefix(&line)).and_then(|v| v.parse().ok()).unwrap_or(0.0)
}

fn ports(service: &Value) -> Vec<i64> {
    service["spec"]["ports"].as_array().into_iter().flatten().filter_map(|p| p["port"].as_i64()).collect()
}

fn containers(deployment: &Value) -> Vec<String> {
    let list = deployment.pointer("/spec/template/spec/containers").and_then(Value::as_array);
    list.into_iter().flatten().filter_map(|c| c["name"].as_str().map(String::from)).collect()
}

#[tokio::test]
async fn a_service_port_changed_by_hand_is_restored_and_the_children_after_it_are_still_repaired() -> Result<()> {
    let (client, ns) = webapp("port-drift", "PortDrift", "web", true).await?;
    let before = repairs("Service");
    // The seed's user, by hand: the declared port 80 replaced by 8081. A forced apply alone would merge port 80
    // next to 8081, and the API server refuses a Service with two unnamed ports.
    kubectl(
        &[
            "patch",
            "service",
            "web-service",
            "-n",
            &ns,
            "--type=merge",
            "-p",
            r#"{"spec":{"ports":[{"protocol":"TCP","port":8081,"targetPort":80}]}}"#,
        ],
        None,
    )?;
    // And the Ingress, applied after the Service, deleted too.
    kubectl(&["delete", "ingress", "web-ingress", "-n", &ns], None)?;
    eventually("the Service back to port 80 alone, and the Ingress recreated", || async {
        let service = get(&client, "v1", "Service", Some(&ns), "web-service").await?;
        let ingress = get(&client, "networking.k8s.io/v1", "Ingress", Some(&ns), "web-ingress").await?;
        Ok((service.as_ref().map(ports) == Some(vec![80]) && ingress.is_some()).then_some(()))
    })
    .await?;
    wait_state(&client, "PortDrift", &ns, "web", "ACTIVE").await?;
    assert!(repairs("Service") > before, "the foreign port was taken back, not merged");
    Ok(())
}

#[tokio::test]
async fn a_container_renamed_by_hand_is_replaced_by_the_declared_one() -> Result<()> {
    let (client, ns) = webapp("rename-drift", "RenameDrift", "shop", false).await?;
    kubectl(
        &[
            "patch",
            "deployment",
            "shop",
            "-n",
            &ns,
            "--type=json",
            "-p",
            r#"[{"op":"replace","path":"/spec/template/spec/containers/0/name","value":"renamed"}]"#,
        ],
        None,
    )?;
    let deployment = eventually("one container, named as declared", || async {
        let d = get(&client, "apps/v1", "Deployment", Some(&ns), "shop").await?;
        Ok(d.filter(|d| containers(d) == ["shop"]))
    })
    .await?;
    assert_eq!(deployment.pointer("/spec/template/spec/containers/0/image"), Some(&json!("nginx")));
    Ok(())
}

#[tokio::test]
async fn a_label_removed_with_kubectl_edit_comes_back() -> Result<()> {
    operator_with(options);
    let client = client().await?;
    let ns = kro_test_support::create_namespace(&client, "label-drift").await?;
    let rgd = documents(
        r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: label-drift}
spec:
  schema: {apiVersion: v1alpha1, kind: LabelDrift, spec: {tier: string | default="web"}}
  resources:
    - id: settings
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${schema.metadata.name}-settings
          labels: {tier: "${schema.spec.tier}", team: platform}
        data: {mode: fast}
"#,
    )
    .remove(0);
    apply(&client, &rgd, None).await?;
    wait_rgd_active(&client, "label-drift").await?;
    apply(
        &client,
        &json!({"apiVersion": "kro.run/v1alpha1", "kind": "LabelDrift", "metadata": {"name": "cfg"}}),
        Some(&ns),
    )
    .await?;
    wait_state(&client, "LabelDrift", &ns, "cfg", "ACTIVE").await?;
    // A user runs `kubectl edit` and deletes the label line (the editor is sed).
    let out = kro_test_support::shared()
        .kubectl()
        .args(["edit", "configmap", "cfg-settings", "-n", &ns])
        .env("KUBE_EDITOR", "sed -i -e '/team: platform/d'")
        .stdin(Stdio::null())
        .output()?;
    if !out.status.success() {
        bail!("kubectl edit failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("edited"), "kubectl edit changed the ConfigMap: {said}");
    eventually("the label back", || async {
        let c = get(&client, "v1", "ConfigMap", Some(&ns), "cfg-settings").await?;
        Ok(c.filter(|c| c.pointer("/metadata/labels/team") == Some(&json!("platform"))).map(|_| ()))
    })
    .await?;
    Ok(())
}

/// Server-side applies `patch` to Deployment `name` as field manager `manager`, taking fields from kro-rs.
fn apply_as(manager: &str, ns: &str, patch: &Value) -> Result<String> {
    let field_manager = format!("--field-manager={manager}");
    kubectl(
        &["apply", "--server-side", "--force-conflicts", &field_manager, "-n", ns, "-f", "-"],
        Some(&patch.to_string()),
    )
}

#[tokio::test]
async fn a_child_changed_by_another_server_side_apply_manager_is_taken_back_but_a_co_owner_keeps_its_items()
-> Result<()> {
    let (client, ns) = webapp("ssa-drift", "SsaDrift", "api", false).await?;
    let deployment = |replicas: i64, extra: &str| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "api"}},
                "template": {"metadata": {"labels": {"app": "api"}},
                    "spec": {"containers": [{"name": "api", "image": "nginx"}, {"name": extra, "image": "busybox"}]}}}})
    };
    // Another tool applies its own replicas and a sidecar: kro-rs takes both back.
    apply_as("intruder", &ns, &deployment(5, "sidecar"))?;
    eventually("3 replicas and the declared container alone", || async {
        let d = get(&client, "apps/v1", "Deployment", Some(&ns), "api").await?;
        Ok(d.filter(|d| d["spec"]["replicas"] == 3 && containers(d) == ["api"]).map(|_| ()))
    })
    .await?;

    // A manager configured as a co-owner adds its proxy: kro-rs leaves it, and still owns what it declares.
    apply_as(MESH, &ns, &deployment(3, "proxy"))?;
    let deployments = api(&client, "apps/v1", "Deployment", Some(&ns)).await?;
    let patch = kube::api::Patch::Merge(json!({"spec": {"replicas": 1}}));
    deployments.patch("api", &kube::api::PatchParams::default(), &patch).await?;
    let kept = eventually("replicas back to 3 with the co-owner's proxy kept", || async {
        let d = get(&client, "apps/v1", "Deployment", Some(&ns), "api").await?;
        Ok(d.filter(|d| d["spec"]["replicas"] == 3))
    })
    .await?;
    assert_eq!(containers(&kept), ["api", "proxy"], "the co-owner's item stays");
    wait_state(&client, "SsaDrift", &ns, "api", "ACTIVE").await?;
    Ok(())
}
