//! Type checking of every expression at build time, as kro does when an RGD is applied, but offline: the CEL
//! variables are typed from the schemas of what they read (the instance's own spec, the built-in kinds of the
//! embedded bundle, `--crd` CRDs), and each result must fit where it goes: the template field's type for a
//! standalone expression, a string for each part of a string template, a bool for `includeWhen`/`readyWhen`,
//! a list for `forEach`. Status fields get the OpenAPI type of their expression.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value, json};

use super::model::{ExprSite, Role};
use crate::catalog::{Catalog, KindInfo};
use crate::diagnostics::{Code, Diagnostic, Diagnostics, Path, Segment};
use crate::expr::check::{
    self, CheckEnv, RefResolver, Type, assignable, is_condition, runtime_type, to_openapi, type_of_shared_schema,
};
use crate::rgd::{BodyKind, Rgd};
use crate::schemas;
use crate::yaml::Span;

const OBJECT_META: &str = "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/// Resolves `$ref`s into the embedded bundle, one shared copy per definition.
#[derive(Debug, Default)]
struct BundleRefs {
    cache: Mutex<HashMap<String, Arc<Value>>>,
}

impl RefResolver for BundleRefs {
    fn resolve(&self, reference: &str) -> Option<Arc<Value>> {
        let name = reference.strip_prefix("#/definitions/")?;
        let mut cache = self.cache.lock().ok()?;
        if let Some(found) = cache.get(name) {
            return Some(Arc::clone(found));
        }
        let schema = Arc::new(Value::Object(schemas::builtin().definition(name)?.raw()?.clone()));
        cache.insert(name.to_string(), Arc::clone(&schema));
        Some(schema)
    }
}

fn bundle_refs() -> Arc<dyn RefResolver> {
    static REFS: OnceLock<Arc<BundleRefs>> = OnceLock::new();
    let refs: Arc<BundleRefs> = Arc::clone(REFS.get_or_init(|| Arc::new(BundleRefs::default())));
    refs
}

/// The schema of the objects of a kind, shared by every resource of that kind (a copy of the bundle's or the
/// CRD's schema, made once per kind and build); `None` when the kind has no known schema.
fn kind_root(group: &str, version: &str, kind: &str, catalog: &Catalog) -> Option<Arc<Value>> {
    let Some(KindInfo::Known { schema }) = catalog.lookup(group, version, kind) else { return None };
    // Built-in kinds carry `$ref`s into the bundle; a CRD's schema is self-contained (nothing to resolve).
    schema.raw().map(|raw| Arc::new(Value::Object(raw.clone())))
}

