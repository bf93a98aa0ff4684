//! `kro`: the kro-rs command line. Offline commands (`validate`, `crd`, `graph`, `render`, `schema`) work on
//! files with no cluster; each asks the engine and prints what it answers.

mod cli;
mod commands;
mod input;
mod render;
mod report;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
