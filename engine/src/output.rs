//! Renderings of a compiled RGD that every host shows the same way: the graph as JSON, Graphviz DOT and
//! Mermaid, and the CRD as YAML.

use serde_json::{Value, json};

use crate::graph::CompiledRgd;

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

/// Graphviz DOT: an edge from each resource to the resources it reads, drawn left to right in apply order.
pub fn graph_dot(rgd: &CompiledRgd) -> String {
    let mut out = format!("digraph {} {{\n  rankdir=LR;\n  node [shape=box, style=rounded];\n", quote(&rgd.name));
    for &i in &rgd.order {
        let r = &rgd.resources[i];
        let mut label = format!("{}\\n{}", r.id, r.kind);
        if !r.for_each.is_empty() {
            label.push_str("\\n(forEach)");
        }
        let style = if r.external { ", style=\"rounded,dashed\"" } else if r.include_when.is_empty() { "" } else { ", style=\"rounded,dotted\"" };
        out.push_str(&format!("  {} [label=\"{label}\"{style}];\n", quote(&r.id)));
    }
    for &i in &rgd.order {
        let r = &rgd.resources[i];
        for dep in &r.depends_on {
            out.push_str(&format!("  {} -> {};\n", quote(dep), quote(&r.id)));
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
        let (open, close) = if r.external { ("[(", ")]") } else if r.include_when.is_empty() { ("[", "]") } else { ("{{", "}}") };
        out.push_str(&format!("  {}{open}\"{label}\"{close}\n", r.id));
    }
    for &i in &rgd.order {
        let r = &rgd.resources[i];
        for dep in &r.depends_on {
            out.push_str(&format!("  {dep} --> {}\n", r.id));
        }
    }
    out
}

/// The generated CRD as a YAML document.
pub fn crd_yaml(rgd: &CompiledRgd) -> String {
    crate::yaml::to_yaml(&rgd.crd)
}
