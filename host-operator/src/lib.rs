//! The `kro` binary's library: the offline commands (`validate`, `crd`, `graph`, `render`, `schema`), which
//! work on files with no cluster. Every command asks the engine and prints what it answers; nothing about an
//! RGD is decided here.

mod args;
mod commands;
mod input;
pub mod operator;
mod report;

pub use commands::run;

/// One file's diagnostics as `kro validate` prints them, without colour. Public for the benchmark only.
#[doc(hidden)]
pub fn render_diagnostics(file: &str, text: &str, diagnostics: &[kro_engine::Diagnostic]) -> String {
    report::render_frames(file, text, diagnostics, false)
}
