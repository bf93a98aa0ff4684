//! cel-go's two-variable comprehensions (`ext.TwoVarComprehensions`), which kro enables: on a list the variables
//! are the index and the element, on a map the key and the value.
//!
//! - `range.all(i, v, pred)`, `range.exists(i, v, pred)`, `range.existsOne(i, v, pred)` (also `exists_one`);
//! - `range.transformList(i, v, expr)` and `range.transformList(i, v, filter, expr)`: a list of `expr`;
//! - `range.transformMap(k, v, expr)` and `range.transformMap(k, v, filter, expr)`: a map from each key (index) to
//!   `expr`;
//! - `range.transformMapEntry(k, v, expr)` and `range.transformMapEntry(k, v, filter, expr)`: `expr` is a map
//!   (usually of one entry) whose entries make up the result; a key produced twice is an error, as in cel-go
//!   (`insert failed: key 'a' already exists`).
//!
//! The `cel` crate's AST has a second iteration variable, but its interpreter binds only the first, so these are
//! macros (registered with [`Env::add_macro`]) that expand into single-variable comprehensions the crate runs:
//! the range goes through the hidden function `@pairs`, which turns a list into `[[0, e0], [1, e1], ...]` and a
//! map into `[[k, v], ...]` (in key order, so `transformList` over a map is deterministic), and each use of the
//! variables is wrapped in two `cel.bind`-style comprehensions binding `i = @it[0]` and `v = @it[1]`. The loop
//! steps keep the shapes the crate recognises: `@result && p` / `@result || p` (an error beside a deciding
//! `false`/`true` is absorbed, as in cel-go) and `@result + [x]` (appended in place); the maps are then built
//! from the list of entries by the hidden functions `@pairsToMap` and `@mergeEntries`, which report duplicate
//! keys. The names start with `@`, so no expression can call them.
//!
//! Only [`Env::compile`] and [`Env::parser`] expand these; the type checker reads the calls itself.

use cel::common::ast::{CallExpr, ComprehensionExpr, Expr, IdedExpr, ListExpr, LiteralValue, operators};
use cel::common::types::{CelInt, CelList, CelMap, CelMapKey};
use cel::common::value::{CowVal, Val};
use cel::parser::{Macro, MacroExprHelper, ParseError};
use cel::{DeclarationError, Env, ExecutionError};

use super::declare::{Family, MacroDoc, MacroOn, Overload};
use super::{fail, take};

const PAIRS: &str = "@pairs";
const PAIRS_TO_MAP: &str = "@pairsToMap";
const MERGE_ENTRIES: &str = "@mergeEntries";
const RESULT: &str = "@result";
const IT: &str = "@it";

/// Macros the checker types itself, and the hidden functions their expansions call.
pub(super) static FAMILY: Family = Family {
    name: "comprehensions",
    overloads: &[
        Overload::unchecked(&["@pairs(dyn) -> list(list(dyn))"], "two_var_pairs", pairs),
        Overload::unchecked(&["@pairsToMap(list(list(dyn))) -> map(dyn, dyn)"], "two_var_pairs_to_map", pairs_to_map),
        Overload::unchecked(
            &["@mergeEntries(list(map(dyn, dyn))) -> map(dyn, dyn)"],
            "two_var_merge_entries",
            merge_entries,
        ),
    ],
    install: Some(install),
    macros: &[
        MacroDoc {
            name: "all",
            on: MacroOn::List,
            signature: "list.all(i, x, predicate) -> bool",
            doc: "Two variables: whether every index (or key) and element satisfy the predicate.",
        },
        MacroDoc {
            name: "exists",
            on: MacroOn::List,
            signature: "list.exists(i, x, predicate) -> bool",
            doc: "Two variables: whether some index (or key) and element satisfy the predicate.",
        },
        MacroDoc {
            name: "existsOne",
            on: MacroOn::List,
            signature: "list.existsOne(i, x, predicate) -> bool",
            doc: "Two variables: whether exactly one index (or key) and element satisfy it.",
        },
        MacroDoc {
            name: "transformList",
            on: MacroOn::List,
            signature: "list.transformList(i, x, [filter,] expr) -> list",
            doc: "Each element transformed, with its index (or key).",
        },
        MacroDoc {
            name: "transformMap",
            on: MacroOn::Map,
            signature: "map.transformMap(k, v, [filter,] expr) -> map",
            doc: "Each value transformed, with its key.",
        },
        MacroDoc {
            name: "transformMapEntry",
            on: MacroOn::Map,
            signature: "map.transformMapEntry(k, v, [filter,] entry) -> map",
            doc: "Each entry replaced by the map `entry` gives.",
        },
    ],
    ..Family::EMPTY
};

