//! The parts of cel-go's optional library (`cel.OptionalTypes()`, which kro enables) that the `cel` crate does
//! not have: `<list>.first()` / `last()`, and `optional.unwrap(list)` / `<list>.unwrapOpt()`. (`?.`, `[?]`,
//! `optional.of/ofNonZeroValue/none`, `value`, `hasValue`, `orValue`, `or` and the `optMap`/`optFlatMap`
//! macros are the crate's own.)

use cel::ExecutionError;
use cel::common::types::{CelList, CelOptional};
use cel::common::value::{CowVal, Val};

use super::declare::{Family, Overload};
use super::take;

pub(super) static FAMILY: Family = Family {
    name: "optionals",
    overloads: &[
        Overload::new(&["list(A)@first() -> optional(A)"], "list_first", first),
        Overload::new(&["list(A)@last() -> optional(A)"], "list_last", last),
        Overload::new(&["optional.unwrap(list(optional(A))) -> list(A)"], "optional_unwrap_list", unwrap),
        Overload::new(&["list(optional(A))@unwrapOpt() -> list(A)"], "list_unwrap_opt", unwrap),
    ],
    docs: &[
        ("first", "The first element, as an optional (empty for an empty list)."),
        ("last", "The last element, as an optional (empty for an empty list)."),
        ("optional.unwrap", "The values of the optionals that hold one."),
        ("unwrapOpt", "The values of the optionals that hold one."),
    ],
    ..Family::EMPTY
};

fn items<'a, 'v>(list: &'a (dyn Val + 'v)) -> Result<&'a [Box<dyn Val + 'v>], ExecutionError> {
    list.downcast_ref::<CelList>()
        .map(CelList::inner)
        .ok_or_else(|| ExecutionError::no_such_overload("first", vec![list.get_type().name().to_owned()]))
}

fn end<'b, 'v>(args: Vec<CowVal<'b, 'v>>, from_end: bool) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [list] = take(args)?;
    let items = items(list.as_ref())?;
    let item = if from_end { items.last() } else { items.first() };
    Ok(CowVal::owned(item.map_or_else(CelOptional::none, |v| CelOptional::of(v.clone_as_boxed()))))
}

fn first<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    end(args, false)
}

fn last<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    end(args, true)
}

/// The values of the present optionals of a list, in order.
fn unwrap<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [list] = take(args)?;
    let mut out: Vec<Box<dyn Val + 'v>> = Vec::new();
    for item in items(list.as_ref())? {
        let optional = item.downcast_ref::<CelOptional>().ok_or_else(|| {
            ExecutionError::function_error(
                "optional.unwrap",
                format!("expected an optional, got {}", item.get_type().name()),
            )
        })?;
        if let Some(value) = optional.inner() {
            out.push(value.clone_as_boxed());
        }
    }
    Ok(CowVal::owned(CelList::from(out)))
}

#[cfg(test)]
mod tests {
    use cel::Value;

    use super::super::test_support::{error, ok};

    #[test]
    fn first_last_and_unwrap() {
        assert_eq!(ok("[1, 2, 3].first().value()"), Value::Int(1));
        assert_eq!(ok("[1, 2, 3].last().value()"), Value::Int(3));
        assert_eq!(ok("[].first().hasValue()"), Value::Bool(false));
        assert_eq!(
            ok("optional.unwrap([optional.of(1), optional.none(), optional.of(3)]) == [1, 3]"),
            Value::Bool(true)
        );
        assert_eq!(ok("[optional.of('a'), optional.none()].unwrapOpt() == ['a']"), Value::Bool(true));
        assert!(error("[1].unwrapOpt()").contains("expected an optional"));
    }

    #[test]
    fn opt_map_and_opt_flat_map() {
        assert_eq!(
            ok("optional.of('web').optMap(n, n.upperAscii()).orValue('none')"),
            Value::String("WEB".to_string().into())
        );
        assert_eq!(ok("optional.none().optMap(n, n + 1).orValue(0)"), Value::Int(0));
        assert_eq!(
            ok("optional.of(2).optFlatMap(n, n > 1 ? optional.of(n * 10) : optional.none()).orValue(0)"),
            Value::Int(20)
        );
        assert_eq!(
            ok("optional.of(1).optFlatMap(n, n > 1 ? optional.of(n * 10) : optional.none()).hasValue()"),
            Value::Bool(false)
        );
    }
}
