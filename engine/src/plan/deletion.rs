//! Deleting an instance: its children, found by the ownership labels kro stamped on them and, when the instance
//! records an `ApplySet` inventory, among the group-kinds it records (no CEL is evaluated, so a broken or
//! deleted dependency cannot wedge deletion), go in reverse apply order: the highest
//! `internal.kro.run/apply-order` wave first (children without one last), one wave per pass; once none is
//! left, the finalizer comes off. External references are never deleted (kro never labels them).

use serde_json::{Map, Value, json};

use super::identity::{self, Inventory, ObjectKey, Owner};
use super::nodes::{NodeState, NodeStatus};
use super::{InstancePatch, InstanceState, Plan, PlanInput};

pub(super) fn plan_deletion(input: &PlanInput<'_>, owner: &Owner) -> Plan {
    let external: Vec<&str> = input.rgd.resources.iter().filter(|r| r.external).map(|r| r.id.as_str()).collect();
    let inventory = Inventory::recorded(input.instance);
    let children: Vec<(usize, ObjectKey, Option<String>)> = input
        .observed
        .iter()
        .filter(|o| owner.owns(o))
        .filter(|o| inventory.as_ref().is_none_or(|inv| inv.group_kinds.contains(&ObjectKey::of(o).group_kind())))
        .filter(|o| !identity::label(o, identity::NODE_ID).is_some_and(|n| external.contains(&n)))
        .map(|o| {
            let wave =
                identity::annotation(o, identity::APPLY_ORDER).and_then(|w| w.parse::<usize>().ok()).unwrap_or(0);
            (wave, ObjectKey::of(o), identity::label(o, identity::NODE_ID).map(str::to_string))
        })
        .collect();
    let highest = children.iter().map(|(w, ..)| *w).max();
    let nodes = input
        .rgd
        .order
        .iter()
        .map(|&i| {
            let resource = &input.rgd.resources[i];
            let id = resource.id.as_str();
            let mine = || children.iter().filter(|(.., node)| node.as_deref() == Some(id));
            let state = if resource.external {
                // kro never deletes what an external reference reads.
                NodeState::Ready
            } else if mine().any(|(w, ..)| Some(*w) == highest) {
                NodeState::Deleting
            } else if mine().next().is_some() {
                NodeState::Waiting
            } else {
                NodeState::Deleted
            };
            NodeStatus { id: id.to_string(), state }
        })
        .collect();
    let mut delete: Vec<ObjectKey> =
        children.into_iter().filter(|(w, ..)| Some(*w) == highest).map(|(_, k, _)| k).collect();
    delete.sort();
    let done = delete.is_empty();
    let condition = super::status::condition_maker(input);
    let message =
        if done { "all resources are deleted".to_string() } else { format!("deleting wave {}", highest.unwrap_or(0)) };
    let (graph_ok, graph_reason, graph_message) = super::status::graph_resolved(input);
    let conditions = json!([
        condition("InstanceManaged", "True", "Managed", "instance is managed by kro"),
        condition("GraphResolved", if graph_ok { "True" } else { "False" }, graph_reason, &graph_message),
        condition("ResourcesReady", "Unknown", "UnderDeletion", &message),
        condition("Ready", "Unknown", "UnderDeletion", &message),
        condition("InstanceSynced", "Unknown", "UnderDeletion", &message),
    ]);
    let mut status = Map::new();
    status.insert("state".to_string(), json!("DELETING"));
    status.insert("conditions".to_string(), conditions);
    super::status::record_revision(input, &mut status);
    Plan {
        // Once nothing is left, the patch drops kro's finalizer so the API server can remove the instance.
        instance: InstancePatch {
            finalizers: if done { Vec::new() } else { vec![identity::FINALIZER.to_string()] },
            ..InstancePatch::default()
        },
        resources: Vec::new(),
        pending: Vec::new(),
        excluded: Vec::new(),
        prune: Vec::new(),
        delete,
        state: InstanceState::Deleting,
        nodes,
        status: Value::Object(status),
        requeue_after: (!done).then_some(input.options.requeue_after),
        assumed: Vec::new(),
        reads: Vec::new(),
    }
}
