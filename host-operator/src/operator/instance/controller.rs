//! One reconcile of one instance, and what every reconcile of an instance kind shares ([`Context`]).
//!
//! A reconcile observes (children from the caches, external references read as the plan asks), asks the
//! engine for a plan, executes it, and plans again with the apply results as observed objects until the plan
//! has nothing new to apply (kro's same-pass readiness: a chain whose readiness is existence completes in one
//! reconcile, docs/decisions/0009). Then it prunes, writes the status when it changed, and requeues as the
//! plan says. Each runs isolated: a panic fails that reconcile alone; an error backs off by its kind
//! ([`ReconcileError::backoff`]) for that instance alone.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::FutureExt;
use kro_engine::{Apply, CompiledRgd, Inventory, ObjectKey, Plan, PlanOptions, Read, labels};
use kube::api::{ApiResource, DynamicObject, ListParams};
use kube::runtime::controller::Action;
use kube::runtime::reflector::ObjectRef;
use kube::{Api, Client, ResourceExt};
use serde_json::Value;
use tracing::Instrument;

use super::super::Shared;
use super::super::discovery::Served;
use super::super::errors::ReconcileError;
use super::applied::{AppliedObjects, InstanceWrites};
use super::cached::CachedInstance;
use super::children::ChildCache;
use super::executor;

/// How soon a reconcile that found a cache behind (this process's own last write not seen yet, or a child
/// kind not listed yet) runs again.
const CACHE_BEHIND: Duration = Duration::from_millis(100);

/// How long after it starts a controller waits for its child caches' first lists before it reconciles with
/// what they have (a kind it may not list must not stop every instance).
const FIRST_LIST_GRACE: Duration = Duration::from_secs(30);

/// An instance, as the maps of a controller know it: its uid (the controller runs one kind).
type InstanceId = String;

/// An external object as its watch reports it: `(apiVersion, kind)`, then namespace and name (`None` name =
/// any object of that kind in the namespace: a selector; `""` namespace: every namespace).
pub type ExternalKey = (String, String, String, Option<String>);

/// What each reconcile of one instance kind reads.
pub struct Context {
    pub shared: Arc<Shared>,
    pub rgd: Arc<CompiledRgd>,
    pub rgd_uid: String,
    pub engine: kro_engine::Engine,
    pub instances: Served,
    /// `group/version/plural` of the instances, for metrics.
    pub gvr: String,
    /// The instance kind, as every reference to an instance carries it.
    kind: super::cached::InstanceKind,
    /// A cache of the children of every kind the RGD creates.
    pub children: Vec<Arc<ChildCache>>,
    /// Where the children of each kind are listed (as their watches see them), to ask the API server itself.
    child_apis: Vec<(Api<DynamicObject>, ApiResource)>,
    /// Which instances read which external object, filled by reconciles.
    externals: Mutex<HashMap<ExternalKey, HashSet<ObjectRef<CachedInstance>>>>,
    /// What this process last applied per child, so an unchanged child is not applied again.
    pub applied: AppliedObjects,
    /// This process's last write per instance, so a reconcile does not run on a cache that trails it.
    writes: InstanceWrites,
    /// Consecutive failures per instance, for backoff.
    failures: Mutex<HashMap<InstanceId, u32>>,
    /// Last state written per instance, for the state metrics.
    states: Mutex<HashMap<InstanceId, &'static str>>,
    pub in_flight: Arc<AtomicUsize>,
    /// Instances with an event waiting for a reconcile.
    pub queue: Queue,
    started: Instant,
    /// The GraphRevision the RGD was compiled from: each plan records it in the instance's status.
    revision: Option<kro_engine::RevisionInUse>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").field("gvr", &self.gvr).finish_non_exhaustive()
    }
}

