//! `<map>.merge(<map>)`: the entries of both maps, the right-hand map's value winning for a key both have, as
//! kro's `pkg/cel/library/maps.go` (`{'a': 1}.merge({'a': 2, 'b': 2}) == {'a': 2, 'b': 2}`).
//!
//! kro's checker types it `map(K, V).merge(map(K, V))`; without a checker, any two maps merge here.
//!
//! `<dyn>.deepMerge(<dyn>)` (kro HEAD, unreleased): the same, recursively: where both sides hold a map under a
//! key, the two maps are deep-merged; any other value (a list, a scalar, `null`) on the right replaces the left's
//! whole, lists included (`{'a': {'x': 1, 'y': [1]}}.deepMerge({'a': {'y': [2]}}) == {'a': {'x': 1, 'y': [2]}}`).
//! kro declares it on `dyn`, so the checker accepts any operands; both must be maps when it runs, otherwise it
//! fails with `deepMerge: expected two maps, got list and map`.

use std::collections::HashMap;

use cel::ExecutionError;
use cel::common::types::CelMap;
use cel::common::value::{CowVal, Val};

use super::declare::{Family, Overload};
use super::{fail, take};

/// Deepest nesting of maps `deepMerge` descends into. Values come from Kubernetes objects and expressions, far
/// shallower; the bound keeps the recursion from ever exhausting the stack.
const MAX_DEPTH: usize = 100;

pub(super) static FAMILY: Family = Family {
    name: "maps",
    overloads: &[
        Overload::new(&["map(A, B)@merge(map(A, B)) -> map(A, B)"], "map_merge", merge),
        // kro declares it on `dyn`: any operands check, and the result is `dyn` (two maps are needed at runtime).
        Overload::new(&["dyn@deepMerge(dyn) -> dyn"], "dyn_deep_merge", deep_merge),
    ],
    docs: &[
        ("merge", "kro: the map with the other's entries added (the other's win)."),
        ("deepMerge", "kro: the two maps merged recursively."),
    ],
    ..Family::EMPTY
};

fn deep_merge<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [left, right] = take(args)?;
    let (Some(l), Some(r)) = (left.downcast_ref::<CelMap>(), right.downcast_ref::<CelMap>()) else {
        return Err(fail(
            "deepMerge",
            format!("deepMerge: expected two maps, got {} and {}", left.get_type().name(), right.get_type().name()),
        ));
    };
    if l.inner().is_empty() {
        return Ok(right);
    }
    if r.inner().is_empty() {
        return Ok(left);
    }
    Ok(CowVal::owned(merge_maps(l, r, 0)?))
}

/// `left` with `right`'s entries laid over it, maps under the same key merged in turn.
fn merge_maps<'v>(left: &CelMap<'v>, right: &CelMap<'v>, depth: usize) -> Result<CelMap<'v>, ExecutionError> {
    if depth >= MAX_DEPTH {
        return Err(fail("deepMerge", format!("deepMerge: maps nest deeper than {MAX_DEPTH} levels")));
    }
    let mut merged: HashMap<_, _> = left.inner().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (k, v) in right.inner() {
        let nested = match (merged.get(k).and_then(|old| old.downcast_ref::<CelMap>()), v.downcast_ref::<CelMap>()) {
            (Some(old), Some(new)) => Some(merge_maps(old, new, depth + 1)?),
            _ => None,
        };
        let value: Box<dyn Val + 'v> = match nested {
            Some(map) => Box::new(map),
            None => v.clone(),
        };
        merged.insert(k.clone(), value);
    }
    Ok(CelMap::from(merged))
}

fn merge<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [left, right] = take(args)?;
    let (l, r) = (as_map(left.as_ref())?, as_map(right.as_ref())?);
    // Merging with an empty map changes nothing: hand the other one back without copying it.
    if l.inner().is_empty() {
        return Ok(right);
    }
    if r.inner().is_empty() {
        return Ok(left);
    }
    let mut merged: HashMap<_, _> = r.inner().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (k, v) in l.inner() {
        merged.entry(k.clone()).or_insert_with(|| v.clone());
    }
    Ok(CowVal::owned(CelMap::from(merged)))
}

fn as_map<'b, 'v>(value: &'b (dyn Val + 'v)) -> Result<&'b CelMap<'v>, ExecutionError> {
    value
        .downcast_ref::<CelMap>()
        .ok_or_else(|| fail("merge", format!("no such overload: {}.merge", value.get_type().name())))
}

