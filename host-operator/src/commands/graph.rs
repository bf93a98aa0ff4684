//! `kro graph`: the resource graph as JSON, Graphviz DOT or Mermaid.

use kro_engine::output;
use serde_json::Value;

use super::{Outcome, check_all, outcome, pretty, print_diagnostics};
use crate::args::{GraphFormat, InputArgs};
use crate::report::{Stream, out};

pub fn graph(input: &InputArgs, format: GraphFormat) -> Outcome {
    let checked = match check_all(input) {
        Ok(c) => c,
        Err(o) => return o,
    };
    print_diagnostics(&checked, Stream::Stderr);
    let result = outcome(&checked, input.deny_warnings);
    if result != Outcome::Success {
        return result;
    }
    let rgds: Vec<_> = checked.iter().flat_map(|c| c.docs.iter().filter_map(|d| d.rgd.as_ref())).collect();
    match format {
        GraphFormat::Json => {
            let value = match rgds.as_slice() {
                [one] => output::graph_json(one),
                many => Value::Array(many.iter().map(|r| output::graph_json(r)).collect()),
            };
            out(Stream::Stdout, &pretty(&value));
        }
        GraphFormat::Dot => out(Stream::Stdout, &rgds.iter().map(|r| output::graph_dot(r)).collect::<String>()),
        GraphFormat::Mermaid => {
            out(Stream::Stdout, &rgds.iter().map(|r| output::graph_mermaid(r)).collect::<String>());
        }
    }
    result
}
