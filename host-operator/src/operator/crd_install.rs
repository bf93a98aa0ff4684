//! Installing the CRD an RGD generates, as kro's CRD wrapper does: refuse a CRD kro-rs does not own or that
//! another RGD owns, refuse a breaking schema change unless the RGD allows it, server-side apply with the
//! ownership labels, and wait until the API server has established it.

use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kro_engine::labels;
use kube::Api;
use kube::api::{Patch, PatchParams};
use serde_json::{Value, json};

use super::{FIELD_MANAGER, engine};

/// The RGD annotation that allows an incompatible schema change.
pub const ALLOW_BREAKING_CHANGES: &str = "kro.run/allow-breaking-changes";

/// Why the CRD could not be installed (`KindReady` False).
#[derive(Debug)]
pub enum InstallError {
    /// A CRD of that name exists and kro-rs does not own it, or another RGD does.
    NotOwned(String),
    Breaking(String),
    NotEstablished(String),
    Api(kube::Error),
}

impl std::error::Error for InstallError {}

impl std::fmt::Display for InstallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InstallError::NotOwned(m) | InstallError::Breaking(m) | InstallError::NotEstablished(m) => f.write_str(m),
            InstallError::Api(e) => write!(f, "{e}"),
        }
    }
}

/// Who the generated CRD belongs to.
#[derive(Debug)]
pub struct Owner<'a> {
    pub rgd_name: &'a str,
    pub rgd_uid: &'a str,
    pub allow_breaking: bool,
    pub kro_version: &'a str,
}

/// Applies `generated` (the engine's CRD) unless `installed` forbids it, then waits for Established.
pub async fn ensure(
    crds: &Api<CustomResourceDefinition>,
    installed: Option<&CustomResourceDefinition>,
    generated: &Value,
    owner: &Owner<'_>,
) -> Result<(), InstallError> {
    let name = generated.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_string();
    if let Some(installed) = installed {
        let labels = installed.metadata.labels.clone().unwrap_or_default();
        if labels.get(labels::OWNED).map(String::as_str) != Some("true") {
            return Err(InstallError::NotOwned(format!("CRD {name} exists and is not owned by kro")));
        }
        if let Some(other) = labels.get(labels::RGD_NAME).filter(|o| o.as_str() != owner.rgd_name) {
            return Err(InstallError::NotOwned(format!(
                "CRD {name} is owned by ResourceGraphDefinition {other}, not {}",
                owner.rgd_name
            )));
        }
        let installed_json = serde_json::to_value(installed).unwrap_or_default();
        let changes = engine::breaking_changes(&installed_json, generated);
        if !changes.is_empty() && !owner.allow_breaking {
            return Err(InstallError::Breaking(format!(
                "breaking changes to CRD {name}: {}; set the RGD annotation {ALLOW_BREAKING_CHANGES}: \"true\" to apply them",
                changes.join(", ")
            )));
        }
    }
    let mut crd = generated.clone();
    if let Some(metadata) = crd.get_mut("metadata").and_then(Value::as_object_mut) {
        let labels = metadata.entry("labels").or_insert_with(|| json!({}));
        if let Some(labels) = labels.as_object_mut() {
            labels.insert(labels::OWNED.to_string(), json!("true"));
            labels.insert(labels::KRO_VERSION.to_string(), json!(owner.kro_version));
            labels.insert(labels::RGD_NAME.to_string(), json!(owner.rgd_name));
            labels.insert(labels::RGD_ID.to_string(), json!(owner.rgd_uid));
        }
    }
    crds.patch(&name, &PatchParams::apply(FIELD_MANAGER).force(), &Patch::Apply(&crd))
        .await
        .map_err(InstallError::Api)?;
    wait_established(crds, &name, Duration::from_secs(30)).await
}

/// Polls the CRD every 150 ms (kro's interval) until its Established condition is True.
pub async fn wait_established(
    crds: &Api<CustomResourceDefinition>,
    name: &str,
    timeout: Duration,
) -> Result<(), InstallError> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let crd = crds.get(name).await.map_err(InstallError::Api)?;
        let established = crd
            .status
            .and_then(|s| s.conditions)
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True");
        if established {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err(InstallError::NotEstablished(format!("CRD {name} is not Established after {timeout:?}")));
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}
