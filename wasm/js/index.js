// The package's module for browsers and bundlers (node.js wraps it for Node): the functions of the
// wasm-bindgen glue, each guarded so that the module stays usable after a panic.
//
// On a panic the engine's hook throws the message as an Error and asks wasm-bindgen for a fresh instance on
// the next call. wasm-bindgen makes that switch only after the next call has copied its arguments into the old
// instance's memory, which the new instance would then read as garbage; calling an export without arguments
// first (`__ready`) makes the switch happen before anything is copied.
import init, * as glue from './kro_engine.js';

const guarded =
  (f) =>
  (...args) => {
    glue.__ready();
    return f(...args);
  };

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
export const rgdJsonSchema = guarded(glue.rgdJsonSchema);
export const version = guarded(glue.version);
/** Not part of the API: panics on purpose, for the package's own tests. */
export const __panicForTests = guarded(glue.__panicForTests);
export const initSync = glue.initSync;
export default init;
