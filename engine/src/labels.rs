//! The labels, annotations and finalizer kro puts on the objects it manages (section 4 of kro's semantics):
//! what a host selects, watches and patches by, and what every stage that looks at an object reads. They sit
//! below the pipeline, as `kube.rs` does, so no stage reaches into another for them.

/// Label on every object kro applies for an instance.
pub const OWNED: &str = "kro.run/owned";
/// Label: the kro version that applied the object.
pub const KRO_VERSION: &str = "kro.run/kro-version";
/// Label on children: the owning instance's UID.
pub const INSTANCE_ID: &str = "kro.run/instance-id";
/// Label on children: the owning instance's name.
pub const INSTANCE_NAME: &str = "kro.run/instance-name";
/// Label on children: the owning instance's namespace.
pub const INSTANCE_NAMESPACE: &str = "kro.run/instance-namespace";
/// Label on children: the owning instance's API group.
pub const INSTANCE_GROUP: &str = "kro.run/instance-group";
/// Label on children: the owning instance's API version.
pub const INSTANCE_VERSION: &str = "kro.run/instance-version";
/// Label on children: the owning instance's kind.
pub const INSTANCE_KIND: &str = "kro.run/instance-kind";
pub(crate) const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub(crate) const NODE_ID: &str = "kro.run/node-id";
pub(crate) const COLLECTION_INDEX: &str = "kro.run/collection-index";
pub(crate) const COLLECTION_SIZE: &str = "kro.run/collection-size";
pub(crate) const PART_OF: &str = "applyset.kubernetes.io/part-of";
pub(crate) const APPLY_ORDER: &str = "internal.kro.run/apply-order";
pub(crate) const APPLYSET_ID: &str = "applyset.kubernetes.io/id";
pub(crate) const APPLYSET_TOOLING: &str = "applyset.kubernetes.io/tooling";
pub(crate) const APPLYSET_GROUP_KINDS: &str = "applyset.kubernetes.io/contains-group-kinds";
pub(crate) const APPLYSET_NAMESPACES: &str = "applyset.kubernetes.io/additional-namespaces";
pub(crate) const APPLYSET_INVENTORY_HASH: &str = "internal.kro.run/applyset-inventory-hash";

/// Label: the name of the RGD behind the object.
pub const RGD_NAME: &str = "kro.run/resource-graph-definition-name";
/// Label: the UID of the RGD behind the object.
pub const RGD_ID: &str = "kro.run/resource-graph-definition-id";
/// The finalizer kro puts on instances, so it deletes their children first.
pub const FINALIZER: &str = "kro.run/finalizer";
/// Annotation on an instance: `suspended` stops reconciling it.
pub const RECONCILE: &str = "kro.run/reconcile";
