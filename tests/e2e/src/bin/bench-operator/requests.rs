//! Requests by kind, as the API server counts them in `apiserver_request_total`: its `verb`, `resource` and
//! `subresource` labels. The driver classifies its own requests the same way, so the controller's share of
//! each kind is the server's count less the driver's.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// `(verb, resource, subresource)`: `("APPLY", "deployments", "")`, `("PATCH", "applications", "status")`.
pub type Kind = (String, String, String);

/// Counts of requests by kind.
#[derive(Debug, Default)]
pub struct Counts(Mutex<BTreeMap<Kind, u64>>);

impl Counts {
    /// Counts one request of the driver's.
    pub fn record<B>(&self, request: &http::Request<B>) {
        let kind = classify(request);
        if let Ok(mut counts) = self.0.lock() {
            *counts.entry(kind).or_insert(0) += 1;
        }
    }

    pub fn snapshot(&self) -> BTreeMap<Kind, u64> {
        self.0.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

/// The API server's verb, resource and subresource of `request` (see the apiserver's `RequestInfo`): GET is
/// `GET` for one object, `LIST` for a collection, `WATCH` with `watch=true`; PATCH with an apply body is
/// `APPLY`; DELETE on a collection is `DELETECOLLECTION`.
pub fn classify<B>(request: &http::Request<B>) -> Kind {
    let path = request.uri().path();
    let query = request.uri().query().unwrap_or_default();
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    // /api/v1/... or /apis/<group>/<version>/...
    let rest: &[&str] = match parts.as_slice() {
        ["api", _version, rest @ ..] | ["apis", _, _version, rest @ ..] => rest,
        _ => &[],
    };
    let rest = match rest {
        ["namespaces", _, tail @ ..] if !tail.is_empty() => tail,
        other => other,
    };
    let (resource, name, subresource) = match rest {
        [resource] => (*resource, None, ""),
        [resource, name] => (*resource, Some(*name), ""),
        [resource, name, sub, ..] => (*resource, Some(*name), *sub),
        [] => ("", None, ""),
    };
    let watch = query.split('&').any(|p| p == "watch=true" || p == "watch=1");
    let apply = request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/apply-patch"));
    let verb = match (request.method().as_str(), name) {
        ("GET", _) if watch => "WATCH",
        ("GET", None) => "LIST",
        ("GET", Some(_)) => "GET",
        ("POST", _) => "POST",
        ("PUT", _) => "PUT",
        ("PATCH", _) if apply => "APPLY",
        ("PATCH", _) => "PATCH",
        ("DELETE", None) => "DELETECOLLECTION",
        ("DELETE", Some(_)) => "DELETE",
        (other, _) => other,
    };
    (verb.to_string(), resource.to_string(), subresource.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(method: &str, uri: &str, content_type: Option<&str>) -> (String, String, String) {
        let mut builder = http::Request::builder().method(method).uri(uri);
        if let Some(t) = content_type {
            builder = builder.header(http::header::CONTENT_TYPE, t);
        }
        classify(&builder.body(()).unwrap())
    }

    #[test]
    fn requests_are_named_as_the_api_server_counts_them() {
        let k = |v: &str, r: &str, s: &str| (v.to_string(), r.to_string(), s.to_string());
        assert_eq!(
            kind(
                "PATCH",
                "/apis/apps/v1/namespaces/a/deployments/x?fieldManager=kro-rs&force=true",
                Some("application/apply-patch+yaml")
            ),
            k("APPLY", "deployments", "")
        );
        assert_eq!(
            kind(
                "PATCH",
                "/apis/kro.run/v1alpha1/namespaces/a/applications/x/status",
                Some("application/json-patch+json")
            ),
            k("PATCH", "applications", "status")
        );
        assert_eq!(kind("GET", "/api/v1/services?labelSelector=x&watch=true", None), k("WATCH", "services", ""));
        assert_eq!(kind("GET", "/api/v1/namespaces/a/services", None), k("LIST", "services", ""));
        assert_eq!(kind("GET", "/api/v1/namespaces/a/services/s", None), k("GET", "services", ""));
        assert_eq!(kind("POST", "/api/v1/namespaces", None), k("POST", "namespaces", ""));
        assert_eq!(
            kind("DELETE", "/apis/kro.run/v1alpha1/namespaces/a/applications", None),
            k("DELETECOLLECTION", "applications", "")
        );
    }
}
