//! The table of the API server's rules (`engine/schemas/k8s-v1.37-rules.yaml`), read into typed rows once.
//!
//! The file is data, reviewed like code: each row says where a rule applies (kinds, or an OpenAPI definition
//! wherever it occurs), which check it runs, the diagnostic code a user sees, the Kubernetes source it comes
//! from, and example values the API server refuses and accepts. The tests run every example through the
//! engine, and the end-to-end suite through a real API server, so the table cannot drift from either.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::Value;

use crate::diagnostics::Code;
use crate::yaml::{Limits, load_documents};

/// The table, embedded; it is for the release of the schema bundle beside it.
pub(super) const TEXT: &str = include_str!("../../../schemas/k8s-v1.37-rules.yaml");
const RELEASE: &str = "1.37";

/// The table, loaded on first use; an unreadable table (ruled out by the tests) checks nothing.
pub(super) static TABLE: LazyLock<Table> = LazyLock::new(|| load(TEXT).unwrap_or_default());

/// The whole table.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(super) struct Table {
    /// The Kubernetes release the rules are those of.
    pub kubernetes: String,
    /// The name rule of every built-in kind (`group/Kind`, the core group written as `Kind` alone).
    pub names: Vec<NameRow>,
    /// The name rule of custom resources (the kinds of CRDs and of RGDs).
    pub custom_resource_names: NameFormat,
    /// Every other rule.
    pub rules: Vec<Row>,
    /// Valid objects the examples start from.
    pub samples: BTreeMap<String, Value>,
}

/// How a kind's `metadata.name` must be formed (the name function its validation passes to
/// `ValidateObjectMeta`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum NameFormat {
    /// `NameIsDNSSubdomain`.
    #[default]
    DnsSubdomain,
    /// `NameIsDNSLabel`.
    DnsLabel,
    /// Only what every kind gets from the generic registry (`IsPathSegmentName`): not `.` or `..`, no `/` or
    /// `%`; the kinds whose own rule is looser or not of this kind (reviews, IP addresses, signer-bound names).
    PathSegment,
}

/// The name rule of some kinds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NameRow {
    pub format: NameFormat,
    pub kinds: Vec<String>,
    pub source: String,
    #[serde(default)]
    pub refused: Vec<Case>,
    #[serde(default)]
    pub accepted: Vec<Case>,
}

/// One rule: where, what, and how it is reported.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Row {
    /// A stable name, for tests and for reading the table.
    pub id: String,
    /// The kinds it applies to (`group/Kind`; `*` for every object, built-in or custom); paths start at the
    /// object.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// The OpenAPI definitions it applies to, wherever they occur in a built-in kind (but not the object's own
    /// `metadata`, which `kinds` rows cover); paths start at the definition.
    #[serde(default)]
    pub types: Vec<String>,
    /// Where the checked values are: dotted fields, `[*]` for every item of a list; empty for the node itself.
    pub at: Vec<String>,
    pub check: Check,
    /// The diagnostic code, as documented in `docs/diagnostics.md`.
    pub code: String,
    pub source: String,
    #[serde(default)]
    pub refused: Vec<Case>,
    #[serde(default)]
    pub accepted: Vec<Case>,
}

/// An example: a sample object with some fields set (`null` removes a field).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Case {
    pub sample: String,
    #[serde(default)]
    pub set: BTreeMap<String, Value>,
}

