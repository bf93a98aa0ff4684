use serde_json::{Value, json};

use std::time::Duration;

use super::identity::Owner;
use super::*;
use crate::RevisionInUse;
use crate::catalog::Catalog;
use crate::compile::{InputLimits, compile};
use crate::expr::eval::Evaluator;
use crate::graph::CompiledRgd;

fn rgd(yaml: &str) -> CompiledRgd {
    let docs = compile(yaml, &std::sync::Arc::new(Catalog::builtin()), &InputLimits::default());
    let doc = docs.into_iter().next().unwrap();
    assert!(doc.diagnostics.iter().all(|d| !d.is_error()), "{:#?}", doc.diagnostics);
    doc.rgd.unwrap()
}

fn run(rgd: &CompiledRgd, instance: &Value, observed: &[Value]) -> Plan {
    run_with(rgd, instance, observed, &PlanOptions { kro_version: "test".to_string(), ..PlanOptions::default() })
}

fn run_with(rgd: &CompiledRgd, instance: &Value, observed: &[Value], options: &PlanOptions) -> Plan {
    let evaluator = Evaluator::new(crate::expr::eval::EvalLimits::default()).unwrap();
    let catalog = Catalog::builtin();
    plan(&PlanInput { rgd, catalog: &catalog, evaluator: &evaluator, instance, observed, options })
}

const WEBAPP: &str = r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: webapp}
spec:
  schema:
    apiVersion: v1alpha1
    kind: WebApp
    spec:
      name: string
      ingress:
        enabled: boolean | default=false
    status:
      availableReplicas: ${deployment.status.availableReplicas}
      endpoint: ${service.spec.clusterIP}
  resources:
    - id: deployment
      readyWhen:
        - ${deployment.status.availableReplicas == 1}
      template:
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: "${schema.spec.name}"}
        spec:
          selector: {matchLabels: {app: "${schema.spec.name}"}}
          template:
            metadata: {labels: {app: "${schema.spec.name}"}}
            spec: {containers: [{name: app, image: nginx}]}
    - id: service
      template:
        apiVersion: v1
        kind: Service
        metadata: {name: "${schema.spec.name}-svc"}
        spec:
          selector: ${deployment.spec.selector.matchLabels}
          ports: [{port: 80}]
    - id: ingress
      includeWhen:
        - ${schema.spec.ingress.enabled}
      template:
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: "${schema.spec.name}"}
        spec:
          defaultBackend:
            service: {name: "${service.metadata.name}", port: {number: 80}}
"#;

fn instance(ingress: bool) -> Value {
    json!({
        "apiVersion": "kro.run/v1alpha1", "kind": "WebApp",
        "metadata": {"name": "demo", "namespace": "team", "uid": "uid-1", "generation": 2},
        "spec": {"name": "app", "ingress": {"enabled": ingress}}
    })
}

/// What the cluster would hold after applying `object`, with `status`.
fn observed(plan: &Plan, id: &str, status: Value) -> Value {
    let mut object = plan.resources.iter().find(|a| a.id == id).unwrap().object.clone();
    object["status"] = status;
    object
}

/// The WEBAPP Deployment (ready) and Service as the cluster has them after the first two passes.
fn deployment_and_service(rgd: &CompiledRgd) -> (Value, Value) {
    let first = run(rgd, &instance(true), &[]);
    let deployment = observed(&first, "deployment", json!({"availableReplicas": 1}));
    let second = run(rgd, &instance(true), std::slice::from_ref(&deployment));
    let service = observed(&second, "service", json!({}));
    (deployment, service)
}

fn pending<'p>(plan: &'p Plan, id: &str) -> &'p Reason {
    &plan.pending.iter().find(|p| p.id == id).unwrap_or_else(|| panic!("{id} not pending: {plan:#?}")).reason
}

#[test]
fn the_first_pass_renders_only_what_depends_on_nothing() {
    let rgd = rgd(WEBAPP);
    let plan = run(&rgd, &instance(true), &[]);
    assert_eq!(plan.resources.len(), 1);
    let deployment = &plan.resources[0];
    assert_eq!((deployment.id.as_str(), deployment.wave), ("deployment", 1));
    assert_eq!(deployment.object["metadata"]["name"], "app");
    // The namespace defaults to the instance's.
    assert_eq!(deployment.object["metadata"]["namespace"], "team");
    assert_eq!(pending(&plan, "deployment").code, ReasonCode::AwaitingObservation);
    assert_eq!(pending(&plan, "service").code, ReasonCode::DependencyNotReady);
    assert_eq!(pending(&plan, "service").message, "waiting for deployment to be ready");
    assert_eq!(plan.state, InstanceState::InProgress);
    assert_eq!(plan.requeue_after, Some(Duration::from_secs(3)));
    // Nothing is pruned while anything waits.
    assert!(plan.prune.is_empty());
}

