//! `Workspace`, the engine's [`kro_engine::Workspace`] as a JS class (`ruff_wasm`'s model): named documents
//! compiled once per change, and every question answered from that compile. Results are tagged unions
//! (`type`), so a caller switches on the tag instead of guessing a shape by its keys; findings are data,
//! misuse throws.

use kro_engine::{
    DocumentKind, Engine, EngineOptions, LineIndex, LspPosition, PlanBlocked, PlanRequest, Simulation, StepSummary,
    output,
};
use serde::Serialize;
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

use crate::boundary::{failure, from_js, to_js};
use crate::options::{self, WorkspaceOptions};
use crate::shapes;

type JsResult = Result<JsValue, JsValue>;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** What a document holds. */
export type DocumentKind = 'rgds' | 'crds' | 'instance' | 'observed';

export interface WorkspaceOptions {
  featureGates?: FeatureGates;
  /** Warnings keep an RGD's graph and CRDs back, like the CLI's `--deny-warnings`. */
  denyWarnings?: boolean;
}

/** The documents one plan reads, by name. */
export interface PlanRequest {
  /** An `rgds` document holding exactly one valid RGD. */
  rgd: string;
  /** An `instance` document. */
  instance: string;
  /** An `observed` document: objects as the cluster has them. */
  observed?: string;
}

export interface PlanOptions {
  /** RFC 3339 time the plan is made at (a fixed epoch by default, as the CLI). */
  now?: string;
  /** kro version written into labels (the package's version by default). */
  kroVersion?: string;
  /** Simulations: what happens in the simulated cluster from a step on. */
  events?: SimulatedEvent[];
}

/** A resource of a simulation made not ready, or refused by the API server (`message`), from `fromStep` on. */
export interface SimulatedEvent {
  id: string;
  /** 1-based. */
  fromStep: number;
  effect: 'notReady' | 'failed';
  message?: string;
}

/** One step of a simulation without its objects: what each resource does, and why those waiting wait. */
export interface StepSummary {
  step: number;
  state: InstanceState;
  nodes: NodeStatus[];
  pending: Pending[];
  excluded: string[];
  assumed?: string[];
  /** How many objects the step applies. */
  applied: number;
}

export type SimulationSummaryResult =
  | { type: 'simulation'; steps: StepSummary[]; result: Simulation['result'] }
  | Blocked;

/** An external object a plan reads: by name (a GET) or by label selector (a LIST). */
export interface ExternalRead {
  id: string;
  apiVersion: string;
  kind: string;
  namespace: string | null;
  name: string | null;
  selector: string | null;
}

export type StepResult =
  | { type: 'step'; step: number; plan: Plan; yaml: string; reads: ExternalRead[] }
  | { type: 'noSuchStep'; steps: number }
  | Blocked;

/** The value of an expression, or why it has none. */
export type ValueOutcome =
  | { outcome: 'value'; value: JsonValue }
  | { outcome: 'items'; items: ValueOutcome[]; total: number }
  | { outcome: 'pending'; reason: string }
  | { outcome: 'excluded' }
  | { outcome: 'failed'; message: string };

export type ExpressionRole = 'template' | 'externalRef' | 'forEach' | 'includeWhen' | 'readyWhen' | 'status' | 'condition';

/** One `${...}` of the RGD with its value at a step of the simulation. */
export type ExpressionValue = {
  /** Where it is in the RGD document: the whole `${...}`. */
  range: Range;
  resource?: string;
  role: ExpressionRole;
  expression: string;
} & ValueOutcome;

export type ValuesResult = { type: 'values'; step: number; values: ExpressionValue[] } | Blocked;

/** The RGD document has errors (or warnings, with `denyWarnings`): no graph or CRD, as the CLI prints none. */
export interface InvalidRgd {
  type: 'invalidRgd';
  /** In the RGD document. */
  diagnostics: Diagnostic[];
}

export type GraphResult = { type: 'graphs'; graphs: Graph[] } | InvalidRgd;
export type CrdsResult = { type: 'crds'; crds: KubernetesObject[]; yaml: string } | InvalidRgd;

/** Why no plan was made: each a finding about one of the documents, with its diagnostics located there. */
export type Blocked =
  | InvalidRgd
  | { type: 'noSuchDocument'; name: string; kind: DocumentKind }
  | { type: 'notOneRgd'; found: number }
  | { type: 'emptyInstance' }
  | { type: 'invalidInstance'; diagnostics: Diagnostic[] }
  | { type: 'invalidObserved'; diagnostics: Diagnostic[] };

