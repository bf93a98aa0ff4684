//! The one place hosts start: an [`Engine`] is built once from the feature gates and limits a host runs with,
//! holds the catalog of kinds it knows, and answers every question a host asks — compile an RGD (from text or
//! from the JSON an API server returns), prepare and plan an instance, simulate a reconcile, the RGD's status.
//!
//! Building it once is what keeps the answers consistent: the type checker and the evaluator are made from the
//! same [`Features`], so an expression the checker accepts is one evaluation can run (`omit()` behind its gate,
//! say), and every compile sees the same catalog without copying it.

use std::sync::Arc;

use serde_json::Value;

use crate::catalog::{Catalog, ResourceType};
use crate::compile::{self, CompiledDocument, InputLimits};
use crate::diagnostics::{Code, Diagnostic, Path, Severity};
use crate::expr::eval::{EvalError, EvalLimits, Evaluator};
use crate::expr::library::Features;
use crate::graph::CompiledRgd;
use crate::instance::{Finding, FindingKind, Step};
use crate::plan::{self, Plan, PlanInput, PlanOptions, Simulation};
use crate::rgd_status::{HostConditions, RgdStatus};
use crate::yaml::{Node, Span};

/// How a host runs the engine. `Default` is kro's defaults: every alpha feature off, generous limits.
#[derive(Debug, Clone, Copy, Default)]
pub struct EngineOptions {
    /// kro's feature gates (`--feature-gates`); they decide what the CEL environment offers.
    pub features: Features,
    /// What one expression evaluation may spend.
    pub eval_limits: EvalLimits,
    /// Bounds on input text.
    pub input_limits: InputLimits,
}

/// Why an engine could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot build kro's CEL environment: {0}")]
pub struct EngineError(String);

/// The engine: one per host configuration, shared by every compile and reconcile (it is `Send + Sync`; a
/// host that adds CRDs at run time keeps it behind a lock, or clones it, which is cheap).
#[derive(Debug, Clone)]
pub struct Engine {
    catalog: Arc<Catalog>,
    evaluator: Arc<Evaluator>,
    options: EngineOptions,
}

impl Engine {
    /// An engine that knows the built-in Kubernetes kinds.
    pub fn new(options: EngineOptions) -> Result<Engine, EngineError> {
        let evaluator =
            Evaluator::with_features(options.eval_limits, options.features).map_err(|e| EngineError(e.message))?;
        let catalog = Catalog::builtin().with_features(options.features);
        Ok(Engine { catalog: Arc::new(catalog), evaluator: Arc::new(evaluator), options })
    }

    /// The options it was built with.
    pub fn options(&self) -> &EngineOptions {
        &self.options
    }

    /// The kinds it knows.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The catalog, to add, replace or remove CRDs (a cluster's, or `--crd` files). Compiles already running
    /// keep the catalog they started with.
    pub fn catalog_mut(&mut self) -> &mut Catalog {
        Arc::make_mut(&mut self.catalog)
    }

    /// Compiles every document of `text` (a file, an editor buffer): RGDs may use the kinds the others define.
    pub fn compile_text(&self, text: &str) -> Vec<CompiledDocument> {
        let mut docs = compile::compile(text, &self.catalog, &self.options.input_limits);
        for doc in &mut docs {
            self.prepare(doc);
        }
        docs
    }

    /// Compiles the templates of a valid RGD once, so each plan only evaluates them.
    fn prepare(&self, doc: &mut CompiledDocument) {
        if let Some(rgd) = &mut doc.rgd {
            rgd.compile_templates(&self.evaluator);
        }
    }

    /// Compiles an RGD as the API server returns it. Its diagnostics have paths but no line or column.
    pub fn compile_json(&self, rgd: &Value) -> CompiledDocument {
        let node = Node::from_json(rgd);
        let mut docs = compile::compile_documents(&[&node], &self.catalog);
        let mut doc =
            docs.pop().unwrap_or(CompiledDocument { index: 0, name: None, rgd: None, diagnostics: Vec::new() });
        self.prepare(&mut doc);
        doc
    }

    /// The objects of a multi-document YAML text (CRD files, observed objects), as JSON; empty documents are
    /// skipped. `Err` is the diagnostic that stopped loading.
    pub fn load_objects(&self, text: &str) -> Result<Vec<Value>, Diagnostic> {
        let source = compile::load_source(text, &self.options.input_limits)?;
        Ok(source.documents.iter().filter_map(|d| d.root.as_ref()).map(Node::to_json).collect())
    }

