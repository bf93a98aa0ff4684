//! `kro render`: what kro-rs would apply now for an instance, or a simulated reconcile. The engine's planner
//! decides everything; this reads the files, reports invalid input with its location, and prints.

use std::fmt::Write as _;
use std::path::PathBuf;

use kro_engine::expr::eval::{EvalLimits, Evaluator};
use kro_engine::expr::library::Features;
use kro_engine::plan::{self, Plan, PlanInput, PlanOptions, SimulationStep};
use kro_engine::{Diagnostic, compile, load_source, output};
use serde_json::Value;

use super::Outcome;
use super::pretty;
use crate::args::RenderFormat;
use crate::input::{InputFile, catalog, limits, read_inputs};
use crate::report::{Stream, out, render_text};

pub struct RenderArgs {
    pub rgd: PathBuf,
    pub instance: PathBuf,
    pub observed: Option<PathBuf>,
    pub now: String,
    pub output: RenderFormat,
    pub simulate: bool,
    pub crds: Vec<PathBuf>,
    pub feature_gates: Features,
}

fn fail(message: &str) -> Outcome {
    out(Stream::Stderr, &format!("error: {message}\n"));
    Outcome::UsageOrIo
}

fn invalid(file: &InputFile, diagnostics: &[Diagnostic]) -> Outcome {
    out(Stream::Stderr, &render_text(&file.name, &file.text, diagnostics, Stream::Stderr));
    Outcome::Invalid
}

fn read_one(path: &PathBuf) -> Result<InputFile, Outcome> {
    let mut files = read_inputs(std::slice::from_ref(path)).map_err(|e| fail(&e.0))?;
    files.pop().ok_or_else(|| fail(&format!("cannot read {}", path.display())))
}

/// The YAML documents of a file as JSON, or the diagnostic that stopped loading them.
fn documents(file: &InputFile) -> Result<Vec<(kro_engine::yaml::Node, Value)>, Outcome> {
    if let Some(d) = &file.not_text {
        return Err(invalid(file, std::slice::from_ref(d)));
    }
    let source = load_source(&file.text, &limits()).map_err(|d| invalid(file, &[d]))?;
    Ok(source
        .documents
        .into_iter()
        .filter_map(|d| d.root)
        .map(|root| {
            let json = root.to_json();
            (root, json)
        })
        .collect())
}

