//! Expressions: finding `${...}` in values ([`extract`]) and parsing CEL to learn what it reads ([`references`]).
//! Type checking and evaluation arrive with the CEL environment.

pub(crate) mod check;
pub(crate) mod eval;
pub(crate) mod extract;
pub(crate) mod library;
mod references;
pub(crate) mod template;
pub(crate) mod values;

pub(crate) use extract::{Interpolation, Part, ScanIssue, scan};
pub(crate) use references::{Parsed, parse_cel};
