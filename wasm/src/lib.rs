//! The kro-rs engine for JavaScript (the `@kro-rs/engine` npm package): a `Workspace` class over the engine's
//! compile-once [`kro_engine::Workspace`], and free functions for one-off calls — everything the offline CLI
//! does (`validate`, `crd`, `graph`, `render`, `--simulate`, `schema`), a CEL scratchpad, and the editor
//! services — each a one-document workspace underneath, so both give the same answers.
//!
//! The TypeScript declarations are written once, beside the Rust that produces each shape
//! (`typescript_custom_section`); wasm-bindgen puts them in the package's `.d.ts`, and the Node tests
//! type-check what the functions really return against them.

mod boundary;
mod engine;
mod lsp;
mod options;
mod panic_hook;
mod shapes;
mod workspace;

use boundary::{failure, from_js, to_js};
use kro_engine::{
    Code, Diagnostic, DocumentKind, Engine, LineIndex, LspPosition, Path, PlanBlocked, PlanRequest, Span,
};
use kro_engine::{editor, output};
use options::{CheckOptions, RenderOptions};
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;
use workspace::JsWorkspace;

pub use kro_engine as engine_crate;

type JsResult = Result<JsValue, JsValue>;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** kro's feature gates, by kro's names. */
export interface FeatureGates {
  CELOmitFunction?: boolean;
}

/** Options of `validate`, `crd`, `crdYaml`, `graph` and the editor services. */
export interface CheckOptions {
  /** CRD documents (YAML or JSON texts) whose kinds resources may use, like the CLI's `--crd`. */
  crds?: string[];
  featureGates?: FeatureGates;
  /** Warnings make the input invalid, like the CLI's `--deny-warnings`. */
  denyWarnings?: boolean;
}

export interface ValidateResult {
  diagnostics: Diagnostic[];
  /** No errors (and, with `denyWarnings`, no warnings): what the CLI's exit code 0 means. */
  valid: boolean;
}

/**
 * What `crd`, `crdYaml`, `graph`, `render` and `simulate` return for an RGD with errors (or warnings, with
 * `denyWarnings`), where the CLI prints diagnostics instead of its output.
 */
export interface Invalid {
  diagnostics: Diagnostic[];
}

export interface RenderOptions {
  /** Objects as the cluster has them: a multi-document YAML text or an array of objects. */
  observed?: string | KubernetesObject[];
  /** RFC 3339 time the plan is made at (a fixed epoch by default, as the CLI). */
  now?: string;
  /** kro version written into labels (the package's version by default). */
  kroVersion?: string;
  crds?: string[];
  featureGates?: FeatureGates;
}

/** The API server would refuse the instance: what `render` and `simulate` return instead of a plan. */
export interface InstanceErrors {
  instanceErrors: InstanceError[];
}

export type EvaluateResult = { value: JsonValue } | { error: { message: string; pending: boolean } };

/** Every diagnostic of every RGD in `text` (`kro validate -o json`). */
export function validate(text: string, options?: CheckOptions): ValidateResult;
/** The generated CRDs (`kro crd`), as objects. */
export function crd(text: string, options?: CheckOptions): KubernetesObject[] | Invalid;
/** The generated CRDs as the CLI prints them: multi-document YAML. */
export function crdYaml(text: string, options?: CheckOptions): string | Invalid;
/** `kro graph -o json`: one graph, or an array when `text` holds several RGDs. */
export function graph(text: string, options?: CheckOptions): Graph | Graph[] | Invalid;
/** `kro render -o json`: what would be applied now for `instance` (a YAML text or an object). */
export function render(
  rgd: string,
  instance: string | KubernetesObject,
  options?: RenderOptions,
): Plan | Invalid | InstanceErrors;
/** `kro render --simulate -o json`: the steps of a simulated reconcile. */
export function simulate(
  rgd: string,
  instance: string | KubernetesObject,
  options?: RenderOptions,
): Simulation | Invalid | InstanceErrors;
/** One CEL expression with kro's function library, over `variables`. */
export function evaluate(expression: string, variables?: Record<string, unknown>, options?: CheckOptions): EvaluateResult;
/** Completion items at `position`. */
export function complete(text: string, position: Position, options?: CheckOptions): CompletionItem[];
/** Hover at `position`, or null. */
export function hover(text: string, position: Position, options?: CheckOptions): Hover | null;
/** Where the name at `position` is declared, or null. */
export function definition(text: string, position: Position): Definition | null;
/** The outline: the instance API's fields and the resources. */
export function symbols(text: string): DocumentSymbol[];
/**
 * What would break for the instances already stored if the `installed` CRD were replaced by `generated` (kro's
 * compatibility rules; empty when the update is safe).
 */
