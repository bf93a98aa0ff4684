//! The RGD document: its model ([`model`]), read from the YAML tree with structural checks ([`read`]) by small
//! typed field readers ([`access`]) under kro's naming rules ([`names`]), and the JSON Schema editors use to
//! validate it as it is typed ([`json_schema`]).

mod access;
pub(crate) mod json_schema;
mod model;
mod names;
mod read;

pub(crate) use access::closest;
pub(crate) use model::*;
pub(crate) use names::suggest;
pub(crate) use read::{is_rgd, read_rgd};
