//! `kro render`: what kro-rs would apply now for an instance, or a simulated reconcile. The engine's planner
//! decides everything; this reads the files, reports invalid input with its location, and prints.

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use kro_engine::{
    Code, Diagnostic, Features, ObjectKey, Plan, PlanOptions, Simulation, SimulationError, only_rgd, output,
};
use serde_json::Value;

use super::Outcome;
use super::pretty;
use crate::args::RenderFormat;
use crate::input::{InputFile, engine, read_inputs};
use crate::report::{Stream, out, render_text};

pub struct RenderArgs {
    pub rgd: PathBuf,
    pub instance: PathBuf,
    pub observed: Option<PathBuf>,
    pub now: DateTime<Utc>,
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

pub fn render(args: &RenderArgs) -> Outcome {
    let (engine, crd_problems) = match engine(&args.crds, args.feature_gates) {
        Ok(found) => found,
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
    let docs = engine.compile_text(&rgd_file.text);
    let diagnostics: Vec<Diagnostic> = docs.iter().flat_map(|d| d.diagnostics.iter().cloned()).collect();
    if diagnostics.iter().any(Diagnostic::is_error) {
        return invalid(&rgd_file, &diagnostics);
    }
    if !diagnostics.is_empty() {
        out(Stream::Stderr, &render_text(&rgd_file.name, &rgd_file.text, &diagnostics, Stream::Stderr));
    }
    let rgd = match only_rgd(&docs) {
        Ok(rgd) => rgd,
        Err(e) => return fail(&format!("{} {e}", rgd_file.name)),
    };

    let instance_file = match read_one(&args.instance) {
        Ok(f) => f,
        Err(o) => return o,
    };
    if let Some(d) = &instance_file.not_text {
        return invalid(&instance_file, std::slice::from_ref(d));
    }
    let instance = match engine.instance_from_text(rgd, &instance_file.text) {
        Ok(i) => i,
        Err(diagnostics) => {
            if let Some(d) = diagnostics.iter().find(|d| d.code == Code::NotAnInstance) {
                return fail(&format!("{}: {}; --instance takes one instance", instance_file.name, d.message));
            }
            for d in diagnostics.iter().filter(|d| d.is_error()) {
                let at = d.position().map(|(line, column)| format!(":{line}:{column}")).unwrap_or_default();
                out(Stream::Stderr, &format!("{}{at}: error: {}\n", instance_file.name, d.message));
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
            if let Some(d) = &file.not_text {
                return invalid(&file, std::slice::from_ref(d));
            }
            match engine.load_objects(&file.text) {
                Ok(objects) => objects,
                Err(d) => return invalid(&file, &[d]),
            }
        }
    };

    let options = PlanOptions { now: args.now, ..PlanOptions::default() };
    if args.simulate {
        let simulation = engine.simulate(rgd, &instance, &observed, &options);
        print_simulation(&simulation, args.output);
        if let Some(last) = simulation.steps.last() {
            report_refusals(&rgd_file, &last.plan);
        }
        return if simulation.outcome.is_ok() { Outcome::Success } else { Outcome::Invalid };
    }
    let plan = engine.plan(rgd, &instance, &observed, &options);
    match args.output {
        RenderFormat::Yaml => out(Stream::Stdout, &output::plan_yaml(&plan)),
        RenderFormat::Json => out(Stream::Stdout, &pretty(&output::plan_json(&plan))),
    }
    if report_refusals(&rgd_file, &plan) { Outcome::Invalid } else { Outcome::Success }
}

/// Shows on standard error, with code frames in the RGD, what the API server would refuse in the objects the
/// plan rendered (values computed for this instance); whether there was any.
fn report_refusals(rgd_file: &InputFile, plan: &Plan) -> bool {
    let refused: Vec<Diagnostic> = plan.pending.iter().flat_map(|p| p.diagnostics.iter().cloned()).collect();
    if !refused.is_empty() {
        out(Stream::Stderr, &render_text(&rgd_file.name, &rgd_file.text, &refused, Stream::Stderr));
    }
    !refused.is_empty()
}

fn print_simulation(simulation: &Simulation, format: RenderFormat) {
    if format == RenderFormat::Json {
        out(Stream::Stdout, &pretty(&output::simulation_json(simulation)));
        return;
    }
    let steps = &simulation.steps;
    let mut text = String::new();
    for step in steps {
        let p = &step.plan;
        let _ = writeln!(text, "step {}: state {}", step.step, state_name(p));
        for a in &p.resources {
            let key = ObjectKey::of(&a.object);
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
    match &simulation.outcome {
        Ok(()) => _ = writeln!(text, "ACTIVE after {} step(s)", steps.len()),
        // The step cap is not a stuck reconcile, and says so itself.
        Err(reason @ SimulationError::StepCap(_)) => _ = writeln!(text, "not ACTIVE: {reason}"),
        Err(reason) => _ = writeln!(text, "stuck after {} step(s): {reason}", steps.len()),
    }
    out(Stream::Stdout, &text);
}

fn state_name(plan: &Plan) -> String {
    serde_json::to_value(plan.state).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}