#[test]
fn children_carry_kros_labels_and_apply_order() {
    let rgd = rgd(WEBAPP);
    let plan = run(&rgd, &instance(true), &[]);
    let metadata = &plan.resources[0].object["metadata"];
    let labels = metadata["labels"].as_object().unwrap();
    for (k, v) in [
        ("kro.run/owned", "true"),
        ("kro.run/kro-version", "test"),
        ("kro.run/instance-id", "uid-1"),
        ("kro.run/instance-name", "demo"),
        ("kro.run/instance-namespace", "team"),
        ("kro.run/instance-group", "kro.run"),
        ("kro.run/instance-version", "v1alpha1"),
        ("kro.run/instance-kind", "WebApp"),
        ("app.kubernetes.io/managed-by", "kro"),
        ("kro.run/node-id", "deployment"),
    ] {
        assert_eq!(labels[k], v, "{k}");
    }
    let applyset = Owner::applyset_id("demo", "team", "WebApp", "kro.run");
    assert_eq!(labels["applyset.kubernetes.io/part-of"], applyset.as_str());
    assert!(applyset.starts_with("applyset-") && applyset.ends_with("-v1"));
    assert_eq!(metadata["annotations"]["internal.kro.run/apply-order"], "1");
    // The instance gets the finalizer, the ApplySet id and every kind the set may contain (from the first pass,
    // so the instance's metadata is written once), with kro's hash of the inventory.
    assert_eq!(plan.instance.finalizers, ["kro.run/finalizer"]);
    assert_eq!(plan.instance.labels["applyset.kubernetes.io/id"], applyset);
    let kinds = "Deployment.apps,Ingress.networking.k8s.io,Service";
    assert_eq!(plan.instance.annotations["applyset.kubernetes.io/contains-group-kinds"], kinds);
    assert_eq!(
        plan.instance.annotations["internal.kro.run/applyset-inventory-hash"],
        identity::inventory_hash(&applyset, kinds, ""),
    );
}

#[test]
fn readiness_waits_for_ready_when_then_dependents_render() {
    let rgd = rgd(WEBAPP);
    let first = run(&rgd, &instance(true), &[]);
    let deployment = observed(&first, "deployment", json!({"availableReplicas": 0}));
    let second = run(&rgd, &instance(true), std::slice::from_ref(&deployment));
    assert_eq!(pending(&second, "deployment").code, ReasonCode::ReadyWhenFalse);
    assert_eq!(second.resources.len(), 1);
    // Missing status is data pending, not an error.
    let mut no_status = deployment.clone();
    no_status.as_object_mut().unwrap().remove("status");
    let plan = run(&rgd, &instance(true), &[no_status]);
    assert_eq!(pending(&plan, "deployment").code, ReasonCode::DataPending);
    // Ready: the service renders from the observed deployment.
    let ready = observed(&first, "deployment", json!({"availableReplicas": 1}));
    let third = run(&rgd, &instance(true), std::slice::from_ref(&ready));
    let service = third.resources.iter().find(|a| a.id == "service").unwrap();
    assert_eq!(service.object["spec"]["selector"], json!({"app": "app"}));
    assert_eq!(service.wave, 2);
    assert_eq!(third.status["availableReplicas"], 1);
    // The endpoint reads the service, which is not observed yet: left out, not null.
    assert!(third.status.get("endpoint").is_none());
}

