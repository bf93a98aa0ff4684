//! The graph build's validation rules, one file per rule in the manner of ruff's: each file's documentation
//! says what the rule rejects, why (kro's rule, with the kro source it follows) and gives an example; users
//! read the same per code in `docs/diagnostics.md`. [`super::build`] runs them in a fixed order, so the
//! diagnostics of an RGD always come out the same.
//!
//! Rules over expression sites: [`references`], [`omit`], [`conditions`], [`status_reads`]. Rules over each
//! resource's template or externalRef ([`ResourceBody`]): [`reserved_metadata`], [`template_fields`], [`api_rules`],
//! [`namespace_scope`], [`crd_templates`], [`for_each_identity`]. Over the whole graph: [`cycles`].

pub(super) mod api_rules;
pub(super) mod conditions;
pub(super) mod crd_templates;
pub(super) mod cycles;
pub(super) mod for_each_identity;
pub(super) mod namespace_scope;
pub(super) mod omit;
pub(super) mod references;
pub(super) mod reserved_metadata;
pub(super) mod status_reads;
pub(super) mod template_fields;

use crate::catalog::Catalog;
use crate::diagnostics::Path;
use crate::graph::model::{ExprSite, Role};
use crate::kube::Scope;
use crate::rgd::{Body, ResourceDef};
use crate::yaml::Node;

/// A resource's template or externalRef with what the per-resource rules look at.
pub(super) struct ResourceBody<'r, 'a> {
    /// Position of the resource in `rgd.resources`, as expression sites name it.
    pub position: usize,
    pub res: &'r ResourceDef<'a>,
    pub body: &'r Body<'a>,
    /// The body's `metadata`, when it has one.
    pub metadata: Option<&'a Node>,
    /// Where `metadata` is (or would be).
    pub meta_path: Path,
    /// The API group of the kind (`""` for the core group).
    pub group: &'r str,
    /// The kind's scope, when the catalog knows the kind.
    pub scope: Option<Scope>,
}

impl<'r, 'a> ResourceBody<'r, 'a> {
    /// The body of `res`, or `None` when it has none (the reader reported why).
    pub(super) fn of(position: usize, res: &'r ResourceDef<'a>, catalog: &Catalog) -> Option<Self> {
        let body = res.body.as_ref()?;
        let (group, _) = body.group_version();
        Some(ResourceBody {
            position,
            res,
            body,
            metadata: body.node.get("metadata"),
            meta_path: body.path.key("metadata"),
            group,
            scope: catalog.scope(group, &body.kind_name),
        })
    }

    /// The expression sites of this resource that play `role`.
    pub(super) fn sites<'s>(&self, sites: &'s [ExprSite], role: Role) -> impl Iterator<Item = &'s ExprSite> {
        let position = self.position;
        sites.iter().filter(move |s| s.resource == Some(position) && s.role == role)
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::Code;

    /// Each rule file's text, by name.
    const RULES: &[(&str, &str)] = &[
        ("api_rules", include_str!("api_rules.rs")),
        ("conditions", include_str!("conditions.rs")),
        ("crd_templates", include_str!("crd_templates.rs")),
        ("cycles", include_str!("cycles.rs")),
        ("for_each_identity", include_str!("for_each_identity.rs")),
        ("namespace_scope", include_str!("namespace_scope.rs")),
        ("omit", include_str!("omit.rs")),
        ("references", include_str!("references.rs")),
        ("reserved_metadata", include_str!("reserved_metadata.rs")),
        ("status_reads", include_str!("status_reads.rs")),
        ("template_fields", include_str!("template_fields.rs")),
    ];

    #[test]
    fn every_rule_documents_what_it_rejects_why_with_an_example_and_each_code_it_emits() {
        for (name, text) in RULES {
            let doc: String = text.lines().filter_map(|l| l.strip_prefix("//!")).collect::<Vec<_>>().join("\n");
            for section in ["## What it rejects", "## Why", "## Example"] {
                assert!(doc.contains(section), "{name}.rs has no `{section}` section");
            }
            assert!(doc.contains("pkg/"), "{name}.rs does not name the kro source it follows");
            // The codes the rule's code names: `Code::` followed by a variant.
            let emitted = text.split("Code::").skip(1).filter_map(|rest| {
                let variant: String = rest.chars().take_while(char::is_ascii_alphanumeric).collect();
                Code::ALL.iter().find(|c| format!("{c:?}") == variant)
            });
            for code in emitted {
                assert!(doc.contains(&format!("`{}`", code.as_str())), "{name}.rs emits {code:?} without naming it");
            }
        }
    }
}