export type PlanResult = { type: 'plan'; plan: Plan; yaml: string } | Blocked;
export type SimulationResult = { type: 'simulation'; simulation: Simulation } | Blocked;

/**
 * Named documents — RGDs, CRDs, an instance, observed objects — each compiled once per change; diagnostics,
 * graphs, CRDs, plans, simulations and the editor services all read that one compile. A document that uses a
 * kind another document defines (an RGD's, or a CRD's) is checked against it.
 */
export class Workspace {
  constructor(options?: WorkspaceOptions);
  /** Sets a document's text (adding it); false when nothing changed. Nothing is compiled until asked. */
  set(name: string, kind: DocumentKind, text: string): boolean;
  remove(name: string): boolean;
  /** The document's findings, ranges in its own text (an instance's against the RGD defining its kind). */
  diagnostics(name: string): Diagnostic[];
  /** `kro graph -o json` of each RGD of the document, resources with their ranges. */
  graph(name: string): GraphResult;
  /** The generated CRDs, as objects and as the CLI's YAML. */
  crds(name: string): CrdsResult;
  /** `kro render -o json`, and the objects to apply as the CLI's YAML. */
  render(request: PlanRequest, options?: PlanOptions): PlanResult;
  /** `kro render --simulate -o json`. */
  simulate(request: PlanRequest, options?: PlanOptions): SimulationResult;
  /**
   * The same simulation without its objects (made once: `step` and `values` ask the same one again without
   * simulating again): what a host shows of every step.
   */
  simulation(request: PlanRequest, options?: PlanOptions): SimulationSummaryResult;
  /** The plan of one step (1-based) of the simulation, its objects as YAML and the external objects it reads. */
  step(request: PlanRequest, step: number, options?: PlanOptions): StepResult;
  /** The value of every `${...}` of the RGD at one step (1-based) of the simulation. */
  values(request: PlanRequest, step: number, options?: PlanOptions): ValuesResult;
  complete(name: string, position: Position): CompletionItem[];
  hover(name: string, position: Position): Hover | null;
  definition(name: string, position: Position): Definition | null;
  symbols(name: string): DocumentSymbol[];
  /** How many times a document was compiled: an edit compiles once, whatever is asked after it. */
  compiles(): number;
  free(): void;
}
"#;

/// The class behind `Workspace` (the package's `index.js` wraps it so it survives an engine panic).
#[wasm_bindgen(js_name = Workspace, skip_typescript)]
#[derive(Debug)]
pub struct JsWorkspace {
    inner: kro_engine::Workspace,
}

fn kind(text: &str) -> Result<DocumentKind, JsValue> {
    match text {
        "rgds" => Ok(DocumentKind::Rgds),
        "crds" => Ok(DocumentKind::Crds),
        "instance" => Ok(DocumentKind::Instance),
        "observed" => Ok(DocumentKind::Observed),
        other => Err(failure(&format!("kind {other:?} is not one of rgds, crds, instance, observed"))),
    }
}

fn kind_name(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Rgds => "rgds",
        DocumentKind::Crds => "crds",
        DocumentKind::Instance => "instance",
        DocumentKind::Observed => "observed",
    }
}

fn position(position: &JsValue) -> Result<LspPosition, JsValue> {
    serde_json::from_value(from_js(position, "position")?)
        .map_err(|e| failure(&format!("position must be {{line, character}} (0-based, UTF-16): {e}")))
}

#[wasm_bindgen(js_class = Workspace)]
impl JsWorkspace {
    /// A workspace with `options` (feature gates, deny warnings).
    #[wasm_bindgen(constructor)]
    pub fn new(options: &JsValue) -> Result<JsWorkspace, JsValue> {
        let options: WorkspaceOptions =
            options::read(&from_js(options, "options")?, "options").map_err(|m| failure(&m))?;
        let engine =
            Engine::new(EngineOptions { features: options.feature_gates.features(), ..EngineOptions::default() })
                .map_err(|e| failure(&e.to_string()))?;
        Ok(JsWorkspace::over(engine, options.deny_warnings))
    }

    /// Sets the text of a document.
    pub fn set(&mut self, name: &str, kind_text: &str, text: &str) -> Result<bool, JsValue> {
        Ok(self.inner.set(name, kind(kind_text)?, text))
    }

    /// Removes a document.
    pub fn remove(&mut self, name: &str) -> bool {
        self.inner.remove(name)
    }

