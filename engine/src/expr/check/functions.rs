//! The overload table: every function kro's environment offers, by signature, and overload resolution as
//! cel-go does it (when several overloads match, e.g. on `dyn` operands, the result is their common type, or
//! `dyn` when they differ).
//!
//! Signatures are written as text (`list(A)@slice(int, int) -> list(A)` for a member function,
//! `random.seededString(int, string) -> string` for a global one; single capital letters are type
//! parameters) and parsed once.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::types::Type;

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

const PARAMS: usize = 4;

/// The standard library's operators and functions (cel-go `stdlib`). kro does not enable cel-go's
/// `CrossTypeNumericComparisons`, so `1 == 1.0` and `1 < 1.5` do not type-check, as in kro.
const STANDARD: &[&str] = &[
    "!_(bool) -> bool",
    "-_(int) -> int",
    "-_(double) -> double",
    "_&&_(bool, bool) -> bool",
    "_||_(bool, bool) -> bool",
    "@not_strictly_false(bool) -> bool",
    "_?_:_(bool, A, A) -> A",
    "_+_(int, int) -> int",
    "_+_(uint, uint) -> uint",
    "_+_(double, double) -> double",
    "_+_(string, string) -> string",
    "_+_(bytes, bytes) -> bytes",
    "_+_(list(A), list(A)) -> list(A)",
    "_+_(timestamp, duration) -> timestamp",
    "_+_(duration, timestamp) -> timestamp",
    "_+_(duration, duration) -> duration",
    "_-_(int, int) -> int",
    "_-_(uint, uint) -> uint",
    "_-_(double, double) -> double",
    "_-_(timestamp, timestamp) -> duration",
    "_-_(timestamp, duration) -> timestamp",
    "_-_(duration, duration) -> duration",
    "_*_(int, int) -> int",
    "_*_(uint, uint) -> uint",
    "_*_(double, double) -> double",
    "_/_(int, int) -> int",
    "_/_(uint, uint) -> uint",
    "_/_(double, double) -> double",
    "_%_(int, int) -> int",
    "_%_(uint, uint) -> uint",
    "_==_(A, A) -> bool",
    "_!=_(A, A) -> bool",
    "@in(A, list(A)) -> bool",
    "@in(A, map(A, B)) -> bool",
    "_[_](list(A), int) -> A",
    "_[_](list(A), uint) -> A",
    "_[_](map(A, B), A) -> B",
    "_[_](optional(list(A)), int) -> optional(A)",
    "_[_](optional(map(A, B)), A) -> optional(B)",
    "size(string) -> int",
    "size(bytes) -> int",
    "size(list(A)) -> int",
    "size(map(A, B)) -> int",
    "string@size() -> int",
    "bytes@size() -> int",
    "list(A)@size() -> int",
    "map(A, B)@size() -> int",
    "matches(string, string) -> bool",
    "string@matches(string) -> bool",
    "string@contains(string) -> bool",
    "string@startsWith(string) -> bool",
    "string@endsWith(string) -> bool",
    "int(int) -> int",
    "int(uint) -> int",
    "int(double) -> int",
    "int(string) -> int",
    "int(timestamp) -> int",
    "uint(int) -> uint",
    "uint(uint) -> uint",
    "uint(double) -> uint",
    "uint(string) -> uint",
    "double(int) -> double",
    "double(uint) -> double",
    "double(double) -> double",
    "double(string) -> double",
    "string(int) -> string",
    "string(uint) -> string",
    "string(double) -> string",
    "string(bool) -> string",
    "string(string) -> string",
    "string(bytes) -> string",
    "string(timestamp) -> string",
    "string(duration) -> string",
    "bytes(bytes) -> bytes",
    "bytes(string) -> bytes",
    "bool(bool) -> bool",
    "bool(string) -> bool",
    "dyn(A) -> dyn",
    "type(A) -> type",
    "timestamp(string) -> timestamp",
    "timestamp(timestamp) -> timestamp",
    "timestamp(int) -> timestamp",
    "duration(string) -> duration",
    "duration(duration) -> duration",
    "timestamp@getFullYear() -> int",
    "timestamp@getFullYear(string) -> int",
    "timestamp@getMonth() -> int",
    "timestamp@getMonth(string) -> int",
    "timestamp@getDayOfYear() -> int",
    "timestamp@getDayOfYear(string) -> int",
    "timestamp@getDayOfMonth() -> int",
    "timestamp@getDayOfMonth(string) -> int",
    "timestamp@getDate() -> int",
    "timestamp@getDate(string) -> int",
    "timestamp@getDayOfWeek() -> int",
    "timestamp@getDayOfWeek(string) -> int",
    "timestamp@getHours() -> int",
    "timestamp@getHours(string) -> int",
    "timestamp@getMinutes() -> int",
    "timestamp@getMinutes(string) -> int",
    "timestamp@getSeconds() -> int",
    "timestamp@getSeconds(string) -> int",
    "timestamp@getMilliseconds() -> int",
    "timestamp@getMilliseconds(string) -> int",
    "duration@getHours() -> int",
    "duration@getMinutes() -> int",
    "duration@getSeconds() -> int",
    "duration@getMilliseconds() -> int",
    // Optionals (cel-go OptionalTypes).
    "optional.of(A) -> optional(A)",
    "optional.ofNonZeroValue(A) -> optional(A)",
    "optional.none() -> optional(dyn)",
    "optional(A)@value() -> A",
    "optional(A)@hasValue() -> bool",
    "optional(A)@orValue(A) -> A",
    "optional(A)@or(optional(A)) -> optional(A)",
    "list(A)@first() -> optional(A)",
    "list(A)@last() -> optional(A)",
    "optional.unwrap(list(optional(A))) -> list(A)",
    "list(optional(A))@unwrapOpt() -> list(A)",
];

