//! The status kro writes on a ResourceGraphDefinition (section 5 of kro's semantics,
//! `pkg/controller/resourcegraphdefinition/controller_status.go`): `state`, `topologicalOrder`, `resources`
//! and the conditions, computed from the compile result and the two facts only the host knows (is the
//! generated CRD established, does the instance controller run).
//!
//! kro-rs compiles RGDs directly, without kro's `GraphRevision` objects, so there is no
//! `GraphRevisionsResolved` condition and no `lastIssuedRevision`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::compile::CompiledDocument;
use crate::diagnostics::Diagnostic;

/// What the host knows that decides the RGD's state besides its validity. `None`: not known yet.
#[derive(Debug, Clone)]
pub struct HostConditions {
    /// The generated CRD is applied and Established (`Ok`), or why not.
    pub kind_ready: Option<Result<(), String>>,
    /// The instance controller for the generated kind runs (`Ok`), or why it could not start.
    pub controller_ready: Option<Result<(), String>>,
    /// The RGD's `metadata.generation`, written as every condition's `observedGeneration`.
    pub generation: i64,
    /// The time written as `lastTransitionTime` of a condition that changes.
    pub now: DateTime<Utc>,
    /// The status the RGD has now, so an unchanged condition keeps its `lastTransitionTime`.
    pub previous: Option<Value>,
}

/// `Active` iff the graph is accepted, the kind is ready and its controller runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RgdState {
    /// The RGD is valid and its kind is served and reconciled.
    Active,
    /// Anything else: invalid, or its CRD or controller is not ready.
    Inactive,
}

impl RgdState {
    /// The state as kro writes it in `status.state`.
    pub fn as_str(self) -> &'static str {
        match self {
            RgdState::Active => "Active",
            RgdState::Inactive => "Inactive",
        }
    }

    /// The state an RGD object reports (`status.state`), when it reports one kro writes.
    pub fn of(rgd: &Value) -> Option<RgdState> {
        match rgd.pointer("/status/state").and_then(Value::as_str)? {
            "Active" => Some(RgdState::Active),
            "Inactive" => Some(RgdState::Inactive),
            _ => None,
        }
    }
}

/// A resource and the resources it reads, as the RGD status lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceDependencies {
    /// The resource's id.
    pub id: String,
    /// The resources it reads.
    pub dependencies: Vec<DependencyRef>,
}

/// One dependency of a resource (`{id}`, as kro writes it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DependencyRef {
    /// The id of the resource read.
    pub id: String,
}

/// One condition, as Kubernetes writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// The condition type, e.g. `ResourceGraphAccepted`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// A CamelCase reason.
    pub reason: String,
    /// A sentence for the user.
    pub message: String,
    /// When `status` last changed (RFC 3339).
    pub last_transition_time: String,
    /// The `metadata.generation` the condition was computed for.
    pub observed_generation: i64,
}

/// The RGD's `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RgdStatus {
    /// `Active` or `Inactive`.
    pub state: RgdState,
    /// Resource ids in topological order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub topological_order: Vec<String>,
    /// Only resources that read others are listed, as kro does.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ResourceDependencies>,
    /// kro's RGD conditions.
    pub conditions: Vec<Condition>,
}

/// A condition's truth: kro's `True`/`False`/`Unknown` with reason and message.
struct Truth {
    status: &'static str,
    reason: String,
    message: String,
}

impl Truth {
    fn new(status: &'static str, reason: &str, message: impl Into<String>) -> Self {
        Truth { status, reason: reason.to_string(), message: message.into() }
    }

    fn from_host(fact: Option<&Result<(), String>>, ok: Truth, failed_reason: &str) -> Truth {
        match fact {
            Some(Ok(())) => ok,
            Some(Err(message)) => Truth::new("False", failed_reason, message.clone()),
            None => Truth::new("Unknown", "AwaitingReconciliation", "waiting to be reconciled"),
        }
    }
}

