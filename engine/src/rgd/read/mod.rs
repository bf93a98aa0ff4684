//! Reading an RGD document into the model ([`super::model`]), reporting every structural error with its path and
//! span and reading on: the document and its metadata here, `spec.schema` in [`schema`], `spec.resources` in
//! [`resources`].

mod resources;
mod schema;

use super::access::Fields;
use super::model::{RGD_API_VERSION, RGD_KIND, Rgd, SchemaDef};
use crate::diagnostics::{Code, Diagnostics, Path};
use crate::kube::Scope;
use crate::kube::formats::is_dns_subdomain;
use crate::yaml::Node;

/// Whether `doc` declares itself an RGD; other documents are not checked further.
pub(crate) fn is_rgd(doc: &Node) -> bool {
    doc.get("kind").and_then(Node::as_str) == Some(RGD_KIND)
}

/// Reads an RGD document. Returns `None` only when the document is not an RGD at all or lacks `spec.schema`
/// (nothing useful can follow); every other problem is reported and reading goes on.
pub(crate) fn read_rgd<'a>(doc: &'a Node, diags: &mut Diagnostics) -> Option<Rgd<'a>> {
    let top = Fields::of(doc, Path::root(), "an RGD document", diags)?;
    let api_version = doc.get("apiVersion").and_then(Node::as_str);
    let kind = doc.get("kind").and_then(Node::as_str);
    if api_version != Some(RGD_API_VERSION) || kind != Some(RGD_KIND) {
        let at = doc.entry("kind").or_else(|| doc.entry("apiVersion")).map_or(top.anchor(), |(_, v)| v.span);
        diags.error(
            Code::NotAnRgd,
            format!(
                "this document is not a ResourceGraphDefinition (apiVersion {}, kind {}); expected apiVersion {RGD_API_VERSION} and kind {RGD_KIND}",
                api_version.map_or("missing".to_string(), |s| format!("{s:?}")),
                kind.map_or("missing".to_string(), |s| format!("{s:?}")),
            ),
            &Path::root().key("kind"),
            at,
        );
        return None;
    }
    let name = read_metadata(&top, diags);
    let spec = top.required("spec", "an RGD needs a spec with a schema", diags)?;
    let spec = Fields::of(spec.node, top.path("spec"), "spec", diags)?;
    spec.deny_unknown(&["schema", "resources", "serviceAccountName"], diags);
    let schema = schema::read_schema(&spec, diags);
    let resources = resources::read_resources(&spec, diags);
    let schema = schema?;
    let service_account_name = read_service_account(&spec, &schema, diags);
    Some(Rgd { name: name.unwrap_or_default(), schema, resources, service_account_name })
}

/// `spec.serviceAccountName`: a ServiceAccount name, looked up in each instance's namespace, so the instance kind
/// must be namespaced (docs/decisions/0015).
fn read_service_account(spec: &Fields<'_>, schema: &SchemaDef<'_>, diags: &mut Diagnostics) -> Option<String> {
    let (name, node) = spec.string("serviceAccountName", diags)?;
    let problem = if !is_dns_subdomain(name) {
        "is not a valid ServiceAccount name: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
    } else if schema.scope == Scope::Cluster {
        "needs namespaced instances: the ServiceAccount is looked up in each instance's namespace, and instances of this cluster-scoped kind have none"
    } else {
        return Some(name.to_string());
    };
    diags.error(
        Code::InvalidServiceAccount,
        format!("spec.serviceAccountName {name:?} {problem}"),
        &spec.path("serviceAccountName"),
        node.span,
    );
    None
}

fn read_metadata(top: &Fields<'_>, diags: &mut Diagnostics) -> Option<String> {
    let field = top.required("metadata", "an RGD needs metadata.name", diags)?;
    let meta = Fields::of(field.node, top.path("metadata"), "metadata", diags)?;
    let (name, node) = meta.required_string("name", "every Kubernetes object has a name", diags)?;
    if !is_dns_subdomain(name) {
        diags.error(
            Code::InvalidName,
            format!("metadata.name {name:?} is not a valid object name: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"),
            &meta.path("name"),
            node.span,
        );
    }
    Some(name.to_string())
}
