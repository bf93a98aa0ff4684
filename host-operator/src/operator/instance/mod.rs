//! One controller per generated kind, started, restarted and stopped at run time by the RGD controller. It
//! watches the instances (a reflector, without the fields no plan reads), and the children of every kind the
//! RGD creates, selected by kro's labels and cached as the RGD's field masks say ([`children`]), so a child's
//! change or deletion reconciles its instance at once and a reconcile reads its children from memory
//! (docs/decisions/0011). External references are watched by metadata only and routed to the instances that
//! read them.

mod applied;
mod cached;
mod children;
mod controller;
mod executor;
mod triggers;

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use kro_engine::{CompiledRgd, labels};
use kube::api::{DynamicObject, PartialObjectMeta};
use kube::runtime::controller::Controller;
use kube::runtime::reflector::{self, ObjectRef};
use kube::runtime::watcher::Event;
use kube::runtime::{PredicateConfig, WatchStreamExt, watcher};
use kube::{Api, ResourceExt};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::Shared;
use super::discovery::Served;
use cached::{CachedInstance, InstanceKind};
use children::{Change, ChildCache};
use controller::{Context, Queue};

/// Objects a watch lists per page when it (re)starts: a page is held whole, as text and as objects, while it
/// is read, so a few thousand children listed at once would make a peak of their own.
const WATCH_PAGE: u32 = 100;

/// Every instance is reconciled again this often even without an event (kro's resync period), as a safety
/// net: one timer for the controller, not one per instance.
const RESYNC: Duration = Duration::from_secs(36_000);

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

/// What an instance controller is started with.
#[derive(Debug)]
pub struct ControllerSpec {
    pub rgd: Arc<CompiledRgd>,
    pub rgd_uid: String,
    /// The engine as the RGD was compiled with.
    pub engine: kro_engine::Engine,
    /// The instance kind's REST resource.
    pub instances: Served,
    /// The GraphRevision `rgd` was compiled from, which every plan records (docs/decisions/0019).
    pub revision: Option<kro_engine::RevisionInUse>,
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

/// Counts the lists a watch makes after its first (`watch_relists_total`): each is a watch that broke or
/// whose resource version expired (410 Gone) and started over.
fn count_relists<K>(shared: &Arc<Shared>, kind: String) -> impl FnMut(&Event<K>) + Send + 'static {
    let metrics = Arc::clone(&shared.metrics);
    let listed = AtomicBool::new(false);
    move |event| {
        if matches!(event, Event::Init) && listed.swap(true, Ordering::Relaxed) {
            tracing::info!(%kind, "watch listed its kind again");
            metrics.relisted(&kind);
        }
    }
}

