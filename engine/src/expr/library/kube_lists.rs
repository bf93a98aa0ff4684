//! The Kubernetes list functions (`k8s.io/apiserver/pkg/cel/library/lists.go`): `isSorted()`, `sum()`, `min()`,
//! `max()`, `indexOf(x)` and `lastIndexOf(x)` on lists.
//!
//! As in Kubernetes, `min`/`max` of an empty list is an error (`min called on empty list`), `sum` of an empty list
//! is `0`, and elements that cannot be compared or added find no overload.

use std::cmp::Ordering;

use cel::ExecutionError;
use cel::common::types::{CelBool, CelInt, CelList};
use cel::common::value::{CowVal, Val};

use super::declare::{Family, Overload};
use super::take;

pub(super) static FAMILY: Family = Family {
    name: "kube_lists",
    overloads: &[
        Overload::new(&["list(A)@isSorted() -> bool"], "list_is_sorted", is_sorted),
        Overload::new(
            &[
                "list(int)@sum() -> int",
                "list(uint)@sum() -> uint",
                "list(double)@sum() -> double",
                "list(duration)@sum() -> duration",
            ],
            "list_sum",
            sum,
        ),
        Overload::new(&["list(A)@min() -> A"], "list_min", min),
        Overload::new(&["list(A)@max() -> A"], "list_max", max),
        Overload::new(&["list(A)@indexOf(A) -> int"], "list_index_of", index_of),
        Overload::new(&["list(A)@lastIndexOf(A) -> int"], "list_last_index_of", last_index_of),
    ],
    docs: &[
        ("isSorted", "Kubernetes: whether the list is sorted."),
        ("sum", "Kubernetes: the sum of the elements."),
        ("min", "Kubernetes: the smallest element."),
        ("max", "Kubernetes: the largest element."),
        ("indexOf", "Kubernetes: where the element first occurs, or -1."),
        ("lastIndexOf", "Kubernetes: where the element last occurs, or -1."),
    ],
    ..Family::EMPTY
};

fn items<'a, 'v>(function: &str, list: &'a (dyn Val + 'v)) -> Result<&'a [Box<dyn Val + 'v>], ExecutionError> {
    list.downcast_ref::<CelList>()
        .map(CelList::inner)
        .ok_or_else(|| ExecutionError::no_such_overload(function, vec![list.get_type().name().to_owned()]))
}

/// `a` compared with `b`; values that do not compare find no overload, as in cel-go.
fn compare(function: &str, a: &dyn Val, b: &dyn Val) -> Result<Ordering, ExecutionError> {
    let no_overload = || {
        ExecutionError::no_such_overload(function, vec![a.get_type().name().to_owned(), b.get_type().name().to_owned()])
    };
    let comparer = a.as_comparer().ok_or_else(no_overload)?;
    comparer.compare(b).map_err(|_| no_overload())
}

fn is_sorted<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [list] = take(args)?;
    let items = items("isSorted", list.as_ref())?;
    for pair in items.windows(2) {
        if compare("isSorted", pair[0].as_ref(), pair[1].as_ref())? == Ordering::Greater {
            return Ok(CowVal::owned(CelBool::from(false)));
        }
    }
    if let [only] = items {
        compare("isSorted", only.as_ref(), only.as_ref())?;
    }
    Ok(CowVal::owned(CelBool::from(true)))
}

fn sum<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [list] = take(args)?;
    let items = items("sum", list.as_ref())?;
    let Some((first, rest)) = items.split_first() else {
        return Ok(CowVal::owned(CelInt::from(0)));
    };
    let summable = |v: &dyn Val| matches!(v.get_type().name(), "int" | "uint" | "double" | "google.protobuf.Duration");
    if !summable(first.as_ref()) {
        return Err(ExecutionError::no_such_overload("sum", vec![format!("list({})", first.get_type().name())]));
    }
    let mut total: Box<dyn Val + 'v> = first.clone_as_boxed();
    for next in rest {
        let adder = total.as_adder().filter(|_| next.get_type() == total.get_type());
        let Some(adder) = adder else {
            return Err(ExecutionError::no_such_overload(
                "sum",
                vec![total.get_type().name().to_owned(), next.get_type().name().to_owned()],
            ));
        };
        total = adder.add(next.as_ref())?.into_owned();
    }
    Ok(CowVal::Owned(total))
}

