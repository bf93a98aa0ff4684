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

impl RenderOptions {
    /// The plan options these ask for.
    pub fn plan_options(&self) -> Result<kro_engine::PlanOptions, String> {
        PlanOptions { now: self.now.clone(), kro_version: self.kro_version.clone(), events: Vec::new() }.read()
    }
}

/// A `Workspace`'s options.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkspaceOptions {
    #[serde(default)]
    pub feature_gates: FeatureGates,
    /// Warnings keep an RGD's graph and CRDs back, as `--deny-warnings` does.
    #[serde(default)]
    pub deny_warnings: bool,
}

/// The options of a `Workspace`'s `render` and `simulate`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanOptions {
    /// RFC 3339; a fixed epoch by default, as the CLI.
    #[serde(default)]
    pub now: Option<String>,
    /// The kro version written into labels (the package's version by default).
    #[serde(default)]
    pub kro_version: Option<String>,
    /// Simulations: what happens in the simulated cluster from a step on.
    #[serde(default)]
    pub events: Vec<SimulatedEvent>,
}

/// `{id, fromStep, effect: 'notReady' | 'failed', message?}`: a resource made not ready, or refused by the API
/// server, from a step of a simulation on.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SimulatedEvent {
    pub id: String,
    pub from_step: usize,
    pub effect: String,
    #[serde(default)]
    pub message: Option<String>,
}

impl PlanOptions {
    /// The engine's plan options, or why `now` cannot be read.
    pub fn read(self) -> Result<kro_engine::PlanOptions, String> {
        let mut options = kro_engine::PlanOptions::default();
        if let Some(now) = &self.now {
            options.now = chrono::DateTime::parse_from_rfc3339(now)
                .map_err(|_| format!("options.now {now:?} is not an RFC 3339 time such as 2025-01-01T00:00:00Z"))?
                .with_timezone(&chrono::Utc);
        }
        if let Some(version) = self.kro_version {
            options.kro_version = version;
        }
        for event in self.events {
            let effect = match (event.effect.as_str(), event.message) {
                ("notReady", _) => kro_engine::SimulatedEffect::NotReady,
                ("failed", message) => kro_engine::SimulatedEffect::Failed(
                    message.unwrap_or_else(|| "refused by the API server (in the simulation)".to_string()),
                ),
                (other, _) => return Err(format!("options.events: effect {other:?} is not one of notReady, failed")),
            };
            options.events.push(kro_engine::SimulatedEvent { id: event.id, from_step: event.from_step, effect });
        }
        Ok(options)
    }
}

/// What a `Workspace`'s `render` and `simulate` plan: documents by name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    pub rgd: String,
    pub instance: String,
    #[serde(default)]
    pub observed: Option<String>,
}

/// Reads options of type `T` from a JS value; `undefined` and `null` give the defaults.
pub fn read<T: Default + for<'de> Deserialize<'de>>(value: &Value, what: &str) -> Result<T, String> {
    if value.is_null() {
        return Ok(T::default());
    }
    serde_json::from_value(value.clone()).map_err(|e| format!("{what}: {e}"))
}
