// The latency benchmark (figures, never assertions): the time from sending a didChange to receiving the
// publishDiagnostics for its version, through stdio as an editor sees it, on examples/webapp and on a
// generated RGD of 100 resources (50 Deployments and the 50 Services selecting them), for the native
// `kro lsp` and the npm package's `kro-lsp`. Each change is one keystroke in a literal of the first
// resource (no kind changes, so only that document is compiled again). Run with `make bench-lsp`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, transports } from './client.mjs';

const repo = process.env.KRO_REPO ?? new URL('../../..', import.meta.url).pathname;
const ROUNDS = Number(process.env.KRO_LSP_BENCH_ROUNDS ?? 60);
const WARMUP = 5;

/** 50 Deployments and 50 Services, each Service selecting its Deployment's pods. */
function hundred() {
  let out =
    'apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata:\n  name: hundred\nspec:\n  schema:\n    apiVersion: v1alpha1\n    kind: Hundred\n    spec:\n      name: string | required=true\n      image: string | default="nginx"\n      replicas: integer | default=1 minimum=1\n    status:\n      available: ${d0.status.availableReplicas}\n  resources:\n';
  for (let i = 0; i < 50; i++) {
    out += `    - id: d${i}\n      template:\n        apiVersion: apps/v1\n        kind: Deployment\n        metadata:\n          name: \${schema.spec.name}-${i}\n        spec:\n          replicas: \${schema.spec.replicas}\n          selector:\n            matchLabels:\n              app: \${schema.spec.name}-${i}\n          template:\n            metadata:\n              labels:\n                app: \${schema.spec.name}-${i}\n            spec:\n              containers:\n                - name: app\n                  image: \${schema.spec.image}\n                  ports:\n                    - containerPort: 80\n`;
    out += `    - id: s${i}\n      template:\n        apiVersion: v1\n        kind: Service\n        metadata:\n          name: \${d${i}.metadata.name}\n        spec:\n          selector: \${d${i}.spec.selector.matchLabels}\n          ports:\n            - port: 80\n              targetPort: 80\n`;
  }
  return out;
}

const documents = [
  ['examples/webapp', readFileSync(join(repo, 'examples/webapp/rgd.yaml'), 'utf8')],
  ['100 resources', hundred()],
];

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p90: at(0.9), min: sorted[0] };
}

const rows = [];
for (const [transport, command, args] of transports()) {
  for (const [name, text] of documents) {
    const client = new Client(command, args);
    const uri = `file:///bench/${name.replace(/\W+/g, '-')}.yaml`;
    await client.initialize();
    const first = client.diagnostics(uri);
    const opened = performance.now();
    await client.open(uri, text);
    const initial = await first;
    const openMs = performance.now() - opened;
    if (initial.diagnostics.length > 0) throw new Error(`${name}: ${JSON.stringify(initial.diagnostics[0])}`);
    // The keystroke: `containerPort: 80` <-> `81` in the first resource.
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('containerPort: 80'));
    const character = lines[line].indexOf('80') + 1;
    const samples = [];
    for (let version = 2; version < 2 + WARMUP + ROUNDS; version++) {
      const published = client.diagnostics(uri, (p) => p.version === version);
      const start = performance.now();
      await client.change(uri, version, [
        { range: { start: { line, character }, end: { line, character: character + 1 } }, text: version % 2 ? '1' : '0' },
      ]);
      await published;
      if (version >= 2 + WARMUP) samples.push(performance.now() - start);
    }
    await client.shutdown();
    rows.push({ transport, name, openMs, ...stats(samples) });
  }
}

const ms = (n) => `${n.toFixed(2)} ms`;
console.log(`didChange -> publishDiagnostics, ${ROUNDS} keystrokes each (after ${WARMUP} to warm up), over stdio:\n`);
console.log('| transport | document | median | p90 | min | first open |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.transport} | ${r.name} | ${ms(r.median)} | ${ms(r.p90)} | ${ms(r.min)} | ${ms(r.openMs)} |`);
