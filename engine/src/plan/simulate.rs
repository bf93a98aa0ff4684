//! A simulated reconcile: plan, pretend the cluster took every applied object, plan again, until the instance
//! is ACTIVE or nothing changes (stuck). What `kro render --simulate` prints and the playground animates.
//!
//! A simulated object is the rendered one as the API server would store it ([`super::server`]: uid, creation
//! time, resource version, a Service's cluster IP, the defaults of its kind), with the `status` of the object
//! of the same identity in the given observed set, when there is one; otherwise it has no status, and a
//! `readyWhen` that cannot be evaluated for lack of status counts as true for that step (the step lists it under
//! `assumed`).
//!
//! A host may script what happens from a step on ([`SimulatedEvent`]): a resource that does not become ready,
//! or an apply the API server refuses.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::SecondsFormat;
use fnv::FnvBuildHasher;
use serde::Serialize;
use serde_json::Value;

use super::kept::{KeptSimulation, KeptStep};
use super::memo::{Memo, Version};
use super::objects::Keyed;
use super::server::{Store, Taken};
use super::walk::Incremental;
use super::{InstanceState, ObjectKey, Plan, PlanInput, PlanOptions, Reason, ReasonCode, plan_pass};
use crate::graph::CompiledRgd;

/// One pass of the simulation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulationStep {
    /// 1-based number of the pass.
    pub step: usize,
    /// What the planner decided in this pass.
    pub plan: Plan,
    /// What the pass read, kept for [`crate::Engine::step_values`].
    #[serde(skip)]
    pub(crate) input: StepInput,
}

/// What one pass of a simulation planned from, kept small: the cluster's objects are not copied per pass, only
/// what changed in the cluster since the pass before, so a pass's cluster is rebuilt on demand
/// ([`super::cluster_at`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct StepInput {
    /// The objects stored (`Some`) or removed (`None`) since the pass before; the first pass's are the objects
    /// the cluster was given.
    pub changes: Vec<(ObjectKey, Option<Arc<Value>>)>,
    /// Objects a scripted event kept out of this pass's view.
    pub hidden: BTreeSet<ObjectKey>,
    /// The instance, with the status the pass before wrote.
    pub instance: Value,
    /// The apply failures of the pass (the host's, and those scripted events make).
    pub apply_failures: BTreeMap<ObjectKey, String>,
}

/// Why a simulated reconcile did not reach ACTIVE.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimulationError {
    /// A pass changed nothing, or the instance went to ERROR: what waits or failed, and why.
    #[error("{0}")]
    Stuck(String),
    /// The plan was still changing after the most passes this graph can need ([`step_cap`]): the simulation
    /// stopped there, without finding anything stuck.
    #[error(
        "stopped after {0} steps, the most this graph can need (twice its depth and readiness checks), while its \
         plan was still changing: not stuck, but not settling either"
    )]
    StepCap(usize),
}

impl SimulationError {
    /// `stuck` or `stepCap`, as the JSON result of a simulation names the cause.
    pub fn cause(&self) -> &'static str {
        match self {
            SimulationError::Stuck(_) => "stuck",
            SimulationError::StepCap(_) => "stepCap",
        }
    }
}

/// A simulated reconcile: every pass, and whether the instance became ACTIVE.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    /// Every pass, in order.
    pub steps: Vec<SimulationStep>,
    /// `Ok` when the instance became ACTIVE, or why it did not.
    pub outcome: Result<(), SimulationError>,
}

/// Something a host makes happen in the simulated cluster from a step on: the playground's "what if".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatedEvent {
    /// The resource it happens to.
    pub id: String,
    /// The first step (1-based) it happens at; it lasts to the end.
    pub from_step: usize,
    /// What happens.
    pub effect: SimulatedEffect,
}

/// What a [`SimulatedEvent`] does to its resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimulatedEffect {
    /// Its objects exist but never become ready (as a `readyWhen` that stays false): what reads it waits.
    NotReady,
    /// The API server refuses its objects with this message: the resource fails.
    Failed(String),
}

