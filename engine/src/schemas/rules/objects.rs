//! The table's rules that belong to one kind of object and read several of its fields together: workload
//! selectors against their pod templates, container resources, volume mounts, `Service` ports, `Secret`
//! types, `Ingress` hosts, paths and backends, rolling updates. Each says which Kubernetes function it
//! follows; like the generic checks, each judges only what is known.

use std::collections::HashSet;
use std::net::IpAddr;

use serde_json::Value;

use super::checks::{Report, decoded_len};
use super::table::Check;
use crate::diagnostics::{Code, Path};
use crate::kube::formats;
use crate::kube::quantity::{self, Quantity};
use crate::kube::selector::LabelSelector;

/// Runs one of the checks of this module on `value` (present and known) at `path`.
pub(super) fn run(check: &Check, value: &Value, path: Path, report: &mut Report<'_>) {
    match check {
        Check::SelectorMatchesTemplate { selector, labels } => selector_matches(value, &path, selector, labels, report),
        Check::LabelSelector => label_selector(value, &path, report),
        Check::ResourceRequirements => resource_requirements(value, &path, report),
        Check::VolumeMounts { pod, claims } => volume_mounts(value, &path, pod, claims.as_deref(), report),
        Check::ServicePorts => service_ports(value, &path, report),
        Check::SecretType => secret_type(value, &path, report),
        Check::IngressHost => ingress_host(value, path, report),
        Check::WildcardHost => wildcard_host(value, path, report),
        Check::IngressPath => ingress_path(value, &path, report),
        Check::IngressBackend => ingress_backend(value, &path, report),
        Check::RollingUpdate => rolling_update(value, &path, report),
        _ => {}
    }
}

/// The value at a dotted path below `node` (no wildcards).
fn at<'v>(node: &'v Value, dotted: &str) -> Option<&'v Value> {
    dotted.split('.').filter(|p| !p.is_empty()).try_fold(node, |n, key| n.get(key))
}

fn path_of(path: &Path, dotted: &str) -> Path {
    dotted.split('.').filter(|p| !p.is_empty()).fold(path.clone(), |p, key| p.key(key))
}

/// apps `ValidateDeploymentSpec` (and the `ReplicaSet`, `StatefulSet`, `DaemonSet` ones): a selector is
/// required and not empty, and must select the labels of the pod template.
fn selector_matches(object: &Value, path: &Path, selector_at: &str, labels_at: &str, report: &mut Report<'_>) {
    if !object.get("spec").is_some_and(|s| s.is_object() && report.known(s)) {
        return;
    }
    let Some(selector) = at(object, selector_at) else {
        return report.required(path_of(path, selector_at), "");
    };
    if !report.known(selector) {
        return;
    }
    let match_labels = selector.get("matchLabels");
    let match_expressions = selector.get("matchExpressions");
    let count = |v: Option<&Value>| {
        v.map_or(0, |v| v.as_object().map_or(1, serde_json::Map::len) + v.as_array().map_or(0, Vec::len))
    };
    if count(match_labels) + count(match_expressions) == 0 {
        let selector_path = path_of(path, selector_at);
        return report.invalid(selector_path, selector, "empty selector is invalid: it would select every pod");
    }
    let labels = at(object, labels_at);
    if labels.is_some_and(|l| !report.known(l)) || !well_formed(selector, report) {
        // A selector the API server cannot read is refused as such (`selector-labels`), not matched.
        return;
    }
    let empty = Value::Object(serde_json::Map::new());
    let labels = labels.unwrap_or(&empty);
    let mismatch = if report.fully_known(selector) && report.fully_known(labels) {
        LabelSelector::parse(selector).is_ok_and(|s| !s.matches_labels(labels))
    } else {
        // Only some values are known: a required label the template lacks, or holds with another literal
        // value, still cannot match.
        match_labels.and_then(Value::as_object).into_iter().flatten().any(|(key, wanted)| match labels.get(key) {
            None => labels.is_object(),
            Some(have) => report.known(have) && report.known(wanted) && have != wanted,
        })
    };
    if mismatch {
        report.invalid(path_of(path, labels_at), labels, "`selector` does not match template `labels`");
    }
}

