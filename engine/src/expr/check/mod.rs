//! kro-rs's own CEL type checker (the `cel` crate has none): the type of an expression in an environment of
//! typed variables, whether it fits the field it fills ([`assignable`]), and the OpenAPI schema of status
//! fields inferred from it ([`to_openapi`]).
//!
//! Types follow cel-go's names and rules; variables get their types from OpenAPI schemas
//! ([`type_of_schema`]); the functions known are those of kro's environment, including the Kubernetes
//! libraries, by signature ([`functions`]). Errors are values with cel-go's wording, never panics.

mod checker;
mod compat;
mod functions;
mod inspect;
mod schema_types;
mod types;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock};

pub(crate) use compat::assignable;
pub(crate) use inspect::{ConditionCalls, condition_calls, uses_omit};
pub(crate) use schema_types::{to_openapi, type_of_schema, type_of_shared_schema};
pub(crate) use types::{NoRefs, RefResolver, Type};

use super::references::{Parsed, parse_cel};

/// The message kro gives for `omit()` while its feature gate is off.
pub(crate) const OMIT_GATE_MESSAGE: &str = "omit() requires the CELOmitFunction feature gate to be enabled";

/// The CEL type name of the `runtime` variable that `status.conditions` expressions read.
pub(crate) const RUNTIME_TYPE_NAME: &str = "kro.run.Runtime";

/// The CEL type name of a condition (`runtime.newCondition(...)`, `runtime.condition(...)`).
pub(crate) const CONDITION_TYPE_NAME: &str = "kro.run.Condition";

/// The type of the `runtime` variable: declare it (as `runtime`) for `status.conditions` expressions only.
pub(crate) fn runtime_type() -> Type {
    Type::Opaque(RUNTIME_TYPE_NAME)
}

/// The type of a condition: an object of the four string fields `type`, `status`, `reason` and `message`.
pub(crate) fn condition_type() -> Type {
    static CONDITION: LazyLock<Type> = LazyLock::new(|| {
        let string = serde_json::json!({"type": "string"});
        let schema = serde_json::json!({
            "type": "object",
            "properties": {"type": string, "status": string, "reason": string, "message": string}
        });
        let resolver: Arc<dyn RefResolver> = Arc::new(NoRefs);
        type_of_schema(&schema, CONDITION_TYPE_NAME, &resolver)
    });
    CONDITION.clone()
}

/// Whether `t` is the condition type.
pub(crate) fn is_condition(t: &Type) -> bool {
    matches!(t, Type::Object(object) if object.name() == CONDITION_TYPE_NAME)
}

/// The variables an expression may read, with their types, and the feature-gated functions it may call.
#[derive(Debug, Clone, Default)]
pub(crate) struct CheckEnv {
    variables: HashMap<String, Type>,
    omit: bool,
}

impl CheckEnv {
    pub(crate) fn new() -> Self {
        CheckEnv::default()
    }

    /// Declares (or redeclares) variable `name`.
    pub(crate) fn declare(&mut self, name: &str, t: Type) {
        self.variables.insert(name.to_string(), t);
    }

    /// The type of variable `name`, if declared.
    pub(crate) fn get(&self, name: &str) -> Option<&Type> {
        self.variables.get(name)
    }

    /// Lets expressions call `omit()` (kro's `CELOmitFunction` gate; off by default, when `omit()` fails to
    /// check with [`OMIT_GATE_MESSAGE`]).
    pub(crate) fn allow_omit(&mut self, allowed: bool) {
        self.omit = allowed;
    }

    /// Whether `omit()` may be called.
    pub(crate) fn omit_allowed(&self) -> bool {
        self.omit
    }
}

/// A type error (or a syntax error) in an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckError {
    pub message: String,
    /// Character offset inside the expression text, best effort (0 when unknown).
    pub offset: usize,
    /// Characters of the text the error is about, from `offset` (0 when unknown).
    pub len: usize,
    /// The name to write instead of the `.field` the error is about (`offset` + 1, `len` - 1), when the
    /// checker found a close one and located the field exactly.
    pub suggestion: Option<String>,
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Parses `expression_text` (with the same bounds as [`parse_cel`]) and type-checks it against `env`.
pub(crate) fn check(expression_text: &str, env: &CheckEnv) -> Result<Type, Vec<CheckError>> {
    let parsed = parse_cel(expression_text).map_err(|e| {
        let offset = expression_text
            .split_inclusive('\n')
            .take(e.line.saturating_sub(1))
            .map(|line| line.chars().count())
            .sum::<usize>()
            + e.column;
        vec![CheckError { message: e.message, offset, len: 0, suggestion: None }]
    })?;
    check_parsed(&parsed, expression_text, env)
}

/// Type-checks an expression already parsed from `expression_text` (the text places errors).
pub(crate) fn check_parsed(parsed: &Parsed, expression_text: &str, env: &CheckEnv) -> Result<Type, Vec<CheckError>> {
    let mut checker = checker::Checker::new(expression_text, env);
    let t = checker.check(parsed.ast());
    if checker.errors.is_empty() { Ok(t) } else { Err(checker.errors) }
}
