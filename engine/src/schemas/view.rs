//! [`Schema`]: a read-only view of one OpenAPI v3 schema that follows `$ref`s into a definitions map.

use serde_json::{Map, Value};

use super::definitions::Definitions;

/// The prefix of a `$ref` into the bundle's definitions.
const REF_PREFIX: &str = "#/definitions/";
/// How many `$ref`s in a row are followed before giving up (a definition that is only a `$ref` to another).
const MAX_REF_CHAIN: usize = 8;

/// A JSON value type, as a schema may accept it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum JsonType {
    Object,
    Array,
    String,
    Integer,
    Number,
    Boolean,
}

impl JsonType {
    const fn bit(self) -> u8 {
        match self {
            JsonType::Object => 1,
            JsonType::Array => 2,
            JsonType::String => 4,
            JsonType::Integer => 8,
            JsonType::Number => 16,
            JsonType::Boolean => 32,
        }
    }
}

/// A set of [`JsonType`]s.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct Types(u8);

impl Types {
    pub(crate) const NONE: Types = Types(0);
    pub(crate) const ALL: Types = Types(63);

    pub(crate) const fn of(t: JsonType) -> Types {
        Types(t.bit())
    }

    #[must_use]
    pub(crate) const fn with(self, t: JsonType) -> Types {
        Types(self.0 | t.bit())
    }

    #[must_use]
    pub(crate) const fn union(self, other: Types) -> Types {
        Types(self.0 | other.0)
    }

    pub(crate) const fn contains(self, t: JsonType) -> bool {
        self.0 & t.bit() != 0
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = JsonType> {
        [JsonType::Object, JsonType::Array, JsonType::String, JsonType::Integer, JsonType::Number, JsonType::Boolean]
            .into_iter()
            .filter(move |t| self.contains(*t))
    }
}

impl std::fmt::Debug for Types {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// What a schema describes, in the terms a type checker needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SchemaKind {
    /// An object with declared properties (possibly none), e.g. `PodSpec`.
    Object,
    /// An object used as a map: every key allowed, every value of [`Schema::map_values`] (`labels`, `data`).
    Map,
    /// A list of [`Schema::items`].
    Array,
    String,
    Integer,
    Number,
    Boolean,
    /// `x-kubernetes-int-or-string` (e.g. a Service's `targetPort`): an integer or a string.
    IntOrString,
    /// No type of its own, but `oneOf`/`anyOf` alternatives: one of these (a Quantity is a string or a number).
    Union(Types),
    /// Any JSON value: no type and no alternatives (apiextensions' `JSON`), an unresolvable `$ref`, or the inside
    /// of an `x-kubernetes-preserve-unknown-fields` object.
    Any,
}

/// Where a view's keywords come from.
#[derive(Debug, Clone, Copy)]
enum Target<'a> {
    Json(&'a Map<String, Value>),
    /// Any value; no keywords.
    Any,
}

/// A view of one schema. `Copy`; holds only references into the bundle (or the standalone schema).
///
/// When the schema is a `$ref` (`{"$ref": "#/definitions/...", "description": "..."}`), the view reads the
/// keywords of the referenced definition, except the description, which the use site's wins (Kubernetes writes
/// per-field descriptions next to the `$ref`). `allOf: [{$ref}]`, as Kubernetes' own OpenAPI v3 documents write
/// it, is followed the same way.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Schema<'a> {
    definitions: Option<&'a Definitions>,
    /// The schema as written where it is used (carries the description of a `$ref` use).
    site: Option<&'a Map<String, Value>>,
    target: Target<'a>,
    /// The definition `target` came from, when reached through a `$ref`.
    definition: Option<&'a str>,
}

