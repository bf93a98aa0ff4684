//! Whether an expression's type fits the field it fills: cel-go's `IsAssignableType`, then kro's
//! `AreTypesStructurallyCompatible` (`pkg/cel/compatibility.go`).

use super::types::{ObjectType, Type};

/// Deepest nesting compared; schemas are far shallower, recursive ones stop here.
const MAX_DEPTH: usize = 64;

/// `Ok` when a value of type `actual` may fill a place of type `expected`, else why not.
///
/// `dyn` on either side fits; an optional result is unwrapped; lists and maps compare their elements; a map
/// fits an object (and an object a map) when its values fit the fields; an object fits another whose fields
/// include all of its own ("field X exists in output but not in expected type"). `int` does not fit `double`,
/// nor `string` `bytes` or `timestamp`.
pub(crate) fn assignable(expected: &Type, actual: &Type) -> Result<(), String> {
    compatible(expected, actual, &mut Vec::new())
}

fn mismatch(expected: &Type, actual: &Type) -> Result<(), String> {
    Err(format!("type '{actual}' is not assignable to '{expected}'"))
}

fn compatible(expected: &Type, actual: &Type, seen: &mut Vec<(ObjectType, ObjectType)>) -> Result<(), String> {
    if seen.len() > MAX_DEPTH {
        return Ok(());
    }
    match (expected, actual) {
        (Type::Dyn | Type::Error, _) | (_, Type::Dyn | Type::Error) | (Type::Null | Type::Object(_), Type::Null) => {
            Ok(())
        }
        (Type::Optional(e), Type::Optional(a)) => compatible(e, a, seen),
        (_, Type::Optional(inner)) => compatible(expected, inner, seen),
        (Type::Optional(e), _) => compatible(e, actual, seen),
        (Type::List(e), Type::List(a)) => compatible(e, a, seen).map_err(|why| format!("list element: {why}")),
        (Type::Map(ek, ev), Type::Map(ak, av)) => {
            compatible(ek, ak, seen).map_err(|why| format!("map key: {why}"))?;
            compatible(ev, av, seen).map_err(|why| format!("map value: {why}"))
        }
        (Type::Map(key, value), Type::Object(object)) => {
            compatible(key, &Type::String, seen).map_err(|why| format!("map key: {why}"))?;
            for field in object.field_names() {
                let field_type = object.field(field).unwrap_or(Type::Dyn);
                compatible(value, &field_type, seen).map_err(|why| format!("field '{field}': {why}"))?;
            }
            Ok(())
        }
        (Type::Object(object), Type::Map(key, value)) => {
            compatible(&Type::String, key, seen).map_err(|why| format!("map key: {why}"))?;
            for field in object.field_names() {
                let field_type = object.field(field).unwrap_or(Type::Dyn);
                compatible(&field_type, value, seen).map_err(|why| format!("field '{field}': {why}"))?;
            }
            Ok(())
        }
        (Type::Object(e), Type::Object(a)) => {
            if e.same_node(a) || seen.iter().any(|(se, sa)| se.same_node(e) && sa.same_node(a)) {
                return Ok(());
            }
            seen.push((e.clone(), a.clone()));
            let result = a.field_names().try_for_each(|field| {
                let actual_field = a.field(field).unwrap_or(Type::Dyn);
                match e.field(field) {
                    Some(expected_field) => compatible(&expected_field, &actual_field, seen)
                        .map_err(|why| format!("field '{field}': {why}")),
                    None => Err(format!("field '{field}' exists in output but not in expected type")),
                }
            });
            seen.pop();
            result
        }
        _ if expected == actual => Ok(()),
        _ => mismatch(expected, actual),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::expr::check::schema_types::type_of_schema;
    use crate::expr::check::types::{NoRefs, RefResolver};

    fn object(schema: &serde_json::Value) -> Type {
        let resolver: Arc<dyn RefResolver> = Arc::new(NoRefs);
        type_of_schema(schema, "t", &resolver)
    }

    #[test]
    fn a_scalar_is_assignable_to_its_own_type_dyn_and_its_optional_only() {
        assert_eq!(assignable(&Type::Int, &Type::Int), Ok(()));
        assert_eq!(assignable(&Type::Int, &Type::String), Err("type 'string' is not assignable to 'int'".into()));
        assert!(assignable(&Type::Double, &Type::Int).is_err(), "int vs double is not compatible");
        assert!(assignable(&Type::Bytes, &Type::String).is_err());
        assert!(assignable(&Type::Timestamp, &Type::String).is_err());
        assert_eq!(assignable(&Type::Int, &Type::Dyn), Ok(()));
        assert_eq!(assignable(&Type::Dyn, &Type::String), Ok(()));
        assert_eq!(assignable(&Type::Int, &Type::optional(Type::Int)), Ok(()));
        assert!(assignable(&Type::Int, &Type::optional(Type::String)).is_err());
    }

    #[test]
    fn lists_and_maps_are_assignable_when_their_elements_are() {
        assert_eq!(assignable(&Type::list(Type::Dyn), &Type::list(Type::Int)), Ok(()));
        assert_eq!(assignable(&Type::list(Type::Int), &Type::list(Type::Dyn)), Ok(()));
        assert!(assignable(&Type::list(Type::Int), &Type::list(Type::String)).is_err());
        assert!(assignable(&Type::list(Type::Int), &Type::Int).is_err());
        let labels = object(&json!({"type": "object", "additionalProperties": {"type": "string"}}));
        assert_eq!(assignable(&labels, &Type::map(Type::String, Type::String)), Ok(()));
        assert!(assignable(&labels, &Type::map(Type::String, Type::Int)).is_err());
    }

    #[test]
    fn an_object_accepts_a_subset_of_its_fields_and_a_map_of_its_values() {
        let expected = object(&json!({"type": "object", "properties": {
            "name": {"type": "string"}, "port": {"type": "integer"}
        }}));
        let subset = object(&json!({"type": "object", "properties": {"name": {"type": "string"}}}));
        let extra = object(&json!({"type": "object", "properties": {
            "name": {"type": "string"}, "colour": {"type": "string"}
        }}));
        let wrong = object(&json!({"type": "object", "properties": {"port": {"type": "string"}}}));
        assert_eq!(assignable(&expected, &subset), Ok(()));
        assert_eq!(
            assignable(&expected, &extra),
            Err("field 'colour' exists in output but not in expected type".into())
        );
        assert_eq!(assignable(&expected, &wrong), Err("field 'port': type 'string' is not assignable to 'int'".into()));
        assert_eq!(assignable(&expected, &Type::map(Type::String, Type::Dyn)), Ok(()));
        assert!(assignable(&expected, &Type::map(Type::String, Type::String)).is_err());
        let strings = Type::map(Type::String, Type::String);
        assert_eq!(assignable(&strings, &subset), Ok(()));
        assert!(assignable(&strings, &wrong).is_ok(), "port is a string there");
        assert!(assignable(&Type::map(Type::String, Type::Int), &subset).is_err());
    }
}
