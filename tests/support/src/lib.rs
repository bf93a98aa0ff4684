//! Test support for kro-rs' end-to-end tests: a real kube-apiserver (with
//! embedded etcd) on 127.0.0.1, started from the binary that `make apiserver`
//! builds out of `tests/apiserver`.
//!
//! One server is shared by all tests of a test binary ([`shared`]); it starts
//! on first use and stops when the test binary exits, however it exits: the
//! server watches its standard input, which only this process holds open, and
//! stops and removes its data when that closes (also after a panic or a
//! `SIGKILL` of the test binary).
//!
//! Binaries are found through `KRO_APISERVER_BIN` and `KRO_KUBECTL_BIN`, by
//! default `${KRO_CACHE_DIR:-$HOME/.cache/kro-rs}/apiserver/bin/{kro-apiserver,kubectl}`.
//! When they are missing, every test that asks for a server fails with a
//! message that says to run `make apiserver`; none is skipped.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let server = kro_test_support::shared();
//! let client = server.client().await?;
//! let ns = kro_test_support::create_namespace(&client, "my-test").await?;
//! let out = server.kubectl().args(["get", "namespace", &ns]).output()?;
//! # Ok(()) }
//! ```

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{ObjectMeta, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};

/// Environment variable naming the harness binary.
pub const APISERVER_BIN_ENV: &str = "KRO_APISERVER_BIN";
/// Environment variable naming the kubectl binary.
pub const KUBECTL_BIN_ENV: &str = "KRO_KUBECTL_BIN";
/// If set, the server's log (stderr) is appended to this file.
pub const APISERVER_LOG_ENV: &str = "KRO_APISERVER_LOG";
/// How long to wait for the `READY` line (a cold start on a busy 2-core machine
/// takes well under a minute; this bounds a hang, it does not time a test).
pub const START_TIMEOUT: Duration = Duration::from_secs(180);

const LOG_TAIL_LINES: usize = 80;
const BUILD_HINT: &str = "run `make apiserver` to build it";

/// What went wrong while finding or starting the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// `${KRO_CACHE_DIR:-$HOME/.cache/kro-rs}`, the folder `make apiserver` builds into.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KRO_CACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty()).unwrap_or_else(|| OsString::from("/root"));
    PathBuf::from(home).join(".cache").join("kro-rs")
}

/// Where `make apiserver` puts the binaries.
pub fn bin_dir() -> PathBuf {
    cache_dir().join("apiserver").join("bin")
}

/// Resolves a binary: the path in `env_var` if set, else `default`, and checks
/// that it exists. The error names the variable and `make apiserver`.
pub fn locate_binary(
    what: &str,
    env_var: &str,
    from_env: Option<OsString>,
    default: PathBuf,
) -> Result<PathBuf, Error> {
    let (path, source) = match from_env.filter(|p| !p.is_empty()) {
        Some(p) => (PathBuf::from(p), format!("from {env_var}")),
        None => (default, format!("the default; set {env_var} to use another")),
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(Error(format!(
            "{what} not found at {} ({source}): {BUILD_HINT} (it builds tests/apiserver with Go into {})",
            path.display(),
            bin_dir().display()
        )))
    }
}

/// The harness binary (`KRO_APISERVER_BIN`, default `<cache>/apiserver/bin/kro-apiserver`).
pub fn apiserver_bin() -> Result<PathBuf, Error> {
    locate_binary(
        "the API server harness (kro-apiserver)",
        APISERVER_BIN_ENV,
        std::env::var_os(APISERVER_BIN_ENV),
        bin_dir().join("kro-apiserver"),
    )
}

/// The kubectl built from the same Kubernetes release (`KRO_KUBECTL_BIN`,
/// default `<cache>/apiserver/bin/kubectl`).
pub fn kubectl_bin() -> Result<PathBuf, Error> {
    locate_binary("kubectl", KUBECTL_BIN_ENV, std::env::var_os(KUBECTL_BIN_ENV), bin_dir().join("kubectl"))
}

