//! `x-kubernetes-validations`: CEL rules with `self` bound to the field's value, evaluated in kro's CEL
//! environment by the engine's [`Evaluator`] (bounded parsing and a cost budget, as for every expression). A
//! rule that reads `oldSelf` is a transition rule: like the API server, it runs only when there is an old value
//! for the field (an update, and the old object holds the field, correlated by name, map key or list-map key),
//! and is skipped otherwise.

use std::sync::OnceLock;

use serde_json::Value;

use super::{Finding, FindingKind, InstancePath};
use crate::diagnostics::Severity;
use crate::expr::eval::{Bindings, EvalLimits, Evaluator};
use crate::expr::values::cel_type_name;

/// One evaluator for every rule: its cache keeps each rule compiled once per process.
fn evaluator() -> Option<&'static Evaluator> {
    static EVALUATOR: OnceLock<Option<Evaluator>> = OnceLock::new();
    EVALUATOR.get_or_init(|| Evaluator::new(EvalLimits::default()).ok()).as_ref()
}

/// `Invalid value: ` and the value, as the API server words a failed rule (checked against kube-apiserver
/// 1.37): a scalar is shown (`Invalid value: "x": `, `Invalid value: 2: `), an object or a list is not
/// (`Invalid value: failed rule: ...`).
fn invalid_value(value: &Value) -> String {
    match value {
        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => format!("Invalid value: {value}: "),
        Value::Array(_) | Value::Object(_) => "Invalid value: ".to_string(),
    }
}

/// Evaluates the rules of `schema` on `value`, then those below it.
pub(super) fn check_rules(
    value: &Value,
    old: Option<&Value>,
    schema: &Value,
    path: &InstancePath,
    out: &mut Vec<Finding>,
) {
    if let Some(rules) = schema.get("x-kubernetes-validations").and_then(Value::as_array) {
        for rule in rules {
            evaluate(rule, value, old, path, out);
        }
    }
    match value {
        Value::Object(map) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            for (k, v) in map {
                let old_v = old.and_then(|o| o.get(k));
                if let Some(prop) = properties.and_then(|p| p.get(k)) {
                    check_rules(v, old_v, prop, &path.field(k), out);
                } else if let Some(item) = additional {
                    check_rules(v, old_v, item, &path.key(k), out);
                }
            }
        }
        Value::Array(items) => {
            let Some(item_schema) = schema.get("items") else {
                return;
            };
            let map_keys: Option<Vec<&str>> =
                (schema.get("x-kubernetes-list-type").and_then(Value::as_str) == Some("map")).then(|| {
                    schema
                        .get("x-kubernetes-list-map-keys")
                        .and_then(Value::as_array)
                        .map(|k| k.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default()
                });
            let old_items = old.and_then(Value::as_array);
            for (i, item) in items.iter().enumerate() {
                // Only the items of a map list correlate with old items (by their keys).
                let old_item = match (&map_keys, old_items) {
                    (Some(keys), Some(olds)) => {
                        olds.iter().find(|o| keys.iter().all(|k| o.get(k).is_some() && o.get(k) == item.get(k)))
                    }
                    _ => None,
                };
                check_rules(item, old_item, item_schema, &path.index(i), out);
            }
        }
        _ => {}
    }
}

fn evaluate(rule: &Value, value: &Value, old: Option<&Value>, path: &InstancePath, out: &mut Vec<Finding>) {
    let Some(text) = rule.get("rule").and_then(Value::as_str) else {
        return;
    };
    let invalid = invalid_value(value);
    let push = |out: &mut Vec<Finding>, kind, body: String| {
        out.push(Finding {
            severity: Severity::Error,
            kind,
            path: path.clone(),
            message: format!("{path}: {body}"),
            span: None,
        });
    };
    let Some(evaluator) = evaluator() else {
        push(out, FindingKind::RuleError, "Internal error: the CEL environment could not be built".to_string());
        return;
    };
    let program = match evaluator.compile(text) {
        Ok(program) => program,
        Err(e) => {
            push(out, FindingKind::RuleError, format!("{invalid}compilation failed: {text}: {e}"));
            return;
        }
    };
    let transition = program.references().iter().any(|r| r == "oldSelf");
    if transition && old.is_none() {
        return;
    }
    let mut bindings = Bindings::new(evaluator);
    bindings.bind("self", value);
    if let Some(old) = old {
        bindings.bind("oldSelf", old);
    }
    match bindings.evaluate(&program, &[]) {
        Ok(Value::Bool(true)) => {}
        Ok(Value::Bool(false)) => {
            let message = message_of(rule, evaluator, &mut bindings).unwrap_or_else(|| format!("failed rule: {text}"));
            push(out, FindingKind::RuleFailed, format!("{invalid}{message}"));
        }
        Ok(other) => push(
            out,
            FindingKind::RuleError,
            format!("{invalid}rule {text:?} must evaluate to a bool, got {}", cel_type_name(&other)),
        ),
        Err(e) => push(out, FindingKind::RuleError, format!("{invalid}{e} evaluating rule: {text}")),
    }
}

/// The rule's `messageExpression` result when it evaluates to a non-empty string, else its `message`.
fn message_of(rule: &Value, evaluator: &Evaluator, bindings: &mut Bindings<'_>) -> Option<String> {
    let from_expression = rule
        .get("messageExpression")
        .and_then(Value::as_str)
        .and_then(|m| evaluator.compile(m).ok())
        .and_then(|p| bindings.evaluate(&p, &[]).ok())
        .and_then(|v| v.as_str().map(str::to_string))
        .filter(|m| !m.trim().is_empty());
    from_expression.or_else(|| rule.get("message").and_then(Value::as_str).map(str::to_string))
}
