//! RGD -> validated graph: the spec schema, every expression and what it reads, kro's rules over them
//! ([`super::checks`], one file per rule), the types of the expressions, the DAG, and the CRD. This file only
//! orders the passes; every independent problem is reported in one pass over the RGD.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::checks::{self, ResourceBody};
use super::crd::{build_crd, canonical, instance_api};
use super::dag::Dag;
use super::expressions::Collector;
use super::installed_crds::{established, implicit_edges, installed_crds, resource_types, with_installed_kinds};
use super::model::{CompiledRgd, Dimension, ExprSite, Resource, Role};
use super::status::{user_status_schema, with_kro_fields};
use crate::catalog::Catalog;
use crate::diagnostics::Diagnostics;
use crate::expr::parse_cel;
use crate::rgd::{BodyKind, ResourceDef, Rgd, read_rgd};
use crate::simpleschema::SchemaBuilder;
use crate::yaml::Node;

/// Builds an RGD document. The result is `Some` only when there are no errors (warnings are fine).
pub(crate) fn build(doc: &Node, catalog: &Catalog) -> (Option<CompiledRgd>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let Some(rgd) = read_rgd(doc, &mut diags) else {
        return (None, diags);
    };
    let compiled = build_rgd(&rgd, catalog, &mut diags);
    if diags.has_errors() { (None, diags) } else { (compiled, diags) }
}

fn build_rgd(rgd: &Rgd<'_>, catalog: &Catalog, diags: &mut Diagnostics) -> Option<CompiledRgd> {
    // The kinds the RGD's own CRD templates define are known to the rest of it (kro-rs extension).
    let installed = installed_crds(rgd);
    let own_catalog = with_installed_kinds(catalog, &installed);
    let catalog = own_catalog.as_ref().unwrap_or(catalog);
    let schema = &rgd.schema;
    let spec_schema = {
        let mut builder = SchemaBuilder::new(diags, |rule| parse_cel(rule).map(drop).map_err(|e| e.to_string()));
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
    let conditions_ok = checks::conditions::check(&sites, diags);
    let typeable: Vec<&ExprSite> = sites
        .iter()
        .zip(conditions_ok)
        .filter(|(site, condition_ok)| {
            let references_ok = checks::references::check(site, rgd, &index_of, &ids, diags);
            let omit_ok = checks::omit::check(site, rgd, catalog, diags);
            references_ok && omit_ok && *condition_ok
        })
        .map(|(site, _)| site)
        .collect();
    checks::status_reads::check(&sites, diags);
    let instance_spec =
        spec_schema.clone().unwrap_or_else(|| json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}));
    let status_types = super::typecheck::typecheck(rgd, catalog, &instance_spec, &typeable, diags);
    super::typecheck::apply_status_types(&mut user_status, &schema.path.key("status"), status_types);
    for (position, res) in rgd.resources.iter().enumerate() {
        let Some(rb) = ResourceBody::of(position, res, catalog) else { continue };
        checks::reserved_metadata::check(&rb, diags);
        checks::template_fields::check_body(&rb, catalog, diags);
        checks::api_rules::check(&rb, catalog, diags);
        checks::namespace_scope::check(&rb, rgd.schema.scope, diags);
        checks::crd_templates::check(&rb, &sites, diags);
        checks::for_each_identity::check(&rb, &sites, diags);
    }

    let mut edges = Vec::new();
    for site in sites.iter().filter(|s| s.role.adds_edges()) {
        let Some(from) = site.resource else { continue };
        edges.extend(site.references.iter().filter_map(|name| index_of.get(name.as_str()).map(|&to| (from, to))));
    }
    // A resource of an installed kind waits for its CRD, whether or not it reads it.
    let implicit: Vec<(usize, usize)> =
        implicit_edges(rgd, &installed).into_iter().filter(|edge| !edges.contains(edge)).collect();
    edges.extend(&implicit);
    let dag = Dag::new(rgd.resources.len(), edges);
    checks::cycles::check(rgd, &dag, diags);

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
                implicit_depends_on: implicit
                    .iter()
                    .filter(|(from, _)| *from == i)
                    .map(|(_, to)| rgd.resources[*to].id.clone())
                    .collect(),
                wave: waves[i],
                include_when: res.include_when.iter().filter_map(|n| n.as_str().map(str::to_string)).collect(),
                ready_when: res.ready_when.iter().filter_map(|n| n.as_str().map(str::to_string)).collect(),
                default_ready_when: installed.iter().any(|c| c.position == i).then(|| established(&res.id)),
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
                span: res.node.span,
                id_span: res.id_span,
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
        installed_types: resource_types(&installed),
        service_account_name: rgd.service_account_name.clone(),
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
