//! The server's settings, from `initializationOptions` or `workspace/didChangeConfiguration` (`{"kro": {...}}`
//! or the object itself): CRD folders to load besides the workspace's, and kro's feature gates.

use kro_engine::Features;
use serde::Deserialize;
use serde_json::Value;

/// What a client can set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Settings {
    /// Folders of CRD files (absolute, `file://` URIs, or relative to the first workspace folder), loaded as
    /// `--crd` loads them.
    pub crd_folders: Vec<String>,
    /// kro's feature gates by kro's names (`CELOmitFunction`).
    pub feature_gates: FeatureGates,
}

/// kro's feature gates, as the CLI's `--feature-gates` names them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct FeatureGates {
    #[serde(rename = "CELOmitFunction")]
    pub cel_omit_function: bool,
}

impl Settings {
    /// Reads settings from a client's value; anything unreadable leaves the defaults (a typo in an editor's
    /// settings file must not stop the server).
    pub(crate) fn from_value(value: Option<&Value>) -> Settings {
        let Some(value) = value else { return Settings::default() };
        let value = value.get("kro").unwrap_or(value);
        serde_json::from_value(value.clone()).unwrap_or_default()
    }

    pub(crate) fn features(&self) -> Features {
        Features { omit: self.feature_gates.cel_omit_function }
    }
}
