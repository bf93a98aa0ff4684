//! Rule: `metadata.namespace` agrees with the scopes of the kind and of the instance.
//!
//! ## What it rejects
//! (`scope-namespace`)
//! - `metadata.namespace` on a cluster-scoped kind (a `Namespace`, a `ClusterRole`, ...), which has none;
//! - a namespaced resource of a cluster-scoped instance (`scope: Cluster`) without `metadata.namespace`, or
//!   with an empty one: there is no instance namespace to default to. An external collection (an
//!   `externalRef` with `metadata.selector`) is exempt: without a namespace it lists across all namespaces.
//!
//! ## Why
//! kro checks both before parsing expressions (`pkg/graph/validation.go`, `validateTemplateConstraints`, which
//! skips the second for `isExternalCollection`); the API server would refuse the first object, and kro could
//! not place the second.
//!
//! ## Example
//! ```yaml
//! schema:
//!   scope: Cluster
//! resources:
//!   - id: config
//!     template:
//!       apiVersion: v1
//!       kind: ConfigMap
//!       metadata:
//!         name: app-config      # namespaced, and the instance has no namespace to give it
//! ```
//!
//! The code is documented for users in `docs/diagnostics.md`.

use super::ResourceBody;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::kube::Scope;
use crate::rgd::BodyKind;

/// `instance_scope` is the scope of the API the RGD defines.
pub(in crate::graph) fn check(rb: &ResourceBody<'_, '_>, instance_scope: Scope, diags: &mut Diagnostics) {
    let (res, body, metadata, meta_path, scope) = (rb.res, rb.body, rb.metadata, &rb.meta_path, rb.scope);
    let namespace = metadata.and_then(|m| m.entry("namespace")).filter(|(_, v)| !v.is_null());
    let collection = matches!(body.kind, BodyKind::ExternalRef) && metadata.and_then(|m| m.get("selector")).is_some();
    match (scope, namespace) {
        (Some(Scope::Cluster), Some((key, _))) => diags.error(
            Code::ScopeNamespace,
            format!("resource {:?} is cluster-scoped and must not set metadata.namespace ({} has no namespace)", res.id, body.kind_name),
            &meta_path.key("namespace"),
            key.span,
        ),
        (Some(Scope::Namespaced), ns) if instance_scope == Scope::Cluster && !collection && ns.is_none_or(|(_, v)| v.as_str() == Some("")) => diags.push(
            Diagnostic::error(
                Code::ScopeNamespace,
                format!("resource {:?} is namespaced and must set metadata.namespace when the instance CRD is cluster-scoped", res.id),
                meta_path.key("namespace"),
                ns.map_or(body.kind_span, |(k, _)| k.span),
            )
            .with_help("a cluster-scoped instance has no namespace to default to; set e.g. namespace: ${schema.spec.namespace}"),
        ),
        _ => {}
    }
}
