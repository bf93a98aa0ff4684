// The package's entry point in Node: the same module as in browsers, instantiated synchronously from the
// .wasm file next to this one, so `import { validate } from '@kro-rs/engine'` is ready to call at once.
// `init()` is exported too (it resolves immediately) so code written for browsers runs unchanged.
import { readFileSync } from 'node:fs';
import { initSync } from './index.js';

initSync({ module: readFileSync(new URL('./kro_engine_bg.wasm', import.meta.url)) });

export * from './index.js';

export default async function init() {}
