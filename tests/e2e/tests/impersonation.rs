//! Per-RGD permissions (`spec.serviceAccountName`): the chart in `impersonation` mode, an operator running
//! with a real token of the chart's ServiceAccount (impersonation does not nest, so the operator's own identity
//! must not be an impersonated one here), and RGDs whose resources are created as a ServiceAccount of the
//! instance's namespace: what that account may create goes ACTIVE, what it may not puts the instance in ERROR
//! with the API server's message, and an RGD naming no account gets the operator's own rights (here: reading
//! only). The operator may impersonate ServiceAccounts and nothing else. Its own binary: its own API server
//! and operator, with leader election on, as the chart runs it.

use anyhow::Result;
use k8s_openapi::api::authentication::v1::{TokenRequest, TokenRequestSpec};
use k8s_openapi::api::core::v1::{ConfigMap, ServiceAccount};
use kro_e2e::chart::{AGGREGATE, aggregate, forbidden, helm_template};
use kro_e2e::{
    apply, client, eventually, get, kubectl, make_deployment_available, renamed_rgd, wait_deleted, wait_leading,
    wait_rgd_active, wait_state,
};
use kro_operator::operator::{LeaderElection, Operator, Options};
use kube::api::{ListParams, PostParams};
use kube::config::AuthInfo;
use kube::{Api, Client, Config};
use serde_json::{Value, json};

/// The release's name, and so its ServiceAccount's.
const RELEASE: &str = "kro-rs-imp";
/// The account the RGDs name, made in the instances' namespace.
const DEPLOYER: &str = "app-deployer";

/// A client configuration acting as ServiceAccount `name` of `namespace` with a token the API server issued.
async fn as_service_account(admin: &Client, namespace: &str, name: &str) -> Result<Config> {
    let accounts: Api<ServiceAccount> = Api::namespaced(admin.clone(), namespace);
    let request = TokenRequest {
        spec: Some(TokenRequestSpec { expiration_seconds: Some(3600), ..TokenRequestSpec::default() }),
        ..TokenRequest::default()
    };
    let issued = accounts.create_token_request(name, &PostParams::default(), &request).await?;
    let token = issued.status.and_then(|s| s.token).unwrap_or_default();
    let mut config = kro_test_support::shared().config().await?;
    config.auth_info = AuthInfo { token: Some(token.into()), ..AuthInfo::default() };
    Ok(config)
}

/// The web application example under `name`/`kind`, its resources created as [`DEPLOYER`] when `deployer`,
/// with one more resource when given.
fn rgd(name: &str, kind: &str, deployer: bool, extra: Option<Value>) -> Value {
    let mut rgd = renamed_rgd("examples/webapp/rgd.yaml", name, kind);
    if deployer {
        rgd["spec"]["serviceAccountName"] = json!(DEPLOYER);
    }
    if let (Some(extra), Some(resources)) = (extra, rgd["spec"]["resources"].as_array_mut()) {
        resources.push(extra);
    }
    rgd
}

fn instance(kind: &str, name: &str) -> Value {
    json!({"apiVersion": "kro.run/v1alpha1", "kind": kind, "metadata": {"name": name},
        "spec": {"name": name, "ingress": {"enabled": true}}})
}

