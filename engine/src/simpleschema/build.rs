//! SimpleSchema to OpenAPI v3: fields, custom types (ordered by their dependencies, inlined), markers, and the
//! `default: {}` rule that lets nested defaults materialise.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value, json};

use super::markers::{Marker, MarkerKey, parse_go_bool, parse_markers};
use super::types::{TypeExpr, parse_type};
use crate::diagnostics::{Code, Diagnostics, Path};
use crate::graph::dag::Dag;
use crate::yaml::{Node, NodeKind};

/// A custom type, once built: its schema, and whether it carries `required=true` (which makes every field
/// typed with it required in its parent).
#[derive(Debug, Clone)]
struct CustomType {
    schema: Value,
    required: bool,
}

/// Checks that a `validation=` marker's rule is CEL, saying why when it is not. SimpleSchema comes before
/// expressions in the pipeline, so the builder is handed the CEL parser (the graph build passes the one of
/// `expr`) rather than reaching forward for it.
pub(crate) type RuleSyntaxCheck = fn(&str) -> Result<(), String>;

/// Builds OpenAPI schemas from SimpleSchema, collecting every error it finds into `diags`.
#[derive(Debug)]
pub(crate) struct SchemaBuilder<'d> {
    diags: &'d mut Diagnostics,
    rule_syntax: RuleSyntaxCheck,
    /// Built custom types; a name that failed to build is absent from `custom` but present in `declared`, so
    /// its uses are not reported a second time as unknown.
    custom: HashMap<String, CustomType>,
    declared: HashSet<String>,
}

impl<'d> SchemaBuilder<'d> {
    pub(crate) fn new(diags: &'d mut Diagnostics, rule_syntax: RuleSyntaxCheck) -> Self {
        Self { diags, rule_syntax, custom: HashMap::new(), declared: HashSet::new() }
    }

    /// Loads `schema.types`, in dependency order, reporting unknown names and cycles.
    pub(crate) fn load_custom_types(&mut self, types: &Node, path: &Path) {
        let Some(entries) = types.as_map() else {
            self.diags.error(
                Code::WrongType,
                format!("schema.types must be a map of type names to types, got {}", types.described()),
                path,
                types.span,
            );
            return;
        };
        self.declared = entries.iter().map(|(k, _)| k.name.clone()).collect();
        let mut deps: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (key, node) in entries {
            let mut names = Vec::new();
            collect_custom_refs(node, &mut names);
            for name in &names {
                if !self.declared.contains(name) {
                    self.diags.error(
                        Code::SchemaUnknownType,
                        format!(
                            "custom type {:?} uses type {name:?}, which is not declared under schema.types",
                            key.name
                        ),
                        &path.key(&key.name),
                        node.span,
                    );
                }
            }
            deps.insert(&key.name, names);
        }
        let order = match custom_type_order(&deps) {
            Ok(order) => order,
            Err(cycles) => {
                for (name, message) in cycles {
                    let (key, _) =
                        entries.iter().find(|(k, _)| k.name == name).map_or((None, None), |(k, v)| (Some(k), Some(v)));
                    let span = key.map_or(types.span, |k| k.span);
                    self.diags.error(Code::SchemaTypeCycle, message, &path.key(&name), span);
                }
                Vec::new()
            }
        };
        for name in order {
            let Some((_, node)) = entries.iter().find(|(k, _)| k.name == name) else {
                continue;
            };
            let field_path = path.key(&name);
            if let Some(built) = self.field(node, &field_path) {
                self.custom.insert(name, CustomType { schema: built.schema, required: built.required });
            }
        }
    }

