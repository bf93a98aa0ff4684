//! The cost budget of one evaluation. The `cel` crate's interpreter has no cost tracking and cannot be
//! interrupted, so the budget is woven into the program instead: after macro expansion the syntax tree is
//! rewritten so that
//! - every comprehension's range passes through `@kro.iterate`, which charges its size to the evaluation's
//!   iteration budget before the loop starts (nested loops charge once per outer item, so the total is the
//!   real number of iterations, or more when `exists` stops early);
//! - every call that can build a larger value than its inputs (`+`, `join`, `replace`, `format`, ...) passes
//!   its result through `@kro.sized`, which fails once a string or list exceeds the host's limits;
//! - the calls whose output can dwarf their inputs in one step are checked before they run: `lists.range(n)`
//!   through `@kro.count`, `s.replace(old, new)` and `list.join(sep)` through a worst-case estimate.
//!
//! Together with the parser's bounds on nesting and size (no recursion exists in CEL otherwise), this bounds
//! the work and memory of any expression. The helpers take the budget as an argument (a variable the
//! evaluator binds per evaluation) because overloads see their arguments only.

use std::sync::atomic::{AtomicU64, Ordering};

use cel::common::ast::{CallExpr, EntryExpr, Expr, IdedExpr, operators};
use cel::common::types::{CelInt, CelList, CelMap, CelString, DYN_TYPE, Type};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};

use super::EvalLimits;

/// Name of the variable holding the budget; `@` keeps it out of reach of written expressions.
pub(super) const BUDGET_VAR: &str = "@kro.budget";
const ITERATE: &str = "@kro.iterate";
const SIZED: &str = "@kro.sized";
const COUNT: &str = "@kro.count";
const GUARD_REPLACE: &str = "@kro.guardReplace";
const GUARD_JOIN: &str = "@kro.guardJoin";

/// Calls whose result may be larger than any of their inputs.
const GROWING: &[&str] = &[
    operators::ADD,
    "join",
    "replace",
    "format",
    "flatten",
    "strings.quote",
    "json.marshal",
    "base64.encode",
    "merge",
    "deepMerge",
    "lists.setAtIndex",
    "lists.insertAtIndex",
    "string",
];

static BUDGET_TYPE: Type = Type::new_unspecified_type("kro.budget");

/// What one evaluation may still spend.
#[derive(Debug)]
pub(super) struct Budget {
    iterations_left: AtomicU64,
    max_string_chars: u64,
    max_list_len: u64,
}

impl Budget {
    pub(super) fn new(limits: &EvalLimits) -> Self {
        Budget {
            iterations_left: AtomicU64::new(limits.max_iterations),
            max_string_chars: limits.max_string_chars as u64,
            max_list_len: limits.max_list_len as u64,
        }
    }

    fn charge(&self, iterations: u64) -> Result<(), ExecutionError> {
        // A single evaluation runs on one thread; the atomic only makes the budget shareable as a CEL value.
        let left = self.iterations_left.load(Ordering::Relaxed);
        if iterations > left {
            return Err(exceeded("comprehensions would iterate more often than the evaluation budget allows"));
        }
        self.iterations_left.store(left - iterations, Ordering::Relaxed);
        Ok(())
    }

    fn check_size(&self, value: &dyn Val) -> Result<(), ExecutionError> {
        if let Some(s) = value.downcast_ref::<CelString>() {
            let chars = s.inner().chars().count() as u64;
            if chars > self.max_string_chars {
                return Err(exceeded(format!(
                    "a string of {chars} characters exceeds the limit of {}",
                    self.max_string_chars
                )));
            }
        } else if value.downcast_ref::<CelList>().is_some() || value.downcast_ref::<CelMap>().is_some() {
            let len = value.as_sizer().map_or(0, |s| u64::try_from(*s.size().inner()).unwrap_or(0));
            if len > self.max_list_len {
                return Err(exceeded(format!(
                    "a list or map of {len} entries exceeds the limit of {}",
                    self.max_list_len
                )));
            }
        }
        Ok(())
    }
}