#[cfg(test)]
mod tests {
    use cel::Value;
    use pretty_assertions::assert_eq;

    use super::super::test_support::{error, is_true, ok};

    #[test]
    fn merge_keeps_both_maps_entries_and_the_right_hand_side_wins() {
        assert_eq!(ok("{}.merge({}) == {}"), Value::Bool(true));
        assert_eq!(ok("{}.merge({'a': 1}) == {'a': 1}"), Value::Bool(true));
        assert_eq!(ok("{'a': 1}.merge({}) == {'a': 1}"), Value::Bool(true));
        assert_eq!(ok("{'a': 1}.merge({'b': 2}) == {'a': 1, 'b': 2}"), Value::Bool(true));
        assert_eq!(ok("{'a': 1}.merge({'a': 2, 'b': 2}) == {'a': 2, 'b': 2}"), Value::Bool(true));
    }

    #[test]
    fn merge_is_shallow_a_nested_map_is_replaced_whole() {
        assert_eq!(
            ok("{'labels': {'app': 'web'}, 'keep': 1}.merge({'labels': {'tier': 'db'}}) == \
                {'labels': {'tier': 'db'}, 'keep': 1}"),
            Value::Bool(true)
        );
    }

    #[test]
    fn merge_chains_left_to_right() {
        assert_eq!(ok("{'a': 1}.merge({'a': 2}).merge({'a': 3})['a']"), Value::Int(3));
    }

    #[test]
    fn deep_merge_merges_nested_maps_and_the_right_hand_side_wins() {
        is_true("{}.deepMerge({}) == {}");
        is_true("{}.deepMerge({'a': 1}) == {'a': 1}");
        is_true("{'a': 1}.deepMerge({}) == {'a': 1}");
        is_true("{'a': 1}.deepMerge({'a': 2, 'b': 2}) == {'a': 2, 'b': 2}");
        is_true(
            "{'labels': {'app': 'web'}, 'keep': 1}.deepMerge({'labels': {'tier': 'db'}}) == \
             {'labels': {'app': 'web', 'tier': 'db'}, 'keep': 1}",
        );
        is_true("{'a': {'b': {'c': 1, 'd': 1}}}.deepMerge({'a': {'b': {'d': 2}}}) == {'a': {'b': {'c': 1, 'd': 2}}}");
    }

    #[test]
    fn deep_merge_replaces_lists_scalars_and_mismatched_values_whole() {
        is_true("{'a': {'x': 1, 'y': [1, 2]}}.deepMerge({'a': {'y': [3]}}) == {'a': {'x': 1, 'y': [3]}}");
        is_true("{'a': {'x': 1}}.deepMerge({'a': 5}) == {'a': 5}");
        is_true("{'a': 5}.deepMerge({'a': {'x': 1}}) == {'a': {'x': 1}}");
        is_true("{'a': {'x': 1}}.deepMerge({'a': null}) == {'a': null}");
        is_true("{1: {'x': 1}}.deepMerge({1: {'y': 2}}) == {1: {'x': 1, 'y': 2}}");
    }

    #[test]
    fn deep_merge_leaves_its_operands_unchanged_and_chains() {
        is_true("cel.bind(m, {'a': {'x': 1}}, m.deepMerge({'a': {'y': 2}}) != m && m == {'a': {'x': 1}})");
        is_true("{'a': {'x': 1}}.deepMerge({'a': {'y': 2}}).deepMerge({'a': {'x': 3}}) == {'a': {'x': 3, 'y': 2}}");
    }

    #[test]
    fn deep_merge_needs_two_maps_when_it_runs() {
        assert_eq!(error("{'a': 1}.deepMerge([1])"), "deepMerge: expected two maps, got map and list");
        assert_eq!(error("'x'.deepMerge({'a': 1})"), "deepMerge: expected two maps, got string and map");
        assert_eq!(error("null.deepMerge(null)"), "deepMerge: expected two maps, got null_type and null_type");
        assert!(error("{'a': 1}.deepMerge()").contains("found no matching overload"));
    }

    #[test]
    fn merge_takes_two_maps_only() {
        assert_eq!(error("{'a': 1}.merge([1])"), "found no matching overload for 'merge' applied to 'map.(list)'");
        assert!(error("[1].merge({'a': 1})").contains("found no matching overload"));
        assert!(error("{'a': 1}.merge()").contains("found no matching overload"));
    }
}
