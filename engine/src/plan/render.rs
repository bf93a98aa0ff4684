//! Rendering a template: every string holding `${...}` is replaced by its value. A standalone expression
//! keeps its result's type; a string template concatenates text and results (kro's `"a" + (e) + "b"`).
//!
//! Templates are compiled once ([`Template::compile`], kro's split of `graph.Graph` from
//! `runtime.FromGraph`): each string is scanned and each expression compiled when the RGD is compiled, and
//! literal subtrees are kept whole, so a reconcile only evaluates and copies. Field paths for error messages
//! are built only when an error happens.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::expr::eval::{Bindings, EvalError, Evaluator, Field, Program};
use crate::expr::values::cel_type_name;
use crate::expr::{Interpolation, Part, scan};
use crate::graph::CompiledRgd;

/// A template value compiled for evaluation.
#[derive(Debug, Clone)]
pub enum Template {
    /// Holds no expression: copied as is.
    Literal(Value),
    /// One expression that is the whole value; its result keeps its type.
    Standalone(Arc<Program>),
    /// Text and expressions, concatenated into a string.
    Interpolated(Vec<Piece>),
    /// An object whose fields hold expressions.
    Object(Vec<(String, Template)>),
    /// A list whose items hold expressions.
    Array(Vec<Template>),
    /// An expression that does not compile (the checker reports it first): rendering fails with this.
    Invalid(EvalError),
}

/// A piece of a string template.
#[derive(Debug, Clone)]
pub enum Piece {
    /// Literal text.
    Text(String),
    /// An expression whose result is written as a string.
    Expr(Arc<Program>),
}

impl Template {
    /// Compiles `value`'s expressions with `evaluator`.
    pub fn compile(value: &Value, evaluator: &Evaluator) -> Template {
        match value {
            Value::String(s) => Self::compile_str(s, evaluator),
            Value::Array(items) => {
                let items: Vec<Template> = items.iter().map(|i| Self::compile(i, evaluator)).collect();
                if items.iter().all(Template::is_literal) {
                    Template::Literal(value.clone())
                } else {
                    Template::Array(items)
                }
            }
            Value::Object(map) => {
                let entries: Vec<(String, Template)> =
                    map.iter().map(|(k, v)| (k.clone(), Self::compile(v, evaluator))).collect();
                if entries.iter().all(|(_, t)| t.is_literal()) {
                    Template::Literal(value.clone())
                } else {
                    Template::Object(entries)
                }
            }
            other => Template::Literal(other.clone()),
        }
    }

    fn compile_str(s: &str, evaluator: &Evaluator) -> Template {
        if !s.contains("${") {
            return Template::Literal(Value::String(s.to_string()));
        }
        let compiled = |expr: &str| evaluator.compile(expr);
        match scan(s).interpolation {
            Interpolation::Literal => Template::Literal(Value::String(s.to_string())),
            Interpolation::Standalone(found) => match compiled(&found.expr) {
                Ok(program) => Template::Standalone(program),
                Err(e) => Template::Invalid(e),
            },
            Interpolation::Template(parts) => {
                let mut pieces = Vec::with_capacity(parts.len());
                for part in parts {
                    pieces.push(match part {
                        Part::Text(text) => Piece::Text(text),
                        Part::Expr(found) => match compiled(&found.expr) {
                            Ok(program) => Piece::Expr(program),
                            Err(e) => return Template::Invalid(e),
                        },
                    });
                }
                Template::Interpolated(pieces)
            }
        }
    }

    /// Renders this template with `bindings` (for benchmarks and hosts that evaluate one template): the value,
    /// `None` when `omit()` removes it, or the error and the field it happened at.
    pub fn render_value(&self, bindings: &mut Bindings<'_>) -> Result<Option<Value>, (String, EvalError)> {
        self.render(bindings, &[]).map_err(|f| (f.path, f.error))
    }

    fn is_literal(&self) -> bool {
        matches!(self, Template::Literal(_))
    }

