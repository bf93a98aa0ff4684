// `make bench-wasm`: the npm package's size, instantiation time and median call times on the web application
// example and a generated 100-resource RGD. Figures, never assertions. Run by scripts/wasm-bench.sh, which
// passes the package folder, writes the generated RGD for the native run, and prints both side by side.
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const [pkg, repo, outDir] = process.argv.slice(2);

/** A 100-resource RGD: ConfigMaps in a chain, each reading the previous one and the instance. */
export function generated(n = 100) {
  const lines = [
    'apiVersion: kro.run/v1alpha1',
    'kind: ResourceGraphDefinition',
    'metadata:',
    '  name: chain',
    'spec:',
    '  schema:',
    '    apiVersion: v1alpha1',
    '    kind: Chain',
    '    spec:',
    '      name: string | default="chain"',
    '      replicas: integer | default=1',
    '  resources:',
  ];
  for (let i = 0; i < n; i++) {
    const previous = i === 0 ? '${schema.spec.name}' : `\${cm${i - 1}.metadata.name}`;
    lines.push(
      `    - id: cm${i}`,
      '      template:',
      '        apiVersion: v1',
      '        kind: ConfigMap',
      '        metadata:',
      `          name: \${schema.spec.name}-${i}`,
      '        data:',
      `          previous: ${previous}`,
      '          replicas: ${string(schema.spec.replicas)}',
    );
  }
  return lines.join('\n') + '\n';
}

const wasmBytes = readFileSync(join(pkg, 'kro_engine_bg.wasm'));
const size = { raw: wasmBytes.length, gzip: gzipSync(wasmBytes, { level: 9 }).length };

let t = performance.now();
const kro = await import(join(pkg, 'node.js'));
const instantiateMs = performance.now() - t;
t = performance.now();
new WebAssembly.Module(wasmBytes);
const compileMs = performance.now() - t;

function median(f) {
  const start = performance.now();
  f();
  const once = performance.now() - start;
  const runs = Math.min(2000, Math.max(5, Math.round(500 / Math.max(once, 0.001))));
  const times = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    f();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const big = generated();
writeFileSync(join(outDir, 'chain-rgd.yaml'), big);
writeFileSync(join(outDir, 'chain-instance.yaml'), 'apiVersion: kro.run/v1alpha1\nkind: Chain\nmetadata:\n  name: demo\nspec: {}\n');
const inputs = [
  ['examples/webapp', readFileSync(join(repo, 'examples/webapp/rgd.yaml'), 'utf8'), readFileSync(join(repo, 'examples/webapp/instance.yaml'), 'utf8')],
  ['generated 100 resources', big, readFileSync(join(outDir, 'chain-instance.yaml'), 'utf8')],
];
const timings = inputs.map(([name, text, instance]) => {
  const at = text.indexOf('${') + 2;
  const before = text.slice(0, at).split('\n');
  const position = { line: before.length - 1, character: before[before.length - 1].length };
  const check = kro.validate(text);
  if (!check.valid) throw new Error(`${name} is not valid: ${JSON.stringify(check.diagnostics[0])}`);
  return {
    name,
    lines: text.split('\n').length,
    validate: median(() => kro.validate(text)),
    graph: median(() => kro.graph(text)),
    render: median(() => kro.render(text, instance)),
    complete: median(() => kro.complete(text, position)),
  };
});
console.log(JSON.stringify({ size, instantiateMs, compileMs, timings }));
