//! The instance status a plan writes: `state`, the conditions, and the fields the RGD projects from its
//! resources (kro's `instance/status.go`). A projection whose data is pending is left out; `state` and
//! `conditions` are never overwritten by one.
//!
//! Conditions: kro's root `Ready` over `InstanceManaged`, `GraphResolved` and `ResourcesReady`, plus
//! `InstanceSynced`, which the generated CRD's SYNCED column reads (docs/decisions/0009). When the RGD declares
//! its own `status.conditions`, those replace kro's four, as in kro, and `InstanceSynced` is still written. A
//! condition keeps its `lastTransitionTime` while its status is unchanged.

use serde_json::{Map, Value, json};

use super::render::render_string;
use super::{InstanceState, Plan, PlanInput, ReasonCode};
use crate::expr::eval::Bindings;

pub(super) fn status(
    input: &PlanInput<'_>,
    plan: &Plan,
    bindings: &mut Bindings<'_>,
    suspended: bool,
    errors: &[String],
) -> (Value, Vec<String>) {
    let mut status = Map::new();
    let previous = input.instance.pointer("/status/conditions").and_then(Value::as_array);
    let condition = condition_maker(input);
    let (resources_ok, resources_reason, resources_message) = resources_ready(plan, suspended, errors);
    let (graph_ok, graph_reason, graph_message) = graph_resolved(input);
    // The root copies the first dependent that is not True, as kro's condition set does.
    let (ready, ready_reason, ready_message) = if graph_ok {
        (resources_ok, resources_reason.clone(), resources_message.clone())
    } else {
        (false, graph_reason.to_string(), graph_message.clone())
    };
    let mut conditions = Vec::new();
    let builtin = vec![
        condition("InstanceManaged", "True", "Managed", "instance is managed by kro"),
        condition("GraphResolved", truth(graph_ok), graph_reason, &graph_message),
        condition("ResourcesReady", truth(resources_ok), &resources_reason, &resources_message),
        condition("Ready", truth(ready), if ready { "Ready" } else { &ready_reason }, &ready_message),
    ];
    let mut failures = Vec::new();
    match input.rgd.status_template.get("conditions").and_then(Value::as_array) {
        Some(custom) => {
            // The author's conditions replace kro's, which they can still read with
            // runtime.condition(schema, 'Ready'): `schema` carries them for these expressions.
            let mut schema = input.instance.clone();
            if let Some(map) = schema.as_object_mut() {
                map.insert("status".to_string(), json!({"conditions": builtin}));
            }
            let runtime = json!({});
            let locals: [(&str, &Value); 2] = [("schema", &schema), ("runtime", &runtime)];
            let mut pending = false;
            for entry in custom.iter().filter_map(Value::as_str) {
                match render_string(input.rgd, entry, input.evaluator, bindings, &locals) {
                    Ok(Value::Object(c)) => conditions.push(stamp(&c, &condition)),
                    Ok(Value::Array(items)) => {
                        conditions.extend(items.iter().filter_map(Value::as_object).map(|c| stamp(c, &condition)));
                    }
                    Ok(other) => failures.push(format!("{entry} returned {other}, not a condition")),
                    Err(e) if e.is_pending() => pending = true,
                    Err(e) => failures.push(format!("{entry}: {}", e.message)),
                }
            }
            let mut seen = std::collections::BTreeSet::new();
            for c in &conditions {
                if let Some(kind) = c.get("type").and_then(Value::as_str)
                    && !seen.insert(kind.to_string())
                {
                    failures.push(format!("two status.conditions entries computed the type {kind}"));
                }
            }
            // A pending entry keeps what was written before: the previous conditions not computed now.
            if pending && let Some(previous) = previous {
                for old in previous {
                    let kind = old.get("type").and_then(Value::as_str).unwrap_or_default();
                    if kind != "InstanceSynced" && !seen.contains(kind) {
                        conditions.push(old.clone());
                    }
                }
            }
        }
        None => conditions.extend(builtin),
    }
    let (synced_reason, synced_message) = if ready {
        ("ReconciliationSucceeded".to_string(), "Instance reconciled successfully".to_string())
    } else {
        (ready_reason, ready_message)
    };
    conditions.push(condition("InstanceSynced", truth(ready), &synced_reason, &synced_message));

    if let Value::Object(fields) = &input.rgd.status_template {
        for (key, template) in fields {
            if key == "state" || key == "conditions" {
                continue;
            }
            if let Some(value) = project(template, input, bindings) {
                status.insert(key.clone(), value);
            }
        }
    }
    record_revision(input, &mut status);
    let state = if failures.is_empty() { plan.state } else { InstanceState::Error };
    let state = match state {
        InstanceState::InProgress => "IN_PROGRESS",
        InstanceState::Active => "ACTIVE",
        InstanceState::Error => "ERROR",
        InstanceState::Deleting => "DELETING",
    };
    status.insert("state".to_string(), Value::String(state.to_string()));
    status.insert("conditions".to_string(), Value::Array(conditions));
    (Value::Object(status), failures)
}

