//! One controller per generated kind, started, restarted and stopped at run time by the RGD controller. It
//! watches the instances, and the children of every kind the RGD creates through reflectors selected by
//! kro's labels (`kro.run/instance-group`, `kro.run/instance-kind`), so a child's change or deletion
//! reconciles its instance at once and a reconcile reads children from the cache (docs/decisions/0011).
//! External references are watched too and routed to the instances that read them.
//!
//! Each reconcile runs isolated: a panic is caught and counted, an error backs off for that instance alone.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{FutureExt, StreamExt, TryStreamExt};
use kro_engine::{CompiledRgd, labels};
use kube::api::{ApiResource, DynamicObject, PartialObjectMeta};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{PredicateConfig, WatchStreamExt, watcher};
use kube::{Api, ResourceExt};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::Instrument;

use super::Shared;
use super::discovery::Served;
use super::engine::Engine;
use super::executor::{self, ReconcileError};
use super::instance_reconcile;

/// The running instance controllers, by RGD name.
#[derive(Debug, Default)]
pub struct Registry {
    running: tokio::sync::Mutex<HashMap<String, Running>>,
    /// Every controller task started, to abort them all at once without waiting for the lock.
    tasks: Mutex<Vec<tokio::task::AbortHandle>>,
}

#[derive(Debug)]
struct Running {
    /// What it was started for: the RGD's uid and generation and the kind; a change restarts it.
    fingerprint: String,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    /// Reconciles running now.
    in_flight: Arc<AtomicUsize>,
}

impl Registry {
    /// Starts the controller for `rgd_name`, or restarts it when `fingerprint` changed. Returns whether it
    /// (re)started.
    pub async fn ensure(
        &self,
        shared: &Arc<Shared>,
        rgd_name: &str,
        fingerprint: String,
        spec: ControllerSpec,
    ) -> bool {
        let mut running = self.running.lock().await;
        if running.get(rgd_name).is_some_and(|r| r.fingerprint == fingerprint && !r.task.is_finished()) {
            return false;
        }
        if let Some(old) = running.remove(rgd_name) {
            drain(old).await;
        }
        let (stop, stopped) = watch::channel(false);
        let in_flight = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(run(Arc::clone(shared), spec, stopped, Arc::clone(&in_flight)));
        if let Ok(mut tasks) = self.tasks.lock() {
            tasks.retain(|t| !t.is_finished());
            tasks.push(task.abort_handle());
        }
        running.insert(rgd_name.to_string(), Running { fingerprint, stop, task, in_flight });
        shared.metrics.controllers(running.len());
        true
    }

    /// Stops the controller of `rgd_name`, letting in-flight reconciles finish.
    pub async fn stop(&self, shared: &Shared, rgd_name: &str) {
        let mut running = self.running.lock().await;
        if let Some(old) = running.remove(rgd_name) {
            drain(old).await;
        }
        shared.metrics.controllers(running.len());
    }

    /// Stops every controller at once, wherever its reconciles are (a killed process).
    pub fn abort_all(&self) {
        if let Ok(tasks) = self.tasks.lock() {
            for task in tasks.iter() {
                task.abort();
            }
        }
    }

    pub async fn stop_all(&self) {
        let mut running = self.running.lock().await;
        for (_, old) in running.drain() {
            drain(old).await;
        }
    }
}

/// Stops a controller: no new reconcile starts, the running ones finish (for at most 30 s), then its watches
/// go. (The controller's own stream does not always end once drained: requeues it holds keep it open.)
async fn drain(running: Running) {
    let _ = running.stop.send(true);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !running.task.is_finished()
        && running.in_flight.load(Ordering::SeqCst) > 0
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    running.task.abort();
}

/// What an instance controller is started with.
#[derive(Debug)]
pub struct ControllerSpec {
    pub rgd: Arc<CompiledRgd>,
    pub rgd_uid: String,
    pub engine: Arc<Engine>,
    /// The instance kind's REST resource.
    pub instances: Served,
}