impl Context {
    #[allow(clippy::too_many_arguments, reason = "the parts of one controller, built once where it starts")]
    pub fn new(
        shared: Arc<Shared>,
        rgd: Arc<CompiledRgd>,
        rgd_uid: String,
        engine: kro_engine::Engine,
        instances: Served,
        children: Vec<Arc<ChildCache>>,
        in_flight: Arc<AtomicUsize>,
        queue: Queue,
    ) -> Context {
        let gvr = format!("{}/{}", instances.resource.api_version, instances.resource.plural);
        let kind = Arc::new(instances.resource.clone());
        Context {
            kind,
            shared,
            rgd,
            rgd_uid,
            engine,
            instances,
            gvr,
            children,
            externals: Mutex::default(),
            applied: AppliedObjects::default(),
            writes: InstanceWrites::default(),
            failures: Mutex::default(),
            states: Mutex::default(),
            in_flight,
            queue,
            started: Instant::now(),
            revision: None,
            child_apis: Vec::new(),
        }
    }

    /// The same context, its plans made with the GraphRevision `revision`.
    pub fn with_revision(mut self, revision: Option<kro_engine::RevisionInUse>) -> Context {
        self.revision = revision;
        self
    }

    pub fn with_child_apis(mut self, apis: Vec<(Api<DynamicObject>, ApiResource)>) -> Context {
        self.child_apis = apis;
        self
    }

    /// The instances whose last reconcile read this external object (by name, or by a selector over its kind).
    pub fn readers_of(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Vec<ObjectRef<CachedInstance>> {
        let Ok(index) = self.externals.lock() else { return Vec::new() };
        let exact = (api_version.to_string(), kind.to_string(), namespace.to_string(), Some(name.to_string()));
        let any = (api_version.to_string(), kind.to_string(), namespace.to_string(), None);
        let all_namespaces = (api_version.to_string(), kind.to_string(), String::new(), None);
        [exact, any, all_namespaces].iter().filter_map(|k| index.get(k)).flatten().cloned().collect()
    }

    /// Stops counting every instance this controller counted by state.
    pub fn forget_states(&self) {
        if let Ok(mut states) = self.states.lock() {
            for (_, state) in states.drain() {
                self.shared.metrics.instance_gone(&self.gvr, state);
            }
        }
    }

    /// Forgets `instance` (it is gone).
    fn forget(&self, uid: &str, instance: &ObjectRef<CachedInstance>) {
        if let Some(state) = self.states.lock().ok().and_then(|mut s| s.remove(uid)) {
            self.shared.metrics.instance_gone(&self.gvr, state);
        }
        self.writes.forget(uid);
        self.record_reads(instance, &[]);
    }

    /// Records that `instance` reads these external objects (replacing what it read before).
    fn record_reads(&self, instance: &ObjectRef<CachedInstance>, reads: &[Read]) {
        let Ok(mut index) = self.externals.lock() else { return };
        for readers in index.values_mut() {
            readers.remove(instance);
        }
        index.retain(|_, readers| !readers.is_empty());
        for read in reads {
            let key = (
                read.api_version.clone(),
                read.kind.clone(),
                read.namespace.clone().unwrap_or_default(),
                read.name.clone(),
            );
            index.entry(key).or_default().insert(instance.clone());
        }
    }

    fn record_state(&self, uid: &str, plan: &Plan) {
        let state = plan.state.as_str();
        let previous = self.states.lock().ok().and_then(|mut s| s.insert(uid.to_string(), state));
        self.shared.metrics.instance_state(&self.gvr, previous, state);
    }

    fn instance_ref(&self, instance: &CachedInstance) -> ObjectRef<CachedInstance> {
        ObjectRef::from_obj_with(instance, Arc::clone(&self.kind))
    }
}

/// The instances an event asked to reconcile that have not started yet: kro's `dynamic_controller_queue_length`.
/// kube-runtime's scheduler keeps its queue to itself, so this mirrors it from the triggers it is fed (an
/// instance counts once however many events name it, as the scheduler merges them) and the reconciles it
/// starts. Requeues after a delay are not counted until they run, as a workqueue's delayed items are not.
#[derive(Clone)]
pub struct Queue {
    waiting: Arc<Mutex<HashSet<ObjectRef<CachedInstance>>>>,
    metrics: Arc<super::super::Metrics>,
    gvr: String,
}

impl Queue {
    pub fn new(metrics: Arc<super::super::Metrics>, gvr: String) -> Self {
        Queue { waiting: Arc::default(), metrics, gvr }
    }