impl Val for Budget {
    fn get_type(&self) -> &Type {
        &BUDGET_TYPE
    }
    fn cel_type() -> &'static Type {
        &BUDGET_TYPE
    }
    fn equals(&self, _other: &dyn Val) -> bool {
        false
    }
    fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v> {
        Box::new(Budget {
            iterations_left: AtomicU64::new(self.iterations_left.load(Ordering::Relaxed)),
            max_string_chars: self.max_string_chars,
            max_list_len: self.max_list_len,
        })
    }
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

impl cel::common::value::StaticVal for Budget {}

fn exceeded(detail: impl std::fmt::Display) -> ExecutionError {
    ExecutionError::function_error("cost budget", format!("evaluation exceeded its cost budget: {detail}"))
}

fn budget<'a>(value: &'a (dyn Val + '_)) -> Result<&'a Budget, ExecutionError> {
    value.downcast_ref::<Budget>().ok_or_else(|| ExecutionError::InternalError("cost budget missing".to_string()))
}

fn size_of(value: &dyn Val) -> u64 {
    value.as_sizer().map_or(0, |s| u64::try_from(*s.size().inner()).unwrap_or(0))
}

fn string_chars(value: &dyn Val) -> u64 {
    value.downcast_ref::<CelString>().map_or(0, |s| s.inner().chars().count() as u64)
}

/// Registers the helpers the rewritten programs call.
pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_type(BUDGET_TYPE.to_owned())?;
    let b = || BUDGET_TYPE.to_owned();
    let dyn_ = || DYN_TYPE.to_owned();
    env.add_overload(ITERATE, "kro_iterate", vec![b(), dyn_()], iterate)?;
    env.add_overload(SIZED, "kro_sized", vec![b(), dyn_()], sized)?;
    env.add_overload(COUNT, "kro_count", vec![b(), dyn_()], count)?;
    env.add_overload(GUARD_REPLACE, "kro_guard_replace", vec![b(), dyn_(), dyn_(), dyn_()], guard_replace)?;
    env.add_overload(GUARD_JOIN, "kro_guard_join", vec![b(), dyn_(), dyn_()], guard_join)
}

fn iterate<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [budget_arg, range] = take(args)?;
    budget(budget_arg.as_ref())?.charge(size_of(range.as_ref()))?;
    Ok(range)
}

fn sized<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [budget_arg, value] = take(args)?;
    budget(budget_arg.as_ref())?.check_size(value.as_ref())?;
    Ok(value)
}

fn count<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [budget_arg, count] = take(args)?;
    let budget = budget(budget_arg.as_ref())?;
    if let Some(n) = count.downcast_ref::<CelInt>().map(|n| *n.inner())
        && u64::try_from(n).is_ok_and(|n| n > budget.max_list_len)
    {
        return Err(exceeded(format!("a list of {n} entries exceeds the limit of {}", budget.max_list_len)));
    }
    // Building the list costs one step per entry, charged before it is built: `all`/`exists` keep looping after
    // an error (cel-go's absorption rules), so an exhausted budget must make each further attempt cheap.
    if let Some(n) = count.downcast_ref::<CelInt>().and_then(|n| u64::try_from(*n.inner()).ok()) {
        budget.charge(n)?;
    }
    Ok(count)
}

/// `s.replace(old, new)`: at most len(s) / max(len(old), 1) + 1 replacements, each adding len(new).
fn guard_replace<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [budget_arg, target, old, new] = take(args)?;
    let budget = budget(budget_arg.as_ref())?;
    let (s, old, new) = (string_chars(target.as_ref()), string_chars(old.as_ref()), string_chars(new.as_ref()));
    let worst = s.saturating_add((s / old.max(1) + 1).saturating_mul(new));
    if worst > budget.max_string_chars {
        return Err(exceeded(format!(
            "replace could build a string of {worst} characters, over the limit of {}",
            budget.max_string_chars
        )));
    }
    Ok(target)
}