/// What each reconcile of one instance kind reads.
pub struct Context {
    pub shared: Arc<Shared>,
    pub rgd: Arc<CompiledRgd>,
    pub rgd_uid: String,
    pub engine: Arc<Engine>,
    pub instances: Served,
    /// `group/version/plural` of the instances, for metrics.
    pub gvr: String,
    /// A cache of the children of every kind the RGD creates, with the kind it holds (objects from the
    /// initial LIST of a built-in kind carry no apiVersion or kind).
    pub children: Vec<(ApiResource, Store<DynamicObject>)>,
    /// Which instances read which external object (by kind, namespace and name), filled by reconciles.
    pub externals: Mutex<HashMap<ExternalKey, HashSet<ObjectRef<DynamicObject>>>>,
    /// What this process last applied per child, so an unchanged child is not applied again.
    pub applied: executor::AppliedObjects,
    /// Consecutive failures per instance, for backoff.
    failures: Mutex<HashMap<ObjectRef<DynamicObject>, u32>>,
    /// Last state written per instance, for the state metrics.
    pub states: Mutex<HashMap<ObjectRef<DynamicObject>, String>>,
    in_flight: Arc<AtomicUsize>,
    /// Instances with an event waiting for a reconcile.
    queue: Queue,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").field("gvr", &self.gvr).finish_non_exhaustive()
    }
}

/// An external object as its watch reports it: `(apiVersion, kind)`, then namespace and name (`None`
/// name = any object of that kind in the namespace: a selector).
pub type ExternalKey = (String, String, String, Option<String>);

