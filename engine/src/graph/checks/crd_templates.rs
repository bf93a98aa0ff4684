//! Rule: a CustomResourceDefinition template has expressions in its metadata only.
//!
//! ## What it rejects
//! A `${...}` anywhere in a `CustomResourceDefinition` template outside `metadata` (`crd-template-expression`).
//!
//! ## Why
//! kro reads CRD templates without a schema and refuses expressions outside `metadata.` in them
//! (`pkg/graph/builder.go`): the CRD's own schema is what instances of it are checked against, so it must
//! be known when the RGD is built, not computed per instance.
//!
//! ## Example
//! ```yaml
//! template:
//!   apiVersion: apiextensions.k8s.io/v1
//!   kind: CustomResourceDefinition
//!   spec:
//!     scope: ${schema.spec.scope}   # only metadata may hold expressions
//! ```
//!
//! The code is documented for users in `docs/diagnostics.md`.

use super::ResourceBody;
use crate::diagnostics::{Code, Diagnostics};
use crate::graph::model::{ExprSite, Role};

pub(in crate::graph) fn check(rb: &ResourceBody<'_, '_>, sites: &[ExprSite], diags: &mut Diagnostics) {
    let (res, body, meta_path) = (rb.res, rb.body, &rb.meta_path);
    if rb.group == "apiextensions.k8s.io" && body.kind_name == "CustomResourceDefinition" {
        for site in rb.sites(sites, Role::Template).filter(|s| s.path.strip_prefix(meta_path).is_none()) {
            diags.error(
                Code::CrdTemplateExpression,
                format!(
                    "CEL expressions in CRDs are only supported for metadata fields, found in path {:?}, resource {}",
                    site.path.strip_prefix(&body.path).unwrap_or_default().to_string(),
                    res.id
                ),
                &site.path,
                site.span,
            );
        }
    }
}
