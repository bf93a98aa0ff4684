//! `kro operator`: watches `ResourceGraphDefinitions`, installs the CRD each one generates, and runs one
//! instance controller per generated kind that executes the engine's plans (docs/decisions/0009 and 0011).
//!
//! [`Operator::start`] runs it in-process on a kube [`Config`] (the end-to-end tests do this); the `kro
//! operator` command calls [`run`], which adds signal handling, logs and the HTTP endpoints.

#[cfg(test)]
mod checked_in;
mod client;
mod cluster_crds;
mod discovery;
mod errors;
pub mod graph_revision_types;
mod http;
mod instance;
mod leader;
pub mod metrics;
mod rgd;
pub mod rgd_types;
pub mod telemetry;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use cluster_crds::{CrdObject, SharedEngine};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kro_engine::Features;
use kube::api::{Patch, PatchParams};
use kube::runtime::reflector::{self, Store};
use kube::{Api, Client, Config, CustomResourceExt};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use leader::LeaderElection;
pub use metrics::Metrics;
pub use telemetry::LogFormat;

/// kro-rs's field manager for everything it applies (children, generated CRDs, the RGD CRD, instance metadata).
pub const FIELD_MANAGER: &str = "kro-rs";

/// How the operator runs (the flags of `kro operator`).
#[derive(Debug, Clone)]
pub struct Options {
    /// Only reconcile instances in this namespace (RGDs and CRDs are cluster-scoped and always watched).
    pub namespace: Option<String>,
    /// Instance reconciles running at once, per instance kind.
    pub concurrency: u16,
    /// Client rate limit: requests per second on average, and how many may go at once.
    pub client_qps: f32,
    pub client_burst: u32,
    pub features: Features,
    /// Delete the generated CRD (and so every instance) when its RGD is deleted.
    pub allow_crd_deletion: bool,
    /// Install or upgrade the ResourceGraphDefinition CRD at start.
    pub install_rgd_crd: bool,
    /// Requeue delay while something waits (kro's `--instance-requeue-interval`).
    pub requeue_after: Duration,
    pub metrics_bind_address: Option<SocketAddr>,
    pub health_probe_bind_address: Option<SocketAddr>,
    /// Run the controllers only while holding this Lease (`--leader-elect`); `None` runs them at once.
    pub leader_election: Option<LeaderElection>,
    /// Field managers allowed to own list items inside lists kro-rs declares on its children
    /// (`--shared-field-managers`): drift repair leaves their items alone (docs/decisions/0018).
    pub shared_field_managers: Vec<String>,
    /// GraphRevisions kept per RGD (kro's `--rgd-max-graph-revisions`); 0 keeps every one.
    pub max_graph_revisions: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            namespace: None,
            concurrency: 16,
            client_qps: 200.0,
            client_burst: 400,
            features: Features::default(),
            allow_crd_deletion: false,
            install_rgd_crd: true,
            requeue_after: Duration::from_secs(3),
            metrics_bind_address: None,
            health_probe_bind_address: None,
            leader_election: None,
            shared_field_managers: Vec::new(),
            max_graph_revisions: 5,
        }
    }
}

/// What every controller of one operator shares.
pub(crate) struct Shared {
    pub client: Client,
    /// The configuration `client` was built from, for the clients that impersonate an RGD's ServiceAccount.
    pub config: Config,
    /// Those clients, by the user they act as.
    impersonating: std::sync::Mutex<std::collections::HashMap<String, Client>>,
    pub options: Options,
    pub metrics: Arc<Metrics>,
    pub discovery: discovery::Discovery,
    /// The engine every RGD compiles with, its catalog kept current by the CRD watch.
    pub engine: SharedEngine,
    /// Every CRD of the cluster, compact, to check ownership of generated CRDs.
    pub crds: Store<CrdObject>,
    pub instance_controllers: instance::Registry,
    /// Flips to true once on shutdown; controllers drain and stop.
    pub shutdown: watch::Receiver<bool>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("options", &self.options).finish_non_exhaustive()
    }
}