impl RgdStatus {
    /// The status for `compiled` (one RGD's compile result) with what the host knows.
    pub fn new(compiled: &CompiledDocument, host: &HostConditions) -> RgdStatus {
        let accepted = match &compiled.rgd {
            Some(_) => Truth::new("True", "Valid", "resource graph and schema are valid"),
            None => Truth::new("False", "InvalidResourceGraph", errors_message(&compiled.diagnostics)),
        };
        let kind = compiled.rgd.as_ref().map_or_else(String::new, |r| r.api.kind.clone());
        let kind_ready = Truth::from_host(
            host.kind_ready.as_ref(),
            Truth::new("True", "Ready", format!("kind {kind} has been accepted and ready")),
            "Failed",
        );
        let controller_ready = Truth::from_host(
            host.controller_ready.as_ref(),
            Truth::new("True", "Running", "controller is running"),
            "FailedToStart",
        );
        let parts = [("GraphAccepted", accepted), ("KindReady", kind_ready), ("ControllerReady", controller_ready)];
        let all_true = parts.iter().all(|(_, t)| t.status == "True");
        // The root copies the first False dependent, else the first Unknown one (kro's condition set).
        let ready = if all_true {
            Truth::new("True", "Ready", "")
        } else {
            let worst = parts
                .iter()
                .find(|(_, t)| t.status == "False")
                .or_else(|| parts.iter().find(|(_, t)| t.status == "Unknown"))
                .map(|(_, t)| t);
            worst.map_or_else(
                || Truth::new("Unknown", "AwaitingReconciliation", ""),
                |t| Truth::new(t.status, &t.reason, t.message.clone()),
            )
        };
        let mut conditions: Vec<Condition> = parts.into_iter().map(|(name, t)| condition(host, name, t)).collect();
        conditions.push(condition(host, "Ready", ready));

        let (topological_order, resources) = match &compiled.rgd {
            Some(rgd) => (
                rgd.topological_ids().into_iter().map(str::to_string).collect(),
                rgd.order
                    .iter()
                    .map(|&i| &rgd.resources[i])
                    .filter(|r| !r.depends_on.is_empty())
                    .map(|r| ResourceDependencies {
                        id: r.id.clone(),
                        dependencies: r.depends_on.iter().map(|d| DependencyRef { id: d.clone() }).collect(),
                    })
                    .collect(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        RgdStatus {
            state: if all_true { RgdState::Active } else { RgdState::Inactive },
            topological_order,
            resources,
            conditions,
        }
    }
}

/// A condition, keeping the previous `lastTransitionTime` while its status is unchanged.
fn condition(host: &HostConditions, type_: &str, truth: Truth) -> Condition {
    let previous = host
        .previous
        .as_ref()
        .and_then(|s| s.get("conditions"))
        .and_then(Value::as_array)
        .and_then(|cs| cs.iter().find(|c| c.get("type").and_then(Value::as_str) == Some(type_)))
        .filter(|c| c.get("status").and_then(Value::as_str) == Some(truth.status))
        .and_then(|c| c.get("lastTransitionTime"))
        .and_then(Value::as_str)
        .map(str::to_string);
    Condition {
        type_: type_.to_string(),
        status: truth.status.to_string(),
        reason: truth.reason,
        message: truth.message,
        last_transition_time: previous.unwrap_or_else(|| host.now.to_rfc3339_opts(SecondsFormat::Secs, true)),
        observed_generation: host.generation,
    }
}

/// The errors of an invalid RGD in one message: each with its code, its path and, when known, its line and
/// column.
fn errors_message(diagnostics: &[Diagnostic]) -> String {
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let at = if d.span.start.line > 0 {
                format!(" (line {}, column {})", d.span.start.line, d.span.start.column)
            } else {
                String::new()
            };
            let path = if d.path.is_empty() { String::new() } else { format!("{}: ", d.path) };
            format!("{path}{}{at} [{}]", d.message, d.code)
        })
        .collect();
    match errors.len() {
        0 => "the document is not a valid ResourceGraphDefinition".to_string(),
        1 => errors.join(""),
        n => format!("{n} errors: {}", errors.join("; ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Engine, EngineOptions};

    const WEBAPP: &str = include_str!("../../examples/webapp/rgd.yaml");

    fn host(kind: Option<Result<(), String>>, controller: Option<Result<(), String>>) -> HostConditions {
        HostConditions {
            kind_ready: kind,
            controller_ready: controller,
            generation: 2,
            now: crate::PlanOptions::default().now,
            previous: None,
        }
    }

    fn engine() -> Engine {
        Engine::new(EngineOptions::default()).unwrap()
    }

    #[test]
    fn a_valid_rgd_with_its_kind_and_controller_ready_is_active_with_kros_conditions() {
        let engine = engine();
        let doc = engine.compile_text(WEBAPP).remove(0);
        let status = engine.rgd_status(&doc, &host(Some(Ok(())), Some(Ok(()))));
        assert_eq!(status.state, RgdState::Active);
        assert_eq!(status.topological_order, ["deployment", "service", "ingress"]);
        let json = serde_json::to_value(&status).unwrap();
        assert_eq!(
            json["resources"],
            serde_json::json!([
                {"id": "service", "dependencies": [{"id": "deployment"}]},
                {"id": "ingress", "dependencies": [{"id": "service"}]},
            ])
        );
        let summary: Vec<(String, String, String)> =
            status.conditions.iter().map(|c| (c.type_.clone(), c.status.clone(), c.reason.clone())).collect();
        assert_eq!(
            summary,
            [
                ("GraphAccepted".into(), "True".into(), "Valid".into()),
                ("KindReady".into(), "True".into(), "Ready".into()),
                ("ControllerReady".into(), "True".into(), "Running".into()),
                ("Ready".into(), "True".into(), "Ready".into()),
            ]
        );
        assert!(status.conditions.iter().all(|c| c.observed_generation == 2));
        assert_eq!(status.conditions[1].message, "kind Application has been accepted and ready");
    }

    #[test]
    fn an_invalid_rgd_is_inactive_and_says_what_is_wrong_and_where() {
        let engine = engine();
        let broken =
            WEBAPP.replace("${deployment.spec.selector.matchLabels}", "${deploymnt.spec.selector.matchLabels}");
        let doc = engine.compile_text(&broken).remove(0);
        let status = engine.rgd_status(&doc, &host(None, None));
        assert_eq!(status.state, RgdState::Inactive);
        let accepted = &status.conditions[0];
        assert_eq!((accepted.status.as_str(), accepted.reason.as_str()), ("False", "InvalidResourceGraph"));
        assert!(accepted.message.contains("deploymnt"), "{}", accepted.message);
        assert!(accepted.message.contains("line "), "{}", accepted.message);
        let ready = &status.conditions[3];
        assert_eq!((ready.status.as_str(), ready.message.as_str()), ("False", accepted.message.as_str()));
        assert!(status.topological_order.is_empty());
    }

    #[test]
    fn a_kind_not_yet_established_leaves_the_rgd_inactive_and_unchanged_conditions_keep_their_time() {
        let engine = engine();
        let doc = engine.compile_text(WEBAPP).remove(0);
        let waiting = engine.rgd_status(&doc, &host(Some(Err("CRD not established yet".into())), None));
        assert_eq!(waiting.state, RgdState::Inactive);
        assert_eq!(waiting.conditions[3].reason, "Failed");
        let mut later = host(Some(Ok(())), Some(Ok(())));
        later.now = "2026-01-01T00:00:00Z".parse().unwrap();
        later.previous = Some(serde_json::to_value(&waiting).unwrap());
        let active = engine.rgd_status(&doc, &later);
        assert_eq!(active.conditions[0].last_transition_time, "2025-01-01T00:00:00Z", "GraphAccepted stayed True");
        assert_eq!(active.conditions[1].last_transition_time, "2026-01-01T00:00:00Z", "KindReady changed");
    }
}