/// A running API server, started by this process.
pub struct ApiServer {
    kubeconfig: PathBuf,
    server_url: String,
    child: Mutex<Child>,
    /// Holding this open keeps the server alive; closing it stops the server.
    stdin: Mutex<Option<ChildStdin>>,
    log: Arc<Mutex<VecDeque<String>>>,
}

impl fmt::Debug for ApiServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiServer")
            .field("kubeconfig", &self.kubeconfig)
            .field("server_url", &self.server_url)
            .finish_non_exhaustive()
    }
}

static SHARED: OnceLock<Result<ApiServer, Error>> = OnceLock::new();

/// The server shared by every test of this test binary, started on first use.
///
/// # Panics
/// If the harness is not built (the message names `make apiserver`) or does
/// not start; every later call panics with the same message.
#[allow(clippy::panic, reason = "test support: a missing server must fail the test, loudly")]
pub fn shared() -> &'static ApiServer {
    match try_shared() {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

/// Like [`shared`], returning the start-up error instead of panicking.
pub fn try_shared() -> Result<&'static ApiServer, Error> {
    SHARED.get_or_init(|| ApiServer::start(&[])).as_ref().map_err(Clone::clone)
}

impl ApiServer {
    /// Starts a private server with a fresh data folder (and `extra_args`
    /// passed to the harness, e.g. `["--", "--feature-gates=..."]`). It stops
    /// when [`ApiServer::stop`] is called, when it is dropped, or when this
    /// process exits.
    pub fn start(extra_args: &[&str]) -> Result<Self, Error> {
        let bin = apiserver_bin()?;
        let started = Instant::now();
        let mut child = Command::new(&bin)
            .args(extra_args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error(format!("cannot run {}: {e} ({BUILD_HINT})", bin.display())))?;
        let (Some(stdin), Some(stdout), Some(stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            return Err(Error("the harness's standard streams were not captured".into()));
        };

        let log = Arc::new(Mutex::new(VecDeque::with_capacity(LOG_TAIL_LINES)));
        let tee =
            std::env::var_os(APISERVER_LOG_ENV).and_then(|p| File::options().create(true).append(true).open(p).ok());
        spawn_log_reader(stderr, Arc::clone(&log), tee);

        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            for line in lines.by_ref() {
                let Ok(line) = line else { break };
                if line.starts_with("READY ") {
                    let _ = tx.send(line);
                    break;
                }
            }
            // Keep draining so the server never blocks on a full pipe.
            for _ in lines {}
        });

        let tail = |log: &Arc<Mutex<VecDeque<String>>>| -> String {
            let lines = log.lock().map(|l| l.iter().cloned().collect::<Vec<_>>().join("\n")).unwrap_or_default();
            if lines.is_empty() { "(no output)".into() } else { lines }
        };

