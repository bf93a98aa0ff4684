//! The seed walk-through (../shared/seed), step by step, with kro-rs's operator doing the work on a real API
//! server: `kubectl apply` the RGD, see it Active with its topological order, apply an instance, watch the
//! Deployment, Service and Ingress appear with kro's labels, play the Deployment controller, and read the
//! instance ACTIVE and SYNCED with the projected status and conditions.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use futures::StreamExt;
use kro_e2e::{
    client, condition, eventually, get, kubectl, make_deployment_available, operator, read, wait_rgd_active, wait_state,
};
use kube::runtime::watcher;
use serde_json::{Value, json};

#[tokio::test]
async fn the_seed_story_runs_end_to_end_with_the_operator() -> Result<()> {
    let metrics = operator();
    let client = client().await?;
    let ns = kro_test_support::create_namespace(&client, "story").await?;
    let counts = || {
        let t = &metrics.totals;
        [&t.rgd_reconciles, &t.instance_reconciles, &t.reads, &t.writes, &t.watches].map(|c| c.load(Ordering::Relaxed))
    };
    let start = counts();

    // $ kubectl apply -f rgd.yaml
    let out = kubectl(&["apply", "-f", "-"], Some(&read("examples/webapp/rgd.yaml")))?;
    assert_eq!(out.trim(), "resourcegraphdefinition.kro.run/my-application created");

    // $ kubectl get rgd my-application -owide
    wait_rgd_active(&client, "my-application").await?;
    let out = kubectl(&["get", "rgd", "my-application", "-owide"], None)?;
    let lines: Vec<&str> = out.lines().collect();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(header, ["NAME", "APIVERSION", "KIND", "STATE", "TOPOLOGICALORDER", "AGE"]);
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        &row[..5],
        ["my-application", "v1alpha1", "Application", "Active", r#"["deployment","service","ingress"]"#]
    );

    let rgd_active = counts();

    // $ kubectl get applications
    let out = kro_test_support::shared().kubectl_run(&["get", "applications", "-n", &ns], None);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), format!("No resources found in {ns} namespace."));

    // Every state the instance goes through, as a user watching `kubectl get applications -w` sees them.
    let instance_states = Arc::new(Mutex::new(Vec::<String>::new()));
    let applications = kro_e2e::api(&client, "kro.run/v1alpha1", "Application", Some(&ns)).await?;
    let seen = Arc::clone(&instance_states);
    let (listed, watching) = tokio::sync::oneshot::channel();
    let mut listed = Some(listed);
    let watch = tokio::spawn(watcher(applications, watcher::Config::default()).for_each(move |event| {
        match event {
            Ok(watcher::Event::InitDone) => {
                if let Some(listed) = listed.take() {
                    let _ = listed.send(());
                }
            }
            Ok(watcher::Event::Apply(o) | watcher::Event::InitApply(o)) => {
                if let Some(state) = o.data.pointer("/status/state").and_then(Value::as_str) {
                    let mut seen = seen.lock().unwrap();
                    if seen.last().map(String::as_str) != Some(state) {
                        seen.push(state.to_string());
                    }
                }
            }
            _ => {}
        }
        futures::future::ready(())
    }));
    // The watch is open before the instance exists, so no state goes unseen.
    watching.await?;

    // $ kubectl apply -f instance.yaml
    let out = kubectl(&["apply", "-n", &ns, "-f", "-"], Some(&read("examples/webapp/instance.yaml")))?;
    assert_eq!(out.trim(), "application.kro.run/my-application-instance created");

    // The Deployment, then the Service, then the Ingress (ingress.enabled is true), each with kro's labels.
    let deployment =
        eventually("the Deployment", || get(&client, "apps/v1", "Deployment", Some(&ns), "my-awesome-app")).await?;
    let service =
        eventually("the Service", || get(&client, "v1", "Service", Some(&ns), "my-awesome-app-service")).await?;
    let ingress = eventually("the Ingress", || {
        get(&client, "networking.k8s.io/v1", "Ingress", Some(&ns), "my-awesome-app-ingress")
    })
    .await?;
    let instance =
        get(&client, "kro.run/v1alpha1", "Application", Some(&ns), "my-application-instance").await?.unwrap();
    let uid = instance.pointer("/metadata/uid").cloned().unwrap();
    for (object, node) in [(&deployment, "deployment"), (&service, "service"), (&ingress, "ingress")] {
        let labels = &object["metadata"]["labels"];
        assert_eq!(labels["kro.run/owned"], "true", "{object}");
        assert_eq!(labels["kro.run/node-id"], node);
        assert_eq!(labels["kro.run/instance-id"], uid);
        assert_eq!(labels["kro.run/instance-name"], "my-application-instance");
        assert_eq!(labels["kro.run/instance-namespace"], json!(ns));
        assert_eq!(labels["kro.run/instance-kind"], "Application");
        assert_eq!(labels["app.kubernetes.io/managed-by"], "kro");
        assert_eq!(
            labels["applyset.kubernetes.io/part-of"],
            instance["metadata"]["labels"]["applyset.kubernetes.io/id"]
        );
    }
    // The Service selects the Deployment's pods (read from the Deployment), the Ingress routes to the Service.
    assert_eq!(service["spec"]["selector"], json!({"app": "my-awesome-app"}));
    assert_eq!(
        ingress.pointer("/spec/rules/0/http/paths/0/backend/service/name"),
        Some(&json!("my-awesome-app-service"))
    );
    assert_eq!(instance["metadata"]["finalizers"], json!(["kro.run/finalizer"]));
    let group_kinds = instance.pointer("/metadata/annotations/applyset.kubernetes.io~1contains-group-kinds");
    assert_eq!(group_kinds, Some(&json!("Deployment.apps,Ingress.networking.k8s.io,Service")));

    // Play the Deployment controller: 3/3 available.
    make_deployment_available(&client, &ns, "my-awesome-app").await?;
    let instance = eventually("availableReplicas in the instance status", || async {
        let i = get(&client, "kro.run/v1alpha1", "Application", Some(&ns), "my-application-instance").await?;
        Ok(i.filter(|i| i.pointer("/status/availableReplicas") == Some(&json!(3))))
    })
    .await?;
    let instance = if instance.pointer("/status/state") == Some(&json!("ACTIVE")) {
        instance
    } else {
        wait_state(&client, "Application", &ns, "my-application-instance", "ACTIVE").await?
    };

    // $ kubectl get applications: the three resources are created in the instance's first reconcile (none
    // waits for another's readiness), so the first state written is ACTIVE: no IN_PROGRESS write that the
    // same reconcile would overwrite milliseconds later (docs/decisions/0018).
    watch.abort();
    assert_eq!(*instance_states.lock().unwrap(), ["ACTIVE"]);

    // $ kubectl get applications my-application-instance -owide
    let out = kubectl(&["get", "applications", "my-application-instance", "-owide", "-n", &ns], None)?;
    let row: Vec<&str> = out.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(&row[..3], ["my-application-instance", "ACTIVE", "True"], "{out}");

    // $ kubectl get applications my-application-instance -o yaml: the status the seed shows.
    let status = &instance["status"];
    assert_eq!(status["state"], "ACTIVE");
    assert_eq!(status["availableReplicas"], 3);
    let deployment_conditions: Vec<&str> =
        status["deploymentConditions"].as_array().unwrap().iter().map(|c| c["type"].as_str().unwrap()).collect();
    assert_eq!(deployment_conditions, ["Available", "Progressing"]);
    let synced = condition(&instance, "InstanceSynced").unwrap();
    assert_eq!(synced["status"], "True");
    assert_eq!(synced["reason"], "ReconciliationSucceeded");
    assert_eq!(synced["message"], "Instance reconciled successfully");
    assert_eq!(synced["observedGeneration"], 1);
    assert!(synced["lastTransitionTime"].is_string());
    assert_eq!(instance.pointer("/spec/image"), Some(&json!("nginx")), "the default is applied");

    // For the reports (with this test run alone, the numbers are the story's).
    let end = counts();
    let delta = |a: [u64; 5], b: [u64; 5]| -> Vec<u64> { a.iter().zip(b).map(|(a, b)| b - a).collect() };
    eprintln!("story: [rgd reconciles, instance reconciles, GETs/LISTs, writes, watches]");
    eprintln!("story: RGD applied to Active: {:?}", delta(start, rgd_active));
    eprintln!("story: instance applied to ACTIVE with status: {:?}", delta(rgd_active, end));
    Ok(())
}

