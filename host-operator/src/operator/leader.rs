//! Leader election (`--leader-elect`) on a `coordination.k8s.io/v1` Lease, through kube-lease-manager.
//!
//! One replica holds the Lease and runs the controllers; the others wait and take it over once it expires
//! (a killed leader) or is released (a leader that shut down). A leader that cannot renew steps down before
//! its Lease can expire, so two replicas never reconcile at once:
//! - the Lease is renewed `grace` before it expires (kube-lease-manager's schedule), and
//! - the client that renews it times out after half of `grace`, so a renewal that hangs fails while the Lease
//!   still holds, and a failed renewal is taken as a lost Lease (controller-runtime's renew deadline).
//!
//! Losing the Lease stops every controller at once (in-flight reconciles included); `kro operator` then exits
//! with an error, as controller-runtime's manager does, so the Pod restarts as a replica that waits.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use kube::{Client, Config};
use kube_lease_manager::{LeaseManager, LeaseManagerBuilder};

/// Where and how long the Lease is held.
#[derive(Debug, Clone)]
pub struct LeaderElection {
    /// The Lease's name (`--leader-election-id`).
    pub lease_name: String,
    /// The Lease's namespace (`--leader-election-namespace`).
    pub namespace: String,
    /// This replica's name in the Lease's `holderIdentity`.
    pub identity: String,
    /// How long the Lease holds without a renewal: the longest a dead leader delays the others.
    pub lease_duration: Duration,
}

impl LeaderElection {
    /// The Lease `lease_name` in `namespace`, held for `lease_duration`, with an identity of this host and
    /// process (the Pod's name in a cluster) plus a random part, so two replicas never share one.
    pub fn new(lease_name: &str, namespace: &str, lease_duration: Duration) -> Self {
        let host =
            std::env::var("POD_NAME").or_else(|_| std::env::var("HOSTNAME")).unwrap_or_else(|_| "kro-rs".to_string());
        let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
        LeaderElection {
            lease_name: lease_name.to_string(),
            namespace: namespace.to_string(),
            identity: format!("{host}_{random:016x}"),
            lease_duration,
        }
    }

    /// Whole seconds of the Lease (at least 2), and the renewal margin: a third of it, at least 1 s.
    fn seconds(&self) -> (u64, u64) {
        let duration = self.lease_duration.as_secs().max(2);
        (duration, (duration / 3).max(1))
    }
}

/// A Lease this replica campaigns for.
pub struct Campaign {
    manager: LeaseManager,
    pub election: LeaderElection,
}

impl std::fmt::Debug for Campaign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Campaign").field("election", &self.election).finish_non_exhaustive()
    }
}

impl Campaign {
    /// Gets the Lease ready (created when missing), with a client of its own whose requests time out before
    /// the Lease could expire.
    pub async fn new(config: &Config, election: LeaderElection) -> anyhow::Result<Campaign> {
        let (duration, grace) = election.seconds();
        let mut config = config.clone();
        let deadline = Duration::from_millis(grace * 500);
        config.connect_timeout = Some(deadline);
        config.read_timeout = Some(deadline);
        config.write_timeout = Some(deadline);
        let client = Client::try_from(config)?;
        let manager = LeaseManagerBuilder::new(client, election.lease_name.clone())
            .with_namespace(election.namespace.clone())
            .with_identity(election.identity.clone())
            .with_field_manager(format!("{}-leader-election", super::FIELD_MANAGER))
            .with_duration(duration)
            .with_grace(grace)
            .build()
            .await
            .map_err(|e| {
                anyhow::anyhow!("leader election: the Lease {}/{}: {e}", election.namespace, election.lease_name)
            })?;
        Ok(Campaign { manager, election })
    }

    /// Returns once this replica holds the Lease. Errors (the API server unreachable) are retried.
    pub async fn acquire(&self) {
        loop {
            match self.manager.changed().await {
                Ok(true) => return,
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(error = %e, lease = %self.election.lease_name, "leader election: retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Keeps the Lease renewed; returns why it was lost (another holder, or a renewal that failed).
    pub async fn hold(&self) -> String {
        loop {
            match self.manager.changed().await {
                Ok(true) => {}
                Ok(false) => return "another replica holds it".to_string(),
                Err(e) => return format!("it could not be renewed: {e}"),
            }
        }
    }

    /// Gives the Lease up, so a waiting replica takes over at once rather than when it expires.
    pub async fn release(&self) {
        if let Err(e) = self.manager.release().await {
            tracing::warn!(error = %e, "leader election: could not release the Lease; it expires instead");
        }
    }
}