/// Types every expression, reports what does not fit, and returns the OpenAPI type of each status field
/// (keyed by its path inside `status`) for the CRD.
pub(super) fn typecheck(
    rgd: &Rgd<'_>,
    catalog: &Catalog,
    spec_schema: &Value,
    sites: &[&ExprSite],
    diags: &mut Diagnostics,
) -> Vec<(Path, Value)> {
    let instance = Arc::new(json!({
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"$ref": OBJECT_META},
            "spec": spec_schema,
        }
    }));
    let mut base = CheckEnv::new();
    base.allow_omit(catalog.features().omit);
    base.declare("schema", type_of_shared_schema(&instance, "schema", &bundle_refs()));
    let mut object_types: Vec<Type> = Vec::with_capacity(rgd.resources.len());
    let mut roots: HashMap<(&str, &str, &str), Option<Arc<Value>>> = HashMap::new();
    for res in &rgd.resources {
        let t = res.body.as_ref().map_or(Type::Dyn, |b| {
            let (group, version) = b.group_version();
            let root = roots
                .entry((group, version, b.kind_name.as_str()))
                .or_insert_with(|| kind_root(group, version, &b.kind_name, catalog));
            root.as_ref().map_or(Type::Dyn, |root| type_of_shared_schema(root, &res.id, &bundle_refs()))
        });
        let selector = matches!(res.body.as_ref().map(|b| b.kind), Some(BodyKind::ExternalRef))
            && res.body.as_ref().and_then(|b| b.node.get("metadata")).and_then(|m| m.get("selector")).is_some();
        let declared = if !res.for_each.is_empty() || selector { Type::List(Box::new(t.clone())) } else { t.clone() };
        base.declare(&res.id, declared);
        object_types.push(t);
    }

    // forEach first: the iterators' types come from their lists (`dyn` when the list could not be typed).
    let mut iterator_types: HashMap<(usize, String), Type> = HashMap::new();
    for (r, res) in rgd.resources.iter().enumerate() {
        for it in &res.for_each {
            iterator_types.insert((r, it.name.clone()), Type::Dyn);
        }
    }
    for site in sites.iter().copied().filter(|s| s.role == Role::ForEach) {
        let Some(r) = site.resource else { continue };
        let Some(t) = run(site, &base, diags) else { continue };
        let element = match &t {
            Type::List(elem) => (**elem).clone(),
            t if t.is_dyn_like() => Type::Dyn,
            other => {
                diags.error(
                    Code::NotAList,
                    format!("forEach iterator {:?} must return a list, got {other}", last_key(&site.path)),
                    &site.path,
                    site.span,
                );
                Type::Dyn
            }
        };
        iterator_types.insert((r, last_key(&site.path).to_string()), element);
    }

    let mut status_types = Vec::new();
    for site in sites.iter().copied().filter(|s| s.role != Role::ForEach) {
        // Most expressions see only `schema` and the resources; cloning the environment for each of them would
        // make checking quadratic in the number of resources.
        let mut extra: Vec<(&str, Type)> = Vec::new();
        if let Some(r) = site.resource {
            for ((owner, name), t) in &iterator_types {
                if *owner == r {
                    extra.push((name, t.clone()));
                }
            }
            if site.role == Role::ReadyWhen {
                // A collection's readyWhen reads each item; a resource's reads the object itself.
                extra.push(("each", object_types[r].clone()));
                extra.push((&rgd.resources[r].id, object_types[r].clone()));
            }
        }
        if site.role == Role::Condition {
            // `runtime` exists for status.conditions only (kro: "runtime is only available in status.conditions
            // expressions", reported with the references).
            extra.push(("runtime", runtime_type()));
        }
        let scoped;
        let env = if extra.is_empty() {
            &base
        } else {
            let mut e = base.clone();
            for (name, t) in extra {
                e.declare(name, t);
            }
            scoped = e;
            &scoped
        };
        let Some(actual) = run(site, env, diags) else { continue };
        match site.role {
            Role::Template => {
                let Some(r) = site.resource else { continue };
                template_fit(site, &rgd.resources[r].id, &object_types[r], rgd, r, &actual, diags);
            }
            Role::IncludeWhen | Role::ReadyWhen => {
                let fits = matches!(&actual, Type::Bool)
                    || actual.is_dyn_like()
                    || matches!(&actual, Type::Optional(inner) if matches!(**inner, Type::Bool | Type::Dyn));
                if !fits {
                    let id = site.resource.map_or("", |r| rgd.resources[r].id.as_str());
                    diags.error(
                        Code::NotABool,
                        format!(
                            "{} expression {:?} in resource {id:?} must return bool or optional_type(bool), but returns {actual}",
                            site.role.describe(),
                            site.expression
                        ),
                        &site.path,
                        site.span,
                    );
                }
            }
            Role::ExternalRef => {
                if !site.standalone {
                    template_part(site, &actual, diags);
                }
            }
            Role::Status => {
                if site.standalone {
                    status_types.push((site.path.clone(), to_openapi(&actual)));
                } else {
                    template_part(site, &actual, diags);
                }
            }
            Role::Condition => condition_fit(site, &actual, diags),
            Role::ForEach => {}
        }
    }
    status_types
}

/// A `status.conditions` entry must give a condition, or a list of them (`dyn` is left to the runtime), as
/// kro's `validateConditionOutputType`.
fn condition_fit(site: &ExprSite, actual: &Type, diags: &mut Diagnostics) {
    let element = match actual {
        Type::List(elem) => &**elem,
        other => other,
    };
    if is_condition(element) || element.is_dyn_like() {
        return;
    }
    diags.push(
        Diagnostic::error(
            Code::InvalidCondition,
            format!(
                "condition expressions must return runtime.newCondition(...) or a list of them, got {actual}: ${{{}}}",
                site.expression
            ),
            site.path.clone(),
            site.span,
        )
        .with_help(
            "wrap the value in a condition, e.g. ${runtime.newCondition({type: 'Available', status: x ? 'True' : 'False'})}",
        ),
    );
}

