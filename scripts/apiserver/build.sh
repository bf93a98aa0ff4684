#!/usr/bin/env bash
# Builds the API-server harness (tests/apiserver) and kubectl of the same
# Kubernetes release into ${KRO_CACHE_DIR:-$HOME/.cache/kro-rs}/apiserver/bin.
# Cheap when nothing changed: the binaries are reused while a stamp (sha256 of
# go.mod, go.sum, the Go sources, this script and the Go version) matches.
# All output goes to stderr.
set -euo pipefail
exec 3>&1 1>&2

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
src=$root/tests/apiserver
cache=${KRO_CACHE_DIR:-${HOME:?HOME or KRO_CACHE_DIR must be set}/.cache/kro-rs}
out=$cache/apiserver
bin=$out/bin

if ! command -v go >/dev/null 2>&1; then
  echo "apiserver: 'go' is not on PATH; the harness is built from Go modules (Go >= 1.26 needed)" >&2
  exit 1
fi
mkdir -p "$out"

# One build at a time (make -j, two clones sharing the cache).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$out/.lock"
  flock 9
fi

# The Kubernetes release the binaries report (gitVersion etc.), from go.mod.
kube_version=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v1\./ { print $2; exit }' "$src/go.mod")
kube_version=${kube_version:?cannot find k8s.io/kubernetes in tests/apiserver/go.mod}
minor=$(echo "$kube_version" | cut -d. -f2)
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done

stamp=$(
  {
    cd "$src"
    for f in go.mod go.sum $(LC_ALL=C ls ./*.go); do echo "== $f"; cat "$f"; done
    echo "== script"; cat "$root/scripts/apiserver/build.sh"
    echo "== go"; go env GOVERSION GOOS GOARCH
  } | sha256sum | cut -d' ' -f1
)
if [[ -x $bin/kro-apiserver && -x $bin/kubectl && -f $out/stamp && $(cat "$out/stamp") == "$stamp" ]]; then
  echo "apiserver: $bin is up to date ($kube_version)"
  exit 0
fi

echo "apiserver: building kro-apiserver and kubectl $kube_version into $bin (a first build takes several minutes)"
start=$(date +%s)
tmp=$out/bin.tmp.$$
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"
(
  cd "$src"
  CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false -mod=readonly" \
    go build -ldflags="$ldflags" -o "$tmp/" . k8s.io/kubernetes/cmd/kubectl
)
mv "$tmp/apiserver" "$tmp/kro-apiserver" 2>/dev/null || true
[[ -x $tmp/kro-apiserver && -x $tmp/kubectl ]] || { echo "apiserver: build produced no binaries" >&2; exit 1; }
rm -rf "$bin.old"
[[ -d $bin ]] && mv "$bin" "$bin.old"
mv "$tmp" "$bin"
rm -rf "$bin.old"
echo "$stamp" > "$out/stamp"
echo "apiserver: built in $(( $(date +%s) - start ))s: $(du -sh "$bin/kro-apiserver" | cut -f1) kro-apiserver, $(du -sh "$bin/kubectl" | cut -f1) kubectl"
