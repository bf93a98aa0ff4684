//! The one place the operator calls the engine: compile an RGD as the API server returns it, plan an
//! instance's reconcile, and the RGD status and CRD compatibility the engine is getting (issue [host-api]).
//! Until `kro_engine::Engine` lands on main these wrap today's free functions, so switching is a change to this
//! file alone. Nothing here decides what to apply, when, or what a status says: the engine does.

use std::sync::Arc;

use kro_engine::expr::eval::{EvalLimits, Evaluator};
use kro_engine::expr::library::Features;
use kro_engine::plan::{self, Plan, PlanInput, PlanOptions};
use kro_engine::{Catalog, Code, CompiledRgd, Diagnostic, InputLimits, compile};
use serde_json::{Value, json};

use super::rgd_types::{Condition, Dependency, ResourceGraphDefinitionStatus, ResourceStatus};

/// What the engine made of an RGD object.
#[derive(Debug)]
pub struct Compiled {
    /// Present when the RGD has no error.
    pub rgd: Option<Arc<CompiledRgd>>,
    /// Errors, each as `message (at path, line L, column C)` of the YAML the RGD's spec reads as.
    pub errors: Vec<String>,
}

/// The engine with what it knows of the cluster: the kinds it may use, and the feature gates.
#[derive(Debug)]
pub struct Engine {
    pub catalog: Catalog,
    pub evaluator: Evaluator,
}

impl Engine {
    pub fn new(catalog: Catalog, features: Features) -> Result<Self, String> {
        let evaluator = Evaluator::with_features(EvalLimits::default(), features).map_err(|e| e.message)?;
        Ok(Engine { catalog: catalog.with_features(features), evaluator })
    }

    /// Compiles an RGD as the API server stores it. Its spec is written out as YAML (the `kubectl get -o yaml`
    /// shape, without the server's metadata) so diagnostics carry a line and column a user can find. On a
    /// cluster a kind that is neither built in nor a CRD is an error, as in kro (offline it is a warning).
    pub fn compile(&self, rgd_object: &Value) -> Compiled {
        let document = json!({
            "apiVersion": "kro.run/v1alpha1",
            "kind": "ResourceGraphDefinition",
            "metadata": {"name": rgd_object.pointer("/metadata/name").cloned().unwrap_or(Value::Null)},
            "spec": rgd_object.get("spec").cloned().unwrap_or(Value::Null),
        });
        let text = kro_engine::yaml::to_yaml(&document);
        let docs = compile(&text, &self.catalog, &InputLimits::default());
        let mut errors = Vec::new();
        let mut rgd = None;
        for doc in docs {
            let fatal: Vec<&Diagnostic> =
                doc.diagnostics.iter().filter(|d| d.is_error() || d.code == Code::UnknownKind).collect();
            errors.extend(fatal.iter().map(|d| describe(d)));
            if fatal.is_empty() {
                rgd = doc.rgd.map(Arc::new);
            }
        }
        Compiled { rgd, errors }
    }

    /// The plan for one reconcile of `instance` given what is `observed`.
    pub fn plan(&self, rgd: &CompiledRgd, instance: &Value, observed: &[Value], options: &PlanOptions) -> Plan {
        let input = PlanInput { rgd, catalog: &self.catalog, evaluator: &self.evaluator, instance, observed, options };
        plan::plan(&input)
    }
}

fn describe(d: &Diagnostic) -> String {
    format!("{} (at {}, line {}, column {})", d.message, d.path, d.span.start.line, d.span.start.column)
}

/// kro's RGD status for a compiled RGD (issue [host-api] moves this into the engine as `rgd_status`):
/// `topologicalOrder`, and `resources` listing only the resources that have dependencies.
pub fn graph_status(rgd: &CompiledRgd) -> ResourceGraphDefinitionStatus {
    let topological_order = rgd.order.iter().map(|&i| rgd.resources[i].id.clone()).collect();
    let resources = rgd
        .order
        .iter()
        .map(|&i| &rgd.resources[i])
        .filter(|r| !r.depends_on.is_empty())
        .map(|r| ResourceStatus {
            id: r.id.clone(),
            dependencies: r.depends_on.iter().map(|d| Dependency { id: d.clone() }).collect(),
        })
        .collect();
    ResourceGraphDefinitionStatus { state: None, topological_order, resources, conditions: Vec::new() }
}

