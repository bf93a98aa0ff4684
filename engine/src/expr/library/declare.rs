//! How a function family of kro's CEL environment is declared: once, in the file that implements it, with the
//! signatures the type checker resolves calls by and the implementations the runtime dispatches to. The
//! checker's overload table (`expr::check`'s `functions`), the runtime environment ([`super::kro_env_with`]) and
//! the function namespaces the reference walk knows ([`super::function_namespaces`]) are all read from
//! [`super::FAMILIES`], so a function cannot be known to one and missing from another; the tests of this
//! module check that every signature reaches an implementation and every implementation is reached.
//!
//! A signature is text: `name(params) -> result` for a global function, `target@name(params) -> result` for a
//! member function (`list(A)@slice(int, int) -> list(A)`); a namespace is part of the name (`hash.md5(string)
//! -> bytes`). Types are written as cel-go names them (`int`, `list(string)`, `map(string, int)`,
//! `optional(A)`, `timestamp`, `net.IP`); a single capital letter is a type parameter.

use cel::common::functions::Function;
use cel::common::types::{
    BOOL_TYPE, BYTES_TYPE, DOUBLE_TYPE, DURATION_TYPE, DYN_TYPE, INT_TYPE, LIST_TYPE, MAP_TYPE, NULL_TYPE,
    OPTIONAL_TYPE, STRING_TYPE, TIMESTAMP_TYPE, TYPE_TYPE, Type, UINT_TYPE,
};
use cel::{DeclarationError, Env};

use super::Features;

/// Registers on an environment what a family's declarations cannot say: macros, or the whole family when the
/// `cel` crate implements it (one of its extensions).
pub(crate) type Install = fn(&mut Env) -> Result<(), DeclarationError>;

/// A kro feature gate a family needs on before the runtime has it (kro's `pkg/features`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gate {
    /// `CELOmitFunction`.
    Omit,
}

impl Gate {
    fn is_on(self, features: Features) -> bool {
        match self {
            Gate::Omit => features.omit,
        }
    }
}

/// One function family of kro's environment: a file of [`super`], or a part of the `cel` crate kro enables.
#[allow(clippy::struct_field_names)] // `name`, as everywhere
pub(crate) struct Family {
    /// The family's name in messages and tests: its file (`kube_ip`), or `cel:` and the part of the `cel`
    /// crate (`cel:strings`).
    pub name: &'static str,
    /// The feature gate without which the runtime does not have the family. The checker knows every family
    /// regardless: a gated call is refused by the graph build with the gate's own message.
    pub gate: Option<Gate>,
    /// The opaque types of its values (`net.IP`): registered with the runtime, and known to signatures by name.
    pub types: &'static [&'static Type],
    /// Signatures the `cel` crate implements: its standard library, or what [`Family::install`] adds.
    pub builtin: &'static [&'static str],
    /// The overloads kro-rs implements.
    pub overloads: &'static [Overload],
    /// Macros, or the `cel` crate's registration of the family.
    pub install: Option<Install>,
    /// Namespaces its macros are called in (`cel` of `cel.bind`); its functions' namespaces are in their names.
    pub macro_namespaces: &'static [&'static str],
    /// One line of documentation per function a user calls, by name (`split`, `hash.md5`): what editor
    /// completion and hover show beside the signatures. A test checks every function has one.
    pub docs: &'static [(&'static str, &'static str)],
    /// Its macros as editors show them: macros have no signature the checker resolves calls by.
    pub macros: &'static [MacroDoc],
}

/// What a macro is called on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MacroOn {
    /// A global call (`has(a.b)`, `cel.bind(...)`).
    Global,
    /// A list (and, for the comprehensions, a map too).
    List,
    /// A map.
    Map,
}

/// A macro of a family, for editors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MacroDoc {
    /// As it is called: `has`, `cel.bind`, `transformMap`.
    pub name: &'static str,
    pub on: MacroOn,
    /// As kro's and cel-go's documentation write it.
    pub signature: &'static str,
    pub doc: &'static str,
}

