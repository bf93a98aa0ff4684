//! `<map>.merge(<map>)`: the entries of both maps, the right-hand map's value winning for a key both have, as
//! kro's `pkg/cel/library/maps.go` (`{'a': 1}.merge({'a': 2, 'b': 2}) == {'a': 2, 'b': 2}`).
//!
//! kro's checker types it `map(K, V).merge(map(K, V))`; without a checker, any two maps merge here.

use std::collections::HashMap;

use cel::common::types::{CelMap, MAP_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};

use super::{fail, take};

pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_member_overload("merge", "map_merge", MAP_TYPE, vec![MAP_TYPE], merge)
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

    use super::super::test_support::{error, ok};

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
    fn merge_takes_two_maps_only() {
        assert_eq!(error("{'a': 1}.merge([1])"), "found no matching overload for 'merge' applied to 'map.(list)'");
        assert!(error("[1].merge({'a': 1})").contains("found no matching overload"));
        assert!(error("{'a': 1}.merge()").contains("found no matching overload"));
    }
}
