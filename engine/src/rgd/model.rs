//! The RGD as the engine sees it (KRO-SEMANTICS section 2), read from the YAML tree with every structural error
//! reported. Values stay borrowed from the tree so later stages can still point at the source.

use serde_json::{Map, Value};

use super::access::{Fields, closest, is_dns_label_1035, is_dns_label_1123, is_dns_subdomain};
use crate::diagnostics::{Code, Diagnostics, Path};
use crate::kube::{CEL_RESERVED_WORDS, Scope};
use crate::yaml::{Node, Span};

pub const RGD_API_VERSION: &str = "kro.run/v1alpha1";
pub const RGD_KIND: &str = "ResourceGraphDefinition";
pub const DEFAULT_GROUP: &str = "kro.run";

/// Words kro reserves besides CEL's own ([`CEL_RESERVED_WORDS`]): neither can be a resource id
/// or a forEach iterator name.
pub const KRO_RESERVED_WORDS: &[&str] = &[
    "apiVersion",
    "context",
    "dependency",
    "dependencies",
    "each",
    "externalRef",
    "externalReference",
    "externalRefs",
    "externalReferences",
    "graph",
    "instance",
    "item",
    "items",
    "kind",
    "kro",
    "metadata",
    "object",
    "resource",
    "resourcegraphdefinition",
    "resourceGraphDefinition",
    "resources",
    "root",
    "runtime",
    "schema",
    "self",
    "serviceAccountName",
    "spec",
    "status",
    "this",
    "variables",
    "vars",
    "version",
];

/// Whether `name` is reserved, by kro or by CEL.
pub fn is_reserved(name: &str) -> bool {
    KRO_RESERVED_WORDS.contains(&name) || CEL_RESERVED_WORDS.contains(&name)
}

/// `spec.schema`: the API the RGD defines.
#[derive(Debug)]
pub struct SchemaDef<'a> {
    pub api_version: String,
    pub kind: String,
    pub kind_span: Span,
    pub group: String,
    pub scope: Scope,
    pub spec: Option<&'a Node>,
    pub types: Option<&'a Node>,
    pub status: Option<&'a Node>,
    pub printer_columns: Option<Vec<Value>>,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub labels: Map<String, Value>,
    pub annotations: Map<String, Value>,
    pub path: Path,
}

/// One `spec.resources[i]`.
#[derive(Debug)]
pub struct ResourceDef<'a> {
    pub index: usize,
    pub id: String,
    pub id_span: Span,
    pub node: &'a Node,
    pub path: Path,
    /// The template or the externalRef, whichever the resource has.
    pub body: Option<Body<'a>>,
    pub ready_when: Vec<&'a Node>,
    pub include_when: Vec<&'a Node>,
    pub for_each: Vec<ForEachDimension<'a>>,
}

#[derive(Debug, Clone, Copy)]
pub enum BodyKind {
    Template,
    ExternalRef,
}

#[derive(Debug, Clone)]
pub struct Body<'a> {
    pub kind: BodyKind,
    pub node: &'a Node,
    pub path: Path,
    pub api_version: String,
    pub kind_name: String,
    pub kind_span: Span,
    /// No structural error was found in it (apiVersion, kind and metadata are usable), so later checks of its
    /// fields make sense.
    pub well_formed: bool,
}

impl Body<'_> {
    /// `(group, version)` of the apiVersion; the core group is `""`.
    pub fn group_version(&self) -> (&str, &str) {
        self.api_version.split_once('/').unwrap_or(("", &self.api_version))
    }
}

/// One forEach dimension as written, `- name: ${expr}`: the iterator name and the node holding its list
/// expression. (Named apart from [`std::iter::Iterator`], which a glob import of this module would shadow.)
#[derive(Debug, Clone)]
pub struct ForEachDimension<'a> {
    pub name: String,
    pub name_span: Span,
    pub value: &'a Node,
    pub path: Path,
}

#[derive(Debug)]
pub struct Rgd<'a> {
    pub name: String,
    pub schema: SchemaDef<'a>,
    pub resources: Vec<ResourceDef<'a>>,
}