/// Whether the known keys and values of a selector are valid labels (the API server matches only those).
fn well_formed(selector: &Value, report: &Report<'_>) -> bool {
    let bad_value = |v: &Value| report.text(Some(v)).is_some_and(|s| formats::label_value_problem(s).is_some());
    let bad_key = |k: &str| formats::qualified_name_problem(k).is_some();
    let mut labels = selector.get("matchLabels").and_then(Value::as_object).into_iter().flatten();
    let mut expressions = selector.get("matchExpressions").and_then(Value::as_array).into_iter().flatten();
    !labels.any(|(k, v)| bad_key(k) || bad_value(v))
        && !expressions.any(|e| {
            report.text(e.get("key")).is_some_and(bad_key)
                || e.get("values").and_then(Value::as_array).into_iter().flatten().any(bad_value)
        })
}

/// apimachinery `ValidateLabelSelector`: `matchLabels` are labels; each expression has a label key, values
/// for `In` and `NotIn` (valid label values), none for `Exists` and `DoesNotExist`.
fn label_selector(selector: &Value, path: &Path, report: &mut Report<'_>) {
    if let Some(labels) = selector.get("matchLabels").filter(|l| report.known(l)) {
        for (key, value) in labels.as_object().into_iter().flatten() {
            let key_path = path.key("matchLabels").key(key);
            if let Some(problem) = formats::qualified_name_problem(key) {
                report.invalid_key(key_path, key, &format!("not a valid label key: {problem}"));
            } else if let Some(problem) = report.text(Some(value)).and_then(formats::label_value_problem) {
                report.invalid(key_path, value, &format!("not a valid label value: {problem}"));
            }
        }
    }
    let Some(expressions) = selector.get("matchExpressions").filter(|e| report.known(e)) else { return };
    for (i, expression) in expressions.as_array().into_iter().flatten().enumerate() {
        let here = path.key("matchExpressions").index(i);
        if let Some(key) = report.text(expression.get("key"))
            && let Some(problem) = formats::qualified_name_problem(key)
        {
            report.invalid(here.key("key"), &Value::from(key), &format!("not a valid label key: {problem}"));
        }
        let Some(values) = expression.get("values").filter(|v| report.known(v)) else { continue };
        for (j, value) in values.as_array().into_iter().flatten().enumerate() {
            if let Some(problem) = report.text(Some(value)).and_then(formats::label_value_problem) {
                report.invalid(here.key("values").index(j), value, &format!("not a valid label value: {problem}"));
            }
        }
    }
}