fn extreme<'b, 'v>(
    function: &str,
    args: Vec<CowVal<'b, 'v>>,
    keep: Ordering,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [list] = take(args)?;
    let items = items(function, list.as_ref())?;
    let Some((first, rest)) = items.split_first() else {
        return Err(ExecutionError::function_error(function, format!("{function} called on empty list")));
    };
    let mut best: &(dyn Val + 'v) = first.as_ref();
    compare(function, best, best)?;
    for next in rest {
        if compare(function, best, next.as_ref())? == keep {
            best = next.as_ref();
        }
    }
    Ok(CowVal::Owned(best.clone_as_boxed()))
}

fn min<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    extreme("min", args, Ordering::Greater)
}

fn max<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    extreme("max", args, Ordering::Less)
}

fn index_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [list, item] = take(args)?;
    let items = items("indexOf", list.as_ref())?;
    let found = items.iter().position(|x| x.equals(item.as_ref()));
    Ok(CowVal::owned(CelInt::from(found.and_then(|i| i64::try_from(i).ok()).unwrap_or(-1))))
}

fn last_index_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [list, item] = take(args)?;
    let items = items("lastIndexOf", list.as_ref())?;
    let found = items.iter().rposition(|x| x.equals(item.as_ref()));
    Ok(CowVal::owned(CelInt::from(found.and_then(|i| i64::try_from(i).ok()).unwrap_or(-1))))
}

#[cfg(test)]
mod tests {
    use cel::Value;
    use pretty_assertions::assert_eq;

    use super::super::test_support::{error, is_true, ok};

    #[test]
    fn is_sorted_checks_ascending_order() {
        is_true("[1, 2, 2, 3].isSorted()");
        is_true("![2, 1].isSorted()");
        is_true("['a', 'b'].isSorted() && [].isSorted() && [1].isSorted()");
        is_true("[1.0, 2.5].isSorted() && [false, true].isSorted()");
        is_true("[duration('1s'), duration('1m')].isSorted()");
    }

    #[test]
    fn sum_adds_the_elements() {
        assert_eq!(ok("[1, 2, 3].sum()"), Value::Int(6));
        assert_eq!(ok("[].sum()"), Value::Int(0));
        assert_eq!(ok("[1.5, 2.5].sum()"), Value::Float(4.0));
        assert_eq!(ok("[1u, 2u].sum()"), Value::UInt(3));
        is_true("[duration('1s'), duration('2s')].sum() == duration('3s')");
    }

    #[test]
    fn min_and_max_pick_the_extremes() {
        assert_eq!(ok("[3, 1, 2].min()"), Value::Int(1));
        assert_eq!(ok("[3, 1, 2].max()"), Value::Int(3));
        assert_eq!(ok("['b', 'a', 'c'].min()"), Value::from("a"));
        assert_eq!(ok("[7].max()"), Value::Int(7));
    }

    #[test]
    fn index_of_and_last_index_of_find_an_element() {
        assert_eq!(ok("[1, 2, 1].indexOf(1)"), Value::Int(0));
        assert_eq!(ok("[1, 2, 1].lastIndexOf(1)"), Value::Int(2));
        assert_eq!(ok("[1, 2].indexOf(5)"), Value::Int(-1));
        assert_eq!(ok("[].lastIndexOf(5)"), Value::Int(-1));
        assert_eq!(ok("[{'a': 1}, {'a': 2}].indexOf({'a': 2})"), Value::Int(1));
        assert_eq!(ok("'abcabc'.indexOf('c')"), Value::Int(2), "the string overload is still there");
    }

    #[test]
    fn errors_as_kubernetes_gives_them() {
        assert_eq!(error("[].min()"), "min called on empty list");
        assert_eq!(error("[].max()"), "max called on empty list");
        assert!(error("['a', 'b'].sum()").contains("no matching overload"), "{}", error("['a', 'b'].sum()"));
        assert!(error("[1, 'a'].sum()").contains("no matching overload"));
        assert!(error("[1, 'a'].isSorted()").contains("no matching overload"));
        assert!(error("[{'a': 1}, {'a': 2}].max()").contains("no matching overload"));
        assert!(error("{'a': 1}.sum()").contains("no matching overload"));
        assert!(error("1.isSorted()").contains("no matching overload"));
    }
}
