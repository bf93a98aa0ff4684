//! A GraphRevision's status, as kro's GraphRevision controller writes it (`controller_status.go`): the
//! compile result in `GraphVerified` (True `Verified`, or False `InvalidGraph` with the engine's errors), the
//! root `Ready` over it, and the compiled graph's `topologicalOrder` and `resources`.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::object::Listed;
use crate::compile::CompiledDocument;
use crate::rgd_status::{ConditionClock, Truth, errors_message, resources_of};

pub(super) fn revision_status(revision: &Listed, document: &CompiledDocument, now: DateTime<Utc>) -> Value {
    let verified = match &document.rgd {
        Some(_) => Truth::new("True", "Verified", "graph revision compiled and verified"),
        None => Truth::new(
            "False",
            "InvalidGraph",
            format!("failed to compile graph revision {:?}: {}", revision.name, errors_message(&document.diagnostics)),
        ),
    };
    let ready = if verified.status == "True" {
        Truth::new("True", "Ready", "")
    } else {
        Truth::new(verified.status, &verified.reason, verified.message.clone())
    };
    let clock = ConditionClock { previous: revision.status.as_ref(), generation: revision.generation, now };
    let mut status = Map::new();
    if let Some(rgd) = &document.rgd {
        let (order, resources) = resources_of(rgd);
        if !order.is_empty() {
            status.insert("topologicalOrder".into(), json!(order));
        }
        if !resources.is_empty() {
            status.insert("resources".into(), json!(resources));
        }
    }
    status.insert(
        "conditions".into(),
        json!([clock.condition("GraphVerified", verified), clock.condition("Ready", ready)]),
    );
    Value::Object(status)
}