impl Shared {
    /// The client for the resources of an instance of `rgd` in `namespace`: one acting as the RGD's
    /// ServiceAccount there when it names one (`spec.serviceAccountName`), else the operator's own.
    pub fn client_for(&self, rgd: &kro_engine::CompiledRgd, namespace: &str) -> anyhow::Result<Client> {
        let Some(user) = rgd.service_account(namespace) else { return Ok(self.client.clone()) };
        let mut clients = self.impersonating.lock().map_err(|_| anyhow::anyhow!("impersonating clients: poisoned"))?;
        if let Some(client) = clients.get(&user) {
            return Ok(client.clone());
        }
        let mut config = self.config.clone();
        // The API server adds the ServiceAccount's groups itself when a service account is impersonated.
        config.auth_info.impersonate = Some(user.clone());
        config.auth_info.impersonate_groups = None;
        let client = client::build(config, &self.metrics, self.options.client_qps, self.options.client_burst)?;
        clients.insert(user, client.clone());
        Ok(client)
    }

    /// A future that resolves at shutdown.
    pub fn on_shutdown(&self) -> impl Future<Output = ()> + Send + Sync + 'static {
        let mut rx = self.shutdown.clone();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    }
}

/// A running operator.
pub struct Operator {
    stop: watch::Sender<bool>,
    task: JoinHandle<anyhow::Result<()>>,
    shared: Arc<Shared>,
    metrics: Arc<Metrics>,
    health: Arc<http::Health>,
    /// Where the metrics and health endpoints listen, when asked for.
    pub metrics_address: Option<SocketAddr>,
    pub health_address: Option<SocketAddr>,
    servers: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operator").field("metrics_address", &self.metrics_address).finish_non_exhaustive()
    }
}

impl Operator {
    /// Starts the operator on `config`: installs the RGD CRD (unless told not to), then runs the RGD
    /// controller, which starts the instance controllers.
    pub async fn start(config: Config, options: Options) -> anyhow::Result<Operator> {
        let metrics = Arc::new(Metrics::new());
        let client = client::build(config.clone(), &metrics, options.client_qps, options.client_burst)?;
        let health = Arc::new(http::Health::default());
        let mut servers = Vec::new();
        let mut addresses = [None, None];
        for (i, addr) in [options.metrics_bind_address, options.health_probe_bind_address].into_iter().enumerate() {
            if let Some(addr) = addr {
                let (bound, task) = http::serve(addr, Arc::clone(&metrics), Arc::clone(&health)).await?;
                addresses[i] = Some(bound);
                servers.push(task);
            }
        }
        // Without leader election the RGD CRD is installed here, so `start` fails at once on a cluster that
        // refuses it; with it, only the leader installs it.
        let campaign = if let Some(election) = &options.leader_election {
            let mut election = election.clone();
            if election.namespace.is_empty() {
                election.namespace.clone_from(&config.default_namespace);
            }
            Some(leader::Campaign::new(&config, election).await?)
        } else {
            if options.install_rgd_crd {
                install_crds(&client).await?;
            }
            None
        };
        let (stop, shutdown) = watch::channel(false);
        let (crds, crd_writer) = reflector::store::<CrdObject>();
        let shared = Arc::new(Shared {
            client,
            config,
            impersonating: std::sync::Mutex::default(),
            engine: SharedEngine::new(options.features)?,
            options,
            metrics: Arc::clone(&metrics),
            discovery: discovery::Discovery::default(),
            crds,
            instance_controllers: instance::Registry::default(),
            shutdown,
        });
        let task = tokio::spawn(run_controllers(Arc::clone(&shared), crd_writer, Arc::clone(&health), campaign));
        Ok(Operator {
            stop,
            task,
            shared,
            metrics,
            health,
            metrics_address: addresses[0],
            health_address: addresses[1],
            servers,
        })
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Whether the controllers are running, or this replica waits for the leader Lease (what `/readyz`
    /// answers).
    pub fn is_ready(&self) -> bool {
        self.health.ready.load(Ordering::Relaxed)
    }

    /// Whether this replica runs the controllers now: always without leader election, while it holds the
    /// Lease with it.
    pub fn is_leader(&self) -> bool {
        self.health.leading.load(Ordering::Relaxed)
    }

    /// Whether the operator still runs: it stops on shutdown, and by itself when it loses the leader Lease.
    pub fn is_running(&self) -> bool {
        !self.task.is_finished()
    }

    /// Stops taking new work, waits for in-flight reconciles, and stops.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        for s in &self.servers {
            s.abort();
        }
        self.task.await?
    }

    /// Stops at once, wherever the reconciles are (as a killed process would).
    pub fn kill(self) {
        self.task.abort();
        self.shared.instance_controllers.abort_all();
        for s in &self.servers {
            s.abort();
        }
    }
}

