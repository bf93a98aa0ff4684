//! A workspace: the texts an editor, a language server or the playground has open — RGD files, CRD files, an
//! instance, the objects a cluster holds — each compiled once per change, and every question (diagnostics,
//! graph, CRD, plan, simulation, completion, hover) answered from that one compile.
//!
//! Documents are named by the host (a URI, `rgd.yaml`) and have a [`DocumentKind`]. RGD documents see the
//! kinds the CRD documents define, and the kinds RGDs in other documents define (as `kro validate a.yaml
//! b.yaml` does); a document is compiled again only when its text changed, the CRD documents changed, or
//! the definition of a kind it uses from another document changed. So a keystroke in one file compiles that
//! file alone, and a change that leaves another file's generated CRD as it was compiles nothing else.
//!
//! Work is done when a question is asked, not when a text is set: a language server that receives several
//! changes before it checks compiles once. Questions therefore take `&mut self`.

mod imports;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::catalog::KindInfo;
use crate::compile::{self, CompiledDocument, NotOneRgd, only_rgd};
use crate::diagnostics::{Code, Diagnostic};
use crate::editor::{self, CompletionItem, Definition, Hover, Symbol};
use crate::engine::Engine;
use crate::graph::CompiledRgd;
use crate::plan::{ExpressionValue, KeptSimulation, Plan, PlanOptions, Simulation};
use crate::position::LspPosition;
use crate::schemas::Schema;
use imports::{Available, Import, Loaded, Summary};

/// What a document holds, which decides what the workspace does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// `ResourceGraphDefinitions`: every YAML document of it is checked, as `kro validate` checks a file.
    Rgds,
    /// `CustomResourceDefinitions` whose kinds RGDs may use (the CLI's `--crd`); other documents in it are
    /// left out.
    Crds,
    /// One instance of an RGD, to plan.
    Instance,
    /// Objects as the cluster has them, with their status (`--observed`), several documents.
    Observed,
}

/// Which documents one plan reads, by name.
#[derive(Debug, Clone, Copy)]
pub struct PlanRequest<'a> {
    /// A [`DocumentKind::Rgds`] document holding exactly one valid RGD.
    pub rgd: &'a str,
    /// A [`DocumentKind::Instance`] document.
    pub instance: &'a str,
    /// A [`DocumentKind::Observed`] document, if the cluster is taken to hold anything.
    pub observed: Option<&'a str>,
}

/// Why a plan could not be made. Every case is a finding about the documents, returned as data: an editor
/// asks on every keystroke and must not treat typing as a failure.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanBlocked {
    /// No document of that name and kind is in the workspace.
    NoSuchDocument {
        /// The name asked for.
        name: String,
        /// The kind it should have.
        kind: DocumentKind,
    },
    /// The RGD document has errors (its diagnostics, warnings included).
    InvalidRgd(Vec<Diagnostic>),
    /// The RGD document holds no valid RGD, or several.
    NotOneRgd(NotOneRgd),
    /// The instance document holds no YAML document at all.
    EmptyInstance,
    /// The API server would refuse the instance: its findings, located in the instance document.
    InvalidInstance(Vec<Diagnostic>),
    /// The observed objects cannot be read: the finding, located in the observed document.
    InvalidObserved(Diagnostic),
}

/// A set of named documents compiled together, once per change. See the [module docs](self).
#[derive(Debug)]
pub struct Workspace {
    /// The engine the host built (feature gates, limits, the kinds it knows).
    base: Engine,
    /// `base` with the CRD documents' kinds.
    engine: Engine,
    deny_warnings: bool,
    docs: BTreeMap<String, Document>,
    /// Gives each text set a version of its own.
    versions: u64,
    /// Bumped whenever `engine` is rebuilt from the CRD documents.
    crds_version: u64,
    crds_stale: bool,
    /// Something changed since the documents were last brought up to date.
    stale: bool,
    compiles: u64,
    /// The last simulation, and what it was made from: a host that shows one step at a time, or the values of
    /// expressions at a step, asks again without simulating again.
    simulation: Option<(String, Arc<KeptSimulation>)>,
}

