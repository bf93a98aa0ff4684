//! What the API server adds to an object when it stores it, for the simulated cluster of [`super::simulate`]:
//! identity and bookkeeping in `metadata` (`uid`, `creationTimestamp`, `resourceVersion`, `generation`), the
//! addresses it allocates (a Service's `clusterIP`, a node port), and the defaults the built-in kinds get from
//! Kubernetes' defaulting functions, which no OpenAPI schema in the bundle states. A dependent that reads
//! `${service.spec.clusterIP}` or `${deployment.metadata.uid}` then finds a value, as it would in a cluster.
//!
//! Status stays out: controllers write it, not the API server, and the simulation's readiness rules (a
//! `readyWhen` with no status to read counts as true) depend on its absence.
//!
//! Everything is deterministic: a uid and an address are derived from the object's identity (a taken address
//! moves to the next free one), the time is the plan's `now`, and `resourceVersion` counts the writes of the
//! simulation.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::ObjectKey;

/// Fields the API server keeps once it set them (the apply that follows does not name them).
const KEPT_METADATA: [&str; 2] = ["uid", "creationTimestamp"];

/// The Service addresses kubeadm and kind clusters allocate from (`--service-cluster-ip-range=10.96.0.0/12`).
const SERVICE_RANGE_BASE: u32 = 0x0a60_0000;
const SERVICE_RANGE_SIZE: u32 = 1 << 20;
/// The API server's node-port range (`--service-node-port-range`).
const NODE_PORTS: std::ops::RangeInclusive<u32> = 30000..=32767;

/// The simulated API server: what it has stored, and its write counter.
#[derive(Debug, Default)]
pub(super) struct Store {
    /// The last `resourceVersion` handed out.
    revision: u64,
}

/// What the store needs to know about the cluster when it stores one object.
pub(super) struct Taken {
    /// Cluster IPs of every Service stored.
    pub cluster_ips: BTreeSet<String>,
    /// Node ports of every Service stored.
    pub node_ports: BTreeSet<u32>,
}

impl Taken {
    /// The addresses the Services among `objects` hold.
    pub(super) fn of<'v>(objects: impl Iterator<Item = &'v Value>) -> Taken {
        let mut taken = Taken { cluster_ips: BTreeSet::new(), node_ports: BTreeSet::new() };
        for object in objects.filter(|o| is(o, "", "Service")) {
            let spec = object.get("spec");
            for ip in spec.and_then(|s| s.get("clusterIPs")).and_then(Value::as_array).into_iter().flatten() {
                taken.cluster_ips.extend(ip.as_str().map(str::to_string));
            }
            taken.cluster_ips.extend(spec.and_then(|s| s.get("clusterIP")).and_then(Value::as_str).map(str::to_string));
            for port in spec.and_then(|s| s.get("ports")).and_then(Value::as_array).into_iter().flatten() {
                taken
                    .node_ports
                    .extend(port.get("nodePort").and_then(Value::as_u64).and_then(|p| u32::try_from(p).ok()));
            }
        }
        taken
    }

    /// Takes the addresses of `object` too (a Service just stored).
    pub(super) fn add(&mut self, object: &Value) {
        let more = Taken::of(std::iter::once(object));
        self.cluster_ips.extend(more.cluster_ips);
        self.node_ports.extend(more.node_ports);
    }
}

impl Store {
    /// `applied` as the API server stores it over `previous` (what it held under the same identity): the
    /// metadata it keeps and counts, the addresses it allocated, and the defaults of the kind. `now` is the
    /// creation time of a new object.
    pub(super) fn store(&mut self, mut applied: Value, previous: Option<&Value>, now: &str, taken: &Taken) -> Value {
        let key = ObjectKey::of(&applied);
        let Some(map) = applied.as_object_mut() else { return applied };
        let metadata = map.entry("metadata").or_insert_with(|| json!({}));
        if let Some(metadata) = metadata.as_object_mut() {
            for field in KEPT_METADATA {
                if let Some(kept) = previous.and_then(|p| p.pointer(&format!("/metadata/{field}"))) {
                    metadata.insert(field.to_string(), kept.clone());
                }
            }
            metadata.entry("uid").or_insert_with(|| json!(uid_of(&key)));
            metadata.entry("creationTimestamp").or_insert_with(|| json!(now));
        }
        defaults(map, previous, &key, taken);
        // `generation` counts changes of the spec, for the kinds that have one.
        if map.contains_key("spec") {
            let before = previous.and_then(|p| p.pointer("/metadata/generation")).and_then(Value::as_u64);
            let generation = match before {
                Some(g) if previous.and_then(|p| p.get("spec")) == map.get("spec") => g,
                Some(g) => g + 1,
                None => 1,
            };
            set(map, "metadata", "generation", json!(generation));
        }
        // `resourceVersion` changes on every write that changes the object, and only then.
        let unchanged = previous.is_some_and(|p| same_but_version(p, map));
        let version = match previous.and_then(|p| p.pointer("/metadata/resourceVersion")) {
            Some(v) if unchanged => v.clone(),
            _ => {
                self.revision += 1;
                json!(self.revision.to_string())
            }
        };
        set(map, "metadata", "resourceVersion", version);
        applied
    }
}

