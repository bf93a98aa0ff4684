//! The AST walk: the type of every sub-expression, bottom-up, with cel-go's rules and messages.

use std::collections::HashMap;

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};

use super::functions::{self, Resolution, join};
use super::types::Type;
use super::{CheckEnv, CheckError, OMIT_GATE_MESSAGE, condition_type, runtime_type};
use crate::expr::library::runtime::{is_runtime, new_condition_keys};

/// Type names usable as values (`type(x) == int`).
const TYPE_NAMES: &[&str] =
    &["int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type", "optional_type"];

pub(crate) struct Checker<'a> {
    text: &'a str,
    env: &'a CheckEnv,
    /// Comprehension variables, `cel.bind` names and macro accumulators, innermost last.
    locals: Vec<(String, Type)>,
    /// The type found for each expression id (the map macros' accumulators need their element's).
    types: HashMap<u64, Type>,
    pub(crate) errors: Vec<CheckError>,
}

impl<'a> Checker<'a> {
    pub(crate) fn new(text: &'a str, env: &'a CheckEnv) -> Self {
        Checker { text, env, locals: Vec::new(), types: HashMap::new(), errors: Vec::new() }
    }

    /// Records an error; the offset is where `near` first occurs in the text (best effort: the parser keeps
    /// no positions in the AST).
    fn error(&mut self, near: &str, message: String) -> Type {
        let offset =
            if near.is_empty() { 0 } else { self.text.find(near).map_or(0, |byte| self.text[..byte].chars().count()) };
        let len = if offset == 0 && !self.text.starts_with(near) { 0 } else { near.chars().count() };
        self.errors.push(CheckError { message, offset, len, suggestion: None });
        Type::Error
    }

    fn lookup(&self, name: &str) -> Option<Type> {
        self.locals
            .iter()
            .rev()
            .find(|(local, _)| local == name)
            .map(|(_, t)| t.clone())
            .or_else(|| self.env.get(name).cloned())
    }

    pub(crate) fn check(&mut self, e: &IdedExpr) -> Type {
        let t = self.check_inner(e);
        self.types.insert(e.id, t.clone());
        t
    }

    fn check_inner(&mut self, e: &IdedExpr) -> Type {
        match &e.expr {
            Expr::Literal(literal) => match literal {
                LiteralValue::Boolean(_) => Type::Bool,
                LiteralValue::Bytes(_) => Type::Bytes,
                LiteralValue::Double(_) => Type::Double,
                LiteralValue::Int(_) => Type::Int,
                LiteralValue::Null => Type::Null,
                LiteralValue::String(_) => Type::String,
                LiteralValue::UInt(_) => Type::Uint,
            },
            Expr::Ident(name) => match self.lookup(name) {
                Some(t) => t,
                None if TYPE_NAMES.contains(&name.as_str()) => Type::Meta,
                None => self.error(name, format!("undeclared reference to '{name}' (in container '')")),
            },
            Expr::Select(select) => {
                let operand = self.check(&select.operand);
                let field = self::select(&operand, &select.field);
                if select.test {
                    if field.is_some() {
                        return Type::Bool;
                    }
                    return self.undefined_field(&operand, &select.field);
                }
                match field {
                    Some(t) => t,
                    None => self.undefined_field(&operand, &select.field),
                }
            }
            Expr::Call(call) => self.call(&call.func_name, call.target.as_deref(), &call.args),
            Expr::Comprehension(c) => {
                let range = self.check(&c.iter_range);
                let (first, second) = self.iteration_vars(&range, c.iter_var2.is_some());
                let init = self.check(&c.accu_init);
                let depth = self.locals.len();
                self.locals.push((c.iter_var.clone(), first));
                if let Some(var2) = &c.iter_var2 {
                    self.locals.push((var2.clone(), second));
                }
                self.locals.push((c.accu_var.clone(), init.clone()));
                self.check(&c.loop_cond);
                let step = self.check(&c.loop_step);
                // `map`/`filter` start from `[]` and append `[x]`: the accumulator is a list of x's type.
                let accu = match (&c.accu_init.expr, &init) {
                    (Expr::List(list), _) if list.elements.is_empty() => appended_elem(&c.loop_step, &c.accu_var)
                        .and_then(|id| self.types.get(&id).cloned())
                        .map_or(step, |elem| if elem == Type::Error { Type::Error } else { Type::list(elem) }),
                    _ => init,
                };
                if let Some(slot) = self.locals.last_mut() {
                    slot.1 = accu;
                }
                let result = self.check(&c.result);
                self.locals.truncate(depth);
                result
            }
            Expr::List(list) => {
                let mut elem: Option<Type> = None;
                for (i, element) in list.elements.iter().enumerate() {
                    let mut t = self.check(element);
                    if list.optional_indices.contains(&i) {
                        t = match t {
                            Type::Optional(inner) => *inner,
                            other => other,
                        };
                    }
                    elem = Some(match elem {
                        None => t,
                        Some(previous) => join(&previous, &t).unwrap_or(Type::Dyn),
                    });
                }
                Type::list(elem.unwrap_or(Type::Dyn))
            }
            Expr::Map(map) => {
                let (mut key, mut value): (Option<Type>, Option<Type>) = (None, None);
                for entry in &map.entries {
                    let EntryExpr::MapEntry(entry) = &entry.expr else { continue };
                    let k = self.check(&entry.key);
                    let mut v = self.check(&entry.value);
                    if entry.optional
                        && let Type::Optional(inner) = v
                    {
                        v = *inner;
                    }
                    key = Some(key.map_or(k.clone(), |previous| join(&previous, &k).unwrap_or(Type::Dyn)));
                    value = Some(value.map_or(v.clone(), |previous| join(&previous, &v).unwrap_or(Type::Dyn)));
                }
                Type::map(key.unwrap_or(Type::Dyn), value.unwrap_or(Type::Dyn))
            }
            Expr::Struct(st) => {
                for entry in &st.entries {
                    if let EntryExpr::StructField(field) = &entry.expr {
                        self.check(&field.value);
                    }
                }
                let name = st.type_name.clone();
                self.error(&name, format!("undeclared reference to '{name}' (in container '')"))
            }
            Expr::Unspecified => Type::Dyn,
        }
    }

