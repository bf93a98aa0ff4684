//! One reconcile of one instance: observe (children from the watch caches, external references from the API
//! server), ask the engine for a plan, execute it, and plan again with the apply results as observed objects
//! until the plan has nothing new to apply (kro's same-pass readiness: a chain whose readiness is existence
//! completes in one reconcile, docs/decisions/0009). Then prune, write the status, and requeue as the plan says.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use kro_engine::{Apply, InstanceState, Inventory, ObjectKey, Plan, PlanOptions, labels};
use kube::api::{DynamicObject, ListParams};
use kube::runtime::controller::Action;
use kube::runtime::reflector::ObjectRef;
use kube::{Api, Client, ResourceExt};
use serde_json::Value;

use super::executor::{self, ReconcileError};
use super::instance_controller::{Context, ExternalKey};

/// Without a hint from the plan, a settled instance is looked at again after this long (kro's resync).
const RESYNC: Duration = Duration::from_secs(36_000);

pub async fn reconcile(instance: Arc<DynamicObject>, ctx: Arc<Context>) -> Result<Action, ReconcileError> {
    let shared = &ctx.shared;
    let ar = &ctx.instances.resource;
    let namespace = instance.namespace().unwrap_or_default();
    let api: Api<DynamicObject> = if ctx.instances.namespaced {
        Api::namespaced_with(shared.client.clone(), &namespace, ar)
    } else {
        Api::all_with(shared.client.clone(), ar)
    };
    let mut current = serde_json::to_value(instance.as_ref()).map_err(|e| ReconcileError(e.to_string()))?;
    if let Some(map) = current.as_object_mut() {
        map.insert("apiVersion".to_string(), Value::String(ar.api_version.clone()));
        map.insert("kind".to_string(), Value::String(ar.kind.clone()));
    }
    // The instance's own object is the operator's to write; its resources are written and read as the RGD's
    // ServiceAccount when it names one.
    let client = shared.client_for(&ctx.rgd, &namespace).map_err(|e| ReconcileError(e.to_string()))?;
    let uid = instance.uid().unwrap_or_default();
    let mut observed = children_of(&ctx, &uid);
    observe_unwatched_kinds(&ctx, &client, &current, &uid, &mut observed).await?;
    let reads = observe_externals(&ctx, &client, &namespace, &mut observed).await?;
    let me = ObjectRef::from_obj_with(instance.as_ref(), ar.clone());
    ctx.record_reads(&me, reads);

    let options = PlanOptions {
        now: chrono::Utc::now(),
        rgd_uid: Some(ctx.rgd_uid.clone()),
        requeue_after: shared.options.requeue_after,
        ..PlanOptions::default()
    };
    let deleting = instance.metadata.deletion_timestamp.is_some();
    if deleting {
        let action = delete(&ctx, &client, &api, &current, &observed, &options).await?;
        if action == Action::await_change() {
            ctx.forget_state(&me);
            ctx.record_reads(&me, Vec::new());
        }
        return Ok(action);
    }

    // Apply, observe the results, plan again: each pass can only add resources whose dependencies the previous
    // pass applied, so the number of passes is bounded by the graph's depth (plus one to see nothing new).
    let mut applied: HashMap<ObjectKey, Value> = HashMap::new();
    let max_passes = ctx.rgd.resources.len() + 2;
    let mut plan;
    let mut passes = 0;
    // Applies actually sent (an unchanged child is in `applied` without one).
    let mut sent = 0;
    loop {
        passes += 1;
        let seen: Vec<Value> = observed.values().cloned().collect();
        plan = ctx.engine.plan(&ctx.rgd, &current, &seen, &options);
        // The finalizer and the ApplySet inventory go on the instance before any child is created, so a crash
        // after the apply still leaves a record of what to delete.
        if let Some(stored) = executor::patch_instance(&api, &current, &plan.instance).await? {
            current = stored;
        }
        let mut new: Vec<&Apply> =
            plan.resources.iter().filter(|a| applied.get(&ObjectKey::of(&a.object)) != Some(&a.object)).collect();
        // What is already in place as this process applied it is not sent again.
        new.retain(|a| {
            let key = ObjectKey::of(&a.object);
            if ctx.applied.unchanged(&a.object, observed.get(&key)) {
                applied.insert(key, a.object.clone());
                false
            } else {
                true
            }
        });
        if new.is_empty() || passes > max_passes {
            break;
        }
        // While the first resources of a chain are created, the instance reads IN_PROGRESS (the seed's `kubectl
        // get applications`) rather than jumping from no status to ACTIVE: the status before this reconcile's
        // first applies is written. Only then, and only when it changed, so a settled instance costs nothing.
        if passes == 1 && plan.state != InstanceState::Active {
            if executor::write_status(&api, &current, &plan.status).await?
                && let Some(map) = current.as_object_mut()
            {
                map.insert("status".to_string(), plan.status.clone());
                tracing::info!(state = ?plan.state, "status written before the first applies");
            }
            record_state(&ctx, &me, &plan);
        }
        let mut waves: Vec<Vec<&Apply>> = Vec::new();
        for apply in new {
            match waves.last_mut() {
                Some(wave) if wave[0].wave == apply.wave => wave.push(apply),
                _ => waves.push(vec![apply]),
            }
        }
        for wave in &waves {
            let results = match executor::apply_wave(shared, &client, &ctx.engine, wave).await {
                Ok(results) => results,
                Err(failure) => {
                    // The engine decides what a failed apply means for the status (ERROR, with the API
                    // server's message); the reconcile then backs off like any error.
                    let mut failed = options.clone();
                    failed.apply_failures.insert(failure.key.clone(), failure.message.clone());
                    let seen: Vec<Value> = observed.values().cloned().collect();
                    let plan = ctx.engine.plan(&ctx.rgd, &current, &seen, &failed);
                    executor::write_status(&api, &current, &plan.status).await?;
                    record_state(&ctx, &me, &plan);
                    return Err(ReconcileError(format!("apply {}: {}", failure.key, failure.message)));
                }
            };
            for result in results {
                observed.insert(ObjectKey::of(&result), result);
            }
            sent += wave.len();
            for apply in wave {
                ctx.applied.record(&apply.object);
                applied.insert(ObjectKey::of(&apply.object), apply.object.clone());
            }
        }
    }
    if !plan.prune.is_empty() {
        tracing::info!(prune = ?plan.prune.iter().map(ToString::to_string).collect::<Vec<_>>(), "pruning");
        ctx.applied.forget(&plan.prune);
        executor::delete(shared, &client, &ctx.engine, &plan.prune).await?;
    }
    let written = executor::write_status(&api, &current, &plan.status).await?;
    record_state(&ctx, &me, &plan);
    let pending: Vec<String> = plan.pending.iter().map(|p| format!("{}: {}", p.id, p.reason.message)).collect();
    if written {
        let state = plan.status.get("state").and_then(Value::as_str).unwrap_or_default();
        tracing::info!(
            state,
            passes,
            applied = sent,
            unchanged = applied.len().saturating_sub(sent),
            ?pending,
            "status written"
        );
    } else {
        tracing::debug!(state = ?plan.state, passes, applied = sent, ?pending, "status unchanged");
    }
    Ok(Action::requeue(plan.requeue_after.unwrap_or(RESYNC)))
}