#[tokio::test]
async fn the_rgd_status_lists_resources_with_dependencies_and_kros_conditions() -> Result<()> {
    operator();
    let client = client().await?;
    let rgd = kro_e2e::renamed_rgd("examples/webapp/rgd.yaml", "status-app", "StatusApp");
    kro_e2e::apply(&client, &rgd, None).await?;
    let rgd = wait_rgd_active(&client, "status-app").await?;
    assert_eq!(rgd["status"]["topologicalOrder"], json!(["deployment", "service", "ingress"]));
    assert_eq!(
        rgd["status"]["resources"],
        json!([{"id": "service", "dependencies": [{"id": "deployment"}]}, {"id": "ingress", "dependencies": [{"id": "service"}]}])
    );
    assert_eq!(rgd["status"]["lastIssuedRevision"], 1);
    for (type_, reason) in [
        ("GraphAccepted", "Valid"),
        ("GraphRevisionsResolved", "Resolved"),
        ("KindReady", "Ready"),
        ("ControllerReady", "Running"),
        ("Ready", "Ready"),
    ] {
        let c = condition(&rgd, type_).unwrap_or(&Value::Null);
        assert_eq!((c["status"].as_str(), c["reason"].as_str()), (Some("True"), Some(reason)), "{type_}: {c}");
    }
    let crd =
        get(&client, "apiextensions.k8s.io/v1", "CustomResourceDefinition", None, "statusapps.kro.run").await?.unwrap();
    let labels = &crd["metadata"]["labels"];
    assert_eq!(labels["kro.run/owned"], "true");
    assert_eq!(labels["kro.run/resource-graph-definition-name"], "status-app");
    assert_eq!(labels["kro.run/resource-graph-definition-id"], rgd["metadata"]["uid"]);
    Ok(())
}