fn install(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_macro(Macro::receiver("all", 3, all))?;
    env.add_macro(Macro::receiver("exists", 3, exists))?;
    env.add_macro(Macro::receiver("existsOne", 3, exists_one))?;
    env.add_macro(Macro::receiver(operators::EXISTS_ONE, 3, exists_one))?;
    env.add_macro(Macro::receiver("transformList", 3, transform_list))?;
    env.add_macro(Macro::receiver("transformList", 4, transform_list))?;
    env.add_macro(Macro::receiver("transformMap", 3, transform_map))?;
    env.add_macro(Macro::receiver("transformMap", 4, transform_map))?;
    env.add_macro(Macro::receiver("transformMapEntry", 3, transform_map_entry))?;
    env.add_macro(Macro::receiver("transformMapEntry", 4, transform_map_entry))
}

type Expansion = Result<Option<IdedExpr>, ParseError>;

/// The parts of a two-variable call: the range, the two names and the remaining arguments.
struct Call {
    range: IdedExpr,
    first: String,
    second: String,
    rest: Vec<IdedExpr>,
}

/// Takes the call apart, or fails as cel-go does when a variable is not a simple name.
fn split(
    helper: &MacroExprHelper<'_>,
    target: &mut Option<IdedExpr>,
    args: &mut Vec<IdedExpr>,
) -> Result<Call, ParseError> {
    let name = |e: &IdedExpr| match &e.expr {
        Expr::Ident(name) => Some(name.clone()),
        _ => None,
    };
    let (Some(first), Some(second)) = (name(&args[0]), name(&args[1])) else {
        let bad = if name(&args[0]).is_none() { &args[0] } else { &args[1] };
        return Err(helper.new_error(bad.id, "argument must be a simple name"));
    };
    if first == second {
        return Err(helper.new_error(args[1].id, format!("duplicate variable name: {second}")));
    }
    for (arg, var) in [(&args[0], &first), (&args[1], &second)] {
        if var == RESULT || var == IT {
            return Err(helper.new_error(arg.id, format!("iteration variable {var} overwrites accumulator variable")));
        }
    }
    let mut taken = std::mem::take(args);
    let rest = taken.split_off(2);
    let Some(range) = target.take() else {
        return Err(helper.new_error(0, "a two-variable comprehension needs a target"));
    };
    Ok(Call { range, first, second, rest })
}

fn call(helper: &mut MacroExprHelper<'_>, function: &str, args: Vec<IdedExpr>) -> IdedExpr {
    helper.next_expr(Expr::Call(CallExpr { func_name: function.to_string(), target: None, args }))
}

fn ident(helper: &mut MacroExprHelper<'_>, name: &str) -> IdedExpr {
    helper.next_expr(Expr::Ident(name.to_string()))
}

fn literal(helper: &mut MacroExprHelper<'_>, value: LiteralValue) -> IdedExpr {
    helper.next_expr(Expr::Literal(value))
}