/// Runs the RGD controller (which starts the instance controllers) until shutdown; with leader election, only
/// once this replica holds the Lease, and only as long as it does.
async fn run_controllers(
    shared: Arc<Shared>,
    crd_writer: reflector::store::Writer<CrdObject>,
    health: Arc<http::Health>,
    campaign: Option<leader::Campaign>,
) -> anyhow::Result<()> {
    let ready = Arc::clone(&health);
    let on_ready = move || ready.ready.store(true, Ordering::Relaxed);
    let Some(campaign) = campaign else {
        health.leading.store(true, Ordering::Relaxed);
        return rgd::run(Arc::clone(&shared), crd_writer, on_ready).await;
    };
    let lease = format!("{}/{}", campaign.election.namespace, campaign.election.lease_name);
    // A replica that waits is healthy and ready: a rollout must not stall on it.
    health.ready.store(true, Ordering::Relaxed);
    tracing::info!(%lease, identity = %campaign.election.identity, "waiting for the leader Lease");
    tokio::select! {
        () = campaign.acquire() => {}
        () = shared.on_shutdown() => return Ok(()),
    }
    // Whether this replica leads: Operator::is_leader and leader_election_master_status.
    let leading = |on: bool| {
        health.leading.store(on, Ordering::Relaxed);
        shared.metrics.leader(&campaign.election.lease_name, on);
    };
    leading(true);
    tracing::info!(%lease, identity = %campaign.election.identity, "leading: starting the controllers");
    let controllers = async {
        if shared.options.install_rgd_crd {
            install_crds(&shared.client).await?;
        }
        rgd::run(Arc::clone(&shared), crd_writer, || {}).await
    };
    tokio::select! {
        result = controllers => {
            campaign.release().await;
            leading(false);
            result
        }
        why = campaign.hold() => {
            // Dropping the RGD controller's future stopped it; the instance controllers run as tasks of their
            // own and stop here, in the middle of whatever they were doing, as a killed process would.
            shared.instance_controllers.abort_all();
            leading(false);
            health.ready.store(false, Ordering::Relaxed);
            tracing::error!(%lease, %why, "lost the leader Lease: stopped reconciling");
            Err(anyhow::anyhow!("lost the leader Lease {lease}: {why}"))
        }
    }
}

/// Installs or upgrades kro-rs's own CRDs by server-side apply: `resourcegraphdefinitions.kro.run` and kro's
/// `graphrevisions.internal.kro.run`.
pub async fn install_crds(client: &Client) -> anyhow::Result<()> {
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let rgd = serde_json::to_value(rgd_types::ResourceGraphDefinition::crd())?;
    let revision = graph_revision_types::crd();
    let mut names = Vec::new();
    for crd in [rgd, revision] {
        let name = crd.pointer("/metadata/name").and_then(serde_json::Value::as_str).unwrap_or_default().to_string();
        crds.patch(&name, &PatchParams::apply(FIELD_MANAGER).force(), &Patch::Apply(&crd)).await?;
        names.push(name);
    }
    // Both applied first, then awaited together: an API server with hundreds of large CRDs can take more than a
    // minute to establish a new one (measured with the 200 CRDs of `bench-operator --crds 200`).
    tracing::info!(crds = ?names, "waiting for kro-rs's CRDs to be Established");
    for name in &names {
        rgd::wait_established(client, name, Duration::from_secs(300)).await?;
    }
    Ok(())
}

/// How `kro operator` was asked to run.
#[derive(Debug, Clone)]
pub struct RunArgs {
    pub kubeconfig: Option<PathBuf>,
    pub log_format: LogFormat,
    pub options: Options,
}

/// `kro operator`: runs until SIGTERM or Ctrl-C, then drains in-flight reconciles and returns.
pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    telemetry::init(args.log_format);
    let config = client::config(args.kubeconfig.as_deref()).await?;
    let mut operator = Operator::start(config, args.options).await?;
    tracing::info!(
        metrics = ?operator.metrics_address,
        health = ?operator.health_address,
        "kro-rs operator started"
    );
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: draining in-flight reconciles"),
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted: draining in-flight reconciles"),
        // It stops by itself only when it lost the leader Lease: exit with that error, so the Pod restarts
        // as a replica that waits.
        ended = &mut operator.task => {
            for s in &operator.servers {
                s.abort();
            }
            return ended?;
        }
    }
    operator.shutdown().await?;
    tracing::info!("stopped");
    Ok(())
}