/// What a rule checks of the values it finds.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", rename_all_fields = "kebab-case", deny_unknown_fields)]
pub(super) enum Check {
    // Strings of a format.
    DnsLabel,
    DnsSubdomain,
    QualifiedName,
    PortName,
    EnvVarName,
    /// A string of at most this many characters.
    MaxLength(usize),
    /// A string that must not contain this text.
    NotContaining(String),
    // Maps and lists of strings.
    /// Label keys and values.
    Labels,
    /// Annotation keys (qualified names, checked lowercased) and their total size.
    Annotations {
        max_bytes: usize,
    },
    /// A list of qualified names (finalizers).
    QualifiedNames,
    /// The keys of a map are `ConfigMap` keys.
    ConfigKeys,
    /// The values of a map are base64 (a `Secret`'s `data`, a `ConfigMap`'s `binaryData`).
    Base64Values,
    // Presence.
    /// The value must be present (and a string not empty).
    Required,
    /// A list (or map) that must be present and not empty.
    NonEmpty,
    // Numbers.
    /// An integer at least this.
    Min(i64),
    /// An integer within these bounds, inclusive.
    Range(i64, i64),
    /// A port number, 1 to 65535.
    Port,
    /// A port number, or 0 for none.
    OptionalPort,
    /// A port number or a port name (`targetPort` of a probe).
    PortOrName,
    /// A port number or name, or 0 or `""` (defaulted by the API server).
    OptionalPortOrName,
    /// A non-negative integer or a percentage (`25%`).
    IntOrPercent,
    // Across entries.
    /// The values found at these paths (from the node) are all different.
    Unique(Vec<String>),
    /// In a list of more than one item, each item has this field.
    RequiredIfSeveral(String),
    /// One of these values; `default` is what the API server sets when the field is absent.
    OneOf {
        values: Vec<String>,
        default: Option<String>,
    },
    /// These maps share no key.
    DisjointKeys(Vec<String>),
    /// The values of these maps (as text) and of those (as base64) add up to at most `max` bytes; reported at
    /// the field `report` names (as the API server does), else at the node.
    TotalSize {
        max: usize,
        #[serde(default)]
        text: Vec<String>,
        #[serde(default)]
        base64: Vec<String>,
        report: Option<String>,
    },
    // Rules of one kind of object, in `objects.rs`.
    /// A workload's selector is not empty, and selects its pod template's labels.
    SelectorMatchesTemplate {
        selector: String,
        labels: String,
    },
    /// A label selector's keys and values.
    LabelSelector,
    /// Requests and limits: resource names, quantities, requests within limits.
    ResourceRequirements,
    /// Every volume mount of the pod's containers (the pod spec at `pod`) names a volume (or one of the
    /// claim templates at `claims`, for a `StatefulSet`).
    VolumeMounts {
        pod: String,
        claims: Option<String>,
    },
    /// A `Service` has ports, unless headless or an `ExternalName`.
    ServicePorts,
    /// The keys a `Secret`'s type requires.
    SecretType,
    /// An `Ingress` rule's host: a DNS name (or `*.` wildcard), not an IP address.
    IngressHost,
    /// A TLS host: a DNS name or a wildcard.
    WildcardHost,
    /// An `Ingress` path: a `pathType`, and an absolute, clean path for `Exact` and `Prefix`.
    IngressPath,
    /// An `Ingress` backend: a service with a port name or number, or a resource.
    IngressBackend,
    /// A Deployment's rolling update: not both `maxSurge` and `maxUnavailable` zero, at most 100% unavailable.
    RollingUpdate,
}

/// Why the table could not be read.
pub(super) fn load(text: &str) -> Result<Table, String> {
    let docs = load_documents(text, Limits::default()).map_err(|e| e.message)?;
    let [doc] = docs.as_slice() else { return Err("the table is one YAML document".to_string()) };
    let root = doc.root.as_ref().ok_or("the table is empty")?;
    let table: Table = serde_json::from_value(root.to_json()).map_err(|e| e.to_string())?;
    if table.kubernetes != RELEASE {
        return Err(format!("the table is for Kubernetes {}, the schema bundle for {RELEASE}", table.kubernetes));
    }
    for row in &table.rules {
        code_of(&row.code).ok_or_else(|| format!("rule {}: unknown code {:?}", row.id, row.code))?;
    }
    Ok(table)
}

/// The diagnostic code a row names.
pub(super) fn code_of(name: &str) -> Option<Code> {
    Code::ALL.iter().copied().find(|c| c.as_str() == name)
}
