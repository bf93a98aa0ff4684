//! OpenAPI schemas to CEL types (as kro's `pkg/cel/schemas.go` does, after the API server's
//! `SchemaDeclType`), and CEL types back to OpenAPI for status inference (kro's `inferStatusSchema`).
//! Selecting a field of an object type ([`ObjectType::field`], [`Type::select`]) types a schema node, so it is
//! implemented here, beside the rules it follows, rather than in [`super::types`].

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::types::{ObjectType, RefResolver, Type, json_pointer};

/// Most `$ref` hops followed from one schema node (a ref to a ref to ...); a loop of refs ends as `dyn`.
const MAX_REF_HOPS: usize = 16;

/// Deepest object nesting [`to_openapi`] expands; real types are far shallower.
const MAX_OPENAPI_DEPTH: usize = 64;

/// Most object types [`to_openapi`] expands in one call (a whole `PodSpec` is a few hundred), so a wide
/// recursive schema cannot make it run away.
const MAX_OPENAPI_OBJECTS: usize = 5_000;

/// The CEL type of values described by `schema`, named `name` in messages. The schema is copied once into a
/// shared document; use [`type_of_shared_schema`] when it already is one.
///
/// Per kro: an object with `properties` is an object type; `additionalProperties` makes `map(string, T)`;
/// `x-kubernetes-preserve-unknown-fields` without properties, `x-kubernetes-int-or-string`, and schemas
/// saying nothing are `dyn`; arrays are `list(items)`; strings of format `byte` are `bytes`, `date-time` and
/// `date` `timestamp`, `duration` `duration`; `integer` is `int`, `number` `double`, `boolean` `bool`.
pub(crate) fn type_of_schema(schema: &Value, name: &str, resolver: &Arc<dyn RefResolver>) -> Type {
    type_of_shared_schema(&Arc::new(schema.clone()), name, resolver)
}

/// [`type_of_schema`] over a schema already shared: nothing is copied.
pub(crate) fn type_of_shared_schema(root: &Arc<Value>, name: &str, resolver: &Arc<dyn RefResolver>) -> Type {
    type_at(root, None, String::new(), name, resolver)
}

/// The type of the schema node at `pointer` inside `root`, following `$ref`s.
fn type_at(
    root: &Arc<Value>,
    origin: Option<&Arc<str>>,
    pointer: String,
    name: &str,
    resolver: &Arc<dyn RefResolver>,
) -> Type {
    let mut root = Arc::clone(root);
    let mut origin = origin.cloned();
    let mut pointer = pointer;
    for _ in 0..MAX_REF_HOPS {
        let Some(node) = json_pointer(&root, &pointer) else {
            return Type::Dyn;
        };
        if let Some(reference) = node.get("$ref").and_then(Value::as_str).map(Arc::<str>::from) {
            if let Some(target) = resolver.resolve(&reference) {
                root = target;
                origin = Some(reference);
                pointer = String::new();
            } else if let Some(local) = reference.strip_prefix('#')
                && json_pointer(&root, local).is_some()
            {
                pointer = local.to_string();
            } else {
                return Type::Dyn;
            }
            continue;
        }
        // Kubernetes' OpenAPI v3 wraps a described `$ref` as `allOf: [{$ref}]`.
        if node.get("properties").is_none()
            && node.get("type").is_none()
            && let Some([_]) = node.get("allOf").and_then(Value::as_array).map(Vec::as_slice)
        {
            pointer.push_str("/allOf/0");
            continue;
        }
        let doc = Doc { root: &root, origin: origin.as_ref(), resolver };
        return classify(&doc, pointer, node, name);
    }
    Type::Dyn
}

/// The document a schema node is in.
struct Doc<'d> {
    root: &'d Arc<Value>,
    origin: Option<&'d Arc<str>>,
    resolver: &'d Arc<dyn RefResolver>,
}

impl Doc<'_> {
    fn type_at(&self, pointer: String, name: &str) -> Type {
        type_at(self.root, self.origin, pointer, name, self.resolver)
    }
}