    /// A document's findings.
    pub fn diagnostics(&mut self, name: &str) -> JsResult {
        let found = self.inner.diagnostics(name);
        to_js(&shapes::diagnostics(&found, self.inner.text(name).unwrap_or_default()))
    }

    /// The graphs of a document's RGDs.
    pub fn graph(&mut self, name: &str) -> JsResult {
        to_js(&self.graph_value(name))
    }

    /// The CRDs a document's RGDs generate.
    pub fn crds(&mut self, name: &str) -> JsResult {
        to_js(&self.crds_value(name))
    }

    /// The plan for an instance.
    pub fn render(&mut self, request: &JsValue, options: &JsValue) -> JsResult {
        let (request, options) = plan_args(request, options)?;
        let value = match self.inner.plan(&request.as_engine(), &options) {
            Ok(plan) => json!({"type": "plan", "plan": output::plan_json(&plan), "yaml": output::plan_yaml(&plan)}),
            Err(blocked) => self.blocked(&request, blocked),
        };
        to_js(&value)
    }

    /// A simulated reconcile of an instance.
    pub fn simulate(&mut self, request: &JsValue, options: &JsValue) -> JsResult {
        let (request, options) = plan_args(request, options)?;
        let value = match self.inner.simulate(&request.as_engine(), &options) {
            Ok(simulation) => json!({"type": "simulation", "simulation": output::simulation_json(&simulation)}),
            Err(blocked) => self.blocked(&request, blocked),
        };
        to_js(&value)
    }

    /// The simulation, each step without its objects.
    pub fn simulation(&mut self, request: &JsValue, options: &JsValue) -> JsResult {
        let (request, options) = plan_args(request, options)?;
        match self.inner.simulation(&request.as_engine(), &options) {
            Ok(simulation) => {
                let full =
                    output::simulation_json(&Simulation { steps: Vec::new(), outcome: simulation.outcome().clone() });
                let steps = (0..simulation.len()).filter_map(|i| simulation.summary(i)).collect();
                to_js(&Summaries { r#type: "simulation", steps, result: &full["result"] })
            }
            Err(blocked) => to_js(&self.blocked(&request, blocked)),
        }
    }

    /// One step of the simulation, whole.
    pub fn step(&mut self, request: &JsValue, step: f64, options: &JsValue) -> JsResult {
        let (request, options) = plan_args(request, options)?;
        let value = match self.inner.simulation(&request.as_engine(), &options) {
            Ok(simulation) => match step_index(step).and_then(|i| simulation.step(i)) {
                Some(s) => json!({
                    "type": "step",
                    "step": s.step,
                    "plan": output::plan_json(&s.plan),
                    "yaml": output::plan_yaml(&s.plan),
                    "reads": s.plan.reads,
                }),
                None => json!({"type": "noSuchStep", "steps": simulation.len()}),
            },
            Err(blocked) => self.blocked(&request, blocked),
        };
        to_js(&value)
    }

    /// The values of the RGD's expressions at a step of the simulation.
    pub fn values(&mut self, request: &JsValue, step: f64, options: &JsValue) -> JsResult {
        let (request, options) = plan_args(request, options)?;
        let index = step_index(step).map_or(0, |i| i + 1);
        let value = match self.inner.values(&request.as_engine(), &options, index) {
            Ok(values) => {
                let text = self.inner.text(&request.rgd).unwrap_or_default();
                json!({"type": "values", "step": index, "values": shapes::expression_values(&values, text)})
            }
            Err(blocked) => self.blocked(&request, blocked),
        };
        to_js(&value)
    }

    /// Completion items.
    pub fn complete(&mut self, name: &str, at: &JsValue) -> JsResult {
        to_js(&json!(self.inner.complete(name, position(at)?)))
    }

    /// Hover, or `null`.
    pub fn hover(&mut self, name: &str, at: &JsValue) -> JsResult {
        to_js(&json!(self.inner.hover(name, position(at)?)))
    }

    /// Where a name is declared, or `null`.
    pub fn definition(&mut self, name: &str, at: &JsValue) -> JsResult {
        to_js(&json!(self.inner.definition(name, position(at)?)))
    }

    /// The outline.
    pub fn symbols(&mut self, name: &str) -> JsResult {
        to_js(&json!(self.inner.symbols(name)))
    }

    /// The compile counter.
    pub fn compiles(&self) -> f64 {
        // A count a session never gets near 2^53 of.
        self.inner.compiles() as f64
    }
}

/// What `simulation` returns, written straight to JSON text: a 100-resource chain's 101 step summaries are
/// most of what crosses, and building a `Value` of them first cost as much again.
#[derive(Serialize)]
struct Summaries<'s> {
    r#type: &'static str,
    steps: Vec<StepSummary<'s>>,
    result: &'s Value,
}

impl JsWorkspace {
    /// A workspace over an engine already built (the free functions' cached one).
    pub(crate) fn over(engine: Engine, deny_warnings: bool) -> JsWorkspace {
        let mut inner = kro_engine::Workspace::new(engine);
        inner.set_deny_warnings(deny_warnings);
        JsWorkspace { inner }
    }

