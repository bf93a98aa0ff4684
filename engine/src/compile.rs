//! The front half of the pipeline over one input text (a file, a buffer in the playground): load every YAML
//! document, then build each RGD, knowing the APIs the other RGDs of the same run define.

use std::sync::Arc;

use crate::catalog::Catalog;
use crate::diagnostics::{Code, Diagnostic, Path};
use crate::graph::dag::Dag;
use crate::graph::{CompiledRgd, build};
use crate::kube::Scope;
use crate::rgd::{DEFAULT_GROUP, is_rgd};
use crate::yaml::{Document, Limits, LoadError, LoadErrorKind, Node, Pos, Segment as PathPart, Span, load_documents};

/// Bounds on input, so a hostile file cannot make the engine (or a browser tab) run away.
#[derive(Debug, Clone, Copy)]
pub struct InputLimits {
    /// Largest accepted text, in bytes. RGDs are a few KiB; 4 MiB leaves room for generated ones.
    pub max_bytes: usize,
    /// Bounds on the YAML structure: nesting depth and node count (aliases included).
    pub yaml: Limits,
}

impl Default for InputLimits {
    fn default() -> Self {
        Self { max_bytes: 4 * 1024 * 1024, yaml: Limits::default() }
    }
}

/// A loaded input: its documents, or the one diagnostic that stopped loading.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub documents: Vec<Document>,
}

/// Loads the YAML documents of `text`. Empty documents (a stray `---`) are dropped; a text with none is an
/// error.
pub(crate) fn load_source(text: &str, limits: &InputLimits) -> Result<Source, Diagnostic> {
    let start = Span::default();
    if text.len() > limits.max_bytes {
        return Err(Diagnostic::error(
            Code::YamlLimit,
            format!("the input is {} bytes; the limit is {} bytes", text.len(), limits.max_bytes),
            Path::root(),
            start,
        ));
    }
    let documents = load_documents(text, limits.yaml).map_err(|e| load_diagnostic(&e))?;
    // A stray `---` or a comment-only document yields nothing (or a bare null): not a document to check.
    let documents: Vec<Document> =
        documents.into_iter().filter(|d| d.root.as_ref().is_some_and(|r| !r.is_null())).collect();
    if documents.is_empty() {
        let end = last_pos(text);
        return Err(Diagnostic::error(
            Code::EmptyInput,
            "the input holds no YAML document; expected a ResourceGraphDefinition",
            Path::root(),
            Span::new(end, end),
        ));
    }
    Ok(Source { documents })
}

/// A loader finding as a diagnostic: a duplicate key is a warning (the document holds the later value, as
/// kubectl reads it), everything else stopped loading and is an error.
fn load_diagnostic(e: &LoadError) -> Diagnostic {
    let code = match e.kind {
        LoadErrorKind::Syntax | LoadErrorKind::UnknownAnchor => Code::YamlSyntax,
        LoadErrorKind::DuplicateKey => Code::YamlDuplicateKey,
        LoadErrorKind::TooDeep | LoadErrorKind::TooLarge => Code::YamlLimit,
    };
    let path = e.path.iter().fold(Path::root(), |p, part| match part {
        PathPart::Key(k) => p.key(k),
        PathPart::Index(i) => p.index(*i),
    });
    match e.kind {
        LoadErrorKind::DuplicateKey => Diagnostic::warning(code, e.message.clone(), path, e.span),
        _ => Diagnostic::error(code, e.message.clone(), path, e.span),
    }
}

/// The position just past the end of `text`, with the line and column that offset really has (after a final
/// newline that is the start of the next line), so hosts that convert the offset and hosts that print the
/// line agree.
fn last_pos(text: &str) -> Pos {
    let line = text.matches('\n').count() as u32 + 1;
    let last_line = text.rsplit_once('\n').map_or(text, |(_, rest)| rest);
    Pos { offset: text.chars().count() as u32, line, column: last_line.chars().count() as u32 + 1 }
}