/// A computed custom condition with the transition time and generation kro adds.
fn stamp(computed: &Map<String, Value>, condition: &impl Fn(&str, &str, &str, &str) -> Value) -> Value {
    let text = |k: &str| computed.get(k).and_then(Value::as_str).unwrap_or_default();
    condition(text("type"), text("status"), text("reason"), text("message"))
}

/// `GraphResolved`: kro's `Resolved`, unless a newer revision of the RGD does not compile and the plan is made
/// with an older one (kro-rs goes on reconciling with it where kro stops; docs/decisions/0019).
pub(super) fn graph_resolved(input: &PlanInput<'_>) -> (bool, &'static str, String) {
    match input.options.revision.as_ref().and_then(|r| r.latest_failed.as_ref().map(|f| (r.revision, f))) {
        Some((used, failed)) => (
            false,
            "LatestRevisionFailed",
            format!(
                "graph revision {} of ResourceGraphDefinition {} does not compile; reconciled with revision {used}, \
                 the last that compiled: {}",
                failed.revision, input.rgd.name, failed.message
            ),
        ),
        None => (true, "Resolved", "runtime graph created and all resources resolved".to_string()),
    }
}

/// `status.graphRevision`: the revision the instance was last reconciled with (when the host says, and the
/// RGD does not project a field of that name itself).
pub(super) fn record_revision(input: &PlanInput<'_>, status: &mut Map<String, Value>) {
    let declared = input.rgd.status_template.get(GRAPH_REVISION).is_some();
    if let (Some(revision), false) = (&input.options.revision, declared) {
        status.insert(GRAPH_REVISION.to_string(), json!(revision.revision));
    }
}

/// The instance status field holding the graph revision it was reconciled with.
pub(crate) const GRAPH_REVISION: &str = "graphRevision";

fn truth(ok: bool) -> &'static str {
    if ok { "True" } else { "False" }
}

/// Builds a condition at the plan's time and the instance's generation, keeping the previous
/// `lastTransitionTime` of the same type while its status is unchanged.
pub(super) fn condition_maker<'i>(input: &'i PlanInput<'_>) -> impl Fn(&str, &str, &str, &str) -> Value + 'i {
    let previous = input.instance.pointer("/status/conditions").and_then(Value::as_array);
    let generation = input.instance.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(1);
    move |kind: &str, state: &str, reason: &str, message: &str| {
        let since = previous
            .and_then(|p| p.iter().find(|c| c.get("type").and_then(Value::as_str) == Some(kind)))
            .filter(|c| c.get("status").and_then(Value::as_str) == Some(state))
            .and_then(|c| c.get("lastTransitionTime").cloned())
            .unwrap_or_else(|| Value::String(input.options.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)));
        json!({
            "type": kind,
            "status": state,
            "reason": reason,
            "message": message,
            "lastTransitionTime": since,
            "observedGeneration": generation,
        })
    }
}

/// `ResourcesReady`: whether everything is applied and ready, and otherwise kro's reason and message.
fn resources_ready(plan: &Plan, suspended: bool, errors: &[String]) -> (bool, String, String) {
    if suspended {
        return (false, "ReconciliationSuspended".to_string(), "reconciliation is suspended".to_string());
    }
    if !errors.is_empty() {
        return (false, "NotReady".to_string(), format!("resource error: {}", errors.join("; ")));
    }
    let waiting: Vec<String> =
        plan.pending.iter().filter(|p| p.reason.code != ReasonCode::Suspended).map(|p| p.id.clone()).collect();
    if waiting.is_empty() {
        (true, "AllResourcesReady".to_string(), "all resources are created and ready".to_string())
    } else {
        (false, "NotReady".to_string(), format!("awaiting resource readiness: {}", waiting.join(", ")))
    }
}

/// A projected field: expressions evaluated, objects walked; `None` when its data is pending or it fails
/// (kro evaluates status softly).
fn project(template: &Value, input: &PlanInput<'_>, bindings: &mut Bindings<'_>) -> Option<Value> {
    match template {
        Value::String(s) => render_string(input.rgd, s, input.evaluator, bindings, &[]).ok(),
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                if let Some(value) = project(v, input, bindings) {
                    out.insert(k.clone(), value);
                }
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        Value::Array(items) => {
            items.iter().map(|i| project(i, input, bindings)).collect::<Option<Vec<_>>>().map(Value::Array)
        }
        other => Some(other.clone()),
    }
}
