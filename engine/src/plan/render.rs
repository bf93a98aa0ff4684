//! Rendering a template: every string holding `${...}` is replaced by its value. A standalone expression
//! keeps its result's type; a string template concatenates text and results (kro's `"a" + (e) + "b"`).

use serde_json::{Map, Value};

use crate::expr::eval::{Bindings, EvalError, Evaluator, Field};
use crate::expr::values::cel_type_name;
use crate::expr::{Interpolation, Part, scan};

/// Renders `template` with `bindings` and `locals` (forEach iterators). Fails with the first expression that
/// has no value; the error names the field.
pub(super) fn render(
    template: &Value,
    evaluator: &Evaluator,
    bindings: &mut Bindings<'_>,
    locals: &[(&str, &Value)],
) -> Result<Value, (String, EvalError)> {
    Ok(render_at(template, "", evaluator, bindings, locals)?.unwrap_or(Value::Null))
}

/// The rendered value, or `None` when `omit()` removes it (kro's `cleanOmitSentinels`).
fn render_at(
    value: &Value,
    path: &str,
    evaluator: &Evaluator,
    bindings: &mut Bindings<'_>,
    locals: &[(&str, &Value)],
) -> Result<Option<Value>, (String, EvalError)> {
    match value {
        Value::String(s) => render_field(s, evaluator, bindings, locals).map_err(|e| (path.to_string(), e)),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.extend(render_at(item, &format!("{path}[{i}]"), evaluator, bindings, locals)?);
            }
            Ok(Some(Value::Array(out)))
        }
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (key, item) in map {
                let child = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                // Keys are never expressions in kro; only values are rendered.
                if let Some(rendered) = render_at(item, &child, evaluator, bindings, locals)? {
                    out.insert(key.clone(), rendered);
                }
            }
            Ok(Some(Value::Object(out)))
        }
        other => Ok(Some(other.clone())),
    }
}

/// A template field: its value, or `None` when a standalone `omit()` removes it.
fn render_field(
    s: &str,
    evaluator: &Evaluator,
    bindings: &mut Bindings<'_>,
    locals: &[(&str, &Value)],
) -> Result<Option<Value>, EvalError> {
    Ok(match interpolate(s, evaluator, bindings, locals)? {
        Field::Value(value) => Some(value),
        Field::Omit => None,
    })
}

/// A string value outside a template (a condition, a forEach dimension, a status field): itself, one
/// expression's value, or a string template's text.
pub(super) fn render_string(
    s: &str,
    evaluator: &Evaluator,
    bindings: &mut Bindings<'_>,
    locals: &[(&str, &Value)],
) -> Result<Value, EvalError> {
    match interpolate(s, evaluator, bindings, locals)? {
        Field::Value(value) => Ok(value),
        Field::Omit => Err(EvalError::failed(format!("{s}: omit() can only remove a template field"))),
    }
}

/// `s` with its expressions evaluated, scanning it once (and not at all when it holds no `${`).
fn interpolate(
    s: &str,
    evaluator: &Evaluator,
    bindings: &mut Bindings<'_>,
    locals: &[(&str, &Value)],
) -> Result<Field, EvalError> {
    if !s.contains("${") {
        return Ok(Field::Value(Value::String(s.to_string())));
    }
    match scan(s).interpolation {
        Interpolation::Literal => Ok(Field::Value(Value::String(s.to_string()))),
        Interpolation::Standalone(found) => {
            let program = evaluator.compile(&found.expr)?;
            bindings.evaluate_field(&program, locals)
        }
        Interpolation::Template(parts) => {
            let mut out = String::new();
            for part in parts {
                match part {
                    Part::Text(text) => out.push_str(&text),
                    Part::Expr(found) => {
                        let program = evaluator.compile(&found.expr)?;
                        match bindings.evaluate(&program, locals)? {
                            Value::String(v) => out.push_str(&v),
                            // The type checker refuses non-strings in templates; data without a schema can still
                            // bring one, which kro's `+` would refuse too.
                            other => {
                                return Err(EvalError::failed(format!(
                                    "found no matching overload for '_+_' applied to '(string, {})' in {s:?}",
                                    cel_type_name(&other)
                                )));
                            }
                        }
                    }
                }
            }
            Ok(Field::Value(Value::String(out)))
        }
    }
}