        let deadline = started + START_TIMEOUT;
        let ready = loop {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => break line,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Ok(Some(status)) = child.try_wait() {
                        // Let the log reader catch the last lines.
                        std::thread::sleep(Duration::from_millis(200));
                        return Err(Error(format!(
                            "{} exited ({status}) before it was ready; its last log lines:\n{}",
                            bin.display(),
                            tail(&log)
                        )));
                    }
                    if Instant::now() > deadline {
                        let _ = child.kill();
                        let _ = child.wait();
                        return Err(Error(format!(
                            "{} was not ready after {START_TIMEOUT:?}; its last log lines:\n{}",
                            bin.display(),
                            tail(&log)
                        )));
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let _ = child.kill();
                    let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                    std::thread::sleep(Duration::from_millis(200));
                    return Err(Error(format!(
                        "{} closed its output before it was ready ({status}); its last log lines:\n{}",
                        bin.display(),
                        tail(&log)
                    )));
                }
            }
        };
        let (kubeconfig, server_url) = parse_ready_line(&ready)
            .ok_or_else(|| Error(format!("unexpected READY line from {}: {ready:?}", bin.display())))?;
        eprintln!(
            "kro-test-support: API server {server_url} ready in {:.1}s (kubeconfig {})",
            started.elapsed().as_secs_f64(),
            kubeconfig.display()
        );
        Ok(Self { kubeconfig, server_url, child: Mutex::new(child), stdin: Mutex::new(Some(stdin)), log })
    }

    /// Path of the admin kubeconfig the server wrote.
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig
    }

    /// `https://127.0.0.1:<port>`.
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    /// The process id of the harness.
    pub fn pid(&self) -> Option<u32> {
        self.child.lock().ok().map(|c| c.id())
    }

    /// The last lines the server logged.
    pub fn log_tail(&self) -> Vec<String> {
        self.log.lock().map(|l| l.iter().cloned().collect()).unwrap_or_default()
    }

    /// The parsed kubeconfig.
    pub fn kubeconfig(&self) -> Result<Kubeconfig, kube::config::KubeconfigError> {
        Kubeconfig::read_from(&self.kubeconfig)
    }

    /// A `kube::Config` for the admin user (group `system:masters`).
    pub async fn config(&self) -> Result<Config, Error> {
        let kubeconfig = self.kubeconfig().map_err(|e| Error(format!("{}: {e}", self.kubeconfig.display())))?;
        Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
            .await
            .map_err(|e| Error(format!("{}: {e}", self.kubeconfig.display())))
    }

    /// A new client for the admin user. Make one per test: a client belongs
    /// to the tokio runtime it was made on, and each `#[tokio::test]` has its own.
    pub async fn client(&self) -> Result<Client, Error> {
        Client::try_from(self.config().await?).map_err(|e| Error(format!("kube client: {e}")))
    }

    /// `kubectl --kubeconfig <this server's kubeconfig>`, ready for more args.
    ///
    /// # Panics
    /// If kubectl is not built (the message names `make apiserver`).
    #[allow(clippy::panic, reason = "test support: a missing kubectl must fail the test, loudly")]
    pub fn kubectl(&self) -> Command {
        let bin = match kubectl_bin() {
            Ok(b) => b,
            Err(e) => panic!("{e}"),
        };
        let mut cmd = Command::new(bin);
        cmd.arg("--kubeconfig").arg(&self.kubeconfig);
        cmd.env_remove("KUBECONFIG");
        cmd
    }

    /// Runs `kubectl <args>` against this server with `stdin` (JSON or YAML) as its input, and waits for it.
    ///
    /// # Panics
    /// If kubectl is not built or cannot be run: test support fails the test loudly.
    #[allow(clippy::expect_used, reason = "test support: a kubectl that cannot run must fail the test, loudly")]
    pub fn kubectl_run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        use std::io::Write as _;
        let mut cmd = self.kubectl();
        cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped());
        cmd.stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("run kubectl");
        let mut input = child.stdin.take().expect("kubectl stdin");
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).expect("write to kubectl");
        }
        drop(input);
        child.wait_with_output().expect("wait for kubectl")
    }

    /// Stops the server: closes its standard input (it then shuts down and
    /// removes its data folder) and waits for it to exit.
    pub fn stop(&self) -> Result<std::process::ExitStatus, Error> {
        if let Ok(mut stdin) = self.stdin.lock() {
            drop(stdin.take());
        }
        let mut child = self.child.lock().map_err(|_| Error("poisoned".into()))?;
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            if let Some(status) = child.try_wait().map_err(|e| Error(e.to_string()))? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error("the server did not stop within 40s; killed it".into()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

fn spawn_log_reader(
    stderr: impl std::io::Read + Send + 'static,
    log: Arc<Mutex<VecDeque<String>>>,
    mut tee: Option<File>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(f) = tee.as_mut() {
                let _ = writeln!(f, "{line}");
            }
            if let Ok(mut l) = log.lock() {
                if l.len() == LOG_TAIL_LINES {
                    l.pop_front();
                }
                l.push_back(line);
            }
        }
    });
}

