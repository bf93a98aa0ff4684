#!/usr/bin/env bash
# make demo: the seed walk-through on the local API server, with the kro-rs operator doing the work.
# Starts the API server (unless `make cluster-up` already runs one) and `kro operator`, applies
# examples/webapp, shows the RGD Active, applies an instance, plays the Deployment controller (this API server
# runs none), prints the instance and its children as they appear until ACTIVE, edits the RGD (a second
# GraphRevision, `kubectl get gr`), then cleans up everything it started. Expects `kro` built (KRO=path) and the API server built (make apiserver).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
kro=${KRO:?set KRO to the kro binary}
example=examples/webapp
work=$(mktemp -d)
started_cluster=
operator_pid=

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

cleanup() {
  set +e
  if [[ -n ${KUBECONFIG:-} ]]; then
    say "== cleaning up: the instance (its children go in reverse waves), then the RGD"
    "$KUBECTL" delete applications my-application-instance --ignore-not-found --wait=true --timeout=60s
    "$KUBECTL" delete rgd my-application --ignore-not-found --wait=true --timeout=60s
  fi
  if [[ -n $operator_pid ]]; then
    kill -TERM "$operator_pid" 2>/dev/null && wait "$operator_pid" 2>/dev/null
    echo "operator stopped (SIGTERM); its log: $work/operator.log"
  fi
  [[ -n $started_cluster ]] && bash scripts/apiserver/cluster.sh down
  true
}
trap cleanup EXIT

say "== starting the API server (etcd + kube-apiserver, no controllers)"
if ! env_lines=$(bash scripts/apiserver/cluster.sh status 2>/dev/null); then
  env_lines=$(bash scripts/apiserver/cluster.sh up)
  started_cluster=1
fi
eval "$env_lines"
export KUBECONFIG KUBECTL
kubectl() { "$KUBECTL" "$@"; }

say "== starting the operator: kro operator --kubeconfig \$KUBECONFIG"
"$kro" operator --kubeconfig "$KUBECONFIG" --metrics-bind-address 127.0.0.1:0 --health-probe-bind-address 0 \
  --allow-crd-deletion >"$work/operator.log" 2>&1 &
operator_pid=$!
for _ in $(seq 1 150); do
  kubectl get crd resourcegraphdefinitions.kro.run >/dev/null 2>&1 && break
  kill -0 "$operator_pid" 2>/dev/null || { cat "$work/operator.log"; exit 1; }
  sleep 0.2
done

say "== the RGD"
run kubectl apply -f "$example/rgd.yaml"
for _ in $(seq 1 150); do
  [[ $(kubectl get rgd my-application -o jsonpath='{.status.state}') == Active ]] && break
  sleep 0.2
done
run kubectl get rgd my-application -owide
run kubectl get applications

say "== an instance"
# Every state the instance goes through, as `kubectl get applications -w` shows them (printed below).
"$KUBECTL" get applications --watch -o jsonpath='{.status.state}{"\n"}' >"$work/states" 2>/dev/null &
watch_pid=$!
sleep 0.5
run kubectl apply -f "$example/instance.yaml"
run kubectl get applications
seen=""
for _ in $(seq 1 100); do
  now=$(kubectl get deployments,services,ingresses -l kro.run/instance-name=my-application-instance -o name 2>/dev/null | sort | tr '\n' ' ')
  if [[ $now != "$seen" ]]; then
    echo "children: $now"
    seen=$now
  fi
  [[ $now == *ingress* ]] && break
  sleep 0.1
done
run kubectl get deployments,services,ingresses -l kro.run/instance-name=my-application-instance
run kubectl get applications
kill "$watch_pid" 2>/dev/null || true
echo "states the instance went through (kubectl get applications -w): $(grep . "$work/states" | uniq | tr '\n' ' ')"

say "== playing the Deployment controller: 3/3 replicas available"
status='{"status":{"observedGeneration":1,"replicas":3,"updatedReplicas":3,"readyReplicas":3,"availableReplicas":3,
 "conditions":[{"type":"Available","status":"True","reason":"MinimumReplicasAvailable","message":"Deployment has minimum availability.","lastTransitionTime":"2025-03-13T11:36:11Z","lastUpdateTime":"2025-03-13T11:36:11Z"},
 {"type":"Progressing","status":"True","reason":"NewReplicaSetAvailable","message":"ReplicaSet \"my-awesome-app-9ccb8f99d\" has successfully progressed.","lastTransitionTime":"2025-03-13T11:36:01Z","lastUpdateTime":"2025-03-13T11:36:11Z"}]}}'
run kubectl patch deployment my-awesome-app --subresource=status --type=merge -p "$status"
for _ in $(seq 1 150); do
  [[ $(kubectl get applications my-application-instance -o jsonpath='{.status.availableReplicas}') == 3 ]] && break
  sleep 0.2
done
run kubectl get applications my-application-instance -owide
run kubectl get applications my-application-instance -o yaml

say "== an edit of the RGD is a new GraphRevision (a label on the Service); the instance moves to it"
run kubectl get graphrevisions -l kro.run/resource-graph-definition-name=my-application
run kubectl patch rgd my-application --type=json \
  -p '[{"op":"add","path":"/spec/resources/1/template/metadata/labels","value":{"tier":"frontend"}}]'
for _ in $(seq 1 150); do
  [[ $(kubectl get applications my-application-instance -o jsonpath='{.status.graphRevision}') == 2 ]] && break
  sleep 0.2
done
run kubectl get gr -o wide -l kro.run/resource-graph-definition-name=my-application
run kubectl get rgd my-application -o jsonpath='{.status.lastIssuedRevision}{"\n"}'
run kubectl get service my-awesome-app-service --show-labels
run kubectl get applications my-application-instance -o jsonpath='{.status.graphRevision} {.status.state}{"\n"}'

say "== what the operator logged (one line per status it wrote)"
grep -E 'instance controller started|status written' "$work/operator.log" | sed -E 's/reconciling object\{[^}]*\}://; s/ kro_operator::operator::[a-z_:]+//' | cut -c1-220