/// A quantity as written (a string, or a JSON number); `Err` with apimachinery's message when it does not
/// parse; `None` when it cannot be judged (unknown, or beyond what this implementation keeps).
fn quantity_of(value: &Value, report: &Report<'_>) -> Option<Result<Quantity, &'static str>> {
    let text = match value {
        Value::String(s) if report.known(value) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    match quantity::parse(&text) {
        Err(e) if e == quantity::TOO_BIG => None,
        other => Some(other),
    }
}

/// core `ValidateContainerResourceRequirements`: resource names a container may ask for, quantities that parse
/// and are not negative, whole numbers for extended resources, requests within limits (equal to them for
/// resources that cannot be overcommitted, which need a limit).
fn resource_requirements(resources: &Value, path: &Path, report: &mut Report<'_>) {
    let mut parsed: [Vec<(&str, Quantity)>; 2] = [Vec::new(), Vec::new()];
    for (slot, field) in ["limits", "requests"].into_iter().enumerate() {
        let Some(map) = resources.get(field).filter(|m| report.known(m)).and_then(Value::as_object) else { continue };
        for (name, value) in map {
            let here = path.key(field).key(name);
            if let Some(problem) = container_resource_name_problem(name) {
                report.push(
                    Code::InvalidFormat,
                    here.clone(),
                    true,
                    format!("Invalid value: {}: {problem}", Value::from(name.as_str())),
                );
                continue;
            }
            match quantity_of(value, report) {
                None => {}
                Some(Err(e)) => report.push(Code::InvalidFormat, here, false, format!("Invalid value: {value}: {e}")),
                Some(Ok(q)) if q.sign() < 0 => {
                    report.push(
                        Code::ValueOutOfRange,
                        here,
                        false,
                        format!("Invalid value: {value}: must be greater than or equal to 0"),
                    );
                }
                Some(Ok(q)) => {
                    if is_extended(name) && q.normalized().1 < 0 {
                        report.push(
                            Code::InvalidFormat,
                            here,
                            false,
                            format!("Invalid value: {value}: must be an integer"),
                        );
                        continue;
                    }
                    parsed[slot].push((name.as_str(), q));
                }
            }
        }
    }
    let [limits, requests] = parsed;
    let requests_known = resources.get("requests").is_some_and(|r| report.known(r));
    let limits_known = resources.get("limits").is_none_or(|l| report.known(l));
    if !requests_known || !limits_known {
        return;
    }
    // The quantities as written, for messages.
    let written = |field: &str, name: &str| {
        resources.get(field).and_then(|m| m.get(name)).map_or_else(String::new, |v| match v.as_str() {
            Some(s) => s.to_string(),
            None => v.to_string(),
        })
    };
    for (name, request) in &requests {
        let limit = limits.iter().find(|(n, _)| n == name).map(|(_, q)| q);
        let overcommit = is_native(name) && !name.starts_with("hugepages-");
        let (asked, allowed) = (written("requests", name), written("limits", name));
        match limit {
            Some(limit) if !overcommit && request.cmp_value(limit) != std::cmp::Ordering::Equal => {
                let detail = format!("Invalid value: {asked:?}: must be equal to {name} limit of {allowed}");
                report.push(Code::ValueOutOfRange, path.key("requests").key(name), false, detail);
            }
            Some(limit) if request.cmp_value(limit) == std::cmp::Ordering::Greater => {
                let detail =
                    format!("Invalid value: {asked:?}: must be less than or equal to {name} limit of {allowed}");
                report.push(Code::ValueOutOfRange, path.key("requests").key(name), false, detail);
            }
            None if !overcommit && resources.get("limits").is_none_or(Value::is_object) => {
                let detail = format!("Required value: a limit must be set for {name:?}, which cannot be overcommitted");
                report.push(Code::MissingValue, path.key("limits"), false, detail);
            }
            _ => {}
        }
    }
}

/// Resources in the `kubernetes.io/` namespace (all unprefixed names are).
fn is_native(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

/// core helper `IsExtendedResourceName`: a prefixed, non-native name (measured in whole units).
fn is_extended(name: &str) -> bool {
    !is_native(name)
        && !name.starts_with("requests.")
        && formats::qualified_name_problem(&format!("requests.{name}")).is_none()
}

/// core `ValidateContainerResourceName`: `cpu`, `memory`, `ephemeral-storage`, `hugepages-<size>`, or a
/// qualified name with a domain (an extended resource such as `nvidia.com/gpu`).
fn container_resource_name_problem(name: &str) -> Option<String> {
    if let Some(problem) = formats::qualified_name_problem(name) {
        return Some(problem);
    }
    if !name.contains('/') {
        let standard = matches!(name, "cpu" | "memory" | "ephemeral-storage") || name.starts_with("hugepages-");
        return (!standard).then(|| {
            "must be a standard resource for containers (cpu, memory, ephemeral-storage, hugepages-<size>) or a \
             name with a domain (example.com/gpu)"
                .to_string()
        });
    }
    (!is_native(name) && !is_extended(name)).then(|| "doesn't follow extended resource name standard".to_string())
}

/// core `ValidateVolumeMounts`: every mount of every container names a volume of the pod (for a
/// `StatefulSet`, its claim templates are volumes too).
fn volume_mounts(object: &Value, path: &Path, pod_at: &str, claims: Option<&str>, report: &mut Report<'_>) {
    let Some(pod) = at(object, pod_at).filter(|p| report.known(p) && report.fully_known_names(p)) else { return };
    // The names of the pod's volumes (and claim templates); `None` when one is computed.
    let names = |list: Option<&'_ Value>, name_at: &str| -> Option<Vec<String>> {
        let mut found = Vec::new();
        for item in list.and_then(Value::as_array).into_iter().flatten() {
            if let Some(name) = at(item, name_at) {
                found.push(report.text(Some(name))?.to_string());
            }
        }
        Some(found)
    };
    let Some(mut volumes) = names(pod.get("volumes"), "name") else { return };
    if let Some(claims) = claims {
        let Some(claimed) = names(at(object, claims), "metadata.name") else { return };
        volumes.extend(claimed);
    }
    let volumes: HashSet<String> = volumes.into_iter().collect();
    let pod_path = path_of(path, pod_at);
    for containers in ["containers", "initContainers"] {
        for (i, container) in pod.get(containers).and_then(Value::as_array).into_iter().flatten().enumerate() {
            for (j, mount) in container.get("volumeMounts").and_then(Value::as_array).into_iter().flatten().enumerate()
            {
                let Some(name) = report.text(mount.get("name")) else { continue };
                if !volumes.contains(name) {
                    let here = pod_path.key(containers).index(i).key("volumeMounts").index(j).key("name");
                    let detail = format!("Not found: {}: no volume of the pod has this name", Value::from(name));
                    report.push(report.code, here, false, detail);
                }
            }
        }
    }
}

impl Report<'_> {
    /// The lists a volume-mount check reads are known: volumes, containers and their mounts (names may be
    /// computed; those are checked one by one).
    fn fully_known_names(&self, pod: &Value) -> bool {
        ["volumes", "containers", "initContainers"].iter().all(|f| pod.get(*f).is_none_or(|v| self.known(v)))
            && ["containers", "initContainers"].iter().all(|f| {
                pod.get(*f).and_then(Value::as_array).into_iter().flatten().all(|c| {
                    self.known(c)
                        && c.get("volumeMounts").is_none_or(|m| {
                            self.known(m) && m.as_array().is_none_or(|ms| ms.iter().all(|m| self.known(m)))
                        })
                })
            })
            && pod.get("volumes").and_then(Value::as_array).into_iter().flatten().all(|v| self.known(v))
    }
}

/// core `validateService`: ports are required unless the `Service` is headless (`clusterIP: None`) or an
/// `ExternalName`.
fn service_ports(service: &Value, path: &Path, report: &mut Report<'_>) {
    let Some(spec) = service.get("spec").filter(|s| s.is_object() && report.known(s)) else { return };
    let ports = spec.get("ports");
    if ports.is_some_and(|p| !report.known(p) || p.as_array().is_some_and(|a| !a.is_empty())) {
        return;
    }
    let cluster_ip = spec.get("clusterIP");
    let kind = spec.get("type");
    if cluster_ip.is_some_and(|c| !report.known(c)) || kind.is_some_and(|k| !report.known(k)) {
        return;
    }
    let headless = cluster_ip.and_then(Value::as_str) == Some("None")
        || spec.pointer("/clusterIPs/0").and_then(Value::as_str) == Some("None");
    if !headless && kind.and_then(Value::as_str) != Some("ExternalName") {
        report.required(
            path.key("spec").key("ports"),
            "a Service needs ports, unless it is headless (clusterIP: None) or an ExternalName",
        );
    }
}

/// core `ValidateSecret`: the keys a `Secret`'s type requires (from `data` or `stringData`, which the API
/// server merges into `data`).
fn secret_type(secret: &Value, path: &Path, report: &mut Report<'_>) {
    let Some(kind) = report.text(secret.get("type")) else { return };
    let maps = [secret.get("data"), secret.get("stringData")];
    if maps.iter().flatten().any(|m| !report.known(m)) {
        return;
    }
    let has = |key: &str| maps.iter().flatten().any(|m| m.get(key).is_some());
    let non_empty = |key: &str| {
        secret.get("stringData").and_then(|m| m.get(key)).and_then(Value::as_str).is_some_and(|s| !s.is_empty())
            || secret
                .get("data")
                .and_then(|m| m.get(key))
                .and_then(Value::as_str)
                .and_then(decoded_len)
                .is_some_and(|n| n > 0)
            || maps.iter().flatten().filter_map(|m| m.get(key)).any(|v| !report.known(v))
    };
    let data = path.key("data");
    let missing: Vec<&str> = match kind {
        "kubernetes.io/tls" => ["tls.crt", "tls.key"].into_iter().filter(|k| !has(k)).collect(),
        "kubernetes.io/basic-auth" if !has("username") && !has("password") => vec!["username", "password"],
        "kubernetes.io/ssh-auth" if !non_empty("ssh-privatekey") => vec!["ssh-privatekey"],
        "kubernetes.io/dockerconfigjson" if !has(".dockerconfigjson") => vec![".dockerconfigjson"],
        "kubernetes.io/dockercfg" if !has(".dockercfg") => vec![".dockercfg"],
        "kubernetes.io/service-account-token" => {
            let annotations = secret.pointer("/metadata/annotations");
            if annotations.is_some_and(|a| !report.known(a)) {
                return;
            }
            if annotations.and_then(|a| a.get("kubernetes.io/service-account.name")).is_none() {
                let here = path.key("metadata").key("annotations").key("kubernetes.io/service-account.name");
                report.required(here, "a service-account-token Secret names its ServiceAccount");
            }
            Vec::new()
        }
        _ => Vec::new(),
    };
    for key in missing {
        report.required(data.key(key), &format!("a Secret of type {kind} holds the key {key:?}"));
    }
}

/// networking `validateIngressRules`: a host is a DNS name (or a `*.` wildcard), not an IP address.
fn ingress_host(host: &Value, path: Path, report: &mut Report<'_>) {
    let Some(text) = host.as_str().filter(|s| !s.is_empty()) else { return };
    if text.parse::<IpAddr>().is_ok() {
        return report.invalid(path, host, "must be a DNS name, not an IP address");
    }
    wildcard_host(host, path, report);
}

/// networking `validateIngressTLS`: a DNS subdomain, or a wildcard one.
fn wildcard_host(host: &Value, path: Path, report: &mut Report<'_>) {
    let Some(text) = host.as_str().filter(|s| !s.is_empty()) else { return };
    let problem = if text.contains('*') {
        formats::wildcard_dns_subdomain_problem(text)
    } else {
        formats::dns_subdomain_problem(text)
    };
    if let Some(why) = problem {
        report.invalid(path, host, &why);
    }
}

/// networking `validateHTTPIngressPath`: a `pathType`; for `Exact` and `Prefix` an absolute path without
/// `//`, `/./`, `/../`, `%2f`, `%2F` and not ending in `/..` or `/.`; for `ImplementationSpecific` an absolute
/// path when one is given.
fn ingress_path(entry: &Value, path: &Path, report: &mut Report<'_>) {
    let Some(entry) = entry.as_object() else { return };
    let path_type = entry.get("pathType");
    let Some(path_type) = path_type.filter(|t| !t.is_null()) else {
        return report.push(
            Code::MissingValue,
            path.key("pathType"),
            false,
            "Required value: pathType must be specified (Exact, Prefix or ImplementationSpecific)".to_string(),
        );
    };
    let Some(path_type) = report.text(Some(path_type)) else { return };
    let Some(value) = entry.get("path").filter(|p| report.known(p)) else {
        if matches!(path_type, "Exact" | "Prefix") && entry.get("path").is_none() {
            report.invalid(path.key("path"), &Value::from(""), "must be an absolute path");
        }
        return;
    };
    let Some(text) = value.as_str() else { return };
    let here = path.key("path");
    match path_type {
        "Exact" | "Prefix" => {
            if !text.starts_with('/') {
                return report.invalid(here, value, "must be an absolute path");
            }
            for sequence in ["//", "/./", "/../", "%2f", "%2F"] {
                if text.contains(sequence) {
                    return report.invalid(here, value, &format!("must not contain '{sequence}'"));
                }
            }
            for suffix in ["/..", "/."] {
                if text.ends_with(suffix) {
                    return report.invalid(here, value, &format!("cannot end with '{suffix}'"));
                }
            }
        }
        "ImplementationSpecific" if !text.is_empty() && !text.starts_with('/') => {
            report.invalid(here, value, "must be an absolute path");
        }
        _ => {}
    }
}

/// networking `validateIngressBackend`: a service or a resource, not both; a service has a name (a DNS label)
/// and a port given by name or by number, not both.
fn ingress_backend(backend: &Value, path: &Path, report: &mut Report<'_>) {
    let Some(map) = backend.as_object() else { return };
    let (service, resource) = (map.get("service"), map.get("resource"));
    if service.is_some() && resource.is_some() {
        return report.invalid(path.clone(), &Value::from(""), "cannot set both resource and service backends");
    }
    let Some(service) = service.filter(|s| report.known(s)) else {
        if resource.is_none() {
            report.push(
                Code::MissingValue,
                path.clone(),
                false,
                "Required value: resource or service backend is required".to_string(),
            );
        }
        return;
    };
    let here = path.key("service");
    if let Some(name) = service.get("name").filter(|n| report.known(n))
        && let Some(why) = name.as_str().and_then(formats::dns_label_problem)
    {
        report.invalid(here.key("name"), name, &why);
    }
    let Some(port) = service.get("port").filter(|p| report.known(p)) else {
        return report.push(
            Code::MissingValue,
            here.key("port"),
            false,
            "Required value: port name or number is required".to_string(),
        );
    };
    let name = port.get("name").filter(|n| n.as_str() != Some(""));
    let number = port.get("number").filter(|n| Report::integer(Some(n)) != Some(0));
    match (name, number) {
        (Some(_), Some(_)) => {
            report.invalid(here.key("port"), &Value::from(""), "cannot set both port name & port number");
        }
        (Some(name), None) => {
            if let Some(why) = report.text(Some(name)).and_then(formats::port_name_problem) {
                report.invalid(here.key("port").key("name"), name, &why);
            }
        }
        (None, Some(number)) => {
            if let Some(n) = Report::integer(Some(number))
                && !(1..=65535).contains(&n)
            {
                report.push(
                    Code::ValueOutOfRange,
                    here.key("port").key("number"),
                    false,
                    format!("Invalid value: {number}: must be between 1 and 65535, inclusive"),
                );
            }
        }
        (None, None) => {
            if port.as_object().is_some_and(|p| p.values().all(|v| report.known(v))) {
                report.push(
                    Code::MissingValue,
                    here.key("port"),
                    false,
                    "Required value: port name or number is required".to_string(),
                );
            }
        }
    }
}

/// apps `ValidateRollingUpdateDeployment`: `maxUnavailable` and `maxSurge` (25% each when absent) may not
/// both be 0, and `maxUnavailable` is at most 100%.
fn rolling_update(update: &Value, path: &Path, report: &mut Report<'_>) {
    let value_of = |field: &str| -> Option<i64> {
        match update.get(field) {
            None | Some(Value::Null) => Some(25),
            Some(v) if !report.known(v) => None,
            Some(Value::String(s)) => s.strip_suffix('%').and_then(|n| n.parse().ok()),
            Some(v) => Report::integer(Some(v)),
        }
    };
    let (unavailable, surge) = (value_of("maxUnavailable"), value_of("maxSurge"));
    let here = path.key("maxUnavailable");
    let shown = update.get("maxUnavailable").cloned().unwrap_or(Value::from("25%"));
    if unavailable == Some(0) && surge == Some(0) {
        report.invalid(here.clone(), &shown, "may not be 0 when `maxSurge` is 0");
    }
    let percent = update.get("maxUnavailable").and_then(Value::as_str).filter(|s| s.ends_with('%'));
    if percent.is_some() && unavailable.is_some_and(|u| u > 100) {
        report.invalid(here, &shown, "must not be greater than 100%");
    }
}