/// The deletion flow: delete the wave the plan names, and once none is left drop the finalizer.
async fn delete(
    ctx: &Context,
    client: &Client,
    api: &Api<DynamicObject>,
    current: &Value,
    observed: &HashMap<ObjectKey, Value>,
    options: &PlanOptions,
) -> Result<Action, ReconcileError> {
    let has_finalizer = current
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| f.iter().any(|f| f.as_str() == Some(labels::FINALIZER)));
    if !has_finalizer {
        return Ok(Action::await_change());
    }
    let seen: Vec<Value> = observed.values().cloned().collect();
    let plan = ctx.engine.plan(&ctx.rgd, current, &seen, options);
    if plan.delete.is_empty() {
        executor::remove_finalizer(api, current).await?;
        tracing::info!("children deleted; finalizer removed");
        return Ok(Action::await_change());
    }
    tracing::info!(delete = ?plan.delete.iter().map(ToString::to_string).collect::<Vec<_>>(), "deleting a wave");
    ctx.applied.forget(&plan.delete);
    executor::delete(&ctx.shared, client, &ctx.engine, &plan.delete).await?;
    executor::write_status(api, current, &plan.status).await?;
    Ok(Action::requeue(plan.requeue_after.unwrap_or(Duration::from_secs(1))))
}

/// The children of the instance with this uid, from the watch caches.
fn children_of(ctx: &Context, uid: &str) -> HashMap<ObjectKey, Value> {
    let mut children = HashMap::new();
    for (resource, store) in &ctx.children {
        for child in store.state() {
            if child.labels().get(labels::INSTANCE_ID).map(String::as_str) != Some(uid) {
                continue;
            }
            let Ok(mut value) = serde_json::to_value(child.as_ref()) else { continue };
            if let Some(map) = value.as_object_mut() {
                map.insert("apiVersion".to_string(), Value::String(resource.api_version.clone()));
                map.insert("kind".to_string(), Value::String(resource.kind.clone()));
            }
            children.insert(ObjectKey::of(&value), value);
        }
    }
    children
}

