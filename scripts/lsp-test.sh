#!/usr/bin/env bash
# The language server's tests with real clients, on both transports:
#   protocol   the JSON-RPC suite (lsp/tests/protocol) against `kro lsp` and the npm package's `kro-lsp` bin;
#   neovim     Debian's Neovim, headless, configured with `kro lsp`, reads the diagnostics it received and a
#              completion list (editors/neovim/test.lua); installed with apt-get when missing;
#   bench      the latency from a didChange to its publishDiagnostics (a benchmark: figures, no assertion).
# The npm transport is the packed package (make wasm first) installed into an empty project, as users get it.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
what="${1:-protocol}"
kro="${KRO:-${CARGO_TARGET_DIR:-$repo/target}/debug/kro}"
if [ ! -x "$kro" ]; then
  echo "lsp-test: $kro is missing; build it with cargo build -p kro-operator (or set KRO)" >&2
  exit 2
fi
kro="$(cd "$(dirname "$kro")" && pwd)/$(basename "$kro")"

install_package() {
  # shellcheck source=scripts/npm-package-install.sh
  source "$repo/scripts/npm-package-install.sh"
  cp "$repo"/lsp/tests/protocol/*.mjs "$work/project/"
  npm_bin="$work/project/node_modules/.bin/kro-lsp"
}

case "$what" in
  protocol)
    install_package
    cd "$work/project"
    KRO_REPO="$repo" KRO_LSP_NATIVE="$kro" KRO_LSP_NPM="$npm_bin" node --test ./protocol.test.mjs
    ;;
  bench)
    install_package
    cd "$work/project"
    KRO_REPO="$repo" KRO_LSP_NATIVE="$kro" KRO_LSP_NPM="$npm_bin" node ./latency.bench.mjs
    ;;
  neovim)
    if ! command -v nvim >/dev/null; then
      echo "lsp-test: installing Debian's neovim" >&2
      if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
      $sudo apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq neovim >&2
    fi
    KRO="$kro" KRO_REPO="$repo" bash "$repo/editors/neovim/test.sh"
    ;;
  *)
    echo "usage: $0 protocol|neovim|bench" >&2
    exit 2
    ;;
esac
