//! Evaluating kro's expressions against the data of one reconcile.
//!
//! An [`Evaluator`] owns kro's CEL environment, the host's [`EvalLimits`] and a cache of compiled programs
//! keyed by expression text (one evaluator is one environment, so the text is the whole key). A [`Program`]
//! is either a plain field path, resolved straight on the JSON ([`path`]), or a CEL program rewritten to
//! spend from a cost budget ([`budget`]). [`Bindings`] hold the variables of one reconcile (`schema`, the
//! resources) as JSON and convert each to a CEL value once, the first time an expression reads it.
//!
//! Failures are values: [`EvalError`] says whether the data an expression needs is not there yet (a missing
//! key, an index past the end, a resource not observed: kro waits and retries, `pkg/runtime/errors.go`) or
//! the expression failed.

mod ast;
mod budget;
mod compat;
mod path;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use cel::common::ast::IdedExpr;
use cel::{Context, Env, ExecutionError};
use serde_json::Value as JsonValue;

use super::library;
use super::values::{cel_type_name, into_cel, into_cel_typed, to_cel, to_cel_typed, to_json};
use crate::schemas::Schema;
use path::{FieldPath, Walk};

/// What one evaluation may spend. The defaults let any realistic RGD through while bounding a hostile one to
/// well under a second and a few tens of MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalLimits {
    /// Comprehension iterations (`map`, `filter`, `exists`, ... over every list they walk, nested included).
    pub max_iterations: u64,
    /// Characters of any string an expression builds.
    pub max_string_chars: usize,
    /// Entries of any list or map an expression builds.
    pub max_list_len: usize,
    /// Comprehensions nested in one another.
    pub max_comprehension_depth: usize,
}

impl Default for EvalLimits {
    fn default() -> Self {
        EvalLimits {
            max_iterations: 1_000_000,
            max_string_chars: 1 << 20,
            max_list_len: 100_000,
            max_comprehension_depth: 8,
        }
    }
}

/// Why an expression has no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    /// Whether to wait (`Pending`) or give up (`Failed`).
    pub kind: EvalErrorKind,
    /// What went wrong, for the user.
    pub message: String,
}

/// The two outcomes an evaluation that produced no value can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalErrorKind {
    /// The data it reads is not there yet: wait, as kro does, rather than fail.
    Pending,
    /// The expression cannot be evaluated, or its result cannot be used.
    Failed,
}

impl EvalError {
    /// An error that means "wait for the data", not "fail".
    pub fn pending(message: impl Into<String>) -> Self {
        EvalError { kind: EvalErrorKind::Pending, message: message.into() }
    }

    /// An error that means the expression cannot produce a usable value.
    pub fn failed(message: impl Into<String>) -> Self {
        EvalError { kind: EvalErrorKind::Failed, message: message.into() }
    }

    /// Whether the data it reads is only not there yet.
    pub fn is_pending(&self) -> bool {
        self.kind == EvalErrorKind::Pending
    }

    /// "Data pending" is decided by the kind of error, never by its message (kro's `pkg/runtime/errors.go`
    /// matches messages): a missing key or index, or a name not bound yet. kro's functions report missing data
    /// with these same variants, and a function's own failure (`FunctionError`) is never pending, whatever its
    /// text says.
    fn from_execution(error: &ExecutionError) -> Self {
        match error {
            ExecutionError::NoSuchKey(key) => EvalError::pending(format!("no such key: {key}")),
            ExecutionError::IndexOutOfBounds(index) => {
                EvalError::pending(format!("index out of bounds: {}", index_text(index)))
            }
            ExecutionError::UndeclaredReference(name) => EvalError::pending(format!("{name} is not available yet")),
            other => EvalError::failed(other.to_string()),
        }
    }
}

