//! The walk of one reconcile: resources in topological order, each rendered once the resources it reads are
//! ready, included or excluded, observed and judged ready, collections expanded and external references
//! read; then pruning, the `ApplySet` annotations and the status (see the module docs of [`super`]).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use fnv::FnvBuildHasher;
use serde_json::{Map, Value};

use super::identity::{self, Owner};
use super::memo::{Memo, Version};
use super::objects::{self, Failure, Keyed, Rendered};
use super::types::{InstancePatch, InstanceState, PendingNode, Plan, PlanInput, Read, Reason, ReasonCode};
use super::{Inventory, ObjectKey, instance_uid, lookup, render, status};
use crate::catalog::KindInfo;
use crate::diagnostics::Diagnostic;
use crate::expr::eval::{Bindings, EvalError};
use crate::expr::values::cel_type_name;
use crate::graph::{Resource, Role};
use crate::kube::selector::LabelSelector;
use crate::schemas::Schema;

/// A map hashed with FNV, for identities and ids: a simulation looks them up for every resource of every pass,
/// and `SipHash` was most of that.
type FnvHashMap<K, V> = HashMap<K, V, FnvBuildHasher>;

/// How one resource stands after the walk (why it waits is in the plan's `pending`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Ready,
    Waiting,
    Excluded,
}

pub(super) fn owner(input: &PlanInput<'_>) -> Owner {
    let api = &input.rgd.api;
    let s = |p: &str| input.instance.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
    let (name, namespace) = (s("/metadata/name"), s("/metadata/namespace"));
    Owner {
        applyset_id: Owner::applyset_id(&name, &namespace, &api.kind, &api.group),
        name,
        namespace,
        uid: instance_uid(input.instance),
        group: api.group.clone(),
        version: api.version.clone(),
        kind: api.kind.clone(),
        kro_version: input.options.kro_version.clone(),
    }
}

/// What a walk gives: the plan, its objects still shared with the passes that rendered them the same (in apply
/// order; the plan's own `resources` are left empty), and the variables as the walk left them.
pub(super) struct Walked<'a> {
    pub plan: Plan,
    pub applies: Vec<Arc<Keyed>>,
    pub bindings: Bindings<'a>,
}

/// A simulation's walk: what it keeps between passes, and the identity and version of each observed object
/// (the `observed` of the input, in the same order), which the simulated cluster keeps.
pub(super) struct Incremental<'a> {
    pub memo: &'a mut Memo,
    pub keys: &'a [ObjectKey],
    pub versions: &'a [Version],
}

/// An object the walk rendered, as the set of identities rendered this pass holds it: by its key, without
/// copying the key.
#[derive(Debug)]
struct Desired(Arc<Keyed>);

impl std::borrow::Borrow<ObjectKey> for Desired {
    fn borrow(&self) -> &ObjectKey {
        &self.0.key
    }
}

impl PartialEq for Desired {
    fn eq(&self, other: &Self) -> bool {
        self.0.key == other.0.key
    }
}

impl Eq for Desired {}

impl std::hash::Hash for Desired {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.key.hash(state);
    }
}

