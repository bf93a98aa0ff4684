//! The one place hosts start: an [`Engine`] is built once from the feature gates and limits a host runs with,
//! holds the catalog of kinds it knows, and answers every question a host asks — compile an RGD (from text or
//! from the JSON an API server returns), prepare and plan an instance, simulate a reconcile, the RGD's status.
//!
//! Building it once is what keeps the answers consistent: the type checker and the evaluator are made from the
//! same [`Features`], so an expression the checker accepts is one evaluation can run (`omit()` behind its gate,
//! say), and every compile sees the same catalog without copying it.

use std::sync::Arc;

use serde_json::Value;

use crate::catalog::{Catalog, ResourceType, UnknownKinds};
use crate::compile::{self, CompiledDocument, InputLimits};
use crate::diagnostics::{Code, Diagnostic, Path, Severity};
use crate::expr::eval::{EvalError, EvalLimits, Evaluator};
use crate::expr::library::Features;
use crate::graph::{CompiledRgd, Resource};
use crate::instance::{Finding, FindingKind, Step};
use crate::plan::{
    self, ExpressionValue, ExternalLookup, KeptSimulation, Plan, PlanInput, PlanOptions, Simulation, StepInput,
};
use crate::revisions::{self, RevisionOptions, Revisions};
use crate::rgd_status::{HostConditions, RgdStatus};
use crate::schemas::rules::{Mode, refusals};
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
    /// What a kind that is neither built in nor a known CRD means: a warning offline, an error on a cluster.
    pub unknown_kinds: UnknownKinds,
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
        let catalog = Catalog::builtin().with_features(options.features).with_unknown_kinds(options.unknown_kinds);
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

    /// Teaches the catalog the `CustomResourceDefinitions` in `text` (YAML or JSON, several documents each), as
    /// the CLI's `--crd` does: documents that are not CRDs are left out. Returns how many CRDs it added; `Err`
    /// is the diagnostic that stopped loading the text (located in it).
    pub fn add_crds(&mut self, text: &str) -> Result<usize, Diagnostic> {
        let objects = self.load_objects(text)?;
        let catalog = self.catalog_mut();
        Ok(objects.iter().filter(|object| catalog.add_crd_json(object)).count())
    }

    /// Compiles every document of `text` (a file, an editor buffer): RGDs may use the kinds the others define.
    pub fn compile_text(&self, text: &str) -> Vec<CompiledDocument> {
        let mut docs = compile::compile(text, &self.catalog, &self.options.input_limits);
        for doc in &mut docs {
            self.prepare(doc);
        }
        docs
    }

    /// Compiles several texts (the files of one run) together: an RGD in one may use the kind an RGD in
    /// another defines, as if they were one file (`kro validate a.yaml b.yaml` agrees with
    /// `cat a.yaml b.yaml | kro validate -`). Returns one list per text, in order, with that text's documents
    /// and their diagnostics.
    pub fn compile_texts(&self, texts: &[&str]) -> Vec<Vec<CompiledDocument>> {
        let mut files = compile::compile_many(texts, &self.catalog, &self.options.input_limits);
        for doc in files.iter_mut().flatten() {
            self.prepare(doc);
        }
        files
    }

    /// This engine over a catalog layered on its own, with what `add` puts in the layer (a workspace: the
    /// kinds other documents define). Cheap: the base catalog and the evaluator are shared.
    pub(crate) fn layered(&self, add: impl FnOnce(&mut Catalog)) -> Engine {
        let mut catalog = Catalog::layered(Arc::clone(&self.catalog));
        add(&mut catalog);
        Engine { catalog: Arc::new(catalog), evaluator: Arc::clone(&self.evaluator), options: self.options }
    }

    /// Compiles one text already loaded (a workspace loads each text once per change).
    pub(crate) fn compile_loaded(&self, source: &Result<compile::Source, Diagnostic>) -> Vec<CompiledDocument> {
        let mut docs = compile::compile_loaded(&[source], &self.catalog).pop().unwrap_or_default();
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
    /// CRD, with the metadata a cluster fills in), or why the API server would reject it, located in `text`
    /// (the errors, and any warnings).
    pub fn instance_from_text(&self, rgd: &CompiledRgd, text: &str) -> Result<Value, Vec<Diagnostic>> {
        match self.check_instance_text(rgd, text) {
            (Some(instance), _) => Ok(instance),
            (None, diagnostics) => Err(diagnostics),
        }
    }

    /// [`Engine::instance_from_text`] with the warnings of an accepted instance too (what the API server
    /// would ignore), which editors show.
    pub(crate) fn check_instance_text(&self, rgd: &CompiledRgd, text: &str) -> (Option<Value>, Vec<Diagnostic>) {
        let source = match compile::load_source(text, &self.options.input_limits) {
            Ok(source) => source,
            Err(d) => return (None, vec![d]),
        };
        let roots: Vec<&Node> = source.documents.iter().filter_map(|d| d.root.as_ref()).collect();
        let [root] = roots.as_slice() else {
            let found = format!("expected one instance, found {} documents", roots.len());
            return (None, vec![Diagnostic::error(Code::NotAnInstance, found, Path::root(), Span::default())]);
        };
        let (instance, findings) = plan::prepare_instance(rgd, root);
        (instance, findings.iter().map(finding_diagnostic).collect())
    }

    /// [`Engine::instance_from_text`] for an instance given as JSON (its diagnostics have no position).
    pub fn instance_from_json(&self, rgd: &CompiledRgd, instance: &Value) -> Result<Value, Vec<Diagnostic>> {
        match plan::prepare_instance(rgd, &Node::from_json(instance)) {
            (Some(instance), _) => Ok(instance),
            (None, findings) => Err(findings.iter().map(finding_diagnostic).collect()),
        }
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

    /// The value of every `${...}` of `rgd` at step `index` (0-based) of `simulation` ([`Engine::simulate`] with
    /// the same `options`): what the pass read, as its expressions saw it. Empty for a step it does not have.
    pub fn step_values(
        &self,
        rgd: &CompiledRgd,
        simulation: &Simulation,
        index: usize,
        options: &PlanOptions,
    ) -> Vec<ExpressionValue> {
        let inputs: Vec<&StepInput> = simulation.steps.iter().map(|s| &s.input).collect();
        self.values_at(rgd, &inputs, index, options)
    }

    /// [`Engine::simulate`], its steps sharing the objects they apply: what a [`crate::Workspace`] keeps.
    pub(crate) fn keep_simulation(
        &self,
        rgd: &CompiledRgd,
        instance: &Value,
        observed: &[Value],
        options: &PlanOptions,
    ) -> KeptSimulation {
        plan::keep(&self.plan_input(rgd, instance, observed, options))
    }

    /// [`Engine::step_values`] at step `index` of a kept simulation.
    pub(crate) fn kept_step_values(
        &self,
        rgd: &CompiledRgd,
        simulation: &KeptSimulation,
        index: usize,
        options: &PlanOptions,
    ) -> Vec<ExpressionValue> {
        let inputs: Vec<&StepInput> = simulation.inputs().collect();
        self.values_at(rgd, &inputs, index, options)
    }

    /// The values of the expressions at step `index`, given what every step planned from.
    fn values_at(
        &self,
        rgd: &CompiledRgd,
        inputs: &[&StepInput],
        index: usize,
        options: &PlanOptions,
    ) -> Vec<ExpressionValue> {
        let Some(step) = inputs.get(index) else { return Vec::new() };
        let observed = plan::cluster_at(inputs.iter().copied(), index);
        let options = PlanOptions {
            assume_ready_without_status: true,
            apply_failures: step.apply_failures.clone(),
            ..options.clone()
        };
        plan::values(&self.plan_input(rgd, &step.instance, &observed, &options))
    }

    pub(crate) fn plan_input<'a>(
        &'a self,
        rgd: &'a CompiledRgd,
        instance: &'a Value,
        observed: &'a [Value],
        options: &'a PlanOptions,
    ) -> PlanInput<'a> {
        PlanInput { rgd, catalog: &self.catalog, evaluator: &self.evaluator, instance, observed, options }
    }

    /// What an RGD reconcile does with the RGD's GraphRevisions: `rgd` as the API server returns it (its
    /// `status.lastIssuedRevision` included), `listed` every GraphRevision whose `spec.snapshot.name` is the
    /// RGD's, read from the API server (not a cache: a revision created a moment ago must be seen, or its
    /// number would be issued twice). Compiles the newest revision, and older ones until one compiles.
    pub fn resolve_revisions(&self, rgd: &Value, listed: &[Value], options: &RevisionOptions) -> Revisions {
        revisions::resolve(self, rgd, listed, options)
    }

    /// The status kro writes on the RGD: `state`, `topologicalOrder`, `resources`, `lastIssuedRevision` and
    /// the conditions, from its revisions and what the host knows of the CRD and the instance controller.
    pub fn rgd_status(&self, revisions: &Revisions, host: &HostConditions) -> RgdStatus {
        RgdStatus::new(revisions, host)
    }

    /// What a kube client needs to reach objects of `kind` at `api_version` (`v1`, `apps/v1`), when known.
    pub fn resource_type(&self, api_version: &str, kind: &str) -> Option<ResourceType> {
        self.catalog.resource_type(api_version, kind)
    }

    /// What the API server would refuse in `object` (a Kubernetes object as it will be applied) for reasons no
    /// OpenAPI schema states: the rules of the built-in kinds' validation and of custom resources' metadata
    /// (`engine/schemas/k8s-v1.37-rules.yaml`). Each finding has a stable code and its path inside the object;
    /// none for a kind the engine knows no rules of. Plans run the same rules over every object they render.
    pub fn api_server_refusals(&self, object: &Value) -> Vec<Diagnostic> {
        let s = |key: &str| object.get(key).and_then(Value::as_str).unwrap_or_default();
        let Some(rules) = self.catalog.kind_rules(s("apiVersion"), s("kind")) else { return Vec::new() };
        refusals(object, rules, Mode::Rendered)
            .into_iter()
            .map(|r| Diagnostic::error(r.code, r.message(), r.path, Span::default()))
            .collect()
    }

    /// The kinds an instance controller of `rgd` watches: every kind its resources and external references
    /// are of, once each, in declaration order (kinds the catalog does not know are left out, unless a CRD the
    /// RGD installs defines them).
    pub fn watched_types(&self, rgd: &CompiledRgd) -> Vec<ResourceType> {
        let mut types: Vec<ResourceType> = Vec::new();
        for r in &rgd.resources {
            let known = self.resource_type(&r.api_version, &r.kind);
            if let Some(t) = known.or_else(|| rgd.installed_type(&r.api_version, &r.kind).cloned())
                && !types.contains(&t)
            {
                types.push(t);
            }
        }
        types
    }

    /// How a host reads what the external reference `resource` of `rgd` stands for, for an instance in
    /// `instance_namespace` (empty for a cluster-scoped instance): GET by name, or LIST, in one namespace or
    /// across all of them (an external collection that names no namespace lists every namespace, as kro).
    /// `None` for a resource the RGD creates. What the host reads this way, the planner filters by the same
    /// rules.
    pub fn external_lookup(
        &self,
        rgd: &CompiledRgd,
        resource: &Resource,
        instance_namespace: &str,
    ) -> Option<ExternalLookup> {
        plan::external_lookup(&self.catalog, rgd, resource, instance_namespace)
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
#[allow(clippy::unwrap_used)] // tests: a failure should stop loudly
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    const DEFINES_DATABASE: &str = "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata:\n  name: db\nspec:\n  schema:\n    apiVersion: v1alpha1\n    kind: Database\n    spec:\n      replicas: integer\n";
    const USES_DATABASE: &str = "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata:\n  name: app\nspec:\n  schema:\n    apiVersion: v1alpha1\n    kind: App\n    status:\n      replicas: ${db.spec.replicas}\n  resources:\n    - id: db\n      template:\n        apiVersion: kro.run/v1alpha1\n        kind: Database\n        metadata:\n          name: db\n        spec:\n          replicaz: 1\n";

    #[test]
    fn resources_know_where_they_are_in_the_text() {
        let engine = Engine::new(EngineOptions::default()).unwrap();
        let docs = engine.compile_text(include_str!("../../examples/webapp/rgd.yaml"));
        let service = docs[0].rgd.as_ref().unwrap().resources.iter().find(|r| r.id == "service").unwrap();
        assert_eq!((service.span.start.line, service.span.start.column, service.span.end.line), (45, 7, 56));
        assert_eq!((service.id_span.start.line, service.id_span.start.column), (45, 11));
        let from_json =
            engine.compile_json(&engine.load_objects(include_str!("../../examples/webapp/rgd.yaml")).unwrap()[0]);
        assert_eq!(from_json.rgd.unwrap().resources[0].span, Span::default(), "JSON has no positions");
    }

    #[test]
    fn texts_compiled_together_see_each_others_kinds_and_keep_their_own_diagnostics() {
        let engine = Engine::new(EngineOptions::default()).unwrap();
        let files = engine.compile_texts(&[USES_DATABASE, "not: [valid", DEFINES_DATABASE]);
        assert_eq!(files.len(), 3);
        // The user's misspelt field is found only because the other file's kind is known, and stays in its file.
        let codes: Vec<&str> = files[0][0].diagnostics.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["unknown-template-field"]);
        assert_eq!(files[1][0].diagnostics[0].code, Code::YamlSyntax);
        assert!(files[2][0].rgd.is_some() && files[2][0].diagnostics.is_empty());
        assert_eq!((files[0][0].index, files[2][0].index), (0, 0), "indices count within each text");
        // Alone, the user's file only warns that the kind is unknown.
        let alone = engine.compile_text(USES_DATABASE);
        assert_eq!(alone[0].diagnostics.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(), ["unknown-kind"]);
    }

    #[test]
    fn applied_objects_and_watched_kinds_carry_what_a_kube_client_needs() {
        let engine = Engine::new(EngineOptions::default()).unwrap();
        let docs = engine.compile_text(include_str!("../../examples/webapp/rgd.yaml"));
        let rgd = docs[0].rgd.as_ref().unwrap();
        let instance = engine.instance_from_text(rgd, include_str!("../../examples/webapp/instance.yaml")).unwrap();
        let plan = engine.plan(rgd, &instance, &[], &PlanOptions::default());
        let deployment = plan.resources[0].resource_type.clone().unwrap();
        assert_eq!(deployment.api_version(), "apps/v1");
        assert_eq!((deployment.plural.as_str(), deployment.namespaced), ("deployments", true));
        let watched: Vec<String> = engine.watched_types(rgd).iter().map(|t| t.plural.clone()).collect();
        assert_eq!(watched, ["deployments", "services", "ingresses"]);
        let crd_type = engine.resource_type("apiextensions.k8s.io/v1", "CustomResourceDefinition").unwrap();
        assert!(!crd_type.namespaced);
    }

    #[test]
    fn crds_added_at_run_time_can_be_replaced_and_removed_without_touching_clones() {
        let mut engine = Engine::new(EngineOptions::default()).unwrap();
        let crd = serde_json::json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "spec": {"group": "example.com", "scope": "Cluster", "names": {"kind": "Bucket", "plural": "buckets"},
                "versions": [{"name": "v1", "schema": {"openAPIV3Schema": {"type": "object"}}}]}});
        assert!(engine.catalog_mut().add_crd_json(&crd));
        let before = engine.clone();
        assert_eq!(engine.resource_type("example.com/v1", "Bucket").map(|t| t.plural), Some("buckets".into()));
        assert!(engine.catalog_mut().remove_crd("example.com", "Bucket"));
        assert_eq!(engine.resource_type("example.com/v1", "Bucket"), None);
        assert!(before.resource_type("example.com/v1", "Bucket").is_some(), "a clone keeps its catalog");
        // A kind known only from discovery's OpenAPI schema: templates of it are checked against that schema.
        let widget = ResourceType {
            group: "metrics.example.com".into(),
            version: "v1beta1".into(),
            kind: "Widget".into(),
            plural: "widgets".into(),
            namespaced: true,
        };
        let schema = serde_json::json!({"type": "object", "properties": {
            "apiVersion": {"type": "string"}, "kind": {"type": "string"},
            "metadata": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
            "spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}});
        engine.catalog_mut().add_kind_schema(&widget, schema);
        assert_eq!(engine.resource_type("metrics.example.com/v1beta1", "Widget"), Some(widget));
        let rgd = r"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: widgets}
spec:
  schema: {apiVersion: v1alpha1, kind: WidgetSet, spec: {size: integer}}
  resources:
    - id: widget
      template:
        apiVersion: metrics.example.com/v1beta1
        kind: Widget
        metadata: {name: w}
        spec:
          size: ${schema.spec.size}
          colour: red
";
        let docs = engine.compile_text(rgd);
        let codes: Vec<&str> = docs[0].diagnostics.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["unknown-template-field"], "{:?}", docs[0].diagnostics);
        // A compile layers the RGDs it defines over the shared catalog and leaves it as it was.
        let _ = engine.compile_text(include_str!("../../examples/webapp/rgd.yaml"));
        assert!(engine.catalog().lookup("kro.run", "v1alpha1", "Application").is_none());
    }

    #[test]
    fn crd_texts_teach_their_kinds_and_leave_other_documents_out() {
        let mut engine = Engine::new(EngineOptions::default()).unwrap();
        let crds = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  group: example.com\n  scope: Namespaced\n  names: {kind: Bucket, plural: buckets}\n  versions: [{name: v1, schema: {openAPIV3Schema: {type: object}}}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: not-a-crd}\n";
        assert_eq!(engine.add_crds(crds), Ok(1));
        assert!(engine.resource_type("example.com/v1", "Bucket").is_some());
        let broken = engine.add_crds("a: [").unwrap_err();
        assert_eq!(broken.code, Code::YamlSyntax);
        assert!(broken.position().is_some(), "located in the CRD text");
    }

    #[test]
    fn only_one_valid_rgd_is_planned_against_and_warnings_block_only_when_denied() {
        let engine = Engine::new(EngineOptions::default()).unwrap();
        let webapp = include_str!("../../examples/webapp/rgd.yaml");
        assert_eq!(crate::only_rgd(&engine.compile_text(webapp)).map(|r| r.name.as_str()), Ok("my-application"));
        let other = webapp.replace("name: my-application", "name: other").replace("kind: Application", "kind: Other");
        let two = engine.compile_text(&format!("{webapp}\n---\n{other}"));
        assert_eq!(crate::only_rgd(&two).map(|_| ()), Err(crate::NotOneRgd { found: 2 }));
        assert_eq!(crate::only_rgd(&[]).map(|_| ()), Err(crate::NotOneRgd { found: 0 }));
        let warned = engine.compile_text(USES_DATABASE);
        let warning = &warned[0].diagnostics[0];
        assert!(!warning.blocks(false) && warning.blocks(true));
        assert_eq!(warning.position(), Some((15, 15)), "the unknown kind, line 15");
        let unlocated = engine.compile_json(&serde_json::json!({"kind": "ResourceGraphDefinition"}));
        assert!(unlocated.diagnostics.iter().all(|d| d.position().is_none()), "JSON has no positions");
    }

    #[test]
    fn external_lookups_say_what_to_get_or_list_and_where() {
        let engine = Engine::new(EngineOptions::default()).unwrap();
        let docs = engine
            .compile_text(include_str!("../../tests/fixtures/plan-external-collection-namespaced-instance/rgd.yaml"));
        let rgd = docs[0].rgd.as_ref().unwrap();
        let lookup = |id: &str, namespace: &str| {
            let resource = rgd.resources.iter().find(|r| r.id == id).unwrap();
            engine.external_lookup(rgd, resource, namespace)
        };
        let list = |namespace: Option<&str>| {
            Some(ExternalLookup { name: None, namespace: namespace.map(String::from), collection: true })
        };
        // A collection naming no namespace lists every namespace, whatever the instance's.
        assert_eq!(lookup("allSecrets", "a"), list(None));
        // One whose namespace is computed lists every namespace too; the planner keeps the rendered one's.
        assert_eq!(lookup("localSecrets", "a"), list(None));
        // A reference by name reads the instance's namespace.
        let get = ExternalLookup { name: Some("settings".into()), namespace: Some("a".into()), collection: false };
        assert_eq!(lookup("settings", "a"), Some(get));
        assert_eq!(lookup("inventory", "a"), None, "a resource the RGD creates is not looked up");
    }

    #[test]
    fn an_engine_can_be_shared_between_threads() {
        assert_send_sync::<Engine>();
        assert_send_sync::<CompiledRgd>();
    }
}