#[derive(Debug)]
struct Document {
    kind: DocumentKind,
    text: String,
    version: u64,
    /// RGD documents: the text loaded, and the kinds it defines and uses.
    loaded: Option<Loaded>,
    compiled: Option<Compiled>,
    /// CRD documents: the finding that kept their CRDs out.
    crd_problem: Option<Diagnostic>,
    /// Observed documents: the objects, loaded once per version.
    objects: Option<Result<Vec<Value>, Diagnostic>>,
    /// Instance documents: the instance prepared against one compile of one RGD document.
    prepared: Option<Prepared>,
}

/// A compile of an RGD document, and what it was made from.
#[derive(Debug)]
struct Compiled {
    key: Key,
    /// The engine it was compiled with (the workspace's, with the kinds it uses from other documents), which
    /// plans and editor services use too.
    engine: Engine,
    docs: Vec<CompiledDocument>,
    /// The workspace's compile count when it was made: what an instance prepared against it remembers.
    generation: u64,
}

/// What a compile depends on: a document is compiled again exactly when this changes.
#[derive(Debug, PartialEq)]
struct Key {
    version: u64,
    crds_version: u64,
    imports: Vec<Import>,
}

#[derive(Debug)]
struct Prepared {
    rgd: String,
    generation: u64,
    version: u64,
    result: Result<Value, PlanBlocked>,
    diagnostics: Vec<Diagnostic>,
}

impl Workspace {
    /// An empty workspace over `engine` (its feature gates, limits and kinds).
    pub fn new(engine: Engine) -> Workspace {
        Workspace {
            engine: engine.clone(),
            base: engine,
            deny_warnings: false,
            docs: BTreeMap::new(),
            versions: 0,
            crds_version: 0,
            crds_stale: false,
            stale: false,
            compiles: 0,
            simulation: None,
        }
    }

    /// Whether warnings keep an RGD document's graph and CRDs back ([`Workspace::valid_rgds`]), as the CLI's
    /// `--deny-warnings` does. Plans are made despite warnings, as `kro render` does.
    pub fn set_deny_warnings(&mut self, deny: bool) {
        self.deny_warnings = deny;
    }

    /// Sets the text of the document `name` (adding it, or replacing its text and kind). Returns whether
    /// anything changed: setting the same text again compiles nothing.
    pub fn set(&mut self, name: &str, kind: DocumentKind, text: &str) -> bool {
        if let Some(doc) = self.docs.get(name)
            && doc.kind == kind
            && doc.text == text
        {
            return false;
        }
        let was_crds = self.docs.get(name).is_some_and(|d| d.kind == DocumentKind::Crds);
        self.versions += 1;
        let doc = Document {
            kind,
            text: text.to_string(),
            version: self.versions,
            loaded: None,
            compiled: None,
            crd_problem: None,
            objects: None,
            prepared: None,
        };
        self.docs.insert(name.to_string(), doc);
        self.crds_stale |= was_crds || kind == DocumentKind::Crds;
        self.stale = true;
        true
    }

