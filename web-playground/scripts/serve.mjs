// A small static server for the built site (dist/), with gzip like any real host, so the transferred size the
// tests measure is what a user downloads. Usage: node scripts/serve.mjs [--port N] [--dir dist]
// Prints the URL on its first line of output. Port 0 picks a free port.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const root = resolve(option('--dir', new URL('../dist', import.meta.url).pathname));
const port = Number(option('--port', process.env.PORT ?? '5180'));
const host = option('--host', '127.0.0.1');

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

const server = createServer(async (req, res) => {
  try {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) throw new Error('outside the site');
    if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
    let body = await readFile(file);
    // Vite names assets by their content's hash, so they never change; the page itself is always revalidated.
    const cache = path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    const headers = { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'cache-control': cache };
    if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '') && body.length > 512) {
      body = gzipSync(body, { level: 9 });
      headers['content-encoding'] = 'gzip';
    }
    res.writeHead(200, { ...headers, 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  }
});

server.listen(port, host, () => {
  const { port: actual } = server.address();
  console.log(`kro-rs playground: http://${host === '0.0.0.0' ? 'localhost' : host}:${actual}/`);
});
