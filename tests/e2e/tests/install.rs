//! The install (deploy/): the plain manifests are the Helm chart's default rendering; they and every chart
//! variant pass a server-side dry run on the real API server; the Deployment runs unprivileged with probes
//! and limits; and an operator running as the chart's `ServiceAccount` (impersonated) does the seed story with
//! exactly the RBAC the chart gives it, and is refused beyond it.
//!
//! Helm comes from scripts/helm/install.sh (built from its Go module on first use). This binary has its own
//! API server and starts its own operator, under the `ServiceAccount`'s identity, not the admin one the other
//! suites share.

use std::process::Command;

use anyhow::{Context as _, Result};
use k8s_openapi::api::rbac::v1::ClusterRole;
use kro_e2e::chart::{CHART, aggregate, forbidden, helm, helm_template};
use kro_e2e::{
    client, documents, eventually, get, kubectl, make_deployment_available, read, repo_root, wait_deleted,
    wait_rgd_active, wait_state,
};
use kro_operator::operator::{Operator, Options};
use kube::api::{DeleteParams, DynamicObject, ListParams, PostParams};
use kube::{Api, Client};
use serde_json::{Value, json};

const MANIFESTS: &str = "deploy/manifests/kro-rs.yaml";
/// The plain manifests as the chart renders them: its defaults, release `kro-rs` in `kro-system`, with the
/// namespace, under a header that says how they are made.
fn rendered_manifests() -> Result<String> {
    let body = helm_template("kro-rs", "kro-system", &["--set", "createNamespace=true"])?;
    Ok(format!(
        "# The kro-rs operator in kro-system, with its ServiceAccount and RBAC: the Helm chart ({CHART}) rendered\n\
         # with its defaults. Apply deploy/crds first. Regenerate: KRO_UPDATE_MANIFESTS=1 cargo test -p kro-e2e --test install\n\
         {body}"
    ))
}

fn kind_of<'v>(docs: &'v [Value], kind: &str) -> Vec<&'v Value> {
    docs.iter().filter(|d| d["kind"] == kind).collect()
}

/// `kubectl apply --server-side --dry-run=server`: every document must be accepted.
fn dry_run(what: &str, yaml: &str) -> Result<()> {
    let expected = documents(yaml).len();
    let out =
        kubectl(&["apply", "--server-side", "--dry-run=server", "--field-manager=install-test", "-f", "-"], Some(yaml))
            .with_context(|| format!("dry run of {what}"))?;
    let applied = out.lines().filter(|l| l.contains("(server dry run)")).count();
    assert_eq!(applied, expected, "{what}: not every document was accepted:\n{out}");
    Ok(())
}

#[test]
fn the_plain_manifests_are_the_charts_default_rendering_and_the_chart_carries_the_crds() -> Result<()> {
    let rendered = rendered_manifests()?;
    let path = repo_root().join(MANIFESTS);
    if std::env::var_os("KRO_UPDATE_MANIFESTS").is_some() {
        std::fs::write(&path, &rendered)?;
    }
    assert_eq!(
        read(MANIFESTS),
        rendered,
        "{MANIFESTS} differs from the chart; run KRO_UPDATE_MANIFESTS=1 cargo test -p kro-e2e --test install"
    );
    for crd in ["resourcegraphdefinitions.kro.run.yaml", "graphrevisions.internal.kro.run.yaml"] {
        assert_eq!(
            read(&format!("deploy/helm/kro-rs/crds/{crd}")),
            read(&format!("deploy/crds/{crd}")),
            "the chart's crds/ must hold the CRDs of deploy/crds"
        );
    }
    let lint = Command::new(helm()).arg("lint").arg(repo_root().join(CHART)).output()?;
    assert!(lint.status.success(), "helm lint: {}", String::from_utf8_lossy(&lint.stdout));
    Ok(())
}

