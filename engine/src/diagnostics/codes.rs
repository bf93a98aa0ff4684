//! Every diagnostic code the engine can emit. Codes are a stable contract (scripts and editors match on them);
//! each one is documented with an example in `docs/diagnostics.md`, and a test keeps the two in step.

macro_rules! codes {
    ($($variant:ident => $name:literal, $summary:literal;)*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(#[doc = $summary] $variant,)*
        }

        impl Code {
            /// Every code the engine can emit.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as printed and matched on, e.g. `unknown-kind`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// One line on what the code means.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }
        }
    };
}

codes! {
    // Reading the input
    YamlSyntax => "yaml-syntax", "The text is not valid YAML.";
    YamlDuplicateKey => "yaml-duplicate-key", "A mapping defines the same key twice.";
    YamlLimit => "yaml-limit", "The document nests too deeply or expands (through aliases) to too many nodes.";
    NotText => "not-text", "The file is not text: it holds NUL bytes or is not valid UTF-8.";
    EmptyInput => "empty-input", "The input holds no YAML document.";
    NotAnRgd => "not-an-rgd", "A document is not a kro.run/v1alpha1 ResourceGraphDefinition.";
    // The RGD's own structure
    MissingField => "missing-field", "A required field of the RGD is missing.";
    WrongType => "wrong-type", "A field of the RGD holds the wrong kind of YAML value.";
    UnknownField => "unknown-field", "The RGD has a field that its API does not define.";
    InvalidName => "invalid-name", "metadata.name (or metadata.namespace) is not a valid name for the object's kind: the RGD's own, or a template's (a DNS subdomain for most kinds, a DNS label for a Service or Namespace).";
    InvalidLabel => "invalid-label", "A label or annotation is not valid in Kubernetes (a key that is not a qualified name, a malformed label value, annotations over 256 KiB), in schema.metadata or in a template.";
    InvalidServiceAccount => "invalid-service-account", "spec.serviceAccountName (kro-rs extension) is not a valid ServiceAccount name, or is set on an RGD whose instances are cluster-scoped.";
    // spec.schema
    InvalidKind => "invalid-kind", "schema.kind is not an UpperCamelCase Kubernetes kind.";
    InvalidApiVersion => "invalid-api-version", "schema.apiVersion is not a version such as v1, v1alpha1 or v2beta3.";
    InvalidGroup => "invalid-group", "schema.group is not a valid API group (a DNS subdomain).";
    InvalidScope => "invalid-scope", "schema.scope is neither Namespaced nor Cluster.";
    InvalidShortName => "invalid-short-name", "An entry of shortNames or categories is not a lowercase DNS label, or is repeated.";
    InvalidPrinterColumn => "invalid-printer-column", "An additionalPrinterColumns entry lacks name, type or jsonPath, or has an unknown type.";
    // SimpleSchema
    InvalidFieldName => "invalid-field-name", "A field name of the instance API (spec or status) is longer than 1024 characters (an error), or empty, longer than 256 characters or holding control characters (warnings).";
    SchemaTypeSyntax => "schema-type-syntax", "A SimpleSchema type is malformed (empty `[]`, a non-string map key, nesting over 16 levels, a value that is neither a string nor a map).";
    SchemaUnknownType => "schema-unknown-type", "A SimpleSchema field names a type that is neither built in nor declared under schema.types.";
    SchemaTypeCycle => "schema-type-cycle", "Custom types under schema.types refer to themselves, directly or through each other.";
    MarkerSyntax => "marker-syntax", "The markers after `|` do not parse (empty key, key without value, unclosed quote or bracket).";
    MarkerUnknown => "marker-unknown", "A marker key is not one SimpleSchema knows.";
    MarkerInvalidValue => "marker-invalid-value", "A marker's value does not fit the marker or the field's type.";
    MarkerNotApplicable => "marker-not-applicable", "A marker is used on a type it does not apply to.";
    MarkerConflict => "marker-conflict", "Markers on one field contradict each other (listType, listMapKey, uniqueItems).";
    // Resources
    InvalidResourceId => "invalid-resource-id", "A resource id is not lowerCamelCase.";
    ReservedResourceId => "reserved-resource-id", "A resource id is a word kro reserves.";
    DuplicateResourceId => "duplicate-resource-id", "Two resources share an id.";
    TemplateOrExternalRef => "template-or-external-ref", "A resource must have exactly one of template and externalRef.";
    InvalidTemplate => "invalid-template", "A template is not a valid Kubernetes object (apiVersion, kind, metadata).";
    InvalidExternalRef => "invalid-external-ref", "An externalRef is malformed (it needs apiVersion, kind, and exactly one of metadata.name and metadata.selector).";
    ReservedMetadata => "reserved-metadata", "A template sets a label or annotation under the prefixes kro reserves (kro.run/, internal.kro.run/).";
    ScopeNamespace => "scope-namespace", "metadata.namespace is set on a cluster-scoped resource, or missing on a namespaced resource of a cluster-scoped instance.";
    UnknownKind => "unknown-kind", "A resource's kind (or its version) has no known schema, so its template is not checked (a warning).";
    UnknownTemplateField => "unknown-template-field", "A template sets a field its kind's schema does not have.";
    TemplateTypeMismatch => "template-type-mismatch", "A literal (or a string template) in a template does not have the type of its field.";
    CrdTemplateExpression => "crd-template-expression", "A CustomResourceDefinition template uses an expression outside metadata.";
    InvalidForEach => "invalid-for-each", "A forEach entry is malformed, misnamed, or used with externalRef.";
    ForEachIdentity => "for-each-identity", "A forEach dimension is not used in metadata.name (or metadata.namespace), so items would collide.";
    // Expressions
    NestedExpression => "nested-expression", "A `${` appears inside an expression outside a string literal.";
    UnterminatedExpression => "unterminated-expression", "A `${` is never closed; kro would leave the text as it is.";
    EmptyExpression => "empty-expression", "A `${}` holds no expression.";
    NotStandalone => "not-standalone", "readyWhen, includeWhen, forEach and status conditions need exactly one whole `${...}`.";
    CelSyntax => "cel-syntax", "An expression is not valid CEL.";
    UnknownIdentifier => "unknown-identifier", "An expression names a variable that is neither `schema`, a resource id, nor an iterator in scope.";
    ReadyWhenReference => "ready-when-reference", "readyWhen may only read its own resource (or `each` in a collection).";
    CelTypeError => "cel-type-error", "An expression does not type-check: an undefined field, a function applied to the wrong types.";
    TypeMismatch => "type-mismatch", "An expression's type does not fit where its value goes (the template field, or a part of a string template).";
    NotABool => "not-a-bool", "An includeWhen or readyWhen expression does not return a bool.";
    NotAList => "not-a-list", "A forEach expression does not return a list.";
    SelfReference => "self-reference", "A resource's template refers to the resource itself.";
    Cycle => "cycle", "Resources depend on each other in a cycle.";
    OmitNotAllowed => "omit-not-allowed", "`omit()` is used while kro's `CELOmitFunction` feature gate is off, outside a resource template, or on a field that must have a value (metadata.name; metadata.namespace of a namespaced resource under a cluster-scoped instance).";
    // Status
    StatusWithoutExpression => "status-without-expression", "A status field holds a literal; status fields are computed from expressions.";
    StatusReference => "status-reference", "A status expression reads neither `schema` nor any resource.";
    InvalidCondition => "invalid-condition", "status.conditions is not a list of standalone expressions, a `runtime.newCondition` call breaks kro's rules, or an entry does not return a condition.";
    DuplicateConditionType => "duplicate-condition-type", "Two status.conditions entries declare the same literal condition type.";
    UnknownConditionType => "unknown-condition-type", "`runtime.condition(schema, ...)` names a type other than kro's built-in conditions (`Ready`, `InstanceManaged`, `GraphResolved`, `ResourcesReady`).";
    // Instances (kro render, the playground): what the API server would say of the instance
    NotAnInstance => "not-an-instance", "The instance input does not hold exactly one object.";
    InstanceRequired => "instance-required", "The instance lacks a field its API requires.";
    InstanceType => "instance-type", "A field of the instance holds a value of the wrong type.";
    InstanceNotSupported => "instance-not-supported", "A field of the instance holds a value outside its enum.";
    InstanceInvalid => "instance-invalid", "A field of the instance breaks a bound, pattern, length, item count or uniqueness of its API.";
    InstanceUnknownField => "instance-unknown-field", "The instance has a field its API does not declare; the API server drops it.";
    InstanceRule => "instance-rule", "A `validation=` rule of the instance API is false for the instance, or cannot be evaluated.";
    InstanceIgnored => "instance-ignored", "Something in the instance the API server ignores, such as a status written with the object.";
    // Objects (templates as written, objects as rendered): what the API server would refuse that no schema says
    ValueOutOfRange => "out-of-range", "A number the API server refuses: a negative count (replicas), a port outside 1-65535, a request above its limit.";
    InvalidFormat => "invalid-format", "A string the API server refuses for its format: a container, port or volume name, an environment variable name, a `ConfigMap` key, a quantity, a host, a path, base64 data.";
    DuplicateEntry => "duplicate-entry", "Two entries that must differ share a name: containers, volumes, ports, keys.";
    MissingValue => "missing-value", "A value the API server requires is missing: a container image, the port names of a Service with several ports, an Ingress path type, the volume a mount names.";
    SelectorMismatch => "selector-mismatch", "A workload's selector is empty or does not select the labels of its own pod template.";
    UnsupportedValue => "unsupported-value", "A value the API server does not support where it is: a Deployment pod's `restartPolicy` other than `Always`, a Job pod's other than `OnFailure` or `Never`.";
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
