//! kro's CEL environment: the standard library, the extensions kro enables, and kro's own functions, one file
//! per function family. kro builds it in `pkg/cel/environment.go` (`BaseDeclarations`).
//!
//! Each family is declared once ([`declare`]), in its file, with both halves of a function: the signatures the
//! type checker resolves calls by, and the implementation the runtime dispatches to (or, for what the `cel`
//! crate implements, the crate's registration). [`FAMILIES`] lists them; the runtime environment
//! ([`kro_env_with`]), the checker's overload table and the function namespaces ([`function_namespaces`]) are
//! all built from it.
//!
//! What is in it, and nothing more (kro enables neither the math nor the sets extension):
//! - the CEL standard library, with optionals (`?.`, `[?`, `optional.of/none`, `orValue`, `hasValue`);
//! - the `cel` crate's strings, lists and encoders (`base64.encode/decode`) extensions;
//! - `cel.bind` ([`bind`]) and the two-variable comprehensions ([`comprehensions`]);
//! - kro's functions: `random.seededString`/`seededInt` ([`random`]), `<map>.merge` and `deepMerge` ([`maps`]),
//!   `json.marshal`/`unmarshal` ([`json`]), `hash.fnv64a`/`sha256`/`md5` ([`hash`]) and
//!   `lists.setAtIndex`/`insertAtIndex`/`removeAtIndex` ([`lists`]); the custom conditions' `runtime.newCondition`
//!   and `runtime.condition` ([`runtime`]); `omit()` ([`omit`]) behind its feature gate ([`Features`]);
//! - the Kubernetes libraries: lists ([`kube_lists`]), regex ([`kube_regex`]), semver
//!   ([`kube_semver`]), IP and CIDR ([`kube_ip`]), quantity ([`kube_quantity`]), URL
//!   ([`kube_url`]); their opaque values are Rust types implementing `Val` ([`opaque`]).
//!
//! A function that fails returns an [`ExecutionError::FunctionError`] whose message is kro's own text (e.g.
//! `random.seededString length must be positive`); none panics. Arguments of the wrong type find no overload
//! (`found no matching overload for 'hash.md5' applied to '(int)'`), as in cel-go.

pub(crate) mod bind;
mod cel_extensions;
pub(crate) mod comprehensions;
pub(crate) mod declare;
pub(crate) mod hash;
pub(crate) mod json;
pub(crate) mod kube_ip;
pub(crate) mod kube_lists;
pub(crate) mod kube_quantity;
pub(crate) mod kube_regex;
pub(crate) mod kube_semver;
pub(crate) mod kube_url;
pub(crate) mod lists;
pub(crate) mod maps;
pub(crate) mod omit;
mod opaque;
mod optionals;
pub(crate) mod random;
pub(crate) mod runtime;
mod standard;

use std::sync::LazyLock;

use cel::common::types::{CelInt, CelString};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};

use declare::{Family, Signature};

/// kro's alpha feature gates that change the CEL environment (kro's `pkg/features`, all off by default). The
/// graph build reads them from the [`Catalog`](crate::Catalog) the [`Engine`](crate::Engine) builds with them,
/// so it accepts what the environment they build can run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Features {
    /// `CELOmitFunction`: `omit()` may remove a template field.
    pub omit: bool,
}

/// The environment kro's expressions run in, with the functions of the `features` turned on. Build it once and
/// share it (`Arc<Env>`): building registers a few hundred overloads. Compile expressions with [`Env::compile`]
/// (or a parser from [`Env::parser`]) for `cel.bind`, `sortBy` and `runtime.newCondition`, which are macros of
/// this environment, to be expanded.
///
/// Fails only if two registrations collide, which the tests rule out.
pub(crate) fn kro_env_with(features: Features) -> Result<Env, DeclarationError> {
    let mut env = Env::stdlib();
    // cel-go keeps the last entry of a map literal that repeats a key; so does kro.
    env.set_error_on_duplicate_map_keys(false);
    for family in FAMILIES.iter().filter(|f| f.enabled(features)) {
        family.register(&mut env)?;
    }
    Ok(env)
}

/// Every function family of kro's environment, in the order the runtime registers them (it takes the first
/// overload that accepts a call's arguments, so the order is part of the behaviour).
pub(crate) static FAMILIES: &[&Family] = &[
    &standard::FAMILY,
    &cel_extensions::STRINGS,
    &cel_extensions::LISTS,
    &cel_extensions::ENCODERS,
    &bind::FAMILY,
    &optionals::FAMILY,
    &random::FAMILY,
    &maps::FAMILY,
    &json::FAMILY,
    &hash::FAMILY,
    &lists::FAMILY,
    &kube_lists::FAMILY,
    &kube_regex::FAMILY,
    &comprehensions::FAMILY,
    &kube_semver::FAMILY,
    &kube_ip::FAMILY,
    &kube_quantity::FAMILY,
    &kube_url::FAMILY,
    &runtime::FAMILY,
    &omit::FAMILY,
];

/// The namespaces of kro's functions (`random` of `random.seededString(...)`, `cel` of `cel.bind(...)`),
/// sorted: a call on one of these names is a function call, not a read of a variable of that name.
pub(crate) fn function_namespaces() -> &'static [&'static str] {
    static NAMESPACES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        let mut namespaces: Vec<&'static str> = FAMILIES
            .iter()
            .flat_map(|family| {
                let functions = family.checked_signatures().filter_map(|s| Signature::parse(s)?.namespace());
                functions.chain(family.macro_namespaces.iter().copied())
            })
            .collect();
        namespaces.sort_unstable();
        namespaces.dedup();
        namespaces
    });
    &NAMESPACES
}

