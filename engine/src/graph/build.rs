//! RGD -> validated graph: the spec schema, every expression and what it reads, kro's reference rules, the
//! DAG, and the CRD. Every independent problem is reported in one pass.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value, json};

use super::crd::{build_crd, canonical, instance_api};
use super::dag::Dag;
use super::expressions::Collector;
use super::model::{CompiledRgd, Dimension, ExprSite, Resource, Role};
use super::status::{user_status_schema, with_kro_fields};
use crate::catalog::Catalog;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::expr::check::{ConditionCalls, OMIT_GATE_MESSAGE, condition_calls, uses_omit};
use crate::expr::library::runtime::BUILTIN_CONDITION_TYPES;
use crate::rgd::{BodyKind, ResourceDef, Rgd, Scope, read_rgd, suggest};
use crate::simpleschema::SchemaBuilder;
use crate::yaml::Node;

/// Label and annotation prefixes kro keeps for itself.
const RESERVED_PREFIXES: &[&str] = &["kro.run/", "internal.kro.run/"];

/// Builds an RGD document. The result is `Some` only when there are no errors (warnings are fine).
pub fn build(doc: &Node, catalog: &Catalog) -> (Option<CompiledRgd>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let Some(rgd) = read_rgd(doc, &mut diags) else {
        return (None, diags);
    };
    let compiled = build_rgd(&rgd, catalog, &mut diags);
    if diags.has_errors() { (None, diags) } else { (compiled, diags) }
}

fn build_rgd(rgd: &Rgd<'_>, catalog: &Catalog, diags: &mut Diagnostics) -> Option<CompiledRgd> {
    let schema = &rgd.schema;
    let spec_schema = {
        let mut builder = SchemaBuilder::new(diags);
        if let Some(types) = schema.types {
            builder.load_custom_types(types, &schema.path.key("types"));
        }
        match schema.spec {
            Some(spec) => builder.structure(spec, &schema.path.key("spec")),
            None => Some(json!({"type": "object"})),
        }
    };

    let mut collector = Collector::new(diags);
    // Sites name their resource by position in `rgd.resources` (entries too broken to read are not there, so
    // this is not always the index in spec.resources).
    for (position, res) in rgd.resources.iter().enumerate() {
        collect_resource(position, res, &mut collector);
    }
    let mut user_status = schema
        .status
        .map(|status| user_status_schema(status, &schema.path.key("status"), &mut collector))
        .unwrap_or_default();
    let sites = std::mem::take(&mut collector.sites);

    // The first resource with a given id is the one references resolve to; duplicates were reported.
    let mut index_of: HashMap<&str, usize> = HashMap::new();
    for (i, res) in rgd.resources.iter().enumerate() {
        index_of.entry(res.id.as_str()).or_insert(i);
    }
    let mut ids: Vec<&str> = rgd.resources.iter().map(|r| r.id.as_str()).collect();
    ids.dedup();
    // Expressions breaking the reference rules (or kro's omit() and condition rules) were reported as such;
    // typing them would only repeat it.
    let conditions_ok = check_conditions(&sites, diags);
    let typeable: Vec<&ExprSite> = sites
        .iter()
        .zip(conditions_ok)
        .filter(|(site, condition_ok)| {
            let references_ok = check_references(site, rgd, &index_of, &ids, diags);
            let omit_ok = check_omit(site, rgd, catalog, diags);
            references_ok && omit_ok && *condition_ok
        })
        .map(|(site, _)| site)
        .collect();
    check_status_fields_read_something(&sites, diags);
    let instance_spec =
        spec_schema.clone().unwrap_or_else(|| json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}));
    let status_types = super::typecheck::typecheck(rgd, catalog, &instance_spec, &typeable, diags);
    super::typecheck::apply_status_types(&mut user_status, &schema.path.key("status"), status_types);
    for (position, res) in rgd.resources.iter().enumerate() {
        check_template_rules(position, res, rgd, catalog, &sites, diags);
    }

    let mut edges = Vec::new();
    for site in sites.iter().filter(|s| s.role.adds_edges()) {
        let Some(from) = site.resource else { continue };
        edges.extend(site.references.iter().filter_map(|name| index_of.get(name.as_str()).map(|&to| (from, to))));
    }
    let dag = Dag::new(rgd.resources.len(), edges);
    let cycles = dag.cycles();
    for cycle in &cycles {
        let mut names: Vec<&str> = cycle.iter().map(|i| rgd.resources[*i].id.as_str()).collect();
        names.push(names[0]);
        let first = &rgd.resources[cycle[0]];
        diags.push(
            Diagnostic::error(
                Code::Cycle,
                format!(
                    "graph contains a cycle: {} (each resource reads the next one, so none can be created first)",
                    names.join(" -> ")
                ),
                first.path.key("id"),
                first.id_span,
            )
            .with_help("break the cycle by reading the value from schema.spec, or by moving it into one resource"),
        );
    }

    if diags.has_errors() {
        return None;
    }
    let order = dag.topological_order()?;
    let waves = dag.waves(&order);
    let api = instance_api(schema);
    let status_schema = with_kro_fields(user_status);
    let crd = build_crd(&rgd.name, &api, schema, spec_schema?, canonical(status_schema));
    let resources = rgd
        .resources
        .iter()
        .enumerate()
        .map(|(i, res)| {
            let body = res.body.as_ref();
            Resource {
                id: res.id.clone(),
                api_version: body.map(|b| b.api_version.clone()).unwrap_or_default(),
                kind: body.map(|b| b.kind_name.clone()).unwrap_or_default(),
                depends_on: dag.sorted_deps(i).into_iter().map(|d| rgd.resources[d].id.clone()).collect(),
                wave: waves[i],
                include_when: res.include_when.iter().filter_map(|n| n.as_str().map(str::to_string)).collect(),
                ready_when: res.ready_when.iter().filter_map(|n| n.as_str().map(str::to_string)).collect(),
                for_each: res
                    .for_each
                    .iter()
                    .map(|it| Dimension {
                        name: it.name.clone(),
                        expression: it.value.as_str().unwrap_or_default().to_string(),
                    })
                    .collect(),
                external: matches!(body.map(|b| b.kind), Some(BodyKind::ExternalRef)),
                template: body.map_or(Value::Null, |b| b.node.to_json()),
            }
        })
        .collect();
    let status_template = schema.status.map_or(Value::Null, Node::to_json);
    Some(CompiledRgd {
        name: rgd.name.clone(),
        api,
        crd,
        resources,
        order,
        expressions: sites,
        status_template,
        templates: None,
    })
}

