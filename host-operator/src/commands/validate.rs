//! `kro validate`: every diagnostic of every file, as code frames or JSON, and a line per valid RGD.

use serde_json::{Value, json};

use super::{Outcome, check_all, outcome, pretty, print_diagnostics};
use crate::args::{InputArgs, ValidateFormat};
use crate::report::{Stream, counts, out, to_json};

pub fn validate(input: &InputArgs, format: ValidateFormat) -> Outcome {
    let checked = match check_all(input) {
        Ok(c) => c,
        Err(o) => return o,
    };
    match format {
        ValidateFormat::Json => {
            let diagnostics: Vec<Value> =
                checked.iter().flat_map(|c| c.diagnostics().into_iter().map(|d| to_json(&c.file.name, d))).collect();
            out(Stream::Stdout, &pretty(&json!({ "diagnostics": diagnostics })));
        }
        ValidateFormat::Text => {
            print_diagnostics(&checked, Stream::Stdout);
            for c in &checked {
                let diags = c.diagnostics();
                if !diags.is_empty() {
                    out(Stream::Stdout, &format!("{}: {}\n", c.file.name, counts(&diags)));
                }
                for doc in &c.docs {
                    if let Some(rgd) = &doc.rgd {
                        let order = match rgd.resources().len() {
                            0 => "no resources".to_string(),
                            1 => format!("1 resource: {}", rgd.resources()[0].id),
                            n => format!("{n} resources; order: {}", rgd.topological_ids().join(" -> ")),
                        };
                        out(
                            Stream::Stdout,
                            &format!(
                                "{}: ResourceGraphDefinition {} is valid: {} {} ({order})
",
                                c.file.name,
                                rgd.name(),
                                rgd.api().kind,
                                rgd.api().api_version()
                            ),
                        );
                    }
                }
            }
        }
    }
    outcome(&checked, input.deny_warnings)
}