/// Whether two objects differ in nothing but `metadata.resourceVersion`.
fn same_but_version(a: &Value, b: &Map<String, Value>) -> bool {
    let Some(a) = a.as_object() else { return false };
    let counted = |m: &Map<String, Value>| m.keys().filter(|k| *k != "resourceVersion").count();
    a.len() == b.len()
        && a.iter().all(|(k, v)| k == "metadata" || b.get(k) == Some(v))
        && match (metadata_of(a), metadata_of(b)) {
            (Some(x), Some(y)) => {
                counted(x) == counted(y) && x.iter().all(|(k, v)| k == "resourceVersion" || y.get(k) == Some(v))
            }
            (x, y) => x.is_none() && y.is_none(),
        }
}

fn metadata_of(map: &Map<String, Value>) -> Option<&Map<String, Value>> {
    map.get("metadata").and_then(Value::as_object)
}

/// A uid for an object the simulation created: a version-4-shaped UUID from a digest of its identity, so the
/// same object gets the same uid in every run.
fn uid_of(key: &ObjectKey) -> String {
    let digest = Sha256::digest(format!("{}/{}/{}/{}", key.api_version, key.kind, key.namespace, key.name).as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-4{}-8{}-{}", &hex[0..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..32])
}

/// A number from a digest of `seed`, for addresses that stay put from run to run.
fn spread(seed: &str) -> u32 {
    let digest = Sha256::digest(seed.as_bytes());
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Whether `object` is of `kind` in API group `group` (any version).
fn is(object: &Value, group: &str, kind: &str) -> bool {
    let api_version = object.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
    let object_group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    object_group == group && object.get("kind").and_then(Value::as_str) == Some(kind)
}

/// Sets `map[outer][field]`, making `outer` an object if it is not one.
fn set(map: &mut Map<String, Value>, outer: &str, field: &str, value: Value) {
    let entry = map.entry(outer).or_insert_with(|| json!({}));
    if !entry.is_object() {
        *entry = json!({});
    }
    if let Some(inner) = entry.as_object_mut() {
        inner.insert(field.to_string(), value);
    }
}

/// `value` under `key` unless the object already has one (null counts as none, as the API server's
/// defaulting of a pointer field).
fn or_default(object: &mut Value, key: &str, value: Value) {
    if let Some(map) = object.as_object_mut()
        && map.get(key).is_none_or(Value::is_null)
    {
        map.insert(key.to_string(), value);
    }
}

/// The object under `key`, created empty when absent.
fn object_at<'v>(object: &'v mut Value, key: &str) -> Option<&'v mut Value> {
    let map = object.as_object_mut()?;
    let entry = map.entry(key).or_insert_with(|| json!({}));
    entry.is_object().then_some(entry)
}

/// Each item of the list under `key`.
fn items<'v>(object: &'v mut Value, key: &str) -> impl Iterator<Item = &'v mut Value> {
    object.get_mut(key).and_then(Value::as_array_mut).into_iter().flatten().filter(|i| i.is_object())
}

