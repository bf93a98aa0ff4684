#!/usr/bin/env bash
# Runs test.lua in headless Neovim against `kro lsp` (KRO) on a copy of examples/webapp with a misspelt
# resource id and a completion point, then prints what Neovim received. Called by scripts/lsp-test.sh.
set -euo pipefail
: "${KRO:?KRO names the kro binary}" "${KRO_REPO:?KRO_REPO names the repository}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sed -e 's/selector: ${deployment.spec/selector: ${deploymnt.spec/' \
  -e '0,/app: ${schema.spec.name}/s//app: ${deployment.}/' \
  "$KRO_REPO/examples/webapp/rgd.yaml" > "$work/rgd.yaml"
status=0
KRO_NVIM_RGD="$work/rgd.yaml" KRO_NVIM_OUT="$work/out.txt" timeout 120 \
  nvim --headless --clean -n -c "luafile $KRO_REPO/editors/neovim/test.lua" </dev/null >/dev/null 2>"$work/stderr" || status=$?
echo "== what Neovim received (vim.diagnostic.get, as :copen shows it)"
cat "$work/out.txt" 2>/dev/null || true
if [ "$status" -ne 0 ]; then
  echo "neovim test: FAILED (exit $status)"
  cat "$work/stderr"
  exit 1
fi
# Counted with the other runners by .ci/run (TAP-style totals).
echo "# pass 1"
echo "# fail 0"