/// `list.join(sep)`: the items plus a separator between each two.
fn guard_join<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [budget_arg, list, sep] = take(args)?;
    let budget = budget(budget_arg.as_ref())?;
    let mut items: u64 = 0;
    if let Some(iterable) = list.as_iterable() {
        let mut it = iterable.iter();
        while let Some(item) = it.next() {
            items = items.saturating_add(string_chars(item));
        }
    }
    let worst = items.saturating_add(size_of(list.as_ref()).saturating_mul(string_chars(sep.as_ref())));
    if worst > budget.max_string_chars {
        return Err(exceeded(format!(
            "join would build a string of {worst} characters, over the limit of {}",
            budget.max_string_chars
        )));
    }
    Ok(list)
}

/// Rewrites `expr` (macros already expanded) so that evaluating it spends from the budget. `next_id` hands
/// out ids for the new nodes, above every id of the original tree.
pub(super) fn instrument(expr: IdedExpr, next_id: &mut u64) -> IdedExpr {
    rewrite(expr, None, next_id)
}

/// Deepest comprehension nesting in `expr`.
pub(super) fn comprehension_depth(expr: &IdedExpr) -> usize {
    match &expr.expr {
        Expr::Comprehension(c) => {
            let inner = [&c.iter_range, &c.accu_init, &c.loop_cond, &c.loop_step, &c.result]
                .into_iter()
                .map(comprehension_depth)
                .max()
                .unwrap_or(0);
            // `cel.bind` is a comprehension over an empty list: a scope, not a loop.
            let binds_only = matches!(&c.iter_range.expr, Expr::List(l) if l.elements.is_empty());
            if binds_only { inner } else { inner + 1 }
        }
        Expr::Call(call) => call
            .target
            .iter()
            .map(|t| comprehension_depth(t))
            .chain(call.args.iter().map(comprehension_depth))
            .max()
            .unwrap_or(0),
        Expr::Select(s) => comprehension_depth(&s.operand),
        Expr::List(l) => l.elements.iter().map(comprehension_depth).max().unwrap_or(0),
        Expr::Map(m) => m
            .entries
            .iter()
            .map(|e| match &e.expr {
                EntryExpr::MapEntry(entry) => comprehension_depth(&entry.key).max(comprehension_depth(&entry.value)),
                EntryExpr::StructField(field) => comprehension_depth(&field.value),
            })
            .max()
            .unwrap_or(0),
        Expr::Struct(s) => s
            .entries
            .iter()
            .map(|e| match &e.expr {
                EntryExpr::MapEntry(entry) => comprehension_depth(&entry.value),
                EntryExpr::StructField(field) => comprehension_depth(&field.value),
            })
            .max()
            .unwrap_or(0),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => 0,
    }
}

fn node(expr: Expr, next_id: &mut u64) -> IdedExpr {
    *next_id += 1;
    IdedExpr { id: *next_id, expr }
}

fn call(name: &str, args: Vec<IdedExpr>, next_id: &mut u64) -> IdedExpr {
    let mut all = vec![node(Expr::Ident(BUDGET_VAR.to_string()), next_id)];
    all.extend(args);
    node(Expr::Call(CallExpr { func_name: name.to_string(), target: None, args: all }), next_id)
}

