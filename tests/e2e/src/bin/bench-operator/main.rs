//! `bench-operator` (`make bench-operator`): the load benchmark of kro-rs's operator, and the drift and
//! deletion soak. It starts a private API server (tests/support), runs the controller to measure as a
//! process (`--operator-cmd`; the built `kro operator` by default), applies examples/webapp, creates N
//! instances while it plays the Deployment controller, and prints: seconds until every instance is ACTIVE,
//! reconciles per second, API requests per instance (counted by the controller's `rest_client_requests_total`
//! and by the API server's `apiserver_request_total` less the driver's own), p50/p99 reconcile latency (from
//! the controller's histogram), and the controller's peak RSS. `--soak` then churns the children, checks that
//! everything returns as declared, deletes every instance and checks nothing is left.
//!
//! Figures, never assertions: a benchmark is not a test (DESIGN.md). It fails only when the controller does
//! not get there before `--timeout`.

mod cluster;
mod process;
mod prom;
mod requests;
mod rng;
mod soak;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::Parser;
use kube::Api;
use kube::api::DynamicObject;

use cluster::{INSTANCE_API_VERSION, INSTANCE_KIND, Instances};
use prom::Scrape;

/// The load benchmark and the drift and deletion soak of the kro-rs operator (figures, not assertions).
#[derive(Debug, Parser)]
#[command(name = "bench-operator")]
#[allow(clippy::struct_field_names, reason = "the flags' names: --operator-cmd, --operator-args")]
struct Args {
    /// Instances of examples/webapp to create (each has a Deployment, a Service and an Ingress); 0 measures only
    /// the controller with the RGD (and the CRDs of --crds).
    #[arg(long, default_value_t = 100)]
    instances: usize,
    /// Install this many generated CRDs before the controller starts (one group and kind each, a `spec` of 3
    /// levels of 12 object fields with descriptions, ~190 KB of JSON each): a cluster with large operators.
    /// Prints the controller's resident memory and its RGD reconcile times with them.
    #[arg(long, default_value_t = 0)]
    crds: usize,
    /// The `kro` binary the default command runs (`make bench-operator` passes the build of the `operator`
    /// profile, as deployed). Default: the `kro` binary next to this program.
    #[arg(long, value_name = "PATH")]
    kro: Option<PathBuf>,
    /// The controller to measure, a shell command. `{kubeconfig}` becomes the API server's admin kubeconfig
    /// (also in KUBECONFIG) and `{metrics}` a free 127.0.0.1 port for its Prometheus endpoint. Default: the
    /// `kro` binary of --kro, `kro operator --kubeconfig {kubeconfig} --metrics-bind-address
    /// {metrics} --health-probe-bind-address 0 --log-format json` plus --operator-args.
    #[arg(long, value_name = "COMMAND")]
    operator_cmd: Option<String>,
    /// Flags added to the default command (the operator's defaults are --concurrency 16 --client-qps 200
    /// --client-burst 400).
    #[arg(long, value_name = "FLAGS", default_value = "--concurrency 16 --client-qps 1000 --client-burst 1000")]
    operator_args: String,
    /// Where the controller serves its metrics (`host:port`); default the `{metrics}` address. `none`: do not
    /// read them (the controller's own figures are then not reported).
    #[arg(long, value_name = "ADDR")]
    operator_metrics: Option<String>,
    /// The RGD to apply; its instances must be examples/webapp's.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/webapp/rgd.yaml"))]
    rgd: PathBuf,
    /// Instances the driver creates at once.
    #[arg(long, default_value_t = 32)]
    create_concurrency: usize,
    /// Give up on a phase after this many seconds.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
    /// After the load: churn the children, check they come back as declared, delete every instance.
    #[arg(long)]
    soak: bool,
    /// How long the soak churns, in seconds.
    #[arg(long, default_value_t = 60)]
    soak_seconds: u64,
    /// Seconds between two churn rounds.
    #[arg(long, default_value_t = 10)]
    soak_round: u64,
    /// Share of the children each churn round deletes or edits.
    #[arg(long, default_value_t = 0.1)]
    churn: f64,
    /// Seed of the churn's random choices.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Record a CPU profile of the controller with `perf record` while the instances converge, into this file.
    #[arg(long, value_name = "FILE")]
    perf: Option<PathBuf>,
    /// Keep the controller's output in this file (default: a file in the temporary folder).
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bench-operator: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-operator: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// What the controller and the API server said at one moment.
struct Snapshot {
    controller: Option<Scrape>,
    apiserver: Scrape,
    driver_requests: BTreeMap<requests::Kind, u64>,
}

async fn snapshot(admin: &kube::Client, metrics: Option<&str>, driver: &requests::Counts) -> Result<Snapshot> {
    let driver_requests = driver.snapshot();
    let controller = match metrics {
        Some(address) => Some(cluster::controller_metrics(address).await?),
        None => None,
    };
    let apiserver = cluster::apiserver_metrics(admin).await?;
    Ok(Snapshot { controller, apiserver, driver_requests })
}

#[allow(clippy::too_many_lines, reason = "the benchmark's script, phase after phase, reads best in one place")]
async fn run(args: Args) -> Result<()> {
    // The harness's Service range (a /24) holds 254 Services; every instance has one.
    let server = tokio::task::spawn_blocking(|| {
        kro_test_support::ApiServer::start(&["--", "--service-cluster-ip-range=10.0.0.0/16"])
    })
    .await??;
    let kubeconfig = server.kubeconfig_path().to_path_buf();
    let metrics_address = free_address()?;
    let command = if let Some(c) = &args.operator_cmd {
        c.clone()
    } else {
        let kro = match &args.kro {
            Some(kro) => kro.clone(),
            None => std::env::current_exe()?.with_file_name("kro"),
        };
        format!(
            "{} operator --kubeconfig {{kubeconfig}} --metrics-bind-address {{metrics}} --health-probe-bind-address 0 --log-format json {}",
            kro.display(),
            args.operator_args
        )
    };
    let command =
        command.replace("{kubeconfig}", &kubeconfig.display().to_string()).replace("{metrics}", &metrics_address);
    let metrics = match args.operator_metrics.as_deref() {
        Some("none") => None,
        Some(a) => Some(a.to_string()),
        None if command.contains(&metrics_address) => Some(metrics_address.clone()),
        None => None,
    };
    let log = args
        .log
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("bench-operator-{}.log", std::process::id())));

    let driver_requests = Arc::new(requests::Counts::default());
    let config = server.config().await?;
    let admin = cluster::counting_client(config, Arc::clone(&driver_requests))?;
    let namespace = kro_test_support::create_namespace(&admin, "bench").await?;

    if args.crds > 0 {
        let crds = cluster::generated_crds(args.crds, 3, 12);
        let bytes: usize = crds.iter().map(|c| c.to_string().len()).sum();
        let started = tokio::time::Instant::now();
        cluster::install_crds(&admin, &crds).await?;
        #[allow(clippy::cast_precision_loss, reason = "a size in MB")]
        let megabytes = bytes as f64 / 1_048_576.0;
        println!(
            "{} generated CRDs installed ({megabytes:.1} MB of JSON) in {:.1} s",
            args.crds,
            started.elapsed().as_secs_f64()
        );
    }
    println!("controller: {command}");
    println!("controller log: {}", log.display());
    let mut controller = process::Controller::spawn(&command, &kubeconfig, log)?;
    let timeout = Duration::from_secs(args.timeout);

    // The RGD, Active.
    let rgd_text = std::fs::read_to_string(&args.rgd).with_context(|| format!("read {}", args.rgd.display()))?;
    let rgd = kro_e2e::documents(&rgd_text).into_iter().next().context("the RGD file holds no document")?;
    let rgd_name = rgd.pointer("/metadata/name").and_then(serde_json::Value::as_str).unwrap_or_default().to_string();
    cluster::wait_for("the RGD CRD to be installed by the controller", timeout, || {
        let alive = controller.check_alive();
        let (admin, rgd) = (&admin, &rgd);
        async move {
            alive?;
            Ok(kro_e2e::apply(admin, rgd, None).await.is_ok())
        }
    })
    .await?;
    cluster::wait_for("the RGD to be Active", timeout, || async {
        let rgd = kro_e2e::get(&admin, "kro.run/v1alpha1", "ResourceGraphDefinition", None, &rgd_name).await?;
        Ok(rgd.and_then(|r| r.pointer("/status/state").cloned()) == Some(serde_json::json!("Active")))
    })
    .await?;
    if args.crds > 0 || args.instances == 0 {
        report_rgd(&admin, &rgd_name, metrics.as_deref(), &controller).await?;
        if args.instances == 0 {
            tokio::task::spawn_blocking(move || controller.stop(Duration::from_secs(10))).await?;
            let _ = server.stop();
            return Ok(());
        }
    }
    let instance_api: Api<DynamicObject> =
        kro_e2e::api(&admin, INSTANCE_API_VERSION, INSTANCE_KIND, Some(&namespace)).await?;
    let resource = instance_resource(&admin).await?;
    let instances = Instances::watch(instance_api.clone(), resource).await;
    let (deployments, statuses) = cluster::simulate_deployment_controller(admin.clone(), &namespace);
    if let Some(address) = &metrics {
        cluster::wait_for("the controller's metrics endpoint", timeout, || async {
            Ok(cluster::controller_metrics(address).await.is_ok())
        })
        .await?;
    }

    // The load: N instances, until every one is ACTIVE.
    let n = args.instances;
    let profile = match &args.perf {
        Some(path) => Some(process::Profile::start(controller.pid(), path)?),
        None => None,
    };
    let before = snapshot(&admin, metrics.as_deref(), &driver_requests).await?;
    let started = tokio::time::Instant::now();
    cluster::create_instances(&instance_api, &namespace, n, args.create_concurrency).await?;
    let created = started.elapsed().as_secs_f64();
    let mut progress = tokio::time::Instant::now();
    cluster::wait_for(&format!("{n} instances ACTIVE"), timeout, || {
        let (all, active) = instances.count("ACTIVE");
        let alive = controller.check_alive();
        if progress.elapsed() > Duration::from_secs(10) {
            eprintln!("  {:>5.0} s: {active}/{all} ACTIVE", started.elapsed().as_secs_f64());
            progress = tokio::time::Instant::now();
        }
        async move {
            alive?;
            Ok(all == n && active == n)
        }
    })
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    let after = snapshot(&admin, metrics.as_deref(), &driver_requests).await?;
    if let Some(profile) = profile {
        profile.finish();
    }
    let peak = controller.peak_rss();
    let parts = controller.rss_parts();
    report_load(n, created, seconds, &before, &after, (peak, parts), statuses.load(Ordering::Relaxed));

    if args.soak {
        let churn = soak::Churn {
            duration: Duration::from_secs(args.soak_seconds),
            round: Duration::from_secs(args.soak_round.max(1)),
            fraction: args.churn,
            seed: args.seed,
        };
        println!();
        println!(
            "soak: {:.0}% of the {} children deleted or edited every {} s for {} s",
            args.churn * 100.0,
            n * cluster::CHILD_KINDS.len(),
            args.soak_round,
            args.soak_seconds
        );
        let done = soak::churn(&admin, &namespace, n, churn).await?;
        println!(
            "  churn                       {} rounds: {} deleted, {} edited",
            done.rounds, done.deleted, done.edited
        );
        controller.check_alive()?;
        let back = soak::reconverge(&admin, &namespace, &instances, n, timeout).await?;
        println!("  all ACTIVE and as declared  {back:.1} s after the last round");
        let deleted = soak::delete_all(&admin, &namespace, &instance_api, &instances, timeout).await?;
        println!(
            "  delete every instance       {:.1} s; {} children left, {} finalizers hung",
            deleted.seconds,
            deleted.leftover_children,
            deleted.hung_finalizers.len()
        );
        println!("  controller peak RSS         {}", megabytes(controller.peak_rss()));
    }
    deployments.abort();
    drop(instances);
    tokio::task::spawn_blocking(move || controller.stop(Duration::from_secs(10))).await?;
    let _ = server.stop();
    Ok(())
}

