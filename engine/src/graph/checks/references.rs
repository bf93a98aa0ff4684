//! Rule: expressions read only the names kro lets them read.
//!
//! ## What it rejects
//! - a name that is neither `schema`, a resource id, nor (in a template of a forEach resource) one of its
//!   iterators (`unknown-identifier`);
//! - a `readyWhen` reading anything but its own resource, or `each` for a collection (`ready-when-reference`);
//! - a template, externalRef, forEach or includeWhen reading its own resource (`self-reference`);
//! - a forEach dimension reading another iterator (`invalid-for-each`);
//! - `runtime` outside `status.conditions` (`unknown-identifier`).
//!
//! ## Why
//! kro resolves every identifier against the resources of the graph before it builds the DAG
//! (`pkg/graph/builder.go`); its DAG refuses an edge from a node to itself (`pkg/graph/dag/dag.go`: "self
//! references are not allowed"), and its forEach dimensions are evaluated independently
//! (`pkg/graph/validation.go`). A name kro cannot resolve would fail every reconcile.
//!
//! ## Example
//! ```yaml
//! resources:
//!   - id: service
//!     template:
//!       spec:
//!         selector: ${deploymnt.spec.selector.matchLabels}  # unknown-identifier: did you mean "deployment"?
//! ```
//!
//! Each code is documented for users in `docs/diagnostics.md`.

use std::collections::HashMap;

use crate::diagnostics::{Code, Diagnostic, Diagnostics, Segment, identifier_spans};
use crate::graph::model::{ExprSite, Role};
use crate::rgd::{Rgd, suggest};

/// kro's reference rules: which names each kind of expression may read. Returns whether the site follows
/// them (only then is it worth type checking).
pub(in crate::graph) fn check(
    site: &ExprSite,
    rgd: &Rgd<'_>,
    index_of: &HashMap<&str, usize>,
    ids: &[&str],
    diags: &mut Diagnostics,
) -> bool {
    let errors_before = diags.error_count();
    let owner = site.resource.map(|i| &rgd.resources[i]);
    let iterators: Vec<&str> =
        owner.map(|r| r.for_each.iter().map(|it| it.name.as_str()).collect()).unwrap_or_default();
    let mut unknown = Vec::new();
    for name in &site.references {
        let name = name.as_str();
        let is_resource = index_of.contains_key(name);
        let own = owner.is_some_and(|r| r.id == name);
        match site.role {
            Role::ReadyWhen => {
                let collection = owner.is_some_and(|r| !r.for_each.is_empty());
                let allowed = if collection { name == "each" } else { own };
                if !allowed {
                    let id = owner.map_or("", |r| r.id.as_str());
                    let expected = if collection {
                        "`each` (the item being checked)".to_string()
                    } else {
                        format!("`{id}` itself")
                    };
                    diags.error(
                        Code::ReadyWhenReference,
                        format!("resource {id:?} readyWhen: references unknown identifiers: [{name}]; readyWhen may only read {expected}"),
                        &site.path,
                        site.span,
                    );
                }
            }
            Role::Template if iterators.contains(&name) => {}
            _ if own && site.role.adds_edges() => {
                diags.push(
                    Diagnostic::error(
                        Code::SelfReference,
                        format!("resource {name:?} refers to itself in its {}: self references are not allowed", site.role.describe()),
                        site.path.clone(),
                        site.span,
                    )
                    .with_help("a resource cannot read its own fields before it exists; read the value from schema.spec instead"),
                );
            }
            Role::ForEach if iterators.contains(&name) => diags.error(
                Code::InvalidForEach,
                format!(
                    "forEach iterator {:?} cannot reference other iterators (it reads {name:?}): each dimension is computed on its own",
                    match site.path.segments().last() {
                        Some(Segment::Key(k)) => k.as_str(),
                        _ => "",
                    }
                ),
                &site.path,
                site.span,
            ),
            Role::Condition if name == "runtime" => {}
            _ if name == "runtime" => diags.push(
                Diagnostic::error(
                    Code::UnknownIdentifier,
                    format!(
                        "{}: runtime is only available in status.conditions expressions",
                        owner.map_or_else(
                            || site.role.describe().to_string(),
                            |r| format!("resource {:?} {}", r.id, site.role.describe())
                        )
                    ),
                    site.path.clone(),
                    site.span,
                )
                .with_help("runtime.newCondition and runtime.condition build the entries of schema.status.conditions"),
            ),
            _ if name == "schema" || is_resource => {}
            _ => unknown.push(name),
        }
    }
    if !unknown.is_empty() {
        let mut candidates: Vec<&str> = vec!["schema"];
        candidates.extend(ids.iter().copied());
        if site.role == Role::Template {
            candidates.extend(iterators.iter().copied());
        }
        let hints: Vec<String> =
            unknown.iter().filter_map(|u| suggest(u, &candidates).map(|s| format!("{s:?} instead of {u:?}"))).collect();
        let mut d = Diagnostic::error(
            Code::UnknownIdentifier,
            format!(
                "{}references unknown identifiers: [{}]; expressions may read `schema`{}",
                owner.map_or_else(
                    || format!("{}: ", site.role.describe()),
                    |r| format!("resource {:?} {}: ", r.id, site.role.describe())
                ),
                unknown.join(", "),
                if ids.is_empty() { String::new() } else { format!(" and the resources {}", ids.join(", ")) },
            ),
            site.path.clone(),
            site.span,
        );
        if !hints.is_empty() {
            d = d.with_help(format!("did you mean {}?", hints.join(", ")));
        }
        for (u, s) in unknown.iter().filter_map(|u| Some((u, suggest(u, &candidates)?))) {
            d = d.with_fix(identifier_spans(site.span, &site.expression, u), s);
        }
        diags.push(d);
    }
    diags.error_count() == errors_before
}