/// The defaults of the built-in kinds (Kubernetes 1.37: `pkg/apis/core/v1/defaults.go`,
/// `pkg/apis/apps/v1/defaults.go`, `pkg/apis/batch/v1/defaults.go`, and the Service IP and port allocators of
/// `pkg/registry/core/service`), for the fields an expression is likely to read.
fn defaults(map: &mut Map<String, Value>, previous: Option<&Value>, key: &ObjectKey, taken: &Taken) {
    let object = Value::Object(std::mem::take(map));
    let mut object = object;
    let group = key.api_version.rsplit_once('/').map_or("", |(g, _)| g);
    match (group, key.kind.as_str()) {
        ("", "Service") => service(&mut object, previous, key, taken),
        ("", "Pod") => {
            if let Some(spec) = object_at(&mut object, "spec") {
                pod_spec(spec);
            }
        }
        ("", "Secret") => or_default(&mut object, "type", json!("Opaque")),
        ("", "PersistentVolumeClaim") => {
            if let Some(spec) = object_at(&mut object, "spec") {
                or_default(spec, "volumeMode", json!("Filesystem"));
            }
        }
        ("", "Namespace") => {
            if let Some(spec) = object_at(&mut object, "spec") {
                or_default(spec, "finalizers", json!(["kubernetes"]));
            }
        }
        ("apps", "Deployment") => {
            if let Some(spec) = object_at(&mut object, "spec") {
                or_default(spec, "replicas", json!(1));
                or_default(
                    spec,
                    "strategy",
                    json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}),
                );
                or_default(spec, "revisionHistoryLimit", json!(10));
                or_default(spec, "progressDeadlineSeconds", json!(600));
                pod_template(spec);
            }
        }
        ("apps", "StatefulSet") => {
            if let Some(spec) = object_at(&mut object, "spec") {
                or_default(spec, "replicas", json!(1));
                or_default(spec, "podManagementPolicy", json!("OrderedReady"));
                or_default(spec, "updateStrategy", json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}));
                or_default(spec, "revisionHistoryLimit", json!(10));
                or_default(
                    spec,
                    "persistentVolumeClaimRetentionPolicy",
                    json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
                );
                pod_template(spec);
            }
        }
        ("apps", "DaemonSet") => {
            if let Some(spec) = object_at(&mut object, "spec") {
                or_default(
                    spec,
                    "updateStrategy",
                    json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}),
                );
                or_default(spec, "revisionHistoryLimit", json!(10));
                pod_template(spec);
            }
        }
        ("apps", "ReplicaSet") => {
            if let Some(spec) = object_at(&mut object, "spec") {
                or_default(spec, "replicas", json!(1));
                pod_template(spec);
            }
        }
        ("batch", "Job") => {
            if let Some(spec) = object_at(&mut object, "spec") {
                job_spec(spec);
            }
        }
        ("batch", "CronJob") => {
            if let Some(spec) = object_at(&mut object, "spec") {
                or_default(spec, "concurrencyPolicy", json!("Allow"));
                or_default(spec, "suspend", json!(false));
                or_default(spec, "successfulJobsHistoryLimit", json!(3));
                or_default(spec, "failedJobsHistoryLimit", json!(1));
                if let Some(job) = object_at(spec, "jobTemplate").and_then(|t| object_at(t, "spec")) {
                    job_spec(job);
                }
            }
        }
        _ => {}
    }
    if let Value::Object(filled) = object {
        *map = filled;
    }
}

fn job_spec(spec: &mut Value) {
    or_default(spec, "parallelism", json!(1));
    or_default(spec, "completions", json!(1));
    or_default(spec, "backoffLimit", json!(6));
    or_default(spec, "completionMode", json!("NonIndexed"));
    or_default(spec, "suspend", json!(false));
    or_default(spec, "podReplacementPolicy", json!("TerminatingOrFailed"));
    pod_template(spec);
}

/// `spec.template.spec` of a workload.
fn pod_template(spec: &mut Value) {
    if let Some(pod) = object_at(spec, "template").and_then(|t| object_at(t, "spec")) {
        pod_spec(pod);
    }
}

/// `SetDefaults_PodSpec` and `SetDefaults_Container` for the fields an expression reads.
fn pod_spec(spec: &mut Value) {
    or_default(spec, "dnsPolicy", json!("ClusterFirst"));
    or_default(spec, "restartPolicy", json!("Always"));
    or_default(spec, "terminationGracePeriodSeconds", json!(30));
    or_default(spec, "securityContext", json!({}));
    or_default(spec, "schedulerName", json!("default-scheduler"));
    for list in ["initContainers", "containers"] {
        for container in items(spec, list) {
            let image = container.get("image").and_then(Value::as_str).unwrap_or_default();
            // `Always` for an untagged image or `:latest`, `IfNotPresent` otherwise (a digest counts as a tag).
            let last = image.rsplit('/').next().unwrap_or_default();
            let tag = if image.contains('@') { Some("digest") } else { last.split_once(':').map(|(_, t)| t) };
            let policy = if matches!(tag, None | Some("latest")) { "Always" } else { "IfNotPresent" };
            or_default(container, "imagePullPolicy", json!(policy));
            or_default(container, "terminationMessagePath", json!("/dev/termination-log"));
            or_default(container, "terminationMessagePolicy", json!("File"));
            or_default(container, "resources", json!({}));
            for port in items(container, "ports") {
                or_default(port, "protocol", json!("TCP"));
            }
        }
    }
}

