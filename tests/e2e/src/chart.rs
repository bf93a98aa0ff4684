//! The Helm chart in tests: Helm itself (scripts/helm/install.sh builds it from its Go module on first use),
//! `helm template`, and the ClusterRole aggregation the test API server does not run (no controller manager).

use std::process::Command;
use std::sync::OnceLock;

use anyhow::{Result, bail};
use k8s_openapi::api::rbac::v1::ClusterRole;
use kube::api::{ListParams, Patch, PatchParams};
use kube::{Api, Client};
use serde_json::json;

use crate::repo_root;

/// The chart's folder in the repository.
pub const CHART: &str = "deploy/helm/kro-rs";

/// The label that aggregates a `ClusterRole` into the operator's rights on children.
pub const AGGREGATE: &str = "rbac.kro.run/aggregate-to-controller";

/// The helm binary (installed by scripts/helm/install.sh when missing).
#[allow(clippy::expect_used, reason = "a test helper: no Helm, no test")]
pub fn helm() -> &'static str {
    static HELM: OnceLock<String> = OnceLock::new();
    HELM.get_or_init(|| {
        let out = Command::new("bash")
            .arg(repo_root().join("scripts/helm/install.sh"))
            .output()
            .expect("run scripts/helm/install.sh");
        assert!(out.status.success(), "scripts/helm/install.sh failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    })
}

/// `helm template <release> deploy/helm/kro-rs --namespace <namespace> <args>`: the output, or Helm's error.
pub fn helm_template(release: &str, namespace: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(helm())
        .args(["template", release])
        .arg(repo_root().join(CHART))
        .args(["--namespace", namespace])
        .args(args)
        .output()?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// Plays the ClusterRole aggregation controller: `target` gets the rules of every ClusterRole labelled
/// [`AGGREGATE`].
pub async fn aggregate(client: &Client, target: &str) -> Result<()> {
    let cluster_roles: Api<ClusterRole> = Api::all(client.clone());
    let labelled = cluster_roles.list(&ListParams::default().labels(&format!("{AGGREGATE}=true"))).await?;
    let rules: Vec<_> = labelled.items.into_iter().flat_map(|r| r.rules.unwrap_or_default()).collect();
    cluster_roles.patch(target, &PatchParams::default(), &Patch::Merge(&json!({"rules": rules}))).await?;
    Ok(())
}

/// Whether the API server refused `result` as forbidden (403).
pub fn forbidden<T>(result: &Result<T, kube::Error>) -> bool {
    matches!(result, Err(kube::Error::Api(s)) if s.code == 403)
}