/// Whether `doc` declares itself an RGD; other documents are not checked further.
pub fn is_rgd(doc: &Node) -> bool {
    doc.get("kind").and_then(Node::as_str) == Some(RGD_KIND)
}

/// Reads an RGD document. Returns `None` only when the document is not an RGD at all or lacks `spec.schema`
/// (nothing useful can follow); every other problem is reported and reading goes on.
pub fn read_rgd<'a>(doc: &'a Node, diags: &mut Diagnostics) -> Option<Rgd<'a>> {
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
    spec.deny_unknown(&["schema", "resources"], diags);
    let schema = read_schema(&spec, diags);
    let resources = read_resources(&spec, diags);
    Some(Rgd { name: name.unwrap_or_default(), schema: schema?, resources })
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

/// The fields of `spec.schema`.
pub const SCHEMA_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "group",
    "scope",
    "spec",
    "types",
    "status",
    "additionalPrinterColumns",
    "shortNames",
    "categories",
    "metadata",
];

fn read_schema<'a>(spec: &Fields<'a>, diags: &mut Diagnostics) -> Option<SchemaDef<'a>> {
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
        let mut d = crate::diagnostics::Diagnostic::error(
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
    let (kind, kind_node) = kind?;
    Some(SchemaDef {
        api_version: api_version?.0.to_string(),
        kind: kind.to_string(),
        kind_span: kind_node.span,
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
            Some(name) if is_dns_label_1123(name) && name.as_bytes()[0].is_ascii_lowercase() => {
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
            if let Some(problem) = super::labels::qualified_name_problem(&k.name) {
                let message = format!("schema.metadata.{key}: {:?} is not a valid {what} key: {problem}", k.name);
                diags.error(Code::InvalidLabel, message, &meta.path(key).key(&k.name), k.span);
                continue;
            }
            match v.as_str() {
                Some(s) => {
                    if key == "labels"
                        && let Some(problem) = super::labels::label_value_problem(s)
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

/// The fields of a `spec.resources[]` entry.
pub const RESOURCE_FIELDS: &[&str] = &["id", "template", "externalRef", "readyWhen", "includeWhen", "forEach"];

fn read_resources<'a>(spec: &Fields<'a>, diags: &mut Diagnostics) -> Vec<ResourceDef<'a>> {
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
        && !is_dns_label_1035(&k.to_lowercase())
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

/// Most forEach dimensions kro accepts (its --rgd-max-collection-dimension-size default).
pub const MAX_FOR_EACH_DIMENSIONS: usize = 10;

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

fn is_upper_camel(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase()) && chars.all(|c| c.is_ascii_alphanumeric())
}

fn is_lower_camel(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase()) && chars.all(|c| c.is_ascii_alphanumeric())
}

fn to_lower_camel(s: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            if out.is_empty() {
                out.push(c.to_ascii_lowercase());
            } else if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() || !out.as_bytes()[0].is_ascii_lowercase() { format!("r{out}") } else { out }
}

/// `v1`, `v1alpha1`, `v2beta3`.
fn is_kube_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let rest = &rest[digits..];
    if rest.is_empty() {
        return true;
    }
    let tail = rest.strip_prefix("alpha").or_else(|| rest.strip_prefix("beta"));
    tail.is_some_and(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()))
}

/// `apps/v1` or `v1`: at most one `/`, a DNS group, a DNS-label version.
fn is_api_version(s: &str) -> bool {
    match s.split_once('/') {
        Some((group, version)) => is_dns_subdomain(group) && is_dns_label_1123(version),
        None => is_dns_label_1123(s),
    }
}

/// Suggests a close resource id for an unknown identifier.
pub fn suggest<'c>(name: &str, candidates: &[&'c str]) -> Option<&'c str> {
    closest(name, candidates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_names() {
        assert!(is_kube_version("v1alpha1") && is_kube_version("v2") && is_kube_version("v1beta3"));
        assert!(!is_kube_version("v1alpha") && !is_kube_version("1") && !is_kube_version("kro.run/v1"));
        assert!(is_api_version("apps/v1") && is_api_version("v1") && !is_api_version("a/b/c"));
        assert_eq!(to_lower_camel("my-deployment"), "myDeployment");
        assert_eq!(to_lower_camel("Deployment"), "deployment");
    }
}