#[test]
fn all_ready_makes_the_instance_active_with_kros_conditions() {
    let rgd = rgd(WEBAPP);
    let (deployment, mut service) = deployment_and_service(&rgd);
    service["spec"]["clusterIP"] = json!("10.0.0.1");
    let third = run(&rgd, &instance(true), &[deployment.clone(), service.clone()]);
    let ingress = observed(&third, "ingress", json!({}));
    let done = run(&rgd, &instance(true), &[deployment, service, ingress]);
    assert_eq!(done.state, InstanceState::Active);
    assert!(done.pending.is_empty());
    assert_eq!(done.requeue_after, None);
    assert_eq!(done.status["state"], "ACTIVE");
    assert_eq!(done.status["endpoint"], "10.0.0.1");
    let conditions = done.status["conditions"].as_array().unwrap();
    let types: Vec<&str> = conditions.iter().map(|c| c["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["InstanceManaged", "GraphResolved", "ResourcesReady", "Ready", "InstanceSynced"]);
    let synced = &conditions[4];
    assert_eq!(synced["status"], "True");
    assert_eq!(synced["reason"], "ReconciliationSucceeded");
    assert_eq!(synced["message"], "Instance reconciled successfully");
    assert_eq!(synced["observedGeneration"], 2);
    assert_eq!(synced["lastTransitionTime"], DEFAULT_NOW);
    // Apply order: waves ascending.
    let waves: Vec<usize> = done.resources.iter().map(|a| a.wave).collect();
    assert_eq!(waves, [1, 2, 3]);
}

#[test]
fn include_when_false_excludes_the_resource_and_prunes_it() {
    let rgd = rgd(WEBAPP);
    let (deployment, service) = deployment_and_service(&rgd);
    let third = run(&rgd, &instance(true), &[deployment.clone(), service.clone()]);
    let ingress = observed(&third, "ingress", json!({}));
    // Turned off: excluded, and the existing Ingress is pruned.
    let plan = run(&rgd, &instance(false), &[deployment, service, ingress]);
    assert_eq!(plan.excluded, ["ingress"]);
    assert_eq!(plan.state, InstanceState::Active);
    assert_eq!(plan.prune.len(), 1);
    assert_eq!(plan.prune[0].kind, "Ingress");
}

#[test]
fn a_schema_only_include_when_excludes_at_once_and_prunes_once_every_object_renders() {
    let rgd = rgd(WEBAPP);
    let (deployment, service) = deployment_and_service(&rgd);
    let third = run(&rgd, &instance(true), &[deployment.clone(), service]);
    let ingress = observed(&third, "ingress", json!({}));
    // Turned off while nothing else is observed: excluded on the first pass, not waiting for the service...
    let first = run(&rgd, &instance(false), std::slice::from_ref(&ingress));
    assert_eq!(first.excluded, ["ingress"]);
    assert_eq!(pending(&first, "service").code, ReasonCode::DependencyNotReady);
    // ...but not pruned while the service cannot be rendered yet (kro: no prune with ErrDataPending).
    assert!(first.prune.is_empty());
    // Once the deployment is ready the service renders (and waits to be observed): the Ingress is pruned.
    let second = run(&rgd, &instance(false), &[deployment, ingress]);
    assert_eq!(pending(&second, "service").code, ReasonCode::AwaitingObservation);
    assert_eq!(second.prune.iter().map(|k| k.kind.as_str()).collect::<Vec<_>>(), ["Ingress"]);
}

#[test]
fn a_resource_reading_an_excluded_one_is_excluded_too() {
    let rgd = rgd(r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: chain}
spec:
  schema:
    apiVersion: v1alpha1
    kind: Chain
    spec:
      enabled: boolean | default=false
  resources:
    - id: a
      includeWhen: ["${schema.spec.enabled}"]
      template: {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
    - id: b
      template: {apiVersion: v1, kind: ConfigMap, metadata: {name: "${a.metadata.name}-b"}}
"#);
    let instance = json!({"apiVersion": "kro.run/v1alpha1", "kind": "Chain", "metadata": {"name": "c", "namespace": "d"}, "spec": {"enabled": null}});
    let plan = run(&rgd, &instance, &[]);
    // A null includeWhen is false.
    assert_eq!(plan.excluded, ["a", "b"]);
    assert_eq!(plan.state, InstanceState::Active);
}

#[test]
fn collections_expand_the_cartesian_product_in_order() {
    let rgd = rgd(r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: fleet}
spec:
  schema:
    apiVersion: v1alpha1
    kind: Fleet
    spec:
      regions: "[]string"
      tiers: "[]string"
  resources:
    - id: configs
      forEach:
        - region: ${schema.spec.regions}
        - tier: ${schema.spec.tiers}
      readyWhen:
        - ${each.data.ready == "yes"}
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: "${region}-${tier}"}
        data: {ready: "no"}
"#);
    let mut instance = json!({"apiVersion": "kro.run/v1alpha1", "kind": "Fleet", "metadata": {"name": "f", "namespace": "n"},
        "spec": {"regions": ["eu", "us"], "tiers": ["web", "db", "cache"]}});
    let plan = run(&rgd, &instance, &[]);
    let names: Vec<&str> = plan.resources.iter().map(|a| a.object["metadata"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["eu-web", "eu-db", "eu-cache", "us-web", "us-db", "us-cache"]);
    assert_eq!(plan.resources[4].object["metadata"]["labels"]["kro.run/collection-index"], "4");
    assert_eq!(plan.resources[4].object["metadata"]["labels"]["kro.run/collection-size"], "6");
    assert_eq!(pending(&plan, "configs").code, ReasonCode::AwaitingObservation);
    // Observed but readyWhen false on each item.
    let observed: Vec<Value> = plan.resources.iter().map(|a| a.object.clone()).collect();
    let second = run(&rgd, &instance, &observed);
    assert_eq!(pending(&second, "configs").code, ReasonCode::ReadyWhenFalse);
    let ready: Vec<Value> = observed
        .iter()
        .map(|o| {
            let mut o = o.clone();
            o["data"]["ready"] = json!("yes");
            o
        })
        .collect();
    assert_eq!(run(&rgd, &instance, &ready).state, InstanceState::Active);
    // An empty dimension makes an empty collection, which is ready; the old items are pruned.
    instance["spec"]["tiers"] = json!([]);
    let empty = run(&rgd, &instance, &ready);
    assert!(empty.resources.is_empty());
    assert_eq!(empty.state, InstanceState::Active);
    assert_eq!(empty.prune.len(), 6);
}

#[test]
fn collection_identity_collisions_and_size_limits_are_errors() {
    let rgd = rgd(r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: dup}
spec:
  schema:
    apiVersion: v1alpha1
    kind: Dup
    spec:
      names: "[]string"
  resources:
    - id: cms
      forEach:
        - cmName: ${schema.spec.names}
      template: {apiVersion: v1, kind: ConfigMap, metadata: {name: "${cmName}"}}
"#);
    let instance = json!({"apiVersion": "kro.run/v1alpha1", "kind": "Dup", "metadata": {"name": "d", "namespace": "n"},
        "spec": {"names": ["a", "a"]}});
    let plan = run(&rgd, &instance, &[]);
    assert_eq!(pending(&plan, "cms").code, ReasonCode::Error);
    assert_eq!(pending(&plan, "cms").message, "identity collision: duplicate identity: v1/ConfigMap n/a");
    assert_eq!(plan.state, InstanceState::Error);
    let many: Vec<String> = (0..1001).map(|i| format!("n{i}")).collect();
    let instance = json!({"apiVersion": "kro.run/v1alpha1", "kind": "Dup", "metadata": {"name": "d", "namespace": "n"},
        "spec": {"names": many}});
    let plan = run(&rgd, &instance, &[]);
    assert!(pending(&plan, "cms").message.contains("more than 1000 items"));
}

#[test]
fn external_references_are_read_never_applied() {
    let rgd = rgd(r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: ext}
spec:
  schema:
    apiVersion: v1alpha1
    kind: Ext
    spec: {}
  resources:
    - id: settings
      externalRef:
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: shared}
    - id: app
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: app}
        data: {color: "${settings.data.color}"}
"#);
    let instance = json!({"apiVersion": "kro.run/v1alpha1", "kind": "Ext", "metadata": {"name": "e", "namespace": "n"}, "spec": {}});
    let plan = run(&rgd, &instance, &[]);
    assert_eq!(pending(&plan, "settings").code, ReasonCode::ExternalNotFound);
    assert!(plan.resources.is_empty());
    let shared = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shared", "namespace": "n"}, "data": {"color": "red"}});
    let plan = run(&rgd, &instance, std::slice::from_ref(&shared));
    assert_eq!(plan.resources.len(), 1);
    assert_eq!(plan.resources[0].object["data"]["color"], "red");
    // Deletion never touches it (it carries none of kro's labels), and removes the app's ConfigMap.
    let mut deleting = instance.clone();
    deleting["metadata"]["deletionTimestamp"] = json!("2025-01-01T00:00:00Z");
    let app = plan.resources[0].object.clone();
    let deletion = run(&rgd, &deleting, &[shared, app]);
    assert_eq!(deletion.state, InstanceState::Deleting);
    assert_eq!(deletion.delete.len(), 1);
    assert_eq!(deletion.delete[0].name, "app");
}

#[test]
fn deletion_goes_wave_by_wave_from_the_highest_then_drops_the_finalizer() {
    let rgd = rgd(WEBAPP);
    let (deployment, service) = deployment_and_service(&rgd);
    let mut deleting = instance(true);
    deleting["metadata"]["deletionTimestamp"] = json!("2025-01-01T00:00:00Z");
    let plan = run(&rgd, &deleting, &[deployment.clone(), service]);
    assert_eq!(plan.delete.iter().map(|k| k.kind.as_str()).collect::<Vec<_>>(), ["Service"]);
    assert_eq!(plan.instance.finalizers, ["kro.run/finalizer"]);
    assert_eq!(plan.status["state"], "DELETING");
    let plan = run(&rgd, &deleting, &[deployment]);
    assert_eq!(plan.delete.iter().map(|k| k.kind.as_str()).collect::<Vec<_>>(), ["Deployment"]);
    let plan = run(&rgd, &deleting, &[]);
    assert!(plan.delete.is_empty());
    assert!(plan.instance.finalizers.is_empty());
    assert_eq!(plan.requeue_after, None);
}

#[test]
fn a_suspended_instance_applies_nothing() {
    let rgd = rgd(WEBAPP);
    let mut suspended = instance(true);
    suspended["metadata"]["annotations"] = json!({"kro.run/reconcile": "suspended"});
    let plan = run(&rgd, &suspended, &[]);
    assert!(plan.resources.is_empty());
    assert!(plan.pending.iter().all(|p| p.reason.code == ReasonCode::Suspended));
    let ready = plan.status["conditions"].as_array().unwrap().iter().find(|c| c["type"] == "ResourcesReady").unwrap();
    assert_eq!(ready["reason"], "ReconciliationSuspended");
}

#[test]
fn condition_times_are_kept_while_the_status_is_unchanged() {
    let rgd = rgd(WEBAPP);
    let mut with_status = instance(true);
    with_status["status"] = json!({"conditions": [
        {"type": "InstanceManaged", "status": "True", "lastTransitionTime": "2020-01-01T00:00:00Z"},
        {"type": "ResourcesReady", "status": "True", "lastTransitionTime": "2020-01-01T00:00:00Z"}
    ]});
    let plan = run(&rgd, &with_status, &[]);
    let find = |t: &str| plan.status["conditions"].as_array().unwrap().iter().find(|c| c["type"] == t).unwrap().clone();
    assert_eq!(find("InstanceManaged")["lastTransitionTime"], "2020-01-01T00:00:00Z");
    // ResourcesReady flipped to False: a new transition time.
    assert_eq!(find("ResourcesReady")["lastTransitionTime"], DEFAULT_NOW);
}

#[test]
fn simulation_reaches_active_and_reports_stuck_graphs() {
    let rgd = rgd(WEBAPP);
    let evaluator = Evaluator::new(crate::expr::eval::EvalLimits::default()).unwrap();
    let catalog = Catalog::builtin();
    let options = PlanOptions::default();
    let instance = instance(false);
    let input = PlanInput {
        rgd: &rgd,
        catalog: &catalog,
        evaluator: &evaluator,
        instance: &instance,
        observed: &[],
        options: &options,
    };
    let simulation = simulate(&input);
    let steps = simulation.steps;
    assert_eq!(simulation.outcome, Ok(()));
    // The deployment's readyWhen reads status that a simulated object lacks: assumed true, and said so.
    assert!(steps.iter().any(|s| s.plan.assumed.iter().any(|a| a.starts_with("deployment:"))));
    assert_eq!(steps.last().unwrap().plan.state, InstanceState::Active);
    // With an observed status that keeps readyWhen false, it is stuck.
    let first = run(&rgd, &instance, &[]);
    let unready = observed(&first, "deployment", json!({"availableReplicas": 0}));
    let observed = [unready];
    let input = PlanInput { observed: &observed, ..input };
    let stuck = simulate(&input).outcome.unwrap_err();
    assert!(stuck.to_string().contains("readyWhen is false"), "{stuck}");
}

#[test]
fn plans_are_deterministic() {
    let rgd = rgd(WEBAPP);
    let a = serde_json::to_string(&run(&rgd, &instance(true), &[])).unwrap();
    let b = serde_json::to_string(&run(&rgd, &instance(true), &[])).unwrap();
    assert_eq!(a, b);
}

#[test]
fn omit_removes_the_field_or_list_item_it_fills() {
    let catalog = std::sync::Arc::new(Catalog::builtin().with_features(crate::expr::library::Features { omit: true }));
    let docs = compile(
        r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: omitter}
spec:
  schema:
    apiVersion: v1alpha1
    kind: Omitter
    spec:
      replicas: integer | default=0
  resources:
    - id: cm
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: cm}
        data:
          replicas: "${schema.spec.replicas > 0 ? string(schema.spec.replicas) : omit()}"
          kept: "yes"
    - id: pod
      template:
        apiVersion: v1
        kind: Pod
        metadata: {name: pod}
        spec:
          containers:
            - name: app
              image: nginx
              args: ["a", "${schema.spec.replicas > 0 ? 'b' : omit()}", "c"]
"#,
        &catalog,
        &InputLimits::default(),
    );
    let rgd = docs[0].rgd.clone().unwrap_or_else(|| panic!("{:#?}", docs[0].diagnostics));
    let evaluator = Evaluator::with_features(
        crate::expr::eval::EvalLimits::default(),
        crate::expr::library::Features { omit: true },
    )
    .unwrap();
    let instance = json!({"apiVersion": "kro.run/v1alpha1", "kind": "Omitter", "metadata": {"name": "o", "namespace": "n"}, "spec": {"replicas": 0}});
    let options = PlanOptions::default();
    let plan = plan(&PlanInput {
        rgd: &rgd,
        catalog: &catalog,
        evaluator: &evaluator,
        instance: &instance,
        observed: &[],
        options: &options,
    });
    let cm = &plan.resources.iter().find(|a| a.id == "cm").unwrap().object;
    assert_eq!(cm["data"], json!({"kept": "yes"}));
    let pod = &plan.resources.iter().find(|a| a.id == "pod").unwrap().object;
    assert_eq!(pod["spec"]["containers"][0]["args"], json!(["a", "c"]));
}

