//! The CEL types the checker works with, displayed with cel-go's names (`int`, `list(string)`,
//! `map(string, int)`, `optional_type(int)`), so messages read as kro users know them.
//!
//! Only the values live here: an [`ObjectType`] is a handle on a schema node. What a schema node's type is,
//! and so what type a field of an object has ([`ObjectType::field`], [`Type::select`]), is the business of
//! [`super::schema_types`], which builds on this module and never the other way round.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

/// A CEL type.
#[derive(Debug, Clone)]
pub(crate) enum Type {
    /// Anything: checked at runtime. Assignable to and from every type.
    Dyn,
    Null,
    Bool,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    Timestamp,
    Duration,
    List(Box<Type>),
    Map(Box<Type>, Box<Type>),
    /// An object described by an OpenAPI schema (a Kubernetes resource or a part of one).
    Object(ObjectType),
    Optional(Box<Type>),
    /// The type of a type (`type(x)`, `int` used as a value).
    Meta,
    /// An opaque type of a library: `kubernetes.URL`, `kubernetes.Quantity`, `net.IP`, `net.CIDR`,
    /// `kubernetes.Semver`. Values of these types have methods but no fields.
    Opaque(&'static str),
    /// The type of an expression that already failed to check; it matches anything so that one mistake is
    /// reported once.
    Error,
}

impl Type {
    /// `list(elem)`.
    pub(crate) fn list(elem: Type) -> Type {
        Type::List(Box::new(elem))
    }

    /// `map(key, value)`.
    pub(crate) fn map(key: Type, value: Type) -> Type {
        Type::Map(Box::new(key), Box::new(value))
    }

    /// `optional_type(inner)`.
    pub(crate) fn optional(inner: Type) -> Type {
        Type::Optional(Box::new(inner))
    }

    /// The element type of a list (`dyn` for `dyn`).
    pub(crate) fn elem(&self) -> Option<Type> {
        match self {
            Type::List(elem) => Some((**elem).clone()),
            Type::Dyn | Type::Error => Some(Type::Dyn),
            _ => None,
        }
    }

    /// `dyn`, or `error` (already reported): a type that matches anything.
    pub(crate) fn is_dyn_like(&self) -> bool {
        matches!(self, Type::Dyn | Type::Error)
    }
}

impl PartialEq for Type {
    fn eq(&self, other: &Type) -> bool {
        match (self, other) {
            (Type::List(a), Type::List(b)) | (Type::Optional(a), Type::Optional(b)) => a == b,
            (Type::Map(ak, av), Type::Map(bk, bv)) => ak == bk && av == bv,
            (Type::Object(a), Type::Object(b)) => a == b,
            (Type::Opaque(a), Type::Opaque(b)) => a == b,
            _ => std::mem::discriminant(self) == std::mem::discriminant(other) && !self.has_parts(),
        }
    }
}

impl Type {
    fn has_parts(&self) -> bool {
        matches!(self, Type::List(_) | Type::Map(..) | Type::Optional(_) | Type::Object(_) | Type::Opaque(_))
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Dyn => f.write_str("dyn"),
            Type::Null => f.write_str("null_type"),
            Type::Bool => f.write_str("bool"),
            Type::Int => f.write_str("int"),
            Type::Uint => f.write_str("uint"),
            Type::Double => f.write_str("double"),
            Type::String => f.write_str("string"),
            Type::Bytes => f.write_str("bytes"),
            Type::Timestamp => f.write_str("google.protobuf.Timestamp"),
            Type::Duration => f.write_str("google.protobuf.Duration"),
            Type::List(elem) => write!(f, "list({elem})"),
            Type::Map(key, value) => write!(f, "map({key}, {value})"),
            Type::Object(object) => f.write_str(object.name()),
            Type::Optional(inner) => write!(f, "optional_type({inner})"),
            Type::Meta => f.write_str("type"),
            Type::Opaque(name) => f.write_str(name),
            Type::Error => f.write_str("*error*"),
        }
    }
}

/// Resolves `$ref`s of OpenAPI schemas (`#/definitions/io.k8s.api.apps.v1.DeploymentSpec`,
/// `#/components/schemas/...`) to the schema they name.
pub(crate) trait RefResolver: Send + Sync {
    fn resolve(&self, reference: &str) -> Option<Arc<Value>>;
}

