#!/usr/bin/env bash
# Builds the VS Code extension (editors/vscode) into editors/vscode/kro-rs.vsix: installs its npm packages
# (vscode-languageclient, TypeScript, @vscode/vsce, and the npm package packed from wasm/pkg), compiles it with tsc, packages it with vsce, then checks the package: it holds
# the extension and the language server, and the server it carries answers `initialize` in Node.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -f "$repo/wasm/pkg/package.json" ]; then
  echo "vsix: wasm/pkg is missing; run make wasm first" >&2
  exit 2
fi
cd "$repo/editors/vscode"
# The npm package as users get it, packed: a tarball dependency is copied into node_modules (a linked folder
# would be left out of the .vsix). No lock file: versions are pinned in package.json, and the tarball
# changes with each build.
tarball="$(cd "$repo/wasm/pkg" && npm pack --silent --pack-destination "$repo/editors/vscode" | tail -n 1)"
mv "$tarball" kro-rs-engine.tgz
rm -rf node_modules/@kro-rs/engine
npm install --silent --no-audit --no-fund --no-package-lock
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