/// Parses `READY <kubeconfig path> <server URL>`. The path may contain spaces;
/// the URL is the last word.
pub fn parse_ready_line(line: &str) -> Option<(PathBuf, String)> {
    let rest = line.strip_prefix("READY ")?.trim_end();
    let (path, url) = rest.rsplit_once(' ')?;
    if path.is_empty() || !url.starts_with("https://") {
        return None;
    }
    Some((PathBuf::from(path), url.to_owned()))
}

/// A name no other test (in this or another concurrently running test binary)
/// uses: `<prefix>-<pid>-<counter>-<time>`, at most 63 characters, DNS-label safe.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let mut prefix: String =
        prefix.to_ascii_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let suffix = format!("-{}-{n}-{:x}", std::process::id(), t >> 8);
    prefix.truncate(63 - suffix.len());
    format!("{}{suffix}", prefix.trim_matches('-'))
}

/// Creates a namespace named [`unique_name`]`(prefix)` and returns its name.
/// (No namespace controller runs here, so deleting one leaves it
/// `Terminating`; tests just leave theirs.)
pub async fn create_namespace(client: &Client, prefix: &str) -> Result<String, kube::Error> {
    let name = unique_name(prefix);
    let ns = Namespace {
        metadata: ObjectMeta { name: Some(name.clone()), ..ObjectMeta::default() },
        ..Namespace::default()
    };
    Api::<Namespace>::all(client.clone()).create(&PostParams::default(), &ns).await?;
    Ok(name)
}

/// Waits until the CRD `name` has the condition `Established=True`.
pub async fn wait_crd_established(
    client: &Client,
    name: &str,
    timeout: Duration,
) -> Result<CustomResourceDefinition, String> {
    let api = Api::<CustomResourceDefinition>::all(client.clone());
    let cond = kube::runtime::wait::await_condition(api, name, kube::runtime::wait::conditions::is_crd_established());
    match tokio::time::timeout(timeout, cond).await {
        Ok(Ok(Some(crd))) => Ok(crd),
        Ok(Ok(None)) => Err(format!("CRD {name} was deleted while waiting for Established")),
        Ok(Err(e)) => Err(format!("waiting for CRD {name}: {e}")),
        Err(_) => Err(format!("CRD {name} not Established after {timeout:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_line() {
        assert_eq!(
            parse_ready_line("READY /tmp/a b/kubeconfig https://127.0.0.1:6443\n"),
            Some((PathBuf::from("/tmp/a b/kubeconfig"), "https://127.0.0.1:6443".to_owned()))
        );
        assert_eq!(parse_ready_line("READY https://127.0.0.1:1"), None);
        assert_eq!(parse_ready_line("NOT READY"), None);
    }

    #[test]
    fn missing_binary_names_make_apiserver() {
        let err = locate_binary("kubectl", KUBECTL_BIN_ENV, Some("/nonexistent/kubectl".into()), PathBuf::from("/x"))
            .expect_err("must fail");
        let msg = err.to_string();
        assert!(msg.contains("make apiserver"), "{msg}");
        assert!(msg.contains("/nonexistent/kubectl"), "{msg}");
        assert!(msg.contains(KUBECTL_BIN_ENV), "{msg}");
    }

    #[test]
    fn unique_names_are_dns_labels() {
        let a = unique_name("Smoke_Test");
        let b = unique_name("Smoke_Test");
        assert_ne!(a, b);
        assert!(a.starts_with("smoke-test-"), "{a}");
        let long = unique_name(&"x".repeat(100));
        assert!(long.len() <= 63, "{long}");
        assert!(long.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{long}");
    }
}
