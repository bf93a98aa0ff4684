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
    // Expressions breaking the reference rules were reported as such; typing them would only repeat it.
    let typeable: Vec<&ExprSite> =
        sites.iter().filter(|site| check_references(site, rgd, &index_of, &ids, diags)).collect();
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
    Some(CompiledRgd { name: rgd.name.clone(), api, crd, resources, order, expressions: sites })
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
