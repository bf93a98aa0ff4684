#!/usr/bin/env bash
# Builds the npm package @kro-rs/engine into wasm/pkg (wasm-pack's layout, without wasm-pack, which downloads
# its tools at run time):
#   1. kro-wasm for wasm32-unknown-unknown with the size-tuned `wasm-release` profile (toolchain: wasm-env.sh);
#   2. wasm-bindgen's JS glue (`--target web`: one module for browsers, bundlers and, through node.js, Node),
#      with the CLI of exactly the version Cargo.lock names, installed into the cache when missing;
#   3. with KRO_WASM_OPT=1 only, wasm-opt from npm's binaryen (installed into the cache): measured, it makes the
#      file 6% smaller but 2.5% larger gzipped than dropping the name section alone, with no speed gain that
#      shows on these machines, and it costs a minute or more per build (wasm/README.md, "Measurements");
#   4. the hand-written files: package.json (version from Cargo), index.js, node.js, index.d.ts (which
#      re-exports the declarations wasm-bindgen writes from the crate's TypeScript sections), README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${KRO_CACHE_DIR:-$HOME/.cache/kro-rs}"
out=wasm/pkg
profile=wasm-release

bindgen_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)"
bindgen="$cache/wasm-bindgen-$bindgen_version/bin/wasm-bindgen"
if [ ! -x "$bindgen" ]; then
  echo "wasm: installing wasm-bindgen-cli $bindgen_version into $cache (once)" >&2
  # Not --locked: its lock file names a crate version the registry here lacks (DESIGN.md).
  CARGO_TARGET_DIR="$cache/wasm-bindgen-build" cargo install -q wasm-bindgen-cli --version "$bindgen_version" \
    --root "$cache/wasm-bindgen-$bindgen_version"
fi

# shellcheck source=scripts/wasm-env.sh
source scripts/wasm-env.sh
"${wasm_cargo[@]}" build --locked --profile "$profile" -p kro-wasm "${build_std[@]}"
wasm="$wasm_target/wasm32-unknown-unknown/$profile/kro_wasm.wasm"

rm -rf "$out"
mkdir -p "$out"
# The name section (function names for stack traces) is 40% of the file; a panic's message carries its location.
"$bindgen" --target web --remove-name-section --remove-producers-section \
  --out-dir "$out" --out-name kro_engine "$wasm"

if [ "${KRO_WASM_OPT:-0}" = 1 ]; then
  tools="$cache/npm-tools"
  if [ ! -x "$tools/node_modules/.bin/wasm-opt" ]; then
    echo "wasm: installing binaryen (wasm-opt) from npm into $tools (once)" >&2
    npm install --silent --no-audit --no-fund --prefix "$tools" binaryen@132 >&2
  fi
  # The features rustc enables by default for wasm32; wasm-opt must accept them, and adds none.
  "$tools/node_modules/.bin/wasm-opt" "${KRO_WASM_OPT_LEVEL:--O3}" \
    --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-reference-types --enable-multivalue \
    "$out/kro_engine_bg.wasm" -o "$out/kro_engine_bg.opt.wasm"
  mv "$out/kro_engine_bg.opt.wasm" "$out/kro_engine_bg.wasm"
fi

version="$(awk -F'"' '/^\[workspace.package\]/ { p = 1 } p && /^version/ { print $2; exit }' Cargo.toml)"
sed "s/@VERSION@/$version/" wasm/js/package.json > "$out/package.json"
cp wasm/js/index.js wasm/js/node.js wasm/js/server.js wasm/js/index.d.ts wasm/README.md "$out/"
echo "wasm: built $out ($(wc -c < "$out/kro_engine_bg.wasm") bytes of wasm, $(gzip -9 -c "$out/kro_engine_bg.wasm" | wc -c) gzipped)" >&2