export function breakingChanges(installed: KubernetesObject, generated: KubernetesObject): BreakingChange[];
/** Any JSON value as one YAML document, written as the engine writes CRDs and plans. */
export function toYaml(value: unknown): string;
/** The JSON Schema of an RGD document (`kro schema`), for yaml-language-server or Monaco. */
export function rgdJsonSchema(): Record<string, unknown>;
/** The package's (and engine's) version. */
export function version(): string;
"#;

#[wasm_bindgen(start, skip_typescript)]
fn start() {
    panic_hook::install();
}

/// The names of a one-off call's documents.
const RGD: &str = "rgd";
const INSTANCE: &str = "instance";
const OBSERVED: &str = "observed";

fn check_options(options: &JsValue) -> Result<CheckOptions, JsValue> {
    options::read(&from_js(options, "options")?, "options").map_err(|m| failure(&m))
}

/// The engine for these options: the cached one (building the CEL environment and loading the CRD texts is
/// most of a small call).
fn engine_for(crds: &[String], gates: options::FeatureGates) -> Result<Engine, JsValue> {
    engine::engine(crds, gates.features()).map(|e| (*e).clone()).map_err(|m| failure(&m))
}

/// A workspace holding `text` as its one RGD document.
fn one_document(text: &str, options: &CheckOptions) -> Result<JsWorkspace, JsValue> {
    let mut ws = JsWorkspace::over(engine_for(&options.crds, options.feature_gates)?, options.deny_warnings);
    ws.inner().set(RGD, DocumentKind::Rgds, text);
    Ok(ws)
}

/// A tagged workspace result in the free functions' older shapes: the value of `key`, or `{diagnostics}`.
fn untagged(value: &Value, key: &str) -> Value {
    match value.get("type").and_then(Value::as_str) {
        Some("invalidRgd") => json!({ "diagnostics": value["diagnostics"] }),
        _ => value.get(key).cloned().unwrap_or(Value::Null),
    }
}

/// `kro validate -o json`: `{diagnostics, valid}`, ranges in LSP positions (0-based, UTF-16).
#[wasm_bindgen(skip_typescript)]
pub fn validate(text: &str, options: &JsValue) -> JsResult {
    let options = check_options(options)?;
    let mut ws = one_document(text, &options)?;
    let found = ws.inner().diagnostics(RGD);
    let valid = !found.iter().any(|d| d.blocks(options.deny_warnings));
    to_js(&json!({ "diagnostics": shapes::diagnostics(&found, text), "valid": valid }))
}

/// `kro crd`: the generated CRDs, as objects (`{diagnostics}` for an invalid RGD).
#[wasm_bindgen(skip_typescript)]
pub fn crd(text: &str, options: &JsValue) -> JsResult {
    let mut ws = one_document(text, &check_options(options)?)?;
    to_js(&untagged(&ws.crds_value(RGD), "crds"))
}

/// `kro crd` exactly as the CLI prints it: the CRDs as multi-document YAML text.
#[wasm_bindgen(js_name = crdYaml, skip_typescript)]
pub fn crd_yaml(text: &str, options: &JsValue) -> JsResult {
    let mut ws = one_document(text, &check_options(options)?)?;
    match untagged(&ws.crds_value(RGD), "yaml") {
        Value::String(yaml) => Ok(JsValue::from_str(&yaml)),
        invalid => to_js(&invalid),
    }
}

/// `kro graph -o json` (an array when the text holds several RGDs), each resource with its source `range`.
#[wasm_bindgen(skip_typescript)]
pub fn graph(text: &str, options: &JsValue) -> JsResult {
    let mut ws = one_document(text, &check_options(options)?)?;
    match untagged(&ws.graph_value(RGD), "graphs") {
        Value::Array(mut graphs) if graphs.len() == 1 => to_js(&graphs.remove(0)),
        other => to_js(&other),
    }
}

