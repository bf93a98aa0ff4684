// The package's types: the declarations written beside the Rust that produces each shape (wasm/src/*.rs,
// `typescript_custom_section`), which wasm-bindgen puts in kro_engine.d.ts; index.js and node.js export the
// same names.
export * from './kro_engine.js';
export { default } from './kro_engine.js';