impl<'a> Schema<'a> {
    /// A view over `schema` resolving `$ref`s (`#/definitions/<name>`) in `definitions`.
    pub(crate) fn new(schema: &'a Value, definitions: Option<&'a Definitions>) -> Self {
        let Value::Object(site) = schema else {
            // `true` or a non-object: anything goes. (`false` never appears in Kubernetes schemas.)
            return Self { definitions, site: None, target: Target::Any, definition: None };
        };
        let mut target = site;
        let mut definition = None;
        for _ in 0..MAX_REF_CHAIN {
            let Some(reference) = ref_of(target) else {
                return Self { definitions, site: Some(site), target: Target::Json(target), definition };
            };
            match reference.strip_prefix(REF_PREFIX).and_then(|name| Some((name, definitions?.get(name)?))) {
                Some((name, Value::Object(next))) => {
                    definition = Some(name);
                    target = next;
                }
                _ => break,
            }
        }
        Self { definitions, site: Some(site), target: Target::Any, definition }
    }

    fn any(self) -> Self {
        Self { definitions: self.definitions, site: None, target: Target::Any, definition: None }
    }

    fn child(self, schema: &'a Value) -> Self {
        Self::new(schema, self.definitions)
    }

    fn keyword(self, key: &str) -> Option<&'a Value> {
        match self.target {
            Target::Json(map) => map.get(key),
            Target::Any => None,
        }
    }

    /// The schema's JSON after following `$ref`s (`None` for [`SchemaKind::Any`] reached without a schema).
    pub(crate) fn raw(self) -> Option<&'a Map<String, Value>> {
        match self.target {
            Target::Json(map) => Some(map),
            Target::Any => None,
        }
    }

    /// The name of the definition this schema resolved to, e.g. `io.k8s.api.core.v1.Container`.
    pub(crate) fn definition_name(self) -> Option<&'a str> {
        self.definition
    }

    /// The field's description: the use site's, else the definition's.
    pub(crate) fn description(self) -> Option<&'a str> {
        self.site.and_then(|s| s.get("description")).or_else(|| self.keyword("description")).and_then(Value::as_str)
    }

    /// `format` (`int32`, `int64`, `date-time`, `byte`, `double`, ...).
    pub(crate) fn format(self) -> Option<&'a str> {
        self.keyword("format").and_then(Value::as_str)
    }

    pub(crate) fn is_int_or_string(self) -> bool {
        self.keyword("x-kubernetes-int-or-string").and_then(Value::as_bool) == Some(true)
    }

    /// `x-kubernetes-preserve-unknown-fields: true`: fields not declared are kept, with any value.
    pub(crate) fn preserves_unknown_fields(self) -> bool {
        self.keyword("x-kubernetes-preserve-unknown-fields").and_then(Value::as_bool) == Some(true)
    }

    /// What the schema describes.
    pub(crate) fn kind(self) -> SchemaKind {
        self.kind_at_depth(0)
    }

    fn kind_at_depth(self, depth: usize) -> SchemaKind {
        let Target::Json(map) = self.target else {
            return SchemaKind::Any;
        };
        if self.is_int_or_string() {
            return SchemaKind::IntOrString;
        }
        match map.get("type").and_then(Value::as_str) {
            Some("object") => {
                // An object that keeps unknown fields stays an object; `field` lets any name through.
                if map.get("properties").is_none() && self.map_values().is_some() {
                    SchemaKind::Map
                } else {
                    SchemaKind::Object
                }
            }
            Some("array") => SchemaKind::Array,
            Some("string") => SchemaKind::String,
            Some("integer") => SchemaKind::Integer,
            Some("number") => SchemaKind::Number,
            Some("boolean") => SchemaKind::Boolean,
            _ => {
                let alternatives = map.get("oneOf").or_else(|| map.get("anyOf")).and_then(Value::as_array);
                match alternatives {
                    Some(list) if !list.is_empty() && depth < MAX_REF_CHAIN => SchemaKind::Union(
                        list.iter().fold(Types::NONE, |acc, alt| acc.union(self.child(alt).types_at_depth(depth + 1))),
                    ),
                    _ if map.get("properties").is_some() => SchemaKind::Object,
                    _ => SchemaKind::Any,
                }
            }
        }
    }

    /// The JSON types a value of this schema may have (a number schema accepts integers too).
    pub(crate) fn types(self) -> Types {
        let types = self.types_at_depth(0);
        if types.contains(JsonType::Number) { types.with(JsonType::Integer) } else { types }
    }

    /// The types as the schema names them (no widening of `number` to integers).
    fn types_at_depth(self, depth: usize) -> Types {
        match self.kind_at_depth(depth) {
            SchemaKind::Object | SchemaKind::Map => Types::of(JsonType::Object),
            SchemaKind::Array => Types::of(JsonType::Array),
            SchemaKind::String => Types::of(JsonType::String),
            SchemaKind::Integer => Types::of(JsonType::Integer),
            SchemaKind::Number => Types::of(JsonType::Number),
            SchemaKind::Boolean => Types::of(JsonType::Boolean),
            SchemaKind::IntOrString => Types::of(JsonType::Integer).with(JsonType::String),
            SchemaKind::Union(types) => types,
            SchemaKind::Any => Types::ALL,
        }
    }

    /// Whether a value of JSON type `t` fits (`Integer` fits a number schema).
    pub(crate) fn accepts(self, t: JsonType) -> bool {
        self.types().contains(t)
    }

    /// A declared property.
    pub(crate) fn property(self, name: &str) -> Option<Schema<'a>> {
        self.keyword("properties").and_then(|p| p.get(name)).map(|s| self.child(s))
    }

    /// The declared properties, in the order the schema lists them.
    pub(crate) fn properties(self) -> impl Iterator<Item = (&'a str, Schema<'a>)> {
        self.keyword("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(move |(name, s)| (name.as_str(), self.child(s)))
    }

    /// The schema of a map's values (`additionalProperties`), when it has one.
    pub(crate) fn map_values(self) -> Option<Schema<'a>> {
        match self.keyword("additionalProperties")? {
            Value::Bool(false) => None,
            values => Some(self.child(values)),
        }
    }

    /// The schema of a list's elements.
    pub(crate) fn items(self) -> Option<Schema<'a>> {
        match self.target {
            Target::Any => Some(self.any()),
            Target::Json(_) => match self.keyword("items") {
                Some(items) => Some(self.child(items)),
                None if matches!(self.kind(), SchemaKind::Union(_)) => self.alternative(JsonType::Array)?.items(),
                None => None,
            },
        }
    }

    /// The names listed in `required`.
    pub(crate) fn required(self) -> impl Iterator<Item = &'a str> {
        self.keyword("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
    }

    pub(crate) fn is_required(self, name: &str) -> bool {
        self.required().any(|r| r == name)
    }

    /// What the key `name` leads to: a declared property; else a map's value; else, in an object that keeps
    /// unknown fields or in an [`SchemaKind::Any`] value, any value. `None` when the field is unknown.
    pub(crate) fn field(self, name: &str) -> Option<Schema<'a>> {
        if let Some(property) = self.property(name) {
            return Some(property);
        }
        if let Some(values) = self.map_values() {
            return Some(values);
        }
        match self.kind() {
            SchemaKind::Any => Some(self.any()),
            _ if self.preserves_unknown_fields() => Some(self.any()),
            SchemaKind::Union(_) => self.alternative(JsonType::Object)?.field(name),
            _ => None,
        }
    }

    /// For a schema of `oneOf`/`anyOf` alternatives, the first alternative a value of type `t` fits. This is
    /// how a CRD's `items` (`JSONSchemaPropsOrArray`: a schema or a list of schemas) and `additionalProperties`
    /// (`JSONSchemaPropsOrBool`) are walked: a map there is a `JSONSchemaProps`, a list holds them.
    pub(crate) fn alternative(self, t: JsonType) -> Option<Schema<'a>> {
        let alternatives = self.keyword("oneOf").or_else(|| self.keyword("anyOf"))?.as_array()?;
        alternatives.iter().map(|alt| self.child(alt)).find(|alt| alt.accepts(t))
    }
}

fn ref_of(schema: &Map<String, Value>) -> Option<&str> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return Some(reference);
    }
    // Kubernetes' own documents wrap a `$ref` that has siblings as `allOf: [{"$ref": ...}]`.
    match schema.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
        Some([only]) if schema.get("type").is_none() => only.get("$ref").and_then(Value::as_str),
        _ => None,
    }
}
