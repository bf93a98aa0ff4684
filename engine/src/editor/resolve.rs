//! What names mean in one RGD document: the resources (ids, kinds, their schemas from the catalog), the
//! instance's schema (built from `spec.schema` by the engine's SimpleSchema builder, one field at a time so a
//! half-typed field spoils only itself), and what a reference chain (`deployment.spec.replicas`) points at.

use serde_json::{Map, Value, json};

use super::context::Step;
use super::outline::Outline;
use crate::catalog::{Catalog, KindInfo};
use crate::compile::{InputLimits, load_source};
use crate::diagnostics::{Diagnostics, Path};
use crate::schemas::{self, Schema, SchemaKind};
use crate::simpleschema::SchemaBuilder;
use crate::yaml::{Node, NodeKind};

const OBJECT_META: &str = "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/// Names of one document and the schemas behind them.
pub(super) struct Scope<'a> {
    pub outline: &'a Outline<'a>,
    pub document: usize,
    /// Kinds' schemas; `None` when only names matter (definition, outline).
    pub catalog: Option<&'a Catalog>,
    /// The instance's OpenAPI schema (`apiVersion`, `kind`, `metadata`, `spec`, `status`).
    instance: Value,
}

/// What the root of a reference chain names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Root {
    /// `schema`: the instance.
    Instance,
    /// A resource id: the resource's list item.
    Resource(usize),
    /// `each` in a collection's `readyWhen`, or a forEach dimension: an item of the resource.
    Item(usize),
}

impl<'a> Scope<'a> {
    pub(super) fn new(outline: &'a Outline<'a>, document: usize, catalog: Option<&'a Catalog>) -> Self {
        let instance = instance_schema(outline, document);
        Scope { outline, document, catalog, instance }
    }

    /// `(id, list item)` of every resource.
    pub(super) fn resources(&self) -> Vec<(&'a str, usize)> {
        self.outline
            .resources(self.document)
            .into_iter()
            .filter_map(|item| Some((self.outline.value_of(item, "id")?, item)))
            .collect()
    }

    pub(super) fn resource_named(&self, id: &str) -> Option<usize> {
        self.resources().into_iter().find(|(i, _)| *i == id).map(|(_, item)| item)
    }

    /// The template (or externalRef) node of a resource item.
    pub(super) fn body(&self, item: usize) -> Option<usize> {
        let d = self.document;
        self.outline.child(Some(item), "template", d).or_else(|| self.outline.child(Some(item), "externalRef", d))
    }

    /// `(apiVersion, kind)` of a resource item.
    pub(super) fn kind_of(&self, item: usize) -> Option<(&'a str, &'a str)> {
        let body = self.body(item)?;
        Some((self.outline.value_of(body, "apiVersion")?, self.outline.value_of(body, "kind")?))
    }

    /// The schema of a resource's kind, when the catalog knows it at that version.
    pub(super) fn kind_schema(&self, item: usize) -> Option<Schema<'a>> {
        let (api_version, kind) = self.kind_of(item)?;
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        match self.catalog?.lookup(group, version, kind)? {
            KindInfo::Known { schema } => Some(schema),
            _ => None,
        }
    }

    pub(super) fn instance(&self) -> Schema<'_> {
        Schema::new(&self.instance, Some(schemas::builtin().definitions()))
    }

    /// The resource item holding node `id`, if any.
    pub(super) fn enclosing_resource(&self, id: usize) -> Option<usize> {
        let items = self.outline.resources(self.document);
        self.outline.ancestry(id).into_iter().find(|i| items.contains(i))
    }

    /// forEach dimension names of a resource, with their expression text.
    pub(super) fn dimensions(&self, item: usize) -> Vec<(&'a str, &'a str)> {
        let Some(for_each) = self.outline.child(Some(item), "forEach", self.document) else { return Vec::new() };
        self.outline.nodes[for_each]
            .children
            .iter()
            .flat_map(|&entry| self.outline.nodes[entry].children.iter())
            .filter_map(|&dim| {
                let name = self.outline.key(dim)?;
                Some((name, self.outline.nodes[dim].value.as_ref().map_or("", |v| v.text.as_str())))
            })
            .collect()
    }

    /// What `name` names, seen from inside resource `here`.
    pub(super) fn root(&self, name: &str, here: Option<usize>) -> Option<Root> {
        if name == "schema" {
            return Some(Root::Instance);
        }
        if let Some(here) = here {
            if name == "each" && self.outline.child(Some(here), "forEach", self.document).is_some() {
                return Some(Root::Item(here));
            }
            if self.dimensions(here).iter().any(|(d, _)| *d == name) {
                return Some(Root::Item(here));
            }
        }
        self.resource_named(name).map(Root::Resource)
    }

    /// The schema a chain leads to (its first step a root name), seen from inside resource `here`.
    pub(super) fn resolve(&self, steps: &[Step], here: Option<usize>) -> Option<Schema<'_>> {
        let Some(Step::Field(first)) = steps.first() else { return None };
        let mut schema = match self.root(first, here)? {
            Root::Instance => self.instance(),
            Root::Resource(item) => self.kind_schema(item)?,
            // A dimension's element: resolve the dimension's expression and take an element of it.
            Root::Item(item) => match self.dimensions(item).into_iter().find(|(d, _)| d == first) {
                Some((_, expr)) => {
                    let inner = expr.trim().strip_prefix("${")?.strip_suffix('}')?;
                    let (mut chain, last) = super::context::trailing_chain(inner);
                    chain.push(Step::Field(last));
                    self.resolve(&chain, None)?.items()?
                }
                None => self.kind_schema(item)?,
            },
        };
        for step in &steps[1..] {
            schema = match step {
                Step::Field(name) => schema.field(name)?,
                Step::Index => schema.items().or_else(|| schema.map_values())?,
            };
        }
        Some(schema)
    }

    /// The schema of the template key at node `id` (inside a resource's template), if known.
    pub(super) fn template_schema(&self, id: usize) -> Option<Schema<'a>> {
        let item = self.enclosing_resource(id)?;
        let body = self.body(item)?;
        let chain = self.outline.ancestry(id);
        let at = chain.iter().position(|&i| i == body)?;
        let mut schema = self.kind_schema(item)?;
        for &node in chain[..at].iter().rev() {
            schema = match self.outline.key(node) {
                Some(key) => schema.field(key)?,
                None => schema.items()?,
            };
        }
        Some(schema)
    }
}

