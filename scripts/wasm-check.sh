#!/usr/bin/env bash
# Lints kro-engine, kro-lsp (the language server the npm package carries) and kro-wasm for
# wasm32-unknown-unknown, so the purity of the engine and the server (no I/O, no threads, no clock) is checked
# on every test run. The npm package itself is built by scripts/wasm-package.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/wasm-env.sh
source scripts/wasm-env.sh
"${wasm_cargo[@]}" clippy --locked -p kro-engine -p kro-lsp -p kro-wasm "${build_std[@]}" -- -D warnings
