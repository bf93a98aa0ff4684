//! `spec.resources`: each entry's id, its template or externalRef, its readyWhen and includeWhen conditions and
//! its forEach dimensions, with kro's rules on ids and iterator names.

use crate::diagnostics::{Code, Diagnostics, Path};
use crate::kube::formats::is_dns_1035_label;
use crate::rgd::access::Fields;
use crate::rgd::model::{Body, BodyKind, ForEachDimension, MAX_FOR_EACH_DIMENSIONS, RESOURCE_FIELDS, ResourceDef};
use crate::rgd::names::{is_api_version, is_lower_camel, is_reserved, to_lower_camel};
use crate::yaml::{Node, Span};

pub(super) fn read_resources<'a>(spec: &Fields<'a>, diags: &mut Diagnostics) -> Vec<ResourceDef<'a>> {
    let Some((items, _)) = spec.list("resources", diags) else {
        return Vec::new();
    };
    let mut out: Vec<ResourceDef<'a>> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let path = spec.path("resources").index(index);
        let Some(res) = Fields::of(item, path.clone(), "a resource", diags) else {
            continue;
        };
        res.deny_unknown(RESOURCE_FIELDS, diags);
        let Some((id, id_node)) =
            res.required_string("id", "a lowerCamelCase name other resources use to refer to this one", diags)
        else {
            continue;
        };
        check_id(id, id_node.span, &res.path("id"), "id", diags);
        if let Some(first) = out.iter().find(|r| r.id == id) {
            diags.error(
                Code::DuplicateResourceId,
                format!("found duplicate resource IDs {id}: spec.resources[{}] already uses it", first.index),
                &res.path("id"),
                id_node.span,
            );
        }
        let body = read_body(&res, diags);
        let ready_when = read_conditions(&res, "readyWhen", diags);
        let include_when = read_conditions(&res, "includeWhen", diags);
        let for_each = read_for_each(&res, id, &out, diags);
        if !for_each.is_empty()
            && let Some(Body { kind: BodyKind::ExternalRef, .. }) = &body
        {
            diags.error(
                Code::InvalidForEach,
                "cannot use externalRef with forEach: external references are read, never expanded",
                &res.path("forEach"),
                res.get("forEach").map_or(item.span, |f| f.key_span),
            );
        }
        out.push(ResourceDef {
            index,
            id: id.to_string(),
            id_span: id_node.span,
            node: item,
            path,
            body,
            ready_when,
            include_when,
            for_each,
        });
    }
    // Iterator names must not collide with any resource id, declared before or after.
    for r in &out {
        for it in &r.for_each {
            if out.iter().any(|o| o.id == it.name) {
                diags.error(
                    Code::InvalidForEach,
                    format!("forEach iterator name {:?} conflicts with resource ID {:?}", it.name, it.name),
                    &it.path,
                    it.name_span,
                );
            }
        }
    }
    out
}

/// Checks a resource id or iterator name: lowerCamelCase and not reserved.
fn check_id(id: &str, span: Span, path: &Path, what: &str, diags: &mut Diagnostics) -> bool {
    if is_reserved(id) {
        let code = if what == "id" { Code::ReservedResourceId } else { Code::InvalidForEach };
        diags.error(
            code,
            format!("{what} {id} is a reserved keyword in KRO; choose another name (e.g. {id}Resource)"),
            path,
            span,
        );
        return false;
    }
    if !is_lower_camel(id) {
        let code = if what == "id" { Code::InvalidResourceId } else { Code::InvalidForEach };
        diags.error(code, format!("{what} {id} is not a valid KRO resource id: must be lower camelCase (a lowercase letter, then letters and digits), e.g. {}", to_lower_camel(id)), path, span);
        return false;
    }
    true
}

fn read_body<'a>(res: &Fields<'a>, diags: &mut Diagnostics) -> Option<Body<'a>> {
    let errors_before = diags.error_count();
    let template = res.get("template");
    let external = res.get("externalRef");
    let (kind, field, key) = match (template, external) {
        (Some(t), None) => (BodyKind::Template, t, "template"),
        (None, Some(e)) => (BodyKind::ExternalRef, e, "externalRef"),
        (Some(_), Some(e)) => {
            diags.error(Code::TemplateOrExternalRef, "cannot use externalRef with template: a resource is either created from a template or read through an externalRef", &res.path("externalRef"), e.key_span);
            return None;
        }
        (None, None) => {
            diags.error(
                Code::TemplateOrExternalRef,
                "exactly one of template or externalRef must be provided",
                &res.path.clone(),
                res.anchor(),
            );
            return None;
        }
    };
    let what = if matches!(kind, BodyKind::Template) { "template" } else { "externalRef" };
    let code = if matches!(kind, BodyKind::Template) { Code::InvalidTemplate } else { Code::InvalidExternalRef };
    let body = Fields::of(field.node, res.path(key), what, diags)?;
    if matches!(kind, BodyKind::ExternalRef) {
        body.deny_unknown(&["apiVersion", "kind", "metadata"], diags);
    }
    let mut structural = |key: &str| -> Option<&'a Node> {
        let Some(f) = body.get(key) else {
            diags.error(
                code,
                format!("resource is not a valid Kubernetes object: {key} field not found in {what}"),
                &body.path(key),
                body.anchor(),
            );
            return None;
        };
        Some(f.node)
    };
    let api_version = structural("apiVersion");
    let kind_node = structural("kind");
    let metadata = structural("metadata");
    let mut literal = |node: &'a Node, key: &str| -> Option<&'a str> {
        match node.as_str() {
            Some(s) if s.contains("${") => {
                diags.error(
                    code,
                    format!(
                        "{what}.{key} must be a literal string: kro needs to know the kind before any instance exists"
                    ),
                    &body.path(key),
                    node.span,
                );
                None
            }
            Some(s) => Some(s),
            None => {
                diags.error(
                    code,
                    format!("resource is not a valid Kubernetes object: {key} field is not a string"),
                    &body.path(key),
                    node.span,
                );
                None
            }
        }
    };
    let api_version = api_version.and_then(|n| literal(n, "apiVersion").map(|s| (s, n)));
    let kind_name = kind_node.and_then(|n| literal(n, "kind").map(|s| (s, n)));
    if let Some((v, node)) = api_version
        && !is_api_version(v)
    {
        diags.error(code, format!("invalid apiVersion format {v:?}: expected <group>/<version> (apps/v1) or <version> for the core group (v1)"), &body.path("apiVersion"), node.span);
    }
    if let Some((k, node)) = kind_name
        && !is_dns_1035_label(&k.to_lowercase())
    {
        diags.error(code, format!("invalid kind {k:?}: must be a valid DNS-1035 label when lowercased (letters and digits, starting with a letter)"), &body.path("kind"), node.span);
    }
    if let Some(meta) = metadata {
        if meta.as_map().is_none() {
            diags.error(
                code,
                format!(
                    "resource is not a valid Kubernetes object: metadata field is not a map, got {}",
                    meta.described()
                ),
                &body.path("metadata"),
                meta.span,
            );
        } else if matches!(kind, BodyKind::ExternalRef) {
            check_external_metadata(meta, &body.path("metadata"), diags);
        }
    }
    let (api_version, _) = api_version?;
    let (kind_name, kind_node) = kind_name?;
    Some(Body {
        kind,
        node: field.node,
        path: body.path.clone(),
        api_version: api_version.to_string(),
        kind_name: kind_name.to_string(),
        kind_span: kind_node.span,
        well_formed: diags.error_count() == errors_before,
    })
}

