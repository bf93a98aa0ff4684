//! What the engine knows about kinds other than the RGD's own: for now, whether each is namespaced or
//! cluster-scoped (for kro's scope rules). Filled with the built-in Kubernetes kinds, plus CRDs the user passes
//! (`--crd`) and the APIs other RGDs of the same run define. kro asks a live API server; we never need one.

use std::collections::HashMap;

use crate::rgd::Scope;
use crate::yaml::Node;

/// Built-in kinds by API group, as served by Kubernetes 1.37.
const CLUSTER_SCOPED: &[(&str, &[&str])] = &[
    ("", &["Namespace", "Node", "PersistentVolume", "ComponentStatus"]),
    ("rbac.authorization.k8s.io", &["ClusterRole", "ClusterRoleBinding"]),
    ("storage.k8s.io", &["StorageClass", "CSIDriver", "CSINode", "VolumeAttachment", "VolumeAttributesClass"]),
    ("apiextensions.k8s.io", &["CustomResourceDefinition"]),
    ("apiregistration.k8s.io", &["APIService"]),
    (
        "admissionregistration.k8s.io",
        &[
            "ValidatingWebhookConfiguration",
            "MutatingWebhookConfiguration",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
            "MutatingAdmissionPolicy",
            "MutatingAdmissionPolicyBinding",
        ],
    ),
    ("scheduling.k8s.io", &["PriorityClass"]),
    ("node.k8s.io", &["RuntimeClass"]),
    ("networking.k8s.io", &["IngressClass", "IPAddress", "ServiceCIDR"]),
    ("certificates.k8s.io", &["CertificateSigningRequest", "ClusterTrustBundle"]),
    ("flowcontrol.apiserver.k8s.io", &["FlowSchema", "PriorityLevelConfiguration"]),
    ("resource.k8s.io", &["DeviceClass", "ResourceSlice"]),
    ("kro.run", &["ResourceGraphDefinition"]),
];

const NAMESPACED: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "Pod",
            "Service",
            "ConfigMap",
            "Secret",
            "ServiceAccount",
            "PersistentVolumeClaim",
            "Endpoints",
            "Event",
            "LimitRange",
            "ResourceQuota",
            "ReplicationController",
            "PodTemplate",
            "Binding",
        ],
    ),
    ("apps", &["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ControllerRevision"]),
    ("batch", &["Job", "CronJob"]),
    ("networking.k8s.io", &["Ingress", "NetworkPolicy"]),
    ("rbac.authorization.k8s.io", &["Role", "RoleBinding"]),
    ("autoscaling", &["HorizontalPodAutoscaler"]),
    ("policy", &["PodDisruptionBudget"]),
    ("coordination.k8s.io", &["Lease"]),
    ("discovery.k8s.io", &["EndpointSlice"]),
    ("storage.k8s.io", &["CSIStorageCapacity"]),
    ("events.k8s.io", &["Event"]),
    ("resource.k8s.io", &["ResourceClaim", "ResourceClaimTemplate"]),
];

/// Kinds the engine can resolve, keyed by `(group, kind)`.
#[derive(Debug, Clone)]
pub struct Catalog {
    scopes: HashMap<(String, String), Scope>,
}

impl Default for Catalog {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Catalog {
    /// The built-in Kubernetes kinds.
    pub fn builtin() -> Self {
        let mut scopes = HashMap::new();
        for (table, scope) in [(CLUSTER_SCOPED, Scope::Cluster), (NAMESPACED, Scope::Namespaced)] {
            for (group, kinds) in table {
                for kind in *kinds {
                    scopes.insert(((*group).to_string(), (*kind).to_string()), scope);
                }
            }
        }
        Self { scopes }
    }

    pub fn add(&mut self, group: &str, kind: &str, scope: Scope) {
        self.scopes.insert((group.to_string(), kind.to_string()), scope);
    }

    /// Adds the kind a CustomResourceDefinition document declares; `false` if `doc` is not a usable CRD.
    pub fn add_crd(&mut self, doc: &Node) -> bool {
        if doc.get("kind").and_then(Node::as_str) != Some("CustomResourceDefinition") {
            return false;
        }
        let spec = doc.get("spec");
        let group = spec.and_then(|s| s.get("group")).and_then(Node::as_str);
        let kind = spec.and_then(|s| s.get("names")).and_then(|n| n.get("kind")).and_then(Node::as_str);
        let scope = match spec.and_then(|s| s.get("scope")).and_then(Node::as_str) {
            Some("Cluster") => Scope::Cluster,
            _ => Scope::Namespaced,
        };
        match (group, kind) {
            (Some(group), Some(kind)) => {
                self.add(group, kind, scope);
                true
            }
            _ => false,
        }
    }

    /// The scope of `kind` in `group` (`""` for the core group), when known.
    pub fn scope(&self, group: &str, kind: &str) -> Option<Scope> {
        self.scopes.get(&(group.to_string(), kind.to_string())).copied()
    }
}
