//! Rule: `omit()` is used only where kro allows it.
//!
//! ## What it rejects
//! `omit()` (code `omit-not-allowed`)
//! - while kro's `CELOmitFunction` feature gate is off (the default);
//! - outside a resource's template or externalRef (in status, conditions, readyWhen, includeWhen, forEach);
//! - on a field the object cannot do without: `metadata.name`, and `metadata.namespace` of a namespaced
//!   resource of a cluster-scoped instance (there is no instance namespace to fall back on).
//!
//! ## Why
//! kro registers `omit()` only behind its feature gate (`pkg/features`), removes omitted fields only while
//! rendering templates, and refuses it on identity fields (`pkg/graph/validation.go`,
//! `validateIdentityFields`): an omitted name or namespace would silently break ownership and tracking.
//!
//! ## Example
//! ```yaml
//! metadata:
//!   name: ${schema.spec.name == '' ? omit() : schema.spec.name}   # the field is required
//! ```
//!
//! The code is documented for users in `docs/diagnostics.md`.

use crate::catalog::Catalog;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::expr::check::{OMIT_GATE_MESSAGE, uses_omit};
use crate::graph::model::{ExprSite, Role};
use crate::kube::Scope;
use crate::rgd::Rgd;

/// kro's rules for `omit()`: its feature gate, template expressions only, and never on a field the object
/// cannot do without (`metadata.name`; `metadata.namespace` of a namespaced resource of a cluster-scoped
/// instance). Returns whether the site follows them.
pub(in crate::graph) fn check(site: &ExprSite, rgd: &Rgd<'_>, catalog: &Catalog, diags: &mut Diagnostics) -> bool {
    if !site.parsed.as_deref().is_some_and(uses_omit) {
        return true;
    }
    let owner = site.resource.map(|i| &rgd.resources[i]);
    let context = owner
        .map_or_else(|| site.role.describe().to_string(), |r| format!("resource {:?} {}", r.id, site.role.describe()));
    if !catalog.features().omit {
        diags.push(
            Diagnostic::error(
                Code::OmitNotAllowed,
                format!("{context}: {OMIT_GATE_MESSAGE}"),
                site.path.clone(),
                site.span,
            )
            .with_help("omit() is an alpha function of kro, off by default; enable kro's CELOmitFunction feature gate, or give the field a value in every case"),
        );
        return false;
    }
    let body = owner.and_then(|r| r.body.as_ref());
    let (Some(res), Some(body), Role::Template | Role::ExternalRef) = (owner, body, site.role) else {
        diags.error(
            Code::OmitNotAllowed,
            format!("{context}: omit() can only be used in resource template expressions"),
            &site.path,
            site.span,
        );
        return false;
    };
    let relative = site.path.strip_prefix(&body.path).map(|p| p.to_string()).unwrap_or_default();
    let (group, _) = body.group_version();
    let required = relative == "metadata.name"
        || (relative == "metadata.namespace"
            && rgd.schema.scope == Scope::Cluster
            && catalog.scope(group, &body.kind_name) == Some(Scope::Namespaced));
    if required {
        diags.error(
            Code::OmitNotAllowed,
            format!(
                "resource {:?}: omit() cannot be used at path {relative:?} — the field is required and must resolve to a concrete value",
                res.id
            ),
            &site.path,
            site.span,
        );
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use crate::catalog::Catalog;
    use crate::expr::library::Features;
    use crate::yaml::{Limits, load_documents};

    /// An RGD of the given scope, with `status` and `resources` (YAML, already indented) filled in.
    fn rgd(scope: &str, status: &str, resources: &str) -> String {
        format!(
            r#"apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: test
spec:
  schema:
    apiVersion: v1alpha1
    kind: App
    scope: {scope}
    spec:
      name: string
      ns: string
      items: "[]string"
    status:
{status}
  resources:
{resources}"#
        )
    }

    /// The (code, path, message) of every diagnostic of `text`, built with `omit` on or off.
    fn diagnostics(text: &str, omit: bool) -> Vec<(String, String, String)> {
        let catalog = Catalog::builtin().with_features(Features { omit });
        let documents = load_documents(text, Limits::default()).expect("the test RGD is YAML");
        let root = documents.first().and_then(|d| d.root.as_ref()).expect("the test RGD is one document");
        let (_, diags) = crate::graph::build(root, &catalog);
        diags.into_sorted().into_iter().map(|d| (d.code.to_string(), d.path.to_string(), d.message)).collect()
    }

    fn omit_error(path: &str, message: &str) -> (String, String, String) {
        ("omit-not-allowed".to_string(), path.to_string(), message.to_string())
    }

    /// A `ConfigMap` whose data may be left out, with `name` and `namespace` as given.
    fn config_map(name: &str, namespace: &str) -> String {
        format!(
            r#"    - id: config
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: "{name}"
          namespace: "{namespace}"
        data:
          key: "${{schema.spec.name == '' ? omit() : schema.spec.name}}"
"#
        )
    }

    const NAME: &str = "${schema.spec.name}";
    const STATUS: &str = "      name: ${schema.spec.name}";
    const MAYBE_NAME: &str = "${schema.spec.name == '' ? omit() : schema.spec.name}";
    const MAYBE_NAMESPACE: &str = "${schema.spec.ns == '' ? omit() : schema.spec.ns}";

    #[test]
    fn omit_in_a_template_field_builds_when_the_gate_is_on() {
        let text = rgd("Namespaced", STATUS, &config_map(NAME, MAYBE_NAMESPACE));
        assert_eq!(diagnostics(&text, true), vec![]);
    }

    #[test]
    fn omit_needs_the_gate_wherever_it_is() {
        let status = format!("      name: \"{MAYBE_NAME}\"");
        let text = rgd("Namespaced", &status, &config_map(NAME, "default"));
        let gate = "omit() requires the CELOmitFunction feature gate to be enabled";
        assert_eq!(
            diagnostics(&text, false),
            vec![
                omit_error("spec.schema.status.name", &format!("status: {gate}")),
                omit_error("spec.resources[0].template.data.key", &format!("resource \"config\" template: {gate}")),
            ]
        );
    }

    #[test]
    fn omit_is_for_resource_templates_only() {
        let resources = r#"    - id: config
      includeWhen:
        - "${schema.spec.name == '' ? omit() : true}"
      readyWhen:
        - "${each.data.key == '' ? omit() : true}"
      forEach:
        - region: "${size(schema.spec.items) > 0 ? schema.spec.items : omit()}"
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: "${schema.spec.name + region}"
"#;
        let status = r#"      name: "${schema.spec.name == '' ? omit() : schema.spec.name}"
      conditions:
        - "${schema.spec.name == '' ? omit() : runtime.newCondition({type: 'A', status: 'True'})}""#;
        let only = "omit() can only be used in resource template expressions";
        let mut found: Vec<String> = diagnostics(&rgd("Namespaced", status, resources), true)
            .into_iter()
            .map(|(code, _, message)| format!("{code}: {message}"))
            .collect();
        let mut expected: Vec<String> = ["status", "status.conditions", "resource \"config\" readyWhen"]
            .iter()
            .chain(&["resource \"config\" includeWhen", "resource \"config\" forEach"])
            .map(|context| format!("omit-not-allowed: {context}: {only}"))
            .collect();
        found.sort();
        expected.sort();
        assert_eq!(found, expected);
    }

    #[test]
    fn omit_cannot_leave_out_an_objects_identity() {
        let message = |path: &str| {
            format!(
                "resource \"config\": omit() cannot be used at path \"{path}\" — the field is required and must \
                 resolve to a concrete value"
            )
        };
        assert_eq!(
            diagnostics(&rgd("Namespaced", STATUS, &config_map(MAYBE_NAME, "default")), true),
            vec![omit_error("spec.resources[0].template.metadata.name", &message("metadata.name"))]
        );
        // metadata.namespace: only a namespaced resource of a cluster-scoped instance has no namespace to fall
        // back on.
        let namespace = config_map(NAME, MAYBE_NAMESPACE);
        assert_eq!(diagnostics(&rgd("Namespaced", STATUS, &namespace), true), vec![]);
        assert_eq!(
            diagnostics(&rgd("Cluster", STATUS, &namespace), true),
            vec![omit_error("spec.resources[0].template.metadata.namespace", &message("metadata.namespace"))]
        );
    }
}
