// The Workspace class: documents compiled once per change, tagged results, findings as data, and a workspace
// that outlives an engine panic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Workspace, __panicForTests } from '@kro-rs/engine';
import { list, read, positionOf } from './helpers.mjs';

const webapp = read('examples/webapp/rgd.yaml');
const instance = read('examples/webapp/instance.yaml');
const request = { rgd: 'rgd.yaml', instance: 'instance.yaml', observed: 'observed.yaml' };

function workspace() {
  const ws = new Workspace();
  ws.set('rgd.yaml', 'rgds', webapp);
  ws.set('instance.yaml', 'instance', instance);
  ws.set('observed.yaml', 'observed', '');
  return ws;
}

test('an edit of the RGD compiles it once for diagnostics, graph, CRDs, plan, simulation and completion', () => {
  const ws = workspace();
  assert.deepEqual(ws.diagnostics('rgd.yaml'), []);
  const graph = ws.graph('rgd.yaml');
  assert.equal(graph.type, 'graphs');
  assert.deepEqual(graph.graphs[0].topologicalOrder, ['deployment', 'service', 'ingress']);
  const crds = ws.crds('rgd.yaml');
  assert.equal(crds.type, 'crds');
  assert.match(crds.yaml, /^---\napiVersion: apiextensions.k8s.io\/v1/);
  const rendered = ws.render(request, { now: '2025-06-01T00:00:00Z' });
  assert.equal(rendered.type, 'plan');
  assert.deepEqual(rendered.plan.nodes.map((n) => `${n.id}:${n.state}`), ['deployment:applied', 'service:waiting', 'ingress:waiting']);
  assert.match(rendered.yaml, /kind: Deployment/);
  const simulated = ws.simulate(request);
  assert.equal(simulated.type, 'simulation');
  assert.deepEqual(simulated.simulation.result, { active: true });
  assert.ok(ws.complete('rgd.yaml', positionOf(webapp, 'schema.spec.name}', 7)).some((i) => i.label === 'spec'));
  assert.equal(ws.compiles(), 1);

  ws.set('instance.yaml', 'instance', instance.replace('enabled: true', 'enabled: false'));
  assert.deepEqual(ws.render(request).plan.excluded, ['ingress']);
  assert.equal(ws.compiles(), 1, 'an instance edit compiles nothing');
  assert.equal(ws.set('rgd.yaml', 'rgds', webapp), false, 'the same text is no change');
  ws.set('rgd.yaml', 'rgds', `# edited\n${webapp}`);
  ws.diagnostics('rgd.yaml');
  ws.graph('rgd.yaml');
  ws.render(request);
  assert.equal(ws.compiles(), 2);
  ws.free();
});

test('why nothing was planned is a tagged finding located in the document at fault', () => {
  const ws = workspace();
  ws.set('observed.yaml', 'observed', 'kind: ConfigMap\nfoo: [\n');
  const observed = ws.render(request);
  assert.equal(observed.type, 'invalidObserved');
  assert.equal(observed.diagnostics[0].code, 'yaml-syntax');
  assert.equal(observed.diagnostics[0].range.start.line, 2);
  ws.set('observed.yaml', 'observed', '');

  ws.set('instance.yaml', 'instance', instance.replace('enabled: true', 'enabled: 12'));
  const refused = ws.simulate(request);
  assert.equal(refused.type, 'invalidInstance');
  assert.deepEqual(refused.diagnostics.map((d) => [d.severity, d.code, d.range.start.line]), [['error', 'instance-type', 7]]);
  assert.deepEqual(ws.diagnostics('instance.yaml').map((d) => d.code), ['instance-type']);
  ws.set('instance.yaml', 'instance', '# to do\n');
  assert.deepEqual(ws.render(request), { type: 'emptyInstance' });

  ws.set('rgd.yaml', 'rgds', webapp.replace('${schema.spec.image}', '${schema.spec.imag}'));
  for (const result of [ws.render(request), ws.graph('rgd.yaml'), ws.crds('rgd.yaml')]) {
    assert.equal(result.type, 'invalidRgd');
    assert.equal(result.diagnostics[0].code, 'cel-type-error');
  }
  assert.deepEqual(ws.render({ ...request, rgd: 'nope' }), { type: 'noSuchDocument', name: 'nope', kind: 'rgds' });
  assert.throws(() => ws.set('x', 'yaml', ''), /kind "yaml" is not one of rgds, crds, instance, observed/);
  assert.throws(() => ws.render({ rgd: 'rgd.yaml' }), /request must be/);
});

