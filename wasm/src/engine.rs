//! The one place this crate calls the engine's pipeline (catalog, compile, instance preparation, planning),
//! so moving to the engine's `Engine` entry point is a change to this file alone.

use std::cell::RefCell;
use std::rc::Rc;

use kro_engine::compile::CompiledDocument;
use kro_engine::expr::eval::{EvalLimits, Evaluator};
use kro_engine::expr::library::Features;
use kro_engine::instance::Finding;
use kro_engine::plan::{self, PlanInput, PlanOptions, SimulationStep};
use kro_engine::{Catalog, CompiledRgd, InputLimits, compile, load_source};
use serde_json::Value;

/// What the catalog was built from, to reuse it while the inputs stay the same (an editor sends the same CRDs
/// with every keystroke; building the built-in catalog is a good part of a `validate`).
#[derive(PartialEq)]
struct CatalogKey {
    crds: Vec<String>,
    features: Features,
}

thread_local! {
    static CATALOG: RefCell<Option<(CatalogKey, Rc<Catalog>)>> = const { RefCell::new(None) };
    static EVALUATOR: RefCell<Option<(Features, Rc<Evaluator>)>> = const { RefCell::new(None) };
}

/// The built-in kinds plus the CRDs of `crds` (YAML or JSON texts), with kro's feature gates. A text that is
/// not YAML is an error naming it.
pub fn catalog(crds: &[String], features: Features) -> Result<Rc<Catalog>, String> {
    let key = CatalogKey { crds: crds.to_vec(), features };
    if let Some(cached) = CATALOG.with_borrow(|c| c.as_ref().filter(|(k, _)| *k == key).map(|(_, c)| Rc::clone(c))) {
        return Ok(cached);
    }
    let mut catalog = Catalog::builtin().with_features(features);
    for (i, text) in crds.iter().enumerate() {
        let source = load_source(text, &InputLimits::default())
            .map_err(|d| format!("crds[{i}]: line {}: {}", d.span.start.line, d.message))?;
        for doc in source.documents.iter().filter_map(|d| d.root.as_ref()) {
            catalog.add_crd(doc);
        }
    }
    let catalog = Rc::new(catalog);
    CATALOG.set(Some((key, Rc::clone(&catalog))));
    Ok(catalog)
}

/// Every document of `text`, built.
pub fn compile_text(text: &str, catalog: &Catalog) -> Vec<CompiledDocument> {
    compile(text, catalog, &InputLimits::default())
}

/// The first YAML document of `text` (an instance, an object), or the loader's message.
pub fn load_one(text: &str) -> Result<kro_engine::yaml::Node, String> {
    let source = load_source(text, &InputLimits::default())
        .map_err(|d| format!("line {}, column {}: {}", d.span.start.line, d.span.start.column, d.message))?;
    let mut roots = source.documents.into_iter().filter_map(|d| d.root);
    match (roots.next(), roots.next()) {
        (Some(root), None) => Ok(root),
        _ => Err("expected exactly one YAML document".to_string()),
    }
}

/// Every YAML document of `text` as JSON (observed objects).
pub fn load_all(text: &str) -> Result<Vec<Value>, String> {
    let source = load_source(text, &InputLimits::default())
        .map_err(|d| format!("line {}, column {}: {}", d.span.start.line, d.span.start.column, d.message))?;
    Ok(source.documents.iter().filter_map(|d| d.root.as_ref()).map(kro_engine::yaml::Node::to_json).collect())
}

/// The instance as the API server would store it, or why it would refuse it.
pub fn prepare_instance(rgd: &CompiledRgd, instance: &kro_engine::yaml::Node) -> Result<Value, Vec<Finding>> {
    plan::prepare_instance(rgd, instance)
}

fn evaluator(features: Features) -> Result<Rc<Evaluator>, String> {
    if let Some(e) = EVALUATOR.with_borrow(|c| c.as_ref().filter(|(f, _)| *f == features).map(|(_, e)| Rc::clone(e))) {
        return Ok(e);
    }
    let evaluator = Rc::new(Evaluator::with_features(EvalLimits::default(), features).map_err(|e| e.message)?);
    EVALUATOR.set(Some((features, Rc::clone(&evaluator))));
    Ok(evaluator)
}

/// Where a plan is made: what `kro render` passes the planner.
pub struct PlanContext<'a> {
    pub rgd: &'a CompiledRgd,
    pub catalog: &'a Catalog,
    pub instance: &'a Value,
    pub observed: &'a [Value],
    pub options: PlanOptions,
}

/// `kro render`'s plan.
pub fn plan(ctx: &PlanContext<'_>) -> Result<plan::Plan, String> {
    let evaluator = evaluator(ctx.catalog.features())?;
    Ok(plan::plan(&input(ctx, &evaluator)))
}

/// `kro render --simulate`'s steps and outcome.
pub fn simulate(ctx: &PlanContext<'_>) -> Result<(Vec<SimulationStep>, Result<(), String>), String> {
    let evaluator = evaluator(ctx.catalog.features())?;
    Ok(plan::simulate(&input(ctx, &evaluator)))
}

fn input<'a>(ctx: &'a PlanContext<'a>, evaluator: &'a Evaluator) -> PlanInput<'a> {
    PlanInput {
        rgd: ctx.rgd,
        catalog: ctx.catalog,
        evaluator,
        instance: ctx.instance,
        observed: ctx.observed,
        options: &ctx.options,
    }
}

/// Evaluates one CEL expression with kro's library over `variables` (name -> JSON value).
pub fn evaluate(
    expression: &str,
    variables: &serde_json::Map<String, Value>,
    features: Features,
) -> Result<Value, (bool, String)> {
    let evaluator = evaluator(features).map_err(|m| (false, m))?;
    let program = evaluator.compile(expression).map_err(|e| (e.is_pending(), e.message))?;
    let mut bindings = kro_engine::expr::eval::Bindings::new(&evaluator);
    for (name, value) in variables {
        bindings.bind(name, value);
    }
    bindings.evaluate(&program, &[]).map_err(|e| (e.is_pending(), e.message))
}
