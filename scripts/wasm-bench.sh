#!/usr/bin/env bash
# `make bench-wasm`: the npm package's figures (size, instantiation, median call times) next to the native
# engine's on the same inputs (wasm/examples/native_timings.rs). Build the package first (make wasm).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
node "$repo/wasm/bench/bench.mjs" "$repo/wasm/pkg" "$repo" "$work" > "$work/wasm.json"
cargo run -q --locked --release -p kro-wasm --example native_timings -- \
  "$repo/examples/webapp/rgd.yaml" "$repo/examples/webapp/instance.yaml" \
  "$work/chain-rgd.yaml" "$work/chain-instance.yaml" > "$work/native.json"
node - "$work/wasm.json" "$work/native.json" <<'JS'
const fs = require('node:fs');
const wasm = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const native = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
console.log(`wasm: ${kb(wasm.size.raw)} raw, ${kb(wasm.size.gzip)} gzipped`);
console.log(`import (compile + instantiate) in Node: ${wasm.instantiateMs.toFixed(1)} ms (WebAssembly.Module alone: ${wasm.compileMs.toFixed(1)} ms)`);
const ms = (x) => x.toFixed(3).padStart(9);
console.log('median ms          validate     graph     render  complete');
wasm.timings.forEach((w, i) => {
  const n = native[i];
  console.log(`${w.name} (${w.lines} lines)`);
  console.log(`  wasm          ${ms(w.validate)} ${ms(w.graph)} ${ms(w.render)} ${ms(w.complete)}`);
  console.log(`  native        ${ms(n.validate)} ${ms(n.graph)} ${ms(n.render)} ${ms(n.complete)}`);
  console.log(`  wasm/native   ${ms(w.validate / n.validate)} ${ms(w.graph / n.graph)} ${ms(w.render / n.render)} ${ms(w.complete / n.complete)}`);
});
JS