/// Ordering: same-type overloads only (no cross-type numeric comparisons in kro's environment).
const ORDERED: &[&str] = &["int", "uint", "double", "string", "bytes", "bool", "timestamp", "duration"];

/// cel-go's strings, lists and encoders extensions, `cel.bind` aside (it is a form of its own).
const EXTENSIONS: &[&str] = &[
    "string@charAt(int) -> string",
    "string@indexOf(string) -> int",
    "string@indexOf(string, int) -> int",
    "string@lastIndexOf(string) -> int",
    "string@lastIndexOf(string, int) -> int",
    "string@lowerAscii() -> string",
    "string@upperAscii() -> string",
    "string@replace(string, string) -> string",
    "string@replace(string, string, int) -> string",
    "string@split(string) -> list(string)",
    "string@split(string, int) -> list(string)",
    "string@substring(int) -> string",
    "string@substring(int, int) -> string",
    "string@trim() -> string",
    "string@reverse() -> string",
    "list(string)@join() -> string",
    "list(string)@join(string) -> string",
    "string@format(list(dyn)) -> string",
    "strings.quote(string) -> string",
    "list(A)@slice(int, int) -> list(A)",
    "list(list(A))@flatten() -> list(A)",
    "list(A)@flatten(int) -> list(dyn)",
    "list(A)@sort() -> list(A)",
    "list(A)@distinct() -> list(A)",
    "list(A)@reverse() -> list(A)",
    "lists.range(int) -> list(int)",
    "base64.encode(bytes) -> string",
    "base64.decode(string) -> bytes",
];

/// kro's own functions (`pkg/cel/library`).
const KRO: &[&str] = &[
    "random.seededString(int, string) -> string",
    "random.seededInt(int, int, string) -> int",
    "map(A, B)@merge(map(A, B)) -> map(A, B)",
    // kro declares it on `dyn`: any operands check, and the result is `dyn` (two maps are needed at runtime).
    "dyn@deepMerge(dyn) -> dyn",
    "json.marshal(dyn) -> string",
    "json.encode(dyn) -> string",
    "json.unmarshal(string) -> dyn",
    "hash.fnv64a(string) -> bytes",
    "hash.sha256(string) -> bytes",
    "hash.md5(string) -> bytes",
    "lists.setAtIndex(list(A), int, A) -> list(A)",
    "lists.insertAtIndex(list(A), int, A) -> list(A)",
    "lists.removeAtIndex(list(A), int) -> list(A)",
];

/// The Kubernetes CEL libraries kro enables (lists, regex, URL, quantity, IP, CIDR, semver).
const KUBERNETES: &[&str] = &[
    "list(A)@isSorted() -> bool",
    "list(int)@sum() -> int",
    "list(uint)@sum() -> uint",
    "list(double)@sum() -> double",
    "list(duration)@sum() -> duration",
    "list(A)@min() -> A",
    "list(A)@max() -> A",
    "list(A)@indexOf(A) -> int",
    "list(A)@lastIndexOf(A) -> int",
    "string@find(string) -> string",
    "string@findAll(string) -> list(string)",
    "string@findAll(string, int) -> list(string)",
    "url(string) -> kubernetes.URL",
    "isURL(string) -> bool",
    "kubernetes.URL@getScheme() -> string",
    "kubernetes.URL@getHost() -> string",
    "kubernetes.URL@getHostname() -> string",
    "kubernetes.URL@getPort() -> string",
    "kubernetes.URL@getEscapedPath() -> string",
    "kubernetes.URL@getQuery() -> map(string, list(string))",
    "quantity(string) -> kubernetes.Quantity",
    "isQuantity(string) -> bool",
    "kubernetes.Quantity@isInteger() -> bool",
    "kubernetes.Quantity@asInteger() -> int",
    "kubernetes.Quantity@asApproximateFloat() -> double",
    // Declared global by the API server's library (`sign(q)`), whatever its documentation says.
    "sign(kubernetes.Quantity) -> int",
    "kubernetes.Quantity@add(kubernetes.Quantity) -> kubernetes.Quantity",
    "kubernetes.Quantity@add(int) -> kubernetes.Quantity",
    "kubernetes.Quantity@sub(kubernetes.Quantity) -> kubernetes.Quantity",
    "kubernetes.Quantity@sub(int) -> kubernetes.Quantity",
    "kubernetes.Quantity@isLessThan(kubernetes.Quantity) -> bool",
    "kubernetes.Quantity@isGreaterThan(kubernetes.Quantity) -> bool",
    "kubernetes.Quantity@compareTo(kubernetes.Quantity) -> int",
    "ip(string) -> net.IP",
    "isIP(string) -> bool",
    "ip.isCanonical(string) -> bool",
    "net.IP@family() -> int",
    "net.IP@isUnspecified() -> bool",
    "net.IP@isLoopback() -> bool",
    "net.IP@isLinkLocalMulticast() -> bool",
    "net.IP@isLinkLocalUnicast() -> bool",
    "net.IP@isGlobalUnicast() -> bool",
    "string(net.IP) -> string",
    "cidr(string) -> net.CIDR",
    "isCIDR(string) -> bool",
    "net.CIDR@containsIP(string) -> bool",
    "net.CIDR@containsIP(net.IP) -> bool",
    "net.CIDR@containsCIDR(string) -> bool",
    "net.CIDR@containsCIDR(net.CIDR) -> bool",
    "net.CIDR@ip() -> net.IP",
    "net.CIDR@masked() -> net.CIDR",
    "net.CIDR@prefixLength() -> int",
    "string(net.CIDR) -> string",
    "semver(string) -> kubernetes.Semver",
    "isSemver(string) -> bool",
    "kubernetes.Semver@major() -> int",
    "kubernetes.Semver@minor() -> int",
    "kubernetes.Semver@patch() -> int",
    "kubernetes.Semver@isLessThan(kubernetes.Semver) -> bool",
    "kubernetes.Semver@isGreaterThan(kubernetes.Semver) -> bool",
    "kubernetes.Semver@compareTo(kubernetes.Semver) -> int",
];