#[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
fn report_load(
    n: usize,
    created: f64,
    seconds: f64,
    before: &Snapshot,
    after: &Snapshot,
    (peak, parts): (Option<u64>, Option<(u64, u64)>),
    statuses: u64,
) {
    let per = |x: f64| x / n as f64;
    let driver: f64 =
        after.driver_requests.values().sum::<u64>() as f64 - before.driver_requests.values().sum::<u64>() as f64;
    let server =
        after.apiserver.sum("apiserver_request_total", &[]) - before.apiserver.sum("apiserver_request_total", &[]);
    println!();
    println!("{n} instances of examples/webapp (a Deployment, a Service and an Ingress each)");
    println!("  created by the driver in    {created:.1} s");
    println!("  all ACTIVE after            {seconds:.1} s");
    if let (Some(b), Some(a)) = (&before.controller, &after.controller) {
        let reconciles =
            a.sum("dynamic_controller_reconcile_total", &[]) - b.sum("dynamic_controller_reconcile_total", &[]);
        println!(
            "  reconciles                  {reconciles:.0} ({:.0}/s, {:.1} per instance)",
            reconciles / seconds,
            per(reconciles)
        );
        let by_method = a.by_label("rest_client_requests_total", "method");
        let before_by = b.by_label("rest_client_requests_total", "method");
        let client: f64 = by_method.values().sum::<f64>() - before_by.values().sum::<f64>();
        let split: Vec<String> = by_method
            .iter()
            .map(|(m, v)| format!("{m} {:.2}", per(v - before_by.get(m).copied().unwrap_or(0.0))))
            .collect();
        println!("  API requests per instance   {:.2} at the controller ({})", per(client), split.join(", "));
        let h = a
            .histogram("dynamic_controller_reconcile_duration_seconds")
            .since(&b.histogram("dynamic_controller_reconcile_duration_seconds"));
        let q = |q: f64| h.quantile(q).map_or_else(|| "-".to_string(), |s| format!("{:.1} ms", s * 1000.0));
        println!(
            "  reconcile latency           p50 {}, p99 {} (interpolated in the histogram's buckets)",
            q(0.5),
            q(0.99)
        );
    } else {
        println!("  (no controller metrics read: reconciles, client-side requests and latency not reported)");
    }
    println!(
        "  API requests per instance   {:.2} at the API server (apiserver_request_total {:.0} less the driver's {:.0}: creates, {statuses} Deployment statuses, reads)",
        per(server - driver),
        server,
        driver
    );
    report_by_kind(n, before, after);
    println!("  controller peak RSS         {}", megabytes(peak));
    if let Some((anonymous, file)) = parts {
        println!(
            "  controller RSS now          {} allocated (RssAnon) + {} of its executable and libraries (RssFile)",
            megabytes_of(anonymous),
            megabytes_of(file)
        );
    }
    // The figures depend on what else the machine runs: say how busy it was.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    println!(
        "  machine                     {cores} cores, load average {}",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
}