async fn run(
    shared: Arc<Shared>,
    spec: ControllerSpec,
    mut stopped: watch::Receiver<bool>,
    in_flight: Arc<AtomicUsize>,
) {
    let ar = spec.instances.resource.clone();
    let gvr = format!("{}/{}", ar.api_version, ar.plural);
    let client = shared.client.clone();
    let instance_api: Api<DynamicObject> = match (&shared.options.namespace, spec.instances.namespaced) {
        (Some(ns), true) => Api::namespaced_with(client.clone(), ns, &ar),
        _ => Api::all_with(client.clone(), &ar),
    };
    // Instances trigger a reconcile when created, when their spec changes (generation), when deleted, or when
    // the suspend annotation flips, as kro's parent handler does; not on the status and metadata the
    // reconcile itself writes.
    let instance_writer = reflector::store::Writer::new(ar.clone());
    let instance_store = instance_writer.as_reader();
    let queue = Queue::new(Arc::clone(&shared.metrics), gvr.clone());
    let (queued, instance_kind) = (queue.clone(), ar.clone());
    // managedFields is nothing a plan reads (nor is it part of `schema.metadata`): not kept in the cache.
    let instance_stream = watcher(instance_api, watcher::Config::default())
        .default_backoff()
        .modify(|instance| instance.metadata.managed_fields = None)
        .reflect(instance_writer)
        .applied_objects()
        .predicate_filter(instance_predicate, PredicateConfig::default())
        .inspect_ok(move |instance| queued.add(ObjectRef::from_obj_with(instance, instance_kind.clone())));
    let mut controller = Controller::for_stream_with(instance_stream, instance_store, ar.clone())
        .with_config(kube::runtime::controller::Config::default().concurrency(shared.options.concurrency));
    let selector =
        format!("{}={},{}={}", labels::INSTANCE_GROUP, spec.rgd.api.group, labels::INSTANCE_KIND, spec.rgd.api.kind);
    let mut children = Vec::new();
    let mut child_kinds = BTreeSet::new();
    let mut external_kinds = BTreeSet::new();
    for resource in &spec.rgd.resources {
        let kind = (resource.api_version.clone(), resource.kind.clone());
        if resource.external {
            external_kinds.insert(kind);
        } else {
            child_kinds.insert(kind);
        }
    }
    for (api_version, kind) in &child_kinds {
        let Ok(served) = shared.discovery.resolve(&client, api_version, kind).await else {
            // Not served (yet): its applies fail and back off until it is, and the RGD controller restarts this
            // controller when the RGD changes.
            tracing::warn!(rgd = %spec.rgd.name, %api_version, %kind, "child kind is not served; not watched");
            continue;
        };
        let api = scoped_api(&shared, &served);
        let writer = reflector::store::Writer::new(served.resource.clone());
        children.push((served.resource.clone(), writer.as_reader()));
        // managedFields is a third of a typical object and nothing a plan reads: not kept in the cache.
        let stream = watcher(api, watcher::Config::default().labels(&selector))
            .default_backoff()
            .modify(|child| child.metadata.managed_fields = None)
            .reflect(writer)
            .touched_objects();
        let (to_instance, queued) = (child_to_instance(ar.clone()), queue.clone());
        let mapper = move |child| queued.add_all(to_instance(child));
        controller = controller.watches_stream_with(stream, mapper, served.resource.clone());
    }
    let ctx = Arc::new(Context {
        shared: Arc::clone(&shared),
        rgd: Arc::clone(&spec.rgd),
        rgd_uid: spec.rgd_uid.clone(),
        engine: Arc::clone(&spec.engine),
        instances: spec.instances.clone(),
        gvr: gvr.clone(),
        children,
        externals: Mutex::new(HashMap::new()),
        applied: executor::AppliedObjects::default(),
        failures: Mutex::new(HashMap::new()),
        states: Mutex::new(HashMap::new()),
        in_flight,
        queue,
    });
    // However this controller ends (stopped, or aborted after draining), its instances stop being counted by
    // state: a restarted controller counts them again.
    let _forget = ForgetStates(Arc::clone(&ctx));
    for (api_version, kind) in &external_kinds {
        let Ok(served) = shared.discovery.resolve(&client, api_version, kind).await else { continue };
        let api: Api<PartialObjectMeta<DynamicObject>> = Api::all_with(client.clone(), &served.resource);
        let index = Arc::clone(&ctx);
        let (api_version, kind) = (api_version.clone(), kind.clone());
        let stream = watcher(api, watcher::Config::default()).default_backoff().touched_objects();
        controller = controller.watches_stream_with(
            stream,
            move |object| {
                let readers =
                    index.readers_of(&api_version, &kind, &object.namespace().unwrap_or_default(), &object.name_any());
                index.queue.add_all(readers)
            },
            served.resource.clone(),
        );
    }
    let shutdown = shared.on_shutdown();
    let stop = async move {
        let _ = stopped.wait_for(|s| *s).await;
    };
    tracing::info!(rgd = %spec.rgd.name, %gvr, "instance controller started");
    controller
        .graceful_shutdown_on(async move {
            futures::future::select(Box::pin(shutdown), Box::pin(stop)).await;
        })
        .run(reconcile, error_policy, Arc::clone(&ctx))
        .for_each(|_| futures::future::ready(()))
        .await;
    tracing::info!(rgd = %spec.rgd.name, %gvr, "instance controller stopped");
}

struct ForgetStates(Arc<Context>);

impl Drop for ForgetStates {
    fn drop(&mut self) {
        self.0.forget_states();
    }
}

#[allow(clippy::unnecessary_wraps, reason = "kube's predicates return Option (None: no property to compare)")]
fn instance_predicate(instance: &DynamicObject) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    instance.metadata.generation.hash(&mut h);
    instance.metadata.deletion_timestamp.is_some().hash(&mut h);
    instance.annotations().get(labels::RECONCILE).hash(&mut h);
    Some(h.finish())
}

fn scoped_api(shared: &Shared, served: &Served) -> Api<DynamicObject> {
    match (&shared.options.namespace, served.namespaced) {
        (Some(ns), true) => Api::namespaced_with(shared.client.clone(), ns, &served.resource),
        _ => Api::all_with(shared.client.clone(), &served.resource),
    }
}