    /// The instance in `text` as the API server would store it (validated and defaulted against the generated
    /// CRD, with the metadata a cluster fills in), or why the API server would reject it, located in `text`.
    pub fn instance_from_text(&self, rgd: &CompiledRgd, text: &str) -> Result<Value, Vec<Diagnostic>> {
        let source = compile::load_source(text, &self.options.input_limits).map_err(|d| vec![d])?;
        let roots: Vec<&Node> = source.documents.iter().filter_map(|d| d.root.as_ref()).collect();
        let [root] = roots.as_slice() else {
            return Err(vec![Diagnostic::error(
                Code::NotAnInstance,
                format!("expected one instance, found {} documents", roots.len()),
                Path::root(),
                Span::default(),
            )]);
        };
        plan::prepare_instance(rgd, root).map_err(|findings| findings.iter().map(finding_diagnostic).collect())
    }

    /// [`Engine::instance_from_text`] for an instance given as JSON (its diagnostics have no position).
    pub fn instance_from_json(&self, rgd: &CompiledRgd, instance: &Value) -> Result<Value, Vec<Diagnostic>> {
        plan::prepare_instance(rgd, &Node::from_json(instance))
            .map_err(|findings| findings.iter().map(finding_diagnostic).collect())
    }

    /// The plan for one reconcile of `instance` (as stored: validated and defaulted), given the objects the
    /// cluster holds (children and external references, with their status).
    pub fn plan(&self, rgd: &CompiledRgd, instance: &Value, observed: &[Value], options: &PlanOptions) -> Plan {
        plan::plan(&self.plan_input(rgd, instance, observed, options))
    }

    /// Plans, takes every applied object as created (with the status the same object has in `observed`, if
    /// any), and plans again, until the instance is ACTIVE or stuck.
    pub fn simulate(
        &self,
        rgd: &CompiledRgd,
        instance: &Value,
        observed: &[Value],
        options: &PlanOptions,
    ) -> Simulation {
        plan::simulate(&self.plan_input(rgd, instance, observed, options))
    }

    fn plan_input<'a>(
        &'a self,
        rgd: &'a CompiledRgd,
        instance: &'a Value,
        observed: &'a [Value],
        options: &'a PlanOptions,
    ) -> PlanInput<'a> {
        PlanInput { rgd, catalog: &self.catalog, evaluator: &self.evaluator, instance, observed, options }
    }

    /// The status kro writes on the RGD: `state`, `topologicalOrder`, `resources` and the conditions, from the
    /// compile result and what the host knows of the CRD and the instance controller.
    pub fn rgd_status(&self, compiled: &CompiledDocument, host: &HostConditions) -> RgdStatus {
        RgdStatus::new(compiled, host)
    }

    /// What a kube client needs to reach objects of `kind` at `api_version` (`v1`, `apps/v1`), when known.
    pub fn resource_type(&self, api_version: &str, kind: &str) -> Option<ResourceType> {
        self.catalog.resource_type(api_version, kind)
    }

    /// Evaluates one CEL expression with kro's library against `variables` (a JSON object of names to values):
    /// a scratchpad for trying expressions. "Data pending" (a missing key) is an error of its own kind.
    pub fn evaluate(&self, expression: &str, variables: &Value) -> Result<Value, EvalError> {
        self.evaluator.evaluate_standalone(expression, variables)
    }

    /// The JSON Schema of an RGD document, for editors (yaml-language-server).
    pub fn rgd_json_schema() -> Value {
        crate::rgd::json_schema::rgd_json_schema()
    }
}

/// An instance finding as the one diagnostic type every host shows.
fn finding_diagnostic(finding: &Finding) -> Diagnostic {
    let code = match finding.kind {
        FindingKind::Required => Code::InstanceRequired,
        FindingKind::TypeInvalid => Code::InstanceType,
        FindingKind::NotSupported => Code::InstanceNotSupported,
        FindingKind::Invalid | FindingKind::TooMany | FindingKind::TooLong | FindingKind::Duplicate => {
            Code::InstanceInvalid
        }
        FindingKind::UnknownField => Code::InstanceUnknownField,
        FindingKind::RuleFailed | FindingKind::RuleError => Code::InstanceRule,
        FindingKind::Ignored => Code::InstanceIgnored,
    };
    let path = finding.path.0.iter().fold(Path::root(), |p, step| match step {
        Step::Field(name) | Step::Key(name) => p.key(name),
        Step::Index(i) => p.index(*i),
    });
    let span = finding.span.unwrap_or_default();
    match finding.severity {
        Severity::Error => Diagnostic::error(code, finding.message.clone(), path, span),
        Severity::Warning => Diagnostic::warning(code, finding.message.clone(), path, span),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn an_engine_can_be_shared_between_threads() {
        assert_send_sync::<Engine>();
        assert_send_sync::<CompiledRgd>();
    }
}
