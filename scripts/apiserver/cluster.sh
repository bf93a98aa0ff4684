#!/usr/bin/env bash
# cluster.sh up|down|status: a long-running harness for the demo and for
# people, under ${KRO_CACHE_DIR:-$HOME/.cache/kro-rs}/cluster (pid, data, log,
# kubeconfig).
#
# `up` prints exactly two lines on stdout, for `eval`:
#   KUBECONFIG=<absolute path>
#   KUBECTL=<absolute path of the built kubectl>
# and everything else on stderr. Both commands are idempotent. eval sets shell
# variables; `export KUBECONFIG` (or `set -a` around the eval) passes it on.
set -euo pipefail
exec 3>&1 1>&2

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${KRO_CACHE_DIR:-${HOME:?HOME or KRO_CACHE_DIR must be set}/.cache/kro-rs}
cache=$(mkdir -p "$cache" && cd "$cache" && pwd)
bin=${KRO_APISERVER_BIN:-$cache/apiserver/bin/kro-apiserver}
kubectl=${KRO_KUBECTL_BIN:-$cache/apiserver/bin/kubectl}
dir=$cache/cluster
pidfile=$dir/pid
kubeconfig=$dir/kubeconfig
log=$dir/apiserver.log
port=${KRO_CLUSTER_PORT:-0}
timeout=${KRO_CLUSTER_TIMEOUT:-180}

running() {
  [[ -f $pidfile ]] || return 1
  local pid
  pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  # Guard against a reused pid: it must be our harness, with our data folder.
  [[ ! -d /proc/$pid ]] || tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir/data"
}

print_env() {
  # %q: a path with spaces still evals to one word; a plain path prints as is.
  printf 'KUBECONFIG=%q\nKUBECTL=%q\n' "$kubeconfig" "$(cd "$(dirname "$kubectl")" && pwd)/$(basename "$kubectl")" >&3
}

up() {
  if running && [[ -f $kubeconfig ]] && grep -qs '^READY ' "$dir/stdout"; then
    echo "cluster: already running (pid $(cat "$pidfile")), $(awk '/^READY /{print $NF}' "$dir/stdout")"
    print_env
    return 0
  fi
  down quiet
  [[ -x $bin ]] || { echo "cluster: $bin not found: run 'make apiserver' first (or set KRO_APISERVER_BIN)"; exit 1; }
  mkdir -p "$dir"
  : > "$dir/stdout"
  : > "$log"
  echo "cluster: starting $bin (log: $log)"
  # --daemon: keep running after make exits; stopped by `cluster.sh down`.
  # 3>&-: it must not hold our real stdout, or `$(make -s cluster-up)` would
  # wait for it to exit.
  local launcher=()
  command -v setsid >/dev/null 2>&1 && launcher=(setsid)
  "${launcher[@]}" "$bin" --daemon --port "$port" --data-dir "$dir/data" --kubeconfig "$kubeconfig" \
    --log-file "$log" </dev/null >"$dir/stdout" 2>>"$log" 3>&- &
  local pid=$!
  echo "$pid" > "$pidfile"
  local start=$SECONDS
  until grep -qs '^READY ' "$dir/stdout"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "cluster: the API server exited before it was ready; last lines of $log:"
      tail -n 30 "$log" >&2 || true
      rm -f "$pidfile"
      exit 1
    fi
    if (( SECONDS - start > timeout )); then
      echo "cluster: not ready after ${timeout}s; stopping it. Last lines of $log:"
      tail -n 30 "$log" >&2 || true
      down quiet
      exit 1
    fi
    sleep 0.2
  done
  echo "cluster: ready in $((SECONDS - start))s at $(awk '/^READY /{print $NF}' "$dir/stdout") (pid $pid)"
  print_env
}

down() {
  local quiet=${1:-}
  if running; then
    local pid
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 300; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "cluster: pid $pid did not stop within 30s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "cluster: stopped (pid $pid)"
  elif [[ -z $quiet ]]; then
    echo "cluster: not running"
  fi
  rm -rf "$pidfile" "$dir/data" "$dir/stdout" "$kubeconfig"
}

status() {
  if running; then
    echo "cluster: running (pid $(cat "$pidfile")), $(awk '/^READY /{print $NF}' "$dir/stdout" 2>/dev/null)"
    print_env
  else
    echo "cluster: not running"
    return 1
  fi
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status"; exit 2 ;;
esac
