//! `kro crd`: the generated CRDs as YAML, printed only when every RGD is valid so the output can be piped
//! to kubectl.

use kro_engine::output;

use super::{Outcome, check_all, outcome, print_diagnostics};
use crate::args::InputArgs;
use crate::report::{Stream, out};

pub fn crd(input: &InputArgs) -> Outcome {
    let checked = match check_all(input) {
        Ok(c) => c,
        Err(o) => return o,
    };
    print_diagnostics(&checked, Stream::Stderr);
    let result = outcome(&checked, input.deny_warnings);
    if result == Outcome::Success {
        let yaml: String =
            checked.iter().flat_map(|c| c.docs.iter().filter_map(|d| d.rgd.as_ref())).map(output::crd_yaml).collect();
        out(Stream::Stdout, &yaml);
    }
    result
}
