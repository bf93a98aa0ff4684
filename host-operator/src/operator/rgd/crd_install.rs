//! Installing the CRD an RGD generates, as kro's CRD wrapper does: refuse a CRD kro-rs does not own or that
//! another RGD owns, refuse a breaking schema change unless the RGD allows it, server-side apply with the
//! ownership labels, and wait until the API server has established it.

use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kro_engine::labels;
use kube::api::{Patch, PatchParams};
use kube::runtime::wait::{await_condition, conditions};
use kube::{Api, Client};
use serde_json::{Value, json};

use super::super::FIELD_MANAGER;
use super::super::cluster_crds::CrdObject;

/// The RGD annotation that allows an incompatible schema change.
pub const ALLOW_BREAKING_CHANGES: &str = "kro.run/allow-breaking-changes";

/// Why the CRD could not be installed (`KindReady` False).
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// A CRD of that name exists and kro-rs does not own it, or another RGD does.
    #[error("{0}")]
    NotOwned(String),
    #[error("{0}")]
    Breaking(String),
    #[error("{0}")]
    NotEstablished(String),
    #[error(transparent)]
    Api(#[from] kube::Error),
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
    client: &Client,
    installed: Option<&CrdObject>,
    generated: &Value,
    owner: &Owner<'_>,
) -> Result<(), InstallError> {
    let name = generated.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_string();
    if let Some(installed) = installed {
        if installed.label(labels::OWNED) != Some("true") {
            return Err(InstallError::NotOwned(format!("CRD {name} exists and is not owned by kro")));
        }
        if let Some(other) = installed.label(labels::RGD_NAME).filter(|o| *o != owner.rgd_name) {
            return Err(InstallError::NotOwned(format!(
                "CRD {name} is owned by ResourceGraphDefinition {other}, not {}",
                owner.rgd_name
            )));
        }
        let changes = kro_engine::breaking_changes(&installed.to_json(), generated);
        if !changes.is_empty() && !owner.allow_breaking {
            let changes: Vec<String> = changes.iter().map(ToString::to_string).collect();
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
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.patch(&name, &PatchParams::apply(FIELD_MANAGER).force(), &Patch::Apply(&crd)).await?;
    wait_established(client, &name, Duration::from_secs(30)).await
}

/// Waits (on a watch of that one CRD) until its Established condition is True.
pub async fn wait_established(client: &Client, name: &str, timeout: Duration) -> Result<(), InstallError> {
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    match tokio::time::timeout(timeout, await_condition(crds, name, conditions::is_crd_established())).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(InstallError::NotEstablished(format!("CRD {name}: {e}"))),
        Err(_) => Err(InstallError::NotEstablished(format!("CRD {name} is not Established after {timeout:?}"))),
    }
}