    /// The rendered value, or `None` when `omit()` removes it (kro's `cleanOmitSentinels`). An error names the
    /// field it happened at.
    fn render(&self, bindings: &mut Bindings<'_>, locals: &[(&str, &Value)]) -> Result<Option<Value>, Failure> {
        match self {
            Template::Literal(value) => Ok(Some(value.clone())),
            Template::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    out.extend(item.render(bindings, locals).map_err(|f| f.under(Step::Index(i)))?);
                }
                Ok(Some(Value::Array(out)))
            }
            Template::Object(entries) => {
                let mut out = Map::with_capacity(entries.len());
                for (key, item) in entries {
                    // Keys are never expressions in kro; only values are rendered.
                    if let Some(rendered) = item.render(bindings, locals).map_err(|f| f.under(Step::Key(key)))? {
                        out.insert(key.clone(), rendered);
                    }
                }
                Ok(Some(Value::Object(out)))
            }
            _ => match self.evaluate(bindings, locals).map_err(Failure::here)? {
                Field::Value(value) => Ok(Some(value)),
                Field::Omit => Ok(None),
            },
        }
    }

    /// A scalar template's value.
    fn evaluate(&self, bindings: &mut Bindings<'_>, locals: &[(&str, &Value)]) -> Result<Field, EvalError> {
        match self {
            Template::Standalone(program) => bindings.evaluate_field(program, locals),
            Template::Interpolated(pieces) => {
                let mut out = String::new();
                for piece in pieces {
                    match piece {
                        Piece::Text(text) => out.push_str(text),
                        Piece::Expr(program) => match bindings.evaluate(program, locals)? {
                            Value::String(v) => out.push_str(&v),
                            // The type checker refuses non-strings in templates; data without a schema can still
                            // bring one, which kro's `+` would refuse too.
                            other => {
                                return Err(EvalError::failed(format!(
                                    "found no matching overload for '_+_' applied to '(string, {})' in {:?}",
                                    cel_type_name(&other),
                                    self.source()
                                )));
                            }
                        },
                    }
                }
                Ok(Field::Value(Value::String(out)))
            }
            Template::Invalid(e) => Err(e.clone()),
            Template::Literal(value) => Ok(Field::Value(value.clone())),
            Template::Object(_) | Template::Array(_) => {
                self.render(bindings, locals).map(|v| v.map_or(Field::Omit, Field::Value)).map_err(|f| f.error)
            }
        }
    }

    /// The template string as written, for messages.
    fn source(&self) -> String {
        match self {
            Template::Interpolated(pieces) => pieces
                .iter()
                .map(|p| match p {
                    Piece::Text(t) => t.clone(),
                    Piece::Expr(program) => format!("${{{}}}", program.text()),
                })
                .collect(),
            Template::Standalone(program) => format!("${{{}}}", program.text()),
            _ => String::new(),
        }
    }
}

/// A step of the path to a failing field, innermost last.
#[derive(Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// An error and where in the template it happened.
struct Failure {
    path: String,
    error: EvalError,
}

impl Failure {
    fn here(error: EvalError) -> Self {
        Failure { path: String::new(), error }
    }

    /// The failure seen from the parent: the step to the child goes in front.
    fn under(mut self, step: Step<'_>) -> Self {
        let dot = if self.path.is_empty() || self.path.starts_with('[') { "" } else { "." };
        let front = match step {
            Step::Index(i) => format!("[{i}]{dot}"),
            Step::Key(k) => format!("{k}{dot}"),
        };
        self.path.insert_str(0, &front);
        self
    }
}

/// Every template an RGD's plans evaluate, compiled once: each resource's template (or externalRef) and each
/// string of its conditions, dimensions and status.
#[derive(Debug, Clone)]
pub(crate) struct CompiledTemplates {
    resources: Vec<Template>,
    strings: HashMap<String, Template>,
}

impl CompiledTemplates {
    /// Compiles every template of `rgd`.
    pub(crate) fn new(rgd: &CompiledRgd, evaluator: &Evaluator) -> CompiledTemplates {
        let resources = rgd.resources.iter().map(|r| Template::compile(&r.template, evaluator)).collect();
        let mut strings = HashMap::new();
        let mut add = |s: &str| {
            strings.entry(s.to_string()).or_insert_with(|| Template::compile_str(s, evaluator));
        };
        for r in &rgd.resources {
            r.include_when.iter().chain(r.readiness()).for_each(|s| add(s));
            r.for_each.iter().for_each(|d| add(&d.expression));
        }
        collect_strings(&rgd.status_template, &mut add);
        CompiledTemplates { resources, strings }
    }
}

fn collect_strings(value: &Value, add: &mut impl FnMut(&str)) {
    match value {
        Value::String(s) => add(s),
        Value::Array(items) => items.iter().for_each(|i| collect_strings(i, add)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, add)),
        _ => {}
    }
}

/// Renders resource `index`'s template with `bindings` and `locals` (forEach iterators). Fails with the first
/// expression that has no value; the error names the field.
pub(super) fn render(
    rgd: &CompiledRgd,
    index: usize,
    evaluator: &Evaluator,
    bindings: &mut Bindings<'_>,
    locals: &[(&str, &Value)],
) -> Result<Value, (String, EvalError)> {
    let rendered = match rgd.templates().and_then(|t| t.resources.get(index)) {
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
    let field = match rgd.templates().and_then(|t| t.strings.get(s)) {
        Some(template) => template.evaluate(bindings, locals)?,
        None => Template::compile_str(s, evaluator).evaluate(bindings, locals)?,
    };
    match field {
        Field::Value(value) => Ok(value),
        Field::Omit => Err(EvalError::failed(format!("{s}: omit() can only remove a template field"))),
    }
}