fn index_text(index: &cel::Value) -> String {
    match index {
        cel::Value::Int(i) => i.to_string(),
        cel::Value::UInt(u) => u.to_string(),
        other => format!("{other:?}"),
    }
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EvalError {}

/// A compiled expression.
#[derive(Debug)]
pub struct Program {
    text: String,
    /// Set when the expression is a plain field path.
    path: Option<FieldPath>,
    /// The macro-expanded, budget-instrumented tree.
    expr: IdedExpr,
    /// Free variables, sorted.
    references: Vec<String>,
}

impl Program {
    /// The expression text, as written between `${` and `}`.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The variables the expression reads.
    pub fn references(&self) -> &[String] {
        &self.references
    }

    /// Whether it runs on the fast path.
    pub fn is_field_path(&self) -> bool {
        self.path.is_some()
    }
}

/// Most programs an evaluator keeps; past it the cache starts over (the playground compiles every keystroke's
/// expressions, the operator the same few hundred again and again).
const CACHE_CAPACITY: usize = 4096;

/// kro's CEL environment with the host's limits and a compiled-program cache. Share one per process.
pub struct Evaluator {
    env: Arc<Env>,
    limits: EvalLimits,
    cache: Mutex<HashMap<String, Arc<Program>>>,
}

impl std::fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator").field("limits", &self.limits).finish_non_exhaustive()
    }
}

impl Evaluator {
    /// Fails only if kro's environment cannot be built, which the tests rule out.
    pub fn new(limits: EvalLimits) -> Result<Self, EvalError> {
        Self::with_features(limits, library::Features::default())
    }

    /// An evaluator whose environment has the optional features on (`omit()`).
    pub(crate) fn with_features(limits: EvalLimits, features: library::Features) -> Result<Self, EvalError> {
        let mut env =
            library::kro_env_with(features).map_err(|e| EvalError::failed(format!("CEL environment: {e}")))?;
        budget::register(&mut env).map_err(|e| EvalError::failed(format!("CEL environment: {e}")))?;
        compat::register(&mut env).map_err(|e| EvalError::failed(format!("CEL environment: {e}")))?;
        Ok(Evaluator { env: Arc::new(env), limits, cache: Mutex::new(HashMap::new()) })
    }

    /// The program for `text`, compiled once per evaluator.
    pub fn compile(&self, text: &str) -> Result<Arc<Program>, EvalError> {
        if let Some(program) = self.cache.lock().unwrap_or_else(PoisonError::into_inner).get(text) {
            return Ok(Arc::clone(program));
        }
        let program = Arc::new(self.compile_uncached(text)?);
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= CACHE_CAPACITY {
            cache.clear();
        }
        cache.insert(text.to_string(), Arc::clone(&program));
        Ok(program)
    }

    /// Evaluates `expression` with each entry of `variables` (a JSON object) bound by name: kro's library
    /// without schema types, for a scratchpad. A non-object `variables` binds nothing.
    pub(crate) fn evaluate_standalone(&self, expression: &str, variables: &JsonValue) -> Result<JsonValue, EvalError> {
        let program = self.compile(expression)?;
        let mut bindings = Bindings::new(self);
        if let Some(map) = variables.as_object() {
            for (name, value) in map {
                bindings.bind(name, value);
            }
        }
        bindings.evaluate(&program, &[])
    }

    fn compile_uncached(&self, text: &str) -> Result<Program, EvalError> {
        // The bounded parser first: it refuses what would exhaust the stack of the macro-expanding one.
        let parsed = super::parse_cel(text).map_err(|e| EvalError::failed(e.to_string()))?;
        let expr = self.expand(text, &parsed)?;
        let depth = budget::comprehension_depth(&expr);
        if depth > self.limits.max_comprehension_depth {
            return Err(EvalError::failed(format!(
                "{depth} comprehensions are nested; the limit is {}",
                self.limits.max_comprehension_depth
            )));
        }
        let path = FieldPath::of(&expr);
        // New nodes get ids far above the parser's, which count up from 1.
        let mut next_id = 1 << 48;
        let expr = if path.is_some() {
            expr
        } else {
            let expr = compat::rewrite(expr, &mut next_id);
            budget::instrument(expr, &mut next_id)
        };
        Ok(Program { text: text.to_string(), path, expr, references: parsed.variables().into_iter().collect() })
    }
}

