//! Instance validation offline: what the Kubernetes API server does to an instance of an RGD's generated CRD
//! on create and update, with no cluster.
//!
//! [`validate_instance`] takes the CRD's `openAPIV3Schema` and an instance, and in the API server's order:
//! 1. prunes `null`s and applies `default`s to absent fields, recursively (structural defaulting: a
//!    `default: {}` object materialises, then the defaults below it apply) ([`defaults`]);
//! 2. prunes unknown fields, reporting each as a warning (`kubectl apply --validate=strict` rejects them);
//! 3. validates the defaulted object against the schema: types, `required`, `enum`, bounds, lengths, `pattern`,
//!    item counts, set and map-list uniqueness ([`validate`]);
//! 4. evaluates the `x-kubernetes-validations` CEL rules with `self` bound to the field's value, in kro's CEL
//!    environment ([`rules`]). Rules that read `oldSelf` (`immutable=true` is `self == oldSelf`) run only when an
//!    old object is given and holds the field, as on an update. After a finding that blocks rules
//!    ([`FindingKind::blocks_rules`]: a wrong type, a missing required field, a value outside its enum, a too
//!    long string, too many items or properties) no rule runs, and if the CRD has rules an error says they
//!    were not checked.
//!
//! Messages follow the API server's wording (`spec.replicas: Invalid value: 0: spec.replicas in body should be
//! greater than or equal to 1`), and when the instance is a YAML [`Node`] each finding carries its span.
//!
//! Known differences from the API server: `pattern` runs on Rust's `regex` (RE2 syntax, as Go's `regexp`; the
//! two differ on a few Unicode classes and on what counts as a word boundary in non-ASCII text); validation
//! ratcheting (an update may keep an unchanged invalid value) is not modelled; `metadata` is not validated
//! (the API server checks it as `ObjectMeta`); CEL rules run without the API server's cost budget.

mod defaults;
mod rules;
mod validate;

use std::fmt;

use serde_json::{Map, Value, json};

use crate::diagnostics::Severity;
use crate::yaml::{Node, Span};

/// One step of an [`InstancePath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Field(String),
    Index(usize),
    /// A key of a map (`additionalProperties`), written `[key]` as Kubernetes writes it.
    Key(String),
}

/// A path into the instance, written as the API server's `field.Path` writes it in its messages:
/// `spec.rules[0].host`, map keys bare in brackets (`spec.labels[a.b/c]`), `<root>` for the whole object. A
/// path inside the RGD document is a [`crate::yaml::Path`] instead, written as kubectl writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct InstancePath(pub Vec<Step>);

impl InstancePath {
    #[must_use]
    pub(crate) fn field(&self, name: &str) -> Self {
        let mut next = self.clone();
        next.0.push(Step::Field(name.to_string()));
        next
    }

    #[must_use]
    pub(crate) fn index(&self, i: usize) -> Self {
        let mut next = self.clone();
        next.0.push(Step::Index(i));
        next
    }

    #[must_use]
    pub(crate) fn key(&self, key: &str) -> Self {
        let mut next = self.clone();
        next.0.push(Step::Key(key.to_string()));
        next
    }
}

impl fmt::Display for InstancePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("<root>");
        }
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Field(name) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(name)?;
                }
                Step::Index(n) => write!(f, "[{n}]")?,
                Step::Key(k) => write!(f, "[{k}]")?,
            }
        }
        Ok(())
    }
}

/// What kind of problem a finding is; the names are the API server's `field.ErrorType`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FindingKind {
    /// A required field is absent (`Required value`).
    Required,
    /// The value has the wrong JSON type (`Invalid value: "string": ... must be of type integer`).
    TypeInvalid,
    /// Not one of the `enum` values (`Unsupported value`).
    NotSupported,
    /// A bound, length, pattern or item count is violated (`Invalid value`).
    Invalid,
    /// More items than `maxItems` (`Too many`).
    TooMany,
    /// A longer string than `maxLength` (`Too long`).
    TooLong,
    /// A repeated item of a set, or a repeated key of a map list (`Duplicate value`).
    Duplicate,
    /// A field the schema does not declare; the API server prunes it (a warning).
    UnknownField,
    /// An `x-kubernetes-validations` rule evaluated to false.
    RuleFailed,
    /// A rule could not be compiled or evaluated.
    RuleError,
    /// Something the API server ignores here (e.g. `status` on create), or rules skipped.
    Ignored,
}

