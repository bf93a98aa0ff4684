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
# shellcheck source=scripts/npm-package-install.sh
source "$repo/scripts/npm-package-install.sh"
cd "$work/project"
cp "$repo"/wasm/tests/*.mjs "$repo"/wasm/tests/typecheck.ts .
KRO_REPO="$repo" TSC="$tools/node_modules/.bin/tsc" node --test ./*.test.mjs