#[test]
fn the_deployment_runs_unprivileged_read_only_with_probes_on_the_health_port_and_limits() {
    let docs = documents(&read(MANIFESTS));
    let deployment = kind_of(&docs, "Deployment")[0];
    assert_eq!(deployment["metadata"]["namespace"], "kro-system");
    let pod = &deployment["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "kro-rs");
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(pod["securityContext"]["runAsUser"], 65532);
    let container = &pod["containers"][0];
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(container["securityContext"]["allowPrivilegeEscalation"], false);
    assert_eq!(container["securityContext"]["capabilities"]["drop"], json!(["ALL"]));
    let args: Vec<&str> = container["args"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(args[0], "operator");
    assert!(args.contains(&"--rgd-max-graph-revisions=5"), "{args:?}");
    assert!(args.contains(&"--health-probe-bind-address=:8079"), "{args:?}");
    assert!(args.contains(&"--metrics-bind-address=:8078"), "{args:?}");
    assert!(args.contains(&"--log-format=json"), "{args:?}");
    let port = |name: &str| container["ports"].as_array().unwrap().iter().find(|p| p["name"] == name).cloned();
    assert_eq!(port("health").unwrap()["containerPort"], 8079);
    assert_eq!(port("metrics").unwrap()["containerPort"], 8078);
    assert_eq!(container["livenessProbe"]["httpGet"], json!({"path": "/healthz", "port": "health"}));
    assert_eq!(container["readinessProbe"]["httpGet"], json!({"path": "/readyz", "port": "health"}));
    assert!(container["resources"]["requests"]["memory"].is_string());
    assert!(container["resources"]["limits"]["memory"].is_string());
    assert!(container["resources"]["limits"]["cpu"].is_string());
}

#[test]
fn the_chart_refuses_several_replicas_without_leader_election_and_renders_its_options() -> Result<()> {
    let error = helm_template("kro-rs", "kro-system", &["--set", "replicaCount=2"]).unwrap_err();
    assert!(error.to_string().contains("needs operator.leaderElection.enabled"), "{error}");
    let error = helm_template("kro-rs", "kro-system", &["--set", "rbac.mode=everything"]).unwrap_err();
    assert!(error.to_string().contains("rbac.mode must be"), "{error}");

    let docs = documents(&helm_template(
        "kro-rs",
        "kro-system",
        &[
            "--set",
            "replicaCount=2",
            "--set",
            "operator.leaderElection.enabled=true",
            "--set",
            "operator.concurrency=12",
            "--set",
            "operator.logFormat=text",
            "--set",
            "metrics.serviceMonitor.enabled=true",
            "--set",
            "operator.allowCrdDeletion=true",
        ],
    )?);
    let deployment = kind_of(&docs, "Deployment")[0];
    assert_eq!(deployment["spec"]["replicas"], 2);
    let args = &deployment["spec"]["template"]["spec"]["containers"][0]["args"];
    for arg in ["--leader-elect", "--concurrency=12", "--log-format=text", "--allow-crd-deletion"] {
        assert!(args.as_array().unwrap().contains(&json!(arg)), "{arg} missing from {args}");
    }
    let lease_role = kind_of(&docs, "Role")[0];
    assert_eq!(lease_role["rules"][0]["resources"], json!(["leases"]));
    assert_eq!(kind_of(&docs, "ServiceMonitor")[0]["spec"]["endpoints"][0]["port"], "metrics");
    let own = kind_of(&docs, "ClusterRole").into_iter().find(|r| r["metadata"]["name"] == "kro-rs").unwrap();
    assert!(
        own["rules"][0]["verbs"].as_array().unwrap().contains(&json!("delete")),
        "--allow-crd-deletion deletes CRDs"
    );
    Ok(())
}

#[tokio::test]
async fn the_manifests_and_every_chart_variant_pass_a_server_side_dry_run() -> Result<()> {
    // What goes into kro-system can only be dry-run once the namespace exists.
    kubectl(
        &["apply", "--server-side", "-f", "-"],
        Some("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kro-system\n"),
    )?;
    dry_run("deploy/crds", &read("deploy/crds/resourcegraphdefinitions.kro.run.yaml"))?;
    dry_run("deploy/crds", &read("deploy/crds/graphrevisions.internal.kro.run.yaml"))?;
    dry_run(MANIFESTS, &read(MANIFESTS))?;
    dry_run("deploy/examples/webapp-rbac.yaml", &read("deploy/examples/webapp-rbac.yaml"))?;
    let variants: [&[&str]; 5] = [
        &[],
        &["--set", "rbac.mode=unrestricted"],
        &["--set", "rbac.mode=impersonation", "--set", "serviceAccount.name=kro-operator"],
        &[
            "--set",
            "replicaCount=3",
            "--set",
            "operator.leaderElection.enabled=true",
            "--set",
            "metrics.enabled=false",
            "--set",
            "operator.watchNamespace=apps",
            "--set",
            "operator.featureGates=CELOmitFunction=true",
        ],
        &[
            "--set",
            "rbac.resourceRules[0].apiGroups[0]=",
            "--set",
            "rbac.resourceRules[0].resources[0]=configmaps",
            "--set",
            "rbac.resourceRules[0].verbs={get,list,watch,create,patch,delete}",
            "--set",
            "rbac.instanceGroups={kro.run,platform.example.com}",
        ],
    ];
    for values in variants {
        let rendered = helm_template("kro-rs", "kro-system", values)?;
        dry_run(&format!("the chart with {values:?}"), &rendered)?;
    }
    Ok(())
}

/// Plays the `ClusterRole` aggregation controller (the API server does not run it): `target` gets the rules of
/// every `ClusterRole` carrying the aggregation label.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_running_as_the_charts_service_account_does_the_seed_story_and_is_refused_beyond() -> Result<()> {
    let admin = client().await?;
    // The chart, installed for real in its own namespace, with the RBAC the web application needs.
    let release_ns = kro_test_support::create_namespace(&admin, "kro").await?;
    // Its own release name: the dry-run test applies release kro-rs's cluster-wide objects at the same time.
    let rendered = helm_template("kro-rs-e2e", &release_ns, &[])?;
    kubectl(&["apply", "--server-side", "-f", "-"], Some(&rendered))?;
    kubectl(&["apply", "--server-side", "-f", "-"], Some(&read("deploy/examples/webapp-rbac.yaml")))?;
    aggregate(&admin, "kro-rs-e2e-resources").await?;

    // `kro operator` under the `ServiceAccount`'s identity: it installs the RGD CRD itself, as in the cluster.
    let mut config = kro_test_support::shared().config().await?;
    config.auth_info.impersonate = Some(format!("system:serviceaccount:{release_ns}:kro-rs-e2e"));
    let operator = Operator::start(config.clone(), Options { concurrency: 4, ..Options::default() }).await?;

    // The seed story.
    let ns = kro_test_support::create_namespace(&admin, "story").await?;
    kubectl(&["apply", "-f", "-"], Some(&read("examples/webapp/rgd.yaml")))?;
    wait_rgd_active(&admin, "my-application").await?;
    kubectl(&["apply", "-n", &ns, "-f", "-"], Some(&read("examples/webapp/instance.yaml")))?;
    eventually("the Deployment", || get(&admin, "apps/v1", "Deployment", Some(&ns), "my-awesome-app")).await?;
    make_deployment_available(&admin, &ns, "my-awesome-app").await?;
    wait_state(&admin, "Application", &ns, "my-application-instance", "ACTIVE").await?;
    eventually("the Deployment's status projected on the instance", || async {
        let instance = get(&admin, "kro.run/v1alpha1", "Application", Some(&ns), "my-application-instance").await?;
        Ok(instance.filter(|i| i.pointer("/status/availableReplicas") == Some(&json!(3))))
    })
    .await?;
    assert!(get(&admin, "v1", "Service", Some(&ns), "my-awesome-app-service").await?.is_some());
    assert!(get(&admin, "networking.k8s.io/v1", "Ingress", Some(&ns), "my-awesome-app-ingress").await?.is_some());
    // Deleting the instance deletes its children, then the finalizer goes.
    kubectl(&["delete", "-n", &ns, "application", "my-application-instance", "--wait=false"], None)?;
    let children = [
        ("kro.run/v1alpha1", "Application", "my-application-instance"),
        ("apps/v1", "Deployment", "my-awesome-app"),
        ("v1", "Service", "my-awesome-app-service"),
        ("networking.k8s.io/v1", "Ingress", "my-awesome-app-ingress"),
    ];
    wait_deleted(&admin, &ns, "the instance and its children deleted", &children).await?;
    operator.shutdown().await?;

    // Beyond what the operator needs, the ServiceAccount is refused.
    let sa = Client::try_from(config)?;
    let config_map: k8s_openapi::api::core::v1::ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "not-mine"}, "data": {"a": "b"}}))?;
    let config_maps: Api<k8s_openapi::api::core::v1::ConfigMap> = Api::namespaced(sa.clone(), &ns);
    assert!(forbidden(&config_maps.create(&PostParams::default(), &config_map).await), "create a ConfigMap");
    let secrets: Api<k8s_openapi::api::core::v1::Secret> = Api::all(sa.clone());
    assert!(forbidden(&secrets.list(&ListParams::default()).await), "list Secrets");
    let pods: Api<k8s_openapi::api::core::v1::Pod> = Api::namespaced(sa.clone(), &ns);
    assert!(forbidden(&pods.list(&ListParams::default()).await), "list Pods");
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(sa.clone());
    assert!(forbidden(&namespaces.delete(&ns, &DeleteParams::default()).await), "delete a Namespace");
    let roles: Api<ClusterRole> = Api::all(sa.clone());
    let escalate: ClusterRole = serde_json::from_value(
        json!({"metadata": {"name": "kro-rs-escalate"}, "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}),
    )?;
    assert!(forbidden(&roles.create(&PostParams::default(), &escalate).await), "create a ClusterRole");
    let crds: Api<k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition> =
        Api::all(sa.clone());
    assert!(
        forbidden(&crds.delete("resourcegraphdefinitions.kro.run", &DeleteParams::default()).await),
        "delete a CRD"
    );
    let leases: Api<DynamicObject> = kro_e2e::api(&sa, "coordination.k8s.io/v1", "Lease", Some(&release_ns)).await?;
    assert!(forbidden(&leases.list(&ListParams::default()).await), "leases without leader election");
    Ok(())
}