#[test]
fn custom_conditions_replace_kros_and_read_them_through_runtime() {
    let rgd = rgd(r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: custom}
spec:
  schema:
    apiVersion: v1alpha1
    kind: Custom
    spec: {}
    status:
      conditions:
        - "${runtime.newCondition({type: 'Serving', status: runtime.condition(schema, 'ResourcesReady').status, reason: 'Checked'})}"
        - "${runtime.newCondition({type: 'HasData', status: cm.data.ready == 'yes' ? 'True' : 'False'})}"
  resources:
    - id: cm
      template: {apiVersion: v1, kind: ConfigMap, metadata: {name: cm}, data: {ready: "yes"}}
"#);
    let instance = json!({"apiVersion": "kro.run/v1alpha1", "kind": "Custom", "metadata": {"name": "c", "namespace": "n"}, "spec": {}});
    let first = run(&rgd, &instance, &[]);
    let types = |p: &Plan| -> Vec<String> {
        p.status["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| format!("{}={}", c["type"].as_str().unwrap(), c["status"].as_str().unwrap()))
            .collect()
    };
    // HasData reads a ConfigMap not observed yet: pending, so left out; InstanceSynced is always written.
    assert_eq!(types(&first), ["Serving=False", "InstanceSynced=False"]);
    let cm = first.resources[0].object.clone();
    let done = run(&rgd, &instance, &[cm]);
    assert_eq!(types(&done), ["Serving=True", "HasData=True", "InstanceSynced=True"]);
    assert_eq!(done.status["conditions"][0]["reason"], "Checked");
}

#[test]
fn observed_values_are_typed_by_their_schema_bytes_and_timestamps() {
    let rgd = rgd(r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: typed}
spec:
  schema:
    apiVersion: v1alpha1
    kind: Typed
    spec: {}
  resources:
    - id: creds
      externalRef:
        apiVersion: v1
        kind: Secret
        metadata: {name: creds}
    - id: app
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: app}
        data:
          password: ${string(creds.data.password)}
          encoded: ${base64.encode(creds.data.password)}
          raw: "${creds.data.password == b'secret' ? 'bytes' : 'not bytes'}"
          year: ${string(creds.metadata.creationTimestamp.getFullYear())}
          created: ${string(creds.metadata.creationTimestamp)}
"#);
    let instance = json!({"apiVersion": "kro.run/v1alpha1", "kind": "Typed", "metadata": {"name": "t", "namespace": "n"}, "spec": {}});
    let secret = json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "creds", "namespace": "n", "creationTimestamp": "2024-05-06T07:08:09Z"},
        "data": {"password": "c2VjcmV0"}});
    let plan = run(&rgd, &instance, &[secret]);
    assert!(plan.pending.iter().all(|p| p.reason.code == ReasonCode::AwaitingObservation), "{:#?}", plan.pending);
    let data = &plan.resources[0].object["data"];
    assert_eq!(data["password"], "secret");
    assert_eq!(data["encoded"], "c2VjcmV0");
    assert_eq!(data["raw"], "bytes");
    assert_eq!(data["year"], "2024");
    assert_eq!(data["created"], "2024-05-06T07:08:09Z");
}