pub(super) struct Planner<'a> {
    input: &'a PlanInput<'a>,
    owner: Owner,
    /// The identity of each observed object, in the input's order.
    keys: &'a [ObjectKey],
    /// Observed objects by identity, with their versions (0 outside a simulation).
    observed: FnvHashMap<&'a ObjectKey, (&'a Value, Version)>,
    /// In a simulation: rendered objects kept from the passes before, and the versions of what each resource
    /// bound for its dependents in this pass (length first, so two ids' lists cannot run into each other).
    memo: Option<&'a mut Memo>,
    versions: &'a [Version],
    bound: FnvHashMap<&'a str, Vec<Version>>,
    nodes: FnvHashMap<&'a str, Node>,
    /// The schema of each kind (`apiVersion`, `kind`) the walk bound an object of.
    schemas: RefCell<HashMap<(&'a str, &'a str), Option<Schema<'a>>>>,
    plan: Plan,
    /// The objects to apply, in the order rendered (sorted into apply order at the end).
    applies: Vec<Arc<Keyed>>,
    /// Identities rendered this pass (applied or waiting) and the node rendering each, for pruning, the
    /// `ApplySet` annotations and conflicts between nodes.
    desired: FnvHashMap<Desired, &'a str>,
    /// Resources that failed, as `id: message`.
    errors: Vec<String>,
    /// How many of those failed because the API server refused their object (`apply_failures`).
    refused: usize,
    /// Some resource could not be rendered for lack of data (a dependency not ready, a missing key): kro's
    /// `ErrDataPending` from `GetDesired`, which alone (with a failure) holds the prune back. A resource that is
    /// rendered but not ready yet does not.
    unresolved: bool,
}

impl<'a> Planner<'a> {
    /// A walk over `input`, whose observed objects have the identities `keys` (in the same order).
    pub(super) fn new(
        input: &'a PlanInput<'a>,
        owner: Owner,
        keys: &'a [ObjectKey],
        memo: Option<&'a mut Memo>,
        versions: &'a [Version],
    ) -> Self {
        let observed = keys
            .iter()
            .zip(input.observed)
            .enumerate()
            .map(|(i, (key, o))| (key, (o, versions.get(i).copied().unwrap_or_default())))
            .collect();
        Planner {
            input,
            owner,
            keys,
            observed,
            memo,
            versions,
            bound: FnvHashMap::default(),
            nodes: FnvHashMap::default(),
            schemas: RefCell::default(),
            applies: Vec::new(),
            plan: Plan {
                instance: InstancePatch::default(),
                resources: Vec::new(),
                pending: Vec::new(),
                excluded: Vec::new(),
                prune: Vec::new(),
                delete: Vec::new(),
                state: InstanceState::InProgress,
                nodes: Vec::new(),
                status: Value::Object(Map::new()),
                requeue_after: None,
                assumed: Vec::new(),
                reads: Vec::new(),
            },
            desired: FnvHashMap::default(),
            errors: Vec::new(),
            refused: 0,
            unresolved: false,
        }
    }