/// An error of a kro function: `message` is kro's text, which already names the function.
fn fail(function: &str, message: impl ToString) -> ExecutionError {
    ExecutionError::function_error(function, message)
}

/// The `N` arguments of an overload (for a member overload, the target first).
fn take<'b, 'v, const N: usize>(args: Vec<CowVal<'b, 'v>>) -> Result<[CowVal<'b, 'v>; N], ExecutionError> {
    args.try_into().map_err(|args: Vec<_>| ExecutionError::invalid_argument_count(N, args.len()))
}

/// An `int` argument. The overload declared it, so another type here is a bug of ours, reported, not a panic.
fn int_arg(function: &str, value: &dyn Val) -> Result<i64, ExecutionError> {
    value
        .downcast_ref::<CelInt>()
        .map(|i| *i.inner())
        .ok_or_else(|| fail(function, format!("{function}: expected int, got {}", value.get_type().name())))
}

/// A `string` argument.
fn str_arg<'b>(function: &str, value: &'b (dyn Val + '_)) -> Result<&'b str, ExecutionError> {
    value
        .downcast_ref::<CelString>()
        .map(CelString::inner)
        .ok_or_else(|| fail(function, format!("{function}: expected string, got {}", value.get_type().name())))
}

#[cfg(test)]
pub(crate) mod test_support {
    use std::sync::{Arc, LazyLock};

    use cel::{Context, Env, ExecutionError, Value};

    static ENV: LazyLock<Arc<Env>> =
        LazyLock::new(|| Arc::new(super::kro_env_with(super::Features::default()).unwrap()));

    /// Evaluates `expr` in kro's environment, with no variables.
    pub(crate) fn eval(expr: &str) -> Result<Value, ExecutionError> {
        let program = ENV.compile(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
        program.execute(&Context::with_env(Arc::clone(&ENV)))
    }

    /// The message of the error `expr` fails with.
    pub(crate) fn error(expr: &str) -> String {
        match eval(expr) {
            Err(ExecutionError::FunctionError { message, .. }) => message,
            Err(other) => other.to_string(),
            Ok(value) => panic!("{expr}: expected an error, got {value:?}"),
        }
    }

    /// Evaluates `expr`, which must succeed.
    pub(crate) fn ok(expr: &str) -> Value {
        eval(expr).unwrap_or_else(|e| panic!("{expr}: {e}"))
    }

    /// Asserts that `expr` evaluates to `true`.
    pub(crate) fn is_true(expr: &str) {
        assert_eq!(ok(expr), Value::Bool(true), "{expr}");
    }
}

#[cfg(test)]
mod tests {
    use cel::Value;

    use super::test_support::{error, ok};

    #[test]
    fn the_environment_builds_with_and_without_each_feature() {
        assert!(super::kro_env_with(super::Features::default()).is_ok());
        assert!(super::kro_env_with(super::Features { omit: true }).is_ok());
    }

    #[test]
    fn standard_library_and_optionals_are_there() {
        assert_eq!(ok("size('abc') + size([1, 2])"), Value::Int(5));
        assert_eq!(ok("'abc'.matches('^a.c$')"), Value::Bool(true));
        assert_eq!(ok("{'a': 1}.?b.orValue(7)"), Value::Int(7));
        assert_eq!(ok("optional.of(2).hasValue()"), Value::Bool(true));
        assert_eq!(ok("[1, 2, 3].exists(x, x == 2)"), Value::Bool(true));
        assert_eq!(
            ok("timestamp('2024-01-01T00:00:00Z') + duration('1h') > timestamp('2024-01-01T00:00:00Z')"),
            Value::Bool(true)
        );
    }

    #[test]
    fn strings_lists_and_encoders_extensions_are_there() {
        assert_eq!(ok("'Hello'.lowerAscii() + '-' + ['a', 'b'].join(',')"), Value::from("hello-a,b"));
        assert_eq!(ok("'a,b,c'.split(',').size()"), Value::Int(3));
        assert_eq!(ok("[3, 1, 2].sort() == [1, 2, 3]"), Value::Bool(true));
        assert_eq!(ok("[[1], [2, 3]].flatten() == [1, 2, 3]"), Value::Bool(true));
        assert_eq!(ok("[{'n': 2}, {'n': 1}].sortBy(e, e.n)[0].n"), Value::Int(1));
        assert_eq!(ok("lists.range(3) == [0, 1, 2]"), Value::Bool(true));
        assert_eq!(ok("base64.encode(b'hello')"), Value::from("aGVsbG8="));
        assert_eq!(ok("string(base64.decode('aGVsbG8='))"), Value::from("hello"));
        assert_eq!(ok("'%s-%d'.format(['a', 1])"), Value::from("a-1"));
    }

    #[test]
    fn math_and_sets_are_not_there() {
        assert!(error("math.greatest(1, 2)").contains("math"), "kro does not enable ext.Math");
        assert!(error("sets.contains([1], [1])").contains("sets"), "kro does not enable ext.Sets");
    }

    #[test]
    fn a_map_literal_repeating_a_key_keeps_the_last_entry_as_cel_go_does() {
        assert_eq!(ok("{'a': 1, 'a': 2}['a']"), Value::Int(2));
    }
}