#[test]
fn each_is_typed_by_the_schema_of_the_items_it_stands_for() {
    let rgd = rgd(r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: each-typed}
spec:
  schema:
    apiVersion: v1alpha1
    kind: EachTyped
    spec:
      names: "[]string"
  resources:
    - id: tokens
      forEach:
        - tokenName: ${schema.spec.names}
      readyWhen:
        - ${string(each.data.ready) == "yes"}
      template:
        apiVersion: v1
        kind: Secret
        metadata: {name: "${tokenName}"}
        data: {ready: bm8=}
"#);
    let instance = json!({"apiVersion": "kro.run/v1alpha1", "kind": "EachTyped", "metadata": {"name": "e", "namespace": "n"}, "spec": {"names": ["a"]}});
    let first = run(&rgd, &instance, &[]);
    let mut observed = first.resources[0].object.clone();
    // "no" as applied: not ready; "yes" (base64 eWVz) once the cluster changed it: ready.
    assert_eq!(
        pending(&run(&rgd, &instance, std::slice::from_ref(&observed)), "tokens").code,
        ReasonCode::ReadyWhenFalse
    );
    observed["data"]["ready"] = json!("eWVz");
    assert_eq!(run(&rgd, &instance, &[observed]).state, InstanceState::Active);
}

#[test]
fn deletion_only_touches_the_group_kinds_the_instance_records() {
    let rgd = rgd(WEBAPP);
    let (deployment, service) = deployment_and_service(&rgd);
    let mut deleting = instance(true);
    deleting["metadata"]["deletionTimestamp"] = json!("2025-01-01T00:00:00Z");
    // The instance records Deployments only (say, the Service was never applied by this kro): the Service,
    // though labelled, is not this instance's to delete; the Deployment is.
    deleting["metadata"]["annotations"] = json!({"applyset.kubernetes.io/contains-group-kinds": "Deployment.apps"});
    let plan = run(&rgd, &deleting, &[deployment.clone(), service]);
    assert_eq!(plan.delete.iter().map(|k| k.kind.as_str()).collect::<Vec<_>>(), ["Deployment"]);
    assert_eq!(
        Inventory::recorded(&deleting),
        Some(Inventory { group_kinds: vec!["Deployment.apps".to_string()], namespaces: vec![] })
    );
}