    /// Removes the document `name`; returns whether there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        let Some(doc) = self.docs.remove(name) else { return false };
        self.crds_stale |= doc.kind == DocumentKind::Crds;
        self.stale = true;
        true
    }

    /// The text of the document `name`.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.docs.get(name).map(|d| d.text.as_str())
    }

    /// The kind of the document `name`.
    pub fn kind(&self, name: &str) -> Option<DocumentKind> {
        self.docs.get(name).map(|d| d.kind)
    }

    /// The names of the documents, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.docs.keys().map(String::as_str)
    }

    /// How many times an RGD document was compiled since the workspace was made: what tests (and the
    /// playground's counter) read to show that an edit compiles once.
    pub fn compiles(&self) -> u64 {
        self.compiles
    }

    /// The engine RGD documents are compiled with: the host's, with the CRD documents' kinds.
    pub fn engine(&mut self) -> &Engine {
        self.refresh();
        &self.engine
    }

    /// The findings about the document `name`, sorted by position: an RGD document's diagnostics; a CRD or
    /// observed document's load error; an instance's findings (errors and warnings) against the RGD of the
    /// workspace that defines its kind, if one does. Empty for an unknown name.
    pub fn diagnostics(&mut self, name: &str) -> Vec<Diagnostic> {
        self.refresh();
        let Some(kind) = self.kind(name) else { return Vec::new() };
        match kind {
            DocumentKind::Rgds => self.compiled(name).iter().flat_map(|d| d.diagnostics.iter().cloned()).collect(),
            DocumentKind::Crds => self.docs.get(name).and_then(|d| d.crd_problem.clone()).into_iter().collect(),
            DocumentKind::Observed => self.observed(name).err().into_iter().collect(),
            DocumentKind::Instance => match self.rgd_of_instance(name) {
                Some(rgd) => {
                    let _ = self.instance(&rgd, name);
                    self.docs
                        .get(name)
                        .and_then(|d| d.prepared.as_ref())
                        .map(|p| p.diagnostics.clone())
                        .unwrap_or_default()
                }
                None => Vec::new(),
            },
        }
    }

    /// What compiling the RGD document `name` gave, one entry per YAML document (empty for another kind).
    pub fn compiled(&mut self, name: &str) -> &[CompiledDocument] {
        self.refresh();
        self.docs.get(name).and_then(|d| d.compiled.as_ref()).map_or(&[], |c| c.docs.as_slice())
    }

    /// The valid RGDs of the document `name`, or the diagnostics that keep them back (errors; warnings too
    /// when warnings are denied): what the CLI prints instead of a graph or CRDs.
    pub fn valid_rgds(&mut self, name: &str) -> Result<Vec<&CompiledRgd>, Vec<Diagnostic>> {
        let deny = self.deny_warnings;
        let docs = self.compiled(name);
        if docs.iter().flat_map(|d| &d.diagnostics).any(|d| d.blocks(deny)) {
            return Err(docs.iter().flat_map(|d| d.diagnostics.iter().cloned()).collect());
        }
        Ok(docs.iter().filter_map(|d| d.rgd.as_ref()).collect())
    }

    /// The plan for one reconcile of the instance of `request`, or why there is none.
    pub fn plan(&mut self, request: &PlanRequest<'_>, options: &PlanOptions) -> Result<Plan, PlanBlocked> {
        let (engine, rgd, instance, observed) = self.plan_inputs(request)?;
        Ok(engine.plan(rgd, &instance, &observed, options))
    }

    /// The simulated reconcile of the instance of `request` ([`Engine::simulate`]), or why there is none.
    pub fn simulate(&mut self, request: &PlanRequest<'_>, options: &PlanOptions) -> Result<Simulation, PlanBlocked> {
        self.simulation(request, options).map(|s| s.to_simulation())
    }

    /// [`Workspace::simulate`], kept: made once for the same documents and options, however often it is asked
    /// (a host showing one step at a time asks per step), with its steps sharing their objects.
    pub fn simulation(
        &mut self,
        request: &PlanRequest<'_>,
        options: &PlanOptions,
    ) -> Result<Arc<KeptSimulation>, PlanBlocked> {
        self.refresh();
        let version = |name: &str| self.docs.get(name).map_or(0, |d| d.version);
        let generation = self.docs.get(request.rgd).and_then(|d| d.compiled.as_ref()).map_or(0, |c| c.generation);
        let key = format!(
            "{request:?} {generation} {} {} {options:?}",
            version(request.instance),
            request.observed.map_or(0, version),
        );
        if let Some((cached, simulation)) = &self.simulation
            && *cached == key
        {
            return Ok(Arc::clone(simulation));
        }
        let (engine, rgd, instance, observed) = self.plan_inputs(request)?;
        let simulation = Arc::new(engine.keep_simulation(rgd, &instance, &observed, options));
        self.simulation = Some((key, Arc::clone(&simulation)));
        Ok(simulation)
    }

    /// The value of every `${...}` of the RGD of `request` at step `step` (1-based) of its simulation with
    /// `options` ([`Engine::step_values`]); empty for a step the simulation does not have.
    pub fn values(
        &mut self,
        request: &PlanRequest<'_>,
        options: &PlanOptions,
        step: usize,
    ) -> Result<Vec<ExpressionValue>, PlanBlocked> {
        let simulation = self.simulation(request, options)?;
        let (engine, rgd, _, _) = self.plan_inputs(request)?;
        let Some(index) = step.checked_sub(1) else { return Ok(Vec::new()) };
        Ok(engine.kept_step_values(rgd, &simulation, index, options))
    }

    /// Completion in the document `name` at `position`: in an RGD document with the kinds its compile knows; in
    /// an instance, the fields of the instance API of the RGD defining its kind (or of the workspace's one
    /// valid RGD while its `kind` is being typed); in observed objects, the fields of their kinds.
    pub fn complete(&mut self, name: &str, position: LspPosition) -> Vec<CompletionItem> {
        let Some(text) = self.text(name).map(str::to_string) else { return Vec::new() };
        match self.kind(name) {
            Some(DocumentKind::Instance) => {
                let rgd = self.rgd_of_instance(name).or_else(|| self.only_valid_rgd());
                let Some(compiled) = rgd.and_then(|r| self.valid_rgds(&r).ok()?.into_iter().next().cloned()) else {
                    return Vec::new();
                };
                let crd = compiled.crd;
                let definitions = crate::schemas::builtin().definitions();
                editor::complete_manifest(&text, position, &|api_version: &str, kind: &str| {
                    if !kind.is_empty() && crd.pointer("/spec/names/kind")? != kind {
                        return None;
                    }
                    let versions = crd.pointer("/spec/versions")?.as_array()?;
                    let version = api_version.rsplit('/').next().unwrap_or_default();
                    let schema = versions.iter().find(|v| v["name"] == version).or_else(|| versions.first())?;
                    Some(Schema::new(&schema["schema"]["openAPIV3Schema"], Some(definitions)))
                })
            }
            Some(DocumentKind::Observed) => {
                let catalog = self.engine().catalog();
                editor::complete_manifest(&text, position, &|api_version: &str, kind: &str| {
                    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
                    match catalog.lookup(group, version, kind)? {
                        KindInfo::Known { schema } => Some(schema),
                        _ => None,
                    }
                })
            }
            _ => editor::complete(&text, position, self.editor_engine(name)),
        }
    }

    /// The RGD document holding the workspace's only valid RGD, if there is exactly one.
    fn only_valid_rgd(&mut self) -> Option<String> {
        let names: Vec<String> =
            self.docs.iter().filter(|(_, d)| d.kind == DocumentKind::Rgds).map(|(n, _)| n.clone()).collect();
        let mut valid = names.into_iter().filter(|n| self.valid_rgds(n).is_ok_and(|r| r.len() == 1));
        let first = valid.next();
        if valid.next().is_some() { None } else { first }
    }

    /// Hover in the document `name` at `position`.
    pub fn hover(&mut self, name: &str, position: LspPosition) -> Option<Hover> {
        let text = self.text(name)?.to_string();
        editor::hover(&text, position, self.editor_engine(name))
    }

    /// Where the name at `position` of the document `name` is declared.
    pub fn definition(&self, name: &str, position: LspPosition) -> Option<Definition> {
        editor::definition(self.text(name)?, position)
    }

    /// The outline of the document `name`.
    pub fn symbols(&self, name: &str) -> Vec<Symbol> {
        self.text(name).map(editor::symbols).unwrap_or_default()
    }

    fn editor_engine(&mut self, name: &str) -> &Engine {
        self.refresh();
        match self.docs.get(name).and_then(|d| d.compiled.as_ref()) {
            Some(compiled) => &compiled.engine,
            None => &self.engine,
        }
    }

    /// The objects of the observed document `name` (none for a document without any).
    fn observed(&mut self, name: &str) -> Result<Vec<Value>, Diagnostic> {
        let engine = &self.engine;
        let Some(doc) = self.docs.get_mut(name) else { return Ok(Vec::new()) };
        doc.objects
            .get_or_insert_with(|| match engine.load_objects(&doc.text) {
                Err(d) if d.code == Code::EmptyInput => Ok(Vec::new()),
                loaded => loaded,
            })
            .clone()
    }

    /// The RGD document whose valid RGD defines the kind of the instance document `name`.
    fn rgd_of_instance(&mut self, name: &str) -> Option<String> {
        let text = self.text(name)?;
        let object = self.base.load_objects(text).ok()?.into_iter().next()?;
        let api_version = object.get("apiVersion")?.as_str()?.to_string();
        let kind = object.get("kind")?.as_str()?.to_string();
        let candidates: Vec<String> =
            self.docs.iter().filter(|(_, d)| d.kind == DocumentKind::Rgds).map(|(n, _)| n.clone()).collect();
        candidates.into_iter().find(|rgd| {
            self.compiled(rgd)
                .iter()
                .filter_map(|d| d.rgd.as_ref())
                .any(|r| r.api.kind == kind && r.api.api_version() == api_version)
        })
    }

    /// The instance document `name` as stored, prepared against the one RGD of the document `rgd` (cached
    /// until either changes).
    fn instance(&mut self, rgd: &str, name: &str) -> Result<Value, PlanBlocked> {
        self.refresh();
        let missing = |name: &str, kind| PlanBlocked::NoSuchDocument { name: name.to_string(), kind };
        let Some(compiled) =
            self.docs.get(rgd).filter(|d| d.kind == DocumentKind::Rgds).and_then(|d| d.compiled.as_ref())
        else {
            return Err(missing(rgd, DocumentKind::Rgds));
        };
        let Some(doc) = self.docs.get(name).filter(|d| d.kind == DocumentKind::Instance) else {
            return Err(missing(name, DocumentKind::Instance));
        };
        if let Some(p) = &doc.prepared
            && p.rgd == rgd
            && p.generation == compiled.generation
            && p.version == doc.version
        {
            return p.result.clone();
        }
        let (result, diagnostics) = prepare(compiled, &doc.text, &self.engine);
        let prepared = Prepared {
            rgd: rgd.to_string(),
            generation: compiled.generation,
            version: doc.version,
            result,
            diagnostics,
        };
        let result = prepared.result.clone();
        if let Some(doc) = self.docs.get_mut(name) {
            doc.prepared = Some(prepared);
        }
        result
    }

    fn plan_inputs(
        &mut self,
        request: &PlanRequest<'_>,
    ) -> Result<(&Engine, &CompiledRgd, Value, Vec<Value>), PlanBlocked> {
        let instance = self.instance(request.rgd, request.instance)?;
        let observed = match request.observed {
            Some(name) if self.kind(name) == Some(DocumentKind::Observed) => {
                self.observed(name).map_err(PlanBlocked::InvalidObserved)?
            }
            Some(name) => {
                return Err(PlanBlocked::NoSuchDocument { name: name.to_string(), kind: DocumentKind::Observed });
            }
            None => Vec::new(),
        };
        let compiled =
            self.docs.get(request.rgd).and_then(|d| d.compiled.as_ref()).ok_or_else(|| {
                PlanBlocked::NoSuchDocument { name: request.rgd.to_string(), kind: DocumentKind::Rgds }
            })?;
        let rgd = only_rgd(&compiled.docs).map_err(PlanBlocked::NotOneRgd)?;
        Ok((&compiled.engine, rgd, instance, observed))
    }

    /// Brings every document up to date: the CRD documents' kinds into the engine, then each RGD document
    /// compiled again if what it was compiled from changed.
    fn refresh(&mut self) {
        if !self.stale {
            return;
        }
        self.stale = false;
        if self.crds_stale {
            self.crds_stale = false;
            self.crds_version += 1;
            let mut engine = self.base.clone();
            for doc in self.docs.values_mut().filter(|d| d.kind == DocumentKind::Crds) {
                doc.crd_problem = match engine.add_crds(&doc.text) {
                    Err(d) if d.code != Code::EmptyInput => Some(d),
                    _ => None,
                };
            }
            self.engine = engine;
        }
        let limits = self.base.options().input_limits;
        for doc in self.docs.values_mut().filter(|d| d.kind == DocumentKind::Rgds) {
            if doc.loaded.as_ref().is_none_or(|l| l.version != doc.version) {
                doc.loaded = Some(Loaded::new(&doc.text, doc.version, &limits));
            }
        }
        let names: Vec<&String> =
            self.docs.iter().filter(|(_, d)| d.kind == DocumentKind::Rgds).map(|(n, _)| n).collect();
        let summaries: Vec<Summary<'_>> = names
            .iter()
            .filter_map(|n| self.docs.get(*n)?.loaded.as_ref())
            .map(|l| Summary { defines: &l.defines, uses: &l.uses })
            .collect();
        let order = imports::order(&summaries);
        let mut available = Available::new(&summaries);
        let names: Vec<String> = names.into_iter().cloned().collect();
        let uses: Vec<Vec<(String, String)>> = summaries.iter().map(|s| s.uses.to_vec()).collect();
        for i in order {
            let Some(doc) = names.get(i).and_then(|n| self.docs.get_mut(n)) else { continue };
            let imports = available.imports_of(i, uses.get(i).map_or(&[], Vec::as_slice));
            let key = Key { version: doc.version, crds_version: self.crds_version, imports };
            if doc.compiled.as_ref().is_none_or(|c| c.key != key)
                && let Some(loaded) = doc.loaded.as_ref()
            {
                self.compiles += 1;
                let engine = self.engine.layered(|catalog| {
                    for import in &key.imports {
                        import.add_to(catalog);
                    }
                });
                let docs = engine.compile_loaded(&loaded.source);
                doc.compiled = Some(Compiled { key, engine, docs, generation: self.compiles });
            }
            if let Some(compiled) = &doc.compiled {
                available.record(i, &compiled.docs);
            }
        }
    }
}

/// An instance text prepared against the one RGD of a compile: the instance or why not, and the findings.
fn prepare(compiled: &Compiled, text: &str, engine: &Engine) -> (Result<Value, PlanBlocked>, Vec<Diagnostic>) {
    if compiled.docs.iter().flat_map(|d| &d.diagnostics).any(Diagnostic::is_error) {
        let all = compiled.docs.iter().flat_map(|d| d.diagnostics.iter().cloned()).collect();
        return (Err(PlanBlocked::InvalidRgd(all)), Vec::new());
    }
    let rgd = match only_rgd(&compiled.docs) {
        Ok(rgd) => rgd,
        Err(e) => return (Err(PlanBlocked::NotOneRgd(e)), Vec::new()),
    };
    if compile::load_source(text, &engine.options().input_limits).is_err_and(|d| d.code == Code::EmptyInput) {
        return (Err(PlanBlocked::EmptyInstance), Vec::new());
    }
    match compiled.engine.check_instance_text(rgd, text) {
        (Some(instance), diagnostics) => (Ok(instance), diagnostics),
        (None, diagnostics) => (Err(PlanBlocked::InvalidInstance(diagnostics.clone())), diagnostics),
    }
}