/// The resolver for self-contained schemas (CRDs): it resolves nothing. A `$ref` it cannot resolve is
/// looked up inside the schema itself, then typed as `dyn`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NoRefs;

impl RefResolver for NoRefs {
    fn resolve(&self, _reference: &str) -> Option<Arc<Value>> {
        None
    }
}

/// An object type: a name for messages (`deployment.spec`) and its OpenAPI schema. The schema is a node of
/// a shared document (`root` at JSON pointer `pointer`), so selecting a field never copies a schema; fields
/// are typed when selected, so recursive schemas (`JSONSchemaProps`) are fine.
#[derive(Clone)]
pub(crate) struct ObjectType {
    pub(crate) name: Arc<str>,
    pub(crate) root: Arc<Value>,
    pub(crate) pointer: Arc<str>,
    /// The `$ref` that `root` was resolved from, if any: resolvers may hand out a fresh document for each
    /// resolution, so a recursive schema is recognised by this name rather than by the document's address.
    pub(crate) origin: Option<Arc<str>>,
    pub(crate) resolver: Arc<dyn RefResolver>,
}

impl ObjectType {
    /// The name used in messages, e.g. `deployment.spec`.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The object's OpenAPI schema (its `$ref`s resolved as far as this node).
    pub(crate) fn schema(&self) -> &Value {
        static NULL: Value = Value::Null;
        json_pointer(&self.root, &self.pointer).unwrap_or(&NULL)
    }

    /// The names of the object's fields, in schema order.
    pub(crate) fn field_names(&self) -> impl Iterator<Item = &str> {
        self.schema()
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|props| props.keys().map(String::as_str))
    }

    /// Whether the schema keeps unknown fields (`x-kubernetes-preserve-unknown-fields: true` beside
    /// `properties`): selecting a field it does not declare gives `dyn` rather than an error.
    pub(crate) fn preserves_unknown_fields(&self) -> bool {
        self.schema().get("x-kubernetes-preserve-unknown-fields").and_then(Value::as_bool) == Some(true)
    }

    /// The same schema node (one document, one place).
    pub(crate) fn same_node(&self, other: &ObjectType) -> bool {
        self.pointer == other.pointer
            && match (&self.origin, &other.origin) {
                (Some(a), Some(b)) => a == b,
                _ => Arc::ptr_eq(&self.root, &other.root),
            }
    }
}

impl PartialEq for ObjectType {
    fn eq(&self, other: &ObjectType) -> bool {
        self.same_node(other) || (self.name == other.name && self.schema() == other.schema())
    }
}

impl fmt::Debug for ObjectType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectType").field("name", &self.name).field("pointer", &self.pointer).finish_non_exhaustive()
    }
}

/// `Value::pointer` without its allocation per segment (`serde_json` unescapes every segment with `replace`):
/// the checker resolves a pointer for every field every expression reads.
pub(super) fn json_pointer<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(root);
    }
    let mut value = root;
    for token in pointer.strip_prefix('/')?.split('/') {
        let token: std::borrow::Cow<'_, str> =
            if token.contains('~') { token.replace("~1", "/").replace("~0", "~").into() } else { token.into() };
        value = match value {
            Value::Object(map) => map.get(token.as_ref())?,
            Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_display_with_cel_go_names() {
        assert_eq!(Type::Int.to_string(), "int");
        assert_eq!(Type::list(Type::String).to_string(), "list(string)");
        assert_eq!(Type::map(Type::String, Type::Int).to_string(), "map(string, int)");
        assert_eq!(Type::optional(Type::Int).to_string(), "optional_type(int)");
        assert_eq!(Type::Null.to_string(), "null_type");
        assert_eq!(Type::Timestamp.to_string(), "google.protobuf.Timestamp");
    }

    #[test]
    fn equality_is_structural() {
        assert_eq!(Type::list(Type::Int), Type::list(Type::Int));
        assert_ne!(Type::list(Type::Int), Type::list(Type::Dyn));
        assert_ne!(Type::Int, Type::Uint);
        assert_eq!(Type::Opaque("net.IP"), Type::Opaque("net.IP"));
    }
}