/// `body` with `name` bound to `init` (the `cel.bind` expansion).
fn bind(helper: &mut MacroExprHelper<'_>, name: &str, init: IdedExpr, body: IdedExpr) -> IdedExpr {
    let bind = ComprehensionExpr {
        iter_range: helper.next_expr(Expr::List(ListExpr::new(Vec::new()))),
        iter_var: "#unused".to_string(),
        iter_var2: None,
        accu_var: name.to_string(),
        accu_init: init,
        loop_cond: literal(helper, LiteralValue::Boolean(false.into())),
        loop_step: ident(helper, name),
        result: body,
    };
    helper.next_expr(Expr::Comprehension(Box::new(bind)))
}

/// `body` with the two variables bound to the current pair's halves.
fn with_vars(helper: &mut MacroExprHelper<'_>, first: &str, second: &str, body: IdedExpr) -> IdedExpr {
    let half = |helper: &mut MacroExprHelper<'_>, i: i64| {
        let it = ident(helper, IT);
        let index = literal(helper, LiteralValue::Int(i.into()));
        call(helper, operators::INDEX, vec![it, index])
    };
    let value = half(helper, 1);
    let inner = bind(helper, second, value, body);
    let key = half(helper, 0);
    bind(helper, first, key, inner)
}

fn comprehension(
    helper: &mut MacroExprHelper<'_>,
    range: IdedExpr,
    accu_init: IdedExpr,
    loop_cond: IdedExpr,
    loop_step: IdedExpr,
    result: IdedExpr,
) -> IdedExpr {
    let iter_range = call(helper, PAIRS, vec![range]);
    helper.next_expr(Expr::Comprehension(Box::new(ComprehensionExpr {
        iter_range,
        iter_var: IT.to_string(),
        iter_var2: None,
        accu_var: RESULT.to_string(),
        accu_init,
        loop_cond,
        loop_step,
        result,
    })))
}

/// `all` (`and`) or `exists` (not `and`): `@result && p` while `@result` is not false (or `@result || p`).
fn quantifier(
    helper: &mut MacroExprHelper<'_>,
    target: &mut Option<IdedExpr>,
    args: &mut Vec<IdedExpr>,
    and: bool,
) -> Expansion {
    let Call { range, first, second, mut rest } = split(helper, target, args)?;
    let predicate = with_vars(helper, &first, &second, rest.remove(0));
    let init = literal(helper, LiteralValue::Boolean(and.into()));
    let accu = ident(helper, RESULT);
    let cond_arg = if and { accu } else { call(helper, operators::LOGICAL_NOT, vec![accu]) };
    let cond = call(helper, operators::NOT_STRICTLY_FALSE, vec![cond_arg]);
    let accu = ident(helper, RESULT);
    let op = if and { operators::LOGICAL_AND } else { operators::LOGICAL_OR };
    let step = call(helper, op, vec![accu, predicate]);
    let result = ident(helper, RESULT);
    Ok(Some(comprehension(helper, range, init, cond, step, result)))
}

fn all(helper: &mut MacroExprHelper<'_>, target: &mut Option<IdedExpr>, args: &mut Vec<IdedExpr>) -> Expansion {
    quantifier(helper, target, args, true)
}

fn exists(helper: &mut MacroExprHelper<'_>, target: &mut Option<IdedExpr>, args: &mut Vec<IdedExpr>) -> Expansion {
    quantifier(helper, target, args, false)
}

fn exists_one(helper: &mut MacroExprHelper<'_>, target: &mut Option<IdedExpr>, args: &mut Vec<IdedExpr>) -> Expansion {
    let Call { range, first, second, mut rest } = split(helper, target, args)?;
    let predicate = with_vars(helper, &first, &second, rest.remove(0));
    let init = literal(helper, LiteralValue::Int(0.into()));
    let cond = literal(helper, LiteralValue::Boolean(true.into()));
    let accu = ident(helper, RESULT);
    let one = literal(helper, LiteralValue::Int(1.into()));
    let plus_one = call(helper, operators::ADD, vec![accu, one]);
    let accu = ident(helper, RESULT);
    let step = call(helper, operators::CONDITIONAL, vec![predicate, plus_one, accu]);
    let accu = ident(helper, RESULT);
    let one = literal(helper, LiteralValue::Int(1.into()));
    let result = call(helper, operators::EQUALS, vec![accu, one]);
    Ok(Some(comprehension(helper, range, init, cond, step, result)))
}

