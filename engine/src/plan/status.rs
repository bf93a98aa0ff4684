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
) -> Value {
    let mut status = Map::new();
    let previous = input.instance.pointer("/status/conditions").and_then(Value::as_array);
    let generation = input.instance.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(1);
    let condition = |kind: &str, ok: bool, reason: &str, message: &str| {
        let state = if ok { "True" } else { "False" };
        let since = previous
            .and_then(|p| p.iter().find(|c| c.get("type").and_then(Value::as_str) == Some(kind)))
            .filter(|c| c.get("status").and_then(Value::as_str) == Some(state))
            .and_then(|c| c.get("lastTransitionTime").cloned())
            .unwrap_or_else(|| Value::String(input.options.now.clone()));
        json!({
            "type": kind,
            "status": state,
            "reason": reason,
            "message": message,
            "lastTransitionTime": since,
            "observedGeneration": generation,
        })
    };

    let (ready, ready_reason, ready_message) = resources_ready(plan, suspended, errors);
    let mut conditions = Vec::new();
    let custom = input.rgd.status_template.get("conditions").and_then(Value::as_array);
    if let Some(custom) = custom {
        for entry in custom {
            let Some(text) = entry.as_str() else { continue };
            if let Ok(Value::Object(mut c)) = render_string(text, input.evaluator, bindings, &[]) {
                let ok = c.get("status").and_then(Value::as_str) == Some("True");
                let kind = c.get("type").and_then(Value::as_str).unwrap_or_default().to_string();
                let reason = c.get("reason").and_then(Value::as_str).unwrap_or_default().to_string();
                let message = c.get("message").and_then(Value::as_str).unwrap_or_default().to_string();
                let mut full = condition(&kind, ok, &reason, &message);
                if let (Some(full), Some(status)) = (full.as_object_mut(), c.remove("status")) {
                    full.insert("status".to_string(), status);
                }
                conditions.push(full);
            }
        }
    } else {
        conditions.push(condition("InstanceManaged", true, "Managed", "instance is managed by kro"));
        conditions.push(condition(
            "GraphResolved",
            true,
            "Resolved",
            "runtime graph created and all resources resolved",
        ));
        conditions.push(condition("ResourcesReady", ready, &ready_reason, &ready_message));
        conditions.push(condition("Ready", ready, if ready { "Ready" } else { &ready_reason }, &ready_message));
    }
    let (synced_reason, synced_message) = if ready {
        ("ReconciliationSucceeded".to_string(), "Instance reconciled successfully".to_string())
    } else {
        (ready_reason, ready_message)
    };
    conditions.push(condition("InstanceSynced", ready, &synced_reason, &synced_message));

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
    let state = match plan.state {
        InstanceState::InProgress => "IN_PROGRESS",
        InstanceState::Active => "ACTIVE",
        InstanceState::Error => "ERROR",
        InstanceState::Deleting => "DELETING",
    };
    status.insert("state".to_string(), Value::String(state.to_string()));
    status.insert("conditions".to_string(), Value::Array(conditions));
    Value::Object(status)
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
        Value::String(s) => render_string(s, input.evaluator, bindings, &[]).ok(),
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