/// Children of kinds the instance's `ApplySet` inventory records but this controller does not watch (the RGD
/// no longer creates them): listed by the instance's id, so pruning and deletion still find them.
async fn observe_unwatched_kinds(
    ctx: &Context,
    client: &Client,
    instance: &Value,
    uid: &str,
    observed: &mut HashMap<ObjectKey, Value>,
) -> Result<(), ReconcileError> {
    let Some(inventory) = Inventory::recorded(instance) else { return Ok(()) };
    let watched: Vec<String> = ctx
        .rgd
        .resources
        .iter()
        .map(|r| {
            let key = ObjectKey {
                api_version: r.api_version.clone(),
                kind: r.kind.clone(),
                namespace: String::new(),
                name: String::new(),
            };
            key.group_kind()
        })
        .collect();
    for group_kind in inventory.group_kinds.iter().filter(|gk| !watched.contains(gk)) {
        let Some(served) = ctx.shared.discovery.resolve_group_kind(&ctx.shared.client, group_kind).await? else {
            continue;
        };
        let api: Api<DynamicObject> = Api::all_with(client.clone(), &served.resource);
        let selector = format!("{}={uid}", labels::INSTANCE_ID);
        for object in api.list(&ListParams::default().labels(&selector)).await? {
            if let Ok(mut value) = serde_json::to_value(&object) {
                if let Some(map) = value.as_object_mut() {
                    map.insert("apiVersion".to_string(), Value::String(served.resource.api_version.clone()));
                    map.insert("kind".to_string(), Value::String(served.resource.kind.clone()));
                }
                observed.insert(ObjectKey::of(&value), value);
            }
        }
    }
    Ok(())
}

/// Reads the external references: by name with a GET, otherwise (a selector, or a name computed by an
/// expression) every object of the kind in the namespace, which the planner filters. Returns what was read,
/// so their changes reconcile this instance.
async fn observe_externals(
    ctx: &Context,
    client: &Client,
    instance_namespace: &str,
    observed: &mut HashMap<ObjectKey, Value>,
) -> Result<Vec<ExternalKey>, ReconcileError> {
    let mut reads = Vec::new();
    for resource in ctx.rgd.resources.iter().filter(|r| r.external) {
        let literal = |pointer: &str| {
            resource.template.pointer(pointer).and_then(Value::as_str).filter(|s| !s.contains("${")).map(str::to_string)
        };
        let templated_namespace =
            resource.template.pointer("/metadata/namespace").and_then(Value::as_str).is_some_and(|s| s.contains("${"));
        let namespace = literal("/metadata/namespace")
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| if templated_namespace { String::new() } else { instance_namespace.to_string() });
        let (api, namespaced) =
            executor::api_for(&ctx.shared, client, &ctx.engine, &resource.api_version, &resource.kind, &namespace)
                .await?;
        let namespace = if namespaced { namespace } else { String::new() };
        let mut add = |object: DynamicObject| {
            if let Ok(mut value) = serde_json::to_value(&object) {
                if let Some(map) = value.as_object_mut() {
                    map.insert("apiVersion".to_string(), Value::String(resource.api_version.clone()));
                    map.insert("kind".to_string(), Value::String(resource.kind.clone()));
                }
                observed.insert(ObjectKey::of(&value), value);
            }
        };
        let by_name = literal("/metadata/name").filter(|_| resource.template.pointer("/metadata/selector").is_none());
        if let Some(name) = by_name {
            if let Some(object) = api.get_opt(&name).await? {
                add(object);
            }
            reads.push((resource.api_version.clone(), resource.kind.clone(), namespace, Some(name)));
        } else {
            for object in api.list(&ListParams::default()).await? {
                add(object);
            }
            reads.push((resource.api_version.clone(), resource.kind.clone(), namespace, None));
        }
    }
    Ok(reads)
}

fn record_state(ctx: &Context, me: &ObjectRef<DynamicObject>, plan: &Plan) {
    let state = match plan.state {
        InstanceState::InProgress => "IN_PROGRESS",
        InstanceState::Active => "ACTIVE",
        InstanceState::Error => "ERROR",
        InstanceState::Deleting => "DELETING",
    };
    let previous = ctx.states.lock().ok().and_then(|mut s| s.insert(me.clone(), state.to_string()));
    ctx.shared.metrics.instance_state(&ctx.gvr, previous.as_deref(), state);
}
