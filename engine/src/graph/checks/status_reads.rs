//! Rule: every instance status field reads something.
//!
//! ## What it rejects
//! A field of `spec.schema.status` whose expressions, all together, read neither `schema` nor any resource
//! (`status-reference`), such as `${1 + 1}` or `${'constant'}`.
//!
//! ## Why
//! kro refuses a status field with no dependency ("instance status field must refer to a resource or schema",
//! `pkg/graph/builder.go`): such an expression is a constant, which needs no expression, and a field that
//! depends on nothing has no place in the order status is computed in.
//!
//! ## Example
//! ```yaml
//! status:
//!   answer: ${6 * 7}   # reads neither schema nor a resource
//! ```
//!
//! The code is documented for users in `docs/diagnostics.md`.

use crate::diagnostics::{Code, Diagnostics, Path};
use crate::graph::model::{ExprSite, Role};

/// kro's "instance status field must refer to a resource or schema", per field: a string template such as
/// `https://${schema.spec.host}:${string(8443)}` reads `schema` as a whole even if one part reads nothing.
pub(in crate::graph) fn check(sites: &[ExprSite], diags: &mut Diagnostics) {
    let status: Vec<&ExprSite> = sites.iter().filter(|s| s.role == Role::Status).collect();
    let mut seen: Vec<&Path> = Vec::new();
    for site in &status {
        if seen.contains(&&site.path) {
            continue;
        }
        seen.push(&site.path);
        let field: Vec<&ExprSite> = status.iter().copied().filter(|s| s.path == site.path).collect();
        // Any name counts: an unknown one was reported as such already.
        if field.iter().all(|s| s.references.is_empty()) {
            let text: String = field.iter().map(|s| format!("${{{}}}", s.expression)).collect();
            diags.error(
                Code::StatusReference,
                format!("instance status field must refer to a resource or schema: {text} reads neither"),
                &site.path,
                site.span,
            );
        }
    }
}
