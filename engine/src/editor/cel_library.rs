//! The CEL functions and macros editors offer inside `${...}`, with their signatures and a line of
//! documentation each, read from the one table of kro's environment ([`FAMILIES`]): a function the runtime
//! and the checker know is offered, one they do not know is not, and a gated family (`omit()`) only when its
//! feature gate is on.

use std::sync::LazyLock;

use crate::expr::library::declare::{Family, MacroOn, Shape, Signature};
use crate::expr::library::{FAMILIES, Features};

/// What a function is called on: a global function, or a member of values of a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Receiver {
    Global,
    String,
    List,
    Map,
    /// An optional (`orValue`, `hasValue`).
    Optional,
    /// A value of a type no schema gives (`timestamp`, `kubernetes.URL`, `net.IP`, `bytes`).
    Opaque,
    /// Any value (kro's `deepMerge` is declared on `dyn`).
    Any,
}

/// One function (all its overloads on one receiver) or macro.
#[derive(Debug, Clone)]
pub(super) struct Function {
    /// As it is called: `split`, `random.seededString`.
    pub name: &'static str,
    pub receiver: Receiver,
    /// Each overload as `target.name(params) -> result`, one a line (a macro's as its family writes it).
    pub signature: String,
    pub doc: &'static str,
    pub is_macro: bool,
    /// The family's feature gate is on, or it has none.
    enabled: fn(Features) -> bool,
}

impl Function {
    /// The first overload: what fits on a completion item's one line.
    pub(super) fn first_signature(&self) -> &str {
        self.signature.lines().next().unwrap_or_default()
    }
}

/// Every function and macro of every family, in the families' order, built once.
static FUNCTIONS: LazyLock<Vec<Function>> = LazyLock::new(|| FAMILIES.iter().flat_map(|f| functions_of(f)).collect());

/// What completion offers of one family: its macros, then its functions (operators and the hidden `@`
/// helpers left out), overloads on the same receiver joined.
fn functions_of(family: &'static Family) -> Vec<Function> {
    let enabled = enabled_fn(family);
    let mut out: Vec<Function> = family
        .macros
        .iter()
        .map(|m| Function {
            name: m.name,
            receiver: match m.on {
                MacroOn::Global => Receiver::Global,
                MacroOn::List => Receiver::List,
                MacroOn::Map => Receiver::Map,
            },
            signature: m.signature.to_string(),
            doc: m.doc,
            is_macro: true,
            enabled,
        })
        .collect();
    let mut functions: Vec<Function> = Vec::new();
    for text in family.all_signatures() {
        let Some(signature) = Signature::parse(text) else { continue };
        if !signature.name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let receiver = if signature.member { receiver_of(signature.params.first()) } else { Receiver::Global };
        let shown = display(text);
        match functions.iter_mut().find(|f| f.name == signature.name && f.receiver == receiver) {
            Some(f) if !f.signature.lines().any(|l| l == shown) => {
                f.signature.push('\n');
                f.signature.push_str(&shown);
            }
            Some(_) => {}
            None => functions.push(Function {
                name: signature.name,
                receiver,
                signature: shown,
                doc: doc_of(family, signature.name),
                is_macro: false,
                enabled,
            }),
        }
    }
    out.extend(functions);
    out
}

/// The family's own line for `name`, else another family's (`string(net.IP)` is `string` of the standard
/// library too), else nothing: the test below keeps that from happening.
fn doc_of(family: &Family, name: &str) -> &'static str {
    let find = |f: &Family| f.docs.iter().find(|(n, _)| *n == name).map(|(_, d)| *d);
    find(family).or_else(|| FAMILIES.iter().find_map(|f| find(f))).unwrap_or_default()
}

/// Whether a family's functions are offered under a set of features.
fn enabled_fn(family: &Family) -> fn(Features) -> bool {
    match family.gate {
        None => |_| true,
        Some(_) => |features| features.omit,
    }
}

fn receiver_of(target: Option<&Shape>) -> Receiver {
    match target {
        Some(Shape::Named("string")) => Receiver::String,
        Some(Shape::Named("dyn") | Shape::Param(_)) | None => Receiver::Any,
        Some(Shape::Named(_)) => Receiver::Opaque,
        Some(Shape::List(_)) => Receiver::List,
        Some(Shape::Map(..)) => Receiver::Map,
        Some(Shape::Optional(_)) => Receiver::Optional,
    }
}

/// `string@split(string) -> list(string)` as a user writes the call: `string.split(string) -> list(string)`.
fn display(signature: &str) -> String {
    match signature.split_once('@') {
        Some((target, rest)) if !target.is_empty() => format!("{target}.{rest}"),
        _ => signature.to_string(),
    }
}

