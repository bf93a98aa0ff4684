//! `spec.schema`: the API the RGD defines, its CRD's names, printer columns and metadata. Its `spec`, `types`
//! and `status` are only checked to be maps here; SimpleSchema and the graph build read them.

use serde_json::{Map, Value};

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::kube::Scope;
use crate::kube::formats::{is_dns_label, is_dns_subdomain, label_value_problem, qualified_name_problem};
use crate::rgd::access::Fields;
use crate::rgd::model::{DEFAULT_GROUP, SCHEMA_FIELDS, SchemaDef};
use crate::rgd::names::{is_kube_version, is_upper_camel};

pub(super) fn read_schema<'a>(spec: &Fields<'a>, diags: &mut Diagnostics) -> Option<SchemaDef<'a>> {
    let field = spec.required("schema", "it declares the API (apiVersion, kind, spec) this RGD creates", diags)?;
    let schema = Fields::of(field.node, spec.path("schema"), "spec.schema", diags)?;
    schema.deny_unknown(SCHEMA_FIELDS, diags);

    let kind = schema.required_string("kind", "the kind of the new API, e.g. Application", diags);
    if let Some((kind, node)) = kind
        && (!is_upper_camel(kind) || kind.len() > 63)
    {
        diags.error(
                Code::InvalidKind,
                format!("naming convention violation: kind '{kind}' is not a valid KRO kind name: must be UpperCamelCase (a capital letter, then letters and digits, at most 63)"),
                &schema.path("kind"),
                node.span,
            );
    }
    let api_version = schema.required_string("apiVersion", "the version of the new API, e.g. v1alpha1", diags);
    if let Some((version, node)) = api_version
        && !is_kube_version(version)
    {
        let mut d = Diagnostic::error(
            Code::InvalidApiVersion,
            format!(
                "schema.apiVersion {version:?} is not a version: expected v<N>, v<N>alpha<M> or v<N>beta<M>, e.g. v1alpha1"
            ),
            schema.path("apiVersion"),
            node.span,
        );
        if let Some((group, v)) = version.split_once('/') {
            d = d.with_help(format!(
                "schema.apiVersion holds only the version; write `apiVersion: {v}` and `group: {group}`"
            ));
        }
        diags.push(d);
    }
    let group = match schema.string("group", diags) {
        Some((group, node)) => {
            if !is_dns_subdomain(group) || !group.contains('.') {
                diags.error(Code::InvalidGroup, format!("schema.group {group:?} is not a valid API group: use a lowercase DNS name with at least one dot, e.g. example.com"), &schema.path("group"), node.span);
            }
            group.to_string()
        }
        None => DEFAULT_GROUP.to_string(),
    };
    let scope = match schema.string("scope", diags) {
        Some(("Namespaced", _)) | None => Scope::Namespaced,
        Some(("Cluster", _)) => Scope::Cluster,
        Some((other, node)) => {
            diags.error(
                Code::InvalidScope,
                format!("schema.scope {other:?} must be Namespaced or Cluster"),
                &schema.path("scope"),
                node.span,
            );
            Scope::Namespaced
        }
    };
    let short_names = read_names(&schema, "shortNames", diags);
    let categories = read_names(&schema, "categories", diags);
    let printer_columns = read_printer_columns(&schema, diags);
    let (labels, annotations) = read_crd_metadata(&schema, diags);
    let structural = |key: &str, diags: &mut Diagnostics| {
        let field = schema.get(key)?;
        if field.node.as_map().is_none() {
            diags.error(
                Code::WrongType,
                format!("schema.{key} must be a map, got {}", field.node.described()),
                &schema.path(key),
                field.node.span,
            );
            return None;
        }
        Some(field.node)
    };
    let spec_node = structural("spec", diags);
    let types = structural("types", diags);
    let status = structural("status", diags);
    let (kind, _) = kind?;
    Some(SchemaDef {
        api_version: api_version?.0.to_string(),
        kind: kind.to_string(),
        group,
        scope,
        spec: spec_node,
        types,
        status,
        printer_columns,
        short_names,
        categories,
        labels,
        annotations,
        path: schema.path.clone(),
    })
}

