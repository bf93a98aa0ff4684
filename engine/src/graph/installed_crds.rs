//! kro-rs extension (kro issues #330, #1243): an RGD that installs a `CustomResourceDefinition` and uses the
//! kind it defines. The CRD template's kind joins the catalog the RGD is built with (so the other resources'
//! templates and expressions are checked against its schema, for the versions it serves), every resource of
//! that kind depends on the CRD (an implicit edge: no expression reads the CRD), and the CRD is ready once the
//! API server reports it `Established`, unless its own `readyWhen` says otherwise.
//!
//! kro itself resolves every kind against the live API server before the RGD's CRD exists, so such an RGD
//! fails there. See `docs/decisions/0012-parity-with-real-world-rgds.md`.

use serde_json::Value;

use crate::catalog::{Catalog, ResourceType};
use crate::rgd::{BodyKind, Rgd};

/// The group of `CustomResourceDefinition`.
const APIEXTENSIONS: &str = "apiextensions.k8s.io";

/// The readiness of a CRD a resource installs when it has no `readyWhen`: its `Established` condition is true.
pub(crate) fn established(id: &str) -> String {
    format!("${{{id}.status.conditions.exists(c, c.type == \"Established\" && c.status == \"True\")}}")
}

/// A CRD template of the RGD: its resource's position and the `(group, kind)` it defines.
#[derive(Debug, Clone)]
pub(crate) struct InstalledCrd {
    pub position: usize,
    pub group: String,
    pub kind: String,
    pub template: Value,
}

/// The CRD templates of `rgd` whose group and kind are literal (an expression there is an error of its own).
pub(crate) fn installed_crds(rgd: &Rgd<'_>) -> Vec<InstalledCrd> {
    rgd.resources
        .iter()
        .enumerate()
        .filter_map(|(position, res)| {
            let body = res.body.as_ref()?;
            let is_crd = matches!(body.kind, BodyKind::Template)
                && body.group_version().0 == APIEXTENSIONS
                && body.kind_name == "CustomResourceDefinition";
            if !is_crd || !body.well_formed {
                return None;
            }
            let spec = body.node.get("spec")?;
            let group = spec.get("group")?.as_str()?;
            let kind = spec.get("names")?.get("kind")?.as_str()?;
            if group.contains("${") || kind.contains("${") {
                return None;
            }
            Some(InstalledCrd {
                position,
                group: group.to_string(),
                kind: kind.to_string(),
                template: served_only(body.node.to_json()),
            })
        })
        .collect()
}

/// The CRD without the versions it declares `served: false`: the API server serves no object at those.
fn served_only(mut crd: Value) -> Value {
    if let Some(versions) = crd.pointer_mut("/spec/versions").and_then(Value::as_array_mut) {
        versions.retain(|v| v.get("served").and_then(Value::as_bool) != Some(false));
    }
    crd
}

/// `catalog` with the kinds the RGD's CRD templates define (they shadow a kind the catalog already had).
pub(crate) fn with_installed_kinds(catalog: &Catalog, installed: &[InstalledCrd]) -> Option<Catalog> {
    if installed.is_empty() {
        return None;
    }
    let mut own = catalog.clone();
    for crd in installed {
        own.add_crd_json(&crd.template);
    }
    Some(own)
}

/// Where the API server will serve each installed kind, one entry per served version: what a host needs to
/// reach the custom resources (the catalog a host runs with does not know the kind before the CRD exists).
pub(crate) fn resource_types(installed: &[InstalledCrd]) -> Vec<ResourceType> {
    let mut types = Vec::new();
    for crd in installed {
        let spec = crd.template.get("spec");
        let text = |pointer: &str| spec.and_then(|s| s.pointer(pointer)).and_then(Value::as_str);
        let plural = text("/names/plural").map_or_else(|| crate::kube::plural_of(&crd.kind), str::to_string);
        let namespaced = text("/scope") != Some("Cluster");
        for (version, _) in crate::kube::version_schemas(&crd.template) {
            types.push(ResourceType {
                group: crd.group.clone(),
                version: version.to_string(),
                kind: crd.kind.clone(),
                plural: plural.clone(),
                namespaced,
            });
        }
    }
    types
}

/// The implicit edges: each resource (template or externalRef) of a kind an installed CRD defines depends on
/// that CRD's resource, as `(dependent, crd)` positions.
pub(crate) fn implicit_edges(rgd: &Rgd<'_>, installed: &[InstalledCrd]) -> Vec<(usize, usize)> {
    let mut edges = Vec::new();
    for (position, res) in rgd.resources.iter().enumerate() {
        let Some(body) = res.body.as_ref() else { continue };
        let (group, _) = body.group_version();
        for crd in installed.iter().filter(|c| c.position != position) {
            if crd.group == group && crd.kind == body.kind_name {
                edges.push((position, crd.position));
            }
        }
    }
    edges
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a failure should stop loudly
mod tests {
    use crate::{Engine, EngineOptions};

    const RGD: &str = "apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: installs
spec:
  schema:
    apiVersion: v1alpha1
    kind: Installs
  resources:
    - id: definition
      template:
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.example.com
        spec:
          group: example.com
          scope: Namespaced
          names: {kind: Widget, plural: widgets}
          versions:
            - {name: v1, served: false, storage: false, schema: {openAPIV3Schema: {type: object}}}
            - name: v2
              served: true
              storage: true
              schema:
                openAPIV3Schema:
                  type: object
                  properties:
                    spec: {type: object, properties: {size: {type: integer}}}
    - id: widget
      template:
        apiVersion: example.com/VERSION
        kind: Widget
        metadata:
          name: w
        spec:
          size: 1
";

    fn codes(version: &str) -> Vec<String> {
        let engine = Engine::new(EngineOptions::default()).unwrap();
        let docs = engine.compile_text(&RGD.replace("VERSION", version));
        docs[0].diagnostics.iter().map(|d| d.code.as_str().to_string()).collect()
    }

    #[test]
    fn a_resource_of_an_installed_kind_is_checked_at_the_versions_the_crd_serves() {
        assert!(codes("v2").is_empty(), "{:?}", codes("v2"));
        // v1 is declared but not served: the kind is known, the version is not.
        assert_eq!(codes("v1"), ["unknown-kind"]);
    }

    #[test]
    fn hosts_learn_where_an_installed_kind_will_be_served() {
        let engine = Engine::new(EngineOptions::default()).unwrap();
        let docs = engine.compile_text(&RGD.replace("VERSION", "v2"));
        let rgd = docs[0].rgd.as_ref().unwrap();
        let widget = rgd.installed_type("example.com/v2", "Widget").unwrap();
        assert_eq!((widget.plural.as_str(), widget.namespaced), ("widgets", true));
        assert!(rgd.installed_type("example.com/v1", "Widget").is_none(), "v1 is not served");
        assert!(engine.watched_types(rgd).contains(widget));
        let instance = serde_json::json!({
            "apiVersion": "kro.run/v1alpha1", "kind": "Installs",
            "metadata": {"name": "i", "namespace": "default"}, "spec": {}
        });
        let instance = engine.instance_from_json(rgd, &instance).unwrap();
        let options = crate::PlanOptions { assume_ready_without_status: true, ..crate::PlanOptions::default() };
        let simulation = engine.simulate(rgd, &instance, &[], &options);
        let last = &simulation.steps.last().unwrap().plan;
        let applied = last.resources.iter().find(|a| a.id == "widget").unwrap();
        assert_eq!(applied.resource_type.as_ref(), Some(widget));
    }
}
