//! The extensions of the `cel` crate kro enables (cel-go's `ext.Strings`, `ext.Lists` and `ext.Encoders`, which
//! kro's `pkg/cel/environment.go` adds): the crate implements them; these families declare them for the
//! checker. `sortBy` is a macro of the lists extension, which the checker types itself.

use cel::extensions;

use super::declare::{Family, MacroDoc, MacroOn};

/// `ext.Strings`: `charAt`, `indexOf`, `lowerAscii`, `replace`, `split`, `substring`, `trim`, `join`, `format`,
/// `strings.quote`, ...
pub(super) static STRINGS: Family = Family {
    name: "cel:strings",
    builtin: &[
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
    ],
    install: Some(extensions::strings),
    docs: &[
        ("charAt", "The character at an index."),
        ("indexOf", "Where the substring first occurs (from an index, if given), or -1."),
        ("lastIndexOf", "Where the substring last occurs, or -1."),
        ("lowerAscii", "The string with ASCII letters lower-cased."),
        ("upperAscii", "The string with ASCII letters upper-cased."),
        ("replace", "The string with `old` replaced by `new` (at most `n` times, if given)."),
        ("split", "The parts between separators (at most `n`, if given)."),
        ("substring", "The characters from `start` to `end`."),
        ("trim", "The string without leading and trailing whitespace."),
        ("reverse", "The string, or the list, in reverse order."),
        ("join", "The strings joined with the separator."),
        ("format", "printf-style formatting (`%s`, `%d`, ...)."),
        ("strings.quote", "The string quoted and escaped."),
    ],
    ..Family::EMPTY
};

/// `ext.Lists`: `slice`, `flatten`, `sort`, `distinct`, `reverse`, `lists.range`, and the `sortBy` macro.
pub(super) static LISTS: Family = Family {
    name: "cel:lists",
    builtin: &[
        "list(A)@slice(int, int) -> list(A)",
        "list(list(A))@flatten() -> list(A)",
        "list(A)@flatten(int) -> list(dyn)",
        "list(A)@sort() -> list(A)",
        "list(A)@distinct() -> list(A)",
        "list(A)@reverse() -> list(A)",
        "lists.range(int) -> list(int)",
    ],
    install: Some(extensions::lists),
    docs: &[
        ("slice", "The elements from `start` to `end`."),
        ("flatten", "Nested lists flattened (to a depth, if given)."),
        ("sort", "The list sorted."),
        ("distinct", "The list without repeated elements."),
        ("reverse", "The list in reverse order."),
        ("lists.range", "The integers 0 to n-1."),
    ],
    macros: &[MacroDoc {
        name: "sortBy",
        on: MacroOn::List,
        signature: "list.sortBy(x, key) -> list",
        doc: "The list sorted by the key each element gives.",
    }],
    ..Family::EMPTY
};

/// `ext.Encoders`: `base64.encode` and `base64.decode`.
pub(super) static ENCODERS: Family = Family {
    name: "cel:encoders",
    builtin: &["base64.encode(bytes) -> string", "base64.decode(string) -> bytes"],
    install: Some(extensions::encoders),
    docs: &[("base64.encode", "The bytes in base64."), ("base64.decode", "The bytes of a base64 text.")],
    ..Family::EMPTY
};
