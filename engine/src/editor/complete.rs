//! Completion: inside `${...}` the names an expression can read (`schema`, resource ids, fields from the
//! instance's and the kinds' schemas, `each`, functions and macros); in SimpleSchema values the types and
//! markers; at a template's keys the fields of its kind; at the RGD's own keys its structure.

use super::cel_library::{self, Function};
use super::context::{Where, locate, trailing_chain, trailing_chain_is_optional};
use super::outline::Outline;
use super::resolve::{Scope, openapi_type, type_label};
use super::{CompletionItem, CompletionKind};
use crate::engine::Engine;
use crate::expr::library::Features;
use crate::position::{LineIndex, LspPosition, LspRange};
use crate::schemas::{Schema, SchemaKind};
use crate::simpleschema::MarkerKey;

/// Completion items at `position` of `text`, with kinds' schemas from `engine`'s catalog.
pub fn complete(text: &str, position: LspPosition, engine: &Engine) -> Vec<CompletionItem> {
    let index = LineIndex::new(text);
    let at = index.byte_of(position);
    let outline = Outline::parse(text);
    let line = outline.lines.partition_point(|l| l.start <= at).saturating_sub(1);
    let scope = Scope::new(&outline, outline.document_of_line(line), Some(engine.catalog()));
    let mut items = match locate(&outline, at) {
        Where::Expression { owner, expr } => {
            let (steps, partial) = trailing_chain(&expr);
            let range = index.lsp_range_of_bytes(at - partial.len(), at);
            let here = owner.and_then(|o| scope.enclosing_resource(o));
            let mut out = Out { range, partial: &partial, items: Vec::new() };
            if steps.is_empty() {
                roots(&scope, here, engine.options().features, &mut out);
            } else {
                let schema = scope.resolve(&steps, here);
                if let Some(schema) = schema {
                    fields(schema, &mut out, false);
                }
                // A field is a plain value, never an optional (those come from `.?` and `[?`), whether its
                // schema states its type, does not, or is unknown (a kind without a CRD): optionals' functions
                // are offered only after an optional selection.
                let optional = trailing_chain_is_optional(&expr);
                let receiver = match schema {
                    Some(schema) => Some(openapi_type(schema).unwrap_or(cel_library::UNTYPED_FIELD)),
                    None if optional => None,
                    None => Some(cel_library::UNTYPED_FIELD),
                };
                for f in cel_library::members(receiver, optional, engine.options().features) {
                    out.function(f);
                }
            }
            out.items
        }
        Where::Key { parent, partial, start, .. } => {
            let mut out = Out { range: index.lsp_range_of_bytes(start, at), partial: &partial, items: Vec::new() };
            keys(&scope, parent, start, &mut out);
            out.items
        }
        Where::Value { owner, partial, start } => {
            let mut out = Out { range: index.lsp_range_of_bytes(start, at), partial: &partial, items: Vec::new() };
            values(&scope, owner, &partial, at, &index, &mut out);
            out.items
        }
    };
    items.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.label.cmp(&b.label)));
    items.dedup_by(|a, b| a.label == b.label && a.kind == b.kind);
    items
}

/// Completion in a manifest — an instance, an object the cluster holds — from the schema of the document's
/// kind that `schema_of(apiVersion, kind)` gives (each empty while not written): the fields that may go at a key (those not written yet), and
/// at a value the enum's values or `true`/`false`.
pub(crate) fn complete_manifest<'s>(
    text: &str,
    position: LspPosition,
    schema_of: &dyn Fn(&str, &str) -> Option<Schema<'s>>,
) -> Vec<CompletionItem> {
    let index = LineIndex::new(text);
    let at = index.byte_of(position);
    let outline = Outline::parse(text);
    let line = outline.lines.partition_point(|l| l.start <= at).saturating_sub(1);
    let document = outline.document_of_line(line);
    let scalar = |key: &str| {
        let node = outline.at(document, &[key])?;
        outline.nodes[node].value.as_ref().map(|v| v.text.trim().trim_matches(['"', '\'']))
    };
    let Some(root) = schema_of(scalar("apiVersion").unwrap_or_default(), scalar("kind").unwrap_or_default()) else {
        return Vec::new();
    };
    // The schema at a node: the root's, then each key (or list item) down to it.
    let schema_at = |node: Option<usize>| {
        let mut schema = root;
        for id in node.map(|n| outline.ancestry(n)).unwrap_or_default().into_iter().rev() {
            schema = match outline.key(id) {
                Some(key) => schema.field(key)?,
                None => schema.items()?,
            };
        }
        Some(schema)
    };
    let mut items = match locate(&outline, at) {
        Where::Key { parent, partial, start, .. } => {
            let Some(schema) = schema_at(parent) else { return Vec::new() };
            let present: Vec<&str> = match parent {
                Some(p) => outline.nodes[p].children.iter().filter_map(|&c| outline.key(c)).collect(),
                None => outline.roots(document).filter_map(|c| outline.key(c)).collect(),
            };
            let mut out = Out { range: index.lsp_range_of_bytes(start, at), partial: &partial, items: Vec::new() };
            fields(schema, &mut out, true);
            out.items.retain(|item| item.label == partial || !present.contains(&item.label.as_str()));
            out.items
        }
        Where::Value { owner, partial, start } => {
            let Some(schema) = schema_at(Some(owner)) else { return Vec::new() };
            let mut out = Out { range: index.lsp_range_of_bytes(start, at), partial: &partial, items: Vec::new() };
            let allowed = schema.raw().and_then(|m| m.get("enum")).and_then(serde_json::Value::as_array);
            for value in allowed.into_iter().flatten() {
                let text = value.as_str().map_or_else(|| value.to_string(), str::to_string);
                out.push(&text, CompletionKind::Keyword, Some("allowed value".into()), None, None);
            }
            if matches!(schema.kind(), SchemaKind::Boolean) {
                out.push("true", CompletionKind::Keyword, None, None, None);
                out.push("false", CompletionKind::Keyword, None, None, None);
            }
            out.items
        }
        Where::Expression { .. } => Vec::new(),
    };
    items.sort_by(|a, b| a.label.cmp(&b.label));
    items
}