    pub fn add(&self, instance: ObjectRef<CachedInstance>) {
        self.update(|w| {
            w.insert(instance);
        });
    }

    /// Adds every instance of `instances` and hands them on (a trigger mapper's result).
    pub fn add_all<I: IntoIterator<Item = ObjectRef<CachedInstance>>>(
        &self,
        instances: I,
    ) -> Vec<ObjectRef<CachedInstance>> {
        let instances: Vec<_> = instances.into_iter().collect();
        self.update(|w| w.extend(instances.iter().cloned()));
        instances
    }

    fn take(&self, instance: &ObjectRef<CachedInstance>) {
        self.update(|w| {
            w.remove(instance);
        });
    }

    fn update(&self, change: impl FnOnce(&mut HashSet<ObjectRef<CachedInstance>>)) {
        if let Ok(mut waiting) = self.waiting.lock() {
            change(&mut waiting);
            self.metrics.queue_length(&self.gvr, waiting.len());
        }
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        // The last handle of a stopped controller: its queue is gone.
        if Arc::strong_count(&self.waiting) == 1 {
            self.metrics.queue_length(&self.gvr, 0);
        }
    }
}

/// Runs one reconcile so that a panic in it fails that reconcile alone instead of unwinding through the
/// controller that runs every instance of the kind.
async fn isolated<T>(reconcile: impl Future<Output = Result<T, ReconcileError>>) -> Result<T, ReconcileError> {
    match std::panic::AssertUnwindSafe(reconcile).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(ToString::to_string))
                .unwrap_or_default();
            Err(ReconcileError::Panicked(message))
        }
    }
}

/// The controller's reconcile function: one instance, isolated, measured.
pub async fn reconcile(instance: Arc<CachedInstance>, ctx: Arc<Context>) -> Result<Action, ReconcileError> {
    let started = Instant::now();
    let span = tracing::info_span!(
        "reconcile",
        instance = %format!("{}/{}", instance.namespace().unwrap_or_default(), instance.name_any()),
        kind = %ctx.rgd.api().kind,
        rgd = %ctx.rgd.name(),
    );
    ctx.queue.take(&ctx.instance_ref(&instance));
    ctx.shared.metrics.in_flight(1);
    ctx.in_flight.fetch_add(1, Ordering::SeqCst);
    let result = isolated(reconcile_instance(Arc::clone(&instance), Arc::clone(&ctx))).instrument(span.clone()).await;
    ctx.shared.metrics.in_flight(-1);
    ctx.in_flight.fetch_sub(1, Ordering::SeqCst);
    if let Err(ReconcileError::Panicked(_)) = &result {
        ctx.shared.metrics.panicked(&ctx.gvr);
    }
    let requeued = matches!(&result, Ok(a) if *a != Action::await_change());
    let error = result.as_ref().err().map(ReconcileError::label);
    ctx.shared.metrics.reconciled(&ctx.gvr, started.elapsed().as_secs_f64(), error, requeued);
    if result.is_ok()
        && let Ok(mut failures) = ctx.failures.lock()
    {
        failures.remove(&instance.uid().unwrap_or_default());
    }
    span.in_scope(|| match &result {
        Ok(action) => tracing::debug!(?action, "reconciled"),
        Err(e) => tracing::warn!(error = %e, kind = e.label(), "reconcile failed"),
    });
    result
}

