# Sourced by the wasm scripts: picks the toolchain that can build for wasm32-unknown-unknown and sets
#   wasm_cargo   the cargo command to run (an array)
#   build_std    the extra cargo arguments (target, and -Zbuild-std on the Debian path)
#   wasm_target  the directory cargo writes to
#
# Two toolchain paths (see DESIGN.md "Toolchain notes"):
#  - rustup has the wasm32 target installed: plain cargo.
#  - otherwise (Debian machines here): Debian's rustc-web/cargo-web with its std sources, building std for
#    wasm32 from source with -Zbuild-std and rustup's rust-lld as linker. The packages are installed if missing.
cache="${KRO_CACHE_DIR:-$HOME/.cache/kro-rs}"

if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  wasm_cargo=(cargo)
  build_std=(--target wasm32-unknown-unknown)
  wasm_target="${CARGO_TARGET_DIR:-target}"
else
  need=()
  for pkg in rustc-web cargo-web rust-web-src rust-web-clippy; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  if [ ${#need[@]} -gt 0 ]; then
    echo "wasm: installing ${need[*]} (Debian's Rust with std sources, to build std for wasm32)" >&2
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >&2
  fi
  lld="$(rustc --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld"
  wasm_target="$cache/wasm-target"
  # Only the wasm build sees Debian's toolchain; whatever else the caller runs keeps rustup's.
  # Debian's cargo must not pick up rustup's proxies for clippy or rustdoc.
  wasm_cargo=(env -u RUSTC_WRAPPER -u RUSTC_WORKSPACE_WRAPPER PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc
    RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$lld" CARGO_TARGET_DIR="$wasm_target"
    /usr/bin/cargo)
  # std's `optimize_for_size` feature: smaller implementations of the same behaviour (sorting above all, whose
  # fast versions are instantiated per element type): 27 KB less gzipped .wasm. Only a std built from source
  # can take it; the rustup path above links rustup's prebuilt std.
  build_std=(-Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size --target wasm32-unknown-unknown)
fi