impl std::fmt::Debug for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Family").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Family {
    /// A family with nothing declared, to fill in with struct update syntax.
    pub(crate) const EMPTY: Family = Family {
        name: "",
        gate: None,
        types: &[],
        builtin: &[],
        overloads: &[],
        install: None,
        macro_namespaces: &[],
        docs: &[],
        macros: &[],
    };

    /// Whether the runtime has the family under `features`.
    pub(crate) fn enabled(&self, features: Features) -> bool {
        self.gate.is_none_or(|gate| gate.is_on(features))
    }

    /// Registers the family on `env`: what it installs, its types, then its overloads in declaration order
    /// (the runtime takes the first overload that accepts the arguments).
    pub(crate) fn register(&self, env: &mut Env) -> Result<(), DeclarationError> {
        if let Some(install) = self.install {
            install(env)?;
        }
        for t in self.types {
            env.add_type(<Type as ToOwned>::to_owned(t))?;
        }
        for overload in self.overloads {
            overload.register(env, self.types)?;
        }
        Ok(())
    }

    /// Every signature of the family, those the checker resolves by and those it types itself (`omit()`).
    pub(crate) fn all_signatures(&self) -> impl Iterator<Item = &'static str> {
        let own = self.overloads.iter().flat_map(|o| o.signatures.iter().copied());
        self.builtin.iter().copied().chain(own)
    }

    /// Every signature the checker resolves calls by: the built-in ones and those of the checked overloads.
    pub(crate) fn checked_signatures(&self) -> impl Iterator<Item = &'static str> {
        let own = self.overloads.iter().filter(|o| o.checked).flat_map(|o| o.signatures.iter().copied());
        self.builtin.iter().copied().chain(own)
    }
}

/// One runtime overload of kro-rs's own, with the checker signatures it implements: usually one, several when
/// one implementation serves a few typed forms (`list(int)@sum()`, `list(double)@sum()`, ...).
pub(crate) struct Overload {
    /// Its signatures. All of them erase to the same runtime dispatch (a list type to `list`, a type parameter
    /// to `dyn`), which is what the runtime registers.
    pub signatures: &'static [&'static str],
    /// The overload's id, unique among the overloads of its function.
    pub id: &'static str,
    pub call: Function,
    /// Whether the checker resolves calls by the signatures. Not for an overload only a macro expansion
    /// reaches (its name starts with `@`, which no expression can spell) or one the checker types as a form
    /// of its own (`omit()`, `runtime.condition(...)`): there the signature only says what the runtime
    /// dispatches on.
    pub checked: bool,
}

impl Overload {
    /// An overload the checker resolves calls of by its signatures.
    pub(crate) const fn new(signatures: &'static [&'static str], id: &'static str, call: Function) -> Overload {
        Overload { signatures, id, call, checked: true }
    }

    /// An overload the checker does not resolve by signature: see [`Overload::checked`].
    pub(crate) const fn unchecked(signature: &'static [&'static str], id: &'static str, call: Function) -> Overload {
        Overload { signatures: signature, id, call, checked: false }
    }

    fn register(&self, env: &mut Env, types: &[&'static Type]) -> Result<(), DeclarationError> {
        let dispatch = self.signatures.first().and_then(|s| Dispatch::of(s, types));
        // Signatures are constant text the tests parse; a broken one is reported, not skipped.
        let Some(Dispatch { name, member, mut params }) = dispatch else {
            return Err(DeclarationError::invalid_type_name(self.signatures.first().copied().unwrap_or(self.id)));
        };
        if member && !params.is_empty() {
            let target = params.remove(0);
            env.add_member_overload(name, self.id, target, params, self.call)
        } else {
            env.add_overload(name, self.id, params, self.call)
        }
    }
}

/// A parsed signature: the function's name, whether it is a member, its parameter types (the target first
/// for a member) and its result type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Signature {
    pub name: &'static str,
    pub member: bool,
    pub params: Vec<Shape>,
    pub result: Shape,
}

