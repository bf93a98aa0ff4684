//! Rule: custom conditions are well formed and their types are unambiguous.
//!
//! ## What it rejects
//! - a `runtime.newCondition(...)` call whose map literal breaks kro's macro rules or holds a literal value kro
//!   refuses (`invalid-condition`);
//! - one literal condition type declared by two `status.conditions` entries (`duplicate-condition-type`);
//! - `runtime.condition(schema, 'X')` naming anything but one of kro's built-in condition types, including
//!   another custom condition (`unknown-condition-type`).
//!
//! ## Why
//! kro checks these when it builds the graph (`pkg/graph/conditions.go`, and the macro in
//! `pkg/graph/parser/conditions.go`): a condition type must belong to one entry for its status to be
//! well defined, and custom conditions are computed together, so one cannot read another.
//!
//! ## Example
//! ```yaml
//! status:
//!   conditions:
//!     - ${runtime.newCondition({type: 'Ready', state: 'True'})}   # invalid-condition: unknown key "state"
//! ```
//!
//! Each code is documented for users in `docs/diagnostics.md`.

use std::collections::HashMap;

use crate::diagnostics::{Code, Diagnostic, Diagnostics, string_spans};
use crate::expr::check::{ConditionCalls, condition_calls};
use crate::expr::library::runtime::BUILTIN_CONDITION_TYPES;
use crate::graph::model::{ExprSite, Role};
use crate::rgd::suggest;

/// kro's build-time rules for custom conditions (`pkg/graph/conditions.go`): well-formed
/// `runtime.newCondition` calls with valid literal values, no literal type declared by two entries, and
/// `runtime.condition(schema, 'X')` naming one of kro's built-in types. Returns, for each site, whether it
/// follows them (sites other than conditions always do).
pub(in crate::graph) fn check(sites: &[ExprSite], diags: &mut Diagnostics) -> Vec<bool> {
    let mut ok = vec![true; sites.len()];
    let inspected: Vec<Option<ConditionCalls>> = sites
        .iter()
        .map(|s| (s.role == Role::Condition).then(|| s.parsed.as_deref().map(condition_calls)).flatten())
        .collect();
    // The entry (position in status.conditions) that first declares each literal type.
    let mut declared: HashMap<&str, &ExprSite> = HashMap::new();
    for (i, (site, calls)) in sites.iter().zip(&inspected).enumerate() {
        let Some(calls) = calls else { continue };
        for error in &calls.errors {
            diags.push(
                Diagnostic::error(
                    Code::InvalidCondition,
                    format!("{error} in expression {:?}", site.expression),
                    site.path.clone(),
                    site.span,
                )
                .with_help(
                    "runtime.newCondition takes a map literal with bare keys: type and status (True, False or Unknown) \
                     required, reason and message optional, e.g. runtime.newCondition({type: 'Ready', status: 'True'})",
                ),
            );
            ok[i] = false;
        }
        let mut own: Vec<&str> = calls.declared_types.iter().map(String::as_str).collect();
        own.sort_unstable();
        own.dedup();
        for kind in own {
            match declared.get(kind) {
                Some(first) => {
                    diags.push(
                        Diagnostic::error(
                            Code::DuplicateConditionType,
                            format!(
                                "condition type {kind:?} is declared by more than one conditions entry (first at {})",
                                first.path
                            ),
                            site.path.clone(),
                            site.span,
                        )
                        .with_help("each condition type belongs to one entry; a type may repeat within one entry, e.g. in both branches of a conditional"),
                    );
                    ok[i] = false;
                }
                None => {
                    declared.insert(kind, site);
                }
            }
        }
    }
    for (i, (site, calls)) in sites.iter().zip(&inspected).enumerate() {
        let Some(calls) = calls else { continue };
        for kind in &calls.schema_lookups {
            if BUILTIN_CONDITION_TYPES.contains(&kind.as_str()) {
                continue;
            }
            let d = if declared.contains_key(kind.as_str()) {
                Diagnostic::error(
                    Code::UnknownConditionType,
                    format!(
                        "runtime.condition(schema, {kind:?}): custom conditions cannot reference each other in expression {:?}",
                        site.expression
                    ),
                    site.path.clone(),
                    site.span,
                )
                .with_help("compute the condition again from the resources it depends on")
            } else {
                let d = Diagnostic::error(
                    Code::UnknownConditionType,
                    format!(
                        "runtime.condition(schema, {kind:?}): unknown condition type; only kro's built-in types ({}) can be read from schema in expression {:?}",
                        BUILTIN_CONDITION_TYPES.join(", "),
                        site.expression
                    ),
                    site.path.clone(),
                    site.span,
                );
                match suggest(kind, &BUILTIN_CONDITION_TYPES) {
                    Some(s) => d
                        .with_help(format!("did you mean {s:?}?"))
                        .with_fix(string_spans(site.span, &site.expression, kind), s),
                    None => d,
                }
            };
            diags.push(d);
            ok[i] = false;
        }
    }
    ok
}
