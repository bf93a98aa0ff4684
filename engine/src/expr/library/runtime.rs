//! kro's custom status conditions (`pkg/cel/library/runtime.go`): the functions of the `runtime` variable, which
//! only the expressions of an RGD's `status.conditions` see.
//!
//! - `runtime.newCondition({type: 'Ready', status: 'True', reason: 'AllGood', message: '...'})`: a condition.
//!   kro makes it a parse-time macro: the argument must be a map literal whose keys are bare identifiers among
//!   `type`, `status`, `reason` and `message`, each at most once, `type` and `status` required; the macro
//!   ([`expand`]) rewrites those keys into strings. The values must be strings when it runs; `type` must not be
//!   empty and `status` must be `True`, `False` or `Unknown`.
//! - `runtime.condition(obj, 'Ready')`: the entry of `obj.status.conditions` of that type.
//!
//! A condition is kro's `kro.run.Condition` (the checker's [`condition_type`](crate::expr::check::condition_type));
//! here it is a CEL map with the four keys `type`, `status`, `reason` and `message`, all strings (`reason` and
//! `message` empty when not given), so `cond.status` reads as in kro.
//!
//! The functions are registered under their qualified names (`runtime.newCondition`, `runtime.condition`), and
//! a call spelled `runtime.f(...)` calls them whatever `runtime` is bound to: the variable is never read. The
//! planner may bind `runtime` to anything (an empty map is the natural choice) or leave it unbound; only an
//! expression reading `runtime` itself (not calling its functions) needs the binding.

use std::collections::HashMap;

use cel::common::ast::{CallExpr, EntryExpr, Expr, IdedExpr, LiteralValue};
use cel::common::types::{CelList, CelMap, CelMapKey, CelString};
use cel::common::value::{CowVal, Val};
use cel::parser::{Macro, MacroExprHelper, ParseError};
use cel::{DeclarationError, Env, ExecutionError};

use super::declare::{Family, Overload};
use super::{fail, str_arg, take};

/// The variable whose functions these are.
pub(crate) const RUNTIME: &str = "runtime";

/// The keys of a condition, in kro's order.
pub(crate) const CONDITION_KEYS: [&str; 4] = ["type", "status", "reason", "message"];

/// The statuses a condition may have (`metav1.ConditionStatus`).
pub(crate) const CONDITION_STATUSES: [&str; 3] = ["True", "False", "Unknown"];

/// kro's own instance conditions, which `runtime.condition(schema, ...)` may read.
pub(crate) const BUILTIN_CONDITION_TYPES: [&str; 4] = ["Ready", "InstanceManaged", "GraphResolved", "ResourcesReady"];

const NEW_CONDITION: &str = "runtime.newCondition";
const CONDITION: &str = "runtime.condition";

/// The checker types `runtime.newCondition(...)` and `runtime.condition(...)` itself (they exist only where
/// `runtime` is declared), so their overloads are unchecked, and `runtime` is no function namespace: it is the
/// variable `status.conditions` expressions read.
pub(super) static FAMILY: Family = Family {
    name: "runtime",
    overloads: &[
        Overload::unchecked(
            &["runtime.newCondition(map(string, dyn)) -> map(string, string)"],
            "runtime_new_condition_map",
            new_condition,
        ),
        Overload::unchecked(&["runtime.condition(dyn, string) -> dyn"], "runtime_condition_dyn_string", condition),
    ],
    install: Some(install),
    docs: &[
        (
            "runtime.newCondition",
            "kro, in custom conditions: a condition from `type`, `status`, `reason` and `message`.",
        ),
        ("runtime.condition", "kro, in custom conditions: the condition of the object with that type, if any."),
    ],
    ..Family::EMPTY
};

fn install(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_macro(Macro::receiver("newCondition", 1, expand))
}

/// Whether `e` is `runtime` (the receiver of the condition functions).
pub(crate) fn is_runtime(e: &IdedExpr) -> bool {
    matches!(&e.expr, Expr::Ident(name) if name == RUNTIME)
}

