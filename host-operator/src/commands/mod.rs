//! The commands, one file each. Each reads its inputs, asks the engine, prints, and returns the [`Outcome`]
//! that decides the exit code: 0 success, 1 invalid input, 2 usage or I/O error.

mod crd;
mod graph;
mod lsp;
mod operator;
mod render;
mod schema;
mod validate;

use std::process::ExitCode;

use clap::Parser;
use kro_engine::{CompiledDocument, Diagnostic};
use serde_json::Value;

use crate::args::{Cli, Command, InputArgs};
use crate::input::{InputFile, engine, read_inputs};
use crate::report::{Stream, out, render_text};

/// A file and what the engine made of it.
pub(crate) struct Checked {
    pub(crate) file: InputFile,
    pub(crate) docs: Vec<CompiledDocument>,
}

impl Checked {
    pub(crate) fn diagnostics(&self) -> Vec<&Diagnostic> {
        self.docs.iter().flat_map(|d| d.diagnostics.iter()).collect()
    }
}

/// Reads and compiles every input; `Err` is an I/O failure already reported.
pub(crate) fn check_all(input: &InputArgs) -> Result<Vec<Checked>, Outcome> {
    let fail = |msg: String| {
        out(Stream::Stderr, &format!("error: {msg}\n"));
        Outcome::UsageOrIo
    };
    let (engine, crd_problems) = engine(&input.crds, input.feature_gates).map_err(|e| fail(e.0))?;
    let files = read_inputs(&input.files).map_err(|e| fail(e.0))?;
    let mut checked: Vec<Checked> = crd_problems
        .into_iter()
        .map(|(file, d)| Checked {
            file,
            docs: vec![CompiledDocument { index: 0, name: None, rgd: None, diagnostics: vec![d] }],
        })
        .collect();
    // The files of one run are compiled together, so an RGD may use the kind one in another file defines;
    // each file keeps its own documents and diagnostics.
    let texts: Vec<&str> = files.iter().filter(|f| f.not_text.is_none()).map(|f| f.text.as_str()).collect();
    let mut compiled = engine.compile_texts(&texts).into_iter();
    for file in files {
        let docs = match &file.not_text {
            Some(d) => vec![CompiledDocument { index: 0, name: None, rgd: None, diagnostics: vec![d.clone()] }],
            None => compiled.next().unwrap_or_default(),
        };
        checked.push(Checked { file, docs });
    }
    Ok(checked)
}

pub(crate) fn outcome(checked: &[Checked], deny_warnings: bool) -> Outcome {
    if checked.iter().flat_map(Checked::diagnostics).any(|d| d.blocks(deny_warnings)) {
        Outcome::Invalid
    } else {
        Outcome::Success
    }
}

/// Prints each file's diagnostics as code frames on `stream`.
pub(crate) fn print_diagnostics(checked: &[Checked], stream: Stream) {
    for c in checked {
        let diags: Vec<Diagnostic> = c.diagnostics().into_iter().cloned().collect();
        if diags.is_empty() {
            continue;
        }
        let text = render_text(&c.file.name, &c.file.text, &diags, stream);
        out(stream, &text);
    }
}

/// What a command ended in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Invalid,
    UsageOrIo,
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> Self {
        ExitCode::from(match o {
            Outcome::Success => 0,
            Outcome::Invalid => 1,
            Outcome::UsageOrIo => 2,
        })
    }
}

/// Parses the command line and runs the command.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Validate { input, output } => validate::validate(&input, output),
        Command::Crd { input } => crd::crd(&input),
        Command::Graph { input, output } => graph::graph(&input, output),
        Command::Render { rgd, instance, observed, now, output, simulate, crds, feature_gates } => {
            let args = render::RenderArgs { rgd, instance, observed, now, output, simulate, crds, feature_gates };
            render::render(&args)
        }
        Command::Schema => schema::schema(),
        Command::Lsp { stdio: _ } => lsp::lsp(),
        Command::Operator(args) => operator::operator(args),
    };
    outcome.into()
}

pub(crate) fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}