/// Schema fields first, then `schema` and the other variables, then resource ids, then functions: what an
/// author reaches for most often is at the top of the list.
fn rank(item: &CompletionItem) -> u8 {
    match item.kind {
        CompletionKind::Field => 0,
        CompletionKind::Variable => 1,
        CompletionKind::Resource => 2,
        CompletionKind::Type | CompletionKind::Marker | CompletionKind::Keyword => 3,
        CompletionKind::Macro | CompletionKind::Function => 4,
    }
}

/// Items being collected, filtered by the partial word typed (a case-insensitive prefix).
struct Out<'p> {
    range: LspRange,
    partial: &'p str,
    items: Vec<CompletionItem>,
}

impl Out<'_> {
    fn push(
        &mut self,
        label: &str,
        kind: CompletionKind,
        detail: Option<String>,
        documentation: Option<String>,
        insert: Option<String>,
    ) {
        let typed = self.partial.trim_start_matches(['"', '\'']);
        if !label.to_lowercase().starts_with(&typed.to_lowercase()) {
            return;
        }
        self.items.push(CompletionItem {
            label: label.to_string(),
            kind,
            detail,
            documentation,
            insert_text: insert,
            range: self.range,
        });
    }

    fn function(&mut self, f: &Function) {
        let kind = if f.is_macro { CompletionKind::Macro } else { CompletionKind::Function };
        // The first overload on the item's line; every overload in its documentation.
        let documentation = if f.signature.contains('\n') {
            format!("{}\n\n```\n{}\n```", f.doc, f.signature)
        } else {
            f.doc.to_string()
        };
        self.push(f.name, kind, Some(f.first_signature().to_string()), Some(documentation), None);
    }
}

/// The names an expression starts with.
fn roots(scope: &Scope<'_>, here: Option<usize>, features: Features, out: &mut Out<'_>) {
    let api = scope
        .outline
        .at(scope.document, &["spec", "schema", "kind"])
        .and_then(|k| scope.outline.nodes[k].value.as_ref());
    let detail = api.map_or_else(|| "the instance".to_string(), |k| format!("the {} instance", k.text));
    out.push(
        "schema",
        CompletionKind::Variable,
        Some(detail),
        Some("The instance: `schema.spec`, `schema.metadata`.".into()),
        None,
    );
    for (id, item) in scope.resources() {
        if Some(item) == here {
            continue;
        }
        let detail = scope.kind_of(item).map(|(v, k)| format!("{v} {k}"));
        out.push(id, CompletionKind::Resource, detail, None, None);
    }
    if let Some(here) = here {
        if scope.outline.child(Some(here), "forEach", scope.document).is_some() {
            out.push(
                "each",
                CompletionKind::Variable,
                Some("an item of this collection".into()),
                Some("In `readyWhen`: each object of the collection.".into()),
                None,
            );
        }
        for (name, expr) in scope.dimensions(here) {
            out.push(name, CompletionKind::Variable, Some(format!("forEach: {expr}")), None, None);
        }
    }
    for keyword in ["true", "false", "null"] {
        out.push(keyword, CompletionKind::Keyword, None, None, None);
    }
    for f in cel_library::globals(features) {
        out.function(f);
    }
}