/// A child names its instance in kro's labels.
fn child_to_instance(
    instances: ApiResource,
) -> impl Fn(DynamicObject) -> Option<ObjectRef<DynamicObject>> + Send + Sync + 'static {
    move |child| {
        let labels = child.labels();
        let name = labels.get(labels::INSTANCE_NAME)?;
        let r = ObjectRef::new_with(name, instances.clone());
        Some(match labels.get(labels::INSTANCE_NAMESPACE) {
            Some(ns) => r.within(ns),
            None => r,
        })
    }
}

impl Context {
    /// The instances whose last reconcile read this external object (by name, or by a selector over its kind).
    fn readers_of(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Vec<ObjectRef<DynamicObject>> {
        let Ok(index) = self.externals.lock() else { return Vec::new() };
        let exact = (api_version.to_string(), kind.to_string(), namespace.to_string(), Some(name.to_string()));
        let any = (api_version.to_string(), kind.to_string(), namespace.to_string(), None);
        let all_namespaces = (api_version.to_string(), kind.to_string(), String::new(), None);
        [exact, any, all_namespaces].iter().filter_map(|k| index.get(k)).flatten().cloned().collect()
    }

    /// Stops counting every instance this controller counted by state.
    fn forget_states(&self) {
        if let Ok(mut states) = self.states.lock() {
            for (_, state) in states.drain() {
                self.shared.metrics.instance_gone(&self.gvr, &state);
            }
        }
    }

    /// Stops counting `instance` (it is gone).
    pub fn forget_state(&self, instance: &ObjectRef<DynamicObject>) {
        if let Some(state) = self.states.lock().ok().and_then(|mut s| s.remove(instance)) {
            self.shared.metrics.instance_gone(&self.gvr, &state);
        }
    }

    /// Records that `instance` reads these external objects (replacing what it read before).
    pub fn record_reads(&self, instance: &ObjectRef<DynamicObject>, keys: Vec<ExternalKey>) {
        let Ok(mut index) = self.externals.lock() else { return };
        for readers in index.values_mut() {
            readers.remove(instance);
        }
        index.retain(|_, readers| !readers.is_empty());
        for key in keys {
            index.entry(key).or_default().insert(instance.clone());
        }
    }
}

async fn reconcile(instance: Arc<DynamicObject>, ctx: Arc<Context>) -> Result<Action, ReconcileError> {
    let started = Instant::now();
    let span = tracing::info_span!(
        "reconcile",
        instance = %format!("{}/{}", instance.namespace().unwrap_or_default(), instance.name_any()),
        kind = %ctx.rgd.api.kind,
        rgd = %ctx.rgd.name,
    );
    ctx.queue.take(&ObjectRef::from_obj_with(instance.as_ref(), ctx.instances.resource.clone()));
    ctx.shared.metrics.in_flight(1);
    ctx.in_flight.fetch_add(1, Ordering::SeqCst);
    let result =
        isolated(instance_reconcile::reconcile(Arc::clone(&instance), Arc::clone(&ctx))).instrument(span.clone()).await;
    ctx.shared.metrics.in_flight(-1);
    ctx.in_flight.fetch_sub(1, Ordering::SeqCst);
    let result = result.unwrap_or_else(|panic| {
        ctx.shared.metrics.panicked(&ctx.gvr);
        Err(ReconcileError(format!("reconcile panicked: {panic}")))
    });
    let requeued = matches!(&result, Ok(a) if *a != Action::await_change());
    ctx.shared.metrics.reconciled(&ctx.gvr, started.elapsed().as_secs_f64(), result.is_err(), requeued);
    let key = ObjectRef::from_obj_with(instance.as_ref(), ctx.instances.resource.clone());
    if let (true, Ok(mut f)) = (result.is_ok(), ctx.failures.lock()) {
        f.remove(&key);
    }
    span.in_scope(|| match &result {
        Ok(action) => tracing::debug!(?action, "reconciled"),
        Err(e) => tracing::warn!(error = %e, "reconcile failed"),
    });
    result
}

/// The instances an event asked to reconcile that have not started yet: kro's `dynamic_controller_queue_length`.
/// kube-runtime's scheduler keeps its queue to itself, so this mirrors it from the triggers it is fed (an
/// instance counts once however many events name it, as the scheduler merges them) and the reconciles it
/// starts. Requeues after a delay are not counted until they run, as a workqueue's delayed items are not.
#[derive(Clone)]
struct Queue {
    waiting: Arc<Mutex<HashSet<ObjectRef<DynamicObject>>>>,
    metrics: Arc<super::Metrics>,
    gvr: String,
}

impl Queue {
    fn new(metrics: Arc<super::Metrics>, gvr: String) -> Self {
        Queue { waiting: Arc::default(), metrics, gvr }
    }