fn collect_resource(position: usize, res: &ResourceDef<'_>, collector: &mut Collector<'_>) {
    let r = Some(position);
    if let Some(body) = &res.body {
        let role = match body.kind {
            BodyKind::Template => Role::Template,
            BodyKind::ExternalRef => Role::ExternalRef,
        };
        collector.walk(body.node, &body.path, r, role);
    }
    for (i, node) in res.ready_when.iter().enumerate() {
        collector.value(node, &res.path.key("readyWhen").index(i), r, Role::ReadyWhen, true);
    }
    for (i, node) in res.include_when.iter().enumerate() {
        collector.value(node, &res.path.key("includeWhen").index(i), r, Role::IncludeWhen, true);
    }
    for it in &res.for_each {
        collector.value(it.value, &it.path, r, Role::ForEach, true);
    }
}

/// kro's reference rules: which names each kind of expression may read. Returns whether the site follows
/// them (only then is it worth type checking).
fn check_references(
    site: &ExprSite,
    rgd: &Rgd<'_>,
    index_of: &HashMap<&str, usize>,
    ids: &[&str],
    diags: &mut Diagnostics,
) -> bool {
    let errors_before = diags.error_count();
    let owner = site.resource.map(|i| &rgd.resources[i]);
    let iterators: Vec<&str> =
        owner.map(|r| r.for_each.iter().map(|it| it.name.as_str()).collect()).unwrap_or_default();
    let mut unknown = Vec::new();
    for name in &site.references {
        let name = name.as_str();
        let is_resource = index_of.contains_key(name);
        let own = owner.is_some_and(|r| r.id == name);
        match site.role {
            Role::ReadyWhen => {
                let collection = owner.is_some_and(|r| !r.for_each.is_empty());
                let allowed = if collection { name == "each" } else { own };
                if !allowed {
                    let id = owner.map_or("", |r| r.id.as_str());
                    let expected = if collection {
                        "`each` (the item being checked)".to_string()
                    } else {
                        format!("`{id}` itself")
                    };
                    diags.error(
                        Code::ReadyWhenReference,
                        format!("resource {id:?} readyWhen: references unknown identifiers: [{name}]; readyWhen may only read {expected}"),
                        &site.path,
                        site.span,
                    );
                }
            }
            Role::Template if iterators.contains(&name) => {}
            _ if own && site.role.adds_edges() => {
                diags.push(
                    Diagnostic::error(
                        Code::SelfReference,
                        format!("resource {name:?} refers to itself in its {}: self references are not allowed", site.role.describe()),
                        site.path.clone(),
                        site.span,
                    )
                    .with_help("a resource cannot read its own fields before it exists; read the value from schema.spec instead"),
                );
            }
            Role::ForEach if iterators.contains(&name) => diags.error(
                Code::InvalidForEach,
                format!(
                    "forEach iterator {:?} cannot reference other iterators (it reads {name:?}): each dimension is computed on its own",
                    match site.path.segments().last() {
                        Some(crate::diagnostics::Segment::Key(k)) => k.as_str(),
                        _ => "",
                    }
                ),
                &site.path,
                site.span,
            ),
            Role::Condition if name == "runtime" => {}
            _ if name == "runtime" => diags.push(
                Diagnostic::error(
                    Code::UnknownIdentifier,
                    format!(
                        "{}: runtime is only available in status.conditions expressions",
                        owner.map_or_else(
                            || site.role.describe().to_string(),
                            |r| format!("resource {:?} {}", r.id, site.role.describe())
                        )
                    ),
                    site.path.clone(),
                    site.span,
                )
                .with_help("runtime.newCondition and runtime.condition build the entries of schema.status.conditions"),
            ),
            _ if name == "schema" || is_resource => {}
            _ => unknown.push(name),
        }
    }
    if !unknown.is_empty() {
        let mut candidates: Vec<&str> = vec!["schema"];
        candidates.extend(ids.iter().copied());
        if site.role == Role::Template {
            candidates.extend(iterators.iter().copied());
        }
        let hints: Vec<String> =
            unknown.iter().filter_map(|u| suggest(u, &candidates).map(|s| format!("{s:?} instead of {u:?}"))).collect();
        let mut d = Diagnostic::error(
            Code::UnknownIdentifier,
            format!(
                "{}references unknown identifiers: [{}]; expressions may read `schema`{}",
                owner.map_or_else(
                    || format!("{}: ", site.role.describe()),
                    |r| format!("resource {:?} {}: ", r.id, site.role.describe())
                ),
                unknown.join(", "),
                if ids.is_empty() { String::new() } else { format!(" and the resources {}", ids.join(", ")) },
            ),
            site.path.clone(),
            site.span,
        );
        if !hints.is_empty() {
            d = d.with_help(format!("did you mean {}?", hints.join(", ")));
        }
        diags.push(d);
    }
    diags.error_count() == errors_before
}