fn classify(doc: &Doc<'_>, pointer: String, node: &Value, name: &str) -> Type {
    let flag = |key: &str| node.get(key).and_then(Value::as_bool) == Some(true);
    if flag("x-kubernetes-int-or-string") {
        return Type::Dyn;
    }
    let has_properties = node.get("properties").and_then(Value::as_object).is_some_and(|p| !p.is_empty());
    let declared = node.get("type").and_then(Value::as_str);
    if has_properties && matches!(declared, None | Some("object")) {
        return Type::Object(ObjectType {
            name: Arc::from(name),
            root: Arc::clone(doc.root),
            pointer: Arc::from(pointer),
            origin: doc.origin.cloned(),
            resolver: Arc::clone(doc.resolver),
        });
    }
    if flag("x-kubernetes-preserve-unknown-fields") {
        return Type::Dyn;
    }
    match declared {
        Some("object") | None => match node.get("additionalProperties") {
            Some(Value::Object(_)) => Type::map(
                Type::String,
                doc.type_at(format!("{pointer}/additionalProperties"), &format!("{name}.@elem")),
            ),
            Some(Value::Bool(true)) => Type::map(Type::String, Type::Dyn),
            _ if declared.is_none() && node.get("items").is_some() => list_of(doc, &pointer, name, node),
            _ => Type::Dyn,
        },
        Some("array") => list_of(doc, &pointer, name, node),
        Some("string") => match node.get("format").and_then(Value::as_str) {
            Some("byte") => Type::Bytes,
            Some("date-time" | "date") => Type::Timestamp,
            Some("duration") => Type::Duration,
            _ => Type::String,
        },
        Some("integer") => Type::Int,
        Some("number") => Type::Double,
        Some("boolean") => Type::Bool,
        Some(_) => Type::Dyn,
    }
}

fn list_of(doc: &Doc<'_>, pointer: &str, name: &str, node: &Value) -> Type {
    if node.get("items").is_some_and(Value::is_object) {
        Type::list(doc.type_at(format!("{pointer}/items"), &format!("{name}.@idx")))
    } else {
        Type::list(Type::Dyn)
    }
}