    /// The walk of one pass over `schema` (the instance without its status); the variables it leaves are
    /// `schema` and every resource it read, bound as the expressions of this pass saw them (what
    /// [`super::values`] evaluates against).
    pub(super) fn run(mut self, schema: &'a Value) -> Walked<'a> {
        let rgd = self.input.rgd;
        if let Some(memo) = self.memo.as_deref_mut() {
            memo.start(schema);
        }
        // kro's IsReconcileSuspended: `suspended`, or the older `disabled`, in any case.
        let suspended = identity::annotation(self.input.instance, identity::RECONCILE)
            .is_some_and(|v| v.eq_ignore_ascii_case("suspended") || v.eq_ignore_ascii_case("disabled"));
        let mut bindings = Bindings::new(self.input.evaluator);
        bindings.bind("schema", schema);
        if suspended {
            for &i in &rgd.order {
                let id = rgd.resources[i].id.as_str();
                self.wait(id, ReasonCode::Suspended, "reconciliation is suspended by the kro.run/reconcile annotation");
            }
        } else {
            for &i in &rgd.order {
                self.visit(i, &mut bindings);
            }
        }
        self.finish(&mut bindings, suspended);
        Walked { plan: self.plan, applies: self.applies, bindings }
    }

    fn wait(&mut self, id: &'a str, code: ReasonCode, message: impl Into<String>) {
        let reason = Reason { code, message: message.into() };
        if code == ReasonCode::Error {
            self.errors.push(format!("{id}: {}", reason.message));
        }
        self.plan.pending.push(PendingNode { id: id.to_string(), reason, diagnostics: Vec::new() });
        self.nodes.insert(id, Node::Waiting);
    }

    /// Fails `id`: the API server would refuse what it renders (item `item` of a collection). The message lists
    /// every finding as the API server does; the diagnostics carry their codes and places.
    fn refuse(&mut self, id: &'a str, item: Option<usize>, diagnostics: Vec<Diagnostic>) {
        let findings: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
        let message = match item {
            Some(position) => format!("item {position}: {}", findings.join("; ")),
            None => findings.join("; "),
        };
        self.wait(id, ReasonCode::Error, message);
        if let Some(pending) = self.plan.pending.last_mut() {
            pending.diagnostics = diagnostics;
        }
    }

    fn exclude(&mut self, id: &'a str) {
        self.plan.excluded.push(id.to_string());
        self.nodes.insert(id, Node::Excluded);
    }

    fn visit(&mut self, index: usize, bindings: &mut Bindings<'a>) {
        let resource = &self.input.rgd.resources[index];
        let id = resource.id.as_str();
        if resource.depends_on.iter().any(|d| self.nodes.get(d.as_str()) == Some(&Node::Excluded)) {
            self.exclude(id);
            return;
        }
        // kro's processNode asks IsIgnored before GetDesired: an includeWhen is decided as soon as what it
        // reads is ready (at once when it reads only `schema`), so an excluded resource never waits for its
        // other dependencies, and neither do the resources that read it.
        let gate_blocked: Vec<&str> =
            self.include_when_reads(index).into_iter().filter(|d| !self.is_ready(d)).collect();
        if gate_blocked.is_empty() {
            match self.included(resource, bindings) {
                Ok(true) => {}
                Ok(false) => return self.exclude(id),
                Err(e) => return self.wait_on(id, "includeWhen", &e),
            }
        }
        let blocked: Vec<&str> = resource.depends_on.iter().map(String::as_str).filter(|d| !self.is_ready(d)).collect();
        if !blocked.is_empty() {
            let message = format!("waiting for {} to be ready", blocked.join(", "));
            self.unresolved = true;
            self.wait(id, ReasonCode::DependencyNotReady, message);
            return;
        }
        if resource.external {
            self.visit_external(index, bindings);
            return;
        }
        let rendered = self.rendered(index, bindings);
        let objects = match &*rendered {
            Rendered::Objects(objects) => objects,
            Rendered::Failed(failure) => return self.fail(id, failure),
        };
        if resource.for_each.is_empty() {
            self.record_single(resource, objects, bindings);
        } else {
            self.record_collection(resource, objects, bindings);
        }
    }

    /// The objects of resource `index` in this pass: kept from an earlier pass of the simulation when what it
    /// reads is bound to the same versions as then, else rendered (and kept).
    fn rendered(&mut self, index: usize, bindings: &mut Bindings<'a>) -> Arc<Rendered> {
        let reads = self.memo.is_some().then(|| self.reads(index)).flatten();
        if let (Some(memo), Some(reads)) = (self.memo.as_deref_mut(), reads.as_deref())
            && let Some(kept) = memo.get(index, reads)
        {
            return kept;
        }
        let rendered = Arc::new(objects::render(self.input, &self.owner, index, bindings));
        if let (Some(memo), Some(reads)) = (self.memo.as_deref_mut(), reads) {
            memo.put(index, reads, Arc::clone(&rendered));
        }
        rendered
    }

    /// The versions of what resource `index` reads, each dependency's list after its length; `None` when one
    /// of them bound nothing versioned (never for a resource whose dependencies are ready).
    fn reads(&self, index: usize) -> Option<Vec<Version>> {
        let mut reads = Vec::new();
        for dependency in &self.input.rgd.resources[index].depends_on {
            let versions = self.bound.get(dependency.as_str())?;
            reads.push(versions.len() as Version);
            reads.extend(versions);
        }
        Some(reads)
    }

    /// The version of each observed object, in the input's order (0 for all outside a simulation).
    fn versions(&self) -> impl Iterator<Item = Version> + 'a {
        let versions = self.versions;
        (0..self.input.observed.len()).map(move |i| versions.get(i).copied().unwrap_or_default())
    }

