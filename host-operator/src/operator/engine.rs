//! The one place the operator calls the engine ([`kro_engine::Engine`]): compile an RGD as the API server
//! returns it, the RGD's status, plan an instance's reconcile, and where a kind is served. Nothing here decides
//! what to apply, when, whether a CRD change breaks stored instances, or what a status says: the engine does.

use std::sync::Arc;

use chrono::Utc;
use kro_engine::{
    Catalog, Code, CompiledDocument, CompiledRgd, EngineOptions, Features, HostConditions, Plan, PlanOptions, Severity,
};
use serde_json::Value;

/// What the engine made of an RGD object.
#[derive(Debug)]
pub struct Compiled {
    pub document: CompiledDocument,
    /// Present when the RGD has no error.
    pub rgd: Option<Arc<CompiledRgd>>,
}

/// The engine with what it knows of the cluster: the built-in kinds, every CRD, and the feature gates.
#[derive(Debug, Clone)]
pub struct Engine {
    inner: kro_engine::Engine,
}

impl Engine {
    /// An engine knowing the built-in kinds and `crds` (CRD objects as JSON).
    pub fn new(features: Features, crds: impl IntoIterator<Item = Value>) -> Result<Self, String> {
        let mut inner = kro_engine::Engine::new(EngineOptions { features, ..EngineOptions::default() })
            .map_err(|e| e.to_string())?;
        let catalog: &mut Catalog = inner.catalog_mut();
        for crd in crds {
            catalog.add_crd_json(&crd);
        }
        Ok(Engine { inner })
    }

    /// Compiles an RGD as the API server returns it, as JSON: its diagnostics name the path inside the RGD
    /// (`spec.resources[1].template.metadata.name`), which is where a user finds the problem in
    /// `kubectl get rgd -o yaml` or in their file. On a cluster a kind that is neither built in nor a CRD is an
    /// error, as in kro (offline it is a warning).
    pub fn compile(&self, rgd_object: &Value) -> Compiled {
        let mut document = self.inner.compile_json(rgd_object);
        for d in &mut document.diagnostics {
            if d.code == Code::UnknownKind {
                d.severity = Severity::Error;
            }
        }
        if document.diagnostics.iter().any(kro_engine::Diagnostic::is_error) {
            document.rgd = None;
        }
        let rgd = document.rgd.clone().map(Arc::new);
        Compiled { document, rgd }
    }

    /// kro's RGD status (`state`, `topologicalOrder`, `resources`, conditions) as JSON, from the compile result
    /// and what the operator knows of the CRD and the instance controller.
    pub fn rgd_status(
        &self,
        compiled: &Compiled,
        kind_ready: Option<Result<(), String>>,
        controller_ready: Option<Result<(), String>>,
        generation: i64,
        previous: Option<Value>,
    ) -> Value {
        let host = HostConditions { kind_ready, controller_ready, generation, now: Utc::now(), previous };
        serde_json::to_value(self.inner.rgd_status(&compiled.document, &host)).unwrap_or(Value::Null)
    }

    /// The plan for one reconcile of `instance` given what is `observed`.
    pub fn plan(&self, rgd: &CompiledRgd, instance: &Value, observed: &[Value], options: &PlanOptions) -> Plan {
        self.inner.plan(rgd, instance, observed, options)
    }

    /// Where objects of `kind` are served, when the catalog knows (built-in kinds, the cluster's CRDs).
    pub fn resource_type(&self, api_version: &str, kind: &str) -> Option<kro_engine::ResourceType> {
        self.inner.resource_type(api_version, kind)
    }
}

/// The changes from the `installed` CRD to the `generated` one that would break stored instances, each as
/// `path: message`; empty when the update is safe (kro's compat rules, in the engine).
pub fn breaking_changes(installed: &Value, generated: &Value) -> Vec<String> {
    kro_engine::breaking_changes(installed, generated).iter().map(ToString::to_string).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_rgd_using_a_kind_the_cluster_does_not_have_is_an_error_with_its_location() {
        let engine = Engine::new(Features::default(), []).unwrap();
        let rgd = json!({"apiVersion": "kro.run/v1alpha1", "kind": "ResourceGraphDefinition", "metadata": {"name": "x"}, "spec": {"schema": {"apiVersion": "v1alpha1", "kind": "X", "spec": {"name": "string"}},
            "resources": [{"id": "w", "template": {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "${schema.spec.name}"}}}]}});
        let compiled = engine.compile(&rgd);
        assert!(compiled.rgd.is_none());
        let status = engine.rgd_status(&compiled, None, None, 1, None);
        assert_eq!(status["state"], "Inactive");
        let message = status["conditions"][0]["message"].as_str().unwrap();
        assert!(message.contains("Widget") && message.contains("spec.resources[0].template"), "{message}");
    }
}