/// The type word of a field its schema declares without a type (`x-kubernetes-preserve-unknown-fields`, a
/// property with no `type`): any plain value, so not an optional or an opaque value.
pub(super) const UNTYPED_FIELD: &str = "field";

/// The functions callable on a value whose OpenAPI type is `type_name` (`None` when unknown: every member,
/// those of optionals and opaque types included; [`UNTYPED_FIELD`]: the members of plain values). On an
/// `optional` (a chain read with `.?`), only the optional functions.
pub(super) fn members(
    type_name: Option<&str>,
    optional: bool,
    features: Features,
) -> impl Iterator<Item = &'static Function> {
    FUNCTIONS.iter().filter(move |f| {
        (f.enabled)(features)
            && match (f.receiver, type_name) {
                _ if optional => f.receiver == Receiver::Optional,
                (Receiver::Global, _) | (Receiver::Optional | Receiver::Opaque, Some(_)) => false,
                (_, None)
                | (Receiver::Any, _)
                | (Receiver::String | Receiver::List | Receiver::Map, Some(UNTYPED_FIELD)) => true,
                (Receiver::String, Some(t)) => t == "string",
                (Receiver::List, Some(t)) => t == "array",
                (Receiver::Map, Some(t)) => t == "object",
            }
    })
}

/// The global functions and macros.
pub(super) fn globals(features: Features) -> impl Iterator<Item = &'static Function> {
    FUNCTIONS.iter().filter(move |f| f.receiver == Receiver::Global && (f.enabled)(features))
}

/// The function named `name` (`random.seededString` or a member name), for hover.
pub(super) fn named(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_of_the_environment_is_offered_with_a_line_of_documentation() {
        let mut names: Vec<&str> = Vec::new();
        for family in FAMILIES {
            for text in family.all_signatures() {
                let Some(signature) = Signature::parse(text) else { continue };
                if signature.name.starts_with(|c: char| c.is_ascii_alphabetic()) {
                    names.push(signature.name);
                }
            }
        }
        let everything = Features { omit: true };
        for name in &names {
            let f = FUNCTIONS.iter().find(|f| f.name == *name && (f.enabled)(everything));
            let f = f.unwrap_or_else(|| panic!("{name} is not offered"));
            assert!(!f.doc.is_empty(), "{name} has no documentation line in its family's `docs`");
        }
        // And no family documents a function it does not have (a renamed or removed one).
        for family in FAMILIES {
            for (name, _) in family.docs {
                assert!(
                    family.all_signatures().filter_map(Signature::parse).any(|s| s.name == *name),
                    "{} documents {name}, which it does not declare",
                    family.name
                );
            }
        }
    }

    #[test]
    fn functions_the_hand_written_list_had_lost_are_offered() {
        let globals: Vec<&str> = globals(Features::default()).map(|f| f.name).collect();
        for name in
            ["isURL", "isIP", "isCIDR", "isSemver", "lists.setAtIndex", "runtime.newCondition", "cel.bind", "has"]
        {
            assert!(globals.contains(&name), "{name} in {globals:?}");
        }
        let unknown: Vec<&str> = members(None, false, Features::default()).map(|f| f.name).collect();
        for name in ["getHost", "containsIP", "isLessThan", "sortBy", "transformMap", "orValue"] {
            assert!(unknown.contains(&name), "{name} on a value of unknown type");
        }
    }

    #[test]
    fn members_follow_the_receiver_and_gated_functions_follow_the_gate() {
        let on_string: Vec<&str> = members(Some("string"), false, Features::default()).map(|f| f.name).collect();
        assert!(on_string.contains(&"split") && on_string.contains(&"deepMerge"), "{on_string:?}");
        assert!(!on_string.contains(&"join") && !on_string.contains(&"orValue") && !on_string.contains(&"getHost"));
        let on_list: Vec<&str> = members(Some("array"), false, Features::default()).map(|f| f.name).collect();
        assert!(on_list.contains(&"join") && on_list.contains(&"all") && !on_list.contains(&"split"));
        assert!(!globals(Features::default()).any(|f| f.name == "omit"));
        assert!(globals(Features { omit: true }).any(|f| f.name == "omit"));
        let split = named("split").unwrap();
        assert_eq!(split.signature, "string.split(string) -> list(string)\nstring.split(string, int) -> list(string)");
        assert_eq!(split.first_signature(), "string.split(string) -> list(string)");
    }
}
