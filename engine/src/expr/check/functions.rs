//! The overload table: every function kro's environment offers, by signature, and overload resolution as
//! cel-go does it (when several overloads match, e.g. on `dyn` operands, the result is their common type, or
//! `dyn` when they differ).
//!
//! The signatures are declared with their implementations, per function family, in `expr::library`
//! ([`FAMILIES`]); the table is built from them once.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::types::Type;
use crate::expr::library::FAMILIES;
use crate::expr::library::declare::{MAX_TYPE_PARAMS, Shape, Signature};

/// A parameter or result type of an overload: concrete, or containing type parameters.
#[derive(Debug, Clone, PartialEq)]
enum Pat {
    Ty(Type),
    Param(usize),
    List(Box<Pat>),
    Map(Box<Pat>, Box<Pat>),
    Opt(Box<Pat>),
}

#[derive(Debug)]
struct Overload {
    /// Called as `target.f(args)`; the target is the first parameter.
    member: bool,
    params: Vec<Pat>,
    result: Pat,
}

type Table = HashMap<&'static str, Vec<Overload>>;

static TABLE: LazyLock<Table> = LazyLock::new(build_table);

/// Every checked signature of every family of kro's environment ([`FAMILIES`]).
fn build_table() -> Table {
    let opaque: Vec<&'static str> = FAMILIES.iter().flat_map(|f| f.types.iter().map(|t| t.name())).collect();
    let mut table = Table::new();
    for signature in FAMILIES.iter().flat_map(|f| f.checked_signatures()) {
        // A signature that does not parse is caught by the library's tests; here it is left out.
        if let Some(signature) = Signature::parse(signature)
            && let Some(overload) = Overload::of(&signature, &opaque)
        {
            table.entry(signature.name).or_default().push(overload);
        }
    }
    table
}