/// `accu` is the accumulator of the comprehension whose loop step is being rewritten: calls on it are the
/// interpreter's fold (`@result + [x]`, `@result && p`), whose shape it recognises to run them fast, so they
/// stay as they are (the iteration charge already covers them).
fn rewrite(expr: IdedExpr, accu: Option<&str>, next_id: &mut u64) -> IdedExpr {
    let IdedExpr { id, expr } = expr;
    match expr {
        Expr::Comprehension(c) => {
            let mut c = *c;
            let range = rewrite(c.iter_range, None, next_id);
            c.iter_range = call(ITERATE, vec![range], next_id);
            c.accu_init = rewrite(c.accu_init, None, next_id);
            c.loop_cond = rewrite(c.loop_cond, None, next_id);
            c.loop_step = rewrite(c.loop_step, Some(&c.accu_var.clone()), next_id);
            c.result = rewrite(c.result, None, next_id);
            IdedExpr { id, expr: Expr::Comprehension(Box::new(c)) }
        }
        Expr::Call(mut c) => {
            let folds = accu.is_some_and(|a| folds_accumulator(&c, a));
            // Inside a fold, only its own operands keep the accumulator context (`_?_:_(g, @result + [x], @result)`).
            let inner_accu = if folds { accu } else { None };
            c.target = c.target.map(|t| Box::new(rewrite(*t, inner_accu, next_id)));
            c.args = c.args.into_iter().map(|a| rewrite(a, inner_accu, next_id)).collect();
            if folds {
                return IdedExpr { id, expr: Expr::Call(c) };
            }
            let name = qualified_name(&c);
            let guarded = match (name.as_str(), c.args.len()) {
                ("lists.range", 1) => {
                    let n = c.args.remove(0);
                    c.args.insert(0, call(COUNT, vec![n], next_id));
                    c
                }
                ("replace", 2 | 3) if c.target.is_some() => {
                    let target = c.target.take().map_or_else(IdedExpr::default, |t| *t);
                    let guard = call(GUARD_REPLACE, vec![target, c.args[0].clone(), c.args[1].clone()], next_id);
                    c.target = Some(Box::new(guard));
                    c
                }
                ("join", 0 | 1) if c.target.is_some() => {
                    let target = c.target.take().map_or_else(IdedExpr::default, |t| *t);
                    let sep = c.args.first().cloned().unwrap_or_else(|| {
                        node(Expr::Literal(cel::common::ast::LiteralValue::String("".into())), next_id)
                    });
                    let guard = call(GUARD_JOIN, vec![target, sep], next_id);
                    c.target = Some(Box::new(guard));
                    c
                }
                _ => c,
            };
            let rewritten = IdedExpr { id, expr: Expr::Call(guarded) };
            if GROWING.contains(&name.as_str()) { call(SIZED, vec![rewritten], next_id) } else { rewritten }
        }
        Expr::Select(mut s) => {
            s.operand = Box::new(rewrite(*s.operand, None, next_id));
            IdedExpr { id, expr: Expr::Select(s) }
        }
        Expr::List(mut l) => {
            l.elements = l.elements.into_iter().map(|e| rewrite(e, None, next_id)).collect();
            IdedExpr { id, expr: Expr::List(l) }
        }
        Expr::Map(mut m) => {
            m.entries = super::ast::map_entries(m.entries, &mut |e| rewrite(e, None, next_id));
            IdedExpr { id, expr: Expr::Map(m) }
        }
        Expr::Struct(mut s) => {
            s.entries = super::ast::map_entries(s.entries, &mut |e| rewrite(e, None, next_id));
            IdedExpr { id, expr: Expr::Struct(s) }
        }
        other @ (Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified) => IdedExpr { id, expr: other },
    }
}

/// The `N` arguments of a helper call.
fn take<'b, 'v, const N: usize>(args: Vec<CowVal<'b, 'v>>) -> Result<[CowVal<'b, 'v>; N], ExecutionError> {
    args.try_into().map_err(|args: Vec<_>| ExecutionError::invalid_argument_count(N, args.len()))
}

/// Namespaces of kro's functions: `lists.range(n)` parses as a call of `range` on the identifier `lists`.
const NAMESPACES: &[&str] = &["lists", "strings", "json", "base64", "hash", "random"];

/// `lists.range` for a namespaced call, else the function's name.
fn qualified_name(call: &CallExpr) -> String {
    match call.target.as_deref() {
        Some(IdedExpr { expr: Expr::Ident(ns), .. }) if NAMESPACES.contains(&ns.as_str()) => {
            format!("{ns}.{}", call.func_name)
        }
        _ => call.func_name.clone(),
    }
}

/// Whether `call` is an accumulator fold: a direct operand is the accumulator, or (for `filter`'s
/// `_?_:_(guard, @result + [x], @result)`) the conditional whose branches fold it.
fn folds_accumulator(call: &CallExpr, accu: &str) -> bool {
    let is_accu = |e: &IdedExpr| matches!(&e.expr, Expr::Ident(name) if name == accu);
    call.args.iter().any(is_accu)
        || (call.func_name == operators::CONDITIONAL
            && call.args.iter().any(|a| matches!(&a.expr, Expr::Call(inner) if inner.args.iter().any(is_accu))))
}