/// Escapes a property name for a JSON pointer segment (borrowed when, as nearly always, nothing needs escaping:
/// this runs for every field every expression reads).
fn pointer_segment(name: &str) -> std::borrow::Cow<'_, str> {
    if name.contains(['~', '/']) {
        std::borrow::Cow::Owned(name.replace('~', "~0").replace('/', "~1"))
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

/// The property name a Kubernetes-escaped CEL field name stands for (`__dash__` for `-`, `__dot__` for `.`,
/// `__slash__` for `/`, `__underscores__` for `__`, `__if__` for `if`), when it is escaped.
fn unescape(field: &str) -> Option<String> {
    if let Some(inner) = field.strip_prefix("__").and_then(|f| f.strip_suffix("__"))
        && crate::kube::CEL_RESERVED_WORDS.contains(&inner)
    {
        return Some(inner.to_string());
    }
    if !field.contains("__") {
        return None;
    }
    let mut out = String::new();
    let mut rest = field;
    while let Some(start) = rest.find("__") {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let (token, replacement) = [("__underscores__", "__"), ("__dash__", "-"), ("__dot__", "."), ("__slash__", "/")]
            .into_iter()
            .find(|(token, _)| rest.starts_with(token))
            .unwrap_or(("__", "__"));
        out.push_str(replacement);
        rest = &rest[token.len()..];
    }
    out.push_str(rest);
    Some(out)
}

impl Type {
    /// The type of field `name` of a value of this type, when the type has fields: object fields, map values
    /// (`dyn` for `dyn`). `None` when there is no such field. Used to find the expected type of a template
    /// field from its resource's type.
    pub(crate) fn select(&self, name: &str) -> Option<Type> {
        match self {
            Type::Object(object) => object.field(name),
            Type::Map(_, value) => Some((**value).clone()),
            Type::Dyn | Type::Error => Some(Type::Dyn),
            _ => None,
        }
    }
}

impl ObjectType {
    /// The type of field `name` (a property name, or its Kubernetes CEL escape), or `None` when the schema
    /// does not declare it. An object that keeps unknown fields gives `dyn` for undeclared ones.
    pub(crate) fn field(&self, name: &str) -> Option<Type> {
        let properties = self.schema().get("properties").and_then(Value::as_object);
        let key = match properties {
            Some(props) if props.contains_key(name) => name.to_string(),
            Some(props) => match unescape(name) {
                Some(key) if props.contains_key(&key) => key,
                _ => return self.preserves_unknown_fields().then_some(Type::Dyn),
            },
            None => return self.preserves_unknown_fields().then_some(Type::Dyn),
        };
        Some(type_at(
            &self.root,
            self.origin.as_ref(),
            format!("{}/properties/{}", self.pointer, pointer_segment(&key)),
            &format!("{}.{key}", self.name),
            &self.resolver,
        ))
    }
}

/// The OpenAPI schema of values of CEL type `t`, for inferred status fields (section 1 of kro's semantics):
/// `bool` boolean; `int`/`uint` integer; `double` number; `string` string; `bytes` string of format byte;
/// `null_type` and `dyn` keep unknown fields; lists are arrays; maps objects with `additionalProperties`;
/// objects their properties, re-derived (a recursive type is cut where it repeats); timestamps strings of
/// format date-time; anything else (optionals, durations, ...) keeps unknown fields, described as
/// "unknown CEL type: ...".
pub(crate) fn to_openapi(t: &Type) -> Value {
    to_openapi_in(t, &mut Walk { stack: Vec::new(), objects: 0 })
}

struct Walk {
    stack: Vec<ObjectType>,
    objects: usize,
}

fn preserve_unknown() -> Value {
    json!({"x-kubernetes-preserve-unknown-fields": true})
}

fn to_openapi_in(t: &Type, walk: &mut Walk) -> Value {
    match t {
        Type::Bool => json!({"type": "boolean"}),
        Type::Int | Type::Uint => json!({"type": "integer"}),
        Type::Double => json!({"type": "number"}),
        Type::String => json!({"type": "string"}),
        Type::Bytes => json!({"type": "string", "format": "byte"}),
        Type::Timestamp => json!({"type": "string", "format": "date-time"}),
        Type::Null | Type::Dyn => preserve_unknown(),
        Type::List(elem) => json!({"type": "array", "items": to_openapi_in(elem, walk)}),
        Type::Map(_, value) => json!({"type": "object", "additionalProperties": to_openapi_in(value, walk)}),
        Type::Object(object) => {
            if walk.stack.iter().any(|seen| seen.same_node(object))
                || walk.stack.len() >= MAX_OPENAPI_DEPTH
                || walk.objects >= MAX_OPENAPI_OBJECTS
            {
                return json!({
                    "x-kubernetes-preserve-unknown-fields": true,
                    "description": format!("cyclic type reference detected: {}", object.name()),
                });
            }
            walk.objects += 1;
            walk.stack.push(object.clone());
            let mut properties = Map::new();
            for field in object.field_names() {
                let field_type = object.field(field).unwrap_or(Type::Dyn);
                properties.insert(field.to_string(), to_openapi_in(&field_type, walk));
            }
            walk.stack.pop();
            let mut schema = json!({"type": "object", "properties": properties});
            if object.preserves_unknown_fields() {
                schema["x-kubernetes-preserve-unknown-fields"] = Value::Bool(true);
            }
            schema
        }
        Type::Duration | Type::Optional(_) | Type::Meta | Type::Opaque(_) | Type::Error => json!({
            "x-kubernetes-preserve-unknown-fields": true,
            "description": format!("unknown CEL type: {t}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::check::types::NoRefs;

    fn no_refs() -> Arc<dyn RefResolver> {
        Arc::new(NoRefs)
    }

    fn ty(schema: &Value) -> Type {
        type_of_schema(schema, "x", &no_refs())
    }

    #[test]
    fn openapi_scalars_and_formats_become_cel_types() {
        assert_eq!(ty(&json!({"type": "integer"})), Type::Int);
        assert_eq!(ty(&json!({"type": "number"})), Type::Double);
        assert_eq!(ty(&json!({"type": "boolean"})), Type::Bool);
        assert_eq!(ty(&json!({"type": "string"})), Type::String);
        assert_eq!(ty(&json!({"type": "string", "format": "byte"})), Type::Bytes);
        assert_eq!(ty(&json!({"type": "string", "format": "date-time"})), Type::Timestamp);
        assert_eq!(ty(&json!({"type": "string", "format": "date"})), Type::Timestamp);
        assert_eq!(ty(&json!({"type": "string", "format": "duration"})), Type::Duration);
        assert_eq!(ty(&json!({"x-kubernetes-int-or-string": true})), Type::Dyn);
        assert_eq!(ty(&json!({})), Type::Dyn);
    }

    #[test]
    fn openapi_arrays_and_maps_become_cel_lists_and_maps() {
        assert_eq!(ty(&json!({"type": "array", "items": {"type": "string"}})), Type::list(Type::String));
        assert_eq!(
            ty(&json!({"type": "object", "additionalProperties": {"type": "string"}})),
            Type::map(Type::String, Type::String)
        );
        assert_eq!(ty(&json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})), Type::Dyn);
        let object = ty(&json!({"type": "object", "properties": {"a": {"type": "integer"}}}));
        assert!(matches!(&object, Type::Object(o) if o.name() == "x"));
        assert_eq!(object.select("a"), Some(Type::Int));
        assert_eq!(object.select("b"), None);
    }

    struct Defs(Value);

    impl RefResolver for Defs {
        fn resolve(&self, reference: &str) -> Option<Arc<Value>> {
            let name = reference.strip_prefix("#/definitions/")?;
            self.0.get(name).map(|schema| Arc::new(schema.clone()))
        }
    }

    #[test]
    fn refs_are_resolved_lazily_and_recursive_schemas_are_fine() {
        let defs = json!({
            "Props": {"type": "object", "properties": {
                "name": {"type": "string"},
                "items": {"allOf": [{"$ref": "#/definitions/Props"}], "description": "recursive"},
                "children": {"type": "object", "additionalProperties": {"$ref": "#/definitions/Props"}}
            }}
        });
        let resolver: Arc<dyn RefResolver> = Arc::new(Defs(defs));
        let t = type_of_schema(&json!({"$ref": "#/definitions/Props"}), "props", &resolver);
        let deep = t.select("items").and_then(|i| i.select("items")).and_then(|i| i.select("name"));
        assert_eq!(deep, Some(Type::String));
        let child = t.select("children").and_then(|c| c.select("anything")).and_then(|c| c.select("name"));
        assert_eq!(child, Some(Type::String));
        let schema = to_openapi(&t);
        assert_eq!(schema["properties"]["name"], json!({"type": "string"}));
        assert_eq!(schema["properties"]["items"]["x-kubernetes-preserve-unknown-fields"], json!(true));
    }

    #[test]
    fn a_loop_of_refs_is_dyn_not_a_hang() {
        let resolver: Arc<dyn RefResolver> = Arc::new(Defs(json!({"A": {"$ref": "#/definitions/A"}})));
        assert_eq!(type_of_schema(&json!({"$ref": "#/definitions/A"}), "a", &resolver), Type::Dyn);
    }

    #[test]
    fn escaped_field_names_find_their_property() {
        let t = ty(&json!({"properties": {"x-y": {"type": "integer"}, "namespace": {"type": "string"}}}));
        assert_eq!(t.select("x__dash__y"), Some(Type::Int));
        assert_eq!(t.select("namespace"), Some(Type::String));
        assert_eq!(t.select("__namespace__"), Some(Type::String));
    }

    #[test]
    fn openapi_for_each_row_of_the_status_table() {
        let unknown = |name: &str| json!({"x-kubernetes-preserve-unknown-fields": true, "description": format!("unknown CEL type: {name}")});
        assert_eq!(to_openapi(&Type::Bool), json!({"type": "boolean"}));
        assert_eq!(to_openapi(&Type::Int), json!({"type": "integer"}));
        assert_eq!(to_openapi(&Type::Uint), json!({"type": "integer"}));
        assert_eq!(to_openapi(&Type::Double), json!({"type": "number"}));
        assert_eq!(to_openapi(&Type::String), json!({"type": "string"}));
        assert_eq!(to_openapi(&Type::Bytes), json!({"type": "string", "format": "byte"}));
        assert_eq!(to_openapi(&Type::Null), preserve_unknown());
        assert_eq!(to_openapi(&Type::list(Type::Int)), json!({"type": "array", "items": {"type": "integer"}}));
        assert_eq!(
            to_openapi(&Type::map(Type::String, Type::String)),
            json!({"type": "object", "additionalProperties": {"type": "string"}})
        );
        assert_eq!(to_openapi(&Type::Dyn), preserve_unknown());
        assert_eq!(to_openapi(&Type::Timestamp), json!({"type": "string", "format": "date-time"}));
        assert_eq!(to_openapi(&Type::optional(Type::Int)), unknown("optional_type(int)"));
        assert_eq!(to_openapi(&Type::Duration), unknown("google.protobuf.Duration"));
        let object = ty(&json!({"type": "object", "properties": {
            "replicas": {"type": "integer"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "when": {"type": "string", "format": "date-time"}
        }}));
        assert_eq!(
            to_openapi(&object),
            json!({"type": "object", "properties": {
                "replicas": {"type": "integer"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "when": {"type": "string", "format": "date-time"}
            }})
        );
    }
}