/// The most passes a simulation of `rgd` makes. A pass that changes anything makes the resources of at least
/// one more wave ready (a resource renders once what it reads is ready, and is ready once observed, one pass
/// after it is applied), so a graph needs its depth in waves plus one pass to observe the last wave; a
/// readiness check may take a pass more once its object is observed. The cap is twice that, so only a plan
/// that keeps changing reaches it, and a deep graph (a chain of 100) is never cut short.
pub(crate) fn step_cap(rgd: &CompiledRgd) -> usize {
    let depth = rgd.resources.iter().map(|r| r.wave).max().unwrap_or(0);
    let checks = rgd.resources.iter().filter(|r| !r.readiness().is_empty()).count();
    2 * (depth + 1 + checks)
}

/// The simulated cluster: its objects in the order the planner reads them, each with its version (a number no
/// other object stored ever gets, which [`Memo`] compares), where each one is, and what changed since the
/// last pass.
struct Cluster {
    objects: Vec<Value>,
    keys: Vec<ObjectKey>,
    versions: Vec<Version>,
    index: BTreeMap<ObjectKey, usize>,
    /// What each object was stored from: an apply of the same object again changes nothing, and is not
    /// stored again.
    applied: HashMap<ObjectKey, Applied, FnvBuildHasher>,
    changes: Vec<(ObjectKey, Option<Arc<Value>>)>,
    /// The version the next object stored gets.
    next: Version,
}

/// An applied object the cluster stored, with the status it was given.
struct Applied {
    object: Arc<Keyed>,
    status: Option<Value>,
}

impl Applied {
    /// Whether applying `object` with `status` would store what is stored: the same object but its status,
    /// and the same status as stored (the one given, else the object's own).
    fn same(&self, object: &Arc<Keyed>, status: Option<&Value>) -> bool {
        let before = &self.object.apply.object;
        let stored_status =
            if before.is_object() { self.status.as_ref().or_else(|| before.get("status")) } else { None };
        stored_status == status && (Arc::ptr_eq(&self.object, object) || same_but_status(before, &object.apply.object))
    }
}

impl Cluster {
    fn new(observed: &[Value]) -> Cluster {
        let mut cluster = Cluster {
            objects: Vec::new(),
            keys: Vec::new(),
            versions: Vec::new(),
            index: BTreeMap::new(),
            applied: HashMap::default(),
            changes: Vec::new(),
            next: 1,
        };
        for object in observed {
            cluster.put(ObjectKey::of(object), object.clone());
        }
        cluster
    }

    fn get(&self, key: &ObjectKey) -> Option<&Value> {
        self.index.get(key).map(|&i| &self.objects[i])
    }

    fn put(&mut self, key: ObjectKey, object: Value) {
        self.changes.push((key.clone(), Some(Arc::new(object.clone()))));
        let version = self.next;
        self.next += 1;
        if let Some(&i) = self.index.get(&key) {
            self.objects[i] = object;
            self.versions[i] = version;
        } else {
            self.index.insert(key.clone(), self.objects.len());
            self.objects.push(object);
            self.keys.push(key);
            self.versions.push(version);
        }
    }

    fn remove(&mut self, key: &ObjectKey) {
        let Some(i) = self.index.remove(key) else { return };
        self.objects.swap_remove(i);
        self.keys.swap_remove(i);
        self.versions.swap_remove(i);
        if let Some(moved) = self.keys.get(i) {
            self.index.insert(moved.clone(), i);
        }
        self.applied.remove(key);
        self.changes.push((key.clone(), None));
    }
}

/// The steps, and whether the instance became ACTIVE (`Ok`) or got stuck (`Err` with the reason).
pub(crate) fn simulate(input: &PlanInput<'_>) -> Simulation {
    keep(input).to_simulation()
}

/// [`simulate`], its steps sharing their objects.
pub(crate) fn keep(input: &PlanInput<'_>) -> KeptSimulation {
    simulate_with(input, Some(&mut Memo::default()))
}