/// A Service's defaults and allocations: type, session affinity, IP families, a cluster IP (kept from the
/// stored object, else allocated), and per port the protocol, the target port and, for `NodePort` and
/// `LoadBalancer`, a node port.
fn service(object: &mut Value, previous: Option<&Value>, key: &ObjectKey, taken: &Taken) {
    let Some(spec) = object_at(object, "spec") else { return };
    or_default(spec, "type", json!("ClusterIP"));
    let kind = spec.get("type").and_then(Value::as_str).unwrap_or("ClusterIP").to_string();
    or_default(spec, "sessionAffinity", json!("None"));
    let previous_spec = previous.and_then(|p| p.get("spec"));
    if kind != "ExternalName" {
        if let Some(kept) = previous_spec.and_then(|s| s.get("clusterIP")).filter(|ip| ip.is_string()) {
            or_default(spec, "clusterIP", kept.clone());
        }
        or_default(spec, "clusterIP", json!(allocate_ip(key, taken)));
        let ip = spec.get("clusterIP").cloned().unwrap_or(Value::Null);
        or_default(spec, "clusterIPs", json!([ip]));
        if ip != json!("None") {
            or_default(spec, "ipFamilies", json!(["IPv4"]));
        }
        or_default(spec, "ipFamilyPolicy", json!("SingleStack"));
        or_default(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    let node_ports = matches!(kind.as_str(), "NodePort" | "LoadBalancer");
    if node_ports {
        or_default(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if kind == "LoadBalancer" {
        or_default(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
    let kept_ports: Vec<Value> =
        previous_spec.and_then(|s| s.get("ports")).and_then(Value::as_array).cloned().unwrap_or_default();
    let mut allocated = BTreeSet::new();
    for (i, port) in items(spec, "ports").enumerate() {
        or_default(port, "protocol", json!("TCP"));
        if let Some(number) = port.get("port").cloned() {
            or_default(port, "targetPort", number);
        }
        if node_ports {
            let kept = kept_ports.get(i).and_then(|p| p.get("nodePort")).filter(|p| p.is_u64()).cloned();
            if let Some(kept) = kept {
                or_default(port, "nodePort", kept);
            }
            if port.get("nodePort").is_none_or(Value::is_null) {
                let seed = format!("{key}/{i}");
                let chosen = allocate(spread(&seed), NODE_PORTS.clone(), |p| {
                    !taken.node_ports.contains(&p) && !allocated.contains(&p)
                });
                allocated.insert(chosen);
                or_default(port, "nodePort", json!(chosen));
            }
        }
    }
}

/// A free cluster IP for the Service `key`: derived from its identity, moved to the next free one if taken.
fn allocate_ip(key: &ObjectKey, taken: &Taken) -> String {
    // The first addresses are the `kubernetes` and DNS Services'.
    let offset = allocate(spread(&key.to_string()), 16..=SERVICE_RANGE_SIZE - 2, |o| {
        !taken.cluster_ips.contains(&ip(SERVICE_RANGE_BASE + o))
    });
    ip(SERVICE_RANGE_BASE + offset)
}

/// The first value of `range`, from `seed`'s place in it onwards (wrapping), that `free` accepts.
fn allocate(seed: u32, range: std::ops::RangeInclusive<u32>, free: impl Fn(u32) -> bool) -> u32 {
    let (start, end) = (*range.start(), *range.end());
    let size = end - start + 1;
    let first = seed % size;
    (0..size).map(|i| start + (first + i) % size).find(|&v| free(v)).unwrap_or(start + first)
}

fn ip(address: u32) -> String {
    std::net::Ipv4Addr::from(address).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> Taken {
        Taken { cluster_ips: BTreeSet::new(), node_ports: BTreeSet::new() }
    }

    #[test]
    fn a_created_service_gets_a_cluster_ip_its_defaults_and_metadata_the_server_keeps() {
        let mut store = Store::default();
        let applied = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "team"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}});
        let stored = store.store(applied.clone(), None, "2025-01-01T00:00:00Z", &none());
        let ip = stored["spec"]["clusterIP"].as_str().unwrap().to_string();
        assert!(ip.starts_with("10.9") || ip.starts_with("10.10") || ip.starts_with("10.11"), "{ip}");
        assert_eq!(stored["spec"]["clusterIPs"], json!([ip]));
        assert_eq!(stored["spec"]["type"], "ClusterIP");
        assert_eq!(stored["spec"]["ports"][0], json!({"port": 80, "protocol": "TCP", "targetPort": 80}));
        assert_eq!(stored["metadata"]["creationTimestamp"], "2025-01-01T00:00:00Z");
        assert_eq!(stored["metadata"]["resourceVersion"], "1");
        assert_eq!(stored["metadata"]["generation"], 1);
        let uid = stored["metadata"]["uid"].as_str().unwrap().to_string();
        assert_eq!(uid.len(), 36);

        // Applied again unchanged: nothing moves, the version stays.
        let again =
            store.store(applied.clone(), Some(&stored), "2025-01-02T00:00:00Z", &Taken::of([&stored].into_iter()));
        assert_eq!(again, stored);
        // Changed: the same uid, address and creation time, a new version and generation.
        let mut changed = applied;
        changed["spec"]["ports"][0]["port"] = json!(8080);
        let after = store.store(changed, Some(&stored), "2025-01-02T00:00:00Z", &Taken::of([&stored].into_iter()));
        assert_eq!(after["spec"]["clusterIP"], json!(ip));
        assert_eq!(after["metadata"]["uid"], json!(uid));
        assert_eq!(after["metadata"]["creationTimestamp"], "2025-01-01T00:00:00Z");
        assert_eq!(after["metadata"]["resourceVersion"], "2");
        assert_eq!(after["metadata"]["generation"], 2);
    }

    #[test]
    fn addresses_already_taken_are_not_handed_out_again() {
        let mut store = Store::default();
        let svc = |name: &str, kind: &str| {
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "a"},
                "spec": {"type": kind, "ports": [{"port": 80}]}})
        };
        let first = store.store(svc("a", "NodePort"), None, "t", &none());
        let mut taken = Taken::of([&first].into_iter());
        // Pretend every address the second Service would be given is taken already.
        let key = ObjectKey::of(&svc("b", "NodePort"));
        taken.cluster_ips.insert(allocate_ip(&key, &none()));
        let second = store.store(svc("b", "NodePort"), None, "t", &taken);
        assert_ne!(second["spec"]["clusterIP"], first["spec"]["clusterIP"]);
        assert_ne!(second["spec"]["clusterIP"], json!(allocate_ip(&key, &none())));
        let port = second["spec"]["ports"][0]["nodePort"].as_u64().unwrap();
        assert!((30000..=32767).contains(&port));
        // Headless and ExternalName Services get no address.
        let mut headless = svc("h", "ClusterIP");
        headless["spec"]["clusterIP"] = json!("None");
        let stored = store.store(headless, None, "t", &none());
        assert_eq!(stored["spec"]["clusterIPs"], json!(["None"]));
        let external = store.store(svc("e", "ExternalName"), None, "t", &none());
        assert!(external["spec"].get("clusterIP").is_none());
    }

    #[test]
    fn workloads_get_the_defaults_of_their_kind_and_of_their_pods() {
        let mut store = Store::default();
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "a"},
            "spec": {"template": {"spec": {"containers": [
                {"name": "app", "image": "nginx", "ports": [{"containerPort": 80}]},
                {"name": "side", "image": "registry.local:5000/side:1.2"}]}}}});
        let stored = store.store(deployment, None, "t", &none());
        assert_eq!(stored["spec"]["replicas"], 1);
        assert_eq!(stored["spec"]["strategy"]["type"], "RollingUpdate");
        let pod = &stored["spec"]["template"]["spec"];
        assert_eq!(pod["restartPolicy"], "Always");
        assert_eq!(pod["containers"][0]["imagePullPolicy"], "Always");
        assert_eq!(pod["containers"][1]["imagePullPolicy"], "IfNotPresent");
        assert_eq!(pod["containers"][0]["ports"][0]["protocol"], "TCP");
        // A value the template sets is never replaced.
        let job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
            "spec": {"backoffLimit": 2, "template": {"spec": {"restartPolicy": "Never", "containers": []}}}});
        let stored = store.store(job, None, "t", &none());
        assert_eq!(stored["spec"]["backoffLimit"], 2);
        assert_eq!(stored["spec"]["template"]["spec"]["restartPolicy"], "Never");
        assert_eq!(stored["spec"]["completions"], 1);
        // A ConfigMap has no spec, so no generation; it still gets its identity.
        let cm = store.store(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}),
            None,
            "t",
            &none(),
        );
        assert!(cm["metadata"].get("generation").is_none());
        assert!(cm["metadata"]["uid"].is_string());
        // Something that is not an object is stored as it is.
        assert_eq!(store.store(json!("text"), None, "t", &none()), json!("text"));
    }
}
