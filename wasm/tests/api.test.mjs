// The rest of the API: errors thrown for misuse, a panic turned into an Error with the module usable after,
// evaluate, render with objects, rgdJsonSchema and version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as kro from '@kro-rs/engine';
import { read } from './helpers.mjs';

const webapp = read('examples/webapp/rgd.yaml');

test('a panic becomes a thrown Error with its message, and the next call works', () => {
  assert.throws(() => kro.__panicForTests(), /deliberate panic for the tests/);
  assert.equal(kro.validate(webapp).valid, true);
  assert.throws(() => kro.__panicForTests(), /deliberate panic/);
  assert.equal(kro.graph(webapp).resources.length, 3);
});

test('options of the wrong shape are thrown as errors naming the problem', () => {
  assert.throws(() => kro.validate(webapp, { featuregates: {} }), /unknown field `featuregates`/);
  assert.throws(() => kro.complete(webapp, { line: 'x' }), /position must be/);
  assert.throws(() => kro.render(webapp, 'metadata: {name: a}', { now: 'yesterday' }), /RFC 3339/);
});

test('an invalid RGD gives its diagnostics instead of a graph, CRDs or a plan', () => {
  const broken = webapp.replace('image: ${schema.spec.image}', 'image: ${schema.spec.imag}');
  for (const result of [kro.graph(broken), kro.crd(broken), kro.render(broken, 'metadata: {name: a}')]) {
    assert.ok(result.diagnostics.length > 0);
  }
});

test('render takes the instance as an object and observed objects as an array', () => {
  const instance = { apiVersion: 'kro.run/v1alpha1', kind: 'Application', metadata: { name: 'demo' }, spec: { name: 'demo' } };
  const plan = kro.render(webapp, instance, { observed: [], now: '2025-06-01T00:00:00Z' });
  assert.deepEqual(plan.resources.map((r) => r.kind), ['Deployment']);
  assert.equal(plan.state, 'IN_PROGRESS');
  const sim = kro.simulate(webapp, instance);
  assert.deepEqual(sim.result, { active: true });
});

test('an instance the API server would refuse gives instanceErrors with ranges', () => {
  const result = kro.render(webapp, 'apiVersion: kro.run/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec:\n  name: 3\n');
  assert.ok(result.instanceErrors.length > 0);
  assert.equal(result.instanceErrors[0].range.start.line, 4);
});

test('evaluate runs CEL with kro library functions, and reports errors as data', () => {
  assert.deepEqual(kro.evaluate('x.items.map(i, i * 2)', { x: { items: [1, 2] } }), { value: [2, 4] });
  assert.deepEqual(kro.evaluate('"a,b".split(",").size()'), { value: 2 });
  const failed = kro.evaluate('x.missing', { x: {} });
  assert.equal(typeof failed.error.message, 'string');
});

test('rgdJsonSchema and version describe the package', () => {
  assert.equal(typeof kro.rgdJsonSchema(), 'object');
  assert.match(kro.version(), /^\d+\.\d+\.\d+/);
});

test('breakingChanges names what a new CRD would break for stored instances', () => {
  const before = kro.crd(webapp)[0];
  assert.deepEqual(kro.breakingChanges(before, before), []);
  const required = 'image: string | default="nginx"\n      team: string | required=true';
  const after = kro.crd(webapp.replace('image: string | default="nginx"', required))[0];
  const changes = kro.breakingChanges(before, after);
  assert.ok(changes.some((c) => c.kind === 'REQUIRED_ADDED' && c.path === 'v1alpha1.spec' && /team/.test(c.message)), JSON.stringify(changes));
});
