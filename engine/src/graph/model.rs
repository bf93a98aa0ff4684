//! What a successful build yields: the instance API, its CRD, the resources with their dependencies and waves,
//! and every expression with what it reads. Immutable; the planner evaluates against it per reconcile.

use serde::Serialize;
use serde_json::Value;

use crate::diagnostics::Path;
use crate::kube::Scope;
use crate::yaml::Span;

/// The API an RGD defines.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceApi {
    /// The API group (`spec.schema.group`, `kro.run` by default).
    pub group: String,
    /// The version the RGD serves, e.g. `v1alpha1`.
    pub version: String,
    /// The kind instances have.
    pub kind: String,
    /// The lower-case plural in URLs and `kubectl get`.
    pub plural: String,
    /// The lower-case singular name.
    pub singular: String,
    /// Whether instances live in a namespace.
    pub scope: Scope,
}

impl InstanceApi {
    /// `group/version`, as instances write their `apiVersion`.
    pub fn api_version(&self) -> String {
        format!("{}/{}", self.group, self.version)
    }
}

/// One forEach dimension.
#[derive(Debug, Clone, Serialize)]
pub struct Dimension {
    /// The iterator name the templates read.
    pub name: String,
    /// The CEL expression that yields the list to iterate.
    pub expression: String,
}

/// A resource of the graph.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// The id other resources refer to it by.
    pub id: String,
    /// The `apiVersion` of its template or externalRef.
    pub api_version: String,
    /// The kind of its template or externalRef.
    pub kind: String,
    /// Ids this resource reads, in declaration order, and the implicit dependencies.
    pub depends_on: Vec<String>,
    /// The dependencies no expression reads (kro-rs extension): a resource of the kind a CRD template of the
    /// same RGD defines waits for that CRD. Also in `depends_on`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub implicit_depends_on: Vec<String>,
    /// kro's apply-order wave (1 = applied first; deletion runs from the highest wave down).
    pub wave: usize,
    /// `includeWhen` expressions: all must be true for the resource to exist.
    pub include_when: Vec<String>,
    /// `readyWhen` expressions: all must be true on the observed object for it to count as ready.
    pub ready_when: Vec<String>,
    /// The readiness kro-rs checks when `readyWhen` is empty and existing is not enough: a CRD template is
    /// ready once `Established` (kro-rs extension).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_ready_when: Option<String>,
    /// `forEach` dimensions; a resource with any is a collection.
    pub for_each: Vec<Dimension>,
    /// Read through an externalRef, never created, updated or deleted.
    pub external: bool,
    /// The template (or externalRef) as written.
    #[serde(skip)]
    pub template: Value,
    /// Where the resource's entry of `spec.resources` is in the compiled text (editors point at it); empty for
    /// an RGD compiled from JSON.
    #[serde(skip)]
    pub span: Span,
    /// Where the value of its `id` is in the compiled text.
    #[serde(skip)]
    pub id_span: Span,
}

/// Where an expression sits and what it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Role {
    /// A value of a resource template.
    Template,
    /// A value of an `externalRef`.
    ExternalRef,
    /// A `forEach` dimension.
    ForEach,
    /// An `includeWhen` condition.
    IncludeWhen,
    /// A `readyWhen` condition.
    ReadyWhen,
    /// A field of `spec.schema.status`.
    Status,
    /// A custom condition of the instance status.
    Condition,
}

impl Role {
    /// The role as the RGD spells it, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Role::Template => "template",
            Role::ExternalRef => "externalRef",
            Role::ForEach => "forEach",
            Role::IncludeWhen => "includeWhen",
            Role::ReadyWhen => "readyWhen",
            Role::Status => "status",
            Role::Condition => "status.conditions",
        }
    }

    /// Whether references from this role order resources (readyWhen reads the resource itself, after creation).
    pub fn adds_edges(self) -> bool {
        matches!(self, Role::Template | Role::ExternalRef | Role::ForEach | Role::IncludeWhen)
    }
}

/// One `${...}` of the RGD.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExprSite {
    /// Index of the owning resource; `None` for status.
    pub resource: Option<usize>,
    /// Which part of the RGD it is in.
    pub role: Role,
    /// Path inside the RGD of the value holding the expression.
    pub path: Path,
    /// The expression text between `${` and `}`.
    pub expression: String,
    /// Whether the expression is the whole value (its result keeps its type) or part of a string template.
    pub standalone: bool,
    /// Free variables the expression reads, sorted.
    pub references: Vec<String>,
    /// Where the expression is in the text.
    pub span: Span,
    /// The parsed expression, kept so later passes (type checking, evaluation) do not parse it again.
    #[serde(skip)]
    pub(crate) parsed: Option<std::sync::Arc<crate::expr::Parsed>>,
}

