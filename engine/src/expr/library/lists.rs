//! `lists.setAtIndex(list, int, T)`, `lists.insertAtIndex(list, int, T)` and `lists.removeAtIndex(list, int)`:
//! a new list with one element replaced, inserted or removed, as kro's `pkg/cel/library/lists.go`. The input
//! list is never changed. An index out of range is an error with kro's text
//! (`lists.setAtIndex: index 3 out of bounds [0, 3)`); `insertAtIndex` accepts `size(list)`, appending.

use cel::ExecutionError;
use cel::common::types::CelList;
use cel::common::value::{CowVal, Val};

use super::declare::{Family, Overload};
use super::{fail, int_arg, take};

const SET: &str = "lists.setAtIndex";
const INSERT: &str = "lists.insertAtIndex";
const REMOVE: &str = "lists.removeAtIndex";

pub(super) static FAMILY: Family = Family {
    name: "lists",
    overloads: &[
        Overload::new(&["lists.setAtIndex(list(A), int, A) -> list(A)"], "lists.setAtIndex_list_int_T", set_at_index),
        Overload::new(
            &["lists.insertAtIndex(list(A), int, A) -> list(A)"],
            "lists.insertAtIndex_list_int_T",
            insert_at_index,
        ),
        Overload::new(
            &["lists.removeAtIndex(list(A), int) -> list(A)"],
            "lists.removeAtIndex_list_int",
            remove_at_index,
        ),
    ],
    docs: &[
        ("lists.setAtIndex", "kro: the list with the element at the index replaced."),
        ("lists.insertAtIndex", "kro: the list with the element inserted at the index."),
        ("lists.removeAtIndex", "kro: the list without the element at the index."),
    ],
    ..Family::EMPTY
};

/// The elements of `list`: moved out of an owned list, cloned from a borrowed one.
fn elements<'v>(function: &str, list: CowVal<'_, 'v>) -> Result<Vec<Box<dyn Val + 'v>>, ExecutionError> {
    let borrowed = match list {
        CowVal::Owned(owned) => match Vec::try_from(owned) {
            Ok(items) => return Ok(items),
            Err(other) => return Err(not_a_list(function, other.as_ref())),
        },
        CowVal::Borrowed(borrowed) => borrowed,
    };
    let list = borrowed.downcast_ref::<CelList>().ok_or_else(|| not_a_list(function, borrowed))?;
    Ok(list.inner().to_vec())
}

fn not_a_list(function: &str, value: &dyn Val) -> ExecutionError {
    fail(function, format!("{function}: first argument must be a list, got {}", value.get_type().name()))
}

/// `index` as a position in a list of `size` elements, when `index` is in `[0, size)` (`[0, size]` if
/// `inclusive`); kro's error otherwise.
fn position(function: &str, index: i64, size: usize, inclusive: bool) -> Result<usize, ExecutionError> {
    let in_range = usize::try_from(index).ok().filter(|&i| i < size || (inclusive && i == size));
    in_range.ok_or_else(|| {
        let close = if inclusive { ']' } else { ')' };
        fail(function, format!("{function}: index {index} out of bounds [0, {size}{close}"))
    })
}

fn set_at_index<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [list, index, value] = take(args)?;
    let index = int_arg(SET, index.as_ref())?;
    let mut items = elements(SET, list)?;
    let at = position(SET, index, items.len(), false)?;
    items[at] = value.into_owned();
    Ok(CowVal::owned(CelList::from(items)))
}

fn insert_at_index<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [list, index, value] = take(args)?;
    let index = int_arg(INSERT, index.as_ref())?;
    let mut items = elements(INSERT, list)?;
    let at = position(INSERT, index, items.len(), true)?;
    items.insert(at, value.into_owned());
    Ok(CowVal::owned(CelList::from(items)))
}

fn remove_at_index<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [list, index] = take(args)?;
    let index = int_arg(REMOVE, index.as_ref())?;
    let mut items = elements(REMOVE, list)?;
    let at = position(REMOVE, index, items.len(), false)?;
    items.remove(at);
    Ok(CowVal::owned(CelList::from(items)))
}

