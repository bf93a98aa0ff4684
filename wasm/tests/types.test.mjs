// The hand-written index.d.ts against real calls: typecheck.ts must compile with `tsc --strict`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('typecheck.ts compiles against the package types with tsc --strict', () => {
  const tsc = process.env.TSC;
  assert.ok(tsc, 'TSC must name the TypeScript compiler (scripts/wasm-test.sh installs it)');
  const file = fileURLToPath(new URL('./typecheck.ts', import.meta.url));
  execFileSync(tsc, ['--strict', '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2022,dom', file], {
    stdio: 'inherit',
  });
});
