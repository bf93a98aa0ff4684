//! The kro-rs engine for JavaScript (the `@kro-rs/engine` npm package): everything the offline CLI does
//! (`validate`, `crd`, `graph`, `render`, `--simulate`, `schema`), a CEL scratchpad, and the engine's editor
//! services, over plain JS objects. The functions here only convert: options in, engine call, JSON shape out.
//! Their TypeScript types are hand-written in `wasm/js/index.d.ts` (checked by `tsc --strict` in the Node
//! tests), since what wasm-bindgen infers for `JsValue` is `any`.

mod boundary;
mod engine;
mod options;
mod panic_hook;
mod shapes;

use std::rc::Rc;

use boundary::{failure, from_js, to_js};
use kro_engine::{
    CompiledDocument, CompiledRgd, Engine, LineIndex, LspPosition, PlanOptions, editor, only_rgd, output,
};
use options::{CheckOptions, RenderOptions};
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

pub use kro_engine as engine_crate;

type JsResult = Result<JsValue, JsValue>;

#[wasm_bindgen(start)]
fn start() {
    panic_hook::install();
}

fn check_options(options: &JsValue) -> Result<CheckOptions, JsValue> {
    options::read(&from_js(options, "options")?, "options").map_err(|m| failure(&m))
}

/// Compiles `text` with the catalog of `options`.
fn compiled(text: &str, options: &CheckOptions) -> Result<Vec<CompiledDocument>, JsValue> {
    let engine = engine::engine(&options.crds, options.feature_gates.features()).map_err(|m| failure(&m))?;
    Ok(engine.compile_text(text))
}

fn diagnostics_json(docs: &[CompiledDocument], index: &LineIndex<'_>) -> Vec<Value> {
    docs.iter().flat_map(|d| &d.diagnostics).map(|d| shapes::diagnostic(d, index)).collect()
}

/// The valid RGDs of `docs`, or `{diagnostics}` when any document has errors (or, with `denyWarnings`,
/// warnings), where the CLI prints the diagnostics instead of its output. Invalid input is a finding, returned
/// as data: an editor calling `graph` on every keystroke gets the reason, not an exception.
fn valid_rgds<'d>(
    text: &str,
    docs: &'d [CompiledDocument],
    deny_warnings: bool,
) -> Result<Vec<&'d CompiledRgd>, Value> {
    if docs.iter().flat_map(|d| &d.diagnostics).any(|d| d.blocks(deny_warnings)) {
        return Err(json!({ "diagnostics": diagnostics_json(docs, &LineIndex::new(text)) }));
    }
    Ok(docs.iter().filter_map(|d| d.rgd.as_ref()).collect())
}

/// `kro validate -o json`: `{diagnostics, valid}`, ranges in LSP positions (0-based, UTF-16).
#[wasm_bindgen(skip_typescript)]
pub fn validate(text: &str, options: &JsValue) -> JsResult {
    let options = check_options(options)?;
    let docs = compiled(text, &options)?;
    let index = LineIndex::new(text);
    let diagnostics = diagnostics_json(&docs, &index);
    let valid = !docs.iter().flat_map(|d| &d.diagnostics).any(|d| d.blocks(options.deny_warnings));
    to_js(&json!({ "diagnostics": diagnostics, "valid": valid }))
}

/// `kro crd`: the generated CRDs, as objects (`{diagnostics}` for an invalid RGD).
#[wasm_bindgen(skip_typescript)]
pub fn crd(text: &str, options: &JsValue) -> JsResult {
    let options = check_options(options)?;
    let docs = compiled(text, &options)?;
    match valid_rgds(text, &docs, options.deny_warnings) {
        Ok(rgds) => to_js(&Value::Array(rgds.iter().map(|r| r.crd.clone()).collect())),
        Err(invalid) => to_js(&invalid),
    }
}

/// `kro crd` exactly as the CLI prints it: the CRDs as multi-document YAML text.
#[wasm_bindgen(js_name = crdYaml, skip_typescript)]
pub fn crd_yaml(text: &str, options: &JsValue) -> JsResult {
    let options = check_options(options)?;
    let docs = compiled(text, &options)?;
    match valid_rgds(text, &docs, options.deny_warnings) {
        Ok(rgds) => Ok(JsValue::from_str(&rgds.iter().map(|r| output::crd_yaml(r)).collect::<String>())),
        Err(invalid) => to_js(&invalid),
    }
}

/// `kro graph -o json` (an array when the text holds several RGDs), each resource with its source `range`.
#[wasm_bindgen(skip_typescript)]
pub fn graph(text: &str, options: &JsValue) -> JsResult {
    let options = check_options(options)?;
    let docs = compiled(text, &options)?;
    if let Err(invalid) = valid_rgds(text, &docs, options.deny_warnings) {
        return to_js(&invalid);
    }
    let index = LineIndex::new(text);
    let mut graphs: Vec<Value> = docs
        .iter()
        .filter_map(|d| {
            let rgd = d.rgd.as_ref()?;
            let mut graph = output::graph_json(rgd);
            shapes::add_resource_ranges(&mut graph, rgd, &index);
            Some(graph)
        })
        .collect();
    match graphs.len() {
        1 => to_js(&graphs.remove(0)),
        _ => to_js(&Value::Array(graphs)),
    }
}

