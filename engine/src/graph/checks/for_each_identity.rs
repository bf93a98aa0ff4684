//! Rule: every forEach dimension shows in the identity of the objects it makes.
//!
//! ## What it rejects
//! A forEach resource whose template's `metadata.name` and `metadata.namespace` (the namespace only for a
//! namespaced kind) together do not read every iterator (`for-each-identity`).
//!
//! ## Why
//! Each combination of the dimensions makes one object; an iterator missing from the name and namespace
//! would give several of them the same identity, so they would overwrite each other. kro refuses it when it
//! builds the graph (`pkg/graph/builder.go`: "all forEach dimensions must be used to produce a unique
//! resource identity").
//!
//! ## Example
//! ```yaml
//! forEach:
//!   - region: ${schema.spec.regions}
//!   - tier: ${schema.spec.tiers}
//! template:
//!   metadata:
//!     name: ${schema.metadata.name}-${region}   # missing: [tier]
//! ```
//!
//! The code is documented for users in `docs/diagnostics.md`.

use std::collections::BTreeSet;

use super::ResourceBody;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::graph::model::{ExprSite, Role};
use crate::kube::Scope;
use crate::rgd::BodyKind;

pub(in crate::graph) fn check(rb: &ResourceBody<'_, '_>, sites: &[ExprSite], diags: &mut Diagnostics) {
    let (res, body, metadata, meta_path, scope) = (rb.res, rb.body, rb.metadata, &rb.meta_path, rb.scope);
    if !res.for_each.is_empty() && matches!(body.kind, BodyKind::Template) {
        let identity_paths = [meta_path.key("name"), meta_path.key("namespace")];
        let used: BTreeSet<&str> = rb
            .sites(sites, Role::Template)
            .filter(|s| {
                identity_paths.contains(&s.path) && !(s.path == identity_paths[1] && scope == Some(Scope::Cluster))
            })
            .flat_map(|s| s.references.iter().map(String::as_str))
            .collect();
        let missing: Vec<&str> = res.for_each.iter().map(|it| it.name.as_str()).filter(|n| !used.contains(n)).collect();
        if !missing.is_empty() {
            let at = metadata.and_then(|m| m.get("name")).map_or(body.kind_span, |n| n.span);
            diags.push(
                Diagnostic::error(
                    Code::ForEachIdentity,
                    format!(
                        "all forEach dimensions must be used to produce a unique resource identity, missing: [{}]",
                        missing.join(", ")
                    ),
                    meta_path.key("name"),
                    at,
                )
                .with_help(format!(
                    "use each iterator in metadata.name, e.g. name: ${{schema.metadata.name}}-${{{}}}",
                    missing[0]
                )),
            );
        }
    }
}
