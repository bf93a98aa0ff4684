//! Walking the `cel` crate's syntax tree for the rewrites evaluation applies ([`super::budget`],
//! [`super::compat`]).

use cel::common::ast::{EntryExpr, IdedEntryExpr, IdedExpr};

/// The entries of a map or struct literal with `f` applied to every expression in them (keys and values).
pub(super) fn map_entries(entries: Vec<IdedEntryExpr>, f: &mut dyn FnMut(IdedExpr) -> IdedExpr) -> Vec<IdedEntryExpr> {
    entries
        .into_iter()
        .map(|IdedEntryExpr { id, expr }| {
            let expr = match expr {
                EntryExpr::MapEntry(mut e) => {
                    e.key = f(e.key);
                    e.value = f(e.value);
                    EntryExpr::MapEntry(e)
                }
                EntryExpr::StructField(mut field) => {
                    field.value = f(field.value);
                    EntryExpr::StructField(field)
                }
            };
            IdedEntryExpr { id, expr }
        })
        .collect()
}
