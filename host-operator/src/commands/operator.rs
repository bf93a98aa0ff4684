//! `kro operator`: reads the flags and runs the operator (the library's `operator` module) until SIGTERM.

use std::net::SocketAddr;
use std::time::Duration;

use super::Outcome;
use crate::args::OperatorArgs;
use crate::operator::{self, Options, RunArgs};
use crate::report::{Stream, out};

pub fn operator(args: OperatorArgs) -> Outcome {
    let fail = |message: String| {
        out(Stream::Stderr, &format!("error: {message}\n"));
        Outcome::UsageOrIo
    };
    let metrics = match bind_address(&args.metrics_bind_address) {
        Ok(a) => a,
        Err(e) => return fail(format!("--metrics-bind-address: {e}")),
    };
    let health = match bind_address(&args.health_probe_bind_address) {
        Ok(a) => a,
        Err(e) => return fail(format!("--health-probe-bind-address: {e}")),
    };
    let options = Options {
        namespace: args.namespace,
        concurrency: args.concurrency.max(1),
        client_qps: args.client_qps,
        client_burst: args.client_burst,
        features: args.feature_gates,
        allow_crd_deletion: args.allow_crd_deletion,
        shared_field_managers: args.shared_field_managers,
        max_graph_revisions: args.rgd_max_graph_revisions,
        install_rgd_crd: !args.skip_crd_install,
        requeue_after: Duration::from_secs(3),
        metrics_bind_address: metrics,
        health_probe_bind_address: health,
        // An empty namespace is the kubeconfig's (in a cluster: the Pod's own), filled in once it is read.
        leader_election: args.leader_elect.then(|| {
            operator::LeaderElection::new(
                &args.leader_election_id,
                args.leader_election_namespace.as_deref().unwrap_or_default(),
                Duration::from_secs(args.leader_election_lease_duration),
            )
        }),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the async runtime: {e}")),
    };
    let run = RunArgs { kubeconfig: args.kubeconfig, log_format: args.log_format, options };
    match runtime.block_on(operator::run(run)) {
        Ok(()) => Outcome::Success,
        Err(e) => fail(format!("{e:#}")),
    }
}

/// `:8078` (every interface), `127.0.0.1:8078`, or `0` (off), as controller-runtime's flags read.
fn bind_address(text: &str) -> Result<Option<SocketAddr>, String> {
    match text {
        "0" | "" => Ok(None),
        t if t.starts_with(':') => format!("0.0.0.0{t}").parse().map(Some).map_err(|e| format!("{t}: {e}")),
        t => t.parse().map(Some).map_err(|e| format!("{t}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::bind_address;

    #[test]
    fn bind_addresses_read_as_controller_runtime_reads_them() {
        assert_eq!(bind_address(":8078").unwrap(), Some("0.0.0.0:8078".parse().unwrap()));
        assert_eq!(bind_address("127.0.0.1:9000").unwrap(), Some("127.0.0.1:9000".parse().unwrap()));
        assert_eq!(bind_address("0").unwrap(), None);
        assert!(bind_address("nowhere").is_err());
    }
}
