//! A resource's objects in one pass, before the walk records them: rendered from its template (every item of a
//! collection), stamped with kro's labels, checked against what the API server would refuse, and keyed.
//!
//! This is the part of a pass that costs (CEL, new JSON trees, the API server's rules), and it is pure: what it
//! gives depends only on the resource, the instance (`schema` and its identity), and the values its expressions
//! read. So a simulation keeps it from pass to pass for as long as those values stay the same ([`super::memo`]);
//! what the walk then does with it (claims, what is observed, readiness) is decided again in every pass.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::Value;

use super::identity::Owner;
use super::types::{Apply, PlanInput};
use super::{ObjectKey, lookup, refusals, render};
use crate::catalog::ResourceType;
use crate::diagnostics::Diagnostic;
use crate::expr::eval::{Bindings, EvalError};
use crate::expr::values::cel_type_name;
use crate::graph::Resource;

/// One object a resource renders, ready to apply, with its identity (which a simulation reads more than once
/// per pass). Shared, behind an `Arc`, by every pass that renders the object the same.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Keyed {
    pub apply: Apply,
    pub key: ObjectKey,
    /// Where its resource comes in the graph's topological order: with the wave and the collection index, its
    /// place in apply order.
    pub order: Option<usize>,
}

/// What rendering a resource gave.
#[derive(Debug)]
pub(super) enum Rendered {
    /// Its objects: one, or each item of a collection in collection order (none for an empty collection).
    Objects(Vec<Arc<Keyed>>),
    /// Why it has none.
    Failed(Failure),
}

/// Why a resource rendered no object.
#[derive(Debug)]
pub(super) enum Failure {
    /// An expression (at `what`) had no value yet, or failed.
    Unevaluated { what: String, error: EvalError },
    /// The API server would refuse an object (item `item` of a collection), for these findings.
    Refused { item: Option<usize>, diagnostics: Vec<Diagnostic> },
    /// The resource cannot be applied, for this reason.
    Error(String),
}

/// The objects of resource `index`, with `bindings` holding `schema` and every resource it reads.
pub(super) fn render(input: &PlanInput<'_>, owner: &Owner, index: usize, bindings: &mut Bindings<'_>) -> Rendered {
    if input.rgd.resources[index].for_each.is_empty() {
        single(input, owner, index, bindings)
    } else {
        collection(input, owner, index, bindings)
    }
}

fn single(input: &PlanInput<'_>, owner: &Owner, index: usize, bindings: &mut Bindings<'_>) -> Rendered {
    let object = match render_object(input, owner, index, bindings, &[], None) {
        Ok(object) => object,
        Err((path, error)) => {
            return Rendered::Failed(Failure::Unevaluated { what: format!("template {path}"), error });
        }
    };
    let refused = refusals::refused(input, index, &object);
    if !refused.is_empty() {
        return Rendered::Failed(Failure::Refused { item: None, diagnostics: refused });
    }
    Rendered::Objects(vec![object_of(input, index, None, object)])
}