fn read_names(schema: &Fields<'_>, key: &str, diags: &mut Diagnostics) -> Vec<String> {
    let Some((items, _)) = schema.list(key, diags) else {
        return Vec::new();
    };
    let mut names: Vec<String> = Vec::new();
    if items.len() > 32 {
        diags.error(
            Code::InvalidShortName,
            format!("schema.{key} has {} entries; at most 32 are allowed", items.len()),
            &schema.path(key),
            items[32].span,
        );
    }
    for (i, item) in items.iter().enumerate() {
        let path = schema.path(key).index(i);
        match item.as_str() {
            Some(name) if is_dns_label(name) && name.as_bytes()[0].is_ascii_lowercase() => {
                if names.iter().any(|n| n == name) {
                    diags.error(Code::InvalidShortName, format!("{name:?} is listed twice in schema.{key}"), &path, item.span);
                } else {
                    names.push(name.to_string());
                }
            }
            _ => diags.error(
                Code::InvalidShortName,
                format!("schema.{key} entries must be lowercase names (letters, digits, '-'; starting with a letter), got {}", item.to_json()),
                &path,
                item.span,
            ),
        }
    }
    names
}

fn read_printer_columns(schema: &Fields<'_>, diags: &mut Diagnostics) -> Option<Vec<Value>> {
    let (items, _) = schema.list("additionalPrinterColumns", diags)?;
    let mut columns = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = schema.path("additionalPrinterColumns").index(i);
        let Some(col) = Fields::of(item, path.clone(), "a printer column", diags) else {
            continue;
        };
        col.deny_unknown(&["name", "type", "jsonPath", "description", "format", "priority"], diags);
        let name = col.required_string("name", "the column header", diags);
        let ty = col.required_string("type", "one of integer, number, string, boolean, date", diags);
        let json_path = col.required_string("jsonPath", "where the value is read from, e.g. .status.state", diags);
        if let Some((t, node)) = ty
            && !matches!(t, "integer" | "number" | "string" | "boolean" | "date")
        {
            diags.error(
                Code::InvalidPrinterColumn,
                format!("printer column type {t:?} must be one of integer, number, string, boolean, date"),
                &col.path("type"),
                node.span,
            );
        }
        if let Some((jp, node)) = json_path
            && !jp.starts_with('.')
        {
            diags.error(
                Code::InvalidPrinterColumn,
                format!("jsonPath {jp:?} must start with '.', e.g. .status.state"),
                &col.path("jsonPath"),
                node.span,
            );
        }
        if name.is_some() && ty.is_some() && json_path.is_some() {
            columns.push(item.to_json());
        }
    }
    Some(columns)
}

fn read_crd_metadata(schema: &Fields<'_>, diags: &mut Diagnostics) -> (Map<String, Value>, Map<String, Value>) {
    let Some(field) = schema.get("metadata") else {
        return (Map::new(), Map::new());
    };
    let Some(meta) = Fields::of(field.node, schema.path("metadata"), "schema.metadata", diags) else {
        return (Map::new(), Map::new());
    };
    meta.deny_unknown(&["labels", "annotations"], diags);
    let mut read = |key: &str| {
        let mut out = Map::new();
        let Some(field) = meta.get(key) else {
            return out;
        };
        let Some(entries) = field.node.as_map() else {
            diags.error(
                Code::WrongType,
                format!("schema.metadata.{key} must be a map of strings"),
                &meta.path(key),
                field.node.span,
            );
            return out;
        };
        for (k, v) in entries {
            let what = if key == "labels" { "label" } else { "annotation" };
            // The API server checks annotation keys lowercased (apimachinery `ValidateAnnotations`).
            let checked = if key == "labels" { k.name.clone() } else { k.name.to_lowercase() };
            if let Some(problem) = qualified_name_problem(&checked) {
                let message = format!("schema.metadata.{key}: {:?} is not a valid {what} key: {problem}", k.name);
                diags.error(Code::InvalidLabel, message, &meta.path(key).key(&k.name), k.span);
                continue;
            }
            match v.as_str() {
                Some(s) => {
                    if key == "labels"
                        && let Some(problem) = label_value_problem(s)
                    {
                        let message =
                            format!("schema.metadata.labels: the label {:?} has an invalid value: {problem}", k.name);
                        diags.error(Code::InvalidLabel, message, &meta.path(key).key(&k.name), v.span);
                        continue;
                    }
                    out.insert(k.name.clone(), Value::String(s.to_string()));
                }
                None => diags.error(
                    Code::WrongType,
                    format!("schema.metadata.{key} values must be strings; quote {}", v.to_json()),
                    &meta.path(key).key(&k.name),
                    v.span,
                ),
            }
        }
        out
    };
    (read("labels"), read("annotations"))
}
