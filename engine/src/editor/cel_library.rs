//! The CEL functions and macros completion offers inside `${...}`, with signatures and a line of
//! documentation each. The type checker's overload table (`expr::check::functions`) is private to it; this
//! list names the functions a user types, grouped by what they are called on.

/// What a function is called on: a global function, or a member of values of a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Receiver {
    Global,
    String,
    List,
    Map,
    /// A member of any value (`optional` helpers, kro's `deepMerge`).
    Any,
}

/// One function or macro.
#[derive(Debug, Clone, Copy)]
pub(super) struct Function {
    pub name: &'static str,
    pub receiver: Receiver,
    /// As written in kro's and cel-go's documentation.
    pub signature: &'static str,
    pub doc: &'static str,
    pub is_macro: bool,
}

const fn f(name: &'static str, receiver: Receiver, signature: &'static str, doc: &'static str) -> Function {
    Function { name, receiver, signature, doc, is_macro: false }
}

const fn m(name: &'static str, receiver: Receiver, signature: &'static str, doc: &'static str) -> Function {
    Function { name, receiver, signature, doc, is_macro: true }
}

use Receiver::{Any, Global, List, Map, String as Str};

pub(super) const FUNCTIONS: &[Function] = &[
    m("has", Global, "has(a.b) -> bool", "Whether the field `b` of `a` is set."),
    m("all", List, "list.all(x, predicate) -> bool", "Whether every element satisfies the predicate."),
    m("exists", List, "list.exists(x, predicate) -> bool", "Whether some element satisfies the predicate."),
    m("exists_one", List, "list.exists_one(x, predicate) -> bool", "Whether exactly one element satisfies it."),
    m("map", List, "list.map(x, expr) -> list", "Each element transformed by `expr`."),
    m("filter", List, "list.filter(x, predicate) -> list", "The elements that satisfy the predicate."),
    m("transformList", List, "list.transformList(i, x, expr) -> list", "Each element transformed, with its index."),
    m("transformMap", Map, "map.transformMap(k, v, expr) -> map", "Each value transformed, with its key."),
    m("bind", Global, "cel.bind(name, value, expr) -> T", "Evaluates `expr` with `name` bound to `value`."),
    f("size", Global, "size(string | list | map) -> int", "The length of a string, list or map."),
    f("int", Global, "int(value) -> int", "Converts a number, string or timestamp to an integer."),
    f("uint", Global, "uint(value) -> uint", "Converts to an unsigned integer."),
    f("double", Global, "double(value) -> double", "Converts to a floating-point number."),
    f("string", Global, "string(value) -> string", "Converts a value to its string form."),
    f("bool", Global, "bool(string) -> bool", "Parses `true` or `false`."),
    f("bytes", Global, "bytes(string) -> bytes", "The UTF-8 bytes of a string."),
    f("type", Global, "type(value) -> type", "The CEL type of a value."),
    f("dyn", Global, "dyn(value) -> dyn", "Turns off type checking for a value."),
    f("duration", Global, "duration(string) -> duration", "Parses a duration such as `1h30m`."),
    f("timestamp", Global, "timestamp(string) -> timestamp", "Parses an RFC 3339 time."),
    f("matches", Str, "string.matches(regex) -> bool", "Whether the string matches the RE2 regular expression."),
    f("contains", Str, "string.contains(string) -> bool", "Whether the string contains the other."),
    f("startsWith", Str, "string.startsWith(string) -> bool", "Whether the string starts with the prefix."),
    f("endsWith", Str, "string.endsWith(string) -> bool", "Whether the string ends with the suffix."),
    f("lowerAscii", Str, "string.lowerAscii() -> string", "The string with ASCII letters lower-cased."),
    f("upperAscii", Str, "string.upperAscii() -> string", "The string with ASCII letters upper-cased."),
    f("replace", Str, "string.replace(old, new[, n]) -> string", "The string with `old` replaced by `new`."),
    f("split", Str, "string.split(separator[, n]) -> list(string)", "The parts between separators."),
    f("substring", Str, "string.substring(start[, end]) -> string", "The characters from `start` to `end`."),
    f("trim", Str, "string.trim() -> string", "The string without leading and trailing whitespace."),
    f("indexOf", Str, "string.indexOf(string[, start]) -> int", "Where the substring first occurs, or -1."),
    f("lastIndexOf", Str, "string.lastIndexOf(string) -> int", "Where the substring last occurs, or -1."),
    f("charAt", Str, "string.charAt(int) -> string", "The character at an index."),
    f("format", Str, "string.format(list) -> string", "printf-style formatting (`%s`, `%d`, ...)."),
    f("find", Str, "string.find(regex) -> string", "The first match of the regular expression."),
    f("findAll", Str, "string.findAll(regex[, n]) -> list(string)", "Every match of the regular expression."),
    f("join", List, "list(string).join([separator]) -> string", "The strings joined with the separator."),
    f("sort", List, "list.sort() -> list", "The list sorted."),
    f("distinct", List, "list.distinct() -> list", "The list without repeated elements."),
    f("flatten", List, "list.flatten([depth]) -> list", "Nested lists flattened."),
    f("slice", List, "list.slice(start, end) -> list", "The elements from `start` to `end`."),
    f("reverse", List, "list.reverse() -> list", "The list in reverse order."),
    f("sum", List, "list.sum() -> number", "The sum of the elements."),
    f("min", List, "list.min() -> T", "The smallest element."),
    f("max", List, "list.max() -> T", "The largest element."),
    f("isSorted", List, "list.isSorted() -> bool", "Whether the list is sorted."),
    f("merge", Map, "map.merge(map) -> map", "kro: the map with the other's entries added (the other's win)."),
    f("deepMerge", Any, "value.deepMerge(value) -> dyn", "kro: the two maps merged recursively."),
    f("orValue", Any, "optional.orValue(default) -> T", "The optional's value, or the default when empty."),
    f("hasValue", Any, "optional.hasValue() -> bool", "Whether the optional holds a value."),
    f("value", Any, "optional.value() -> T", "The optional's value (an error when empty)."),
    f("optional.of", Global, "optional.of(value) -> optional", "An optional holding the value."),
    f("optional.none", Global, "optional.none() -> optional", "The empty optional."),
    f("random.seededString", Global, "random.seededString(length, seed) -> string", "kro: a stable random string."),
    f("random.seededInt", Global, "random.seededInt(min, max, seed) -> int", "kro: a stable random integer."),
    f("json.marshal", Global, "json.marshal(value) -> string", "kro: the value as JSON text."),
    f("json.unmarshal", Global, "json.unmarshal(string) -> dyn", "kro: the value of a JSON text."),
    f("hash.fnv64a", Global, "hash.fnv64a(string) -> bytes", "kro: the FNV-1a 64-bit hash."),
    f("hash.sha256", Global, "hash.sha256(string) -> bytes", "kro: the SHA-256 hash."),
    f("hash.md5", Global, "hash.md5(string) -> bytes", "kro: the MD5 hash."),
    f("base64.encode", Global, "base64.encode(bytes) -> string", "The bytes in base64."),
    f("base64.decode", Global, "base64.decode(string) -> bytes", "The bytes of a base64 text."),
    f("lists.range", Global, "lists.range(n) -> list(int)", "The integers 0 to n-1."),
    f("strings.quote", Global, "strings.quote(string) -> string", "The string quoted and escaped."),
    f("quantity", Global, "quantity(string) -> Quantity", "Kubernetes: parses a resource quantity (`500m`)."),
    f("isQuantity", Global, "isQuantity(string) -> bool", "Kubernetes: whether the string is a quantity."),
    f("url", Global, "url(string) -> URL", "Kubernetes: parses a URL."),
    f("ip", Global, "ip(string) -> IP", "Kubernetes: parses an IP address."),
    f("cidr", Global, "cidr(string) -> CIDR", "Kubernetes: parses a CIDR range."),
    f("semver", Global, "semver(string) -> Semver", "Kubernetes: parses a semantic version."),
    f("omit", Global, "omit() -> omit", "kro (CELOmitFunction gate): leaves the template field out."),
];

/// The functions callable on a value whose OpenAPI type is `type_name` (`None` when unknown: all members).
pub(super) fn members(type_name: Option<&str>) -> impl Iterator<Item = &'static Function> {
    FUNCTIONS.iter().filter(move |f| match (f.receiver, type_name) {
        (Global, _) => false,
        (_, None) | (Any, _) => true,
        (Str, Some(t)) => t == "string",
        (List, Some(t)) => t == "array",
        (Map, Some(t)) => t == "object",
    })
}

/// The global functions and macros.
pub(super) fn globals() -> impl Iterator<Item = &'static Function> {
    FUNCTIONS.iter().filter(|f| f.receiver == Global)
}

/// The function named `name` (`random.seededString` or a member name).
pub(super) fn named(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}