/// The properties of an object schema, as fields (with `name: ` to insert when `as_keys`).
fn fields(schema: Schema<'_>, out: &mut Out<'_>, as_keys: bool) {
    if !matches!(schema.kind(), SchemaKind::Object) {
        return;
    }
    for (name, property) in schema.properties() {
        let mut detail = type_label(property);
        if schema.is_required(name) {
            detail.push_str(" (required)");
        }
        let insert = as_keys.then(|| format!("{name}: "));
        out.push(name, CompletionKind::Field, Some(detail), property.description().map(str::to_string), insert);
    }
}

/// Keys of the RGD's own structure by where they go.
/// A place in the RGD (keys from the root, list items as `None`) and the keys that go there, documented.
type KeysAt = (&'static [Option<&'static str>], &'static [(&'static str, &'static str)]);

const RGD_KEYS: &[KeysAt] = &[
    (
        &[],
        &[
            ("apiVersion", "kro.run/v1alpha1"),
            ("kind", "ResourceGraphDefinition"),
            ("metadata", "name, labels"),
            ("spec", "schema and resources"),
        ],
    ),
    (&[Some("spec")], &[("schema", "the API the RGD defines"), ("resources", "the resources of each instance")]),
    (
        &[Some("spec"), Some("schema")],
        &[
            ("apiVersion", "the API version, e.g. v1alpha1"),
            ("kind", "the kind, e.g. WebApp"),
            ("group", "the API group (kro.run by default)"),
            ("scope", "Namespaced or Cluster"),
            ("spec", "the instance's fields, in SimpleSchema"),
            ("status", "status fields projected from resources with ${...}"),
            ("types", "custom types for the spec's fields"),
            ("additionalPrinterColumns", "kubectl get columns"),
            ("metadata", "labels and annotations of the CRD"),
        ],
    ),
    (
        &[Some("spec"), Some("resources"), None],
        &[
            ("id", "the name expressions use for this resource"),
            ("template", "the object to create"),
            ("externalRef", "an existing object to read, never created"),
            ("readyWhen", "conditions for the resource to count as ready"),
            ("includeWhen", "conditions for the resource to be created at all"),
            ("forEach", "one object per element of a list"),
        ],
    ),
];

/// Keys that may go under `parent`.
fn keys(scope: &Scope<'_>, parent: Option<usize>, start: usize, out: &mut Out<'_>) {
    let outline = scope.outline;
    let present: Vec<&str> = match parent {
        Some(p) => outline.nodes[p]
            .children
            .iter()
            .filter(|&&c| outline.nodes[c].start != start)
            .filter_map(|&c| outline.key(c))
            .collect(),
        None => outline
            .roots(scope.document)
            .filter(|&c| outline.nodes[c].start != start)
            .filter_map(|c| outline.key(c))
            .collect(),
    };
    let mut candidates = Vec::new();
    let template = parent.and_then(|p| {
        let item = scope.enclosing_resource(p)?;
        let body = scope.body(item)?;
        if p == body {
            scope.kind_schema(item)
        } else {
            outline.ancestry(p).contains(&body).then(|| scope.template_schema(p))?
        }
    });
    if let Some(schema) = template {
        let mut all = Out { range: out.range, partial: out.partial, items: Vec::new() };
        fields(schema, &mut all, true);
        candidates.extend(all.items);
    } else {
        let path: Vec<Option<&str>> = parent.map(|p| outline.path(p)).unwrap_or_default();
        if let Some((_, keys)) = RGD_KEYS.iter().find(|(p, _)| *p == path.as_slice()) {
            for (key, doc) in *keys {
                let mut one = Out { range: out.range, partial: out.partial, items: Vec::new() };
                one.push(key, CompletionKind::Keyword, Some((*doc).to_string()), None, Some(format!("{key}: ")));
                candidates.extend(one.items);
            }
        }
    }
    out.items.extend(candidates.into_iter().filter(|c| !present.contains(&c.label.as_str())));
}

/// SimpleSchema's types.
const TYPES: &[(&str, &str)] = &[
    ("string", "a string"),
    ("integer", "a whole number"),
    ("boolean", "true or false"),
    ("float", "a number"),
    ("object", "any object (fields unchecked)"),
    ("[]string", "a list; `[]T` for a list of T"),
    ("map[string]string", "a map; `map[string]T` for values of T"),
];

/// What a marker is for.
fn marker_doc(key: MarkerKey) -> &'static str {
    match key {
        MarkerKey::Required => "the field must be set (`required=true`)",
        MarkerKey::Default => "the value when the field is absent",
        MarkerKey::Description => "the field's description, shown by kubectl explain",
        MarkerKey::Minimum => "smallest number allowed",
        MarkerKey::Maximum => "largest number allowed",
        MarkerKey::Enum => "the allowed values, comma-separated (`enum=\"a,b\"`)",
        MarkerKey::Immutable => "the value cannot change once set",
        MarkerKey::Validation => "a CEL rule the value must satisfy",
        MarkerKey::Pattern => "a regular expression a string must match",
        MarkerKey::MinLength => "shortest string allowed",
        MarkerKey::MaxLength => "longest string allowed",
        MarkerKey::UniqueItems => "list items must differ",
        MarkerKey::MinItems => "fewest list items",
        MarkerKey::MaxItems => "most list items",
        MarkerKey::ListType => "atomic, set or map",
        MarkerKey::ListMapKey => "the key field of a listType=map list",
    }
}

