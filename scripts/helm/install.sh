#!/usr/bin/env bash
# Installs Helm (the `helm` CLI, for `helm template` and `helm lint` of deploy/helm/kro-rs) from its Go module
# through the Go module proxy into ${KRO_CACHE_DIR:-$HOME/.cache/kro-rs}/helm/<version>/bin, when missing.
# Prints the binary's absolute path on stdout; everything else goes to stderr. No prebuilt binary is
# downloaded: the Go toolchain builds it from the module, as scripts/apiserver/build.sh builds the API server.
set -euo pipefail
exec 3>&1 1>&2

version=${KRO_HELM_VERSION:-v3.19.5}
cache=${KRO_CACHE_DIR:-${HOME:?HOME or KRO_CACHE_DIR must be set}/.cache/kro-rs}
bin=$cache/helm/$version/bin

if [[ -x $bin/helm ]]; then
  echo "$bin/helm" >&3
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "helm: 'go' is not on PATH; Helm is built from its Go module (helm.sh/helm/v3@$version)" >&2
  exit 1
fi
mkdir -p "$cache/helm"
# One build at a time (make -j, two clones sharing the cache).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache/helm/.lock"
  flock 9
fi
if [[ ! -x $bin/helm ]]; then
  echo "helm: building helm $version into $bin (a first build takes a few minutes)"
  tmp=$cache/helm/bin.tmp.$$
  rm -rf "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp"
  CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS="-trimpath -buildvcs=false" \
    go install -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$version" "helm.sh/helm/v3/cmd/helm@$version"
  mkdir -p "$(dirname "$bin")"
  rm -rf "$bin"
  mv "$tmp" "$bin"
fi
"$bin/helm" version --short >&2
echo "$bin/helm" >&3
