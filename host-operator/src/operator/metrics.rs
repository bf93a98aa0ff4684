//! Prometheus metrics, named after kro's where they mean the same (section 9 of its semantics): the dynamic
//! controller's reconciles, durations, errors and panics per instance kind, the watched kinds, instance state
//! transitions and counts by state, RGD builds and state transitions, and the client's requests.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

type Labels = Vec<(String, String)>;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect()
}

fn duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 14))
}

/// Every metric the operator exports, and plain totals the end-to-end tests read.
#[derive(Debug)]
pub struct Metrics {
    registry: Mutex<Registry>,
    reconcile_total: Family<Labels, Counter>,
    reconcile_duration: Family<Labels, Histogram, fn() -> Histogram>,
    handler_errors: Family<Labels, Counter>,
    reconcile_panics: Family<Labels, Counter>,
    requeue_total: Family<Labels, Counter>,
    gvr_count: Gauge,
    state_transitions: Family<Labels, Counter>,
    instances_by_state: Family<Labels, Gauge>,
    rgd_builds: Counter,
    rgd_reconcile_duration: Histogram,
    rgd_build_errors: Counter,
    rgd_state_transitions: Family<Labels, Counter>,
    revisions_issued: Family<Labels, Counter>,
    revisions_collected: Counter,
    revision_collection_errors: Counter,
    rest_requests: Family<Labels, Counter>,
    in_flight: Gauge,
    leader: Family<Labels, Gauge>,
    queue_length: Family<Labels, Gauge>,
    watch_relists: Family<Labels, Counter>,
    drift_repairs: Family<Labels, Counter>,
    /// Totals for tests and reports (the same numbers as the counters above, summed over labels).
    pub totals: Totals,
}

