//! The controller under measurement, as a process: a shell command run with `exec` (so its pid is the
//! controller's own), its output in a log file, its peak resident memory read from `/proc`, and a CPU profile
//! taken by `perf record` when asked.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};

#[derive(Debug)]
pub struct Controller {
    child: Child,
    pub log: PathBuf,
}

impl Controller {
    /// Runs `command` under `sh -c "exec ..."` with `KUBECONFIG` set.
    pub fn spawn(command: &str, kubeconfig: &Path, log: PathBuf) -> Result<Controller> {
        let out = File::create(&log).with_context(|| format!("create {}", log.display()))?;
        let child = Command::new("sh")
            .arg("-c")
            .arg(format!("exec {command}"))
            .env("KUBECONFIG", kubeconfig)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("run {command}"))?;
        Ok(Controller { child, log })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails when the controller has exited (with the end of its log).
    pub fn check_alive(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(20).collect();
            bail!(
                "the controller exited ({status}); the end of {}:\n{}",
                self.log.display(),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        Ok(())
    }

    /// The peak resident set size so far, in bytes (`VmHWM` of `/proc/<pid>/status`).
    pub fn peak_rss(&self) -> Option<u64> {
        self.status_bytes("VmHWM")
    }

    /// The resident memory now, in bytes: `(anonymous, file-backed)` (`RssAnon`, `RssFile`): what the
    /// program allocated, and the pages of its executable and libraries it has touched.
    pub fn rss_parts(&self) -> Option<(u64, u64)> {
        Some((self.status_bytes("RssAnon")?, self.status_bytes("RssFile")?))
    }

    /// A `kB` field of `/proc/<pid>/status`, in bytes.
    fn status_bytes(&self, field: &str) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let line = status.lines().find(|l| l.strip_prefix(field).is_some_and(|rest| rest.starts_with(':')))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    }

    /// SIGTERM, then SIGKILL after `grace`.
    pub fn stop(mut self, grace: Duration) {
        signal(self.pid(), "TERM");
        let deadline = std::time::Instant::now() + grace;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill").arg(format!("-{name}")).arg(pid.to_string()).status();
}

/// `perf record` attached to a process, stopped (and its data written) by [`Profile::finish`].
#[derive(Debug)]
pub struct Profile {
    child: Child,
}

impl Profile {
    pub fn start(pid: u32, output: &Path) -> Result<Profile> {
        let child = Command::new("perf")
            .args(["record", "-F", "499", "-g", "-p", &pid.to_string(), "-o"])
            .arg(output)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("run perf (apt-get install linux-perf)")?;
        Ok(Profile { child })
    }

    pub fn finish(mut self) {
        signal(self.child.id(), "INT");
        let _ = self.child.wait();
    }
}
