//! The JSON Schema of an RGD document (draft-07, what yaml-language-server reads), so editors can complete
//! and check RGDs as they are typed. It describes the document's shape; the engine's checks go further.

use serde_json::{Value, json};

fn expression_list(description: &str) -> Value {
    json!({
        "type": "array",
        "description": description,
        "items": {"type": "string", "pattern": "^\\$\\{[\\s\\S]*\\}$"}
    })
}

fn object_reference(description: &str) -> Value {
    json!({
        "type": "object",
        "description": description,
        "required": ["apiVersion", "kind", "metadata"],
        "properties": {
            "apiVersion": {"type": "string", "description": "The API version of the object, e.g. apps/v1 or v1. Must be literal."},
            "kind": {"type": "string", "description": "The kind of the object, e.g. Deployment. Must be literal."},
            "metadata": {"type": "object"}
        }
    })
}

fn schema_section(simple_schema: &Value) -> Value {
    json!({
        "type": "object",
        "required": ["apiVersion", "kind"],
        "additionalProperties": false,
        "properties": {
            "apiVersion": {"type": "string", "pattern": "^v[0-9]+((alpha|beta)[0-9]+)?$", "description": "The version of the new API, e.g. v1alpha1 (the group goes in `group`)."},
            "kind": {"type": "string", "pattern": "^[A-Z][a-zA-Z0-9]{0,62}$", "description": "The kind of the new API, UpperCamelCase."},
            "group": {"type": "string", "default": "kro.run", "description": "The API group; kro.run unless set."},
            "scope": {"enum": ["Namespaced", "Cluster"], "default": "Namespaced"},
            "spec": simple_schema,
            "types": {"type": "object", "description": "Custom types usable in spec: a type string with markers, or a map of fields.", "additionalProperties": {"anyOf": [{"type": "string"}, {"$ref": "#/definitions/simpleSchemaStruct"}]}},
            "status": {"type": "object", "description": "Status fields computed from ${...} expressions; `conditions` lists custom condition expressions."},
            "additionalPrinterColumns": {
                "type": "array",
                "description": "Columns for kubectl get; replaces the default STATE, SYNCED, READY (wide) and AGE.",
                "items": {
                    "type": "object",
                    "required": ["name", "type", "jsonPath"],
                    "properties": {
                        "name": {"type": "string"},
                        "type": {"enum": ["integer", "number", "string", "boolean", "date"]},
                        "jsonPath": {"type": "string", "pattern": "^\\."},
                        "description": {"type": "string"},
                        "format": {"type": "string"},
                        "priority": {"type": "integer"}
                    }
                }
            },
            "shortNames": {"type": "array", "maxItems": 32, "uniqueItems": true, "items": {"type": "string", "pattern": "^[a-z]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63}},
            "categories": {"type": "array", "maxItems": 32, "uniqueItems": true, "items": {"type": "string", "pattern": "^[a-z]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63}},
            "metadata": {
                "type": "object",
                "additionalProperties": false,
                "description": "Labels and annotations put on the generated CRD.",
                "properties": {
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "annotations": {"type": "object", "additionalProperties": {"type": "string"}}
                }
            }
        }
    })
}

fn resources_section(external: &Value) -> Value {
    json!({
        "type": "array",
        "items": {
            "type": "object",
            "required": ["id"],
            "additionalProperties": false,
            "oneOf": [{"required": ["template"]}, {"required": ["externalRef"]}],
            "properties": {
                "id": {"type": "string", "pattern": "^[a-z][a-zA-Z0-9]*$", "description": "lowerCamelCase; other expressions refer to the resource by it."},
                "template": object_reference("The object to create, with ${...} expressions in its values."),
                "externalRef": external,
                "readyWhen": expression_list("All must be true for the resource to count as ready; may only read the resource itself (or `each` in a collection)."),
                "includeWhen": expression_list("All must be true for the resource to be created; otherwise it (and what depends on it) is skipped."),
                "forEach": {
                    "type": "array",
                    "description": "One object per combination of the listed dimensions: `- region: ${schema.spec.regions}`.",
                    "items": {"type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": {"type": "string"}}
                }
            }
        }
    })
}

/// The schema, with `$id` naming this build so editors can cache it per version.
pub(crate) fn rgd_json_schema() -> Value {
    let simple_schema = json!({
        "type": "object",
        "description": "SimpleSchema fields: `name: string | required=true`, `replicas: integer | default=1 minimum=1`, or a map of nested fields.",
        "additionalProperties": {"anyOf": [{"type": "string"}, {"$ref": "#/definitions/simpleSchemaStruct"}]}
    });
    let mut external = object_reference("Reads an existing object, never creates, updates or deletes it.");
    external["additionalProperties"] = json!(false);
    external["properties"]["metadata"] = json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "name": {"type": "string", "description": "Read one object by name."},
            "namespace": {"type": "string", "description": "Defaults to the instance's namespace."},
            "selector": {"type": "object", "description": "Read every object matching this label selector (a list)."}
        },
        "oneOf": [{"required": ["name"]}, {"required": ["selector"]}]
    });
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": format!("https://kro-rs.dev/schemas/resourcegraphdefinition-{}.json", env!("CARGO_PKG_VERSION")),
        "title": "ResourceGraphDefinition",
        "description": "A kro ResourceGraphDefinition: a new API (spec.schema) and the resources one instance of it stands for (spec.resources).",
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "kro.run/v1alpha1"},
            "kind": {"const": "ResourceGraphDefinition"},
            "metadata": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"}}
            },
            "spec": {
                "type": "object",
                "required": ["schema"],
                "additionalProperties": false,
                "properties": {
                    "schema": schema_section(&simple_schema),
                    "resources": resources_section(&external),
                    "serviceAccountName": {
                        "type": "string",
                        "description": "kro-rs extension: the ServiceAccount, in each instance's namespace, whose rights the operator uses to create, read and delete that instance's resources. Without it the operator uses its own.",
                        "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
                    }
                }
            }
        },
        "definitions": {
            "simpleSchemaStruct": {
                "type": "object",
                "additionalProperties": {"anyOf": [{"type": "string"}, {"$ref": "#/definitions/simpleSchemaStruct"}]}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_names_every_top_level_rgd_field() {
        let schema = rgd_json_schema();
        let fields = schema.pointer("/properties/spec/properties/schema/properties").unwrap().as_object().unwrap();
        for key in crate::rgd::SCHEMA_FIELDS {
            assert!(fields.contains_key(*key), "{key}");
        }
        let resource =
            schema.pointer("/properties/spec/properties/resources/items/properties").unwrap().as_object().unwrap();
        for key in crate::rgd::RESOURCE_FIELDS {
            assert!(resource.contains_key(*key), "{key}");
        }
    }
}
