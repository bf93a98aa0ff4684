//! `kro schema`: the JSON Schema of an RGD document, for editors.

use super::{Outcome, pretty};
use crate::report::{Stream, out};

pub fn schema() -> Outcome {
    out(Stream::Stdout, &pretty(&kro_engine::Engine::rgd_json_schema()));
    Outcome::Success
}
