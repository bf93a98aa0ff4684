#!/usr/bin/env bash
# The Node tests of the npm package, run against what users install: `npm pack` of wasm/pkg (build it first
# with scripts/wasm-package.sh), installed into an empty project in a temporary folder, with the tests copied
# next to it. TypeScript (for the `tsc --strict` test of index.d.ts) is installed into the cache once.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cache="${KRO_CACHE_DIR:-$HOME/.cache/kro-rs}"
tools="$cache/npm-tools"
if [ ! -x "$tools/node_modules/.bin/tsc" ]; then
  echo "wasm-test: installing typescript from npm into $tools (once)" >&2
  npm install --silent --no-audit --no-fund --prefix "$tools" typescript@5 >&2
fi
if [ ! -f "$repo/wasm/pkg/package.json" ]; then
  echo "wasm-test: wasm/pkg is missing; run make wasm first" >&2
  exit 2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tarball="$(cd "$repo/wasm/pkg" && npm pack --silent --pack-destination "$work" | tail -n 1)"
mkdir "$work/project"
cd "$work/project"
echo '{ "name": "kro-engine-package-test", "private": true, "type": "module" }' > package.json
# Not --offline: the package depends on vscode-jsonrpc (its language server's stdio framing).
npm install --silent --no-audit --no-fund "$work/$tarball"
cp "$repo"/wasm/tests/*.mjs "$repo"/wasm/tests/typecheck.ts .
KRO_REPO="$repo" TSC="$tools/node_modules/.bin/tsc" node --test ./*.test.mjs