/// Deepest bracket nesting the macro-expanding parser is given: it is a generated recursive-descent parser
/// that spends a dozen stack frames per level, and overflowed a 2 MiB stack (an unoptimised build's test
/// thread) at 16 levels; optimised builds go past 100.
const MAX_MACRO_NESTING: usize = 12;

/// The macros only the environment expands (the bounded parser knows the standard ones).
fn uses_environment_macros(expr: &IdedExpr) -> bool {
    use cel::common::ast::{EntryExpr, Expr};
    match &expr.expr {
        Expr::Call(call) => {
            let on =
                |ns: &str| matches!(call.target.as_deref(), Some(IdedExpr { expr: Expr::Ident(n), .. }) if n == ns);
            let name = call.func_name.as_str();
            let is_macro = (on("cel") && name == "bind")
                || (on("runtime") && name == "newCondition")
                || matches!(
                    name,
                    "sortBy" | "transformList" | "transformMap" | "transformMapEntry" | "optMap" | "optFlatMap"
                )
                || (call.target.is_some()
                    && call.args.len() == 3
                    && matches!(name, "all" | "exists" | "existsOne" | "exists_one"));
            is_macro
                || call.target.as_deref().is_some_and(uses_environment_macros)
                || call.args.iter().any(uses_environment_macros)
        }
        Expr::Comprehension(c) => [&c.iter_range, &c.accu_init, &c.loop_cond, &c.loop_step, &c.result]
            .into_iter()
            .any(uses_environment_macros),
        Expr::Select(s) => uses_environment_macros(&s.operand),
        Expr::List(l) => l.elements.iter().any(uses_environment_macros),
        Expr::Map(m) => m.entries.iter().any(|e| match &e.expr {
            EntryExpr::MapEntry(entry) => uses_environment_macros(&entry.key) || uses_environment_macros(&entry.value),
            EntryExpr::StructField(field) => uses_environment_macros(&field.value),
        }),
        Expr::Struct(s) => s.entries.iter().any(|e| match &e.expr {
            EntryExpr::MapEntry(entry) => uses_environment_macros(&entry.value),
            EntryExpr::StructField(field) => uses_environment_macros(&field.value),
        }),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => false,
    }
}

/// Deepest nesting of `(`, `[` and `{` in `text` (brackets inside string literals counted too: an upper bound).
fn bracket_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for c in text.chars() {
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

impl Evaluator {
    /// The macro-expanded tree: the bounded parser's own when the standard macros are all the expression uses,
    /// else the environment's parser, which also expands kro's (`cel.bind`, two-variable comprehensions, ...).
    fn expand(&self, text: &str, parsed: &super::Parsed) -> Result<IdedExpr, EvalError> {
        if !uses_environment_macros(parsed.ast()) {
            return Ok(parsed.ast().clone());
        }
        let depth = bracket_depth(text);
        if depth > MAX_MACRO_NESTING {
            return Err(EvalError::failed(format!(
                "brackets nest {depth} deep in an expression using cel.bind, sortBy or a two-variable \
                 comprehension; the limit for those is {MAX_MACRO_NESTING}"
            )));
        }
        let compiled = self.env.compile(text).map_err(|e| EvalError::failed(format!("{text}: {e}")))?;
        Ok(compiled.expression().clone())
    }
}

/// What a template field evaluates to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Field {
    Value(JsonValue),
    /// `omit()`: the field (or list item) is left out of the rendered object.
    Omit,
}