    /// The text of a document (empty for an unknown name).
    pub(crate) fn text(&self, name: &str) -> &str {
        self.inner.text(name).unwrap_or_default()
    }

    pub(crate) fn inner(&mut self) -> &mut kro_engine::Workspace {
        &mut self.inner
    }

    pub(crate) fn graph_value(&mut self, name: &str) -> Value {
        let text = self.inner.text(name).unwrap_or_default().to_string();
        match self.inner.valid_rgds(name) {
            Ok(rgds) => {
                let index = LineIndex::new(&text);
                json!({"type": "graphs", "graphs": rgds.iter().map(|r| shapes::graph(r, &index)).collect::<Vec<_>>()})
            }
            Err(found) => json!({"type": "invalidRgd", "diagnostics": shapes::diagnostics(&found, &text)}),
        }
    }

    pub(crate) fn crds_value(&mut self, name: &str) -> Value {
        let text = self.inner.text(name).unwrap_or_default().to_string();
        match self.inner.valid_rgds(name) {
            Ok(rgds) => json!({
                "type": "crds",
                "crds": rgds.iter().map(|r| r.crd().clone()).collect::<Vec<_>>(),
                "yaml": rgds.iter().map(|r| output::crd_yaml(r)).collect::<String>(),
            }),
            Err(found) => json!({"type": "invalidRgd", "diagnostics": shapes::diagnostics(&found, &text)}),
        }
    }

    /// Why no plan was made, each finding located in its own document.
    pub(crate) fn blocked(&self, request: &options::PlanRequest, blocked: PlanBlocked) -> Value {
        let text = |name: &str| self.inner.text(name).unwrap_or_default();
        match blocked {
            PlanBlocked::NoSuchDocument { name, kind } => {
                json!({"type": "noSuchDocument", "name": name, "kind": kind_name(kind)})
            }
            PlanBlocked::InvalidRgd(found) => {
                json!({"type": "invalidRgd", "diagnostics": shapes::diagnostics(&found, text(&request.rgd))})
            }
            PlanBlocked::NotOneRgd(e) => json!({"type": "notOneRgd", "found": e.found}),
            PlanBlocked::EmptyInstance => json!({"type": "emptyInstance"}),
            PlanBlocked::InvalidInstance(found) => {
                json!({"type": "invalidInstance", "diagnostics": shapes::diagnostics(&found, text(&request.instance))})
            }
            PlanBlocked::InvalidObserved(d) => {
                let observed = request.observed.as_deref().map(text).unwrap_or_default();
                json!({"type": "invalidObserved", "diagnostics": shapes::diagnostics(&[d], observed)})
            }
        }
    }
}

/// The 0-based index of a 1-based step number a caller gave (`None` for 0, a fraction, a negative or NaN).
fn step_index(step: f64) -> Option<usize> {
    // Steps are counted in the hundreds; anything past u32 is no step anyway.
    #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)] // checked: a whole number in 1..=u32::MAX
    (step >= 1.0 && step.fract() == 0.0 && step <= f64::from(u32::MAX)).then(|| step as usize - 1)
}

fn plan_args(request: &JsValue, options: &JsValue) -> Result<(options::PlanRequest, kro_engine::PlanOptions), JsValue> {
    let request: options::PlanRequest = serde_json::from_value(from_js(request, "request")?)
        .map_err(|e| failure(&format!("request must be {{rgd, instance, observed?}} (document names): {e}")))?;
    let options: options::PlanOptions =
        options::read(&from_js(options, "options")?, "options").map_err(|m| failure(&m))?;
    Ok((request, options.read().map_err(|m| failure(&m))?))
}

impl options::PlanRequest {
    pub(crate) fn as_engine(&self) -> PlanRequest<'_> {
        PlanRequest { rgd: &self.rgd, instance: &self.instance, observed: self.observed.as_deref() }
    }
}