/// The opaque types of the Kubernetes libraries.
const OPAQUE: &[&str] = &["kubernetes.URL", "kubernetes.Quantity", "net.IP", "net.CIDR", "kubernetes.Semver"];

type Table = HashMap<&'static str, Vec<Overload>>;

static TABLE: LazyLock<Table> = LazyLock::new(build_table);

fn build_table() -> Table {
    let mut table = Table::new();
    let mut add = |decl: &'static str| {
        if let Some((name, overload)) = parse_decl(decl) {
            table.entry(name).or_default().push(overload);
        }
    };
    STANDARD.iter().chain(EXTENSIONS).chain(KRO).chain(KUBERNETES).copied().for_each(&mut add);
    for op in ["_<_", "_<=_", "_>_", "_>=_"] {
        for t in ORDERED {
            add(leak(format!("{op}({t}, {t}) -> bool")));
        }
    }
    table
}

/// The table is built once per process; its generated signatures live as long.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Parses `name(params) -> result` or `target@name(params) -> result`.
fn parse_decl(decl: &'static str) -> Option<(&'static str, Overload)> {
    let (signature, result) = decl.rsplit_once(" -> ")?;
    let (target, rest) = match signature.split_once('@') {
        Some((target, rest)) if !signature.starts_with('@') => (Some(target), rest),
        _ => (None, signature),
    };
    let open = rest.find('(')?;
    let name = &rest[..open];
    let inner = rest[open + 1..].strip_suffix(')')?;
    let mut params = Vec::new();
    if let Some(target) = target {
        params.push(parse_pat(target)?);
    }
    for part in split_top(inner) {
        params.push(parse_pat(part)?);
    }
    Some((name, Overload { member: target.is_some(), params, result: parse_pat(result)? }))
}

/// Splits `a, map(b, c), d` at its top-level commas.
fn split_top(s: &'static str) -> Vec<&'static str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if !s[start..].trim().is_empty() {
        parts.push(s[start..].trim());
    }
    parts
}

fn parse_pat(s: &'static str) -> Option<Pat> {
    let s = s.trim();
    if let Some(open) = s.find('(') {
        let args = split_top(s[open + 1..].strip_suffix(')')?);
        let arg = |i: usize| args.get(i).and_then(|a| parse_pat(a)).map(Box::new);
        return match &s[..open] {
            "list" => Some(Pat::List(arg(0)?)),
            "map" => Some(Pat::Map(arg(0)?, arg(1)?)),
            "optional" => Some(Pat::Opt(arg(0)?)),
            _ => None,
        };
    }
    if s.len() == 1 && s.as_bytes()[0].is_ascii_uppercase() {
        let index = usize::from(s.as_bytes()[0] - b'A');
        return (index < PARAMS).then_some(Pat::Param(index));
    }
    let t = match s {
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
        "type" => Type::TypeValue,
        _ => Type::Opaque(OPAQUE.iter().find(|o| **o == s)?),
    };
    Some(Pat::Ty(t))
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

type Subst = [Option<Type>; PARAMS];

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
    fn every_declaration_parses() {
        let all: Vec<&str> = STANDARD.iter().chain(EXTENSIONS).chain(KRO).chain(KUBERNETES).copied().collect();
        for decl in all {
            assert!(parse_decl(decl).is_some(), "{decl}");
        }
    }

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