    /// Records the versions bound under `id` for its dependents, in a simulation.
    fn bound(&mut self, id: &'a str, versions: impl FnOnce() -> Vec<Version>) {
        if self.memo.is_some() {
            self.bound.insert(id, versions());
        }
    }

    /// Records why resource `id` rendered no object.
    fn fail(&mut self, id: &'a str, failure: &Failure) {
        match failure {
            Failure::Unevaluated { what, error } => self.wait_on(id, what, error),
            Failure::Refused { item, diagnostics } => self.refuse(id, *item, diagnostics.clone()),
            Failure::Error(message) => self.wait(id, ReasonCode::Error, message.clone()),
        }
    }

    fn is_ready(&self, id: &str) -> bool {
        self.nodes.get(id) == Some(&Node::Ready)
    }

    /// The resources the `includeWhen` conditions of resource `index` read, in its dependency order.
    fn include_when_reads(&self, index: usize) -> Vec<&'a str> {
        let rgd = self.input.rgd;
        if rgd.resources[index].include_when.is_empty() {
            return Vec::new();
        }
        let read: BTreeSet<&str> = rgd
            .expressions
            .iter()
            .filter(|site| site.resource == Some(index) && site.role == Role::IncludeWhen)
            .flat_map(|site| site.references.iter().map(String::as_str))
            .collect();
        rgd.resources[index].depends_on.iter().map(String::as_str).filter(|d| read.contains(d)).collect()
    }

    /// Waits on an expression that could not be evaluated while rendering (data pending) or failed.
    fn wait_on(&mut self, id: &'a str, what: &str, error: &EvalError) {
        self.unresolved |= error.is_pending();
        self.wait_ready_on(id, what, error);
    }

    /// [`Self::wait_on`] for a readiness check: the resource was rendered, so its pending data does not make
    /// the pass incomplete.
    fn wait_ready_on(&mut self, id: &'a str, what: &str, error: &EvalError) {
        let code = if error.is_pending() { ReasonCode::DataPending } else { ReasonCode::Error };
        self.wait(id, code, format!("{what}: {}", error.message));
    }

    fn included(&self, resource: &Resource, bindings: &mut Bindings<'a>) -> Result<bool, EvalError> {
        for condition in &resource.include_when {
            match render::render_string(self.input.rgd, condition, self.input.evaluator, bindings, &[])? {
                Value::Bool(true) => {}
                Value::Bool(false) | Value::Null => return Ok(false),
                other => {
                    return Err(EvalError::failed(format!(
                        "{condition} must evaluate to a bool, got {}",
                        cel_type_name(&other)
                    )));
                }
            }
        }
        Ok(true)
    }

    /// The OpenAPI schema of the resource's kind, when the catalog has one; looked up once per kind in a pass.
    fn schema_of(&self, resource: &'a Resource) -> Option<Schema<'a>> {
        let kind = (resource.api_version.as_str(), resource.kind.as_str());
        if let Some(schema) = self.schemas.borrow().get(&kind) {
            return *schema;
        }
        let (group, version) = resource.api_version.rsplit_once('/').unwrap_or(("", resource.api_version.as_str()));
        let schema = match self.input.catalog.lookup(group, version, &resource.kind) {
            Some(KindInfo::Known { schema }) => Some(schema),
            _ => None,
        };
        self.schemas.borrow_mut().insert(kind, schema);
        schema
    }

    /// Binds the observed object under the resource's id, typed by its kind's schema (bytes, timestamps).
    fn bind_object(&self, bindings: &mut Bindings<'a>, resource: &'a Resource, object: &'a Value) {
        match self.schema_of(resource) {
            Some(schema) => bindings.bind_typed(&resource.id, object, schema),
            None => bindings.bind(&resource.id, object),
        }
    }

    fn bind_list(&self, bindings: &mut Bindings<'a>, resource: &'a Resource, items: Vec<Value>) {
        match self.schema_of(resource) {
            Some(schema) => bindings.bind_owned_list_typed(&resource.id, items, schema),
            None => bindings.bind_owned(&resource.id, Value::Array(items)),
        }
    }

    /// Whether the resource's kind is namespaced: from the catalog (or the CRDs the RGD installs), else like
    /// the instance.
    fn namespaced(&self, resource: &Resource) -> bool {
        lookup::namespaced(self.input.catalog, self.input.rgd, resource, &self.owner.namespace)
    }

    /// Records that `id` renders `object`; two nodes rendering the same object is kro's `ApplySet` conflict.
    fn claim(&mut self, id: &'a str, object: &Arc<Keyed>) -> Result<(), String> {
        let key = &object.key;
        if let Some(message) = self.input.options.apply_failures.get(key) {
            self.refused += 1;
            return Err(format!("applying {key} failed: {message}"));
        }
        match self.desired.get(key) {
            Some(other) if *other != id => Err(format!("resourceID: {id} conflicts with resourceID: {other} on {key}")),
            Some(_) => Ok(()),
            None => {
                self.desired.insert(Desired(Arc::clone(object)), id);
                Ok(())
            }
        }
    }

    /// A resource of one object, rendered: claimed, applied, and settled once observed.
    fn record_single(&mut self, resource: &'a Resource, objects: &[Arc<Keyed>], bindings: &mut Bindings<'a>) {
        let id = resource.id.as_str();
        let Some(object) = objects.first() else { return };
        if let Err(message) = self.claim(id, object) {
            return self.wait(id, ReasonCode::Error, message);
        }
        self.applies.push(Arc::clone(object));
        let Some(&(observed, version)) = self.observed.get(&object.key) else {
            let key = &object.key;
            self.wait(id, ReasonCode::AwaitingObservation, format!("applied {key}; ready once it is observed"));
            return;
        };
        self.settle(resource, bindings, observed, version, &object.key);
    }

    /// Binds the observed object for dependents and decides the resource's readiness from it.
    fn settle(
        &mut self,
        resource: &'a Resource,
        bindings: &mut Bindings<'a>,
        observed: &'a Value,
        version: Version,
        key: &ObjectKey,
    ) {
        let id = resource.id.as_str();
        self.bind_object(bindings, resource, observed);
        self.bound(id, || vec![version]);
        match self.ready(resource, bindings, &[]) {
            Ok(true) => {
                self.nodes.insert(id, Node::Ready);
            }
            Ok(false) if resource.ready_when.is_empty() && resource.default_ready_when.is_some() => {
                self.wait(id, ReasonCode::ReadyWhenFalse, format!("{key} is not Established yet"));
            }
            Ok(false) => self.wait(id, ReasonCode::ReadyWhenFalse, format!("readyWhen is false for {key}")),
            Err(e) => self.wait_ready_on(id, "readyWhen", &e),
        }
    }

    /// `readyWhen` on the observed object (bound under the resource's id, or as `each` for an item).
    fn ready(
        &mut self,
        resource: &Resource,
        bindings: &mut Bindings<'a>,
        locals: &[(&str, &Value)],
    ) -> Result<bool, EvalError> {
        for condition in resource.readiness() {
            match render::render_string(self.input.rgd, condition, self.input.evaluator, bindings, locals) {
                Ok(Value::Bool(true)) => {}
                Ok(Value::Bool(false) | Value::Null) => return Ok(false),
                Ok(other) => {
                    return Err(EvalError::failed(format!(
                        "{condition} must evaluate to a bool, got {}",
                        cel_type_name(&other)
                    )));
                }
                Err(e) if e.is_pending() && self.input.options.assume_ready_without_status => {
                    self.plan.assumed.push(format!("{}: {condition} assumed true ({})", resource.id, e.message));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// A collection, rendered: every item claimed and applied; ready once each is observed and ready.
    fn record_collection(&mut self, resource: &'a Resource, objects: &[Arc<Keyed>], bindings: &mut Bindings<'a>) {
        let id = resource.id.as_str();
        for object in objects {
            if let Err(message) = self.claim(id, object) {
                return self.wait(id, ReasonCode::Error, message);
            }
        }
        let mut not_ready = Vec::new();
        let mut all_observed = true;
        bindings.type_local("each", self.schema_of(resource));
        // What dependents read: the observed items that are still desired, in collection order (kro's
        // orderedIntersection), never an item the collection no longer has.
        let mut current = Vec::with_capacity(objects.len());
        let mut versions = Vec::new();
        for object in objects {
            let key = &object.key;
            self.applies.push(Arc::clone(object));
            let Some(&(observed, version)) = self.observed.get(key) else {
                all_observed = false;
                not_ready.push(format!("{key} not observed yet"));
                continue;
            };
            current.push(observed.clone());
            versions.push(version);
            match self.ready(resource, bindings, &[("each", observed)]) {
                Ok(true) => {}
                Ok(false) => not_ready.push(format!("readyWhen is false for {key}")),
                Err(e) if e.is_pending() => not_ready.push(format!("{key}: {}", e.message)),
                Err(e) => return self.wait_ready_on(id, "readyWhen", &e),
            }
        }
        self.bind_list(bindings, resource, current);
        self.bound(id, || versions);
        if not_ready.is_empty() {
            self.nodes.insert(id, Node::Ready);
        } else {
            let code = if all_observed { ReasonCode::ReadyWhenFalse } else { ReasonCode::AwaitingObservation };
            self.wait(id, code, not_ready.join("; "));
        }
    }

    fn visit_external(&mut self, index: usize, bindings: &mut Bindings<'a>) {
        let resource = &self.input.rgd.resources[index];
        let id = resource.id.as_str();
        let mut reference = match render::render(self.input.rgd, index, self.input.evaluator, bindings, &[]) {
            Ok(r) => r,
            Err((path, e)) => return self.wait_on(id, &format!("externalRef {path}"), &e),
        };
        if lookup::is_collection(&reference) {
            return self.visit_external_selector(resource, &reference, bindings);
        }
        if let Err(e) = objects::default_namespace(self.input, &self.owner, resource, &mut reference) {
            return self.wait(id, ReasonCode::Error, e.message);
        }
        let key = ObjectKey::of(&reference);
        self.plan.reads.push(Read {
            id: id.to_string(),
            api_version: resource.api_version.clone(),
            kind: resource.kind.clone(),
            namespace: Some(key.namespace.clone()).filter(|n| !n.is_empty()),
            name: Some(key.name.clone()),
            selector: None,
        });
        let Some(&(observed, version)) = self.observed.get(&key) else {
            return self.wait(id, ReasonCode::ExternalNotFound, format!("external reference {key} not found"));
        };
        self.settle(resource, bindings, observed, version, &key);
    }

    /// An external reference by label selector: the list of matching objects (none included), in the
    /// reference's namespace or, when it names none, in every namespace (kro's rule, [`lookup`]). With
    /// readyWhen, each must pass.
    fn visit_external_selector(&mut self, resource: &'a Resource, reference: &Value, bindings: &mut Bindings<'a>) {
        let id = resource.id.as_str();
        let selector = reference.pointer("/metadata/selector").unwrap_or(&Value::Null);
        let selector = match LabelSelector::parse(selector) {
            Ok(s) => s,
            Err(message) => return self.wait(id, ReasonCode::Error, format!("externalRef selector: {message}")),
        };
        let namespace = lookup::collection_namespace(reference, self.namespaced(resource));
        self.plan.reads.push(Read {
            id: id.to_string(),
            api_version: resource.api_version.clone(),
            kind: resource.kind.clone(),
            namespace: namespace.clone(),
            name: None,
            selector: Some(selector.to_query()),
        });
        let mut matches: Vec<(&ObjectKey, &Value, Version)> = self
            .input
            .observed
            .iter()
            .zip(self.keys)
            .zip(self.versions())
            .filter(|((o, _), _)| same_kind(o, resource) && selector.matches(o))
            .filter(|((o, _), _)| {
                namespace.as_deref().is_none_or(|n| o.pointer("/metadata/namespace").and_then(Value::as_str) == Some(n))
            })
            .map(|((o, key), version)| (key, o, version))
            .collect();
        matches.sort_by(|a, b| a.0.cmp(b.0));
        let versions: Vec<Version> = matches.iter().map(|m| m.2).collect();
        // The list is the resource's value; a readyWhen reads it under the resource's id (build rules).
        self.bind_list(bindings, resource, matches.into_iter().map(|(_, o, _)| o.clone()).collect());
        self.bound(id, || versions);
        match self.ready(resource, bindings, &[]) {
            Ok(true) => {}
            Ok(false) => {
                return self.wait(id, ReasonCode::ReadyWhenFalse, "readyWhen is false for the selected objects");
            }
            Err(e) => return self.wait_ready_on(id, "readyWhen", &e),
        }
        self.nodes.insert(id, Node::Ready);
    }

    fn finish(&mut self, bindings: &mut Bindings<'a>, suspended: bool) {
        // Apply order: wave, then topological position, then collection index. The walk renders in topological
        // order, so the objects often are in apply order already.
        let apply_order = |k: &Arc<Keyed>| (k.apply.wave, k.order, k.apply.index);
        if !self.applies.is_sorted_by_key(apply_order) {
            self.applies.sort_by_key(apply_order);
        }
        // kro stops at the first failing resource and applies nothing in that pass. An object the API server
        // refused stops only what reads it (those wait for it, as for any resource not ready): one child that
        // cannot be applied does not keep the others from being created or repaired (docs/decisions/0018).
        if self.errors.len() > self.refused {
            self.applies.clear();
            let failed: Vec<&str> = self
                .plan
                .pending
                .iter()
                .filter(|p| p.reason.code == ReasonCode::Error)
                .map(|p| p.id.as_str())
                .collect();
            let message =
                format!("not applied: {} failed, and nothing is applied in a pass with a failure", failed.join(", "));
            for pending in &mut self.plan.pending {
                if pending.reason.code == ReasonCode::AwaitingObservation {
                    pending.reason = Reason { code: ReasonCode::StoppedByError, message: message.clone() };
                }
            }
        }
        let waiting = !self.plan.pending.is_empty();
        // kro prunes after every pass in which each desired object could be rendered and nothing failed
        // (pkg/controller/instance/resources.go reconcileNodes: prune gated on no ErrDataPending and no apply
        // error); a resource still waiting for readiness does not hold it back.
        let complete = !self.unresolved && self.errors.is_empty() && !suspended;
        if complete {
            let mut prune: Vec<ObjectKey> = self
                .input
                .observed
                .iter()
                .zip(self.keys)
                .filter(|(o, k)| self.owner.owns(o) && !self.desired.contains_key(*k))
                .map(|(_, k)| k.clone())
                .collect();
            prune.sort();
            self.plan.prune = prune;
        }
        self.plan.instance = self.instance_patch(complete, suspended || !self.errors.is_empty());
        self.plan.state = if !self.errors.is_empty() {
            InstanceState::Error
        } else if waiting || suspended {
            InstanceState::InProgress
        } else {
            InstanceState::Active
        };
        if waiting && !suspended {
            self.plan.requeue_after = Some(self.input.options.requeue_after);
        }
        let (status, failures) = status::status(self.input, &self.plan, bindings, suspended, &self.errors);
        self.plan.status = status;
        if !failures.is_empty() {
            // kro: a custom condition that fails to evaluate puts the instance in ERROR, with what it could write.
            self.plan.state = InstanceState::Error;
            self.errors.extend(failures);
        }
    }

    /// The instance's labels and finalizer, and its `ApplySet` annotations: after a complete pass (the one that
    /// prunes) exactly what it applied; before that the union with what the instance already records, so a
    /// later prune still finds everything; untouched when suspended or failed, as kro leaves them.
    fn instance_patch(&self, complete: bool, hold: bool) -> InstancePatch {
        let rgd = self.input.rgd;
        let mut labels = BTreeMap::new();
        labels.insert(identity::OWNED.to_string(), "true".to_string());
        labels.insert(identity::KRO_VERSION.to_string(), self.owner.kro_version.clone());
        labels.insert(identity::RGD_NAME.to_string(), rgd.name.clone());
        if let Some(uid) = &self.input.options.rgd_uid {
            labels.insert(identity::RGD_ID.to_string(), uid.clone());
        }
        labels.insert(identity::APPLYSET_ID.to_string(), self.owner.applyset_id.clone());
        let finalizers = vec![identity::FINALIZER.to_string()];
        if hold {
            return InstancePatch { labels, annotations: BTreeMap::new(), finalizers };
        }
        // Every kind the RGD creates, whatever this pass rendered, so the inventory (and its hash) does not
        // change from pass to pass while an instance's children are created: one metadata write. Before a
        // complete pass what the instance already records stays recorded; after one, what it prunes stays
        // recorded until it is gone, so a crash in between still finds it.
        let recorded = if complete { None } else { Inventory::recorded(self.input.instance) }.unwrap_or_default();
        let keys: Vec<&ObjectKey> = self.desired.keys().map(|d| &d.0.key).chain(&self.plan.prune).collect();
        // Each kind once before its `Kind.group` is written: a graph of many resources has few kinds.
        let mut kinds: BTreeSet<(&str, &str)> =
            keys.iter().map(|k| (k.api_version.as_str(), k.kind.as_str())).collect();
        kinds.extend(rgd.resources.iter().filter(|r| !r.external).map(|r| (r.api_version.as_str(), r.kind.as_str())));
        let mut group_kinds: BTreeSet<String> = kinds.into_iter().map(|(a, k)| identity::group_kind(a, k)).collect();
        group_kinds.extend(recorded.group_kinds);
        let namespaces: BTreeSet<&str> =
            keys.iter().map(|k| k.namespace.as_str()).filter(|n| !n.is_empty() && *n != self.owner.namespace).collect();
        let mut namespaces: BTreeSet<String> = namespaces.into_iter().map(str::to_string).collect();
        namespaces.extend(recorded.namespaces);
        let group_kinds = group_kinds.into_iter().collect::<Vec<_>>().join(",");
        let namespaces = namespaces.into_iter().collect::<Vec<_>>().join(",");
        let hash = identity::inventory_hash(&self.owner.applyset_id, &group_kinds, &namespaces);
        let mut annotations = BTreeMap::new();
        annotations.insert(identity::APPLYSET_TOOLING.to_string(), format!("kro/{}", self.owner.kro_version));
        annotations.insert(identity::APPLYSET_GROUP_KINDS.to_string(), group_kinds);
        if !namespaces.is_empty() {
            annotations.insert(identity::APPLYSET_NAMESPACES.to_string(), namespaces);
        }
        annotations.insert(identity::APPLYSET_INVENTORY_HASH.to_string(), hash);
        InstancePatch { labels, annotations, finalizers }
    }
}

/// `schema` as expressions see it: the instance without its status.
pub(super) fn schema_view(instance: &Value) -> Value {
    let mut schema = instance.clone();
    if let Some(map) = schema.as_object_mut() {
        map.remove("status");
    }
    schema
}

fn same_kind(object: &Value, resource: &Resource) -> bool {
    object.get("apiVersion").and_then(Value::as_str) == Some(resource.api_version.as_str())
        && object.get("kind").and_then(Value::as_str) == Some(resource.kind.as_str())
}