/// The simulation, each pass rendering again only the resources whose inputs changed when `memo` is given;
/// without it every pass is planned from scratch, which is what the tests hold the other to.
pub(super) fn simulate_with(input: &PlanInput<'_>, mut memo: Option<&mut Memo>) -> KeptSimulation {
    let options = PlanOptions { assume_ready_without_status: true, ..input.options.clone() };
    let now = options.now.to_rfc3339_opts(SecondsFormat::Secs, true);
    let given: BTreeMap<ObjectKey, &Value> = input.observed.iter().map(|o| (ObjectKey::of(o), o)).collect();
    let mut cluster = Cluster::new(input.observed);
    let mut store = Store::default();
    let mut instance = input.instance.clone();
    let mut steps: Vec<KeptStep> = Vec::new();
    let cap = step_cap(input.rgd);
    for step in 1..=cap {
        let events: Vec<&SimulatedEvent> = options.events.iter().filter(|e| e.from_step <= step).collect();
        let view =
            View { objects: &cluster.objects, keys: &cluster.keys, versions: &cluster.versions, instance: &instance };
        let (pass, mut step_input) = pass(input, &options, &view, memo.as_deref_mut(), &events, steps.last());
        step_input.changes = std::mem::take(&mut cluster.changes);
        let state = pass.plan.state;
        let unchanged = steps.last().is_some_and(|last| {
            last.plan.state == pass.plan.state
                && last.plan.pending == pass.plan.pending
                && same_objects(&last.applies, &pass.applies)
        });
        // The addresses Services hold, gathered when the pass first stores an object: most store none.
        let mut taken: Option<Taken> = None;
        for object in &pass.applies {
            let key = &object.key;
            let status = given.get(key).and_then(|g| g.get("status"));
            if cluster.applied.get(key).is_some_and(|before| before.same(object, status)) {
                continue;
            }
            let mut applied = object.apply.object.clone();
            if let (Some(map), Some(status)) = (applied.as_object_mut(), status) {
                map.insert("status".to_string(), status.clone());
            }
            let taken = taken.get_or_insert_with(|| Taken::of(cluster.objects.iter()));
            let stored = store.store(applied, cluster.get(key), &now, taken);
            taken.add(&stored);
            cluster.applied.insert(key.clone(), Applied { object: Arc::clone(object), status: status.cloned() });
            cluster.put(key.clone(), stored);
        }
        for key in &pass.plan.prune {
            cluster.remove(key);
        }
        if let Some(map) = instance.as_object_mut() {
            map.insert("status".to_string(), pass.plan.status.clone());
        }
        steps.push(KeptStep { plan: pass.plan, applies: pass.applies, input: step_input });
        let stuck_at_last =
            |steps: &[KeptStep]| SimulationError::Stuck(steps.last().map(|s| stuck(&s.plan)).unwrap_or_default());
        match state {
            InstanceState::Active => return KeptSimulation { steps, outcome: Ok(()) },
            InstanceState::Error => return KeptSimulation { outcome: Err(stuck_at_last(&steps)), steps },
            _ => {}
        }
        if unchanged {
            return KeptSimulation { outcome: Err(stuck_at_last(&steps)), steps };
        }
    }
    KeptSimulation { steps, outcome: Err(SimulationError::StepCap(cap)) }
}

/// Whether two passes apply the same objects: the same shared ones, or equal ones.
fn same_objects(a: &[Arc<Keyed>], b: &[Arc<Keyed>]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| Arc::ptr_eq(x, y) || x.apply == y.apply)
}

/// Whether `stored` (an applied object with a status) and `applied` (without one) differ in nothing else.
fn same_but_status(stored: &Value, applied: &Value) -> bool {
    match (stored.as_object(), applied.as_object()) {
        (Some(a), Some(b)) => {
            let count = |m: &serde_json::Map<String, Value>| m.keys().filter(|k| *k != "status").count();
            count(a) == count(b) && b.iter().all(|(k, v)| k == "status" || a.get(k) == Some(v))
        }
        _ => stored == applied,
    }
}