/// Everything `render` and `simulate` read, or the findings that stop them.
enum Prepared {
    Ready(Box<Ready>),
    /// `{diagnostics}` of an invalid RGD, or `{instanceErrors}` of an instance the API server would refuse.
    Invalid(Value),
}

struct Ready {
    engine: Rc<Engine>,
    rgd: CompiledRgd,
    instance: Value,
    observed: Vec<Value>,
    options: PlanOptions,
}

fn prepare(rgd: &str, instance: &JsValue, options: &JsValue) -> Result<Prepared, JsValue> {
    let options: RenderOptions = options::read(&from_js(options, "options")?, "options").map_err(|m| failure(&m))?;
    // Options first: a misuse is reported whatever the input holds.
    let mut plan_options = PlanOptions::default();
    if let Some(now) = &options.now {
        plan_options.now = chrono::DateTime::parse_from_rfc3339(now)
            .map_err(|_| failure(&format!("options.now {now:?} is not an RFC 3339 time such as 2025-01-01T00:00:00Z")))?
            .with_timezone(&chrono::Utc);
    }
    if let Some(version) = &options.kro_version {
        plan_options.kro_version.clone_from(version);
    }
    let engine = engine::engine(&options.crds, options.feature_gates.features()).map_err(|m| failure(&m))?;
    let docs = engine.compile_text(rgd);
    if let Err(invalid) = valid_rgds(rgd, &docs, false) {
        return Ok(Prepared::Invalid(invalid));
    }
    let compiled = only_rgd(&docs).map_err(|e| failure(&format!("the RGD text {e}")))?;
    // An instance given as text keeps its positions for errors; an object is read as the JSON it is.
    let prepared = match instance.as_string() {
        Some(text) => engine
            .instance_from_text(compiled, &text)
            .map_err(|errors| shapes::instance_errors(&errors, &LineIndex::new(&text))),
        None => engine
            .instance_from_json(compiled, &from_js(instance, "instance")?)
            .map_err(|errors| shapes::instance_errors(&errors, &LineIndex::new(""))),
    };
    let prepared = match prepared {
        Ok(instance) => instance,
        Err(errors) => return Ok(Prepared::Invalid(errors)),
    };
    let observed = match &options.observed {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) => engine
            .load_objects(text)
            .map_err(|d| failure(&format!("observed: line {}: {}", d.span.start.line, d.message)))?,
        Some(Value::Array(items)) => items.clone(),
        Some(_) => return Err(failure("options.observed must be a YAML text or an array of objects")),
    };
    let rgd = (*compiled).clone();
    Ok(Prepared::Ready(Box::new(Ready { engine, rgd, instance: prepared, observed, options: plan_options })))
}

/// `kro render -o json`: the plan for `instance` (a YAML text or an object); `{diagnostics}` for an invalid
/// RGD, `{instanceErrors}` for an instance the API server would refuse.
#[wasm_bindgen(skip_typescript)]
pub fn render(rgd: &str, instance: &JsValue, options: &JsValue) -> JsResult {
    match prepare(rgd, instance, options)? {
        Prepared::Invalid(findings) => to_js(&findings),
        Prepared::Ready(r) => to_js(&output::plan_json(&r.engine.plan(&r.rgd, &r.instance, &r.observed, &r.options))),
    }
}

/// `kro render --simulate -o json`: each step's plan and whether the instance became ACTIVE.
#[wasm_bindgen(skip_typescript)]
pub fn simulate(rgd: &str, instance: &JsValue, options: &JsValue) -> JsResult {
    match prepare(rgd, instance, options)? {
        Prepared::Invalid(findings) => to_js(&findings),
        Prepared::Ready(r) => {
            to_js(&output::simulation_json(&r.engine.simulate(&r.rgd, &r.instance, &r.observed, &r.options)))
        }
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
    let engine = engine::engine(&options.crds, options.feature_gates.features()).map_err(|m| failure(&m))?;
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
    let options = check_options(options)?;
    let engine = engine::engine(&options.crds, options.feature_gates.features()).map_err(|m| failure(&m))?;
    let items = editor::complete(text, position(at)?, &engine);
    to_js(&json!(items))
}

/// Hover text (Markdown) and range at `position`, or `null`.
#[wasm_bindgen(skip_typescript)]
pub fn hover(text: &str, at: &JsValue, options: &JsValue) -> JsResult {
    let options = check_options(options)?;
    let engine = engine::engine(&options.crds, options.feature_gates.features()).map_err(|m| failure(&m))?;
    to_js(&json!(editor::hover(text, position(at)?, &engine)))
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