/// Plain totals: instance reconciles, and API requests by kind of verb.
#[derive(Debug, Default)]
pub struct Totals {
    pub instance_reconciles: AtomicU64,
    pub rgd_reconciles: AtomicU64,
    pub requests: AtomicU64,
    pub reads: AtomicU64,
    pub writes: AtomicU64,
    pub watches: AtomicU64,
    /// Lists a watch made after its first (it was broken, or its resource version expired).
    pub relists: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let m = Metrics {
            registry: Mutex::new(Registry::default()),
            reconcile_total: Family::default(),
            reconcile_duration: Family::new_with_constructor(duration_histogram),
            handler_errors: Family::default(),
            reconcile_panics: Family::default(),
            requeue_total: Family::default(),
            gvr_count: Gauge::default(),
            state_transitions: Family::default(),
            instances_by_state: Family::default(),
            rgd_builds: Counter::default(),
            rgd_reconcile_duration: duration_histogram(),
            rgd_build_errors: Counter::default(),
            rgd_state_transitions: Family::default(),
            revisions_issued: Family::default(),
            revisions_collected: Counter::default(),
            revision_collection_errors: Counter::default(),
            rest_requests: Family::default(),
            in_flight: Gauge::default(),
            leader: Family::default(),
            queue_length: Family::default(),
            watch_relists: Family::default(),
            drift_repairs: Family::default(),
            totals: Totals::default(),
        };
        if let Ok(mut r) = m.registry.lock() {
            r.register("dynamic_controller_reconcile", "Instance reconciles", m.reconcile_total.clone());
            r.register(
                "dynamic_controller_reconcile_duration_seconds",
                "Duration of instance reconciles",
                m.reconcile_duration.clone(),
            );
            r.register(
                "dynamic_controller_handler_errors",
                "Instance reconciles that failed",
                m.handler_errors.clone(),
            );
            r.register(
                "dynamic_controller_reconcile_panics",
                "Instance reconciles that panicked (recovered)",
                m.reconcile_panics.clone(),
            );
            r.register(
                "dynamic_controller_requeue",
                "Instance reconciles that asked to requeue",
                m.requeue_total.clone(),
            );
            r.register("dynamic_controller_gvr_count", "Instance kinds with a running controller", m.gvr_count.clone());
            r.register(
                "dynamic_controller_active_reconciles",
                "Instance reconciles running now (the queue's in-flight part)",
                m.in_flight.clone(),
            );
            r.register(
                "dynamic_controller_queue_length",
                "Instances with an event waiting for a reconcile, by kind",
                m.queue_length.clone(),
            );
            r.register("instance_state_transitions", "Instance state changes", m.state_transitions.clone());
            r.register(
                "watch_relists",
                "Watches that listed their kind again (after an error, or a 410 Gone), by kind",
                m.watch_relists.clone(),
            );
            r.register(
                "drift_repairs",
                "Children whose list items other field managers added were taken back, by kind",
                m.drift_repairs.clone(),
            );
            r.register(
                "instances_by_state",
                "Instances by kind and state, as last reconciled",
                m.instances_by_state.clone(),
            );
            r.register("rgd_graph_build", "RGD compilations", m.rgd_builds.clone());
            r.register(
                "rgd_reconcile_duration_seconds",
                "Duration of RGD reconciles (compile, CRD install, controller start, status)",
                m.rgd_reconcile_duration.clone(),
            );
            r.register("rgd_graph_build_errors", "RGD compilations that found errors", m.rgd_build_errors.clone());
            r.register("rgd_state_transitions", "RGD state changes", m.rgd_state_transitions.clone());
            r.register("rgd_graph_revision_issue", "GraphRevisions issued", m.revisions_issued.clone());
            r.register(
                "rgd_graph_revision_gc_deleted",
                "GraphRevisions garbage-collected",
                m.revisions_collected.clone(),
            );
            r.register(
                "rgd_graph_revision_gc_errors",
                "GraphRevisions garbage collection could not delete",
                m.revision_collection_errors.clone(),
            );
            r.register(
                "leader_election_master_status",
                "1 while this replica holds the leader Lease (controller-runtime's name)",
                m.leader.clone(),
            );
            r.register("rest_client_requests", "Requests to the API server, by method", m.rest_requests.clone());
        }
        m
    }

    /// The text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Ok(r) = self.registry.lock() {
            let _ = encode(&mut out, &r);
        }
        out
    }

    /// One instance reconcile, and the kind of its error (`errors::ReconcileError::label`) if it failed.
    pub fn reconciled(&self, gvr: &str, seconds: f64, error: Option<&str>, requeued: bool) {
        let l = labels(&[("gvr", gvr)]);
        self.reconcile_total.get_or_create(&l).inc();
        self.reconcile_duration.get_or_create(&l).observe(seconds);
        if let Some(error) = error {
            self.handler_errors.get_or_create(&labels(&[("gvr", gvr), ("error", error)])).inc();
        }
        if requeued {
            self.requeue_total.get_or_create(&l).inc();
        }
        self.totals.instance_reconciles.fetch_add(1, Ordering::Relaxed);
    }

    pub fn panicked(&self, gvr: &str) {
        self.reconcile_panics.get_or_create(&labels(&[("gvr", gvr)])).inc();
    }

    pub fn in_flight(&self, delta: i64) {
        self.in_flight.inc_by(delta);
    }

    pub fn controllers(&self, count: usize) {
        self.gvr_count.set(i64::try_from(count).unwrap_or(i64::MAX));
    }

    pub fn instance_state(&self, gvr: &str, from: Option<&str>, to: &str) {
        if from == Some(to) {
            return;
        }
        let from = from.unwrap_or("");
        self.state_transitions.get_or_create(&labels(&[("gvr", gvr), ("from", from), ("to", to)])).inc();
        if !from.is_empty() {
            self.instances_by_state.get_or_create(&labels(&[("gvr", gvr), ("state", from)])).dec();
        }
        self.instances_by_state.get_or_create(&labels(&[("gvr", gvr), ("state", to)])).inc();
    }

    /// An instance no longer counted by state (deleted, or its controller stopped).
    pub fn instance_gone(&self, gvr: &str, state: &str) {
        self.instances_by_state.get_or_create(&labels(&[("gvr", gvr), ("state", state)])).dec();
    }

    pub fn rgd_built(&self, failed: bool) {
        self.rgd_builds.inc();
        if failed {
            self.rgd_build_errors.inc();
        }
        self.totals.rgd_reconciles.fetch_add(1, Ordering::Relaxed);
    }

    /// One RGD reconcile took `seconds`.
    pub fn rgd_reconciled(&self, seconds: f64) {
        self.rgd_reconcile_duration.observe(seconds);
    }

    pub fn rgd_state(&self, from: Option<&str>, to: &str) {
        if from != Some(to) {
            self.rgd_state_transitions.get_or_create(&labels(&[("from", from.unwrap_or("")), ("to", to)])).inc();
        }
    }

    /// A GraphRevision was created, for `reason` (kro's label: `no_revision` or `spec_changed`).
    pub fn graph_revision_issued(&self, reason: &str) {
        self.revisions_issued.get_or_create(&labels(&[("reason", reason)])).inc();
    }

    /// Garbage collection deleted a GraphRevision (`true`), or could not.
    pub fn graph_revision_collected(&self, deleted: bool) {
        if deleted {
            self.revisions_collected.inc()
        } else {
            self.revision_collection_errors.inc()
        };
    }

    /// One request to the API server (counted by the client layer).
    pub fn queue_length(&self, gvr: &str, length: usize) {
        self.queue_length.get_or_create(&labels(&[("gvr", gvr)])).set(i64::try_from(length).unwrap_or(i64::MAX));
    }

    /// A watch of `kind` listed it again (not its first list).
    pub fn relisted(&self, kind: &str) {
        self.watch_relists.get_or_create(&labels(&[("kind", kind)])).inc();
        self.totals.relists.fetch_add(1, Ordering::Relaxed);
    }

    /// A child of `kind` had list items taken back from other field managers.
    pub fn drift_repaired(&self, kind: &str) {
        self.drift_repairs.get_or_create(&labels(&[("kind", kind)])).inc();
    }

    pub fn leader(&self, lease: &str, leading: bool) {
        self.leader.get_or_create(&labels(&[("name", lease)])).set(i64::from(leading));
    }

    pub fn request(&self, method: &str, watch: bool) {
        self.rest_requests.get_or_create(&labels(&[("method", method)])).inc();
        self.totals.requests.fetch_add(1, Ordering::Relaxed);
        let counter = match (method, watch) {
            (_, true) => &self.totals.watches,
            ("GET", false) => &self.totals.reads,
            _ => &self.totals.writes,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_exported_under_kros_names() {
        let m = Metrics::new();
        m.reconciled("kro.run/v1alpha1/applications", 0.01, None, true);
        m.reconciled("kro.run/v1alpha1/applications", 0.01, Some("conflict"), false);
        m.relisted("Deployment.apps");
        m.instance_state("kro.run/v1alpha1/applications", None, "ACTIVE");
        m.request("PATCH", false);
        m.queue_length("kro.run/v1alpha1/applications", 2);
        let text = m.encode();
        for name in [
            "dynamic_controller_reconcile_total{gvr=\"kro.run/v1alpha1/applications\"} 2",
            "dynamic_controller_reconcile_duration_seconds_count",
            "instances_by_state{gvr=\"kro.run/v1alpha1/applications\",state=\"ACTIVE\"} 1",
            "rest_client_requests_total{method=\"PATCH\"} 1",
            "dynamic_controller_queue_length{gvr=\"kro.run/v1alpha1/applications\"} 2",
            "dynamic_controller_handler_errors_total{gvr=\"kro.run/v1alpha1/applications\",error=\"conflict\"} 1",
            "watch_relists_total{kind=\"Deployment.apps\"} 1",
        ] {
            assert!(text.contains(name), "{name} missing from\n{text}");
        }
    }
}