/// What a pass sees of the simulated cluster: its objects with their versions, and the instance.
struct View<'v> {
    objects: &'v [Value],
    keys: &'v [ObjectKey],
    versions: &'v [Version],
    instance: &'v Value,
}

/// The plan of a pass, its objects apart ([`plan_pass`]).
struct Pass {
    plan: Plan,
    applies: Vec<Arc<Keyed>>,
}

/// One pass over the simulated cluster, with the scripted `events` that have happened by now: the plan, and
/// what it was made from.
fn pass(
    input: &PlanInput<'_>,
    options: &PlanOptions,
    view: &View<'_>,
    mut memo: Option<&mut Memo>,
    events: &[&SimulatedEvent],
    last: Option<&KeptStep>,
) -> (Pass, StepInput) {
    // The objects of a resource are known once a plan rendered them; an event on a resource the pass before did
    // not render learns them from a first plan of this pass, so it holds from the step it names.
    let mut known = last.map(|l| (&l.plan, l.applies.as_slice()));
    let learned;
    if events.iter().any(|e| known.is_none_or(|(p, a)| keys_of(p, a, &e.id).is_empty())) {
        learned = plan_over(input, options, view, memo.as_deref_mut(), &BTreeSet::new(), BTreeMap::new()).0;
        known = Some((&learned.plan, learned.applies.as_slice()));
    }
    let mut hidden = BTreeSet::new();
    let mut failures = options.apply_failures.clone();
    for event in events {
        let keys = known.map(|(p, a)| keys_of(p, a, &event.id)).unwrap_or_default();
        match &event.effect {
            SimulatedEffect::NotReady => hidden.extend(keys),
            SimulatedEffect::Failed(message) => failures.extend(keys.into_iter().map(|k| (k, message.clone()))),
        }
    }
    let (mut pass, step_input) = plan_over(input, options, view, memo, &hidden, failures);
    for event in events.iter().filter(|e| e.effect == SimulatedEffect::NotReady) {
        for pending in pass.plan.pending.iter_mut().filter(|p| p.id == event.id) {
            if pending.reason.code == ReasonCode::AwaitingObservation {
                pending.reason = Reason {
                    code: ReasonCode::ReadyWhenFalse,
                    message: format!("not ready: made so in the simulation from step {}", event.from_step),
                };
            }
        }
    }
    (pass, step_input)
}

/// A plan over the view's objects without those in `hidden`, with `failures` as apply failures.
fn plan_over(
    input: &PlanInput<'_>,
    options: &PlanOptions,
    view: &View<'_>,
    memo: Option<&mut Memo>,
    hidden: &BTreeSet<ObjectKey>,
    failures: BTreeMap<ObjectKey, String>,
) -> (Pass, StepInput) {
    let (mut visible, mut visible_keys, mut visible_versions) = (Vec::new(), Vec::new(), Vec::new());
    let (observed, keys, versions) = if hidden.is_empty() {
        (view.objects, view.keys, view.versions)
    } else {
        for ((object, key), version) in view.objects.iter().zip(view.keys).zip(view.versions) {
            if !hidden.contains(key) {
                visible.push(object.clone());
                visible_keys.push(key.clone());
                visible_versions.push(*version);
            }
        }
        (visible.as_slice(), visible_keys.as_slice(), visible_versions.as_slice())
    };
    let scripted = failures != options.apply_failures;
    let with_failures;
    let options = if scripted {
        with_failures = PlanOptions { apply_failures: failures.clone(), ..options.clone() };
        &with_failures
    } else {
        options
    };
    let instance = view.instance;
    let incremental = memo.map(|memo| Incremental { memo, keys, versions });
    let (plan, applies) = plan_pass(&PlanInput { instance, observed, options, ..*input }, incremental);
    let step_input =
        StepInput { changes: Vec::new(), hidden: hidden.clone(), instance: instance.clone(), apply_failures: failures };
    (Pass { plan, applies }, step_input)
}

