//! The status kro writes on a ResourceGraphDefinition (section 5 of kro's semantics,
//! `pkg/controller/resourcegraphdefinition/controller_status.go`): `state`, `topologicalOrder`, `resources`,
//! `lastIssuedRevision` and the conditions, computed from the RGD's revisions ([`Revisions`]: the newest one's
//! compile result, the one served) and the two facts only the host knows (is the generated CRD established,
//! does the instance controller run).
//!
//! kro-rs compiles a revision in the reconcile that issues it, so `GraphRevisionsResolved` is never left
//! waiting for a compilation (kro's `Unknown` reasons): it is True when the newest revision compiled and is
//! served, False when it does not compile.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::diagnostics::Diagnostic;
use crate::graph::CompiledRgd;
use crate::revisions::Revisions;

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
    /// The highest revision number issued for the RGD, so numbering survives restarts and garbage
    /// collection (absent while none was issued, as kro's `omitempty`).
    #[serde(skip_serializing_if = "is_zero")]
    pub last_issued_revision: i64,
}

#[allow(clippy::trivially_copy_pass_by_ref, reason = "serde's skip_serializing_if passes a reference")]
fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// A condition's truth: kro's `True`/`False`/`Unknown` with reason and message.
#[derive(Debug, Clone)]
pub(crate) struct Truth {
    pub status: &'static str,
    pub reason: String,
    pub message: String,
}

impl Truth {
    pub(crate) fn new(status: &'static str, reason: &str, message: impl Into<String>) -> Self {
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
    /// The status for an RGD whose revisions resolved as `revisions`, with what the host knows.
    pub fn new(revisions: &Revisions, host: &HostConditions) -> RgdStatus {
        let latest = revisions.latest_document();
        let accepted = match latest {
            Some(doc) if doc.rgd.is_some() => Truth::new("True", "Valid", "resource graph and schema are valid"),
            Some(doc) => Truth::new("False", "InvalidResourceGraph", errors_message(&doc.diagnostics)),
            None => awaiting(),
        };
        let resolved = match (revisions.latest(), &revisions.in_use) {
            (Some((n, true)), _) => Truth::new("True", "Resolved", format!("revision {n} compiled and active")),
            (Some((n, false)), Some(used)) => Truth::new(
                "False",
                "Failed",
                format!(
                    "latest graph revision {n} failed compilation; instances are reconciled with revision {}, the \
                     last that compiled",
                    used.revision
                ),
            ),
            (Some((n, false)), None) => Truth::new(
                "False",
                "Failed",
                format!(
                    "latest graph revision {n} failed compilation; no revision compiles, so no instance is reconciled"
                ),
            ),
            (None, _) => awaiting(),
        };
        let kind = revisions.served.as_ref().map_or_else(String::new, |r| r.api.kind.clone());
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
        // kro's state leaves GraphRevisionsResolved out: it is serving availability.
        let active = [&accepted, &kind_ready, &controller_ready].iter().all(|t| t.status == "True");
        let parts = [
            ("GraphAccepted", accepted),
            ("GraphRevisionsResolved", resolved),
            ("KindReady", kind_ready),
            ("ControllerReady", controller_ready),
        ];
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
        let clock = ConditionClock { previous: host.previous.as_ref(), generation: host.generation, now: host.now };
        let mut conditions: Vec<Condition> = parts.into_iter().map(|(name, t)| clock.condition(name, t)).collect();
        conditions.push(clock.condition("Ready", ready));
        let (topological_order, resources) = revisions.served.as_deref().map(resources_of).unwrap_or_default();
        RgdStatus {
            state: if active { RgdState::Active } else { RgdState::Inactive },
            topological_order,
            resources,
            conditions,
            last_issued_revision: revisions.last_issued,
        }
    }
}

fn awaiting() -> Truth {
    Truth::new("Unknown", "AwaitingReconciliation", "waiting to be reconciled")
}

/// The topological order of a compiled graph and the resources that read others, as kro lists them.
pub(crate) fn resources_of(rgd: &CompiledRgd) -> (Vec<String>, Vec<ResourceDependencies>) {
    (
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
    )
}

/// Makes conditions for one object: at its generation, keeping the `lastTransitionTime` its previous status
/// gives a condition of the same type and status.
pub(crate) struct ConditionClock<'a> {
    /// The object's status as stored.
    pub previous: Option<&'a Value>,
    pub generation: i64,
    pub now: DateTime<Utc>,
}

impl ConditionClock<'_> {
    /// A condition, keeping the previous `lastTransitionTime` while its status is unchanged.
    pub(crate) fn condition(&self, type_: &str, truth: Truth) -> Condition {
        let previous = self
            .previous
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
            last_transition_time: previous.unwrap_or_else(|| self.now.to_rfc3339_opts(SecondsFormat::Secs, true)),
            observed_generation: self.generation,
        }
    }
}