/// A one-off plan's workspace: the RGD, the instance (a text, or an object written as JSON, which is YAML)
/// and the observed objects (a text, or objects written as JSON documents).
fn plan_workspace(rgd: &str, instance: &JsValue, options: &RenderOptions) -> Result<JsWorkspace, JsValue> {
    let mut ws = JsWorkspace::over(engine_for(&options.crds, options.feature_gates)?, false);
    let inner = ws.inner();
    inner.set(RGD, DocumentKind::Rgds, rgd);
    let instance_text = match instance.as_string() {
        Some(text) => text,
        None => from_js(instance, "instance")?.to_string(),
    };
    inner.set(INSTANCE, DocumentKind::Instance, &instance_text);
    let observed = match &options.observed {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(items)) => items.iter().map(Value::to_string).collect::<Vec<_>>().join("\n---\n"),
        Some(_) => return Err(failure("options.observed must be a YAML text or an array of objects")),
    };
    inner.set(OBSERVED, DocumentKind::Observed, &observed);
    Ok(ws)
}

const REQUEST: PlanRequest<'static> = PlanRequest { rgd: RGD, instance: INSTANCE, observed: Some(OBSERVED) };

/// Why a one-off plan was not made, in the free functions' shapes: `{diagnostics}` for an invalid RGD,
/// `{instanceErrors}` for a refused instance (without positions for one given as an object); misuse — not one
/// RGD, observed objects that cannot be read — throws.
fn blocked(ws: &JsWorkspace, blocked: PlanBlocked, instance_as_text: bool) -> JsResult {
    let text = |name: &str| ws.text(name).to_string();
    match blocked {
        PlanBlocked::InvalidRgd(found) => to_js(&json!({ "diagnostics": shapes::diagnostics(&found, &text(RGD)) })),
        PlanBlocked::InvalidInstance(found) if instance_as_text => {
            to_js(&shapes::instance_errors(&found, &LineIndex::new(&text(INSTANCE))))
        }
        PlanBlocked::InvalidInstance(found) => {
            let unlocated: Vec<Diagnostic> =
                found.into_iter().map(|d| Diagnostic { span: Span::default(), ..d }).collect();
            to_js(&shapes::instance_errors(&unlocated, &LineIndex::new("")))
        }
        PlanBlocked::EmptyInstance => {
            let none = Diagnostic::error(
                Code::NotAnInstance,
                "expected one instance, found 0 documents",
                Path::root(),
                Span::default(),
            );
            to_js(&shapes::instance_errors(&[none], &LineIndex::new("")))
        }
        PlanBlocked::NotOneRgd(e) => Err(failure(&format!("the RGD text {e}"))),
        PlanBlocked::InvalidObserved(d) => {
            Err(failure(&format!("observed: line {}: {}", d.position().map_or(1, |(line, _)| line), d.message)))
        }
        PlanBlocked::NoSuchDocument { name, .. } => Err(failure(&format!("no document {name}"))),
    }
}

/// Reads the options before anything else, so a misuse is reported whatever the input holds.
fn plan_call(
    rgd: &str,
    instance: &JsValue,
    options: &JsValue,
) -> Result<(JsWorkspace, kro_engine::PlanOptions), JsValue> {
    let options: RenderOptions = options::read(&from_js(options, "options")?, "options").map_err(|m| failure(&m))?;
    let plan_options = options.plan_options().map_err(|m| failure(&m))?;
    Ok((plan_workspace(rgd, instance, &options)?, plan_options))
}

/// `kro render -o json`: the plan for `instance` (a YAML text or an object); `{diagnostics}` for an invalid
/// RGD, `{instanceErrors}` for an instance the API server would refuse.
#[wasm_bindgen(skip_typescript)]
pub fn render(rgd: &str, instance: &JsValue, options: &JsValue) -> JsResult {
    let (mut ws, plan_options) = plan_call(rgd, instance, options)?;
    match ws.inner().plan(&REQUEST, &plan_options) {
        Ok(plan) => to_js(&output::plan_json(&plan)),
        Err(b) => blocked(&ws, b, instance.is_string()),
    }
}

/// `kro render --simulate -o json`: each step's plan and whether the instance became ACTIVE.
#[wasm_bindgen(skip_typescript)]
pub fn simulate(rgd: &str, instance: &JsValue, options: &JsValue) -> JsResult {
    let (mut ws, plan_options) = plan_call(rgd, instance, options)?;
    match ws.inner().simulate(&REQUEST, &plan_options) {
        Ok(simulation) => to_js(&output::simulation_json(&simulation)),
        Err(b) => blocked(&ws, b, instance.is_string()),
    }
}