#[test]
fn an_object_the_host_failed_to_apply_puts_the_instance_in_error_with_the_api_servers_message() {
    let rgd = rgd(WEBAPP);
    let instance = instance(true);
    let first = run(&rgd, &instance, &[]);
    let deployment = ObjectKey::of(&first.resources[0].object);
    let mut options = PlanOptions { kro_version: "test".to_string(), ..PlanOptions::default() };
    options.apply_failures.insert(deployment.clone(), "the server rejected it: invalid name".to_string());
    let failed = run_with(&rgd, &instance, &[], &options);
    assert_eq!(failed.state, InstanceState::Error);
    assert!(failed.resources.is_empty(), "nothing is applied in a pass with a failure: {:?}", failed.resources);
    let reason = &failed.pending.iter().find(|p| p.id == "deployment").unwrap().reason;
    assert_eq!(reason.code, ReasonCode::Error);
    assert!(reason.message.contains("invalid name") && reason.message.contains(&deployment.to_string()), "{reason:?}");
    assert_eq!(failed.status["state"], "ERROR");
}

#[test]
fn the_status_records_the_graph_revision_and_a_newer_one_that_fails_without_stopping_the_plan() {
    let rgd = rgd(WEBAPP);
    let (deployment, mut service) = deployment_and_service(&rgd);
    service["spec"]["clusterIP"] = json!("10.0.0.1");
    let observed = [deployment, service];
    let on = |revision: Option<RevisionInUse>| {
        let options = PlanOptions { kro_version: "test".to_string(), revision, ..PlanOptions::default() };
        run_with(&rgd, &instance(false), &observed, &options)
    };
    let condition = |plan: &Plan, type_: &str| {
        plan.status["conditions"].as_array().unwrap().iter().find(|c| c["type"] == type_).unwrap().clone()
    };
    // Offline (no revision): no field, kro's conditions.
    let offline = on(None);
    assert!(offline.status.get("graphRevision").is_none());
    let current = on(Some(RevisionInUse { revision: 3, latest_failed: None }));
    assert_eq!(current.status["graphRevision"], 3);
    assert_eq!(condition(&current, "GraphResolved")["status"], "True");
    assert_eq!(condition(&current, "Ready")["status"], "True");

    let held = on(Some(RevisionInUse {
        revision: 3,
        latest_failed: Some(crate::FailedRevision { revision: 4, message: "spec.resources[0]: nope".into() }),
    }));
    // The plan is the same plan: everything is still applied and ready.
    assert_eq!(held.resources.len(), current.resources.len());
    assert_eq!((held.state, held.status["state"].as_str()), (InstanceState::Active, Some("ACTIVE")));
    assert_eq!(held.status["graphRevision"], 3);
    let resolved = condition(&held, "GraphResolved");
    assert_eq!(
        (resolved["status"].as_str(), resolved["reason"].as_str()),
        (Some("False"), Some("LatestRevisionFailed"))
    );
    assert_eq!(
        resolved["message"],
        "graph revision 4 of ResourceGraphDefinition webapp does not compile; reconciled with revision 3, the last \
         that compiled: spec.resources[0]: nope"
    );
    assert_eq!(condition(&held, "ResourcesReady")["status"], "True");
    for root in ["Ready", "InstanceSynced"] {
        let c = condition(&held, root);
        assert_eq!((c["status"].as_str(), &c["message"]), (Some("False"), &resolved["message"]), "{root}");
    }
    // Deletion records it too.
    let mut deleting = instance(false);
    deleting["metadata"]["deletionTimestamp"] = json!("2025-01-01T00:00:00Z");
    let options =
        PlanOptions { revision: Some(RevisionInUse { revision: 3, latest_failed: None }), ..PlanOptions::default() };
    let deletion = run_with(&rgd, &deleting, &observed, &options);
    assert_eq!(deletion.status["graphRevision"], 3);
}