impl FindingKind {
    /// Whether the API server, having found this, skips the CEL rules (apiextensions-apiserver's
    /// `hasBlockingErr`: `NotSupported`, `Required`, `TooLong`, `TooMany` and `TypeInvalid`); the other
    /// findings (`Invalid` bounds and patterns, `Duplicate` items) leave the rules to run.
    #[must_use]
    pub(crate) fn blocks_rules(self) -> bool {
        matches!(self, Self::NotSupported | Self::Required | Self::TooLong | Self::TooMany | Self::TypeInvalid)
    }
}

/// One problem found in an instance.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Finding {
    pub severity: Severity,
    pub kind: FindingKind,
    /// The path of the field, as the API server writes it.
    pub path: InstancePath,
    /// The full message in the API server's wording, path first.
    pub message: String,
    /// Where the field is (or, for an absent field, its parent), when the instance was a YAML node.
    pub span: Option<Span>,
}

/// The outcome of checking an instance: the object the API server would store (defaulted and pruned) and what
/// is wrong with it. The instance is accepted when no finding is an error.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct InstanceCheck {
    pub defaulted: Value,
    pub findings: Vec<Finding>,
}

impl InstanceCheck {
    /// Whether the API server would accept the instance.
    pub(crate) fn is_valid(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// The errors only.
    #[cfg(test)]
    pub(crate) fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.severity == Severity::Error)
    }
}

/// Checks an instance written in YAML against the CRD's `openAPIV3Schema`, as the API server would on create
/// (`old == None`) or update (`old` = the stored object). Findings carry the span of the field in the YAML.
pub(crate) fn validate_instance(crd_schema: &Value, instance: &Node, old: Option<&Value>) -> InstanceCheck {
    let mut check = validate_instance_value(crd_schema, &instance.to_json(), old);
    for finding in &mut check.findings {
        finding.span = Some(span_of(instance, &finding.path, finding.kind == FindingKind::UnknownField));
    }
    check
}

