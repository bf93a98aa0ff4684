//! `kro`: the kro-rs command line. See the library for the commands.

use std::process::ExitCode;

fn main() -> ExitCode {
    kro_operator::run()
}
