//! The offline commands. Each reads its inputs, asks the engine, prints, and returns the outcome that decides
//! the exit code.

use std::io::Write;

use kro_engine::compile::CompiledDocument;
use kro_engine::{Catalog, Diagnostic, compile, output};
use serde_json::{Value, json};

use crate::cli::{GraphFormat, InputArgs, Outcome, ValidateFormat};
use crate::input::{InputFile, catalog, limits, read_inputs};
use crate::report::{Stream, counts, render_text, to_json};

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
        eprintln!("error: {msg}");
        Outcome::UsageOrIo
    };
    let (catalog, crd_problems) = catalog(&input.crds).map_err(|e| fail(e.0))?;
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
        match stream {
            Stream::Stdout => print!("{text}"),
            Stream::Stderr => eprint!("{text}"),
        }
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
            println!("{}", serde_json::to_string_pretty(&json!({ "diagnostics": diagnostics })).unwrap_or_default());
        }
        ValidateFormat::Text => {
            print_diagnostics(&checked, Stream::Stdout);
            for c in &checked {
                let diags = c.diagnostics();
                if !diags.is_empty() {
                    println!("{}: {}", c.file.name, counts(&diags));
                }
                for doc in &c.docs {
                    if let Some(rgd) = &doc.rgd {
                        println!(
                            "{}: ResourceGraphDefinition {} is valid: {} {} ({} resources; order: {})",
                            c.file.name,
                            rgd.name,
                            rgd.api.kind,
                            rgd.api.api_version(),
                            rgd.resources.len(),
                            rgd.topological_ids().join(" -> ")
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
        let mut out = std::io::stdout().lock();
        for rgd in checked.iter().flat_map(|c| c.docs.iter().filter_map(|d| d.rgd.as_ref())) {
            let _ = out.write_all(output::crd_yaml(rgd).as_bytes());
        }
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
            println!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
        }
        GraphFormat::Dot => rgds.iter().for_each(|r| print!("{}", output::graph_dot(r))),
        GraphFormat::Mermaid => rgds.iter().for_each(|r| print!("{}", output::graph_mermaid(r))),
    }
    result
}

pub fn schema() -> Outcome {
    println!("{}", serde_json::to_string_pretty(&kro_engine::rgd::json_schema::rgd_json_schema()).unwrap_or_default());
    Outcome::Success
}
