//! Collecting every `${...}` of an RGD into [`ExprSite`]s: scanning string values, parsing the CEL, and
//! reporting scanner and syntax problems at the exact characters when the YAML allows it.

use crate::diagnostics::{Code, Diagnostics, Path};
use crate::expr::{Interpolation, ScanIssue, parse_cel, scan};
use crate::graph::model::{ExprSite, Role};
use crate::yaml::{Node, NodeKind};

/// Accumulates sites and diagnostics while walking an RGD.
#[derive(Debug)]
pub(super) struct Collector<'d> {
    pub sites: Vec<ExprSite>,
    pub diags: &'d mut Diagnostics,
}

impl<'d> Collector<'d> {
    pub(super) fn new(diags: &'d mut Diagnostics) -> Self {
        Self { sites: Vec::new(), diags }
    }

    /// Scans every string value under `node` (never map keys, which kro does not interpolate).
    pub(super) fn walk(&mut self, node: &Node, path: &Path, resource: Option<usize>, role: Role) {
        match &node.kind {
            NodeKind::Str(_) => {
                self.value(node, path, resource, role, false);
            }
            NodeKind::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.walk(item, &path.index(i), resource, role);
                }
            }
            NodeKind::Map(entries) => {
                for (key, value) in entries {
                    self.walk(value, &path.key(&key.name), resource, role);
                }
            }
            _ => {}
        }
    }

    /// Scans one string value; returns how many expressions it held. With `standalone`, the value must be
    /// exactly one `${...}`.
    pub(super) fn value(
        &mut self,
        node: &Node,
        path: &Path,
        resource: Option<usize>,
        role: Role,
        standalone: bool,
    ) -> usize {
        let Some(text) = node.as_str() else { return 0 };
        let scanned = scan(text);
        for issue in &scanned.issues {
            match *issue {
                ScanIssue::Nested { start, end } => self.diags.error(
                    Code::NestedExpression,
                    "nested expressions are not allowed unless inside string literals: to produce a literal ${...}, write ${\"${...}\"}",
                    path,
                    node.span_within(start, end - start),
                ),
                ScanIssue::Unterminated { start } => self.diags.warning(
                    Code::UnterminatedExpression,
                    "this ${ is never closed with }, so it is kept as plain text; close it, or write ${\"${\"} for a literal ${",
                    path,
                    node.span_within(start, 2),
                ),
            }
        }
        if standalone && !matches!(scanned.interpolation, Interpolation::Standalone(_)) {
            self.diags.error(
                Code::NotStandalone,
                format!(
                    "only standalone expressions are allowed in {}: the value must be exactly one ${{...}}, e.g. {}, got {text:?}",
                    role.describe(),
                    match role {
                        Role::ForEach => "\"${schema.spec.regions}\"",
                        Role::Condition => "\"${runtime.newCondition({type: 'Available', status: 'True'})}\"",
                        _ => "\"${deployment.status.availableReplicas > 0}\"",
                    }
                ),
                path,
                node.span,
            );
            return 0;
        }
        let is_standalone = matches!(scanned.interpolation, Interpolation::Standalone(_));
        let found = scanned.expressions();
        let nested_inside = |start: usize, end: usize| {
            scanned.issues.iter().any(|i| matches!(*i, ScanIssue::Nested { start: s, .. } if s > start && s < end))
        };
        for f in &found {
            if nested_inside(f.start, f.end) {
                // Already reported as a nested expression; its CEL would only fail again on the `$`.
                continue;
            }
            let span = node.span_within(f.start, f.end - f.start);
            if f.expr.trim().is_empty() {
                self.diags.error(
                    Code::EmptyExpression,
                    "empty expression ${}: write a CEL expression inside, e.g. ${schema.spec.name}",
                    path,
                    span,
                );
                continue;
            }
            match parse_cel(&f.expr) {
                Ok(parsed) => self.sites.push(ExprSite {
                    resource,
                    role,
                    path: path.clone(),
                    expression: f.expr.clone(),
                    standalone: is_standalone,
                    references: parsed.variables().into_iter().collect(),
                    span,
                    parsed: Some(std::sync::Arc::new(parsed)),
                }),
                Err(e) => self.diags.error(
                    Code::CelSyntax,
                    format!("failed to parse expression {:?}: {}", f.expr, e),
                    path,
                    span,
                ),
            }
        }
        found.len()
    }
}