/// A type as a signature writes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    /// A type by name: `int`, `dyn`, `timestamp`, `net.IP`.
    Named(&'static str),
    /// A type parameter: `A` is 0, `B` 1, ...
    Param(usize),
    List(Box<Shape>),
    Map(Box<Shape>, Box<Shape>),
    Optional(Box<Shape>),
}

/// Most type parameters a signature may use (`A` to `D`).
pub(crate) const MAX_TYPE_PARAMS: usize = 4;

impl Signature {
    /// Parses `name(params) -> result` or `target@name(params) -> result`.
    pub(crate) fn parse(text: &'static str) -> Option<Signature> {
        let (signature, result) = text.rsplit_once(" -> ")?;
        let (target, rest) = match signature.split_once('@') {
            Some((target, rest)) if !signature.starts_with('@') => (Some(target), rest),
            _ => (None, signature),
        };
        let open = rest.find('(')?;
        let name = &rest[..open];
        let inner = rest[open + 1..].strip_suffix(')')?;
        let mut params = Vec::new();
        if let Some(target) = target {
            params.push(Shape::parse(target)?);
        }
        for part in split_top(inner) {
            params.push(Shape::parse(part)?);
        }
        Some(Signature { name, member: target.is_some(), params, result: Shape::parse(result)? })
    }

    /// The namespace of a global function (`hash` of `hash.md5`), if it has one.
    pub(crate) fn namespace(&self) -> Option<&'static str> {
        if self.member { None } else { self.name.split_once('.').map(|(namespace, _)| namespace) }
    }
}

impl Shape {
    fn parse(text: &'static str) -> Option<Shape> {
        let text = text.trim();
        if let Some(open) = text.find('(') {
            let args = split_top(text[open + 1..].strip_suffix(')')?);
            let arg = |i: usize| args.get(i).and_then(|a| Shape::parse(a)).map(Box::new);
            return match &text[..open] {
                "list" => Some(Shape::List(arg(0)?)),
                "map" => Some(Shape::Map(arg(0)?, arg(1)?)),
                "optional" => Some(Shape::Optional(arg(0)?)),
                _ => None,
            };
        }
        if let [letter @ b'A'..=b'Z'] = text.as_bytes() {
            let index = usize::from(letter - b'A');
            return (index < MAX_TYPE_PARAMS).then_some(Shape::Param(index));
        }
        (!text.is_empty()).then_some(Shape::Named(text))
    }

    /// The runtime type the `cel` crate dispatches a value of this shape on: the kind of a container, `dyn`
    /// for a type parameter, an opaque type by its name among `types`. `None` for a name nothing declares.
    fn erased(&self, types: &[&'static Type]) -> Option<Type> {
        Some(match self {
            Shape::Param(_) => DYN_TYPE,
            Shape::List(_) => LIST_TYPE,
            Shape::Map(..) => MAP_TYPE,
            Shape::Optional(_) => OPTIONAL_TYPE,
            Shape::Named(name) => match *name {
                "dyn" => DYN_TYPE,
                "null_type" => NULL_TYPE,
                "bool" => BOOL_TYPE,
                "int" => INT_TYPE,
                "uint" => UINT_TYPE,
                "double" => DOUBLE_TYPE,
                "string" => STRING_TYPE,
                "bytes" => BYTES_TYPE,
                "timestamp" => TIMESTAMP_TYPE,
                "duration" => DURATION_TYPE,
                "type" => TYPE_TYPE,
                other => types.iter().find(|t| t.name() == other).map(|t| <Type as ToOwned>::to_owned(t))?,
            },
        })
    }
}

/// What the runtime registers for an overload.
#[derive(Debug, PartialEq)]
pub(crate) struct Dispatch {
    pub name: &'static str,
    pub member: bool,
    pub params: Vec<Type>,
}

impl Dispatch {
    /// The dispatch of `signature`, whose opaque types are among `types`.
    pub(crate) fn of(signature: &'static str, types: &[&'static Type]) -> Option<Dispatch> {
        let parsed = Signature::parse(signature)?;
        let params = parsed.params.iter().map(|p| p.erased(types)).collect::<Option<Vec<Type>>>()?;
        Some(Dispatch { name: parsed.name, member: parsed.member, params })
    }
}

