//! Where an external reference's objects are: one object by name, or a list, in one namespace or in all of
//! them. The planner filters what it is given by these rules, and hosts read the cluster by them
//! ([`crate::Engine::external_lookup`]), so the two never disagree on what an external reference can see.
//!
//! kro's rules (`pkg/controller/instance/resources_external.go`): a reference by name (`External`) is looked
//! up in its namespace, or the instance's when it names none (`normalizeNamespaces`); a reference by selector
//! (`ExternalCollection`) is listed in its namespace, or **across all namespaces** when it names none
//! (`processExternalCollectionNode`: "an empty namespace means list across all namespaces rather than falling
//! back to the instance namespace"). A cluster-scoped kind has no namespace either way.

use serde_json::Value;

use crate::catalog::Catalog;
use crate::graph::{CompiledRgd, Resource};
use crate::kube::Scope;

/// How a host reads what an external reference stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalLookup {
    /// The object's name, when the reference names one literally: GET it. `None`: LIST the kind (a selector, or
    /// a name computed by an expression), and the planner picks what the reference selects from the list.
    pub name: Option<String>,
    /// The namespace to read in; `None`: across all namespaces (a selector naming no namespace, a namespace
    /// computed by an expression, or a cluster-scoped kind).
    pub namespace: Option<String>,
    /// Whether the reference is a collection (`metadata.selector`): its value is the list of matching objects.
    pub collection: bool,
}

/// Whether objects of `resource`'s kind live in a namespace: from the catalog or the CRDs the RGD installs;
/// a kind known to neither is taken to be scoped like the instance.
pub(crate) fn namespaced(catalog: &Catalog, rgd: &CompiledRgd, resource: &Resource, instance_namespace: &str) -> bool {
    let group = resource.api_version.rsplit_once('/').map_or("", |(g, _)| g);
    catalog
        .scope(group, &resource.kind)
        .or_else(|| rgd.installed_type(&resource.api_version, &resource.kind).map(|t| scope_of(t.namespaced)))
        .map_or(!instance_namespace.is_empty(), |s| s == Scope::Namespaced)
}

fn scope_of(namespaced: bool) -> Scope {
    if namespaced { Scope::Namespaced } else { Scope::Cluster }
}

/// Whether an external reference (its template or its rendered form) selects by label: a collection.
pub(crate) fn is_collection(reference: &Value) -> bool {
    reference.pointer("/metadata/selector").is_some_and(|s| !s.is_null())
}

/// The namespace a rendered external collection lists in: its own, or all of them (`None`).
pub(crate) fn collection_namespace(reference: &Value, namespaced: bool) -> Option<String> {
    let own = reference.pointer("/metadata/namespace").and_then(Value::as_str).filter(|n| !n.is_empty());
    own.filter(|_| namespaced).map(str::to_string)
}

/// How to read `resource` (an external reference) for an instance in `instance_namespace` (empty for a
/// cluster-scoped instance); `None` for a resource the RGD creates.
pub(crate) fn external_lookup(
    catalog: &Catalog,
    rgd: &CompiledRgd,
    resource: &Resource,
    instance_namespace: &str,
) -> Option<ExternalLookup> {
    if !resource.external {
        return None;
    }
    let template = &resource.template;
    let literal = |pointer: &str| template.pointer(pointer).and_then(Value::as_str).filter(|s| !s.contains("${"));
    let written = template.pointer("/metadata/namespace").and_then(Value::as_str).filter(|n| !n.is_empty());
    let collection = is_collection(template);
    let namespace = if namespaced(catalog, rgd, resource, instance_namespace) {
        match (written, literal("/metadata/namespace")) {
            // Computed: only the rendered reference knows it; the planner filters a list of all namespaces.
            (Some(_), None) => None,
            (Some(_), Some(own)) => Some(own.to_string()),
            (None, _) if collection => None,
            (None, _) => Some(instance_namespace.to_string()).filter(|n| !n.is_empty()),
        }
    } else {
        None
    };
    let name = if collection { None } else { literal("/metadata/name").filter(|n| !n.is_empty()).map(str::to_string) };
    Some(ExternalLookup { name, namespace, collection })
}
