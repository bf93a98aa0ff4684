//! What every host shows the same way, defined once: diagnostics as JSON, the graph as JSON, Graphviz DOT and
//! Mermaid, the CRD as YAML, and plans and simulations as JSON.

use std::fmt::Write;

use serde_json::{Value, json};

use crate::diagnostics::Diagnostic;
use crate::graph::CompiledRgd;

/// One diagnostic as the JSON contract has it (`kro validate -o json`, the fixtures, the npm package):
/// `severity`, `code`, `message`, `path`, `file` (when given), 1-based `line`/`column` and `endLine`/`endColumn`
/// counted in characters, and `help` when there is one. A diagnostic without a position (an RGD read from
/// JSON) has line and column 1.
pub fn diagnostic_json(file: Option<&str>, d: &Diagnostic) -> Value {
    let mut v = json!({
        "severity": d.severity,
        "code": d.code,
        "message": d.message,
        "path": d.path.to_string(),
    });
    if let Some(file) = file {
        v["file"] = json!(file);
    }
    v["line"] = json!(d.span.start.line.max(1));
    v["column"] = json!(d.span.start.column.max(1));
    v["endLine"] = json!(d.span.end.line.max(1));
    v["endColumn"] = json!(d.span.end.column.max(1));
    if let Some(help) = &d.help {
        v["help"] = json!(help);
    }
    v
}

/// `{"topologicalOrder": [...], "resources": [...]}`, the `kro graph` JSON contract.
pub fn graph_json(rgd: &CompiledRgd) -> Value {
    json!({
        "name": rgd.name,
        "topologicalOrder": rgd.topological_ids(),
        "resources": rgd.resources,
    })
}

fn quote(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

/// Graphviz DOT: an edge from each resource to the resources it reads (dashed: an implicit dependency), drawn
/// left to right in apply order.
pub fn graph_dot(rgd: &CompiledRgd) -> String {
    let mut out = format!("digraph {} {{\n  rankdir=LR;\n  node [shape=box, style=rounded];\n", quote(&rgd.name));
    for &i in &rgd.order {
        let r = &rgd.resources[i];
        let mut label = format!("{}\\n{}", r.id, r.kind);
        if !r.for_each.is_empty() {
            label.push_str("\\n(forEach)");
        }
        let style = if r.external {
            ", style=\"rounded,dashed\""
        } else if r.include_when.is_empty() {
            ""
        } else {
            ", style=\"rounded,dotted\""
        };
        let _ = writeln!(out, "  {} [label=\"{label}\"{style}];", quote(&r.id));
    }
    for &i in &rgd.order {
        let r = &rgd.resources[i];
        for dep in &r.depends_on {
            // An implicit dependency (no expression reads it) is drawn dashed.
            let style = if r.implicit_depends_on.contains(dep) { " [style=dashed]" } else { "" };
            let _ = writeln!(out, "  {} -> {}{style};", quote(dep), quote(&r.id));
        }
    }
    out.push_str("}\n");
    out
}

/// Mermaid flowchart, same shape as [`graph_dot`].
pub fn graph_mermaid(rgd: &CompiledRgd) -> String {
    let mut out = String::from("flowchart LR\n");
    for &i in &rgd.order {
        let r = &rgd.resources[i];
        let mut label = format!("{}<br/>{}", r.id, r.kind);
        if !r.for_each.is_empty() {
            label.push_str("<br/>(forEach)");
        }
        let (open, close) = if r.external {
            ("[(", ")]")
        } else if r.include_when.is_empty() {
            ("[", "]")
        } else {
            ("{{", "}}")
        };
        let _ = writeln!(out, "  {}{open}\"{label}\"{close}", r.id);
    }
    for &i in &rgd.order {
        let r = &rgd.resources[i];
        for dep in &r.depends_on {
            let arrow = if r.implicit_depends_on.contains(dep) { "-.->" } else { "-->" };
            let _ = writeln!(out, "  {dep} {arrow} {}", r.id);
        }
    }
    out
}

/// The generated CRD as a YAML document.
pub fn crd_yaml(rgd: &CompiledRgd) -> String {
    to_yaml(&rgd.crd)
}

/// Any JSON value as one YAML document starting with `---`, written the way the engine writes CRDs and plans
/// (for a host's own manifests, such as the RGD CRD the operator installs).
pub fn to_yaml(value: &Value) -> String {
    crate::yaml::to_yaml(value)
}

/// The `kro render --output json` contract: the objects to apply in apply order, what waits and why, what is
/// excluded and pruned, the instance metadata patch, the state of the instance and of each resource, the
/// status and the requeue hint ([`Plan`](crate::Plan)'s own serialisation).
pub fn plan_json(plan: &crate::plan::Plan) -> Value {
    serde_json::to_value(plan).unwrap_or_default()
}

/// `kro render --simulate --output json`: each step's plan, and whether the instance became ACTIVE.
pub fn simulation_json(simulation: &crate::plan::Simulation) -> Value {
    let result = match &simulation.outcome {
        Ok(()) => json!({"active": true}),
        Err(reason) => json!({"active": false, "cause": reason.cause(), "reason": reason.to_string()}),
    };
    json!({"steps": serde_json::to_value(&simulation.steps).unwrap_or_default(), "result": result})
}

/// `{"instanceErrors": [...]}`, what `kro render -o json`'s fixtures and the npm package give for an instance
/// the API server would refuse: each finding (errors, and warnings beside them) with its `severity`, `code`,
/// `path`, 1-based `line` and `column` (`null` for an instance given as JSON) and `message`.
pub fn instance_errors_json(diagnostics: &[Diagnostic]) -> Value {
    let errors: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let (line, column) = d.position().unzip();
            json!({
                "severity": d.severity,
                "code": d.code,
                "path": d.path.to_string(),
                "line": line,
                "column": column,
                "message": d.message,
            })
        })
        .collect();
    json!({ "instanceErrors": errors })
}

/// The objects a plan applies, as multi-document YAML in apply order (`kro render`'s default output).
pub fn plan_yaml(plan: &crate::plan::Plan) -> String {
    plan.resources.iter().map(|a| to_yaml(&a.object)).collect()
}
