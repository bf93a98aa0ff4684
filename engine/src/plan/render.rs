//! Rendering an RGD's templates for one reconcile: a resource's template, or a condition, dimension or status
//! string, from the templates its [`CompiledRgd`] compiled once (compiled on the spot when it has none).

use serde_json::Value;

use crate::expr::eval::{Bindings, EvalError, Evaluator, Field};
use crate::expr::template::Template;
use crate::graph::CompiledRgd;

/// Renders resource `index`'s template with `bindings` and `locals` (forEach iterators). Fails with the first
/// expression that has no value; the error names the field.
pub(super) fn render(
    rgd: &CompiledRgd,
    index: usize,
    evaluator: &Evaluator,
    bindings: &mut Bindings<'_>,
    locals: &[(&str, &Value)],
) -> Result<Value, (String, EvalError)> {
    let rendered = match rgd.templates().and_then(|t| t.resource(index)) {
        Some(template) => template.render(bindings, locals),
        None => Template::compile(&rgd.resources[index].template, evaluator).render(bindings, locals),
    };
    rendered.map(|v| v.unwrap_or(Value::Null)).map_err(|f| (f.path, f.error))
}

/// A string value outside a template (a condition, a forEach dimension, a status field): itself, one
/// expression's value, or a string template's text.
pub(super) fn render_string(
    rgd: &CompiledRgd,
    s: &str,
    evaluator: &Evaluator,
    bindings: &mut Bindings<'_>,
    locals: &[(&str, &Value)],
) -> Result<Value, EvalError> {
    let field = match rgd.templates().and_then(|t| t.string(s)) {
        Some(template) => template.evaluate(bindings, locals)?,
        None => Template::compile_str(s, evaluator).evaluate(bindings, locals)?,
    };
    match field {
        Field::Value(value) => Ok(value),
        Field::Omit => Err(EvalError::failed(format!("{s}: omit() can only remove a template field"))),
    }
}
