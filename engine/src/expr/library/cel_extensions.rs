//! The extensions of the `cel` crate kro enables (cel-go's `ext.Strings`, `ext.Lists` and `ext.Encoders`, which
//! kro's `pkg/cel/environment.go` adds): the crate implements them; these families declare them for the
//! checker. `sortBy` is a macro of the lists extension, which the checker types itself.

use cel::extensions;

use super::declare::Family;

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
    ..Family::EMPTY
};

/// `ext.Encoders`: `base64.encode` and `base64.decode`.
pub(super) static ENCODERS: Family = Family {
    name: "cel:encoders",
    builtin: &["base64.encode(bytes) -> string", "base64.decode(string) -> bytes"],
    install: Some(extensions::encoders),
    ..Family::EMPTY
};