/// The variables of one reconcile, as JSON, converted to CEL on first use.
pub struct Bindings<'v> {
    json: HashMap<String, &'v JsonValue>,
    /// Values computed during the reconcile (a collection's observed items), owned here.
    owned: HashMap<String, JsonValue>,
    /// The OpenAPI schema of a variable (or of each item, for a list), so its values convert as Kubernetes
    /// types them: `bytes` for `format: byte`, timestamps for `date-time`.
    schemas: HashMap<String, (Schema<'v>, bool)>,
    /// The schema of locals by name (`each`: an item of the collection being checked).
    local_schemas: HashMap<String, Schema<'v>>,
    context: Context<'v, 'v>,
    converted: HashSet<String>,
    limits: EvalLimits,
}

impl<'v> Bindings<'v> {
    /// Empty bindings using `evaluator`'s environment and limits.
    pub fn new(evaluator: &Evaluator) -> Self {
        Bindings {
            json: HashMap::new(),
            owned: HashMap::new(),
            schemas: HashMap::new(),
            local_schemas: HashMap::new(),
            context: Context::with_env(Arc::clone(&evaluator.env)),
            converted: HashSet::new(),
            limits: evaluator.limits,
        }
    }

    /// Binds `name` (replacing an earlier value).
    pub fn bind(&mut self, name: &str, value: &'v JsonValue) {
        self.schemas.remove(name);
        self.owned.remove(name);
        self.json.insert(name.to_string(), value);
        self.converted.remove(name);
    }

    /// Binds `name` to a value computed by the caller, which the bindings keep.
    pub(crate) fn bind_owned(&mut self, name: &str, value: JsonValue) {
        self.schemas.remove(name);
        self.json.remove(name);
        self.owned.insert(name.to_string(), value);
        self.converted.remove(name);
    }

    /// [`Bindings::bind`] for an object of a kind whose schema is known.
    pub(crate) fn bind_typed(&mut self, name: &str, value: &'v JsonValue, schema: Schema<'v>) {
        self.bind(name, value);
        self.schemas.insert(name.to_string(), (schema, false));
    }

    /// [`Bindings::bind_owned`] for a list of objects of a kind whose schema is known.
    pub(crate) fn bind_owned_list_typed(&mut self, name: &str, items: Vec<JsonValue>, item_schema: Schema<'v>) {
        self.bind_owned(name, JsonValue::Array(items));
        self.schemas.insert(name.to_string(), (item_schema, true));
    }

    /// Types the local `name` (passed to [`Bindings::evaluate`]) by `schema` from now on, or stops typing it.
    pub(crate) fn type_local(&mut self, name: &str, schema: Option<Schema<'v>>) {
        match schema {
            Some(schema) => self.local_schemas.insert(name.to_string(), schema),
            None => self.local_schemas.remove(name),
        };
    }

    pub(crate) fn get(&self, name: &str) -> Option<&JsonValue> {
        self.json.get(name).copied().or_else(|| self.owned.get(name))
    }

    /// Evaluates `program` to JSON, with `locals` (forEach iterators, `each`) bound over the bindings.
    pub fn evaluate(&mut self, program: &Program, locals: &[(&str, &JsonValue)]) -> Result<JsonValue, EvalError> {
        match self.evaluate_field(program, locals)? {
            Field::Value(value) => Ok(value),
            Field::Omit => Err(EvalError::failed(format!("{}: omit() can only remove a template field", program.text))),
        }
    }