/// The controller's error policy: per instance, a backoff that grows with consecutive failures and depends on
/// the kind of error.
#[allow(clippy::needless_pass_by_value, reason = "the signature kube's Controller::run asks for")]
pub fn error_policy(instance: Arc<CachedInstance>, error: &ReconcileError, ctx: Arc<Context>) -> Action {
    let attempts = ctx.failures.lock().map_or(1, |mut f| {
        let n = f.entry(instance.uid().unwrap_or_default()).or_insert(0);
        *n = n.saturating_add(1);
        *n
    });
    Action::requeue(error.backoff(attempts))
}

async fn reconcile_instance(instance: Arc<CachedInstance>, ctx: Arc<Context>) -> Result<Action, ReconcileError> {
    let shared = &ctx.shared;
    let ar = &ctx.instances.resource;
    let namespace = instance.namespace().unwrap_or_default();
    let api: Api<DynamicObject> = if ctx.instances.namespaced {
        Api::namespaced_with(shared.client.clone(), &namespace, ar)
    } else {
        Api::all_with(shared.client.clone(), ar)
    };
    let mut current = instance.to_json(ar);
    let uid = instance.uid().unwrap_or_default();
    let me = ctx.instance_ref(&instance);
    if ctx.writes.is_behind(&uid, &current) {
        // The cache has not seen this process's last write yet: planning from it would write again.
        return Ok(Action::requeue(CACHE_BEHIND));
    }
    if ctx.children.iter().any(|c| !c.is_ready()) && ctx.started.elapsed() < FIRST_LIST_GRACE {
        // Children not listed yet would look missing, and be applied again for nothing.
        return Ok(Action::requeue(CACHE_BEHIND));
    }
    // The instance's own object is the operator's to write; its resources are written and read as the RGD's
    // ServiceAccount when it names one.
    let client = shared.client_for(&ctx.rgd, &namespace).map_err(|e| ReconcileError::Refused(e.to_string()))?;
    let mut observed: HashMap<ObjectKey, Value> = HashMap::new();
    for cache in &ctx.children {
        for child in cache.children_of(&uid) {
            observed.insert(ObjectKey::of(&child), child);
        }
    }
    observe_unwatched_kinds(&ctx, &client, &current, &uid, &mut observed).await?;
    let mut options = PlanOptions {
        now: chrono::Utc::now(),
        rgd_uid: Some(ctx.rgd_uid.clone()),
        requeue_after: shared.options.requeue_after,
        revision: ctx.revision.clone(),
        ..PlanOptions::default()
    };
    if instance.metadata.deletion_timestamp.is_some() {
        let action = delete(&ctx, &client, &api, &current, &observed, &options).await?;
        if action == Action::await_change() {
            ctx.forget(&uid, &me);
        }
        return Ok(action);
    }

    // Read, apply, observe the results, plan again: each pass can only add resources whose dependencies the
    // previous pass applied (or external references it read), so the passes are bounded by the graph's depth.
    let max_passes = 2 * ctx.rgd.resources().len() + 4;
    let mut done_reads: BTreeSet<Read> = BTreeSet::new();
    let mut applied_now: HashSet<ObjectKey> = HashSet::new();
    let mut failure: Option<ReconcileError> = None;
    let (mut passes, mut sent) = (0, 0);
    let mut plan;
    loop {
        passes += 1;
        let seen: Vec<Value> = observed.values().cloned().collect();
        plan = ctx.engine.plan(&ctx.rgd, &current, &seen, &options);
        if passes > max_passes {
            break;
        }
        let reads: Vec<Read> = plan.reads.iter().filter(|r| !done_reads.contains(*r)).cloned().collect();
        if !reads.is_empty() {
            for read in reads {
                for object in executor::read(shared, &client, &ctx.engine, &read).await? {
                    observed.insert(ObjectKey::of(&object), object);
                }
                done_reads.insert(read);
            }
            continue;
        }
        // The finalizer and the ApplySet inventory go on the instance before any child is created, so a crash
        // after an apply still leaves a record of what to delete.
        if let Some(stored) = executor::patch_instance(&api, &current, &plan.instance).await? {
            ctx.writes.record(&uid, &stored);
            current = stored;
        }
        let mut progressed = false;
        for wave in plan.waves() {
            let new: Vec<&Apply> = wave
                .iter()
                .filter(|a| {
                    let key = ObjectKey::of(&a.object);
                    !applied_now.contains(&key)
                        && !options.apply_failures.contains_key(&key)
                        && !ctx.applied.unchanged(&a.object, observed.get(&key))
                })
                .collect();
            for apply in wave {
                applied_now.insert(ObjectKey::of(&apply.object));
            }
            if new.is_empty() {
                continue;
            }
            progressed = true;
            for (apply, result) in new.iter().zip(executor::apply_wave(shared, &client, &ctx.engine, &new).await) {
                match result {
                    Ok(stored) => {
                        sent += 1;
                        ctx.applied.record(&apply.object, &stored);
                        observed.insert(ObjectKey::of(&stored), stored);
                    }
                    Err(refused) => {
                        // The engine decides what a refused object means (its resource in ERROR with the API
                        // server's message; what reads it waits); the others go on.
                        tracing::warn!(object = %refused.key, error = %refused.error, "apply failed");
                        options.apply_failures.insert(refused.key, refused.error.to_string());
                        failure.get_or_insert(refused.error);
                    }
                }
            }
        }
        if !progressed {
            break;
        }
    }
    ctx.record_reads(&me, &plan.reads);
    if !plan.prune.is_empty() {
        tracing::info!(prune = ?plan.prune.iter().map(ToString::to_string).collect::<Vec<_>>(), "pruning");
        for key in &plan.prune {
            ctx.applied.forget(key);
        }
        executor::delete(shared, &client, &ctx.engine, &plan.prune).await?;
    }
    let written = executor::write_status(&api, &current, &plan.status).await?;
    if let Some(stored) = &written {
        ctx.writes.record(&uid, stored);
    }
    ctx.record_state(&uid, &plan);
    let pending: Vec<String> = plan.pending.iter().map(|p| format!("{}: {}", p.id, p.reason.message)).collect();
    let unchanged = applied_now.len().saturating_sub(sent);
    if written.is_some() {
        tracing::info!(state = plan.state.as_str(), passes, applied = sent, unchanged, ?pending, "status written");
    } else {
        tracing::debug!(state = plan.state.as_str(), passes, applied = sent, unchanged, ?pending, "status unchanged");
    }
    match failure {
        Some(error) => Err(error),
        // A settled instance waits for an event (its own, a child's, or the controller's periodic resync of
        // every instance): no timer per instance held in the scheduler.
        None => Ok(plan.requeue_after.map_or_else(Action::await_change, Action::requeue)),
    }
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
    let mut plan = ctx.engine.plan(&ctx.rgd, current, &seen, options);
    if plan.delete.is_empty() {
        // The caches can trail the API server (a watch that has not caught up since the server came back), and
        // a finalizer removed too early leaves children behind for good: the server itself is asked last.
        let left = children_on_server(ctx, current).await?;
        if left.is_empty() {
            executor::remove_finalizer(api, current).await?;
            tracing::info!("children deleted; finalizer removed");
            return Ok(Action::await_change());
        }
        tracing::info!(left = left.len(), "children the caches did not show are still on the API server");
        let mut on_server = observed.clone();
        on_server.extend(left.into_iter().map(|child| (ObjectKey::of(&child), child)));
        let seen: Vec<Value> = on_server.into_values().collect();
        plan = ctx.engine.plan(&ctx.rgd, current, &seen, options);
    }
    tracing::info!(delete = ?plan.delete.iter().map(ToString::to_string).collect::<Vec<_>>(), "deleting a wave");
    for key in &plan.delete {
        ctx.applied.forget(key);
    }
    executor::delete(&ctx.shared, client, &ctx.engine, &plan.delete).await?;
    executor::write_status(api, current, &plan.status).await?;
    Ok(Action::requeue(plan.requeue_after.unwrap_or(Duration::from_secs(1))))
}