/// The list of `item` for each pair (where `filter` holds): `@result + [item]`, guarded by the filter.
fn collect(
    helper: &mut MacroExprHelper<'_>,
    call: Call,
    item: impl FnOnce(&mut MacroExprHelper<'_>, &Call, IdedExpr) -> IdedExpr,
) -> IdedExpr {
    let mut call = call;
    let value = call.rest.pop().unwrap_or_default();
    let filter = call.rest.pop();
    let value = with_vars(helper, &call.first, &call.second, value);
    let value = item(helper, &call, value);
    let init = helper.next_expr(Expr::List(ListExpr::new(Vec::new())));
    let cond = literal(helper, LiteralValue::Boolean(true.into()));
    let accu = ident(helper, RESULT);
    let appended = helper.next_expr(Expr::List(ListExpr::new(vec![value])));
    let mut step = self::call(helper, operators::ADD, vec![accu, appended]);
    if let Some(filter) = filter {
        let filter = with_vars(helper, &call.first, &call.second, filter);
        let accu = ident(helper, RESULT);
        step = self::call(helper, operators::CONDITIONAL, vec![filter, step, accu]);
    }
    let result = ident(helper, RESULT);
    let range = std::mem::take(&mut call.range);
    comprehension(helper, range, init, cond, step, result)
}

fn transform_list(
    helper: &mut MacroExprHelper<'_>,
    target: &mut Option<IdedExpr>,
    args: &mut Vec<IdedExpr>,
) -> Expansion {
    let call = split(helper, target, args)?;
    Ok(Some(collect(helper, call, |_, _, value| value)))
}

fn transform_map(
    helper: &mut MacroExprHelper<'_>,
    target: &mut Option<IdedExpr>,
    args: &mut Vec<IdedExpr>,
) -> Expansion {
    let call = split(helper, target, args)?;
    let entries = collect(helper, call, |helper, _, value| {
        let key = ident(helper, IT);
        let index = literal(helper, LiteralValue::Int(0.into()));
        let key = self::call(helper, operators::INDEX, vec![key, index]);
        helper.next_expr(Expr::List(ListExpr::new(vec![key, value])))
    });
    Ok(Some(self::call(helper, PAIRS_TO_MAP, vec![entries])))
}

fn transform_map_entry(
    helper: &mut MacroExprHelper<'_>,
    target: &mut Option<IdedExpr>,
    args: &mut Vec<IdedExpr>,
) -> Expansion {
    let call = split(helper, target, args)?;
    let entries = collect(helper, call, |_, _, value| value);
    Ok(Some(self::call(helper, MERGE_ENTRIES, vec![entries])))
}

fn pairs<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [range] = take(args)?;
    let pair =
        |a: Box<dyn Val + 'v>, b: Box<dyn Val + 'v>| -> Box<dyn Val + 'v> { Box::new(CelList::from(vec![a, b])) };
    if let Some(list) = range.downcast_ref::<CelList>() {
        let mut out = Vec::with_capacity(list.inner().len());
        for (i, item) in list.inner().iter().enumerate() {
            let index = i64::try_from(i).map_err(|_| fail("comprehension", "list too long"))?;
            out.push(pair(Box::new(CelInt::from(index)), item.clone_as_boxed()));
        }
        return Ok(CowVal::owned(CelList::from(out)));
    }
    if let Some(map) = range.downcast_ref::<CelMap>() {
        let mut entries: Vec<_> = map.inner().iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        let out =
            entries.into_iter().map(|(k, v)| pair(k.inner().clone_as_boxed(), v.clone_as_boxed())).collect::<Vec<_>>();
        return Ok(CowVal::owned(CelList::from(out)));
    }
    Err(fail(
        "comprehension",
        format!(
            "expression of type '{}' cannot be the range of a comprehension (must be list, map, or dynamic)",
            range.get_type().name()
        ),
    ))
}

