# Sourced by the scripts that test the npm package as users get it: packs wasm/pkg (build it first with
# scripts/wasm-package.sh) and installs the tarball into an empty ESM project, `$work/project`, in a temporary
# folder removed on exit. Sets `work`. The package's one dependency (vscode-jsonrpc) comes from the registry.
if [ ! -f "$repo/wasm/pkg/package.json" ]; then
  echo "$(basename "$0"): wasm/pkg is missing; run make wasm first" >&2
  exit 2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tarball="$(cd "$repo/wasm/pkg" && npm pack --silent --pack-destination "$work" | tail -n 1)"
mkdir "$work/project"
echo '{ "name": "kro-engine-package-test", "private": true, "type": "module" }' > "$work/project/package.json"
(cd "$work/project" && npm install --silent --no-audit --no-fund "$work/$tarball")
