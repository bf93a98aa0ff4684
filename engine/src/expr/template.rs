//! A template compiled for evaluation: every string holding `${...}` is replaced by its value when rendered. A
//! standalone expression keeps its result's type; a string template concatenates text and results (kro's
//! `"a" + (e) + "b"`).
//!
//! Templates are compiled once ([`Template::compile`], kro's split of `graph.Graph` from
//! `runtime.FromGraph`): each string is scanned and each expression compiled when the RGD is compiled, and
//! literal subtrees are kept whole, so a reconcile only evaluates and copies. Field paths for error messages
//! are built only when an error happens. This is the expression stage's part; which templates an RGD has is
//! the graph's ([`crate::graph::CompiledTemplates`]), rendering one for a reconcile the planner's.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::eval::{Bindings, EvalError, Evaluator, Field, Program};
use super::values::cel_type_name;
use super::{Interpolation, Part, scan};

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

    pub(crate) fn compile_str(s: &str, evaluator: &Evaluator) -> Template {
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
    pub(crate) fn render(
        &self,
        bindings: &mut Bindings<'_>,
        locals: &[(&str, &Value)],
    ) -> Result<Option<Value>, Failure> {
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
    pub(crate) fn evaluate(&self, bindings: &mut Bindings<'_>, locals: &[(&str, &Value)]) -> Result<Field, EvalError> {
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
pub(crate) struct Failure {
    /// The field, as a path from the template's root (`spec.ports[0].port`).
    pub(crate) path: String,
    pub(crate) error: EvalError,
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