/// Inserts `key: value`, failing on a key already there (cel-go's `insert failed: key ... already exists`).
fn insert<'v>(
    map: &mut std::collections::HashMap<CelMapKey<'v>, Box<dyn Val + 'v>>,
    key: Box<dyn Val + 'v>,
    value: Box<dyn Val + 'v>,
) -> Result<(), ExecutionError> {
    let shown = format!("{key:?}");
    let key = CelMapKey::try_from(key).map_err(|_| fail("transformMap", format!("unsupported key type: {shown}")))?;
    if map.contains_key(&key) {
        let text = match &key {
            CelMapKey::String(s) => format!("'{}'", s.inner()),
            CelMapKey::Int(i) => i.inner().to_string(),
            CelMapKey::UInt(u) => format!("{}u", u.inner()),
            CelMapKey::Bool(b) => b.inner().to_string(),
        };
        return Err(fail("transformMapEntry", format!("insert failed: key {text} already exists")));
    }
    map.insert(key, value);
    Ok(())
}

fn list_items<'a, 'v>(value: &'a (dyn Val + 'v)) -> Result<&'a [Box<dyn Val + 'v>], ExecutionError> {
    value
        .downcast_ref::<CelList>()
        .map(CelList::inner)
        .ok_or_else(|| fail("comprehension", "internal: expected a list"))
}

fn pairs_to_map<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [entries] = take(args)?;
    let mut map = std::collections::HashMap::new();
    for entry in list_items(entries.as_ref())? {
        let [key, value] = list_items(entry.as_ref())? else {
            return Err(fail("transformMap", "internal: expected a pair"));
        };
        insert(&mut map, key.clone_as_boxed(), value.clone_as_boxed())?;
    }
    Ok(CowVal::owned(CelMap::from(map)))
}

fn merge_entries<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [entries] = take(args)?;
    let mut map = std::collections::HashMap::new();
    for entry in list_items(entries.as_ref())? {
        let Some(entry) = entry.downcast_ref::<CelMap>() else {
            return Err(fail(
                "transformMapEntry",
                format!("transformMapEntry expects a map as its result, found '{}'", entry.get_type().name()),
            ));
        };
        let mut sorted: Vec<_> = entry.inner().iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        for (key, value) in sorted {
            insert(&mut map, key.inner().clone_as_boxed(), value.clone_as_boxed())?;
        }
    }
    Ok(CowVal::owned(CelMap::from(map)))
}

#[cfg(test)]
mod tests {

    use pretty_assertions::assert_eq;

    use super::super::test_support::{error, is_true};
    use super::super::{Features, kro_env_with};

    #[test]
    fn all_and_exists_see_index_and_element_or_key_and_value() {
        is_true("[10, 20].all(i, v, v == (i + 1) * 10)");
        is_true("![10, 20].all(i, v, i == 0)");
        is_true("[10, 20].exists(i, v, i == 1 && v == 20)");
        is_true("![].exists(i, v, true) && [].all(i, v, false)");
        is_true("{'a': 1, 'b': 2}.all(k, v, k in ['a', 'b'] && v > 0)");
        is_true("{'a': 1, 'b': 2}.exists(k, v, k == 'b' && v == 2)");
        is_true("!{'a': 1}.exists(k, v, k == 'a' && v == 2)");
    }