test('CRD documents teach the kinds RGD documents use', () => {
  const ws = new Workspace();
  const dir = 'tests/fixtures/custom-kind-from-crd';
  ws.set('rgd.yaml', 'rgds', read(dir, 'rgd.yaml'));
  assert.ok(ws.diagnostics('rgd.yaml').some((d) => d.code === 'unknown-kind'));
  for (const name of list(dir, 'crds')) ws.set(`crds/${name}`, 'crds', read(dir, 'crds', name));
  assert.deepEqual(ws.diagnostics('rgd.yaml'), []);
  ws.set('crds/broken.yaml', 'crds', 'kind: [');
  assert.deepEqual(ws.diagnostics('crds/broken.yaml').map((d) => d.code), ['yaml-syntax']);
});

test('a workspace made before an engine panic keeps its documents and answers after it', () => {
  const ws = workspace();
  assert.equal(ws.graph('rgd.yaml').type, 'graphs');
  assert.throws(() => __panicForTests(), /deliberate panic/);
  // Rebuilt in the new instance from what it was given, compiled afresh.
  assert.equal(ws.render(request).type, 'plan');
  assert.equal(ws.compiles(), 1);
  ws.set('instance.yaml', 'instance', instance.replace('enabled: true', 'enabled: false'));
  assert.deepEqual(ws.render(request).plan.excluded, ['ingress']);
});

test('a simulation is shown a step at a time: a summary of every step, one step whole, and the values of its expressions', () => {
  const ws = workspace();
  const summary = ws.simulation(request);
  assert.equal(summary.type, 'simulation');
  assert.deepEqual(summary.result, { active: true });
  const full = ws.simulate(request).simulation;
  assert.equal(summary.steps.length, full.steps.length);
  summary.steps.forEach((s, i) => {
    assert.equal(s.state, full.steps[i].plan.state);
    assert.deepEqual(s.nodes, full.steps[i].plan.nodes);
    assert.equal(s.applied, full.steps[i].plan.resources.length);
  });
  const last = ws.step(request, summary.steps.length);
  assert.equal(last.type, 'step');
  assert.deepEqual(last.plan, full.steps.at(-1).plan);
  assert.match(last.yaml, /kind: Deployment/);
  assert.deepEqual(ws.step(request, summary.steps.length + 1), { type: 'noSuchStep', steps: summary.steps.length });
  assert.equal(ws.step(request, 0).type, 'noSuchStep');

  const values = ws.values(request, summary.steps.length);
  assert.equal(values.type, 'values');
  const name = values.values.find((v) => v.expression === 'schema.spec.name');
  assert.deepEqual([name.outcome, name.value], ['value', 'my-awesome-app']);
  assert.equal(name.range.start.line, positionOf(webapp, 'schema.spec.name}', 0).line);
  // The Service's cluster IP, as the simulated API server allocated it.
  const first = ws.values(request, 1).values.find((v) => v.expression.startsWith('service.'));
  assert.equal(first?.outcome ?? 'pending', 'pending');
  assert.equal(ws.compiles(), 1, 'one compile for all of it');
});

test('events make a resource not ready or refused from a step on', () => {
  const ws = workspace();
  const notReady = ws.simulation(request, { events: [{ id: 'deployment', fromStep: 2, effect: 'notReady' }] });
  assert.equal(notReady.result.active, false);
  assert.equal(notReady.result.cause, 'stuck');
  assert.match(notReady.result.reason, /deployment: not ready: made so in the simulation from step 2/);
  const failed = ws.simulation(request, { events: [{ id: 'service', fromStep: 2, effect: 'failed', message: 'quota exceeded' }] });
  assert.equal(failed.steps.at(-1).state, 'ERROR');
  assert.match(failed.result.reason, /quota exceeded/);
  assert.throws(() => ws.simulation(request, { events: [{ id: 'x', fromStep: 1, effect: 'gone' }] }), /notReady, failed/);
});