    /// Evaluates the value of a template field: a value, or `omit()`'s request to leave the field out.
    pub(crate) fn evaluate_field(
        &mut self,
        program: &Program,
        locals: &[(&str, &JsonValue)],
    ) -> Result<Field, EvalError> {
        if let Some(path) = &program.path {
            let root = locals.iter().find(|(n, _)| *n == path.root).map(|(_, v)| *v).or_else(|| self.get(&path.root));
            if let Some(root) = root {
                match path.walk(root) {
                    // A string the schema types as bytes or a time is no longer a string in CEL.
                    Walk::Found(JsonValue::String(_)) if self.typed_string(path, locals) => {}
                    Walk::Found(value) => return Ok(Field::Value(value.clone())),
                    Walk::Missing(message) => return Err(EvalError::pending(message)),
                    Walk::Undecided => {}
                }
            }
        }
        self.prepare(program, locals);
        let mut scope = self.context.new_inner_scope();
        for (name, value) in locals {
            let converted = match self.local_schemas.get(*name) {
                Some(schema) => to_cel_typed(value, *schema),
                None => to_cel(value),
            };
            scope.add_variable_as_val(*name, converted);
        }
        scope.add_variable_as_val(budget::BUDGET_VAR, Box::new(budget::Budget::new(&self.limits)));
        let value = cel::Value::resolve_val(&program.expr, &scope).map_err(|e| EvalError::from_execution(&e))?;
        if library::omit::is_omit(value.as_ref()) {
            return Ok(Field::Omit);
        }
        to_json(value.as_ref()).map(Field::Value).map_err(|e| EvalError::failed(e.to_string()))
    }

    /// Evaluates a condition (`includeWhen`, `readyWhen`): `null` is false, as in kro; another non-bool fails.
    pub fn evaluate_bool(&mut self, program: &Program, locals: &[(&str, &JsonValue)]) -> Result<bool, EvalError> {
        match self.evaluate(program, locals)? {
            JsonValue::Bool(b) => Ok(b),
            JsonValue::Null => Ok(false),
            other => Err(EvalError::failed(format!(
                "{} must evaluate to a bool, got {}",
                program.text,
                cel_type_name(&other)
            ))),
        }
    }

    /// Whether the string at `path` has a format that CEL values convert (so the fast path must not answer).
    fn typed_string(&self, path: &FieldPath, locals: &[(&str, &JsonValue)]) -> bool {
        let local = locals.iter().any(|(n, _)| *n == path.root);
        let schema = if local {
            self.local_schemas.get(&path.root).map(|s| (*s, false))
        } else {
            self.schemas.get(&path.root).copied()
        };
        let Some((mut schema, list)) = schema else { return false };
        let mut steps = path.steps.iter();
        if list {
            // The variable is a list of objects of the schema: its first step is an index.
            if steps.next().is_none() {
                return false;
            }
        }
        for step in steps {
            let next = match step {
                path::Step::Field(name) => schema.field(name),
                path::Step::Index(_) => schema.items(),
            };
            match next {
                Some(s) => schema = s,
                None => return false,
            }
        }
        matches!(schema.format(), Some("byte" | "date" | "date-time"))
    }

    /// Converts the variables `program` reads, once per binding.
    fn prepare(&mut self, program: &Program, locals: &[(&str, &JsonValue)]) {
        for name in &program.references {
            if locals.iter().any(|(n, _)| n == name) || self.converted.contains(name) {
                continue;
            }
            let schema = self.schemas.get(name).copied();
            if let Some(value) = self.json.get(name).copied() {
                let converted = match schema {
                    Some((schema, false)) => to_cel_typed(value, schema),
                    _ => to_cel(value),
                };
                self.context.add_variable_as_val(name.clone(), converted);
                self.converted.insert(name.clone());
            } else if let Some(value) = self.owned.get(name) {
                let converted = match (schema, value) {
                    (Some((item, true)), JsonValue::Array(items)) => {
                        let items: Vec<_> = items.iter().map(|i| into_cel_typed(i.clone(), item)).collect();
                        Box::new(cel::common::types::CelList::from(items))
                    }
                    _ => into_cel(value.clone()),
                };
                self.context.add_variable_as_val(name.clone(), converted);
                self.converted.insert(name.clone());
            }
        }
    }
}

impl std::fmt::Debug for Bindings<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.json.keys().chain(self.owned.keys()).collect();
        names.sort();
        f.debug_struct("Bindings").field("variables", &names).finish_non_exhaustive()
    }
}