/// Splits `a, map(b, c), d` at its top-level commas.
fn split_top(text: &'static str) -> Vec<&'static str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if !text[start..].trim().is_empty() {
        parts.push(text[start..].trim());
    }
    parts
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use cel::{Context, ExecutionError};

    use super::super::{FAMILIES, Features, kro_env_with};
    use super::*;
    use crate::expr::check::{CheckEnv, check, runtime_type};

    /// The type names a signature may use besides the families' opaque types.
    const PRIMITIVES: &[&str] =
        &["dyn", "null_type", "bool", "int", "uint", "double", "string", "bytes", "timestamp", "duration", "type"];

    /// Every signature of every family, with its family, and whether the checker resolves calls by it.
    fn all_signatures() -> Vec<(&'static str, &'static str, bool)> {
        let mut out = Vec::new();
        for family in FAMILIES {
            out.extend(family.builtin.iter().map(|s| (family.name, *s, true)));
            for overload in family.overloads {
                out.extend(overload.signatures.iter().map(|s| (family.name, *s, overload.checked)));
            }
        }
        out
    }

    fn named(shape: &Shape, out: &mut Vec<&'static str>) {
        match shape {
            Shape::Named(name) => out.push(name),
            Shape::Param(_) => {}
            Shape::List(inner) | Shape::Optional(inner) => named(inner, out),
            Shape::Map(key, value) => {
                named(key, out);
                named(value, out);
            }
        }
    }

    #[test]
    fn every_signature_parses_and_names_only_declared_types() {
        let opaque: Vec<&str> = FAMILIES.iter().flat_map(|f| f.types.iter().map(|t| t.name())).collect();
        for (family, text, _) in all_signatures() {
            let signature = Signature::parse(text).unwrap_or_else(|| panic!("{family}: {text:?} does not parse"));
            let mut names = Vec::new();
            signature.params.iter().chain([&signature.result]).for_each(|shape| named(shape, &mut names));
            for name in names {
                assert!(PRIMITIVES.contains(&name) || opaque.contains(&name), "{family}: {text:?} names {name:?}");
            }
        }
    }

    #[test]
    fn the_signatures_of_one_overload_erase_to_one_runtime_dispatch() {
        for family in FAMILIES {
            for overload in family.overloads {
                assert!(!overload.signatures.is_empty(), "{}: overload {} has no signature", family.name, overload.id);
                let dispatches: Vec<Option<Dispatch>> =
                    overload.signatures.iter().map(|s| Dispatch::of(s, family.types)).collect();
                assert!(dispatches[0].is_some(), "{}: {:?} has no dispatch", family.name, overload.signatures[0]);
                assert!(
                    dispatches.iter().all(|d| *d == dispatches[0]),
                    "{}: the signatures of {} dispatch differently",
                    family.name,
                    overload.id
                );
            }
        }
    }

    /// A CEL expression of a value of `shape`. Type parameters are `int`; `dyn` is a map, the one value every
    /// `dyn` parameter of kro's functions accepts (`deepMerge` needs maps).
    fn sample(shape: &Shape) -> String {
        match shape {
            Shape::Param(_) => "1".to_string(),
            Shape::List(elem) => format!("[{}]", sample(elem)),
            Shape::Map(key, value) => format!("{{{}: {}}}", sample(key), sample(value)),
            Shape::Optional(elem) => format!("optional.of({})", sample(elem)),
            Shape::Named(name) => match *name {
                "dyn" => "{'a': 1}",
                "null_type" => "null",
                "bool" => "true",
                "int" => "1",
                "uint" => "1u",
                "double" => "1.0",
                "string" => "'a'",
                "bytes" => "b'a'",
                "timestamp" => "timestamp('2024-01-01T00:00:00Z')",
                "duration" => "duration('1s')",
                "type" => "int",
                "kubernetes.URL" => "url('https://example.com/a?b=c')",
                "kubernetes.Quantity" => "quantity('1')",
                "kubernetes.Semver" => "semver('1.0.0')",
                "net.IP" => "ip('10.0.0.1')",
                "net.CIDR" => "cidr('10.0.0.0/8')",
                "kro.omit" => "omit()",
                other => panic!("no sample of {other}"),
            }
            .to_string(),
        }
    }

    /// A call of `signature` on sample arguments, as an expression spells it (`a + b` for `_+_`).
    fn sample_call(signature: &Signature) -> String {
        let args: Vec<String> = signature.params.iter().map(|p| format!("({})", sample(p))).collect();
        let binary = |op: &str| format!("{} {op} {}", args[0], args[1]);
        match signature.name {
            "!_" => format!("!{}", args[0]),
            "-_" => format!("-{}", args[0]),
            "_?_:_" => format!("{} ? {} : {}", args[0], args[1], args[2]),
            "_[_]" => format!("{}[{}]", args[0], args[1]),
            "@in" => binary("in"),
            name if name.starts_with('_') && name.ends_with('_') && args.len() == 2 => binary(&name[1..name.len() - 1]),
            name if signature.member => format!("{}.{name}({})", args[0], args[1..].join(", ")),
            name => format!("{name}({})", args.join(", ")),
        }
    }

    /// Signatures no expression can call directly: the checker still needs them, the runtime has them.
    const UNSPELLABLE: &[&str] = &[
        // Only the standard comprehension macros call it, in the loop condition of `all` and `exists`.
        "@not_strictly_false(bool) -> bool",
    ];

    #[test]
    fn every_signature_the_checker_knows_has_a_runtime_implementation() {
        let env = Arc::new(kro_env_with(Features { omit: true }).expect("kro's environment builds"));
        let mut missing = Vec::new();
        for (family, text, checked) in all_signatures() {
            if !checked || UNSPELLABLE.contains(&text) {
                continue;
            }
            let Some(signature) = Signature::parse(text) else { continue };
            let call = sample_call(&signature);
            let program = env.compile(&call).unwrap_or_else(|e| panic!("{family}: {call}: {e}"));
            // How the runtime says it has nothing for these arguments: no overload, no function, or (for the
            // operators its interpreter implements itself) an operator or comparison it does not do.
            if let Err(
                e @ (ExecutionError::NoSuchOverload(_)
                | ExecutionError::UndeclaredReference(_)
                | ExecutionError::UnsupportedBinaryOperator(..)
                | ExecutionError::UnsupportedIndex(..)
                | ExecutionError::ValuesNotComparable(..)),
            ) = program.execute(&Context::with_env(Arc::clone(&env)))
            {
                missing.push(format!("{family}: {text} (as {call}: {e})"));
            }
        }
        assert!(missing.is_empty(), "signatures without an implementation:\n{}", missing.join("\n"));
    }

    #[test]
    fn every_runtime_overload_is_reached_by_a_signature_the_checker_resolves_or_by_a_form_it_types() {
        let mut env = CheckEnv::new();
        env.declare("runtime", runtime_type());
        env.allow_omit(true);
        for family in FAMILIES {
            for overload in family.overloads.iter().filter(|o| !o.checked) {
                let Some(signature) = overload.signatures.first().and_then(|s| Signature::parse(s)) else { continue };
                // A hidden function of a macro expansion: no expression can call it.
                if signature.name.starts_with('@') {
                    continue;
                }
                let call = sample_call(&signature);
                if let Err(errors) = check(&call, &env) {
                    for error in errors {
                        let unknown = error.message.contains("undeclared reference")
                            || error.message.contains("found no matching overload");
                        assert!(!unknown, "{}: the checker does not know {call}: {}", family.name, error.message);
                    }
                }
            }
        }
    }

    #[test]
    fn function_namespaces_come_from_the_declarations() {
        assert_eq!(
            super::super::function_namespaces(),
            ["base64", "cel", "hash", "ip", "json", "lists", "optional", "random", "strings"]
        );
    }
}