/// One CEL expression with kro's library: `{value}` or `{error: {message, pending}}`.
#[wasm_bindgen(skip_typescript)]
pub fn evaluate(expression: &str, variables: &JsValue, options: &JsValue) -> JsResult {
    let options = check_options(options)?;
    let variables = match from_js(variables, "variables")? {
        Value::Null => Value::Object(serde_json::Map::new()),
        Value::Object(map) => Value::Object(map),
        _ => return Err(failure("variables must be an object of name -> value")),
    };
    let engine = engine_for(&options.crds, options.feature_gates)?;
    match engine.evaluate(expression, &variables) {
        Ok(value) => to_js(&json!({ "value": value })),
        Err(e) => to_js(&json!({ "error": { "message": e.message, "pending": e.is_pending() } })),
    }
}

fn position(position: &JsValue) -> Result<LspPosition, JsValue> {
    serde_json::from_value(from_js(position, "position")?)
        .map_err(|e| failure(&format!("position must be {{line, character}} (0-based, UTF-16): {e}")))
}

/// Completion items at `position` (LSP: 0-based line, UTF-16 character).
#[wasm_bindgen(skip_typescript)]
pub fn complete(text: &str, at: &JsValue, options: &JsValue) -> JsResult {
    let mut ws = one_document(text, &check_options(options)?)?;
    let at = position(at)?;
    to_js(&json!(ws.inner().complete(RGD, at)))
}

/// Hover text (Markdown) and range at `position`, or `null`.
#[wasm_bindgen(skip_typescript)]
pub fn hover(text: &str, at: &JsValue, options: &JsValue) -> JsResult {
    let mut ws = one_document(text, &check_options(options)?)?;
    let at = position(at)?;
    to_js(&json!(ws.inner().hover(RGD, at)))
}

/// Where the resource a reference at `position` names is declared, or `null`.
#[wasm_bindgen(skip_typescript)]
pub fn definition(text: &str, at: &JsValue) -> JsResult {
    to_js(&json!(editor::definition(text, position(at)?)))
}

/// The outline: resources and schema fields.
#[wasm_bindgen(skip_typescript)]
pub fn symbols(text: &str) -> JsResult {
    to_js(&json!(editor::symbols(text)))
}

/// The breaking changes from the `installed` CRD to the `generated` one (the playground's version diff).
#[wasm_bindgen(js_name = breakingChanges, skip_typescript)]
pub fn breaking_changes(installed: &JsValue, generated: &JsValue) -> JsResult {
    let changes = kro_engine::breaking_changes(&from_js(installed, "installed")?, &from_js(generated, "generated")?);
    to_js(&json!(changes))
}

/// Any JSON value as one YAML document, as the engine writes CRDs and plans (the playground's output tabs).
#[wasm_bindgen(js_name = toYaml, skip_typescript)]
pub fn to_yaml(value: &JsValue) -> Result<String, JsValue> {
    Ok(output::to_yaml(&from_js(value, "value")?))
}

/// `kro schema`: the JSON Schema of an RGD document, for editors (yaml-language-server, Monaco).
#[wasm_bindgen(js_name = rgdJsonSchema, skip_typescript)]
pub fn rgd_json_schema() -> JsResult {
    to_js(&Engine::rgd_json_schema())
}

/// The package's version (the engine's).
#[wasm_bindgen(skip_typescript)]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Does nothing: the JS wrapper (`wasm/js/index.js`) calls it before every call, so that wasm-bindgen's
/// re-instantiation after a panic happens before the real call copies its arguments into the old instance.
#[doc(hidden)]
#[wasm_bindgen(js_name = __ready, skip_typescript)]
pub fn ready() {}

/// Panics on purpose, so the Node tests can prove a panic becomes a thrown `Error` and the next call works.
/// Not part of the documented API.
#[doc(hidden)]
#[wasm_bindgen(js_name = __panicForTests, skip_typescript)]
pub fn panic_for_tests() {
    #[allow(clippy::panic)] // the point of this function
    {
        panic!("deliberate panic for the tests");
    }
}
