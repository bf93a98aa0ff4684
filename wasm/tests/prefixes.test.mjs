// Every prefix of every example RGD, as if typed character by character (every 7th character for the large
// ones): validate, complete, hover and graph give structured results and never throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validate, complete, hover, graph } from '@kro-rs/engine';
import { read, list, endPosition } from './helpers.mjs';

const LARGE = 4000;

for (const name of list('examples')) {
  test(`every prefix of examples/${name} is answered without a throw`, () => {
    const text = read('examples', name, 'rgd.yaml');
    const step = text.length > LARGE ? 7 : 1;
    for (let end = 0; end <= text.length; end += step) {
      const prefix = text.slice(0, end);
      const at = endPosition(prefix);
      const { diagnostics } = validate(prefix);
      assert.ok(Array.isArray(diagnostics));
      assert.ok(Array.isArray(complete(prefix, at)));
      const h = hover(prefix, at);
      assert.ok(h === null || typeof h.contents === 'string');
      const g = graph(prefix);
      assert.ok(Array.isArray(g) || Array.isArray(g.diagnostics) || Array.isArray(g.resources));
    }
  });
}