/// The errors of an invalid RGD in one message: each with its code, its path and, when known, its line and
/// column.
pub(crate) fn errors_message(diagnostics: &[Diagnostic]) -> String {
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
    use crate::{Engine, EngineOptions, RevisionOptions};

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

    /// The revisions of `text`'s RGD on a cluster that has none yet.
    fn revisions(engine: &Engine, text: &str) -> Revisions {
        let rgd = engine.load_objects(text).unwrap().remove(0);
        engine.resolve_revisions(&rgd, &[], &RevisionOptions::default())
    }

    fn find<'s>(status: &'s RgdStatus, type_: &str) -> &'s Condition {
        status.conditions.iter().find(|c| c.type_ == type_).unwrap()
    }

    #[test]
    fn a_valid_rgd_with_its_kind_and_controller_ready_is_active_with_kros_conditions() {
        let engine = engine();
        let status = engine.rgd_status(&revisions(&engine, WEBAPP), &host(Some(Ok(())), Some(Ok(()))));
        assert_eq!(status.state, RgdState::Active);
        assert_eq!(status.topological_order, ["deployment", "service", "ingress"]);
        assert_eq!(status.last_issued_revision, 1);
        let json = serde_json::to_value(&status).unwrap();
        assert_eq!(
            json["resources"],
            serde_json::json!([
                {"id": "service", "dependencies": [{"id": "deployment"}]},
                {"id": "ingress", "dependencies": [{"id": "service"}]},
            ])
        );
        assert_eq!(json["lastIssuedRevision"], 1);
        let summary: Vec<(String, String, String)> =
            status.conditions.iter().map(|c| (c.type_.clone(), c.status.clone(), c.reason.clone())).collect();
        assert_eq!(
            summary,
            [
                ("GraphAccepted".into(), "True".into(), "Valid".into()),
                ("GraphRevisionsResolved".into(), "True".into(), "Resolved".into()),
                ("KindReady".into(), "True".into(), "Ready".into()),
                ("ControllerReady".into(), "True".into(), "Running".into()),
                ("Ready".into(), "True".into(), "Ready".into()),
            ]
        );
        assert!(status.conditions.iter().all(|c| c.observed_generation == 2));
        assert_eq!(find(&status, "KindReady").message, "kind Application has been accepted and ready");
        assert_eq!(find(&status, "GraphRevisionsResolved").message, "revision 1 compiled and active");
    }

    #[test]
    fn an_invalid_rgd_is_inactive_and_says_what_is_wrong_and_where() {
        let engine = engine();
        let broken =
            WEBAPP.replace("${deployment.spec.selector.matchLabels}", "${deploymnt.spec.selector.matchLabels}");
        let status = engine.rgd_status(&revisions(&engine, &broken), &host(None, None));
        assert_eq!(status.state, RgdState::Inactive);
        let accepted = find(&status, "GraphAccepted");
        assert_eq!((accepted.status.as_str(), accepted.reason.as_str()), ("False", "InvalidResourceGraph"));
        assert!(accepted.message.contains("deploymnt"), "{}", accepted.message);
        assert!(accepted.message.contains("spec.resources[1].template"), "{}", accepted.message);
        let resolved = find(&status, "GraphRevisionsResolved");
        assert_eq!((resolved.status.as_str(), resolved.reason.as_str()), ("False", "Failed"));
        assert!(
            resolved.message.contains("revision 1 failed compilation; no revision compiles"),
            "{}",
            resolved.message
        );
        let ready = find(&status, "Ready");
        assert_eq!((ready.status.as_str(), ready.message.as_str()), ("False", accepted.message.as_str()));
        assert!(status.topological_order.is_empty());
    }

    #[test]
    fn a_kind_not_yet_established_leaves_the_rgd_inactive_and_unchanged_conditions_keep_their_time() {
        let engine = engine();
        let revisions = revisions(&engine, WEBAPP);
        let waiting = engine.rgd_status(&revisions, &host(Some(Err("CRD not established yet".into())), None));
        assert_eq!(waiting.state, RgdState::Inactive);
        assert_eq!(find(&waiting, "Ready").reason, "Failed");
        let mut later = host(Some(Ok(())), Some(Ok(())));
        later.now = "2026-01-01T00:00:00Z".parse().unwrap();
        later.previous = Some(serde_json::to_value(&waiting).unwrap());
        let active = engine.rgd_status(&revisions, &later);
        assert_eq!(find(&active, "GraphAccepted").last_transition_time, "2025-01-01T00:00:00Z", "stayed True");
        assert_eq!(find(&active, "KindReady").last_transition_time, "2026-01-01T00:00:00Z", "KindReady changed");
    }

    #[test]
    fn errors_without_a_position_name_their_path_and_several_are_counted() {
        let engine = engine();
        let rgd = serde_json::json!({"apiVersion": "kro.run/v1alpha1", "kind": "ResourceGraphDefinition",
            "metadata": {"name": "x"}, "spec": {"schema": {"apiVersion": "v1alpha1", "kind": "X"},
            "resources": [{"id": "a", "template": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "${nope.x}"}}},
                          {"id": "b", "template": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "${zip.y}"}}}]}});
        let document = engine.compile_json(&rgd);
        let message = errors_message(&document.diagnostics);
        assert!(message.starts_with("2 errors: "), "{message}");
        assert!(!message.contains("line "), "a document from the API server has no lines: {message}");
    }
}