fn check_external_metadata(meta: &Node, path: &Path, diags: &mut Diagnostics) {
    let has = |k: &str| meta.get(k).is_some_and(|v| !v.is_null());
    match (has("name"), has("selector")) {
        (true, true) | (false, false) => diags.error(
            Code::InvalidExternalRef,
            "exactly one of name or selector must be provided in externalRef.metadata: name reads one object, selector reads a list",
            path,
            meta.as_map().and_then(|m| m.first()).map_or(meta.span, |(k, _)| k.span),
        ),
        _ => {}
    }
    if let Some((key, _)) = meta
        .as_map()
        .unwrap_or_default()
        .iter()
        .find(|(k, _)| !["name", "namespace", "selector"].contains(&k.name.as_str()))
    {
        diags.error(
            Code::UnknownField,
            format!("unknown field {:?} in externalRef.metadata (known fields: name, namespace, selector)", key.name),
            &path.key(&key.name),
            key.span,
        );
    }
}

fn read_conditions<'a>(res: &Fields<'a>, key: &str, diags: &mut Diagnostics) -> Vec<&'a Node> {
    let Some((items, _)) = res.list(key, diags) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if item.as_str().is_some() {
            out.push(item);
        } else {
            diags.error(
                Code::NotStandalone,
                format!("{key} entries must be strings holding one ${{...}} expression, got {}", item.described()),
                &res.path(key).index(i),
                item.span,
            );
        }
    }
    out
}

fn read_for_each<'a>(
    res: &Fields<'a>,
    id: &str,
    _before: &[ResourceDef<'a>],
    diags: &mut Diagnostics,
) -> Vec<ForEachDimension<'a>> {
    let Some((items, node)) = res.list("forEach", diags) else {
        return Vec::new();
    };
    if items.len() > MAX_FOR_EACH_DIMENSIONS {
        diags.error(
            Code::InvalidForEach,
            format!("forEach cannot have more than {MAX_FOR_EACH_DIMENSIONS} dimensions, got {}", items.len()),
            &res.path("forEach"),
            node.span,
        );
    }
    let mut out: Vec<ForEachDimension<'a>> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = res.path("forEach").index(i);
        let entries = match item.as_map() {
            Some(entries) if entries.len() == 1 => entries,
            Some(entries) => {
                diags.error(Code::InvalidForEach, format!("each forEach entry has exactly one key, the iterator name (`- region: ${{schema.spec.regions}}`); this one has {}", entries.len()), &path, item.span);
                continue;
            }
            None => {
                diags.error(
                    Code::InvalidForEach,
                    format!(
                        "each forEach entry is a map of one iterator name to a list expression, got {}",
                        item.described()
                    ),
                    &path,
                    item.span,
                );
                continue;
            }
        };
        let (key, value) = &entries[0];
        let it_path = path.key(&key.name);
        if !check_id(&key.name, key.span, &it_path, "forEach iterator name", diags) {
            continue;
        }
        if key.name == id {
            diags.error(
                Code::InvalidForEach,
                format!("forEach iterator name {:?} conflicts with resource ID {id:?}", key.name),
                &it_path,
                key.span,
            );
        }
        if out.iter().any(|o| o.name == key.name) {
            diags.error(
                Code::InvalidForEach,
                format!("duplicate forEach iterator name {:?}", key.name),
                &it_path,
                key.span,
            );
            continue;
        }
        if value.as_str().is_none() {
            diags.error(
                Code::NotStandalone,
                format!(
                    "forEach {:?} must be a string holding one ${{...}} list expression, got {}",
                    key.name,
                    value.described()
                ),
                &it_path,
                value.span,
            );
            continue;
        }
        out.push(ForEachDimension { name: key.name.clone(), name_span: key.span, value, path: it_path });
    }
    out
}