/// kro's rules for `omit()`: its feature gate, template expressions only, and never on a field the object
/// cannot do without (`metadata.name`; `metadata.namespace` of a namespaced resource of a cluster-scoped
/// instance). Returns whether the site follows them.
fn check_omit(site: &ExprSite, rgd: &Rgd<'_>, catalog: &Catalog, diags: &mut Diagnostics) -> bool {
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

/// kro's build-time rules for custom conditions (`pkg/graph/conditions.go`): well-formed
/// `runtime.newCondition` calls with valid literal values, no literal type declared by two entries, and
/// `runtime.condition(schema, 'X')` naming one of kro's built-in types. Returns, for each site, whether it
/// follows them (sites other than conditions always do).
fn check_conditions(sites: &[ExprSite], diags: &mut Diagnostics) -> Vec<bool> {
    let mut ok = vec![true; sites.len()];
    let inspected: Vec<Option<ConditionCalls>> = sites
        .iter()
        .map(|s| (s.role == Role::Condition).then(|| s.parsed.as_deref().map(condition_calls)).flatten())
        .collect();
    // The entry (position in status.conditions) that first declares each literal type.
    let mut declared: HashMap<&str, &ExprSite> = HashMap::new();
    for (i, (site, calls)) in sites.iter().zip(&inspected).enumerate() {
        let Some(calls) = calls else { continue };
        for error in &calls.errors {
            diags.push(
                Diagnostic::error(
                    Code::InvalidCondition,
                    format!("{error} in expression {:?}", site.expression),
                    site.path.clone(),
                    site.span,
                )
                .with_help(
                    "runtime.newCondition takes a map literal with bare keys: type and status (True, False or Unknown) \
                     required, reason and message optional, e.g. runtime.newCondition({type: 'Ready', status: 'True'})",
                ),
            );
            ok[i] = false;
        }
        let mut own: Vec<&str> = calls.declared_types.iter().map(String::as_str).collect();
        own.sort_unstable();
        own.dedup();
        for kind in own {
            match declared.get(kind) {
                Some(first) => {
                    diags.push(
                        Diagnostic::error(
                            Code::DuplicateConditionType,
                            format!(
                                "condition type {kind:?} is declared by more than one conditions entry (first at {})",
                                first.path
                            ),
                            site.path.clone(),
                            site.span,
                        )
                        .with_help("each condition type belongs to one entry; a type may repeat within one entry, e.g. in both branches of a conditional"),
                    );
                    ok[i] = false;
                }
                None => {
                    declared.insert(kind, site);
                }
            }
        }
    }
    for (i, (site, calls)) in sites.iter().zip(&inspected).enumerate() {
        let Some(calls) = calls else { continue };
        for kind in &calls.schema_lookups {
            if BUILTIN_CONDITION_TYPES.contains(&kind.as_str()) {
                continue;
            }
            let d = if declared.contains_key(kind.as_str()) {
                Diagnostic::error(
                    Code::UnknownConditionType,
                    format!(
                        "runtime.condition(schema, {kind:?}): custom conditions cannot reference each other in expression {:?}",
                        site.expression
                    ),
                    site.path.clone(),
                    site.span,
                )
                .with_help("compute the condition again from the resources it depends on")
            } else {
                let d = Diagnostic::error(
                    Code::UnknownConditionType,
                    format!(
                        "runtime.condition(schema, {kind:?}): unknown condition type; only kro's built-in types ({}) can be read from schema in expression {:?}",
                        BUILTIN_CONDITION_TYPES.join(", "),
                        site.expression
                    ),
                    site.path.clone(),
                    site.span,
                );
                match suggest(kind, &BUILTIN_CONDITION_TYPES) {
                    Some(s) => d.with_help(format!("did you mean {s:?}?")),
                    None => d,
                }
            };
            diags.push(d);
            ok[i] = false;
        }
    }
    ok
}

/// kro's "instance status field must refer to a resource or schema", per field: a string template such as
/// `https://${schema.spec.host}:${string(8443)}` reads `schema` as a whole even if one part reads nothing.
fn check_status_fields_read_something(sites: &[ExprSite], diags: &mut Diagnostics) {
    let status: Vec<&ExprSite> = sites.iter().filter(|s| s.role == Role::Status).collect();
    let mut seen: Vec<&crate::diagnostics::Path> = Vec::new();
    for site in &status {
        if seen.contains(&&site.path) {
            continue;
        }
        seen.push(&site.path);
        let field: Vec<&ExprSite> = status.iter().copied().filter(|s| s.path == site.path).collect();
        // Any name counts: an unknown one was reported as such already.
        if field.iter().all(|s| s.references.is_empty()) {
            let text: String = field.iter().map(|s| format!("${{{}}}", s.expression)).collect();
            diags.error(
                Code::StatusReference,
                format!("instance status field must refer to a resource or schema: {text} reads neither"),
                &site.path,
                site.span,
            );
        }
    }
}

/// Per-template rules: reserved metadata, kro's scope rules, CRD templates, and forEach identity.
fn check_template_rules(
    position: usize,
    res: &ResourceDef<'_>,
    rgd: &Rgd<'_>,
    catalog: &Catalog,
    sites: &[ExprSite],
    diags: &mut Diagnostics,
) {
    let Some(body) = &res.body else { return };
    let metadata = body.node.get("metadata");
    let meta_path = body.path.key("metadata");
    if matches!(body.kind, BodyKind::Template) {
        for key in ["labels", "annotations"] {
            for (k, _) in metadata.and_then(|m| m.get(key)).and_then(Node::as_map).unwrap_or_default() {
                if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| k.name.starts_with(*p)) {
                    diags.error(
                        Code::ReservedMetadata,
                        format!(
                            "invalid {} for resource {:?}: {} with prefix {prefix:?} are reserved for internal use",
                            &key[..key.len() - 1],
                            res.id,
                            key
                        ),
                        &meta_path.key(key).key(&k.name),
                        k.span,
                    );
                }
            }
        }
    }

    let (group, _) = body.group_version();
    let scope = catalog.scope(group, &body.kind_name);
    // The kind's fields and literal types (an externalRef only names the object; nothing to check).
    let schema = if body.well_formed { super::template_check::kind_schema(body, catalog, diags) } else { None };
    if let Some(schema) = schema
        && matches!(body.kind, BodyKind::Template)
    {
        super::template_check::check(body.node, schema, &body.path, &body.path, diags);
    }
    let namespace = metadata.and_then(|m| m.entry("namespace")).filter(|(_, v)| !v.is_null());
    match (scope, namespace) {
        (Some(Scope::Cluster), Some((key, _))) => diags.error(
            Code::ScopeNamespace,
            format!("resource {:?} is cluster-scoped and must not set metadata.namespace ({} has no namespace)", res.id, body.kind_name),
            &meta_path.key("namespace"),
            key.span,
        ),
        (Some(Scope::Namespaced), ns) if rgd.schema.scope == Scope::Cluster && ns.is_none_or(|(_, v)| v.as_str() == Some("")) => diags.push(
            Diagnostic::error(
                Code::ScopeNamespace,
                format!("resource {:?} is namespaced and must set metadata.namespace when the instance CRD is cluster-scoped", res.id),
                meta_path.key("namespace"),
                ns.map_or(body.kind_span, |(k, _)| k.span),
            )
            .with_help("a cluster-scoped instance has no namespace to default to; set e.g. namespace: ${schema.spec.namespace}"),
        ),
        _ => {}
    }

    let own = |role: Role| sites.iter().filter(move |s| s.resource == Some(position) && s.role == role);
    if group == "apiextensions.k8s.io" && body.kind_name == "CustomResourceDefinition" {
        for site in own(Role::Template).filter(|s| s.path.strip_prefix(&meta_path).is_none()) {
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

    if !res.for_each.is_empty() && matches!(body.kind, BodyKind::Template) {
        let identity_paths = [meta_path.key("name"), meta_path.key("namespace")];
        let used: BTreeSet<&str> = own(Role::Template)
            .filter(|s| {
                identity_paths.contains(&s.path) && !(s.path == identity_paths[1] && scope == Some(Scope::Cluster))
            })
            .flat_map(|s| s.references.iter().map(String::as_str))
            .collect();
        let missing: Vec<&str> = res.for_each.iter().map(|it| it.name.as_str()).filter(|n| !used.contains(n)).collect();
        if !missing.is_empty() {
            let at = metadata.and_then(|m| m.get("name")).map_or(body.kind_span, |n| n.span);
            diags.push(
                Diagnostic::error(
                    Code::ForEachIdentity,
                    format!(
                        "all forEach dimensions must be used to produce a unique resource identity, missing: [{}]",
                        missing.join(", ")
                    ),
                    meta_path.key("name"),
                    at,
                )
                .with_help(format!(
                    "use each iterator in metadata.name, e.g. name: ${{schema.metadata.name}}-${{{}}}",
                    missing[0]
                )),
            );
        }
    }
}

/// Convenience for hosts: the schema keys of a compiled spec, unused for now beyond tests.
#[allow(dead_code)]
fn spec_properties(crd: &Value) -> Option<&Map<String, Value>> {
    crd.pointer("/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties")?.as_object()
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use crate::catalog::Catalog;
    use crate::compile::{InputLimits, compile};
    use crate::expr::library::Features;

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
        let catalog = std::sync::Arc::new(Catalog::builtin().with_features(Features { omit }));
        compile(text, &catalog, &InputLimits::default())
            .into_iter()
            .flat_map(|d| d.diagnostics)
            .map(|d| (d.code.to_string(), d.path.to_string(), d.message))
            .collect()
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
