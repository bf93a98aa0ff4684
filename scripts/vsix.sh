#!/usr/bin/env bash
# Builds the VS Code extension (editors/vscode) into editors/vscode/kro-rs.vsix: installs its npm packages
# (vscode-languageclient, TypeScript, @vscode/vsce, and the npm package from wasm/pkg copied in, not linked,
# so the .vsix carries it), compiles it with tsc, packages it with vsce, then checks the package: it holds
# the extension and the language server, and the server it carries answers `initialize` in Node.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -f "$repo/wasm/pkg/package.json" ]; then
  echo "vsix: wasm/pkg is missing; run make wasm first" >&2
  exit 2
fi
cd "$repo/editors/vscode"
# --install-links copies the local @kro-rs/engine into node_modules (a symlink would leave it out of the
# .vsix); no lock file: the versions are pinned in package.json and the local package changes with each build.
npm install --silent --no-audit --no-fund --no-package-lock --install-links
npx --no-install tsc -p .
npx --no-install vsce package --skip-license --out kro-rs.vsix

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m zipfile -e kro-rs.vsix "$work"
for file in extension/out/extension.js extension/node_modules/@kro-rs/engine/server.js \
  extension/node_modules/@kro-rs/engine/kro_engine_bg.wasm extension/node_modules/vscode-languageclient/package.json \
  extension/node_modules/vscode-jsonrpc/package.json; do
  [ -f "$work/$file" ] || { echo "vsix: $file is missing from kro-rs.vsix" >&2; exit 1; }
done
# The server as the extension starts it (Node, stdio), from the packaged files alone.
node --input-type=module -e '
  import { spawn } from "node:child_process";
  const server = spawn(process.execPath, [process.argv[1], "--stdio"], { stdio: ["pipe", "pipe", "inherit"] });
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { capabilities: {} } });
  server.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  let out = "";
  const timer = setTimeout(() => { console.error("vsix: the packaged server did not answer"); process.exit(1); }, 20000);
  server.stdout.on("data", (chunk) => {
    out += chunk;
    if (!out.includes("\"positionEncoding\"")) return;
    clearTimeout(timer);
    server.kill();
    console.log("vsix: the packaged server answered initialize");
  });
' "$work/extension/node_modules/@kro-rs/engine/server.js"
echo "vsix: built editors/vscode/kro-rs.vsix ($(wc -c < kro-rs.vsix) bytes)"
