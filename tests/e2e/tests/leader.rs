//! Leader election (`--leader-elect`): two operators against one API server, one Lease. Only the holder
//! reconciles; when it is killed the other takes over once the Lease expires and the instances keep
//! converging; a leader that loses the Lease stops reconciling at once. Its own binary: it starts and kills its
//! own operators, each test with a Lease of its own.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Result;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kro_e2e::{
    apply, client, eventually, get, make_deployment_available, renamed_rgd, start_operator_with, wait_leading,
    wait_rgd_active, wait_state,
};
use kro_operator::operator::{LeaderElection, Operator, Options};
use kube::api::{DeleteParams, Patch, PatchParams};
use kube::{Api, Client};
use serde_json::{Value, json};

/// Every operator reconciles every RGD: the tests of this binary run one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Short, so a takeover is quick: the leader renews every 2 s, a dead one is replaced after 3 s.
const LEASE: Duration = Duration::from_secs(3);

async fn replica(lease_ns: &str, lease: &str) -> Result<(Operator, String)> {
    let election = LeaderElection::new(lease, lease_ns, LEASE);
    let identity = election.identity.clone();
    let operator = start_operator_with(Options { leader_election: Some(election), ..Options::default() }).await?;
    Ok((operator, identity))
}

async fn holder(client: &Client, lease_ns: &str, lease: &str) -> Result<Option<String>> {
    let lease = get(client, "coordination.k8s.io/v1", "Lease", Some(lease_ns), lease).await?;
    Ok(lease.and_then(|l| l.pointer("/spec/holderIdentity").and_then(Value::as_str).map(str::to_string)))
}

fn reconciles(operator: &Operator) -> u64 {
    let totals = &operator.metrics().totals;
    totals.instance_reconciles.load(Ordering::Relaxed) + totals.rgd_reconciles.load(Ordering::Relaxed)
}

fn instance(name: &str, kind: &str) -> Value {
    json!({"apiVersion": "kro.run/v1alpha1", "kind": kind, "metadata": {"name": name},
        "spec": {"name": name, "ingress": {"enabled": true}}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_replicas_only_the_leader_reconciles_and_the_other_takes_over_when_it_is_killed() -> Result<()> {
    let _serial = ONE_AT_A_TIME.lock().await;
    let client = client().await?;
    let lease_ns = kro_test_support::create_namespace(&client, "kro").await?;
    let ns = kro_test_support::create_namespace(&client, "leader").await?;
    let lease = "kro-rs-takeover";

    let (first, first_id) = replica(&lease_ns, lease).await?;
    wait_leading(&first, "the first replica to lead").await?;
    let (second, second_id) = replica(&lease_ns, lease).await?;
    assert_eq!(holder(&client, &lease_ns, lease).await?.as_deref(), Some(first_id.as_str()));

    apply(&client, &renamed_rgd("examples/webapp/rgd.yaml", "leader-app", "LeaderApp"), None).await?;
    wait_rgd_active(&client, "leader-app").await?;
    apply(&client, &instance("one", "LeaderApp"), Some(&ns)).await?;
    eventually("the Deployment", || get(&client, "apps/v1", "Deployment", Some(&ns), "one")).await?;
    make_deployment_available(&client, &ns, "one").await?;
    wait_state(&client, "LeaderApp", &ns, "one", "ACTIVE").await?;
    // The waiting replica is ready (a rollout does not stall on it) and has done nothing.
    assert!(second.is_ready() && !second.is_leader());
    assert_eq!(reconciles(&second), 0, "the replica without the Lease reconciled");
    assert!(reconciles(&first) > 0);

    let killed = Instant::now();
    first.kill();
    wait_leading(&second, "the second replica to lead").await?;
    let takeover = killed.elapsed();
    println!("takeover after the leader was killed: {takeover:?} (Lease: {LEASE:?})");
    // A bound on liveness, not a speed figure: the Lease expires after LEASE, then the waiting replica takes
    // it within a second; the slack is for a loaded machine.
    assert!(takeover < LEASE * 3, "took {takeover:?} with a Lease of {LEASE:?}");
    assert_eq!(holder(&client, &lease_ns, lease).await?.as_deref(), Some(second_id.as_str()));

    // The instances keep converging under the new leader: drift is reverted, a new instance goes ACTIVE.
    let services = kro_e2e::api(&client, "v1", "Service", Some(&ns)).await?;
    services.delete("one-service", &DeleteParams::default()).await?;
    eventually("the deleted Service recreated", || get(&client, "v1", "Service", Some(&ns), "one-service")).await?;
    apply(&client, &instance("two", "LeaderApp"), Some(&ns)).await?;
    eventually("the second Deployment", || get(&client, "apps/v1", "Deployment", Some(&ns), "two")).await?;
    make_deployment_available(&client, &ns, "two").await?;
    wait_state(&client, "LeaderApp", &ns, "two", "ACTIVE").await?;
    wait_state(&client, "LeaderApp", &ns, "one", "ACTIVE").await?;

    // Shutting down gives the Lease up at once instead of letting it expire.
    second.shutdown().await?;
    assert_eq!(holder(&client, &lease_ns, lease).await?, None);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_that_loses_the_lease_stops_reconciling_at_once() -> Result<()> {
    let _serial = ONE_AT_A_TIME.lock().await;
    let client = client().await?;
    let lease_ns = kro_test_support::create_namespace(&client, "kro").await?;
    let ns = kro_test_support::create_namespace(&client, "lost").await?;
    let lease = "kro-rs-lost";

    let (leader, _) = replica(&lease_ns, lease).await?;
    wait_leading(&leader, "the replica to lead").await?;
    apply(&client, &renamed_rgd("examples/webapp/rgd.yaml", "lost-app", "LostApp"), None).await?;
    wait_rgd_active(&client, "lost-app").await?;
    apply(&client, &instance("one", "LostApp"), Some(&ns)).await?;
    eventually("the Service", || get(&client, "v1", "Service", Some(&ns), "one-service")).await?;

    // Another holder takes the Lease (as a replica would once the leader's renewals stop reaching the API
    // server): at its next renewal the leader sees it and stops everything.
    let leases: Api<Lease> = Api::namespaced(client.clone(), &lease_ns);
    let now = MicroTime(k8s_openapi::jiff::Timestamp::now());
    let steal = LeaseSpec {
        holder_identity: Some("another-replica".to_string()),
        lease_duration_seconds: Some(3600),
        acquire_time: Some(now.clone()),
        renew_time: Some(now),
        ..LeaseSpec::default()
    };
    leases.patch(lease, &PatchParams::default(), &Patch::Merge(&json!({"spec": steal}))).await?;
    eventually("the leader to stop", || async { Ok((!leader.is_running()).then_some(())) }).await?;
    assert!(!leader.is_leader());
    let metrics = leader.metrics().encode();
    assert!(
        metrics.contains(&format!("leader_election_master_status{{name=\"{lease}\"}} 0")),
        "leader_election_master_status not 0 in\n{metrics}"
    );

    // Nothing reconciles any more: the replica stopped every controller and watch before it reported itself
    // stopped, so its reconcile count is final and a deleted child stays deleted.
    let before = reconciles(&leader);
    let services = kro_e2e::api(&client, "v1", "Service", Some(&ns)).await?;
    services.delete("one-service", &DeleteParams::default()).await?;
    assert!(get(&client, "v1", "Service", Some(&ns), "one-service").await?.is_none(), "a stopped leader reconciled");
    assert_eq!(reconciles(&leader), before);
    assert_eq!(holder(&client, &lease_ns, lease).await?.as_deref(), Some("another-replica"));
    Ok(())
}
