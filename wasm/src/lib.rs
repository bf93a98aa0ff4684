//! The engine compiled for `wasm32-unknown-unknown`. For now this crate only proves the engine builds for the
//! browser (the test command compiles it with that target on every run); the wasm-bindgen API is a later issue.

pub use kro_engine as engine;