/// The objects of resource `id` in a plan: those it applies, and the external object it reads by name.
fn keys_of(plan: &Plan, applies: &[Arc<Keyed>], id: &str) -> BTreeSet<ObjectKey> {
    let rendered = applies.iter().filter(|k| k.apply.id == id).map(|k| k.key.clone());
    let read = plan.reads.iter().filter(|r| r.id == id).filter_map(|r| {
        Some(ObjectKey {
            api_version: r.api_version.clone(),
            kind: r.kind.clone(),
            namespace: r.namespace.clone().unwrap_or_default(),
            name: r.name.clone()?,
        })
    });
    rendered.chain(read).collect()
}

fn stuck(plan: &Plan) -> String {
    let reasons: Vec<String> = plan.pending.iter().map(|p| format!("{}: {}", p.id, p.reason.message)).collect();
    if reasons.is_empty() { "no progress".to_string() } else { reasons.join("; ") }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write;

    use serde_json::json;

    use super::*;
    use crate::engine::{Engine, EngineOptions};

    fn compiled(engine: &Engine, text: &str) -> CompiledRgd {
        let doc = engine.compile_text(text).into_iter().next().unwrap();
        assert!(doc.diagnostics.iter().all(|d| !d.is_error()), "{:#?}", doc.diagnostics);
        doc.rgd.unwrap()
    }

    /// An RGD of `n` `ConfigMap`s, each naming the one before it.
    fn chain(n: usize) -> String {
        let mut text = String::from(
            "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata: {name: chain}\nspec:\n  schema:\n    \
             apiVersion: v1alpha1\n    kind: Chain\n    spec:\n      name: string | default=\"c\"\n  resources:\n",
        );
        for i in 0..n {
            let name =
                if i == 0 { "${schema.spec.name}".to_string() } else { format!("${{cm{}.metadata.name}}-x", i - 1) };
            let _ = write!(
                text,
                "    - id: cm{i}\n      template:\n        apiVersion: v1\n        kind: ConfigMap\n        metadata:\n          \
                 name: \"{name}\"\n"
            );
        }
        text
    }

    fn instance(kind: &str, spec: &Value) -> Value {
        json!({"apiVersion": "kro.run/v1alpha1", "kind": kind, "metadata": {"name": "demo", "namespace": "team"}, "spec": spec})
    }

    #[test]
    fn a_chain_of_a_hundred_reaches_active_because_the_step_cap_follows_the_graph() {
        let engine = Engine::new(EngineOptions::default()).unwrap();
        let rgd = compiled(&engine, &chain(100));
        assert!(step_cap(&rgd) >= 101, "{}", step_cap(&rgd));
        let simulation = engine.simulate(&rgd, &instance("Chain", &json!({"name": "c"})), &[], &PlanOptions::default());
        assert_eq!(simulation.outcome, Ok(()));
        // One pass per wave, and one to observe the last.
        assert_eq!(simulation.steps.len(), 101);
        // A small graph keeps a small cap.
        assert_eq!(step_cap(&compiled(&engine, &chain(3))), 8);
    }

    #[test]
    fn hitting_the_step_cap_is_told_apart_from_being_stuck() {
        let cap = SimulationError::StepCap(202);
        assert_eq!(cap.cause(), "stepCap");
        assert!(cap.to_string().contains("stopped after 202 steps"), "{cap}");
        assert!(cap.to_string().contains("not stuck"), "{cap}");
        assert_eq!(SimulationError::Stuck("x: waits".into()).cause(), "stuck");
        let json = crate::output::simulation_json(&Simulation { steps: Vec::new(), outcome: Err(cap) });
        assert_eq!(json["result"]["cause"], "stepCap");
        assert_eq!(json["result"]["active"], false);
    }

    const APP: &str = r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: app}