/// A short type label for a schema: `integer`, `[]Container`, `map[string]string`, `object`.
pub(super) fn type_label(schema: Schema<'_>) -> String {
    label_at(schema, 0)
}

fn label_at(schema: Schema<'_>, depth: usize) -> String {
    if depth > 3 {
        return "...".to_string();
    }
    let named = schema.definition_name().map(|n| n.rsplit('.').next().unwrap_or(n).to_string());
    match schema.kind() {
        SchemaKind::Object => named.unwrap_or_else(|| "object".to_string()),
        SchemaKind::Map => {
            format!("map[string]{}", schema.map_values().map_or("any".into(), |v| label_at(v, depth + 1)))
        }
        SchemaKind::Array => format!("[]{}", schema.items().map_or("any".into(), |v| label_at(v, depth + 1))),
        SchemaKind::String => match schema.format() {
            Some(format) => format!("string ({format})"),
            None => named.unwrap_or_else(|| "string".to_string()),
        },
        SchemaKind::Integer => "integer".to_string(),
        SchemaKind::Number => "number".to_string(),
        SchemaKind::Boolean => "boolean".to_string(),
        SchemaKind::IntOrString => "int-or-string".to_string(),
        SchemaKind::Union(_) => named.unwrap_or_else(|| "string | number".to_string()),
        SchemaKind::Any => "any".to_string(),
    }
}

/// The OpenAPI type word completion uses to pick member functions (`string`, `array`, `object`).
pub(super) fn openapi_type(schema: Schema<'_>) -> Option<&'static str> {
    match schema.kind() {
        SchemaKind::Object | SchemaKind::Map => Some("object"),
        SchemaKind::Array => Some("array"),
        SchemaKind::String => Some("string"),
        _ => None,
    }
}

/// The text of lines `node.line..=node.end_line`, parsed as YAML on its own.
fn load_fragment(outline: &Outline<'_>, node: usize) -> Option<Node> {
    let (start, end) = outline.line_range(outline.nodes[node].line, outline.nodes[node].end_line);
    let source = load_source(&outline.text[start..end], &InputLimits::default()).ok()?;
    source.documents.into_iter().next()?.root
}

/// The instance's schema from `spec.schema`, each field built on its own.
fn instance_schema(outline: &Outline<'_>, document: usize) -> Value {
    let mut diags = Diagnostics::default();
    // Only the schema is wanted here, not findings about `validation=` rules.
    let mut builder = SchemaBuilder::new(&mut diags, |_| Ok(()));
    if let Some(types) = outline.at(document, &["spec", "schema", "types"])
        && let Some(root) = load_fragment(outline, types)
        && let Some(types) = root.get("types")
    {
        builder.load_custom_types(types, &Path::root());
    }
    let mut spec = Map::new();
    if let Some(node) = outline.at(document, &["spec", "schema", "spec"]) {
        for &field in &outline.nodes[node].children {
            let Some(root) = load_fragment(outline, field) else { continue };
            let Some(entries) = root.as_map() else { continue };
            let one = Node::new(NodeKind::Map(entries.to_vec()), root.span);
            if let Some(built) = builder.structure(&one, &Path::root())
                && let Some(props) = built.get("properties").and_then(Value::as_object)
            {
                spec.extend(props.clone());
            }
        }
    }
    let mut status = Map::new();
    if let Some(node) = outline.at(document, &["spec", "schema", "status"]) {
        for &field in &outline.nodes[node].children {
            if let Some(name) = outline.key(field) {
                let written = outline.nodes[field].value.as_ref().map_or("", |v| v.text.as_str());
                status.insert(
                    name.to_string(),
                    json!({"description": format!("status field, projected from `{written}`")}),
                );
            }
        }
    }
    json!({
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"$ref": OBJECT_META},
            "spec": {"type": "object", "properties": spec},
            "status": {"type": "object", "properties": status},
        }
    })
}