/// One condition of kro's RGD condition set (section 5 of its semantics).
pub fn condition(type_: &str, status: &str, reason: &str, message: &str, generation: Option<i64>) -> Condition {
    Condition {
        type_: type_.to_string(),
        status: status.to_string(),
        reason: Some(reason.to_string()),
        message: Some(message.to_string()),
        last_transition_time: None,
        observed_generation: generation,
    }
}

/// Schema changes of a CRD that would break stored instances: a version no longer served, a property
/// removed, or its type changed. (The engine's `crd_compat::breaking_changes` replaces this; issue [host-api].)
pub fn breaking_changes(installed: &Value, generated: &Value) -> Vec<String> {
    let mut changes = Vec::new();
    let versions = |crd: &Value| -> Vec<(String, Value)> {
        crd.pointer("/spec/versions")
            .and_then(Value::as_array)
            .map(|vs| {
                vs.iter()
                    .filter_map(|v| {
                        let name = v.get("name")?.as_str()?.to_string();
                        Some((name, v.pointer("/schema/openAPIV3Schema").cloned().unwrap_or(Value::Null)))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let new_versions = versions(generated);
    for (name, old_schema) in versions(installed) {
        match new_versions.iter().find(|(n, _)| *n == name) {
            None => changes.push(format!("version {name} removed")),
            Some((_, new_schema)) => compare(&old_schema, new_schema, &name, &mut changes),
        }
    }
    changes
}

fn compare(old: &Value, new: &Value, path: &str, changes: &mut Vec<String>) {
    let old_type = old.get("type").and_then(Value::as_str);
    let new_type = new.get("type").and_then(Value::as_str);
    if old_type.is_some() && new_type.is_some() && old_type != new_type {
        changes.push(format!("{path}: type changed from {} to {}", old_type.unwrap_or(""), new_type.unwrap_or("")));
        return;
    }
    if let Some(old_props) = old.get("properties").and_then(Value::as_object) {
        let new_props = new.get("properties").and_then(Value::as_object);
        for (key, old_child) in old_props {
            match new_props.and_then(|p| p.get(key)) {
                None if new.get("x-kubernetes-preserve-unknown-fields") != Some(&Value::Bool(true)) => {
                    changes.push(format!("{path}.{key}: property removed"));
                }
                None => {}
                Some(new_child) => compare(old_child, new_child, &format!("{path}.{key}"), changes),
            }
        }
    }
    if let (Some(old_items), Some(new_items)) = (old.get("items"), new.get("items")) {
        compare(old_items, new_items, &format!("{path}[]"), changes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crd(props: &Value) -> Value {
        json!({"spec": {"versions": [{"name": "v1alpha1", "schema": {"openAPIV3Schema": {
            "type": "object", "properties": {"spec": {"type": "object", "properties": props}}}}}]}})
    }

    #[test]
    fn adding_a_field_is_compatible_and_removing_or_retyping_one_is_not() {
        let old = crd(&json!({"name": {"type": "string"}}));
        let added = crd(&json!({"name": {"type": "string"}, "image": {"type": "string"}}));
        assert!(breaking_changes(&old, &added).is_empty());
        let removed = crd(&json!({"image": {"type": "string"}}));
        assert_eq!(breaking_changes(&old, &removed), vec!["v1alpha1.spec.name: property removed"]);
        let retyped = crd(&json!({"name": {"type": "integer"}}));
        assert_eq!(breaking_changes(&old, &retyped), vec!["v1alpha1.spec.name: type changed from string to integer"]);
    }

    #[test]
    fn an_rgd_using_a_kind_the_cluster_does_not_have_is_an_error_with_its_location() {
        let engine = Engine::new(Catalog::builtin(), Features::default()).unwrap();
        let rgd = json!({"metadata": {"name": "x"}, "spec": {"schema": {"apiVersion": "v1alpha1", "kind": "X", "spec": {"name": "string"}},
            "resources": [{"id": "w", "template": {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "${schema.spec.name}"}}}]}});
        let compiled = engine.compile(&rgd);
        assert!(compiled.rgd.is_none());
        assert_eq!(compiled.errors.len(), 1, "{:?}", compiled.errors);
        assert!(compiled.errors[0].contains("line "), "{:?}", compiled.errors);
    }
}