/// [`validate_instance`] against a whole generated CRD: the instance's `apiVersion` and `kind` must name the
/// CRD's group, a served version and its kind (the API server would not find the resource otherwise), and the
/// schema is that version's `openAPIV3Schema`.
pub(crate) fn validate_instance_for_crd(crd: &Value, instance: &Node, old: Option<&Value>) -> InstanceCheck {
    let group = crd.pointer("/spec/group").and_then(Value::as_str).unwrap_or_default();
    let kind = crd.pointer("/spec/names/kind").and_then(Value::as_str).unwrap_or_default();
    let versions = crd.pointer("/spec/versions").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let api_version = instance.get("apiVersion").and_then(Node::as_str).unwrap_or_default();
    let instance_kind = instance.get("kind").and_then(Node::as_str).unwrap_or_default();
    let (instance_group, instance_version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let version = versions.iter().find(|v| {
        v.get("name").and_then(Value::as_str) == Some(instance_version) && v.get("served") != Some(&Value::Bool(false))
    });
    let (Some(version), true, true) = (version, instance_group == group, instance_kind == kind) else {
        let served: Vec<String> = versions
            .iter()
            .filter_map(|v| v.get("name").and_then(Value::as_str))
            .map(|v| format!("{group}/{v}"))
            .collect();
        let at = if instance_kind == kind { "apiVersion" } else { "kind" };
        let path = InstancePath::default().field(at);
        return InstanceCheck {
            defaulted: instance.to_json(),
            findings: vec![Finding {
                severity: Severity::Error,
                kind: FindingKind::Invalid,
                message: format!(
                    "no matches for kind \"{instance_kind}\" in version \"{api_version}\": this CRD serves kind \"{kind}\" \
                     in {}",
                    served.join(", ")
                ),
                span: Some(span_of(instance, &path, false)),
                path,
            }],
        };
    };
    let schema = version.pointer("/schema/openAPIV3Schema").cloned().unwrap_or_else(|| json!({}));
    validate_instance(&schema, instance, old)
}

/// [`validate_instance`] for an instance given as JSON (no spans).
pub(crate) fn validate_instance_value(crd_schema: &Value, instance: &Value, old: Option<&Value>) -> InstanceCheck {
    let schema = root_schema(crd_schema);
    let mut findings = Vec::new();
    let mut object = instance.clone();
    if let Some(map) = object.as_object_mut()
        && map.remove("status").is_some()
    {
        findings.push(Finding {
            severity: Severity::Warning,
            kind: FindingKind::Ignored,
            path: InstancePath::default().field("status"),
            message: "status: the CRD has a status subresource, so the API server ignores status written with the \
                      object (only the controller sets it)"
                .to_string(),
            span: None,
        });
    }
    let mut unknown = Vec::new();
    defaults::default_and_prune(&mut object, &schema, &InstancePath::default(), &mut unknown);
    for path in unknown {
        findings.push(Finding {
            severity: Severity::Warning,
            kind: FindingKind::UnknownField,
            message: format!("unknown field \"{path}\""),
            path,
            span: None,
        });
    }
    let old = old.map(|o| {
        let mut o = o.clone();
        defaults::default_and_prune(&mut o, &schema, &InstancePath::default(), &mut Vec::new());
        o
    });

    let mut errors = Vec::new();
    validate::validate(&object, &schema, &InstancePath::default(), &mut errors);
    let blocking = errors.iter().any(|f| f.kind.blocks_rules());
    findings.extend(errors);
    if !blocking {
        rules::check_rules(&object, old.as_ref(), &schema, &InstancePath::default(), &mut findings);
    } else if has_rules(crd_schema) {
        // The API server does not run CEL rules over an object of the wrong shape (its `hasBlockingErr`), and
        // says so once; a CRD without rules has no CEL validator, so nothing is skipped and nothing is said.
        findings.push(Finding {
            severity: Severity::Error,
            kind: FindingKind::Ignored,
            path: InstancePath::default(),
            message: "some validation rules were not checked because the object was invalid; correct the existing \
                      errors to complete validation"
                .to_string(),
            span: None,
        });
    }
    InstanceCheck { defaulted: object, findings }
}

/// Whether the schema (status included) holds any `x-kubernetes-validations` rule, at its root or below its
/// `properties`, `items` or `additionalProperties` (the API server's `hasXValidations`): only then does it build
/// a CEL validator for the CRD, and only then can rules be skipped.
fn has_rules(schema: &Value) -> bool {
    schema.get("x-kubernetes-validations").and_then(Value::as_array).is_some_and(|r| !r.is_empty())
        || schema.get("properties").and_then(Value::as_object).is_some_and(|p| p.values().any(has_rules))
        || ["items", "additionalProperties"].iter().filter_map(|k| schema.get(*k)).any(has_rules)
}

/// The CRD's root schema as the API server treats it: `metadata` is `ObjectMeta`, validated apart, so it is
/// neither pruned nor checked here; `status` is the status subresource's.
fn root_schema(crd_schema: &Value) -> Value {
    let mut schema = crd_schema.clone();
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        props.insert("metadata".into(), json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}));
        props.remove("status");
    }
    schema
}

/// The span of the deepest node of `instance` along `path` (for an absent field, its parent); the key's span
/// when `key` is set and the last step is a key.
fn span_of(instance: &Node, path: &InstancePath, key: bool) -> Span {
    let mut node = instance;
    let last = path.0.len().saturating_sub(1);
    for (i, step) in path.0.iter().enumerate() {
        let next = match step {
            Step::Field(name) | Step::Key(name) => match node.entry(name) {
                Some((k, _)) if key && i == last => return k.span,
                Some((_, v)) => Some(v),
                None => None,
            },
            Step::Index(n) => node.as_seq().and_then(|items| items.get(*n)),
        };
        match next {
            Some(next) => node = next,
            None => break,
        }
    }
    node.span
}

/// A value as the API server prints it in a message: strings quoted, numbers and booleans as they are.
fn shown(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Object(map) => show_map(map),
        other => other.to_string(),
    }
}

fn show_map(map: &Map<String, Value>) -> String {
    let entries: Vec<String> = map.iter().map(|(k, v)| format!("{k:?}:{}", shown(v))).collect();
    format!("map[string]interface {{}}{{{}}}", entries.join(", "))
}

/// The JSON type name the API server reports for a value.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests;