/// The children of `instance` the API server has, of every kind this controller watches (a LIST by kro's
/// instance label per kind).
async fn children_on_server(ctx: &Context, instance: &Value) -> Result<Vec<Value>, ReconcileError> {
    let uid = instance.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or_default();
    let mut children = Vec::new();
    for (api, resource) in &ctx.child_apis {
        children.extend(list_children(api, resource, uid).await?);
    }
    Ok(children)
}

/// The objects of one kind that kro's label marks as children of the instance with this uid, as plans read
/// them.
async fn list_children(
    api: &Api<DynamicObject>,
    resource: &ApiResource,
    uid: &str,
) -> Result<Vec<Value>, ReconcileError> {
    let selector = format!("{}={uid}", labels::INSTANCE_ID);
    let list = api
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(|e| ReconcileError::api(format!("list {}", group_kind(resource)), &e))?;
    Ok(list.iter().filter_map(|child| executor::observed(resource, child)).collect())
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
    let watched: Vec<String> = ctx.children.iter().map(|c| group_kind(c.resource())).collect();
    for group_kind in inventory.group_kinds.iter().filter(|gk| !watched.contains(gk)) {
        let served = ctx
            .shared
            .discovery
            .resolve_group_kind(&ctx.shared.client, group_kind)
            .await
            .map_err(|e| ReconcileError::api(format!("discover {group_kind}"), &e))?;
        let Some(served) = served else { continue };
        let api: Api<DynamicObject> = Api::all_with(client.clone(), &served.resource);
        for value in list_children(&api, &served.resource, uid).await? {
            observed.insert(ObjectKey::of(&value), value);
        }
    }
    Ok(())
}