#[test]
fn an_rgd_that_projects_graph_revision_itself_keeps_its_own() {
    let text = r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: own}
spec:
  schema:
    apiVersion: v1alpha1
    kind: Own
    spec: {name: string}
    status:
      graphRevision: ${config.metadata.name}
  resources:
    - id: config
      template: {apiVersion: v1, kind: ConfigMap, metadata: {name: "${schema.spec.name}"}}
"#;
    let rgd = rgd(text);
    assert_eq!(
        rgd.crd.pointer("/spec/versions/0/schema/openAPIV3Schema/properties/status/properties/graphRevision/type"),
        Some(&json!("string"))
    );
    let first = run(
        &rgd,
        &json!({"apiVersion": "kro.run/v1alpha1", "kind": "Own", "metadata": {"name": "a", "namespace": "n"}, "spec": {"name": "a"}}),
        &[],
    );
    let config = observed(&first, "config", json!(null));
    let options =
        PlanOptions { revision: Some(RevisionInUse { revision: 3, latest_failed: None }), ..PlanOptions::default() };
    let instance = json!({"apiVersion": "kro.run/v1alpha1", "kind": "Own", "metadata": {"name": "a", "namespace": "n"}, "spec": {"name": "a"}});
    let plan = run_with(&rgd, &instance, &[config], &options);
    assert_eq!(plan.status["graphRevision"], "a");
}
