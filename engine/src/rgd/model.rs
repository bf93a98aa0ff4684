//! The RGD as the engine sees it (KRO-SEMANTICS section 2): the types the readers ([`super::read`]) fill in
//! from the YAML tree. Values stay borrowed from the tree so later stages can still point at the source.

use serde_json::{Map, Value};

use crate::diagnostics::Path;
use crate::kube::Scope;
use crate::yaml::{Node, Span};

pub(crate) const RGD_API_VERSION: &str = "kro.run/v1alpha1";
pub(crate) const RGD_KIND: &str = "ResourceGraphDefinition";
pub(crate) const DEFAULT_GROUP: &str = "kro.run";

/// `spec.schema`: the API the RGD defines.
#[derive(Debug)]
pub(crate) struct SchemaDef<'a> {
    pub api_version: String,
    pub kind: String,
    pub group: String,
    pub scope: Scope,
    pub spec: Option<&'a Node>,
    pub types: Option<&'a Node>,
    pub status: Option<&'a Node>,
    pub printer_columns: Option<Vec<Value>>,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub labels: Map<String, Value>,
    pub annotations: Map<String, Value>,
    pub path: Path,
}

/// One `spec.resources[i]`.
#[derive(Debug)]
pub(crate) struct ResourceDef<'a> {
    pub index: usize,
    pub id: String,
    pub id_span: Span,
    pub node: &'a Node,
    pub path: Path,
    /// The template or the externalRef, whichever the resource has.
    pub body: Option<Body<'a>>,
    pub ready_when: Vec<&'a Node>,
    pub include_when: Vec<&'a Node>,
    pub for_each: Vec<ForEachDimension<'a>>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum BodyKind {
    Template,
    ExternalRef,
}

#[derive(Debug, Clone)]
pub(crate) struct Body<'a> {
    pub kind: BodyKind,
    pub node: &'a Node,
    pub path: Path,
    pub api_version: String,
    pub kind_name: String,
    pub kind_span: Span,
    /// No structural error was found in it (apiVersion, kind and metadata are usable), so later checks of its
    /// fields make sense.
    pub well_formed: bool,
}

impl Body<'_> {
    /// `(group, version)` of the apiVersion; the core group is `""`.
    pub(crate) fn group_version(&self) -> (&str, &str) {
        self.api_version.split_once('/').unwrap_or(("", &self.api_version))
    }
}

/// One forEach dimension as written, `- name: ${expr}`: the iterator name and the node holding its list
/// expression. (Named apart from [`std::iter::Iterator`], which a glob import of this module would shadow.)
#[derive(Debug, Clone)]
pub(crate) struct ForEachDimension<'a> {
    pub name: String,
    pub name_span: Span,
    pub value: &'a Node,
    pub path: Path,
}

/// A whole RGD as read: `metadata.name`, `spec.schema` and the `spec.resources` entries that could be read.
#[derive(Debug)]
pub(crate) struct Rgd<'a> {
    pub name: String,
    pub schema: SchemaDef<'a>,
    pub resources: Vec<ResourceDef<'a>>,
    /// `spec.serviceAccountName` (kro-rs extension): the ServiceAccount, in each instance's namespace, whose
    /// rights the operator uses for that instance's resources.
    pub service_account_name: Option<String>,
}

/// The fields of `spec.schema`.
pub(crate) const SCHEMA_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "group",
    "scope",
    "spec",
    "types",
    "status",
    "additionalPrinterColumns",
    "shortNames",
    "categories",
    "metadata",
];

/// The fields of a `spec.resources[]` entry.
pub(crate) const RESOURCE_FIELDS: &[&str] = &["id", "template", "externalRef", "readyWhen", "includeWhen", "forEach"];

/// Most forEach dimensions kro accepts (its --rgd-max-collection-dimension-size default).
pub(crate) const MAX_FOR_EACH_DIMENSIONS: usize = 10;