/// Every condition message of the instance, joined.
fn messages(instance: &Value) -> String {
    let conditions = instance.pointer("/status/conditions").and_then(Value::as_array).cloned().unwrap_or_default();
    conditions.iter().filter_map(|c| c["message"].as_str()).collect::<Vec<_>>().join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rgd_naming_a_service_account_creates_what_that_account_may_and_nothing_else() -> Result<()> {
    let admin = client().await?;
    let release_ns = kro_test_support::create_namespace(&admin, "kro").await?;
    let rendered = helm_template(
        RELEASE,
        &release_ns,
        &["--set", "rbac.mode=impersonation", "--set", "operator.leaderElection.enabled=true"],
    )?;
    kubectl(&["apply", "--server-side", "-f", "-"], Some(&rendered))?;
    // The operator reads (watches) the children; it creates none itself in this mode.
    let read_children = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
    "metadata": {"name": "kro-rs-imp-read-children", "labels": {AGGREGATE: "true"}},
    "rules": [
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": [""], "resources": ["services", "configmaps"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses"], "verbs": ["get", "list", "watch"]}
    ]});
    apply(&admin, &read_children, None).await?;
    aggregate(&admin, &format!("{RELEASE}-resources")).await?;

    // The tenant's namespace: an account that may manage Deployments, Services and Ingresses, not ConfigMaps.
    let ns = kro_test_support::create_namespace(&admin, "tenant").await?;
    apply(&admin, &json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": DEPLOYER}}), Some(&ns))
        .await?;
    let verbs = json!(["get", "list", "watch", "create", "patch", "delete"]);
    apply(
        &admin,
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": DEPLOYER},
        "rules": [
            {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": verbs},
            {"apiGroups": [""], "resources": ["services"], "verbs": verbs},
            {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses"], "verbs": verbs}
        ]}),
        Some(&ns),
    )
    .await?;
    apply(
        &admin,
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": DEPLOYER},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": DEPLOYER},
            "subjects": [{"kind": "ServiceAccount", "name": DEPLOYER, "namespace": ns}]}),
        Some(&ns),
    )
    .await?;

    // `kro operator` as the chart runs it: its ServiceAccount's token, leader election in its namespace.
    let operator_config = as_service_account(&admin, &release_ns, RELEASE).await?;
    let election = LeaderElection::new("kro-rs.kro.run", &release_ns, std::time::Duration::from_secs(15));
    let options = Options { concurrency: 4, leader_election: Some(election), ..Options::default() };
    let operator = Operator::start(operator_config.clone(), options).await?;
    wait_leading(&operator, "the operator to lead").await?;

    // Allowed: everything the account may create.
    apply(&admin, &rgd("imp-allowed", "AllowedApp", true, None), None).await?;
    wait_rgd_active(&admin, "imp-allowed").await?;
    apply(&admin, &instance("AllowedApp", "allowed"), Some(&ns)).await?;
    eventually("the Deployment", || get(&admin, "apps/v1", "Deployment", Some(&ns), "allowed")).await?;
    make_deployment_available(&admin, &ns, "allowed").await?;
    wait_state(&admin, "AllowedApp", &ns, "allowed", "ACTIVE").await?;
    assert!(get(&admin, "networking.k8s.io/v1", "Ingress", Some(&ns), "allowed-ingress").await?.is_some());

    // Denied: a ConfigMap the account may not create puts the instance in ERROR with the API server's words.
    let config_map = json!({"id": "settings", "template": {"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "${schema.spec.name}-settings"}, "data": {"name": "${schema.spec.name}"}}});
    apply(&admin, &rgd("imp-denied", "DeniedApp", true, Some(config_map.clone())), None).await?;
    wait_rgd_active(&admin, "imp-denied").await?;
    apply(&admin, &instance("DeniedApp", "denied"), Some(&ns)).await?;
    let denied = wait_state(&admin, "DeniedApp", &ns, "denied", "ERROR").await?;
    let said = messages(&denied);
    assert!(said.contains("forbidden") && said.contains(&format!("system:serviceaccount:{ns}:{DEPLOYER}")), "{said}");
    assert!(said.contains("configmaps"), "{said}");
    assert!(get(&admin, "v1", "ConfigMap", Some(&ns), "denied-settings").await?.is_none());

    // No account named: the operator's own rights, as in kro; in this mode it may only read children.
    apply(&admin, &rgd("imp-own", "OwnApp", false, None), None).await?;
    wait_rgd_active(&admin, "imp-own").await?;
    apply(&admin, &instance("OwnApp", "own"), Some(&ns)).await?;
    let own = wait_state(&admin, "OwnApp", &ns, "own", "ERROR").await?;
    let said = messages(&own);
    assert!(said.contains(&format!("system:serviceaccount:{release_ns}:{RELEASE}")), "{said}");
    assert!(get(&admin, "apps/v1", "Deployment", Some(&ns), "own").await?.is_none());

    // The operator may act as a ServiceAccount, and as nothing else.
    let as_operator = |impersonate: &str, groups: Option<Vec<String>>| {
        let mut config = operator_config.clone();
        config.auth_info.impersonate = Some(impersonate.to_string());
        config.auth_info.impersonate_groups = groups;
        Client::try_from(config)
    };
    let config_maps = |client: Client| Api::<ConfigMap>::namespaced(client, &ns);
    let listed = config_maps(as_operator(&format!("system:serviceaccount:{ns}:{DEPLOYER}"), None)?)
        .list(&ListParams::default())
        .await;
    // Impersonation was allowed: the request reached authorization as the deployer, which may not list these.
    assert!(matches!(&listed, Err(kube::Error::Api(s)) if s.code == 403 && s.message.contains(DEPLOYER)), "{listed:?}");
    let as_admin = config_maps(as_operator("admin", Some(vec!["system:masters".to_string()]))?);
    let refused = as_admin.list(&ListParams::default()).await;
    assert!(forbidden(&refused), "the operator impersonated a user: {refused:?}");
    assert!(matches!(&refused, Err(kube::Error::Api(s)) if s.message.contains("impersonate")), "{refused:?}");

    // Deleting an instance deletes its resources as the account too.
    kubectl(&["delete", "-n", &ns, "allowedapp", "allowed", "--wait=false"], None)?;
    let resources = [
        ("kro.run/v1alpha1", "AllowedApp", "allowed"),
        ("apps/v1", "Deployment", "allowed"),
        ("v1", "Service", "allowed-service"),
    ];
    wait_deleted(&admin, &ns, "the allowed instance and its children deleted", &resources).await?;
    operator.shutdown().await?;
    Ok(())
}
