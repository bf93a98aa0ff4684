// The declarations in the package's .d.ts (written once, in the Rust crate) against real calls:
// typecheck.ts uses every function and class as a user would, and every value the functions return on the
// examples and a set of fixtures is written out as a literal of its declared type, which `tsc --strict` must
// accept: a field the engine adds without declaring it, or a declared field it does not send, fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as kro from '@kro-rs/engine';
import { exists, list, read, positionOf } from './helpers.mjs';

function tsc(file) {
  const compiler = process.env.TSC;
  assert.ok(compiler, 'TSC must name the TypeScript compiler (scripts/wasm-test.sh installs it)');
  const args = ['--strict', '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022'];
  execFileSync(compiler, [...args, '--lib', 'es2022,dom', file], { stdio: 'inherit' });
}

test('typecheck.ts compiles against the package types with tsc --strict', () => {
  tsc(fileURLToPath(new URL('./typecheck.ts', import.meta.url)));
});

/** [declared type, value] for what each function returns on `dir`'s RGD, instance and observed objects. */
function samples(dir) {
  const text = read(dir, 'rgd.yaml');
  const crds = exists(dir, 'crds') ? list(dir, 'crds').map((f) => read(dir, 'crds', f)) : [];
  const out = [
    ['ValidateResult', kro.validate(text, { crds })],
    ['KubernetesObject[] | Invalid', kro.crd(text, { crds })],
    ['string | Invalid', kro.crdYaml(text, { crds })],
    ['Graph | Graph[] | Invalid', kro.graph(text, { crds })],
    ['DocumentSymbol[]', kro.symbols(text)],
  ];
  const ws = new kro.Workspace();
  ws.set('rgd', 'rgds', text);
  crds.forEach((c, i) => ws.set(`crd${i}`, 'crds', c));
  out.push(['Diagnostic[]', ws.diagnostics('rgd')], ['GraphResult', ws.graph('rgd')], ['CrdsResult', ws.crds('rgd')]);
  for (const file of list(dir).filter((f) => /^instance(\..+)?\.yaml$/.test(f))) {
    const observedFile = file.replace('instance', 'observed');
    const observed = exists(dir, observedFile) ? read(dir, observedFile) : '';
    const instance = read(dir, file);
    out.push(['Plan | Invalid | InstanceErrors', kro.render(text, instance, { crds, observed })]);
    out.push(['Simulation | Invalid | InstanceErrors', kro.simulate(text, instance, { crds, observed })]);
    ws.set('instance', 'instance', instance);
    ws.set('observed', 'observed', observed);
    const request = { rgd: 'rgd', instance: 'instance', observed: 'observed' };
    out.push(['PlanResult', ws.render(request)], ['SimulationResult', ws.simulate(request)]);
    const summary = ws.simulation(request);
    out.push(['SimulationSummaryResult', summary], ['StepResult', ws.step(request, 1)], ['ValuesResult', ws.values(request, 1)]);
    if (summary.type === 'simulation') {
      out.push(['StepResult', ws.step(request, summary.steps.length)], ['ValuesResult', ws.values(request, summary.steps.length)]);
    }
    out.push(['Diagnostic[]', ws.diagnostics('instance')]);
  }
  ws.free();
  return out;
}

test('what every function returns is a value of its declared type', () => {
  const webapp = read('examples/webapp/rgd.yaml');
  const cases = [
    ...list('examples').flatMap((name) => samples(`examples/${name}`)),
    ...['seed-webapp', 'plan-deletion', 'plan-invalid-instance', 'plan-external-ref', 'plan-for-each', 'plan-installed-crd', 'error-many-independent', 'custom-kind-from-crd', 'warning-duplicate-key'].flatMap((name) => samples(`tests/fixtures/${name}`)),
    ['EvaluateResult', kro.evaluate('[1, 2].map(x, x * 2)')],
    ['EvaluateResult', kro.evaluate('x.missing', { x: {} })],
    ['CompletionItem[]', kro.complete(webapp, positionOf(webapp, 'schema.spec.name}', 12))],
    ['Hover | null', kro.hover(webapp, positionOf(webapp, 'replicas: 3', 3))],
    ['Definition | null', kro.definition(webapp, positionOf(webapp, 'deployment.spec.selector', 3))],
    ['string', kro.toYaml({ a: [1, 'on', null] })],
    ['BreakingChange[]', kro.breakingChanges(kro.crd(webapp)[0], kro.crd(webapp.replace('image: string | default="nginx"', 'image: string | default="nginx"\n      team: string | required=true'))[0])],
    ['string', kro.version()],
  ];
  const lines = cases.map(([type, value], i) => `export const v${i}: ${type.replace(/\b([A-Z]\w*)/g, 'kro.$1')} = ${JSON.stringify(value)};`);
  // Next to this file, in the test project where the package is installed (scripts/wasm-test.sh).
  const local = fileURLToPath(new URL('./returned.ts', import.meta.url));
  writeFileSync(local, `import type * as kro from '@kro-rs/engine';\n${lines.join('\n')}\n`);
  tsc(local);
});