/// Type-checks one expression; errors become diagnostics.
fn run(site: &ExprSite, env: &CheckEnv, diags: &mut Diagnostics) -> Option<Type> {
    let result = match &site.parsed {
        Some(parsed) => check::check_parsed(parsed, &site.expression, env),
        None => check::check(&site.expression, env),
    };
    match result {
        Ok(t) => Some(t),
        Err(errors) => {
            // The site's span covers exactly `${expression}` when its scalar maps offsets exactly (one line, no
            // escapes): then the error can point at the part of the expression it is about.
            let chars = u32::try_from(site.expression.chars().count()).unwrap_or(u32::MAX);
            let exact = site.span.end.offset.saturating_sub(site.span.start.offset) == chars.saturating_add(3)
                && site.span.start.line == site.span.end.line;
            for e in errors {
                let span = if exact && e.len > 0 {
                    let at = u32::try_from(e.offset).unwrap_or(0).saturating_add(2);
                    site.span.sub(at, u32::try_from(e.len).unwrap_or(1))
                } else {
                    site.span
                };
                let d = Diagnostic::error(
                    Code::CelTypeError,
                    format!("failed to compile expression {:?}: {}", site.expression, e.message),
                    site.path.clone(),
                    span,
                );
                // The error's span is `.field`: the fix replaces the name after the dot.
                diags.push(match &e.suggestion {
                    Some(name) if exact && e.len > 1 => d.with_fix([span.sub(1, span_len(span) - 1)], name),
                    _ => d,
                });
            }
            None
        }
    }
}

/// The characters a one-line span covers.
fn span_len(span: Span) -> u32 {
    span.end.offset.saturating_sub(span.start.offset)
}

fn last_key(path: &Path) -> &str {
    match path.segments().last() {
        Some(Segment::Key(k)) => k,
        _ => "",
    }
}

/// A part of a string template is joined with `+`: it must be a string (or `dyn`).
fn template_part(site: &ExprSite, actual: &Type, diags: &mut Diagnostics) {
    if !(matches!(actual, Type::String) || actual.is_dyn_like()) {
        diags.push(
            Diagnostic::error(
                Code::TypeMismatch,
                format!(
                    "found no matching overload for '_+_' applied to '(string, {actual})': ${{{}}} is part of a string template, so it must be a string",
                    site.expression
                ),
                site.path.clone(),
                site.span,
            )
            .with_help(format!("convert it: ${{string({})}}", site.expression)),
        );
    }
}

/// A standalone expression must fit the type of the field it fills; a string template needs a field that
/// takes a string (reported by the template walk) and string parts.
fn template_fit(
    site: &ExprSite,
    id: &str,
    object: &Type,
    rgd: &Rgd<'_>,
    r: usize,
    actual: &Type,
    diags: &mut Diagnostics,
) {
    if !site.standalone {
        template_part(site, actual, diags);
        return;
    }
    let Some(body) = &rgd.resources[r].body else { return };
    let Some(relative) = site.path.strip_prefix(&body.path) else { return };
    let mut expected = object.clone();
    for segment in relative.segments() {
        let next = match segment {
            Segment::Key(k) => expected.select(k),
            Segment::Index(_) => expected.elem(),
        };
        match next {
            Some(t) => expected = t,
            None => return,
        }
    }
    if let Err(detail) = assignable(&expected, actual) {
        diags.error(
            Code::TypeMismatch,
            format!(
                "type mismatch in resource {id:?} at path {relative}: expression {:?} returns type {actual} but expected {expected}{}",
                site.expression,
                if detail.is_empty() { String::new() } else { format!(": {detail}") }
            ),
            &site.path,
            site.span,
        );
    }
}

/// Puts the inferred types into the status schema built from the status map (`properties` of `status`).
pub(super) fn apply_status_types(properties: &mut Map<String, Value>, status_path: &Path, types: Vec<(Path, Value)>) {
    for (path, schema) in types {
        let Some(relative) = path.strip_prefix(status_path) else { continue };
        let Some((Segment::Key(first), rest)) = relative.segments().split_first() else { continue };
        if let Some(slot) = properties.get_mut(first.as_str()) {
            set_at(slot, rest, schema);
        }
    }
}

fn set_at(slot: &mut Value, segments: &[Segment], schema: Value) {
    match segments.split_first() {
        None => *slot = schema,
        Some((Segment::Key(k), rest)) => {
            if let Some(next) = slot.get_mut("properties").and_then(|p| p.get_mut(k.as_str())) {
                set_at(next, rest, schema);
            }
        }
        Some((Segment::Index(_), rest)) => {
            if let Some(next) = slot.get_mut("items") {
                set_at(next, rest, schema);
            }
        }
    }
}
