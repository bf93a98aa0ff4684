//! Rule: resources do not read each other in a cycle.
//!
//! ## What it rejects
//! Resources whose templates, externalRefs, forEach or includeWhen expressions read each other in a cycle
//! (`cycle`): `a` reads `b`, which reads `a`. Each cycle is reported once, at the id of its first resource.
//!
//! ## Why
//! kro creates a resource only after the ones it reads exist; in a cycle none can be first. kro's DAG refuses
//! the edge that closes one (`pkg/graph/dag/dag.go`: "graph contains a cycle"). readyWhen and status read
//! resources after they exist, so they add no edges.
//!
//! ## Example
//! ```yaml
//! - id: a
//!   template: {... name: ${b.metadata.name} ...}
//! - id: b
//!   template: {... name: ${a.metadata.name} ...}   # a -> b -> a
//! ```
//!
//! The code is documented for users in `docs/diagnostics.md`.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::graph::dag::Dag;
use crate::rgd::Rgd;

pub(in crate::graph) fn check(rgd: &Rgd<'_>, dag: &Dag, diags: &mut Diagnostics) {
    let cycles = dag.cycles();
    for cycle in &cycles {
        let mut names: Vec<&str> = cycle.iter().map(|i| rgd.resources[*i].id.as_str()).collect();
        names.push(names[0]);
        let first = &rgd.resources[cycle[0]];
        diags.push(
            Diagnostic::error(
                Code::Cycle,
                format!(
                    "graph contains a cycle: {} (each resource reads the next one, so none can be created first)",
                    names.join(" -> ")
                ),
                first.path.key("id"),
                first.id_span,
            )
            .with_help("break the cycle by reading the value from schema.spec, or by moving it into one resource"),
        );
    }
}