    fn add(&self, instance: ObjectRef<DynamicObject>) {
        self.update(|w| {
            w.insert(instance);
        });
    }

    /// Adds every instance of `instances` and hands them on (a trigger mapper's result).
    fn add_all<I: IntoIterator<Item = ObjectRef<DynamicObject>>>(&self, instances: I) -> Vec<ObjectRef<DynamicObject>> {
        let instances: Vec<_> = instances.into_iter().collect();
        self.update(|w| w.extend(instances.iter().cloned()));
        instances
    }

    fn take(&self, instance: &ObjectRef<DynamicObject>) {
        self.update(|w| {
            w.remove(instance);
        });
    }

    fn update(&self, change: impl FnOnce(&mut HashSet<ObjectRef<DynamicObject>>)) {
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
/// controller that runs every instance of the kind. `Err` holds the panic's message.
async fn isolated<F: Future>(reconcile: F) -> Result<F::Output, String> {
    std::panic::AssertUnwindSafe(reconcile).catch_unwind().await.map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(ToString::to_string))
            .unwrap_or_default()
    })
}

/// Per-instance exponential backoff, kro's limits: 200 ms doubling up to 1000 s.
#[allow(clippy::needless_pass_by_value, reason = "the signature kube's Controller::run asks for")]
fn error_policy(instance: Arc<DynamicObject>, _error: &ReconcileError, ctx: Arc<Context>) -> Action {
    let key = ObjectRef::from_obj_with(instance.as_ref(), ctx.instances.resource.clone());
    let attempts = ctx.failures.lock().map_or(1, |mut f| {
        let n = f.entry(key).or_insert(0);
        *n = n.saturating_add(1);
        *n
    });
    let millis = 200u64.saturating_mul(1u64 << attempts.saturating_sub(1).min(20)).min(1_000_000);
    Action::requeue(Duration::from_millis(millis))
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
        let panic = isolated(panicking).await.unwrap_err();
        assert!(panic.starts_with("index out of bounds"), "{panic}");
        let failed = isolated(async { Err::<(), _>(ReconcileError("conflict".into())) }).await.unwrap();
        assert_eq!(failed.unwrap_err().0, "conflict", "an error is not a panic");
        assert_eq!(isolated(async { 7 }).await.unwrap(), 7);
        // The runtime and the caller go on: another reconcile runs after the panic.
        assert_eq!(isolated(async { 8 }).await.unwrap(), 8);
    }

    #[test]
    fn the_queue_counts_each_waiting_instance_once_until_its_reconcile_starts() {
        let metrics = Arc::new(super::super::Metrics::new());
        let gvr = "kro.run/v1alpha1/apps";
        let kind = ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk("kro.run", "v1alpha1", "App"));
        let app = |name: &str| ObjectRef::new_with(name, kind.clone()).within("ns");
        let length = |m: &super::super::Metrics| {
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
