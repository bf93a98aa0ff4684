//! Build-time inspection of the calls an expression makes, on its syntax alone (no types): whether it calls
//! `omit()`, and kro's rules for the custom conditions' `runtime.newCondition({...})` and
//! `runtime.condition(obj, 'Type')` (kro's `pkg/graph/conditions.go` and the `newCondition` macro).

use cel::common::ast::{CallExpr, EntryExpr, Expr, IdedExpr, LiteralValue};

use crate::expr::Parsed;
use crate::expr::library::runtime::{CONDITION_STATUSES, is_runtime, new_condition_keys};

/// Calls `visit` on every call of `e`, outermost first.
fn visit_calls<'a>(e: &'a IdedExpr, visit: &mut impl FnMut(&'a CallExpr)) {
    match &e.expr {
        Expr::Call(call) => {
            visit(call);
            if let Some(target) = &call.target {
                visit_calls(target, visit);
            }
            call.args.iter().for_each(|a| visit_calls(a, visit));
        }
        Expr::Select(select) => visit_calls(&select.operand, visit),
        Expr::Comprehension(c) => {
            for part in [&c.iter_range, &c.accu_init, &c.loop_cond, &c.loop_step, &c.result] {
                visit_calls(part, visit);
            }
        }
        Expr::List(list) => list.elements.iter().for_each(|el| visit_calls(el, visit)),
        Expr::Map(map) => {
            for entry in &map.entries {
                if let EntryExpr::MapEntry(m) = &entry.expr {
                    visit_calls(&m.key, visit);
                    visit_calls(&m.value, visit);
                }
            }
        }
        Expr::Struct(st) => {
            for entry in &st.entries {
                if let EntryExpr::StructField(f) = &entry.expr {
                    visit_calls(&f.value, visit);
                }
            }
        }
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// Whether the expression calls kro's `omit()` (kro's `UsesOmit`).
pub(crate) fn uses_omit(parsed: &Parsed) -> bool {
    let mut found = false;
    visit_calls(parsed.ast(), &mut |call| found |= call.func_name == "omit" && call.target.is_none());
    found
}

/// What a `status.conditions` expression says through its `runtime` calls, as far as literals tell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ConditionCalls {
    /// Broken `runtime.newCondition` calls, in kro's words: the macro's key rules (`'status' is required`, ...)
    /// and literal values kro rejects (`status must be one of True, False, Unknown (got "Yes")`).
    pub errors: Vec<String>,
    /// The literal `type`s of its `runtime.newCondition` calls, in order (a type may repeat, e.g. in the two
    /// branches of a conditional).
    pub declared_types: Vec<String>,
    /// The literal types it reads with `runtime.condition(schema, '...')`.
    pub schema_lookups: Vec<String>,
}

/// Inspects the `runtime` calls of a condition expression.
pub(crate) fn condition_calls(parsed: &Parsed) -> ConditionCalls {
    let mut out = ConditionCalls::default();
    visit_calls(parsed.ast(), &mut |call| {
        if !call.target.as_deref().is_some_and(is_runtime) {
            return;
        }
        match (call.func_name.as_str(), call.args.as_slice()) {
            ("newCondition", [arg]) => {
                if let Err((_, message)) = new_condition_keys(arg) {
                    out.errors.push(message);
                    return;
                }
                if let Some(status) = literal_entry(arg, "status")
                    && !CONDITION_STATUSES.contains(&status)
                {
                    out.errors.push(format!(
                        "runtime.newCondition: status must be one of True, False, Unknown (got {status:?})"
                    ));
                }
                match literal_entry(arg, "type") {
                    Some("") => out.errors.push("runtime.newCondition: type must not be empty".to_string()),
                    Some(kind) => out.declared_types.push(kind.to_string()),
                    None => {}
                }
            }
            ("condition", [IdedExpr { expr: Expr::Ident(obj), .. }, kind]) if obj == "schema" => {
                if let Some(kind) = literal_string(kind) {
                    out.schema_lookups.push(kind.to_string());
                }
            }
            _ => {}
        }
    });
    out
}

fn literal_string(e: &IdedExpr) -> Option<&str> {
    match &e.expr {
        Expr::Literal(LiteralValue::String(s)) => Some(s.inner()),
        _ => None,
    }
}

/// The literal string value of the entry `key` (a bare identifier) of a `runtime.newCondition` map literal.
fn literal_entry<'a>(map: &'a IdedExpr, key: &str) -> Option<&'a str> {
    let Expr::Map(map) = &map.expr else { return None };
    map.entries.iter().find_map(|entry| match &entry.expr {
        EntryExpr::MapEntry(m) if matches!(&m.key.expr, Expr::Ident(k) if k == key) => literal_string(&m.value),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;
    use crate::expr::parse_cel;

    fn calls(expression: &str) -> ConditionCalls {
        condition_calls(&parse_cel(expression).unwrap())
    }

    #[test]
    fn omit_calls_are_found_anywhere_but_a_method_named_omit_is_not_one() {
        let uses = |e: &str| uses_omit(&parse_cel(e).unwrap());
        assert!(uses("omit()"));
        assert!(uses("schema.spec.x == '' ? omit() : schema.spec.x"));
        assert!(uses("[1].map(x, x > 0 ? x : omit())"));
        assert!(uses("{'a': omit()}"));
        assert!(!uses("schema.spec.omit"));
        assert!(!uses("x.omit()"));
        assert!(!uses("'omit()'"));
    }

    #[test]
    fn literal_condition_types_and_schema_lookups_are_collected() {
        let found = calls(
            "runtime.condition(schema, 'Ready').status == 'True' ? \
             runtime.newCondition({type: 'Serving', status: 'True'}) : \
             runtime.newCondition({type: 'Serving', status: 'False', reason: 'NotReady'})",
        );
        assert_eq!(
            found,
            ConditionCalls {
                errors: vec![],
                declared_types: vec!["Serving".into(), "Serving".into()],
                schema_lookups: vec!["Ready".into()]
            }
        );
        let computed = calls("runtime.newCondition({type: schema.spec.kind, status: deployment.status.phase})");
        assert_eq!(computed, ConditionCalls::default(), "computed values are checked when they run");
        assert_eq!(calls("runtime.condition(deployment, 'Available')"), ConditionCalls::default());
    }

    #[test]
    fn broken_new_condition_calls_are_reported_in_kros_words() {
        for (expression, message) in [
            ("runtime.newCondition(schema.spec.c)", "runtime.newCondition: argument must be a map literal"),
            ("runtime.newCondition({type: 'A'})", "runtime.newCondition: 'status' is required"),
            ("runtime.newCondition({status: 'True'})", "runtime.newCondition: 'type' is required"),
            (
                "runtime.newCondition({type: 'A', status: 'True', why: 'x'})",
                "runtime.newCondition: unknown key \"why\" (allowed: type, status, reason, message)",
            ),
            (
                "runtime.newCondition({type: 'A', status: 'Yes'})",
                "runtime.newCondition: status must be one of True, False, Unknown (got \"Yes\")",
            ),
            ("runtime.newCondition({type: '', status: 'True'})", "runtime.newCondition: type must not be empty"),
        ] {
            assert_eq!(calls(expression).errors, vec![message.to_string()], "{expression}");
        }
    }
}

#[cfg(test)]
mod reference_tests {
    use crate::expr::parse_cel;

    fn vars(src: &str) -> Vec<String> {
        parse_cel(src).unwrap().variables().into_iter().collect()
    }

    #[test]
    fn new_condition_keys_are_field_names_not_variables() {
        assert_eq!(vars("runtime.newCondition({type: 'A', status: 'True'})"), vec!["runtime"]);
        assert_eq!(
            vars(
                "runtime.newCondition({type: 'A', status: deployment.status.phase, reason: schema.spec.r, message: m})"
            ),
            vec!["deployment", "m", "runtime", "schema"]
        );
        assert_eq!(vars("runtime.condition(schema, 'Ready')"), vec!["runtime", "schema"]);
        assert_eq!(vars("x.newCondition({type: 'A'})"), vec!["type", "x"], "only runtime's newCondition is the macro");
    }
}