/// `Kind.group`, as `ApplySet` inventories list kinds.
fn group_kind(resource: &ApiResource) -> String {
    if resource.group.is_empty() { resource.kind.clone() } else { format!("{}.{}", resource.kind, resource.group) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_reconcile_that_panics_fails_alone_with_the_panic_message() {
        let index = 3;
        let panicking = async move {
            let items: Vec<u8> = Vec::new();
            Ok::<u8, ReconcileError>(items[index])
        };
        let Err(ReconcileError::Panicked(message)) = isolated(panicking).await else { panic!("not a panic") };
        assert!(message.starts_with("index out of bounds"), "{message}");
        let failed = isolated(async { Err::<(), _>(ReconcileError::Conflict("status".into())) }).await;
        assert!(matches!(failed, Err(ReconcileError::Conflict(_))), "an error is not a panic");
        // The runtime and the caller go on: another reconcile runs after the panic.
        assert_eq!(isolated(async { Ok::<_, ReconcileError>(8) }).await.unwrap(), 8);
    }

    #[test]
    fn the_queue_counts_each_waiting_instance_once_until_its_reconcile_starts() {
        let metrics = Arc::new(super::super::super::Metrics::new());
        let gvr = "kro.run/v1alpha1/apps";
        let kind = Arc::new(ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk("kro.run", "v1alpha1", "App")));
        let app = |name: &str| ObjectRef::new_with(name, kind.clone()).within("ns");
        let length = |m: &super::super::super::Metrics| {
            let text = m.encode();
            let line = text.lines().find(|l| l.starts_with("dynamic_controller_queue_length{")).unwrap().to_string();
            line.rsplit(' ').next().unwrap().to_string()
        };
        let queue = Queue::new(Arc::clone(&metrics), gvr.to_string());
        queue.add(app("a"));
        let handed_on = queue.clone().add_all([app("a"), app("b")]);
        assert_eq!(handed_on, [app("a"), app("b")], "a mapper's refs go on to the controller");
        assert_eq!(length(&metrics), "2");
        queue.take(&app("a"));
        assert_eq!(length(&metrics), "1");
        drop(queue);
        assert_eq!(length(&metrics), "0", "a stopped controller has no queue");
    }
}
