// The package's module for browsers and bundlers (node.js wraps it for Node): the functions and the
// Workspace class of the wasm-bindgen glue, each guarded so that the module stays usable after a panic.
//
// On a panic the engine's hook throws the message as an Error and asks wasm-bindgen for a fresh instance on
// the next call. wasm-bindgen makes that switch only after the next call has copied its arguments into the old
// instance's memory, which the new instance would then read as garbage; calling an export without arguments
// first (`__ready`) makes the switch happen before anything is copied. A Workspace lives in the instance's
// memory, so one made before a panic is gone with the old instance: each keeps its options and documents and
// builds itself again in the new one before its next call.
import init, * as glue from './kro_engine.js';

/** How many panics the module has been through: a Workspace made before the last one must be built again. */
let panics = 0;
const PANIC = 'kro-rs engine panicked';

function call(f, args) {
  glue.__ready();
  try {
    return f(...args);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(PANIC)) panics += 1;
    throw error;
  }
}

const guarded =
  (f) =>
  (...args) =>
    call(f, args);

export const validate = guarded(glue.validate);
export const crd = guarded(glue.crd);
export const crdYaml = guarded(glue.crdYaml);
export const graph = guarded(glue.graph);
export const render = guarded(glue.render);
export const simulate = guarded(glue.simulate);
export const evaluate = guarded(glue.evaluate);
export const complete = guarded(glue.complete);
export const hover = guarded(glue.hover);
export const definition = guarded(glue.definition);
export const symbols = guarded(glue.symbols);
export const toYaml = guarded(glue.toYaml);
export const breakingChanges = guarded(glue.breakingChanges);
export const rgdJsonSchema = guarded(glue.rgdJsonSchema);
export const version = guarded(glue.version);
/** Not part of the API: panics on purpose, for the package's own tests. */
export const __panicForTests = guarded(glue.__panicForTests);
export const initSync = glue.initSync;
export default init;

export class Workspace {
  #options;
  /** name -> [kind, text]: what the workspace is built from again after a panic. */
  #documents = new Map();
  #inner = null;
  #builtAfter = -1;

  constructor(options) {
    this.#options = options;
    this.#inner = call((o) => new glue.Workspace(o), [options]);
    this.#builtAfter = panics;
  }

  #ready() {
    if (this.#builtAfter === panics) return this.#inner;
    // The old instance's memory is gone: nothing to free there.
    this.#inner = call((o) => new glue.Workspace(o), [this.#options]);
    this.#builtAfter = panics;
    for (const [name, [kind, text]] of this.#documents) call((n, k, t) => this.#inner.set(n, k, t), [name, kind, text]);
    return this.#inner;
  }

  #call(method, args) {
    const inner = this.#ready();
    return call((...a) => inner[method](...a), args);
  }

  set(name, kind, text) {
    const changed = this.#call('set', [name, kind, text]);
    this.#documents.set(name, [kind, text]);
    return changed;
  }

  remove(name) {
    this.#documents.delete(name);
    return this.#call('remove', [name]);
  }

  diagnostics(name) {
    return this.#call('diagnostics', [name]);
  }

  graph(name) {
    return this.#call('graph', [name]);
  }

  crds(name) {
    return this.#call('crds', [name]);
  }

  render(request, options) {
    return this.#call('render', [request, options]);
  }

  simulate(request, options) {
    return this.#call('simulate', [request, options]);
  }

  simulation(request, options) {
    return this.#call('simulation', [request, options]);
  }

  step(request, step, options) {
    return this.#call('step', [request, step, options]);
  }

  values(request, step, options) {
    return this.#call('values', [request, step, options]);
  }

  complete(name, position) {
    return this.#call('complete', [name, position]);
  }

  hover(name, position) {
    return this.#call('hover', [name, position]);
  }

  definition(name, position) {
    return this.#call('definition', [name, position]);
  }

  symbols(name) {
    return this.#call('symbols', [name]);
  }

  compiles() {
    return this.#call('compiles', []);
  }

  free() {
    if (this.#inner && this.#builtAfter === panics) this.#inner.free();
    this.#inner = null;
    this.#documents.clear();
  }

  [Symbol.dispose]() {
    this.free();
  }
}