fn collection(input: &PlanInput<'_>, owner: &Owner, index: usize, bindings: &mut Bindings<'_>) -> Rendered {
    let resource = &input.rgd.resources[index];
    let mut dimensions: Vec<(&str, Vec<Value>)> = Vec::new();
    for dimension in &resource.for_each {
        match render::render_string(input.rgd, &dimension.expression, input.evaluator, bindings, &[]) {
            Ok(Value::Array(items)) => dimensions.push((dimension.name.as_str(), items)),
            Ok(Value::Null) => dimensions.push((dimension.name.as_str(), Vec::new())),
            Ok(other) => {
                let message = format!("forEach {} must be a list, got {}", dimension.name, cel_type_name(&other));
                return Rendered::Failed(Failure::Error(message));
            }
            Err(error) => {
                let what = format!("forEach {}", dimension.name);
                return Rendered::Failed(Failure::Unevaluated { what, error });
            }
        }
    }
    let size = dimensions.iter().try_fold(1usize, |n, (_, items)| n.checked_mul(items.len()));
    let max = input.options.max_collection_size;
    let Some(size) = size.filter(|s| *s <= max) else {
        let message = format!("collection would have more than {max} items (--max-collection-size)");
        return Rendered::Failed(Failure::Error(message));
    };
    let mut objects = Vec::with_capacity(size);
    for position in 0..size {
        // The cartesian product in order: the last dimension varies fastest.
        let mut rest = position;
        let mut locals: Vec<(&str, &Value)> = vec![("", &Value::Null); dimensions.len()];
        for (d, (name, items)) in dimensions.iter().enumerate().rev() {
            locals[d] = (name, &items[rest % items.len()]);
            rest /= items.len();
        }
        match render_object(input, owner, index, bindings, &locals, Some((position, size))) {
            Ok(object) => {
                let refused = refusals::refused(input, index, &object);
                if !refused.is_empty() {
                    return Rendered::Failed(Failure::Refused { item: Some(position), diagnostics: refused });
                }
                objects.push(object_of(input, index, Some(position), object));
            }
            Err((path, error)) => {
                let what = format!("item {position}: {path}");
                return Rendered::Failed(Failure::Unevaluated { what, error });
            }
        }
    }
    let mut seen = BTreeSet::new();
    if let Some(duplicate) = objects.iter().map(|o| &o.key).find(|key| !seen.insert(*key)) {
        return Rendered::Failed(Failure::Error(format!("identity collision: duplicate identity: {duplicate}")));
    }
    Rendered::Objects(objects)
}

fn object_of(input: &PlanInput<'_>, index: usize, position: Option<usize>, object: Value) -> Arc<Keyed> {
    let rgd = input.rgd;
    let resource = &rgd.resources[index];
    let key = ObjectKey::of(&object);
    // The last resource of that id in the order, as a map from id to position would hold.
    let order = rgd.order.iter().rposition(|&i| rgd.resources[i].id == resource.id);
    let apply = Apply {
        id: resource.id.clone(),
        wave: resource.wave,
        index: position,
        object,
        resource_type: resource_type(input, resource),
    };
    Arc::new(Keyed { apply, key, order })
}

/// Where objects of the resource's kind are served: from the catalog, else from a CRD the RGD installs.
pub(super) fn resource_type(input: &PlanInput<'_>, resource: &Resource) -> Option<ResourceType> {
    let (api_version, kind) = (&resource.api_version, &resource.kind);
    input.catalog.resource_type(api_version, kind).or_else(|| input.rgd.installed_type(api_version, kind).cloned())
}

/// Renders the template of resource `index` and stamps it, defaulting the namespace of a namespaced kind.
fn render_object(
    input: &PlanInput<'_>,
    owner: &Owner,
    index: usize,
    bindings: &mut Bindings<'_>,
    locals: &[(&str, &Value)],
    item: Option<(usize, usize)>,
) -> Result<Value, (String, EvalError)> {
    let resource = &input.rgd.resources[index];
    let mut object = render::render(input.rgd, index, input.evaluator, bindings, locals)?;
    default_namespace(input, owner, resource, &mut object).map_err(|e| ("metadata.namespace".to_string(), e))?;
    owner.stamp(&mut object, &resource.id, resource.wave, item);
    Ok(object)
}

/// An empty namespace of a namespaced object becomes the instance's; under a cluster-scoped instance there is
/// none to take, and kro refuses it (`normalizeNamespaces`).
pub(super) fn default_namespace(
    input: &PlanInput<'_>,
    owner: &Owner,
    resource: &Resource,
    object: &mut Value,
) -> Result<(), EvalError> {
    if !lookup::namespaced(input.catalog, input.rgd, resource, &owner.namespace) {
        return Ok(());
    }
    let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) else { return Ok(()) };
    let empty = metadata.get("namespace").is_none_or(|n| n.as_str().is_none_or(str::is_empty));
    if !empty {
        return Ok(());
    }
    if owner.namespace.is_empty() {
        return Err(EvalError::failed(format!(
            "node {:?} is namespaced and must resolve metadata.namespace when the instance is cluster-scoped",
            resource.id
        )));
    }
    metadata.insert("namespace".to_string(), Value::String(owner.namespace.clone()));
    Ok(())
}
