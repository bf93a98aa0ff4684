//! The drift and deletion soak: with every instance ACTIVE, delete or edit a fraction of the children at random,
//! round after round, for a while; then every instance must be ACTIVE again with its children as declared; then
//! every instance is deleted, and no child may be left nor any finalizer hang.

use std::time::Duration;

use anyhow::{Result, bail};
use futures::StreamExt;
use kube::Client;
use kube::api::{DeleteParams, Patch, PatchParams};
use serde_json::{Value, json};

use crate::cluster::{self, CHILD_KINDS, Instances};
use crate::rng::Rng;

/// How the soak disturbs the children.
#[derive(Debug, Clone, Copy)]
pub struct Churn {
    pub duration: Duration,
    pub round: Duration,
    /// The share of all children touched in each round.
    pub fraction: f64,
    pub seed: u64,
}

/// What the churn did.
#[derive(Debug, Default)]
pub struct ChurnDone {
    pub rounds: usize,
    pub deleted: usize,
    pub edited: usize,
}

/// Deletes or edits (one or the other at random) `fraction` of the `3 * instances` children each round.
pub async fn churn(client: &Client, namespace: &str, instances: usize, churn: Churn) -> Result<ChurnDone> {
    let mut rng = Rng::new(churn.seed);
    let mut done = ChurnDone::default();
    let started = tokio::time::Instant::now();
    let total = instances * CHILD_KINDS.len();
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a share of a few thousand children"
    )]
    let per_round = ((total as f64) * churn.fraction).round() as usize;
    while started.elapsed() < churn.duration {
        let round_started = tokio::time::Instant::now();
        let picks: Vec<(usize, bool)> =
            rng.sample(total, per_round).into_iter().map(|child| (child, rng.below(2) == 0)).collect();
        let results: Vec<Result<bool>> = futures::stream::iter(picks)
            .map(|(child, delete)| disturb(client, namespace, child, delete))
            .buffer_unordered(16)
            .collect()
            .await;
        for result in results {
            if result? {
                done.deleted += 1;
            } else {
                done.edited += 1;
            }
        }
        done.rounds += 1;
        // No wait after the last round: the convergence time counts from the last disturbance.
        if started.elapsed() + churn.round >= churn.duration {
            break;
        }
        tokio::time::sleep(churn.round.saturating_sub(round_started.elapsed())).await;
    }
    Ok(done)
}

/// Deletes or edits child number `child` (instance `child / 3`, kind `child % 3`); returns whether it deleted.
/// A child already gone (deleted in this round and not recreated yet) counts as deleted.
async fn disturb(client: &Client, namespace: &str, child: usize, delete: bool) -> Result<bool> {
    let (api_version, kind, suffix) = CHILD_KINDS[child % CHILD_KINDS.len()];
    let name = format!("app-{:05}{suffix}", child / CHILD_KINDS.len());
    let api = kro_e2e::api(client, api_version, kind, Some(namespace)).await?;
    let result = if delete {
        api.delete(&name, &DeleteParams::background()).await.map(|_| ())
    } else {
        let edit = match kind {
            "Deployment" => json!({"spec": {"replicas": 1}}),
            "Service" => json!({"spec": {"ports": [{"protocol": "TCP", "port": 80, "targetPort": 8080}]}}),
            _ => json!({"metadata": {"annotations": {"alb.ingress.kubernetes.io/scheme": "internal"}}}),
        };
        api.patch(
            &name,
            &PatchParams { field_manager: Some("bench-drift".into()), ..PatchParams::default() },
            &Patch::Merge(&edit),
        )
        .await
        .map(|_| ())
    };
    match result {
        Ok(()) => Ok(delete),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(true),
        Err(e) => Err(e.into()),
    }
}

/// Children missing or not as the RGD declares them (the fields the churn edits), as `kind/name: why`.
pub async fn drifted(client: &Client, namespace: &str, instances: usize) -> Result<Vec<String>> {
    let children = cluster::children(client, namespace).await?;
    let mut wrong = Vec::new();
    for i in 0..instances {
        for (_, kind, suffix) in CHILD_KINDS {
            let name = format!("app-{i:05}{suffix}");
            let Some(object) = children.get(kind).and_then(|c| c.get(&name)) else {
                wrong.push(format!("{kind}/{name}: missing"));
                continue;
            };
            let (field, want) = match kind {
                "Deployment" => ("/spec/replicas", json!(3)),
                "Service" => ("/spec/ports/0/targetPort", json!(80)),
                _ => ("/metadata/annotations/alb.ingress.kubernetes.io~1scheme", json!("internet-facing")),
            };
            let have = object.pointer(field).cloned().unwrap_or(Value::Null);
            if have != want {
                wrong.push(format!("{kind}/{name}: {field} is {have}, declared {want}"));
            }
        }
    }
    Ok(wrong)
}

/// After the churn: seconds until every instance is ACTIVE and every child as declared.
pub async fn reconverge(
    client: &Client,
    namespace: &str,
    instances: &Instances,
    count: usize,
    timeout: Duration,
) -> Result<f64> {
    let last = std::sync::Mutex::new(Vec::new());
    let waited = cluster::wait_for("the instances to converge after the churn", timeout, || {
        let (all, active) = instances.count("ACTIVE");
        let last = &last;
        async move {
            if all != count || active != count {
                return Ok(false);
            }
            let wrong = drifted(client, namespace, count).await?;
            let converged = wrong.is_empty();
            if let Ok(mut last) = last.lock() {
                *last = wrong;
            }
            Ok(converged)
        }
    })
    .await;
    match waited {
        Ok(seconds) => Ok(seconds),
        Err(e) => {
            let last = last.into_inner().unwrap_or_default();
            bail!("{e}; {} children still drifted, e.g. {:?}", last.len(), last.iter().take(5).collect::<Vec<_>>())
        }
    }
}

/// What the deletion left.
#[derive(Debug)]
pub struct Deleted {
    pub seconds: f64,
    pub leftover_children: usize,
    pub hung_finalizers: Vec<String>,
}

/// Deletes every instance and waits until they and their children are gone.
pub async fn delete_all(
    client: &Client,
    namespace: &str,
    instance_api: &kube::Api<kube::api::DynamicObject>,
    instances: &Instances,
    timeout: Duration,
) -> Result<Deleted> {
    let started = tokio::time::Instant::now();
    cluster::delete_instances(instance_api).await?;
    let waited = cluster::wait_for("every instance and child to be deleted", timeout, || async {
        if instances.count("").0 > 0 {
            return Ok(false);
        }
        Ok(cluster::children(client, namespace).await?.values().all(std::collections::HashMap::is_empty))
    })
    .await;
    let leftover_children =
        cluster::children(client, namespace).await?.values().map(std::collections::HashMap::len).sum();
    let deleted = Deleted {
        seconds: started.elapsed().as_secs_f64(),
        leftover_children,
        hung_finalizers: instances.with_finalizers(),
    };
    if let Err(e) = waited {
        bail!(
            "{e}: {} children left, {} instances hung on their finalizer",
            deleted.leftover_children,
            deleted.hung_finalizers.len()
        );
    }
    Ok(deleted)
}