#[cfg(test)]
mod tests {

    use pretty_assertions::assert_eq;

    use super::super::test_support::{error, is_true};

    #[test]
    fn set_at_index_replaces_one_element() {
        is_true("lists.setAtIndex([1, 2, 3], 1, 99) == [1, 99, 3]");
        is_true("lists.setAtIndex(['a', 'b', 'c'], 0, 'z') == ['z', 'b', 'c']");
        is_true("lists.setAtIndex([1, 2, 3], 2, {'k': 'v'}) == [1, 2, {'k': 'v'}]");
    }

    #[test]
    fn insert_at_index_inserts_before_the_index_and_appends_at_the_size() {
        is_true("lists.insertAtIndex([1, 2, 3], 1, 99) == [1, 99, 2, 3]");
        is_true("lists.insertAtIndex([1, 2, 3], 0, 99) == [99, 1, 2, 3]");
        is_true("lists.insertAtIndex([1, 2, 3], 3, 99) == [1, 2, 3, 99]");
        is_true("lists.insertAtIndex([], 0, 'a') == ['a']");
    }

    #[test]
    fn remove_at_index_removes_one_element() {
        is_true("lists.removeAtIndex([1, 2, 3], 1) == [1, 3]");
        is_true("lists.removeAtIndex([1, 2, 3], 0) == [2, 3]");
        is_true("lists.removeAtIndex([1, 2, 3], 2) == [1, 2]");
        is_true("lists.removeAtIndex([1], 0) == []");
    }

    #[test]
    fn the_input_list_is_left_as_it_was() {
        is_true("cel.bind(l, [1, 2, 3], lists.setAtIndex(l, 0, 9) == [9, 2, 3] && l == [1, 2, 3])");
        is_true("cel.bind(l, [1, 2], lists.removeAtIndex(l, 0) == [2] && size(l) == 2)");
    }

    #[test]
    fn an_index_out_of_range_is_an_error_with_kros_text() {
        assert_eq!(error("lists.setAtIndex([1, 2, 3], 3, 0)"), "lists.setAtIndex: index 3 out of bounds [0, 3)");
        assert_eq!(error("lists.setAtIndex([1, 2, 3], -1, 0)"), "lists.setAtIndex: index -1 out of bounds [0, 3)");
        assert_eq!(error("lists.setAtIndex([], 0, 0)"), "lists.setAtIndex: index 0 out of bounds [0, 0)");
        assert_eq!(error("lists.insertAtIndex([1, 2, 3], 4, 0)"), "lists.insertAtIndex: index 4 out of bounds [0, 3]");
        assert_eq!(error("lists.insertAtIndex([1], -1, 0)"), "lists.insertAtIndex: index -1 out of bounds [0, 1]");
        assert_eq!(error("lists.removeAtIndex([1, 2, 3], 3)"), "lists.removeAtIndex: index 3 out of bounds [0, 3)");
        assert_eq!(error("lists.removeAtIndex([], 0)"), "lists.removeAtIndex: index 0 out of bounds [0, 0)");
        assert_eq!(
            error("lists.removeAtIndex([1], -9223372036854775807 - 1)"),
            "lists.removeAtIndex: index -9223372036854775808 out of bounds [0, 1)"
        );
    }

    #[test]
    fn the_arguments_must_be_a_list_and_an_int() {
        assert_eq!(
            error("lists.setAtIndex({'a': 1}, 0, 1)"),
            "found no matching overload for 'lists.setAtIndex' applied to '(map, int, int)'"
        );
        assert!(error("lists.insertAtIndex([1], '0', 1)").contains("found no matching overload"));
        assert!(error("lists.removeAtIndex([1], 0u)").contains("found no matching overload"));
        assert!(error("lists.removeAtIndex([1])").contains("found no matching overload"));
    }
}
