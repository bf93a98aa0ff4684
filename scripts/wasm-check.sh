#!/usr/bin/env bash
# Builds kro-engine (through kro-wasm) for wasm32-unknown-unknown and lints it for that target, so the engine's
# purity (no I/O, no threads, no clock) is checked on every test run.
#
# Two toolchain paths (see DESIGN.md "Toolchain notes"):
#  - rustup has the wasm32 target installed: plain cargo.
#  - otherwise (Debian machines here): Debian's rustc-web/cargo-web with its std sources, building std for
#    wasm32 from source with -Zbuild-std and rustup's rust-lld as linker. The packages are installed if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${KRO_CACHE_DIR:-$HOME/.cache/kro-rs}"
mode="${1:-check}" # check: clippy + build; build: release build only

if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  if [ "$mode" = check ]; then
    cargo clippy --locked -p kro-engine -p kro-wasm --target wasm32-unknown-unknown -- -D warnings
  fi
  cargo build --locked --release -p kro-wasm --target wasm32-unknown-unknown
  exit 0
fi

need=()
for pkg in rustc-web cargo-web rust-web-src rust-web-clippy; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "wasm-check: installing ${need[*]} (Debian's Rust with std sources, to build std for wasm32)" >&2
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >&2
fi

lld="$(rustc --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld"
export PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$lld"
export CARGO_TARGET_DIR="$cache/wasm-target"
# Debian's cargo must not pick up rustup's proxies for clippy or rustdoc.
unset RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER
build_std=(-Zbuild-std=std,panic_abort --target wasm32-unknown-unknown)
if [ "$mode" = check ]; then
  /usr/bin/cargo clippy --locked -p kro-engine -p kro-wasm "${build_std[@]}" -- -D warnings
fi
/usr/bin/cargo build --locked --release -p kro-wasm "${build_std[@]}"