/// Values: SimpleSchema types and markers under `spec.schema.spec` and `spec.schema.types`.
fn values(scope: &Scope<'_>, owner: usize, partial: &str, at: usize, index: &LineIndex<'_>, out: &mut Out<'_>) {
    let path = scope.outline.path(owner);
    let simple = path.starts_with(&[Some("spec"), Some("schema"), Some("spec")])
        || path.starts_with(&[Some("spec"), Some("schema"), Some("types")]);
    if !simple {
        return;
    }
    if let Some(bar) = partial.rfind('|') {
        // After `|`: markers. The word being typed starts after the last space.
        let word = partial[bar + 1..].rsplit(' ').next().unwrap_or("");
        let mut markers =
            Out { range: index.lsp_range_of_bytes(at - word.len(), at), partial: word, items: Vec::new() };
        for key in MarkerKey::ALL {
            markers.push(
                key.name(),
                CompletionKind::Marker,
                Some(marker_doc(*key).to_string()),
                None,
                Some(format!("{}=", key.name())),
            );
        }
        out.items.extend(markers.items);
        return;
    }
    for (name, doc) in TYPES {
        out.push(name, CompletionKind::Type, Some((*doc).to_string()), None, None);
    }
    if let Some(types) = scope.outline.at(scope.document, &["spec", "schema", "types"]) {
        for &t in &scope.outline.nodes[types].children {
            if let Some(name) = scope.outline.key(t) {
                out.push(name, CompletionKind::Type, Some("custom type (schema.types)".into()), None, None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, EngineOptions};
    use crate::position::LineIndex;

    const WEBAPP: &str = include_str!("../../../examples/webapp/rgd.yaml");

    fn labels_after(text: &str, typed: &str) -> Vec<(String, CompletionKind)> {
        let engine = Engine::new(EngineOptions::default()).unwrap();
        let at = text.find("${schema.spec.name}").unwrap();
        let edited = format!("{}{typed}{}", &text[..at], &text[at + "${schema.spec.name}".len()..]);
        let position = LineIndex::new(&edited).lsp_position_of_byte(at + typed.len());
        complete(&edited, position, &engine).into_iter().map(|i| (i.label, i.kind)).collect()
    }

    #[test]
    fn after_a_schema_field_its_fields_come_first_and_no_optional_functions_are_offered() {
        let items = labels_after(WEBAPP, "${schema.spec.");
        let labels: Vec<&str> = items.iter().map(|(l, _)| l.as_str()).collect();
        let first_function = items.iter().position(|(_, k)| *k == CompletionKind::Function).unwrap();
        let image = labels.iter().position(|l| *l == "image").unwrap();
        assert!(image < first_function, "{labels:?}");
        for optional in ["hasValue", "orValue", "value"] {
            assert!(!labels.contains(&optional), "{optional} offered on a plain object: {labels:?}");
        }
        // Nor on any object or map an expression reaches through a schema.
        for chain in [
            "${schema.",
            "${schema.metadata.",
            "${schema.spec.ingress.",
            "${deployment.",
            "${deployment.metadata.",
            "${deployment.metadata.labels.",
            "${deployment.spec.template.spec.containers[0].",
            "${service.spec.",
        ] {
            let items = labels_after(WEBAPP, chain);
            assert!(!items.iter().any(|(l, _)| l == "orValue" || l == "hasValue"), "{chain}: {items:?}");
        }
        // A field of a kind no CRD describes is a plain value too; after `.?` it is an optional, whose own
        // functions are the only ones that apply.
        let custom = WEBAPP.replace(
            "apiVersion: v1\n        kind: Service",
            "apiVersion: cert-manager.io/v1\n        kind: Certificate",
        );
        for (chain, optional) in [("${service.spec.", false), ("${service.spec.?tls.", true)] {
            let items = labels_after(&custom, chain);
            assert_eq!(items.iter().any(|(l, _)| l == "orValue"), optional, "{chain}: {items:?}");
            assert_eq!(items.iter().any(|(l, _)| l == "size"), !optional, "{chain}: {items:?}");
        }
        // On a string field, string functions, still no optional ones.
        let on_string = labels_after(WEBAPP, "${schema.spec.name.");
        let on_string: Vec<&str> = on_string.iter().map(|(l, _)| l.as_str()).collect();
        assert!(on_string.contains(&"split") && !on_string.contains(&"orValue"), "{on_string:?}");
    }
}