impl Overload {
    fn of(signature: &Signature, opaque: &[&'static str]) -> Option<Overload> {
        let params = signature.params.iter().map(|p| Pat::of(p, opaque)).collect::<Option<Vec<Pat>>>()?;
        Some(Overload { member: signature.member, params, result: Pat::of(&signature.result, opaque)? })
    }
}

impl Pat {
    fn of(shape: &Shape, opaque: &[&'static str]) -> Option<Pat> {
        let inner = |shape: &Shape| Pat::of(shape, opaque).map(Box::new);
        Some(match shape {
            Shape::Param(i) => Pat::Param(*i),
            Shape::List(elem) => Pat::List(inner(elem)?),
            Shape::Map(key, value) => Pat::Map(inner(key)?, inner(value)?),
            Shape::Optional(elem) => Pat::Opt(inner(elem)?),
            Shape::Named(name) => Pat::Ty(match *name {
                "dyn" => Type::Dyn,
                "null_type" => Type::Null,
                "bool" => Type::Bool,
                "int" => Type::Int,
                "uint" => Type::Uint,
                "double" => Type::Double,
                "string" => Type::String,
                "bytes" => Type::Bytes,
                "timestamp" => Type::Timestamp,
                "duration" => Type::Duration,
                "type" => Type::Meta,
                other => Type::Opaque(opaque.iter().find(|o| **o == other)?),
            }),
        })
    }
}

/// The most specific type both `a` and `b` fit, as a type parameter (or a list literal) takes it:
/// identical types, `dyn` with anything, `null` with anything. `None` when they do not fit together.
pub(crate) fn join(a: &Type, b: &Type) -> Option<Type> {
    match (a, b) {
        _ if a == b => Some(a.clone()),
        (Type::Error, _) | (_, Type::Error) => Some(Type::Error),
        (Type::Dyn, _) | (_, Type::Dyn) => Some(Type::Dyn),
        (Type::Null, other) | (other, Type::Null) => Some(other.clone()),
        (Type::List(x), Type::List(y)) => Some(Type::list(join(x, y)?)),
        (Type::Optional(x), Type::Optional(y)) => Some(Type::optional(join(x, y)?)),
        (Type::Map(xk, xv), Type::Map(yk, yv)) => Some(Type::map(join(xk, yk)?, join(xv, yv)?)),
        _ => None,
    }
}

type Subst = [Option<Type>; MAX_TYPE_PARAMS];

fn unify(pat: &Pat, t: &Type, subst: &mut Subst) -> bool {
    match (pat, t) {
        (Pat::Param(i), _) => match subst[*i].take() {
            None => {
                subst[*i] = Some(t.clone());
                true
            }
            Some(bound) => {
                let joined = join(&bound, t);
                let ok = joined.is_some();
                subst[*i] = Some(joined.unwrap_or(bound));
                ok
            }
        },
        (_, Type::Dyn | Type::Error) => {
            bind_all(pat, subst);
            true
        }
        (Pat::Ty(Type::Dyn), _) => true,
        (Pat::Ty(concrete), _) => concrete == t,
        (Pat::List(elem), Type::List(t_elem)) | (Pat::Opt(elem), Type::Optional(t_elem)) => unify(elem, t_elem, subst),
        (Pat::Map(key, value), Type::Map(t_key, t_value)) => unify(key, t_key, subst) && unify(value, t_value, subst),
        _ => false,
    }
}

/// A `dyn` argument for a pattern: its type parameters take `dyn`.
fn bind_all(pat: &Pat, subst: &mut Subst) {
    match pat {
        Pat::Param(i) => {
            let joined = subst[*i].take().map_or(Type::Dyn, |bound| join(&bound, &Type::Dyn).unwrap_or(Type::Dyn));
            subst[*i] = Some(joined);
        }
        Pat::List(inner) | Pat::Opt(inner) => bind_all(inner, subst),
        Pat::Map(key, value) => {
            bind_all(key, subst);
            bind_all(value, subst);
        }
        Pat::Ty(_) => {}
    }
}

fn substitute(pat: &Pat, subst: &Subst) -> Type {
    match pat {
        Pat::Ty(t) => t.clone(),
        Pat::Param(i) => subst[*i].clone().unwrap_or(Type::Dyn),
        Pat::List(elem) => Type::list(substitute(elem, subst)),
        Pat::Map(key, value) => Type::map(substitute(key, subst), substitute(value, subst)),
        Pat::Opt(inner) => Type::optional(substitute(inner, subst)),
    }
}

/// What overload resolution found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resolution {
    /// The result type: of the one matching overload, or the common type of several (`dyn` if they differ).
    Found(Type),
    /// The function exists, but no overload takes these arguments.
    NoMatch,
    /// No function of this name (in this style: member or global).
    Undeclared,
}

/// Whether a function (member or global) of this name exists.
pub(crate) fn is_declared(name: &str) -> bool {
    TABLE.contains_key(name)
}

/// Whether a global function of this name exists (for `ns.f(...)`: a namespaced function, not a method of a
/// variable `ns`).
pub(crate) fn is_global(name: &str) -> bool {
    TABLE.get(name).is_some_and(|overloads| overloads.iter().any(|o| !o.member))
}

/// Resolves a call of `name`: `args` holds the target first for a member call.
pub(crate) fn resolve(name: &str, member: bool, args: &[Type]) -> Resolution {
    let Some(overloads) = TABLE.get(name) else {
        return Resolution::Undeclared;
    };
    let mut result: Option<Type> = None;
    let mut styled = false;
    for overload in overloads.iter().filter(|o| o.member == member) {
        styled = true;
        if overload.params.len() != args.len() {
            continue;
        }
        let mut subst: Subst = Default::default();
        if overload.params.iter().zip(args).all(|(pat, arg)| unify(pat, arg, &mut subst)) {
            let found = substitute(&overload.result, &subst);
            result = Some(match result {
                None => found,
                Some(previous) if previous == found => previous,
                Some(_) => Type::Dyn,
            });
        }
    }
    match result {
        Some(t) => Resolution::Found(t),
        None if styled => Resolution::NoMatch,
        None => Resolution::Undeclared,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dyn_operands_give_the_common_result_type_not_the_last_overload() {
        assert_eq!(resolve("_*_", false, &[Type::Dyn, Type::Dyn]), Resolution::Found(Type::Dyn));
        assert_eq!(resolve("_+_", false, &[Type::Dyn, Type::Dyn]), Resolution::Found(Type::Dyn));
        assert_eq!(resolve("_<_", false, &[Type::Dyn, Type::Dyn]), Resolution::Found(Type::Bool));
        assert_eq!(resolve("_*_", false, &[Type::Int, Type::Dyn]), Resolution::Found(Type::Int));
        assert_eq!(resolve("size", false, &[Type::Dyn]), Resolution::Found(Type::Int));
    }

    #[test]
    fn type_parameters_bind() {
        let list = Type::list(Type::String);
        assert_eq!(resolve("_[_]", false, &[list.clone(), Type::Int]), Resolution::Found(Type::String));
        assert_eq!(resolve("_+_", false, &[list.clone(), list.clone()]), Resolution::Found(list.clone()));
        assert_eq!(resolve("_+_", false, &[list, Type::list(Type::Int)]), Resolution::NoMatch);
        assert_eq!(resolve("_==_", false, &[Type::Int, Type::String]), Resolution::NoMatch);
        // kro's environment has no cross-type numeric comparisons.
        assert_eq!(resolve("_==_", false, &[Type::Int, Type::Double]), Resolution::NoMatch);
        assert_eq!(resolve("nope", false, &[]), Resolution::Undeclared);
        assert_eq!(resolve("contains", false, &[Type::String, Type::String]), Resolution::Undeclared);
    }

    #[test]
    fn deep_merge_takes_anything_and_gives_dyn_as_kro_declares_it() {
        let map = Type::map(Type::String, Type::Int);
        assert_eq!(resolve("deepMerge", true, &[map.clone(), map.clone()]), Resolution::Found(Type::Dyn));
        assert_eq!(resolve("deepMerge", true, &[Type::Dyn, map]), Resolution::Found(Type::Dyn));
        assert_eq!(resolve("deepMerge", true, &[Type::Int, Type::String]), Resolution::Found(Type::Dyn));
        assert_eq!(resolve("deepMerge", false, &[Type::Dyn, Type::Dyn]), Resolution::Undeclared);
        assert_eq!(resolve("deepMerge", true, &[Type::Dyn]), Resolution::NoMatch);
    }
}