pub fn render(args: &RenderArgs) -> Outcome {
    if !is_rfc3339(&args.now) {
        return fail(&format!("--now {:?} is not an RFC 3339 time such as 2025-01-01T00:00:00Z", args.now));
    }
    let (catalog, crd_problems) = match catalog(&args.crds) {
        Ok((c, problems)) => (c.with_features(args.feature_gates), problems),
        Err(e) => return fail(&e.0),
    };
    if let Some((file, d)) = crd_problems.first() {
        return invalid(file, std::slice::from_ref(d));
    }
    let rgd_file = match read_one(&args.rgd) {
        Ok(f) => f,
        Err(o) => return o,
    };
    if let Some(d) = &rgd_file.not_text {
        return invalid(&rgd_file, std::slice::from_ref(d));
    }
    let docs = compile(&rgd_file.text, &catalog, &limits());
    let diagnostics: Vec<Diagnostic> = docs.iter().flat_map(|d| d.diagnostics.iter().cloned()).collect();
    if diagnostics.iter().any(Diagnostic::is_error) {
        return invalid(&rgd_file, &diagnostics);
    }
    if !diagnostics.is_empty() {
        out(Stream::Stderr, &render_text(&rgd_file.name, &rgd_file.text, &diagnostics, Stream::Stderr));
    }
    let rgds: Vec<_> = docs.iter().filter_map(|d| d.rgd.as_ref()).collect();
    let [rgd] = rgds.as_slice() else {
        return fail(&format!("{} holds {} RGDs; render takes a file with exactly one", rgd_file.name, rgds.len()));
    };

    let instance_file = match read_one(&args.instance) {
        Ok(f) => f,
        Err(o) => return o,
    };
    let instances = match documents(&instance_file) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let [(instance_node, _)] = instances.as_slice() else {
        return fail(&format!(
            "{} holds {} documents; --instance takes one instance",
            instance_file.name,
            instances.len()
        ));
    };
    let instance = match plan::prepare_instance(rgd, instance_node) {
        Ok(i) => i,
        Err(findings) => {
            for f in &findings {
                let at = f.span.map_or(String::new(), |s| format!(":{}:{}", s.start.line, s.start.column));
                out(Stream::Stderr, &format!("{}{at}: error: {}\n", instance_file.name, f.message));
            }
            return Outcome::Invalid;
        }
    };
    let observed: Vec<Value> = match &args.observed {
        None => Vec::new(),
        Some(path) => {
            let file = match read_one(path) {
                Ok(f) => f,
                Err(o) => return o,
            };
            match documents(&file) {
                Ok(d) => d.into_iter().map(|(_, json)| json).collect(),
                Err(o) => return o,
            }
        }
    };

    let evaluator = match Evaluator::with_features(EvalLimits::default(), args.feature_gates) {
        Ok(e) => e,
        Err(e) => return fail(&e.message),
    };
    let options = PlanOptions { now: args.now.clone(), ..PlanOptions::default() };
    let input = PlanInput {
        rgd,
        catalog: &catalog,
        evaluator: &evaluator,
        instance: &instance,
        observed: &observed,
        options: &options,
    };
    if args.simulate {
        let (steps, result) = plan::simulate(&input);
        print_simulation(&steps, &result, args.output);
        return if result.is_ok() { Outcome::Success } else { Outcome::Invalid };
    }
    let plan = plan::plan(&input);
    match args.output {
        RenderFormat::Yaml => out(Stream::Stdout, &output::plan_yaml(&plan)),
        RenderFormat::Json => out(Stream::Stdout, &pretty(&output::plan_json(&plan))),
    }
    Outcome::Success
}

fn print_simulation(steps: &[SimulationStep], result: &Result<(), String>, format: RenderFormat) {
    if format == RenderFormat::Json {
        out(Stream::Stdout, &pretty(&output::simulation_json(steps, result)));
        return;
    }
    let mut text = String::new();
    for step in steps {
        let p = &step.plan;
        let _ = writeln!(text, "step {}: state {}", step.step, state_name(p));
        for a in &p.resources {
            let key = plan::ObjectKey::of(&a.object);
            let _ = writeln!(text, "  apply   {} (wave {}) {}", a.id, a.wave, key);
        }
        for w in &p.pending {
            let _ = writeln!(text, "  wait    {}: {}", w.id, w.reason.message);
        }
        for id in &p.excluded {
            let _ = writeln!(text, "  exclude {id}: includeWhen is false (or it reads an excluded resource)");
        }
        for k in &p.prune {
            let _ = writeln!(text, "  prune   {k}");
        }
        for a in &p.assumed {
            let _ = writeln!(text, "  assume  {a}");
        }
    }
    match result {
        Ok(()) => _ = writeln!(text, "ACTIVE after {} step(s)", steps.len()),
        Err(reason) => _ = writeln!(text, "stuck after {} step(s): {reason}", steps.len()),
    }
    out(Stream::Stdout, &text);
}

fn state_name(plan: &Plan) -> String {
    serde_json::to_value(plan.state).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// `YYYY-MM-DDTHH:MM:SS` with an optional fraction and `Z` or an offset.
fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let fixed = digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(b.get(10), Some(b'T' | b't'))
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19);
    if !fixed {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    rest == "Z"
        || rest == "z"
        || (rest.len() == 6 && matches!(rest.as_bytes()[0], b'+' | b'-') && rest.as_bytes()[3] == b':')
}