spec:
  schema:
    apiVersion: v1alpha1
    kind: App
    spec:
      name: string
    status:
      endpoint: ${service.spec.clusterIP}
      uid: ${deployment.metadata.uid}
  resources:
    - id: deployment
      template:
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: "${schema.spec.name}"}
        spec:
          selector: {matchLabels: {app: "${schema.spec.name}"}}
          template:
            metadata: {labels: {app: "${schema.spec.name}"}}
            spec: {containers: [{name: app, image: nginx}]}
    - id: service
      template:
        apiVersion: v1
        kind: Service
        metadata: {name: "${schema.spec.name}"}
        spec:
          selector: ${deployment.spec.selector.matchLabels}
          ports: [{port: 80}]
    - id: config
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: "${schema.spec.name}-endpoint"}
        data:
          address: ${service.spec.clusterIP}
          replicas: ${string(deployment.spec.replicas)}
"#;

    #[test]
    fn dependents_read_what_the_api_server_fills_in_a_simulated_cluster() {
        let engine = Engine::new(EngineOptions::default()).unwrap();
        let rgd = compiled(&engine, APP);
        let simulation = engine.simulate(&rgd, &instance("App", &json!({"name": "web"})), &[], &PlanOptions::default());
        assert_eq!(simulation.outcome, Ok(()), "{:#?}", simulation.steps.last().map(|s| &s.plan.pending));
        let last = &simulation.steps.last().unwrap().plan;
        let config = last.resources.iter().find(|a| a.id == "config").unwrap();
        let address = config.object["data"]["address"].as_str().unwrap();
        assert!(address.starts_with("10."), "{address}");
        // A defaulted field (a Deployment's replicas) is there to read too.
        assert_eq!(config.object["data"]["replicas"], "1");
        assert_eq!(last.status["endpoint"], json!(address));
        assert_eq!(last.status["uid"].as_str().map(str::len), Some(36));
        // Deterministic: the same run gives the same address and uid.
        let again = engine.simulate(&rgd, &instance("App", &json!({"name": "web"})), &[], &PlanOptions::default());
        assert_eq!(again.steps.last().unwrap().plan.status, last.status);
    }

    #[test]
    fn a_resource_made_not_ready_or_failed_at_a_step_holds_back_what_reads_it() {
        let engine = Engine::new(EngineOptions::default()).unwrap();
        let rgd = compiled(&engine, APP);
        let web = instance("App", &json!({"name": "web"}));
        let event = |effect| SimulatedEvent { id: "service".into(), from_step: 2, effect };
        let options = PlanOptions { events: vec![event(SimulatedEffect::NotReady)], ..PlanOptions::default() };
        let simulation = engine.simulate(&rgd, &web, &[], &options);
        let stuck = simulation.outcome.unwrap_err();
        assert_eq!(stuck.cause(), "stuck");
        assert!(stuck.to_string().contains("service: not ready: made so in the simulation from step 2"), "{stuck}");
        assert!(stuck.to_string().contains("config: waiting for service to be ready"), "{stuck}");

        let failed = SimulatedEffect::Failed("admission webhook denied the request".into());
        let options = PlanOptions { events: vec![event(failed)], ..PlanOptions::default() };
        let simulation = engine.simulate(&rgd, &web, &[], &options);
        let last = &simulation.steps.last().unwrap().plan;
        assert_eq!(last.state, InstanceState::Error);
        // The Service first renders at step 2, the step the event names: it fails there, never applied.
        assert_eq!(simulation.steps.len(), 2);
        assert!(!last.resources.iter().any(|a| a.id == "service"));
        let error = simulation.outcome.unwrap_err().to_string();
        assert!(error.contains("admission webhook denied the request"), "{error}");
        // An event from the first step, on a resource no plan rendered yet, still applies.
        let options = PlanOptions {
            events: vec![SimulatedEvent { id: "deployment".into(), from_step: 1, effect: SimulatedEffect::NotReady }],
            ..PlanOptions::default()
        };
        let simulation = engine.simulate(&rgd, &web, &[], &options);
        assert_eq!(simulation.steps.len(), 2);
        assert!(simulation.outcome.unwrap_err().to_string().contains("deployment: not ready"));
    }
}
