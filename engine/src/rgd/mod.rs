//! The RGD document: its model ([`model`]), read from the YAML tree with structural checks ([`read`]) by small
//! typed field readers ([`access`]) under kro's naming rules ([`names`]), and the JSON Schema editors use to
//! validate it as it is typed ([`json_schema`]).

mod access;
pub mod json_schema;
mod labels;
mod model;
mod names;
mod read;

pub use access::{Field, Fields, closest, is_dns_label_1035, is_dns_label_1123, is_dns_subdomain};
pub use model::*;
pub use names::{KRO_RESERVED_WORDS, is_reserved, suggest};
pub use read::{is_rgd, read_rgd};
