#!/usr/bin/env bash
# The web playground (web-playground/): install its npm dependencies, build it into web-playground/dist, and
# serve it or run its browser tests.
#   scripts/playground.sh build   npm ci (when package-lock.json changed) + type check, eslint, prettier + vite build
#   scripts/playground.sh serve   build, then serve dist/ on http://127.0.0.1:${PORT:-5180}/ (prints the URL)
#   scripts/playground.sh test    build, then the Playwright tests in Debian's Chromium (installed if missing)
# The npm package it uses is wasm/pkg (`make wasm`), linked as a local dependency, not copied.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cache="${KRO_CACHE_DIR:-$HOME/.cache/kro-rs}"
site="$repo/web-playground"
cd "$site"

if [ ! -f "$repo/wasm/pkg/package.json" ]; then
  echo "playground: wasm/pkg is missing; run make wasm first" >&2
  exit 2
fi

install() {
  # npm ci only when the lock file is newer than the last install: a second `make playground` starts at once.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --cache "$cache/npm" --prefer-offline --no-audit --no-fund --loglevel=error
  fi
}

build() {
  install
  npx --no-install tsc --noEmit
  # The checks of the code itself: ESLint (eslint.config.js) and prettier's formatting (.prettierrc.json).
  npx --no-install eslint .
  npx --no-install prettier --check --log-level warn src tests scripts eslint.config.js
  npx --no-install vite build --logLevel warn
  echo "playground: built web-playground/dist ($(du -sh dist | cut -f1))" >&2
}

chromium_path() {
  if [ -n "${CHROMIUM:-}" ]; then echo "$CHROMIUM"; return; fi
  if [ ! -x /usr/bin/chromium ]; then
    echo "playground: installing Debian's chromium for the browser tests" >&2
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >&2
  fi
  echo /usr/bin/chromium
}

case "${1:-}" in
  build) build ;;
  serve)
    build
    exec node scripts/serve.mjs --port "${PORT:-5180}"
    ;;
  test)
    build
    CHROMIUM="$(chromium_path)" node --test --test-reporter=spec tests/
    echo "playground: screenshots and figures in web-playground/test-output/" >&2
    ;;
  *)
    echo "usage: $0 build|serve|test" >&2
    exit 2
    ;;
esac