/// The outcome for one document of the input.
#[derive(Debug, Clone, Default)]
pub struct CompiledDocument {
    /// 0-based position of the document in the input.
    pub index: usize,
    /// `metadata.name`, when the document has one.
    pub name: Option<String>,
    /// Present when the document is an RGD without errors.
    pub rgd: Option<CompiledRgd>,
    /// Sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

/// Why documents that should hold one RGD to plan with (`kro render`, the npm package's `render`) do not:
/// how many valid RGDs they hold instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("holds {found} RGDs; an instance is planned against exactly one")]
pub struct NotOneRgd {
    /// The number of valid RGDs found (0 or more than 1).
    pub found: usize,
}

/// The one valid RGD of `docs`, the documents of one text; `Err` when there is none or several. Whether
/// `docs` has errors is the caller's first question (their diagnostics say why), this is the second.
pub fn only_rgd(docs: &[CompiledDocument]) -> Result<&CompiledRgd, NotOneRgd> {
    let mut rgds = docs.iter().filter_map(|d| d.rgd.as_ref());
    match (rgds.next(), rgds.count()) {
        (Some(rgd), 0) => Ok(rgd),
        (first, more) => Err(NotOneRgd { found: usize::from(first.is_some()) + more }),
    }
}

/// Loads and builds every document of `text`. A load failure yields one document-less result holding the
/// diagnostic.
pub(crate) fn compile(text: &str, catalog: &Arc<Catalog>, limits: &InputLimits) -> Vec<CompiledDocument> {
    compile_many(&[text], catalog, limits).pop().unwrap_or_default()
}

/// Loads and builds every document of several texts (the files of one run) together, so an RGD in one file
/// may use the kind an RGD in another defines, exactly as if they were one file; each text's results (with
/// `index` counted within that text) are returned in its own list, so diagnostics stay with their file.
pub(crate) fn compile_many(texts: &[&str], catalog: &Arc<Catalog>, limits: &InputLimits) -> Vec<Vec<CompiledDocument>> {
    let sources: Vec<Result<Source, Diagnostic>> = texts.iter().map(|t| load_source(t, limits)).collect();
    compile_loaded(&sources.iter().collect::<Vec<_>>(), catalog)
}

/// [`compile_many`] over texts already loaded (a workspace keeps each text's load until the text changes).
pub(crate) fn compile_loaded(
    sources: &[&Result<Source, Diagnostic>],
    catalog: &Arc<Catalog>,
) -> Vec<Vec<CompiledDocument>> {
    let mut roots: Vec<&Node> = Vec::new();
    let mut found: Vec<Vec<Diagnostic>> = Vec::new();
    for source in sources.iter().copied().flatten() {
        for document in &source.documents {
            if let Some(root) = &document.root {
                roots.push(root);
                found.push(document.duplicates.iter().map(load_diagnostic).collect());
            }
        }
    }
    let mut built = compile_roots(&roots, found, catalog).into_iter();
    sources
        .iter()
        .map(|source| match source {
            Ok(source) => {
                let count = source.documents.iter().filter(|d| d.root.is_some()).count();
                built.by_ref().take(count).enumerate().map(|(index, doc)| CompiledDocument { index, ..doc }).collect()
            }
            Err(diagnostic) => {
                vec![CompiledDocument { index: 0, name: None, rgd: None, diagnostics: vec![diagnostic.clone()] }]
            }
        })
        .collect()
}

/// Builds documents already loaded, registering every RGD's API first so RGDs may use each other's kinds.
/// An RGD whose resources use the kind another RGD of the run defines is built after it, with that RGD's
/// generated CRD in the catalog, so its templates and expressions are checked against the real schema (RGDs
/// that use each other's kinds in a cycle fall back to checking those kinds as `dyn`).
pub(crate) fn compile_documents(roots: &[&Node], catalog: &Arc<Catalog>) -> Vec<CompiledDocument> {
    compile_roots(roots, Vec::new(), catalog)
}

/// [`compile_documents`], adding to each document what loading it found (`found[i]` for `roots[i]`).
fn compile_roots(roots: &[&Node], mut found: Vec<Vec<Diagnostic>>, catalog: &Arc<Catalog>) -> Vec<CompiledDocument> {
    found.resize_with(roots.len(), Vec::new);
    let mut catalog = Catalog::layered(Arc::clone(catalog));
    let defines: Vec<Option<(String, String)>> =
        roots.iter().map(|r| if is_rgd(r) { defined_kind(r) } else { None }).collect();
    for root in roots.iter().filter(|r| is_rgd(r)) {
        register_rgd_api(root, &mut catalog);
    }
    let uses: Vec<Vec<usize>> = roots
        .iter()
        .enumerate()
        .map(|(i, root)| {
            let used = used_kinds(root);
            (0..roots.len()).filter(|&j| j != i && defines[j].as_ref().is_some_and(|k| used.contains(k))).collect()
        })
        .collect();
    let mut built: Vec<Option<CompiledDocument>> = roots.iter().map(|_| None).collect();
    // RGDs that use each other's kinds in a cycle (and those using theirs) are built last, in file order.
    let edges = uses.iter().enumerate().flat_map(|(i, used)| used.iter().map(move |&j| (i, j)));
    for i in Dag::new(roots.len(), edges).order_with_cycles_last() {
        let (rgd, mut diags) = build(roots[i], &catalog);
        diags.extend(std::mem::take(&mut found[i]));
        if let Some(rgd) = &rgd {
            catalog.add_crd_json(&rgd.crd);
        }
        let name = roots[i].get("metadata").and_then(|m| m.get("name")).and_then(Node::as_str).map(str::to_string);
        built[i] = Some(CompiledDocument { index: i, name, rgd, diagnostics: diags.into_sorted() });
    }
    built.into_iter().flatten().collect()
}

/// The `(group, kind)` an RGD defines.
fn defined_kind(root: &Node) -> Option<(String, String)> {
    defined_api(root).map(|(group, kind, _)| (group, kind))
}

/// The group, kind and scope of the API an RGD defines (before it is built, from its text alone).
pub(crate) fn defined_api(root: &Node) -> Option<(String, String, Scope)> {
    let schema = root.get("spec")?.get("schema")?;
    let kind = schema.get("kind")?.as_str()?;
    let group = schema.get("group").and_then(Node::as_str).unwrap_or(DEFAULT_GROUP);
    let scope = match schema.get("scope").and_then(Node::as_str) {
        Some("Cluster") => Scope::Cluster,
        _ => Scope::Namespaced,
    };
    Some((group.to_string(), kind.to_string(), scope))
}

/// The `(group, kind)`s an RGD's resources are of.
pub(crate) fn used_kinds(root: &Node) -> Vec<(String, String)> {
    let resources = root.get("spec").and_then(|s| s.get("resources")).and_then(Node::as_seq).unwrap_or_default();
    resources
        .iter()
        .filter_map(|r| r.get("template").or_else(|| r.get("externalRef")))
        .filter_map(|body| {
            let api_version = body.get("apiVersion")?.as_str()?;
            let kind = body.get("kind")?.as_str()?;
            let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
            Some((group.to_string(), kind.to_string()))
        })
        .collect()
}

fn register_rgd_api(root: &Node, catalog: &mut Catalog) {
    if let Some((group, kind, scope)) = defined_api(root) {
        catalog.add(&group, &kind, scope);
    }
}
