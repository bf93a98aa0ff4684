// Editor services on the web application example, and positions after non-ASCII text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { complete, hover, definition, symbols, validate } from '@kro-rs/engine';
import { read, positionOf, endPosition } from './helpers.mjs';

const webapp = read('examples/webapp/rgd.yaml');

/** The example with `typed` inserted after the first `after`, and the position at the end of `typed`. */
function typing(after, typed) {
  const at = webapp.indexOf(after) + after.length;
  const text = webapp.slice(0, at) + typed + webapp.slice(at);
  return { text, position: endPosition(text.slice(0, at + typed.length)) };
}

test('after ${deployment.spec. completion offers replicas and template with their types', () => {
  const { text, position } = typing('replicas: 3\n', '          paused: ${deployment.spec.');
  const items = complete(text, position);
  const replicas = items.find((i) => i.label === 'replicas');
  const template = items.find((i) => i.label === 'template');
  assert.equal(replicas?.detail, 'integer');
  assert.equal(replicas?.kind, 'field');
  assert.match(template?.detail ?? '', /^PodTemplateSpec/);
});

test('completion in an expression offers schema, resource ids and CEL functions with signatures', () => {
  const { text, position } = typing('name: ${schema.spec.name}-service\n', '          x: ${');
  const labels = complete(text, position).map((i) => i.label);
  for (const expected of ['schema', 'deployment', 'ingress', 'has', 'size']) assert.ok(labels.includes(expected), expected);
  const spec = complete(...Object.values(typing('name: ${schema.spec.name}-service\n', '          x: ${schema.spec.')));
  assert.deepEqual(spec.filter((i) => i.kind === 'field').map((i) => i.label).sort(), ['image', 'ingress', 'name']);
});

test('completion in a SimpleSchema value offers types, and markers after the bar', () => {
  const types = complete(...Object.values(typing('      name: string\n', '      size: ')));
  assert.ok(types.some((i) => i.label === 'integer' && i.kind === 'type'));
  const markers = complete(...Object.values(typing('      name: string\n', '      size: integer | ')));
  assert.ok(markers.some((i) => i.label === 'default' && i.kind === 'marker'));
});

test('completion at a template key offers the fields of its kind', () => {
  const items = complete(...Object.values(typing('          replicas: 3\n', '          rev')));
  assert.deepEqual(items.map((i) => i.label), ['revisionHistoryLimit']);
});

test('hover on replicas shows integer and its description', () => {
  const h = hover(webapp, positionOf(webapp, 'replicas: 3', 3));
  assert.match(h.contents, /^\*\*replicas\*\*: `integer`/);
  assert.match(h.contents, /desired pods/);
});

test('hover on a reference to a resource shows its kind and dependencies', () => {
  const h = hover(webapp, positionOf(webapp, 'service.metadata.name', 2));
  assert.equal(h.contents, '**service**: `v1` `Service`\n\nDepends on: deployment');
});

test('definition of a reference is the resource id', () => {
  const d = definition(webapp, positionOf(webapp, 'deployment.spec.selector', 3));
  assert.deepEqual(d.range.start, positionOf(webapp, 'deployment\n'));
});

test('symbols list the schema and the resources', () => {
  assert.deepEqual(symbols(webapp).map((s) => s.name), ['Application', 'deployment', 'service', 'ingress']);
});

test('diagnostic ranges count UTF-16 units after non-ASCII text', () => {
  // é is one unit, 😀 two: the error's column is the JavaScript string index on its line.
  const text = webapp.replace('name: ${schema.spec.name}\n        spec:\n          replicas', 'name: "é😀-${schema.spec.nope}"\n        spec:\n          replicas');
  const { diagnostics } = validate(text);
  const d = diagnostics.find((x) => x.severity === 'error');
  assert.ok(d, 'an error');
  const line = text.split('\n')[d.range.start.line];
  assert.match(line, /é😀/);
  // The engine points at the unknown field; sliced by UTF-16 index, the range is exactly that text.
  assert.equal(line.slice(d.range.start.character, d.range.end.character), '.nope');
});
