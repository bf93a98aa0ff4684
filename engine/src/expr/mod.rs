//! Expressions: finding `${...}` in values ([`extract`]) and parsing CEL to learn what it reads ([`references`]).
//! Type checking and evaluation arrive with the CEL environment.

pub mod check;
pub mod eval;
pub mod extract;
pub mod library;
mod references;
pub mod values;

pub use extract::{Found, Interpolation, Part, Scan, ScanIssue, scan};
pub use references::{CelSyntaxError, Parsed, parse_cel};

/// CEL's reserved words: they cannot name a variable (so kro refuses them as ids), and Kubernetes escapes
/// property names spelled like them (`__if__`).
pub const CEL_RESERVED_WORDS: &[&str] = &[
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];
