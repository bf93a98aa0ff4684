//! The offline commands. Each reads its inputs, asks the engine, prints, and returns the outcome that decides
//! the exit code.

use kro_engine::compile::CompiledDocument;
use kro_engine::{Catalog, Diagnostic, compile, output};
use serde_json::{Value, json};

use crate::cli::{GraphFormat, InputArgs, Outcome, ValidateFormat};
use crate::input::{InputFile, catalog, limits, read_inputs};
use crate::report::{Stream, counts, out, render_text, to_json};

/// A file and what the engine made of it.
struct Checked {
    file: InputFile,
    docs: Vec<CompiledDocument>,
}

impl Checked {
    fn diagnostics(&self) -> Vec<&Diagnostic> {
        self.docs.iter().flat_map(|d| d.diagnostics.iter()).collect()
    }
}

/// Reads and compiles every input; `Err` is an I/O failure already reported.
fn check_all(input: &InputArgs) -> Result<Vec<Checked>, Outcome> {
    let fail = |msg: String| {
        out(Stream::Stderr, &format!("error: {msg}\n"));
        Outcome::UsageOrIo
    };
    let (catalog, crd_problems) = catalog(&input.crds).map_err(|e| fail(e.0))?;
    let catalog = catalog.with_features(input.feature_gates);
    let files = read_inputs(&input.files).map_err(|e| fail(e.0))?;
    let mut checked: Vec<Checked> = crd_problems
        .into_iter()
        .map(|(file, d)| Checked {
            file,
            docs: vec![CompiledDocument { index: 0, name: None, rgd: None, diagnostics: vec![d] }],
        })
        .collect();
    for file in files {
        let docs = compile_file(&file, &catalog);
        checked.push(Checked { file, docs });
    }
    Ok(checked)
}

fn compile_file(file: &InputFile, catalog: &Catalog) -> Vec<CompiledDocument> {
    match &file.not_text {
        Some(d) => vec![CompiledDocument { index: 0, name: None, rgd: None, diagnostics: vec![d.clone()] }],
        None => compile(&file.text, catalog, &limits()),
    }
}

fn outcome(checked: &[Checked], deny_warnings: bool) -> Outcome {
    let all: Vec<&Diagnostic> = checked.iter().flat_map(Checked::diagnostics).collect();
    if all.iter().any(|d| d.is_error()) || (deny_warnings && !all.is_empty()) {
        Outcome::Invalid
    } else {
        Outcome::Success
    }
}

/// Prints each file's diagnostics as code frames on `stream`.
fn print_diagnostics(checked: &[Checked], stream: Stream) {
    for c in checked {
        let diags: Vec<Diagnostic> = c.diagnostics().into_iter().cloned().collect();
        if diags.is_empty() {
            continue;
        }
        let text = render_text(&c.file.name, &c.file.text, &diags, stream);
        out(stream, &text);
    }
}

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
                        let order = match rgd.resources.len() {
                            0 => "no resources".to_string(),
                            1 => format!("1 resource: {}", rgd.resources[0].id),
                            n => format!("{n} resources; order: {}", rgd.topological_ids().join(" -> ")),
                        };
                        out(
                            Stream::Stdout,
                            &format!(
                                "{}: ResourceGraphDefinition {} is valid: {} {} ({order})
",
                                c.file.name,
                                rgd.name,
                                rgd.api.kind,
                                rgd.api.api_version()
                            ),
                        );
                    }
                }
            }
        }
    }
    outcome(&checked, input.deny_warnings)
}

pub fn crd(input: &InputArgs) -> Outcome {
    let checked = match check_all(input) {
        Ok(c) => c,
        Err(o) => return o,
    };
    print_diagnostics(&checked, Stream::Stderr);
    let result = outcome(&checked, input.deny_warnings);
    if result == Outcome::Success {
        let yaml: String =
            checked.iter().flat_map(|c| c.docs.iter().filter_map(|d| d.rgd.as_ref())).map(output::crd_yaml).collect();
        out(Stream::Stdout, &yaml);
    }
    result
}

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

pub fn schema() -> Outcome {
    out(Stream::Stdout, &pretty(&kro_engine::rgd::json_schema::rgd_json_schema()));
    Outcome::Success
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}