    #[test]
    fn exists_one_counts_exactly_one() {
        is_true("[1, 2, 3].existsOne(i, v, v > 2)");
        is_true("![1, 2, 3].existsOne(i, v, v > 1)");
        is_true("{'a': 1, 'b': 1}.exists_one(k, v, k == 'a')");
        is_true("!{'a': 1, 'b': 1}.existsOne(k, v, v == 1)");
    }

    #[test]
    fn an_error_beside_a_deciding_element_is_absorbed_as_in_cel_go() {
        is_true("![0, 1].all(i, v, 1 / v > 0 && false)");
        is_true("[0, 1].exists(i, v, 1 / v == 1)");
        assert!(error("[0, 1].all(i, v, 1 / v > 0)").contains("zero"), "{}", error("[0, 1].all(i, v, 1 / v > 0)"));
    }

    #[test]
    fn transform_list_maps_and_filters() {
        is_true("[1, 2, 3].transformList(i, v, i * v) == [0, 2, 6]");
        is_true("[1, 2, 3].transformList(i, v, i > 0, v) == [2, 3]");
        is_true("{'b': 2, 'a': 1}.transformList(k, v, k + string(v)) == ['a1', 'b2']");
        is_true("{'b': 2, 'a': 1}.transformList(k, v, v > 1, k) == ['b']");
        is_true("[].transformList(i, v, v) == []");
    }

    #[test]
    fn transform_map_keeps_the_keys_and_maps_the_values() {
        is_true("{'a': 1, 'b': 2}.transformMap(k, v, v * 10) == {'a': 10, 'b': 20}");
        is_true("{'a': 1, 'b': 2}.transformMap(k, v, v > 1, k + '!') == {'b': 'b!'}");
        is_true("['x', 'y'].transformMap(i, v, v + v) == {0: 'xx', 1: 'yy'}");
        is_true("{'app': 'web'}.transformMap(k, v, v.upperAscii()) == {'app': 'WEB'}");
    }

    #[test]
    fn transform_map_entry_builds_a_map_from_entries() {
        is_true("{'a': 'x', 'b': 'y'}.transformMapEntry(k, v, {v: k}) == {'x': 'a', 'y': 'b'}");
        is_true("['a', 'b'].transformMapEntry(i, v, {v: i}) == {'a': 0, 'b': 1}");
        is_true("{'a': 1, 'b': 2}.transformMapEntry(k, v, v > 1, {k + k: v}) == {'bb': 2}");
        is_true("{'a': 1}.transformMapEntry(k, v, {}) == {}");
    }

    #[test]
    fn nested_and_shadowing_comprehensions_scope_their_variables() {
        is_true("[[1, 2], [3]].transformList(i, row, row.transformList(j, x, i * 10 + x)) == [[1, 2], [13]]");
        is_true("cel.bind(v, 5, [1].all(i, v, v == 1) && v == 5)");
        is_true("[1, 2].map(x, [x].exists(i, v, v == x)).all(b, b)");
    }

    #[test]
    fn errors_of_the_range_the_entries_and_the_names() {
        assert!(error("1.all(i, v, true)").contains("cannot be the range"), "{}", error("1.all(i, v, true)"));
        assert!(error("'abc'.transformList(i, v, v)").contains("cannot be the range"));
        assert_eq!(
            error("{'a': 1, 'b': 1}.transformMapEntry(k, v, {'same': v})"),
            "insert failed: key 'same' already exists"
        );
        assert!(error("[1].transformMapEntry(i, v, v)").contains("expects a map"));
        assert!(error("[1].transformMap(i, v, i > 0 || 1 / 0 == 1, v)").contains("zero"));
        let env = kro_env_with(Features::default()).unwrap();
        assert!(env.compile("[1].all(i.j, v, true)").unwrap_err().to_string().contains("simple name"));
        assert!(env.compile("[1].all(i, i, true)").unwrap_err().to_string().contains("duplicate variable name"));
        assert!(env.compile("[1].transformList(i, 1, v)").is_err());
    }
}
