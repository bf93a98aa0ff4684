//! The options objects the JS API takes, read from plain JS objects. Unknown keys are rejected, so a typo
//! (`featuregates`) is an error rather than a silently ignored option.

use kro_engine::Features;
use serde::Deserialize;
use serde_json::Value;

/// `validate`, `crd`, `graph` and the editor services: which CRDs resources may use, and kro's feature gates.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckOptions {
    /// CRD YAML (or JSON) texts, each possibly with several documents.
    #[serde(default)]
    pub crds: Vec<String>,
    #[serde(default)]
    pub feature_gates: FeatureGates,
    /// Warnings make the input invalid (`valid: false`), as `--deny-warnings` does for the CLI's exit code.
    #[serde(default)]
    pub deny_warnings: bool,
}

/// kro's feature gates by kro's names, e.g. `{CELOmitFunction: true}`.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureGates {
    #[serde(rename = "CELOmitFunction", default)]
    pub cel_omit_function: bool,
}

impl FeatureGates {
    pub fn features(self) -> Features {
        Features { omit: self.cel_omit_function }
    }
}

/// `render` and `simulate`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RenderOptions {
    /// Objects as the cluster has them: a multi-document YAML text or an array of objects.
    #[serde(default)]
    pub observed: Option<Value>,
    /// RFC 3339; a fixed epoch by default, as the CLI.
    #[serde(default)]
    pub now: Option<String>,
    /// The kro version written into labels (the package's version by default).
    #[serde(default)]
    pub kro_version: Option<String>,
    #[serde(default)]
    pub crds: Vec<String>,
    #[serde(default)]
    pub feature_gates: FeatureGates,
}

/// Reads options of type `T` from a JS value; `undefined` and `null` give the defaults.
pub fn read<T: Default + for<'de> Deserialize<'de>>(value: &Value, what: &str) -> Result<T, String> {
    if value.is_null() {
        return Ok(T::default());
    }
    serde_json::from_value(value.clone()).map_err(|e| format!("{what}: {e}"))
}
