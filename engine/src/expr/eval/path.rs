//! The fast path: most expressions in real RGDs are plain field paths (`schema.spec.name`,
//! `deployment.spec.selector.matchLabels`, `service.status.loadBalancer.ingress[0]`). Those are resolved by
//! walking the JSON directly, with no conversion to CEL values and no interpreter.
//!
//! The walk gives the interpreter's answer or none: a missing key or an index past the end is the same
//! "data pending" the interpreter reports; anything it cannot decide alone (a field of a string, a map indexed
//! by a number) falls back to the interpreter, so its errors stay CEL's own.

use cel::common::ast::{Expr, IdedExpr, LiteralValue, operators};
use serde_json::Value as JsonValue;

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Step {
    Field(String),
    Index(i64),
}

/// A plain field path: a variable and the steps below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FieldPath {
    pub root: String,
    pub steps: Vec<Step>,
}

/// What walking a path found.
pub(super) enum Walk<'a> {
    Found(&'a JsonValue),
    /// The data is not there (yet): the message says what is missing, as the interpreter would.
    Missing(String),
    /// The walk cannot decide; evaluate with the interpreter.
    Undecided,
}

impl FieldPath {
    /// The path `expr` spells, if it is one.
    pub(super) fn of(expr: &IdedExpr) -> Option<FieldPath> {
        let mut steps = Vec::new();
        let mut current = expr;
        loop {
            match &current.expr {
                Expr::Ident(name) => {
                    steps.reverse();
                    return Some(FieldPath { root: name.clone(), steps });
                }
                Expr::Select(select) if !select.test => {
                    steps.push(Step::Field(select.field.clone()));
                    current = &select.operand;
                }
                Expr::Call(call) if call.func_name == operators::INDEX && call.target.is_none() => {
                    let [operand, index] = call.args.as_slice() else { return None };
                    match &index.expr {
                        Expr::Literal(LiteralValue::String(key)) => steps.push(Step::Field(key.inner().to_string())),
                        Expr::Literal(LiteralValue::Int(i)) => steps.push(Step::Index(*i.inner())),
                        _ => return None,
                    }
                    current = operand;
                }
                _ => return None,
            }
        }
    }

    pub(super) fn walk<'a>(&self, root: &'a JsonValue) -> Walk<'a> {
        let mut value = root;
        for step in &self.steps {
            value = match (step, value) {
                (Step::Field(name), JsonValue::Object(map)) => match map.get(name) {
                    Some(v) => v,
                    None => return Walk::Missing(format!("no such key: {name}")),
                },
                (Step::Index(i), JsonValue::Array(items)) => {
                    match usize::try_from(*i).ok().and_then(|i| items.get(i)) {
                        Some(v) => v,
                        None => return Walk::Missing(format!("index out of bounds: {i}")),
                    }
                }
                _ => return Walk::Undecided,
            };
        }
        Walk::Found(value)
    }
}
