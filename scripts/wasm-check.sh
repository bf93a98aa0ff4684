#!/usr/bin/env bash
# Lints kro-engine and kro-wasm for wasm32-unknown-unknown, so the engine's purity (no I/O, no threads, no
# clock) is checked on every test run. The npm package itself is built by scripts/wasm-package.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/wasm-env.sh
source scripts/wasm-env.sh
"${wasm_cargo[@]}" clippy --locked -p kro-engine -p kro-wasm "${build_std[@]}" -- -D warnings
