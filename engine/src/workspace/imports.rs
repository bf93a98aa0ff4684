//! The kinds RGD documents of a workspace define for each other: which document defines which kind, the
//! order to compile documents in so a definition is compiled before its users, and what each document
//! imports — the generated CRD of a kind another document defines, or only the kind's name when that
//! document has no valid RGD for it yet (or the documents use each other's kinds in a cycle), as
//! `compile_documents` falls back within one text.

use std::collections::HashMap;

use serde_json::Value;

use crate::catalog::Catalog;
use crate::compile::{self, CompiledDocument, InputLimits, Source};
use crate::diagnostics::Diagnostic;
use crate::graph::dag::Dag;
use crate::kube::Scope;

/// A group and kind.
type Kind = (String, String);

/// An RGD document's text, loaded once per version, with the kinds it defines and uses.
#[derive(Debug)]
pub(super) struct Loaded {
    pub version: u64,
    pub source: Result<Source, Diagnostic>,
    /// The API each of its RGDs defines.
    pub defines: Vec<(String, String, Scope)>,
    /// The kinds its resources are of.
    pub uses: Vec<Kind>,
}

impl Loaded {
    pub(super) fn new(text: &str, version: u64, limits: &InputLimits) -> Loaded {
        let source = compile::load_source(text, limits);
        let roots: Vec<_> = source.iter().flat_map(|s| &s.documents).filter_map(|d| d.root.as_ref()).collect();
        let defines = roots.iter().filter(|r| crate::rgd::is_rgd(r)).filter_map(|r| compile::defined_api(r)).collect();
        let mut uses: Vec<Kind> = roots.iter().flat_map(|r| compile::used_kinds(r)).collect();
        uses.sort();
        uses.dedup();
        Loaded { version, source, defines, uses }
    }
}

/// What one document is compiled with of another's: its generated CRD, or only its kind.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Import {
    Crd(Value),
    Kind { group: String, kind: String, scope: Scope },
}

impl Import {
    pub(super) fn add_to(&self, catalog: &mut Catalog) {
        match self {
            Import::Crd(crd) => {
                catalog.add_crd_json(crd);
            }
            Import::Kind { group, kind, scope } => catalog.add(group, kind, *scope),
        }
    }
}

/// What one document of the order needs to know of the others: the kinds it defines and uses.
pub(super) struct Summary<'a> {
    pub defines: &'a [(String, String, Scope)],
    pub uses: &'a [Kind],
}

/// The document defining each kind: the first in name order, so two documents defining one kind do not make
/// the answer depend on which was compiled last.
fn definers(docs: &[Summary<'_>]) -> HashMap<Kind, (usize, Scope)> {
    let mut definers = HashMap::new();
    for (i, doc) in docs.iter().enumerate() {
        for (group, kind, scope) in doc.defines {
            definers.entry((group.clone(), kind.clone())).or_insert((i, *scope));
        }
    }
    definers
}

/// The order to compile documents in: a document after those defining the kinds it uses, documents that
/// use each other's kinds in a cycle last.
pub(super) fn order(docs: &[Summary<'_>]) -> Vec<usize> {
    let definers = definers(docs);
    let edges = docs.iter().enumerate().flat_map(|(i, doc)| {
        doc.uses
            .iter()
            .filter_map(|k| definers.get(k))
            .map(|(j, _)| (i, *j))
            .filter(|(i, j)| i != j)
            .collect::<Vec<_>>()
    });
    Dag::new(docs.len(), edges).order_with_cycles_last()
}

/// The kinds defined so far in one pass over the documents.
pub(super) struct Available {
    definers: HashMap<Kind, (usize, Scope)>,
    compiled: HashMap<Kind, Value>,
}

impl Available {
    pub(super) fn new(docs: &[Summary<'_>]) -> Available {
        Available { definers: definers(docs), compiled: HashMap::new() }
    }

    /// What document `me`, using `uses`, imports of the others, in a fixed order (part of its compile key).
    pub(super) fn imports_of(&self, me: usize, uses: &[Kind]) -> Vec<Import> {
        uses.iter()
            .filter_map(|k| {
                let (definer, scope) = self.definers.get(k)?;
                if *definer == me {
                    return None;
                }
                Some(match self.compiled.get(k) {
                    Some(crd) => Import::Crd(crd.clone()),
                    None => Import::Kind { group: k.0.clone(), kind: k.1.clone(), scope: *scope },
                })
            })
            .collect()
    }

    /// Records the generated CRDs of the valid RGDs document `me` defines its kinds with.
    pub(super) fn record(&mut self, me: usize, docs: &[CompiledDocument]) {
        for rgd in docs.iter().filter_map(|d| d.rgd.as_ref()) {
            let kind = (rgd.api.group.clone(), rgd.api.kind.clone());
            if self.definers.get(&kind).is_some_and(|(definer, _)| *definer == me) {
                self.compiled.insert(kind, rgd.crd.clone());
            }
        }
    }
}