    /// Builds the schema of a struct written as a YAML map of field name to type (the top-level `spec`, or a
    /// nested struct).
    pub(crate) fn structure(&mut self, node: &Node, path: &Path) -> Option<Value> {
        let Some(entries) = node.as_map() else {
            self.diags.error(
                Code::WrongType,
                format!("expected a map of field names to SimpleSchema types, got {}", node.described()),
                path,
                node.span,
            );
            return None;
        };
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut child_has_default = false;
        let mut ok = true;
        for (key, child) in entries {
            if !super::check_field_name(&key.name, &path.key(&key.name), key.span, self.diags) {
                ok = false;
                continue;
            }
            match self.field(child, &path.key(&key.name)) {
                Some(built) => {
                    if built.required {
                        required.push(key.name.clone());
                    }
                    child_has_default |= built.schema.get("default").is_some();
                    properties.insert(key.name.clone(), built.schema);
                }
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let mut schema = Map::new();
        schema.insert("type".into(), json!("object"));
        if !properties.is_empty() {
            schema.insert("properties".into(), Value::Object(properties));
        }
        required.sort();
        if required.is_empty() && child_has_default {
            // Without an empty default on the parent, the API server never creates the parent object, so the
            // defaults below it would never apply (kro does the same).
            schema.insert("default".into(), json!({}));
        }
        if !required.is_empty() {
            schema.insert("required".into(), json!(required));
        }
        Some(Value::Object(schema))
    }

    fn field(&mut self, node: &Node, path: &Path) -> Option<Built> {
        match &node.kind {
            NodeKind::Str(text) => self.typed_field(node, text, path),
            NodeKind::Map(_) => self.structure(node, path).map(|schema| Built { schema, required: false }),
            _ => {
                self.diags.error(
                    Code::SchemaTypeSyntax,
                    format!("unexpected {} here: a field is a type string such as `string | required=true`, or a map of nested fields", node.type_name()),
                    path,
                    node.span,
                );
                None
            }
        }
    }

    fn typed_field(&mut self, node: &Node, text: &str, path: &Path) -> Option<Built> {
        let (type_text, marker_text, marker_offset) = match text.find('|') {
            Some(bar) => (&text[..bar], &text[bar + 1..], text[..=bar].chars().count()),
            None => (text, "", text.chars().count()),
        };
        let ty = match parse_type(type_text) {
            Ok(ty) => ty,
            Err(message) => {
                let span = node.span_within(0, type_text.trim_end().chars().count());
                self.diags.error(Code::SchemaTypeSyntax, message, path, span);
                return None;
            }
        };
        let mut built = self.resolve(&ty, node, path, type_text)?;
        let markers = match parse_markers(marker_text) {
            Ok(markers) => markers,
            Err(e) => {
                let code = if e.unknown_key { Code::MarkerUnknown } else { Code::MarkerSyntax };
                let span = node.span_within(marker_offset + e.at.0, e.at.1.saturating_sub(e.at.0));
                self.diags.error(code, e.message, path, span);
                return None;
            }
        };
        let mut ok = true;
        for marker in &markers {
            if let Err((code, message)) = apply_marker(&mut built, marker, self.rule_syntax) {
                let span = node.span_within(marker_offset + marker.at.0, marker.at.1 - marker.at.0);
                self.diags.error(code, message, path, span);
                ok = false;
            }
        }
        if ok && let Err(message) = check_list_markers(&built.schema) {
            self.diags.error(Code::MarkerConflict, message, path, node.span);
            ok = false;
        }
        if ok && let Some(message) = default_violation(&built.schema) {
            self.diags.error(Code::MarkerInvalidValue, message, path, node.span);
            ok = false;
        }
        ok.then_some(built)
    }

    fn resolve(&mut self, ty: &TypeExpr, node: &Node, path: &Path, type_text: &str) -> Option<Built> {
        let schema = match ty {
            TypeExpr::String | TypeExpr::Integer | TypeExpr::Boolean | TypeExpr::Float => {
                json!({ "type": ty.openapi_type() })
            }
            TypeExpr::Object => {
                json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
            }
            TypeExpr::List(inner) => {
                json!({"type": "array", "items": self.resolve(inner, node, path, type_text)?.schema})
            }
            TypeExpr::Map(inner) => {
                json!({"type": "object", "additionalProperties": self.resolve(inner, node, path, type_text)?.schema})
            }
            TypeExpr::Custom(name) => {
                if let Some(custom) = self.custom.get(name) {
                    return Some(Built { schema: custom.schema.clone(), required: custom.required });
                }
                if !self.declared.contains(name) {
                    let at = type_text.find(name.as_str()).map_or(0, |b| type_text[..b].chars().count());
                    let hint =
                        if name == "number" { " (SimpleSchema spells floating-point numbers `float`)" } else { "" };
                    self.diags.error(
                        Code::SchemaUnknownType,
                        format!("unknown type: {name}{hint}; built-in types are string, integer, boolean, float and object, and custom types are declared under spec.schema.types"),
                        path,
                        node.span_within(at, name.chars().count()),
                    );
                }
                return None;
            }
        };
        Some(Built { schema, required: false })
    }
}

struct Built {
    schema: Value,
    required: bool,
}

fn collect_custom_refs(node: &Node, out: &mut Vec<String>) {
    match &node.kind {
        NodeKind::Str(text) => {
            let type_text = text.split('|').next().unwrap_or_default();
            if let Ok(ty) = parse_type(type_text) {
                let mut names = Vec::new();
                ty.custom_names(&mut names);
                out.extend(names.into_iter().map(str::to_string));
            }
        }
        NodeKind::Map(entries) => entries.iter().for_each(|(_, v)| collect_custom_refs(v, out)),
        _ => {}
    }
}

/// Orders custom types so each comes after the types it uses (the resource DAG's sort, over the types in name
/// order). On cycles, returns for each cycle the message naming it (`A -> B -> A`, from its first type by name),
/// and for each type that uses itself kro's self-reference message.
fn custom_type_order(deps: &BTreeMap<&str, Vec<String>>) -> Result<Vec<String>, Vec<(String, String)>> {
    let names: Vec<&str> = deps.keys().copied().collect();
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut edges = Vec::new();
    for (i, name) in names.iter().enumerate() {
        for used in &deps[name] {
            match index.get(used.as_str()) {
                // The DAG has no self-loops, and kro words this case differently anyway. A type that uses
                // itself twice gets the message twice; the diagnostics drop the duplicate.
                Some(&j) if j == i => problems.push((
                    (*name).to_string(),
                    format!("custom type {name:?} refers to itself: self references are not allowed"),
                )),
                Some(&j) => edges.push((i, j)),
                // Undeclared: reported by the caller.
                None => {}
            }
        }
    }
    let dag = Dag::new(names.len(), edges);
    for cycle in dag.cycles() {
        let Some(&first) = cycle.first() else { continue };
        let members: Vec<&str> = cycle.iter().chain([&first]).map(|&i| names[i]).collect();
        let message =
            format!("cyclic dependency in type {}: graph contains a cycle: {}", names[first], members.join(" -> "));
        problems.push((names[first].to_string(), message));
    }
    match dag.topological_order() {
        Some(order) if problems.is_empty() => Ok(order.into_iter().map(|i| names[i].to_string()).collect()),
        _ => Err(problems),
    }
}

fn schema_type(schema: &Value) -> &str {
    schema.get("type").and_then(Value::as_str).unwrap_or("object")
}

fn apply_marker(built: &mut Built, marker: &Marker, rule_syntax: RuleSyntaxCheck) -> Result<(), (Code, String)> {
    let invalid = |m: String| (Code::MarkerInvalidValue, m);
    let ty = schema_type(&built.schema).to_string();
    let Some(schema) = built.schema.as_object_mut() else {
        return Ok(());
    };
    let value = marker.value.as_str();
    let name = marker.key.name();
    let bool_value =
        || parse_go_bool(value).ok_or_else(|| invalid(format!("{name} must be true or false, got {value:?}")));
    let int_value = || value.parse::<i64>().map_err(|_| invalid(format!("{name} must be an integer, got {value:?}")));
    let only_for = |wanted: &str| -> Result<(), (Code, String)> {
        if ty == wanted {
            Ok(())
        } else {
            Err((Code::MarkerNotApplicable, format!("{name} marker is only valid for {wanted} types, got type: {ty}")))
        }
    };
    match marker.key {
        MarkerKey::Required => built.required = bool_value()?,
        MarkerKey::Description => {
            schema.insert("description".into(), json!(value));
        }
        MarkerKey::Default => {
            let default = match ty.as_str() {
                "string" => json!(value),
                "integer" => json!(
                    value
                        .parse::<i64>()
                        .map_err(|_| invalid(format!("default value must be a valid integer, got: {value}")))?
                ),
                "number" => json!(
                    value
                        .parse::<f64>()
                        .map_err(|_| invalid(format!("default value must be a valid number, got: {value}")))?
                ),
                "boolean" => json!(
                    parse_go_bool(value)
                        .ok_or_else(|| invalid(format!("default value must be true or false, got: {value}")))?
                ),
                other => serde_json::from_str::<Value>(value).map_err(|e| {
                    invalid(format!(
                        "default value for a field of type {other} must be JSON (e.g. default={{}} or default=[]): {e}"
                    ))
                })?,
            };
            schema.insert("default".into(), default);
        }
        MarkerKey::Minimum | MarkerKey::Maximum => {
            if ty != "integer" && ty != "number" {
                return Err((
                    Code::MarkerNotApplicable,
                    format!("{name} marker is only valid for integer and float types, got type: {ty}"),
                ));
            }
            let n: f64 = value
                .parse()
                .map_err(|_| invalid(format!("failed to parse {name} value {value:?}: expected a number")))?;
            if ty == "integer" && n.fract() != 0.0 {
                return Err(invalid(format!("{name} of an integer field must be a whole number, got {value}")));
            }
            schema.insert(name.into(), number(n));
        }
        MarkerKey::Enum => {
            let items: Vec<&str> = value.split(',').map(str::trim).collect();
            if items.iter().any(|i| i.is_empty()) {
                return Err(invalid("empty enum values are not allowed".into()));
            }
            let values = match ty.as_str() {
                "string" => items.iter().map(|i| json!(i)).collect::<Vec<_>>(),
                "integer" => items
                    .iter()
                    .map(|i| {
                        i.parse::<i64>()
                            .map(|n| json!(n))
                            .map_err(|_| invalid(format!("enum value {i:?} is not an integer")))
                    })
                    .collect::<Result<_, _>>()?,
                other => {
                    return Err((
                        Code::MarkerNotApplicable,
                        format!("enum values only supported for string and integer types, got type: {other}"),
                    ));
                }
            };
            schema.insert("enum".into(), Value::Array(values));
        }
        MarkerKey::Immutable => {
            if bool_value()? {
                push_validation(schema, "self == oldSelf", "field is immutable");
            }
        }
        MarkerKey::Validation => {
            if value.trim().is_empty() {
                return Err(invalid(
                    "validation failed: the validation marker needs a CEL rule, e.g. validation=\"self > 0\"".into(),
                ));
            }
            if let Err(e) = rule_syntax(value) {
                return Err(invalid(format!("validation rule {value:?} is not valid CEL: {e}")));
            }
            push_validation(schema, value, "validation failed");
        }
        MarkerKey::Pattern => {
            only_for("string")?;
            if value.is_empty() {
                return Err(invalid("pattern marker value cannot be empty".into()));
            }
            regex::Regex::new(value).map_err(|e| invalid(format!("invalid pattern regex {value:?}: {e}")))?;
            schema.insert("pattern".into(), json!(value));
        }
        MarkerKey::MinLength | MarkerKey::MaxLength => {
            only_for("string")?;
            schema.insert(name.into(), json!(non_negative(int_value()?, name)?));
        }
        MarkerKey::MinItems | MarkerKey::MaxItems => {
            only_for("array")?;
            schema.insert(name.into(), json!(non_negative(int_value()?, name)?));
        }
        MarkerKey::UniqueItems => {
            only_for("array")?;
            if bool_value()? {
                match schema.get("x-kubernetes-list-type").and_then(Value::as_str) {
                    Some(other) if other != "set" => {
                        return Err((
                            Code::MarkerConflict,
                            format!("uniqueItems=true needs listType set, but listType is already {other}"),
                        ));
                    }
                    _ => {
                        schema.insert("x-kubernetes-list-type".into(), json!("set"));
                    }
                }
            }
        }
        MarkerKey::ListType => {
            only_for("array")?;
            if !matches!(value, "atomic" | "set" | "map") {
                return Err(invalid(format!("listType must be one of atomic, set, map, got {value:?}")));
            }
            if let Some(existing) = schema.get("x-kubernetes-list-type").and_then(Value::as_str)
                && existing != value
            {
                return Err((
                    Code::MarkerConflict,
                    format!(
                        "listType attempting to overwrite {existing} type of list with {value} (uniqueItems=true implies listType=set)"
                    ),
                ));
            }
            schema.insert("x-kubernetes-list-type".into(), json!(value));
        }
        MarkerKey::ListMapKey => {
            only_for("array")?;
            let keys = schema.entry("x-kubernetes-list-map-keys").or_insert_with(|| json!([]));
            if let Some(keys) = keys.as_array_mut() {
                if keys.iter().any(|k| k == value) {
                    return Err((Code::MarkerConflict, format!("duplicate listMapKey {value:?}")));
                }
                keys.push(json!(value));
            }
        }
    }
    Ok(())
}

fn non_negative(n: i64, name: &str) -> Result<i64, (Code, String)> {
    if n < 0 { Err((Code::MarkerInvalidValue, format!("{name} must not be negative, got {n}"))) } else { Ok(n) }
}

/// Integral bounds print as integers (`minimum: 1`), as Go's JSON encoding of a float64 does.
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 { json!(n as i64) } else { json!(n) }
}

fn push_validation(schema: &mut Map<String, Value>, rule: &str, message: &str) {
    let rules = schema.entry("x-kubernetes-validations").or_insert_with(|| json!([]));
    if let Some(rules) = rules.as_array_mut() {
        rules.push(json!({"rule": rule, "message": message}));
    }
}

/// List markers the API server checks on the CRD: listMapKey needs listType=map (kro checks this once all
/// markers of the field are applied); a map list holds objects whose key fields are required or defaulted; a
/// set holds scalars.
fn check_list_markers(schema: &Value) -> Result<(), String> {
    let list_type = schema.get("x-kubernetes-list-type").and_then(Value::as_str);
    let keys: Vec<&str> = schema
        .get("x-kubernetes-list-map-keys")
        .and_then(Value::as_array)
        .map(|k| k.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let items = schema.get("items");
    let item_type = items.map_or("object", schema_type);
    match (list_type, keys.is_empty()) {
        (None, false) => return Err("listMapKey set while listType is unset, listType must be set to map".into()),
        (Some(other), false) if other != "map" => {
            return Err(format!("listMapKey set while listType is set to {other}, listType must be set to map"));
        }
        (Some("map"), true) => {
            return Err("listType=map needs at least one listMapKey naming the field that identifies an item".into());
        }
        _ => {}
    }
    if list_type == Some("map") {
        if item_type != "object" || items.is_some_and(|i| i.get("properties").is_none()) {
            return Err(format!(
                "listType=map needs items that are objects with fields (a custom type), got items of type {item_type}"
            ));
        }
        let required: Vec<&str> = items
            .and_then(|i| i.get("required"))
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for key in keys {
            let Some(field) = items.and_then(|i| i.pointer(&format!("/properties/{key}"))) else {
                return Err(format!("listMapKey {key:?} is not a field of the list's items"));
            };
            if !required.contains(&key) && field.get("default").is_none() {
                return Err(format!("listMapKey {key:?} must be required=true or have a default in the item type"));
            }
        }
    }
    if list_type == Some("set") && !matches!(item_type, "string" | "integer" | "number" | "boolean") {
        return Err(format!(
            "a set (uniqueItems=true or listType=set) must hold scalars (string, integer, float, boolean), got items of type {item_type}"
        ));
    }
    Ok(())
}

/// Why `value` does not fit `schema`'s types, if it does not (for defaults, checked as the API server would).
fn type_mismatch(value: &Value, schema: &Value, at: &str) -> Option<String> {
    let expected = schema.get("type").and_then(Value::as_str)?;
    let free_form = schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    let fits = match (expected, value) {
        ("string", Value::String(_)) | ("boolean", Value::Bool(_)) | ("number", Value::Number(_)) => true,
        ("integer", Value::Number(n)) => n.is_i64() || n.is_u64(),
        ("array", Value::Array(items)) => {
            let item_schema = schema.get("items")?;
            return items.iter().enumerate().find_map(|(i, v)| type_mismatch(v, item_schema, &format!("{at}[{i}]")));
        }
        ("object", Value::Object(_)) if free_form => true,
        ("object", Value::Object(map)) => {
            return map.iter().find_map(|(k, v)| {
                let field = schema
                    .pointer(&format!("/properties/{}", k.replace('~', "~0").replace('/', "~1")))
                    .or_else(|| schema.get("additionalProperties"))?;
                type_mismatch(v, field, &format!("{at}.{k}"))
            });
        }
        _ => false,
    };
    (!fits).then(|| format!("the default{at} is {value}, which is not of type {expected}"))
}

/// A default the API server would refuse when the CRD is created (outside a bound, not in the enum, not
/// matching the pattern). kro leaves these to the API server; we say so before anything is applied.
fn default_violation(schema: &Value) -> Option<String> {
    let default = schema.get("default")?;
    if let Some(mismatch) = type_mismatch(default, schema, "") {
        return Some(mismatch);
    }
    if let Some(items) = default.as_array() {
        let n = items.len() as f64;
        if schema.get("minItems").and_then(Value::as_f64).is_some_and(|m| n < m)
            || schema.get("maxItems").and_then(Value::as_f64).is_some_and(|m| n > m)
        {
            return Some(format!("default {default} has {} items, outside minItems/maxItems", items.len()));
        }
    }
    let num = |k: &str| schema.get(k).and_then(Value::as_f64);
    if let Some(d) = default.as_f64() {
        if let Some(min) = num("minimum")
            && d < min
        {
            return Some(format!("default {default} is below the minimum {min}"));
        }
        if let Some(max) = num("maximum")
            && d > max
        {
            return Some(format!("default {default} is above the maximum {max}"));
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array)
        && !values.contains(default)
    {
        return Some(format!("default {default} is not one of the enum values"));
    }
    if let Some(s) = default.as_str() {
        let len = s.chars().count() as f64;
        if num("minLength").is_some_and(|m| len < m) || num("maxLength").is_some_and(|m| len > m) {
            return Some(format!("default {default} does not fit minLength/maxLength"));
        }
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str)
            && regex::Regex::new(pattern).is_ok_and(|re| !re.is_match(s))
        {
            return Some(format!("default {default} does not match the pattern {pattern:?}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deps<'a>(pairs: &[(&'a str, &[&str])]) -> BTreeMap<&'a str, Vec<String>> {
        pairs.iter().map(|(name, uses)| (*name, uses.iter().map(|u| (*u).to_string()).collect())).collect()
    }

    #[test]
    fn custom_types_come_after_the_types_they_use() {
        let order = custom_type_order(&deps(&[("A", &["C"]), ("B", &[]), ("C", &["B", "Undeclared"])]));
        assert_eq!(order, Ok(vec!["B".to_string(), "C".to_string(), "A".to_string()]));
    }

    #[test]
    fn each_cycle_is_named_once_from_its_first_type_and_self_references_apart() {
        let problems = custom_type_order(&deps(&[
            ("A", &["B"]),
            ("B", &["C", "A"]),
            ("C", &["A"]),
            ("Tree", &["Tree", "Leaf"]),
            ("Leaf", &[]),
        ]));
        assert_eq!(
            problems,
            Err(vec![
                (
                    "Tree".to_string(),
                    "custom type \"Tree\" refers to itself: self references are not allowed".to_string()
                ),
                ("A".to_string(), "cyclic dependency in type A: graph contains a cycle: A -> B -> A".to_string()),
            ])
        );
    }
}
