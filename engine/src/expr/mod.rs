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