    fn undefined_field(&mut self, operand: &Type, field: &str) -> Type {
        let near = format!(".{field}");
        match operand {
            Type::Object(object) => {
                let name = closest(field, object.field_names()).map(str::to_string);
                let suggestion = name.as_ref().map(|name| format!("; did you mean '{name}'?")).unwrap_or_default();
                let message = format!("undefined field '{field}' on type '{}'{suggestion}", object.name());
                let t = self.error(&near, message);
                // The error points at the first `.field` of the text; a fix may replace it only if that is the
                // whole member (not the start of a longer one).
                let whole = self.text.find(&near).is_some_and(|byte| {
                    !self.text[byte + near.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
                });
                if let Some(error) = self.errors.last_mut().filter(|e| whole && e.len > 0) {
                    error.suggestion = name;
                }
                t
            }
            Type::Optional(inner) => self.undefined_field(inner, field),
            other => self.error(&near, format!("type '{other}' does not support field selection")),
        }
    }

    /// The types of the iteration variables over `range`: the element (or index and element) of a list, the
    /// key (or key and value) of a map.
    fn iteration_vars(&mut self, range: &Type, two: bool) -> (Type, Type) {
        match range {
            Type::List(elem) if two => (Type::Int, (**elem).clone()),
            Type::List(elem) => ((**elem).clone(), Type::Dyn),
            Type::Map(key, value) => ((**key).clone(), (**value).clone()),
            Type::Dyn => (Type::Dyn, Type::Dyn),
            Type::Error => (Type::Error, Type::Error),
            other => {
                let message = format!(
                    "expression of type '{other}' cannot be range of a comprehension (must be list, map, or dynamic)"
                );
                self.error("", message);
                (Type::Error, Type::Error)
            }
        }
    }

    fn call(&mut self, name: &str, target: Option<&IdedExpr>, args: &[IdedExpr]) -> Type {
        if let Some(t) = self.special_form(name, target, args) {
            return t;
        }
        // `random.seededString(...)`: a function in a namespace, unless `random` is a variable.
        if let Some(IdedExpr { expr: Expr::Ident(namespace), .. }) = target
            && self.lookup(namespace).is_none()
        {
            let qualified = format!("{namespace}.{name}");
            if functions::is_global(&qualified) {
                let arg_types: Vec<Type> = args.iter().map(|a| self.check(a)).collect();
                return self.resolve(&qualified, false, &arg_types);
            }
        }
        let mut arg_types = Vec::with_capacity(args.len() + 1);
        if let Some(target) = target {
            arg_types.push(self.check(target));
        }
        arg_types.extend(args.iter().map(|a| self.check(a)));
        self.resolve(name, target.is_some(), &arg_types)
    }

    fn resolve(&mut self, name: &str, member: bool, args: &[Type]) -> Type {
        if args.contains(&Type::Error) {
            return Type::Error;
        }
        // cel-go checks the operands of `&&` and `||` as bools rather than as an overload.
        if matches!(name, "_&&_" | "_||_")
            && let Some(wrong) = args.iter().find(|t| !matches!(t, Type::Bool | Type::Dyn))
        {
            return self
                .error(operator_symbol(name), format!("expected type 'bool' but found '{}'", overload_name(wrong)));
        }
        match functions::resolve(name, member, args) {
            Resolution::Found(t) => t,
            Resolution::NoMatch | Resolution::Undeclared if functions::is_declared(name) => {
                let list = |types: &[Type]| types.iter().map(overload_name).collect::<Vec<_>>().join(", ");
                let applied = match args.split_first() {
                    Some((target, rest)) if member => format!("{}.({})", overload_name(target), list(rest)),
                    _ => format!("({})", list(args)),
                };
                self.error(
                    operator_symbol(name),
                    format!("found no matching overload for '{name}' applied to '{applied}'"),
                )
            }
            Resolution::NoMatch | Resolution::Undeclared => {
                self.error(name, format!("undeclared reference to '{name}' (in container '')"))
            }
        }
    }

    /// Forms the overload table cannot express: optional selection and indexing, `cel.bind`, and the macros
    /// the parser leaves as calls (two-variable comprehensions, `sortBy`, `optMap`, `optFlatMap`).
    fn special_form(&mut self, name: &str, target: Option<&IdedExpr>, args: &[IdedExpr]) -> Option<Type> {
        match (name, target, args) {
            // `omit()` returns a sentinel of no particular type: `dyn`, as kro declares it.
            ("omit", None, []) if self.lookup("omit").is_none() => Some(if self.env.omit_allowed() {
                Type::Dyn
            } else {
                self.error("omit", OMIT_GATE_MESSAGE.to_string())
            }),
            ("newCondition", Some(target), [arg]) if self.is_runtime_variable(target) => Some(self.new_condition(arg)),
            ("condition", Some(target), [obj, kind]) if self.is_runtime_variable(target) => {
                self.check(obj);
                let kind = self.check(kind);
                Some(if matches!(kind, Type::String) || kind.is_dyn_like() {
                    condition_type()
                } else {
                    self.error(
                        "condition",
                        format!("runtime.condition: the condition type must be a string, got {kind}"),
                    )
                })
            }
            ("_?._", None, [operand, IdedExpr { expr: Expr::Literal(LiteralValue::String(field)), .. }]) => {
                let operand = self.check(operand);
                let field: &str = field;
                let inner = match operand {
                    Type::Optional(inner) => *inner,
                    other => other,
                };
                Some(match select(&inner, field) {
                    Some(Type::Error) => Type::Error,
                    Some(t) => Type::optional(t),
                    None => self.undefined_field(&inner, field),
                })
            }
            ("_[?_]", None, [operand, index]) => {
                let operand = self.check(operand);
                let index = self.check(index);
                let inner = match operand {
                    Type::Optional(inner) => *inner,
                    other => other,
                };
                Some(match self.resolve("_[_]", false, &[inner, index]) {
                    Type::Error => Type::Error,
                    t => Type::optional(t),
                })
            }
            ("bind", Some(IdedExpr { expr: Expr::Ident(namespace), .. }), [var, init, body])
                if namespace == "cel" && self.lookup("cel").is_none() =>
            {
                let Expr::Ident(var) = &var.expr else {
                    return Some(self.error("cel.bind", "cel.bind() variable names must be simple identifiers".into()));
                };
                let init = self.check(init);
                self.locals.push((var.clone(), init));
                let body = self.check(body);
                self.locals.pop();
                Some(body)
            }
            ("all" | "exists" | "exists_one" | "existsOne", Some(range), [a, b, predicate]) => {
                let (a, b) = (simple_name(a)?, simple_name(b)?);
                let range = self.check(range);
                let (first, second) = self.iteration_vars(&range, true);
                let predicate = self.scoped(&[(a, first), (b, second)], predicate);
                Some(self.resolve("_&&_", false, &[Type::Bool, predicate]))
            }
            ("transformList" | "transformMap" | "transformMapEntry", Some(range), [a, b, rest @ ..])
                if matches!(rest.len(), 1 | 2) =>
            {
                let (a, b) = (simple_name(a)?, simple_name(b)?);
                let range_type = self.check(range);
                let (first, second) = self.iteration_vars(&range_type, true);
                let vars = [(a, first.clone()), (b, second)];
                if let [filter, _] = rest {
                    let filter = self.scoped(&vars, filter);
                    self.resolve("_&&_", false, &[Type::Bool, filter]);
                }
                let value = self.scoped(&vars, rest.last()?);
                Some(match (name, value) {
                    (_, Type::Error) => Type::Error,
                    ("transformList", value) => Type::list(value),
                    ("transformMap", value) => Type::map(first, value),
                    (_, value @ (Type::Map(..) | Type::Dyn)) => value,
                    (_, other) => self.error(
                        "transformMapEntry",
                        format!("transformMapEntry expects a map as its result, found '{other}'"),
                    ),
                })
            }
            ("sortBy", Some(range), [var, key]) => {
                let var = simple_name(var)?;
                let range = self.check(range);
                let (elem, _) = self.iteration_vars(&range, false);
                self.scoped(&[(var, elem)], key);
                Some(match range {
                    Type::Map(..) => self.error("sortBy", format!("sortBy applies to lists, not '{range}'")),
                    Type::List(_) | Type::Error => range,
                    _ => Type::list(Type::Dyn),
                })
            }
            ("optMap" | "optFlatMap", Some(target), [var, body]) => {
                let var = simple_name(var)?;
                let target = self.check(target);
                let inner = match &target {
                    Type::Optional(inner) => (**inner).clone(),
                    Type::Dyn => Type::Dyn,
                    Type::Error => return Some(Type::Error),
                    other => {
                        return Some(self.error(name, format!("{name} applies to optional values, not '{other}'")));
                    }
                };
                let body = self.scoped(&[(var, inner)], body);
                Some(match (name, body) {
                    (_, Type::Error) => Type::Error,
                    ("optMap", body) => Type::optional(body),
                    (_, body @ (Type::Optional(_) | Type::Dyn)) => body,
                    (_, other) => self.error(name, format!("optFlatMap expects an optional result, found '{other}'")),
                })
            }
            _ => None,
        }
    }

    /// Whether `target` is the `runtime` variable of `status.conditions` expressions.
    fn is_runtime_variable(&self, target: &IdedExpr) -> bool {
        is_runtime(target) && self.lookup("runtime").is_some_and(|t| t == runtime_type())
    }

    /// `runtime.newCondition({type: ..., status: ...})`: kro's macro rules for the map literal, and string
    /// values; a condition.
    fn new_condition(&mut self, arg: &IdedExpr) -> Type {
        if let Err((_, message)) = new_condition_keys(arg) {
            return self.error("newCondition", message);
        }
        let Expr::Map(map) = &arg.expr else { return condition_type() };
        let mut failed = false;
        for entry in &map.entries {
            let EntryExpr::MapEntry(entry) = &entry.expr else { continue };
            let Expr::Ident(key) = &entry.key.expr else { continue };
            let t = self.check(&entry.value);
            if !(matches!(t, Type::String) || t.is_dyn_like()) {
                failed = true;
                self.error(key, format!("runtime.newCondition: {key} must be a string, got {t}"));
            }
        }
        if failed { Type::Error } else { condition_type() }
    }

    /// Checks `e` with `vars` in scope.
    fn scoped(&mut self, vars: &[(&str, Type)], e: &IdedExpr) -> Type {
        let depth = self.locals.len();
        self.locals.extend(vars.iter().map(|(name, t)| ((*name).to_string(), t.clone())));
        let t = self.check(e);
        self.locals.truncate(depth);
        t
    }
}

/// The type of `operand.field`, `None` when there is no such field. Selecting on an optional gives an
/// optional (`a.?b.c`).
fn select(operand: &Type, field: &str) -> Option<Type> {
    match operand {
        Type::Optional(inner) => select(inner, field).map(Type::optional),
        other => other.select(field),
    }
}

fn simple_name(e: &IdedExpr) -> Option<&str> {
    match &e.expr {
        Expr::Ident(name) => Some(name),
        _ => None,
    }
}

/// In a `map`/`filter` step (`accu + [x]`, possibly under `cond ? ... : accu`), the id of `x`.
fn appended_elem(step: &IdedExpr, accu: &str) -> Option<u64> {
    let Expr::Call(call) = &step.expr else { return None };
    match (call.func_name.as_str(), call.args.as_slice()) {
        ("_+_", [IdedExpr { expr: Expr::Ident(name), .. }, IdedExpr { expr: Expr::List(list), .. }])
            if name == accu =>
        {
            match list.elements.as_slice() {
                [single] => Some(single.id),
                _ => None,
            }
        }
        ("_?_:_", [_, appended, _]) => appended_elem(appended, accu),
        _ => None,
    }
}

/// The text an operator's function name stands for, to place its error.
fn operator_symbol(name: &str) -> &str {
    match name {
        "@in" => " in ",
        "_[_]" => "[",
        "_?_:_" => "?",
        "!_" => "!",
        "-_" => "-",
        _ => name.strip_prefix('_').and_then(|n| n.strip_suffix('_')).unwrap_or(name),
    }
}

/// The field name closest to a misspelt one (edit distance at most 2), for a suggestion.
fn closest<'n>(wanted: &str, names: impl Iterator<Item = &'n str>) -> Option<&'n str> {
    names
        .map(|name| (strsim::levenshtein(wanted, name), name))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name)
}

/// A type as cel-go's overload errors name it: the well-known types by their CEL names (`timestamp`,
/// `duration`), where type-mismatch messages use the protobuf names.
fn overload_name(t: &Type) -> String {
    t.to_string().replace("google.protobuf.Timestamp", "timestamp").replace("google.protobuf.Duration", "duration")
}
