//! Why a reconcile failed, by kind. Each kind is a label of `dynamic_controller_handler_errors` and has its
//! own backoff: a conflict is retried at once, an API server that is away is retried as kro retries, and
//! something the API server refused is retried slowly, since it changes only when a spec or the cluster does
//! (and a spec change reconciles at once anyway).

use std::time::Duration;

/// A reconcile (of an instance or an RGD) that could not finish.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// A write lost a race with another writer (409 Conflict).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The API server refused what was asked (a 4xx other than a conflict: an invalid object, a forbidden
    /// request, a kind it does not serve).
    #[error("{0}")]
    Refused(String),
    /// The API server could not be reached or failed (5xx, 429, a timeout, a broken connection).
    #[error("API server unavailable: {0}")]
    Unavailable(String),
    /// A resource of the instance cannot be rendered, or the engine could not build what was asked: the
    /// status says why.
    #[error("{0}")]
    Invalid(String),
    /// The reconcile panicked (a bug, caught so it fails alone).
    #[error("reconcile panicked: {0}")]
    Panicked(String),
}

impl ReconcileError {
    /// `e`, from a request about `what`, classified by the API server's answer.
    pub fn api(what: impl std::fmt::Display, e: &kube::Error) -> Self {
        let message = format!("{what}: {e}");
        match e {
            kube::Error::Api(status) if status.code == 409 => ReconcileError::Conflict(message),
            kube::Error::Api(status) if status.code == 429 || status.code >= 500 => {
                ReconcileError::Unavailable(message)
            }
            kube::Error::Api(_) => ReconcileError::Refused(message),
            _ => ReconcileError::Unavailable(message),
        }
    }

    /// The label of `dynamic_controller_handler_errors`.
    pub fn label(&self) -> &'static str {
        match self {
            ReconcileError::Conflict(_) => "conflict",
            ReconcileError::Refused(_) => "refused",
            ReconcileError::Unavailable(_) => "unavailable",
            ReconcileError::Invalid(_) => "invalid",
            ReconcileError::Panicked(_) => "panic",
        }
    }

    /// How long to wait before the `attempt`-th retry (1 for the first) after this error.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exponential = |first_ms: u64, max_ms: u64| {
            let doubled = first_ms.saturating_mul(1u64 << attempt.saturating_sub(1).min(30));
            Duration::from_millis(doubled.min(max_ms))
        };
        match self {
            // Another writer moved the object on: read it again and retry, soon.
            ReconcileError::Conflict(_) => exponential(50, 2_000),
            // kro's workqueue limits: 200 ms doubling up to 1,000 s.
            ReconcileError::Unavailable(_) => exponential(200, 1_000_000),
            // Nothing changes by retrying soon; a spec change reconciles at once anyway.
            ReconcileError::Refused(_) | ReconcileError::Invalid(_) => exponential(5_000, 300_000),
            ReconcileError::Panicked(_) => exponential(30_000, 600_000),
        }
    }
}

impl From<kube::Error> for ReconcileError {
    fn from(e: kube::Error) -> Self {
        ReconcileError::api("request", &e)
    }
}

impl From<serde_json::Error> for ReconcileError {
    fn from(e: serde_json::Error) -> Self {
        ReconcileError::Invalid(format!("JSON: {e}"))
    }
}

/// Whether `e` is the API server saying the object is not there.
pub fn is_not_found(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(status) if status.code == 404)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(code: u16) -> kube::Error {
        kube::Error::Api(Box::new(kube::core::Status::failure("no", "Reason").with_code(code)))
    }

    #[test]
    fn errors_are_classified_by_the_api_servers_answer_and_back_off_by_kind() {
        let conflict = ReconcileError::api("status", &api_error(409));
        let refused = ReconcileError::api("apply", &api_error(422));
        let away = ReconcileError::api("apply", &api_error(503));
        assert_eq!((conflict.label(), refused.label(), away.label()), ("conflict", "refused", "unavailable"));
        assert_eq!(ReconcileError::api("x", &api_error(429)).label(), "unavailable");
        assert!(conflict.backoff(1) < away.backoff(1) && away.backoff(1) < refused.backoff(1));
        assert_eq!(away.backoff(1), Duration::from_millis(200));
        assert_eq!(away.backoff(3), Duration::from_millis(800));
        assert_eq!(refused.backoff(40), Duration::from_secs(300), "capped");
    }
}