/// The controller with the RGD Active: its resident memory, and how long its RGD reconciles take (the RGD is
/// reconciled ten more times, by touching an annotation).
async fn report_rgd(
    admin: &kube::Client,
    rgd_name: &str,
    metrics: Option<&str>,
    controller: &process::Controller,
) -> Result<()> {
    let rgds: Api<DynamicObject> = kro_e2e::api(admin, "kro.run/v1alpha1", "ResourceGraphDefinition", None).await?;
    let before = match metrics {
        Some(address) => Some(cluster::controller_metrics(address).await?),
        None => None,
    };
    for i in 0..10 {
        let patch = serde_json::json!({"metadata": {"annotations": {"bench.kro.run/touch": i.to_string()}}});
        rgds.patch(rgd_name, &kube::api::PatchParams::default(), &kube::api::Patch::Merge(&patch)).await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!();
    println!("the RGD Active");
    if let (Some(address), Some(before)) = (metrics, before) {
        let after = cluster::controller_metrics(address).await?;
        let h = after
            .histogram("rgd_reconcile_duration_seconds")
            .since(&before.histogram("rgd_reconcile_duration_seconds"));
        let q = |q: f64| h.quantile(q).map_or_else(|| "-".to_string(), |s| format!("{:.1} ms", s * 1000.0));
        println!("  RGD reconcile               p50 {}, max {} (10 reconciles; histogram buckets)", q(0.5), q(1.0));
    }
    println!("  controller peak RSS         {}", megabytes(controller.peak_rss()));
    if let Some((anonymous, file)) = controller.rss_parts() {
        println!(
            "  controller RSS now          {} allocated (RssAnon) + {} of its executable and libraries (RssFile)",
            megabytes_of(anonymous),
            megabytes_of(file)
        );
    }
    Ok(())
}

/// The controller's requests per instance by kind, at the API server: each kind's count in
/// `apiserver_request_total` less the driver's own requests of that kind.
#[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
fn report_by_kind(n: usize, before: &Snapshot, after: &Snapshot) {
    let keys = ["verb", "resource", "subresource"];
    let server_before = before.apiserver.by_labels("apiserver_request_total", &keys);
    let server_after = after.apiserver.by_labels("apiserver_request_total", &keys);
    let mut rows: Vec<(f64, String)> = Vec::new();
    for (key, count) in &server_after {
        let kind = (key[0].clone(), key[1].clone(), key[2].clone());
        let driver = after.driver_requests.get(&kind).copied().unwrap_or(0) as f64
            - before.driver_requests.get(&kind).copied().unwrap_or(0) as f64;
        let controller = count - server_before.get(key).copied().unwrap_or(0.0) - driver;
        if controller >= 0.5 {
            let what = if kind.2.is_empty() {
                format!("{} {}", kind.0, kind.1)
            } else {
                format!("{} {}/{}", kind.0, kind.1, kind.2)
            };
            rows.push((controller, what));
        }
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    for (count, what) in rows {
        println!("    {:>8.3} per instance   {what} ({count:.0})", count / n as f64);
    }
}

fn megabytes(bytes: Option<u64>) -> String {
    bytes.map_or_else(|| "unknown (no /proc)".to_string(), |b| format!("{} (VmHWM)", megabytes_of(b)))
}

#[allow(clippy::cast_precision_loss, reason = "a memory size in MB")]
fn megabytes_of(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

/// A free loopback port for the controller's metrics.
fn free_address() -> Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.to_string())
}

async fn instance_resource(client: &kube::Client) -> Result<kube::api::ApiResource> {
    let (group, version) = INSTANCE_API_VERSION.split_once('/').unwrap_or(("", INSTANCE_API_VERSION));
    let gvk = kube::api::GroupVersionKind::gvk(group, version, INSTANCE_KIND);
    Ok(kube::discovery::pinned_kind(client, &gvk).await?.0)
}