/// A validated RGD.
#[derive(Debug, Clone)]
pub struct CompiledRgd {
    /// The RGD's `metadata.name`.
    pub(crate) name: String,
    /// The API the RGD defines for its instances.
    pub(crate) api: InstanceApi,
    /// The generated CustomResourceDefinition, as JSON.
    pub(crate) crd: Value,
    /// The resources, in declaration order.
    pub(crate) resources: Vec<Resource>,
    /// Resource indices in topological order.
    pub(crate) order: Vec<usize>,
    /// Every expression of the RGD, in document order.
    pub(crate) expressions: Vec<ExprSite>,
    /// `spec.schema.status` as written (expressions unevaluated): what the planner projects.
    pub(crate) status_template: Value,
    /// Where the kinds the RGD's own CRD templates define will be served (kro-rs extension), for hosts whose
    /// catalog does not know them yet.
    pub(crate) installed_types: Vec<crate::catalog::ResourceType>,
    /// `spec.serviceAccountName` (kro-rs extension): the operator applies, reads and deletes each instance's
    /// resources as this ServiceAccount of the instance's namespace ([`CompiledRgd::service_account`]).
    pub(crate) service_account_name: Option<String>,
    /// The templates compiled for evaluation, once an [`crate::Engine`] compiled the RGD (plans of an RGD
    /// built without one compile them on each use).
    pub(crate) templates: Option<std::sync::Arc<super::CompiledTemplates>>,
}

impl Resource {
    /// The conditions that decide readiness: `readyWhen` as written, else the default one, if any.
    pub fn readiness(&self) -> &[String] {
        match &self.default_ready_when {
            Some(default) if self.ready_when.is_empty() => std::slice::from_ref(default),
            _ => &self.ready_when,
        }
    }
}

/// Read-only views: what the engine compiled is not for a host to rewrite (a host that reorders `order` or edits a
/// resource would plan something the engine never checked).
impl CompiledRgd {
    /// The RGD's `metadata.name`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The API the RGD defines for its instances.
    pub fn api(&self) -> &InstanceApi {
        &self.api
    }

    /// The generated CustomResourceDefinition, as JSON.
    pub fn crd(&self) -> &Value {
        &self.crd
    }

    /// The resources, in declaration order.
    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    /// Resource indices in topological order.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// Every expression of the RGD, in document order.
    pub fn expressions(&self) -> &[ExprSite] {
        &self.expressions
    }

    /// `spec.schema.status` as written (expressions unevaluated).
    pub fn status_template(&self) -> &Value {
        &self.status_template
    }

    /// Where the kinds the RGD's own CRD templates define will be served.
    pub fn installed_types(&self) -> &[crate::catalog::ResourceType] {
        &self.installed_types
    }

    /// `spec.serviceAccountName` (kro-rs extension).
    pub fn service_account_name(&self) -> Option<&str> {
        self.service_account_name.as_deref()
    }
}

impl CompiledRgd {
    /// The Kubernetes user the operator acts as for the resources of an instance in `namespace`: the RGD's
    /// ServiceAccount there, or `None` (the operator's own identity, as in kro) when the RGD names none.
    pub fn service_account(&self, namespace: &str) -> Option<String> {
        let name = self.service_account_name.as_deref()?;
        Some(format!("system:serviceaccount:{namespace}:{name}"))
    }

    /// The compiled templates, when the RGD has them.
    pub(crate) fn templates(&self) -> Option<&super::CompiledTemplates> {
        self.templates.as_deref()
    }

    /// Compiles every template with `evaluator`, so plans only evaluate.
    pub(crate) fn compile_templates(&mut self, evaluator: &crate::expr::eval::Evaluator) {
        self.templates = Some(std::sync::Arc::new(super::CompiledTemplates::new(self, evaluator)));
    }

    /// Where a kind one of the RGD's CRD templates defines will be served, at `api_version`.
    pub fn installed_type(&self, api_version: &str, kind: &str) -> Option<&crate::catalog::ResourceType> {
        self.installed_types.iter().find(|t| t.kind == kind && t.api_version() == api_version)
    }

    /// The resource ids in topological order (the order `status.topologicalOrder` lists).
    pub fn topological_ids(&self) -> Vec<&str> {
        self.order.iter().map(|i| self.resources[*i].id.as_str()).collect()
    }
}