#[allow(clippy::too_many_lines, reason = "the wiring of one controller's watches, in the order they are set up")]
async fn run(
    shared: Arc<Shared>,
    spec: ControllerSpec,
    mut stopped: watch::Receiver<bool>,
    in_flight: Arc<AtomicUsize>,
) {
    let ar = spec.instances.resource.clone();
    let kind: InstanceKind = Arc::new(ar.clone());
    let client = shared.client.clone();
    let instance_api: Api<CachedInstance> = match (&shared.options.namespace, spec.instances.namespaced) {
        (Some(ns), true) => Api::namespaced_with(client.clone(), ns, &kind),
        _ => Api::all_with(client.clone(), &kind),
    };
    let gvr = format!("{}/{}", ar.api_version, ar.plural);
    let queue = Queue::new(Arc::clone(&shared.metrics), gvr.clone());

    // The children of every kind the RGD creates, each cached with the fields plans read of it.
    let mut child_kinds = BTreeSet::new();
    let mut external_kinds = BTreeSet::new();
    for resource in spec.rgd.resources() {
        let kind = (resource.api_version.clone(), resource.kind.clone());
        if resource.external {
            external_kinds.insert(kind);
        } else {
            child_kinds.insert(kind);
        }
    }
    let mut caches = Vec::new();
    for (api_version, kind) in &child_kinds {
        let Ok(served) = shared.discovery.resolve(&client, api_version, kind).await else {
            // Not served (yet): its applies fail and back off until it is, and the RGD controller restarts this
            // controller when the RGD changes.
            tracing::warn!(rgd = %spec.rgd.name(), %api_version, %kind, "child kind is not served; not watched");
            continue;
        };
        let mask = spec.rgd.observed_fields(api_version, kind);
        caches.push((served.clone(), Arc::new(ChildCache::new(served.resource.clone(), mask))));
    }
    let ctx = Arc::new(
        Context::new(
            Arc::clone(&shared),
            Arc::clone(&spec.rgd),
            spec.rgd_uid.clone(),
            spec.engine.clone(),
            spec.instances.clone(),
            caches.iter().map(|(_, c)| Arc::clone(c)).collect(),
            in_flight,
            queue.clone(),
        )
        .with_revision(spec.revision.clone())
        .with_child_apis(
            caches.iter().map(|(served, _)| (scoped_api(&shared, served), served.resource.clone())).collect(),
        ),
    );
    // However this controller ends (stopped, or aborted after draining), its instances stop being counted by
    // state: a restarted controller counts them again.
    let _forget = ForgetStates(Arc::clone(&ctx));

    // Instances trigger a reconcile when created, when their spec changes (generation), when deleted, or when
    // the suspend annotation flips, as kro's parent handler does; not on the status and metadata the
    // reconcile itself writes.
    let instance_writer = reflector::store::Writer::new(Arc::clone(&kind));
    let instance_store = instance_writer.as_reader();
    let (queued, instance_kind) = (queue.clone(), Arc::clone(&kind));
    let dropped = spec.rgd.instance_fields().dropped_annotations();
    let instance_events = watcher(instance_api, watcher::Config::default().page_size(WATCH_PAGE))
        .default_backoff()
        .inspect_ok(count_relists(&shared, ar.kind.clone()))
        // Nothing a plan reads: not kept in the cache.
        .modify(move |instance| instance.drop_annotations(dropped))
        .reflect(instance_writer);
    let instance_stream = triggers::applied_once_stored(instance_events)
        .predicate_filter(instance_predicate, PredicateConfig::default())
        .inspect_ok(move |instance| queued.add(ObjectRef::from_obj_with(instance, instance_kind.clone())));
    let resync = futures::stream::unfold((), |()| async {
        tokio::time::sleep(RESYNC).await;
        Some(((), ()))
    });
    let mut controller = Controller::for_stream_with(instance_stream, instance_store, Arc::clone(&kind))
        .with_config(kube::runtime::controller::Config::default().concurrency(shared.options.concurrency))
        .reconcile_all_on(resync);

    let selector = format!(
        "{}={},{}={}",
        labels::INSTANCE_GROUP,
        spec.rgd.api().group,
        labels::INSTANCE_KIND,
        spec.rgd.api().kind
    );
    for (served, cache) in caches {
        let api = scoped_api(&shared, &served);
        let watched = Arc::clone(&ctx);
        let resource = served.resource.clone();
        let events = watcher(api, watcher::Config::default().labels(&selector).page_size(WATCH_PAGE))
            .default_backoff()
            .inspect_ok(count_relists(&shared, format!("{}.{}", resource.kind, resource.group)));
        // What was deleted or is gone from a relist is applied again if still desired.
        let changed = move |change: &Change| match change {
            Change::Deleted(key) => watched.applied.forget(key),
            Change::Relisted { present, .. } => {
                watched.applied.retain_kind(&resource.api_version, &resource.kind, present);
            }
            Change::Applied(_) | Change::None => {}
        };
        let (instances, named) = (Arc::clone(&kind), Arc::clone(&kind));
        let queued = queue.clone();
        let stream = triggers::instances_of_children(
            events,
            cache,
            move |child: &DynamicObject| child_to_instance(&instances, child),
            move |name: &str, namespace: Option<&str>| instance_ref(&named, name, namespace),
            changed,
        )
        .inspect(move |instance| {
            queued.add_all(Some(instance.clone()));
        });
        controller = controller.reconcile_on(stream);
    }
    for (api_version, kind) in &external_kinds {
        let Ok(served) = shared.discovery.resolve(&client, api_version, kind).await else { continue };
        let api: Api<PartialObjectMeta<DynamicObject>> = Api::all_with(client.clone(), &served.resource);
        let index = Arc::clone(&ctx);
        let (api_version, kind) = (api_version.clone(), kind.clone());
        let stream = watcher(api, watcher::Config::default().page_size(WATCH_PAGE))
            .default_backoff()
            .inspect_ok(count_relists(&shared, format!("{kind} ({api_version}), external")))
            .touched_objects();
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
    tracing::info!(rgd = %spec.rgd.name(), %gvr, "instance controller started");
    controller
        .graceful_shutdown_on(async move {
            futures::future::select(Box::pin(shutdown), Box::pin(stop)).await;
        })
        .run(controller::reconcile, controller::error_policy, Arc::clone(&ctx))
        .for_each(|_| futures::future::ready(()))
        .await;
    tracing::info!(rgd = %spec.rgd.name(), %gvr, "instance controller stopped");
}

struct ForgetStates(Arc<Context>);

impl Drop for ForgetStates {
    fn drop(&mut self) {
        self.0.forget_states();
    }
}

#[allow(clippy::unnecessary_wraps, reason = "kube's predicates return Option (None: no property to compare)")]
fn instance_predicate(instance: &CachedInstance) -> Option<u64> {
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
fn child_to_instance(instances: &InstanceKind, child: &DynamicObject) -> Option<ObjectRef<CachedInstance>> {
    let labels = child.labels();
    let name = labels.get(labels::INSTANCE_NAME)?;
    Some(instance_ref(instances, name, labels.get(labels::INSTANCE_NAMESPACE).map(String::as_str)))
}

fn instance_ref(instances: &InstanceKind, name: &str, namespace: Option<&str>) -> ObjectRef<CachedInstance> {
    let r = ObjectRef::new_with(name, instances.clone());
    match namespace {
        Some(ns) => r.within(ns),
        None => r,
    }
}