/// kro's macro rules for the argument of `runtime.newCondition`: the keys it names, each with the id of its key
/// expression, or the id of the offending expression and kro's message.
pub(crate) fn new_condition_keys(arg: &IdedExpr) -> Result<Vec<(String, u64)>, (u64, String)> {
    let Expr::Map(map) = &arg.expr else {
        return Err((arg.id, "runtime.newCondition: argument must be a map literal".to_string()));
    };
    let mut keys: Vec<(String, u64)> = Vec::with_capacity(map.entries.len());
    for entry in &map.entries {
        let EntryExpr::MapEntry(entry) = &entry.expr else {
            return Err((entry.id, "runtime.newCondition: argument must be a map literal".to_string()));
        };
        let Expr::Ident(name) = &entry.key.expr else {
            return Err((
                entry.key.id,
                "runtime.newCondition: keys must be bare identifiers (type, status, reason, message); quoted or \
                 computed keys are not allowed"
                    .to_string(),
            ));
        };
        if !CONDITION_KEYS.contains(&name.as_str()) {
            return Err((
                entry.key.id,
                format!("runtime.newCondition: unknown key {name:?} (allowed: type, status, reason, message)"),
            ));
        }
        if keys.iter().any(|(k, _)| k == name) {
            return Err((entry.key.id, format!("runtime.newCondition: duplicate key {name:?}")));
        }
        keys.push((name.clone(), entry.key.id));
    }
    for required in ["type", "status"] {
        if !keys.iter().any(|(k, _)| k == required) {
            return Err((arg.id, format!("runtime.newCondition: '{required}' is required")));
        }
    }
    Ok(keys)
}

/// The `runtime.newCondition` macro: checks the argument (see [`new_condition_keys`]) and turns its bare
/// identifier keys into string literals, leaving the call otherwise as written. `x.newCondition(...)` on anything
/// but `runtime` is an ordinary call.
fn expand(
    helper: &mut MacroExprHelper<'_>,
    target: &mut Option<IdedExpr>,
    args: &mut Vec<IdedExpr>,
) -> Result<Option<IdedExpr>, ParseError> {
    if !target.as_ref().is_some_and(is_runtime) {
        return Ok(None);
    }
    let Some(arg) = args.first() else { return Ok(None) };
    new_condition_keys(arg).map_err(|(id, message)| helper.new_error(id, message))?;
    let mut arg = args.remove(0);
    if let Expr::Map(map) = &mut arg.expr {
        for entry in &mut map.entries {
            if let EntryExpr::MapEntry(entry) = &mut entry.expr
                && let Expr::Ident(name) = &entry.key.expr
            {
                let key = LiteralValue::String(name.clone().into());
                entry.key = helper.next_expr(Expr::Literal(key));
                entry.optional = false;
            }
        }
    }
    let call = CallExpr { func_name: "newCondition".to_string(), target: target.take().map(Box::new), args: vec![arg] };
    Ok(Some(helper.next_expr(Expr::Call(call))))
}

