//! The SimpleSchema type grammar: `string`, `[]T`, `map[string]T`, `object`, and custom type names.

/// Deepest nesting of `[]` and `map[string]` kro accepts in one type.
pub(crate) const MAX_TYPE_DEPTH: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TypeExpr {
    String,
    Integer,
    Boolean,
    /// Written `float`; OpenAPI `number`. There is no `number` keyword in SimpleSchema.
    Float,
    /// Free-form object: `{type: object, x-kubernetes-preserve-unknown-fields: true}`.
    Object,
    List(Box<TypeExpr>),
    Map(Box<TypeExpr>),
    /// A name declared under `schema.types`.
    Custom(String),
}

impl TypeExpr {
    /// The OpenAPI type name this resolves to, for marker checks; `None` for custom types (resolved later).
    pub(crate) fn openapi_type(&self) -> Option<&'static str> {
        Some(match self {
            TypeExpr::String => "string",
            TypeExpr::Integer => "integer",
            TypeExpr::Boolean => "boolean",
            TypeExpr::Float => "number",
            TypeExpr::Object | TypeExpr::Map(_) => "object",
            TypeExpr::List(_) => "array",
            TypeExpr::Custom(_) => return None,
        })
    }

    /// Every custom type name this type mentions, for ordering custom types.
    pub(crate) fn custom_names<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            TypeExpr::List(inner) | TypeExpr::Map(inner) => inner.custom_names(out),
            TypeExpr::Custom(name) => out.push(name),
            _ => {}
        }
    }
}

/// Parses a type such as `[]map[string]Person`. The error text follows kro's wording.
pub(crate) fn parse_type(text: &str) -> Result<TypeExpr, String> {
    parse_at_depth(text.trim(), 0)
}

fn parse_at_depth(text: &str, depth: usize) -> Result<TypeExpr, String> {
    if depth > MAX_TYPE_DEPTH {
        return Err(format!("type nesting too deep (max {MAX_TYPE_DEPTH})"));
    }
    if let Some(rest) = text.strip_prefix("[]") {
        if rest.trim().is_empty() {
            return Err("empty slice element type: write `[]string`, `[]integer` or `[]MyType`".into());
        }
        return Ok(TypeExpr::List(Box::new(parse_at_depth(rest.trim(), depth + 1)?)));
    }
    if let Some(rest) = text.strip_prefix("map[") {
        let Some(value) = rest.strip_prefix("string]") else {
            return Err("map key must be string: write `map[string]T`".into());
        };
        if value.trim().is_empty() {
            return Err("map value type is required: write `map[string]string`".into());
        }
        return Ok(TypeExpr::Map(Box::new(parse_at_depth(value.trim(), depth + 1)?)));
    }
    Ok(match text {
        "string" => TypeExpr::String,
        "integer" => TypeExpr::Integer,
        "boolean" => TypeExpr::Boolean,
        "float" => TypeExpr::Float,
        "object" => TypeExpr::Object,
        "" => return Err("the type is empty: write a type such as `string` before any `|`".into()),
        name if is_type_name(name) => TypeExpr::Custom(name.to_string()),
        other => {
            return Err(format!(
                "{other:?} is not a type: expected string, integer, boolean, float, object, []T, map[string]T or a name from schema.types"
            ));
        }
    })
}

fn is_type_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_form_parses() {
        assert_eq!(parse_type("string"), Ok(TypeExpr::String));
        assert_eq!(parse_type(" float "), Ok(TypeExpr::Float));
        assert_eq!(
            parse_type("[][]integer"),
            Ok(TypeExpr::List(Box::new(TypeExpr::List(Box::new(TypeExpr::Integer)))))
        );
        assert_eq!(
            parse_type("map[string][]string"),
            Ok(TypeExpr::Map(Box::new(TypeExpr::List(Box::new(TypeExpr::String)))))
        );
        assert_eq!(parse_type("[]Person"), Ok(TypeExpr::List(Box::new(TypeExpr::Custom("Person".into())))));
        // `number` is not a keyword: it names a custom type, which then fails to resolve.
        assert_eq!(parse_type("number"), Ok(TypeExpr::Custom("number".into())));
    }

    #[test]
    fn malformed_types_are_errors() {
        assert!(parse_type("[]").unwrap_err().contains("empty slice element type"));
        assert!(parse_type("map[int]string").unwrap_err().contains("map key must be string"));
        assert!(parse_type("map[string]").unwrap_err().contains("map value type is required"));
        assert!(parse_type(&format!("{}string", "[]".repeat(17))).unwrap_err().contains("too deep"));
        assert!(parse_type("str ing").is_err());
    }
}