/// A condition value: a map of the four keys.
fn condition_map<'v>(fields: [String; 4]) -> CelMap<'v> {
    let entries: HashMap<CelMapKey<'v>, Box<dyn Val + 'v>> = CONDITION_KEYS
        .iter()
        .zip(fields)
        .map(|(k, v)| (CelMapKey::from(*k), Box::new(CelString::from(v)) as Box<dyn Val + 'v>))
        .collect();
    CelMap::from(entries)
}

/// `runtime.newCondition(map)`: the values the macro let through, checked as kro does when it runs.
fn new_condition<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [map] = take(args)?;
    let Some(map) = map.downcast_ref::<CelMap>() else {
        return Err(fail(
            NEW_CONDITION,
            format!("runtime.newCondition: argument must be a map, got {}", map.get_type().name()),
        ));
    };
    let mut fields: [Option<String>; 4] = Default::default();
    for (key, value) in map.inner() {
        let key = key.inner().downcast_ref::<CelString>().map(CelString::inner).unwrap_or_default();
        let Some(slot) = CONDITION_KEYS.iter().position(|k| *k == key) else {
            return Err(fail(NEW_CONDITION, format!("runtime.newCondition: unknown key {key:?}")));
        };
        let Some(text) = value.downcast_ref::<CelString>() else {
            return Err(fail(
                NEW_CONDITION,
                format!("runtime.newCondition: {key} must be a string, got {}", value.get_type().name()),
            ));
        };
        fields[slot] = Some(text.inner().to_string());
    }
    let [Some(kind), Some(status), reason, message] = fields else {
        return Err(fail(NEW_CONDITION, "runtime.newCondition: 'type' and 'status' are required"));
    };
    if kind.is_empty() {
        return Err(fail(NEW_CONDITION, "runtime.newCondition: type must not be empty"));
    }
    if !CONDITION_STATUSES.contains(&status.as_str()) {
        return Err(fail(
            NEW_CONDITION,
            format!("runtime.newCondition: status must be one of True, False, Unknown (got {status:?})"),
        ));
    }
    Ok(CowVal::owned(condition_map([kind, status, reason.unwrap_or_default(), message.unwrap_or_default()])))
}

/// `runtime.condition(obj, type)`: the entry of `obj.status.conditions` whose `type` is `type`.
///
/// As in kro (`conditionImpl`), an object without `status`, or a `status` without `conditions`, has no
/// conditions, and when no entry has the type the result is an empty condition: all four fields `""` (not
/// `status: "Unknown"`), so `runtime.condition(schema, 'Ready').status == 'True'` is simply false. An entry's
/// field that is absent or not a string reads as `""`. A `status` that is not an object, `conditions` that is
/// not a list, or an entry that is not an object is an error.
fn condition<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [obj, wanted] = take(args)?;
    let wanted = str_arg(CONDITION, wanted.as_ref())?;
    let Some(obj) = obj.downcast_ref::<CelMap>() else {
        return Err(fail(
            CONDITION,
            format!("runtime.condition: obj must be an object, got {}", obj.get_type().name()),
        ));
    };
    let empty = || CowVal::owned(condition_map(Default::default()));
    let Some(status) = obj.inner().get(&CelMapKey::from("status")) else { return Ok(empty()) };
    let Some(status) = status.downcast_ref::<CelMap>() else {
        return Err(fail(CONDITION, "runtime.condition: obj.status must be an object"));
    };
    let Some(conditions) = status.inner().get(&CelMapKey::from("conditions")) else { return Ok(empty()) };
    let Some(conditions) = conditions.downcast_ref::<CelList>() else {
        return Err(fail(CONDITION, "runtime.condition: obj.status.conditions must be a list"));
    };
    for entry in conditions.inner() {
        let Some(entry) = entry.downcast_ref::<CelMap>() else {
            return Err(fail(
                CONDITION,
                format!("runtime.condition: unexpected condition element type {}", entry.get_type().name()),
            ));
        };
        let read = |key: &str| {
            entry
                .inner()
                .get(&CelMapKey::from(key))
                .and_then(|v| v.downcast_ref::<CelString>())
                .map_or_else(String::new, |s| s.inner().to_string())
        };
        if read("type") == wanted {
            return Ok(CowVal::owned(condition_map(CONDITION_KEYS.map(read))));
        }
    }
    Ok(empty())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use cel::{Context, Env, ExecutionError, Value};
    use pretty_assertions::assert_eq;

    use super::super::{Features, kro_env_with};
    use crate::expr::values::into_cel;

    fn env() -> Arc<Env> {
        Arc::new(kro_env_with(Features::default()).unwrap())
    }

    /// Evaluates `expr` with `runtime` bound to an empty map and `obj` to `obj` (JSON).
    fn eval(expr: &str, obj: &serde_json::Value) -> Result<Value, ExecutionError> {
        let env = env();
        let program = env.compile(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
        let mut context = Context::with_env(env);
        context.add_variable_as_val("runtime", into_cel(serde_json::json!({})));
        context.add_variable_as_val("obj", into_cel(obj.clone()));
        program.execute(&context)
    }

    fn is_true(expr: &str, obj: &serde_json::Value) {
        assert_eq!(eval(expr, obj), Ok(Value::Bool(true)), "{expr}");
    }

    fn error(expr: &str, obj: &serde_json::Value) -> String {
        match eval(expr, obj) {
            Err(ExecutionError::FunctionError { message, .. }) => message,
            other => panic!("{expr}: expected a function error, got {other:?}"),
        }
    }

    fn parse_error(expr: &str) -> String {
        env().compile(expr).map(|_| ()).unwrap_err().to_string()
    }

    fn none() -> serde_json::Value {
        serde_json::json!({})
    }

    #[test]
    fn new_condition_makes_a_map_of_the_four_fields() {
        is_true(
            "runtime.newCondition({type: 'Ready', status: 'True', reason: 'Up', message: 'all good'}) == \
             {'type': 'Ready', 'status': 'True', 'reason': 'Up', 'message': 'all good'}",
            &none(),
        );
        is_true(
            "runtime.newCondition({status: 'False', type: 'Db'}) == \
             {'type': 'Db', 'status': 'False', 'reason': '', 'message': ''}",
            &none(),
        );
        is_true("runtime.newCondition({type: 'A', status: 1 > 0 ? 'True' : 'False'}).status == 'True'", &none());
    }

    #[test]
    fn new_condition_values_are_checked_when_it_runs() {
        assert_eq!(
            error("runtime.newCondition({type: 'A', status: 'Yes'})", &none()),
            "runtime.newCondition: status must be one of True, False, Unknown (got \"Yes\")"
        );
        assert_eq!(
            error("runtime.newCondition({type: '', status: 'True'})", &none()),
            "runtime.newCondition: type must not be empty"
        );
        assert_eq!(
            error("runtime.newCondition({type: 'A', status: 'True', reason: 3})", &none()),
            "runtime.newCondition: reason must be a string, got int"
        );
    }

    #[test]
    fn the_new_condition_macro_applies_kros_key_rules() {
        for (expr, message) in [
            ("runtime.newCondition(obj)", "argument must be a map literal"),
            ("runtime.newCondition({'type': 'A', status: 'True'})", "keys must be bare identifiers"),
            ("runtime.newCondition({type: 'A', status: 'True', kind: 'x'})", "unknown key \"kind\""),
            ("runtime.newCondition({type: 'A', status: 'True', type: 'B'})", "duplicate key \"type\""),
            ("runtime.newCondition({status: 'True'})", "'type' is required"),
            ("runtime.newCondition({type: 'A'})", "'status' is required"),
        ] {
            let error = parse_error(expr);
            assert!(error.contains(&format!("runtime.newCondition: {message}")), "{expr}: {error}");
        }
    }

    #[test]
    fn new_condition_on_another_receiver_is_an_ordinary_call() {
        let program = env().compile("x.newCondition({type: 'A'})").unwrap();
        assert!(program.references().has_variable("type"), "keys stay identifiers");
    }

    #[test]
    fn condition_reads_the_entry_of_that_type() {
        let obj = serde_json::json!({"status": {"conditions": [
            {"type": "Ready", "status": "True", "reason": "Up", "message": "ok", "lastTransitionTime": "x"},
            {"type": "ResourcesReady", "status": "False"},
        ]}});
        is_true(
            "runtime.condition(obj, 'Ready') == {'type': 'Ready', 'status': 'True', 'reason': 'Up', 'message': 'ok'}",
            &obj,
        );
        is_true("runtime.condition(obj, 'ResourcesReady').status == 'False'", &obj);
        is_true("runtime.condition(obj, 'ResourcesReady').reason == ''", &obj);
    }

    #[test]
    fn condition_of_a_type_not_there_is_empty_as_in_kro() {
        let empty = "{'type': '', 'status': '', 'reason': '', 'message': ''}";
        let obj = serde_json::json!({"status": {"conditions": [{"type": "Ready", "status": "True"}]}});
        is_true(&format!("runtime.condition(obj, 'GraphResolved') == {empty}"), &obj);
        is_true(&format!("runtime.condition(obj, 'Ready') != {empty}"), &obj);
        is_true("runtime.condition(obj, 'Ready') == runtime.condition(obj, 'Ready')", &obj);
        is_true("runtime.condition(obj, 'Ready').status == 'True'", &obj);
        is_true("runtime.condition(obj, 'Ready') != runtime.condition(obj, 'X')", &obj);
        for obj in [serde_json::json!({}), serde_json::json!({"status": {}})] {
            is_true(&format!("runtime.condition(obj, 'Ready') == {empty}"), &obj);
        }
    }

    #[test]
    fn condition_rejects_objects_of_the_wrong_shape() {
        assert_eq!(
            error("runtime.condition(1, 'Ready')", &none()),
            "runtime.condition: obj must be an object, got int"
        );
        assert_eq!(
            error("runtime.condition(obj, 'Ready')", &serde_json::json!({"status": 1})),
            "runtime.condition: obj.status must be an object"
        );
        assert_eq!(
            error("runtime.condition(obj, 'Ready')", &serde_json::json!({"status": {"conditions": {}}})),
            "runtime.condition: obj.status.conditions must be a list"
        );
        assert_eq!(
            error("runtime.condition(obj, 'Ready')", &serde_json::json!({"status": {"conditions": ["x"]}})),
            "runtime.condition: unexpected condition element type string"
        );
    }

    #[test]
    fn a_condition_read_feeds_a_new_condition() {
        let obj = serde_json::json!({"status": {"conditions": [{"type": "ResourcesReady", "status": "True"}]}});
        is_true(
            "runtime.newCondition({type: 'Serving', status: runtime.condition(obj, 'ResourcesReady').status}) \
             .status == 'True'",
            &obj,
        );
    }

    #[test]
    fn the_functions_do_not_need_runtime_bound() {
        let env = env();
        let program = env.compile("runtime.newCondition({type: 'A', status: 'True'}).type").unwrap();
        assert_eq!(program.execute(&Context::with_env(env)), Ok(Value::from("A")));
    }
}
