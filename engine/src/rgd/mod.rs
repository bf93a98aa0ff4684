//! The RGD document: reading it into a model ([`model`]) with structural checks, and the JSON Schema editors
//! use to validate it as it is typed ([`json_schema`]).

mod access;
pub mod json_schema;
mod labels;
mod model;

pub use access::{Field, Fields, closest, is_dns_label_1035, is_dns_label_1123, is_dns_subdomain};
pub use model::*;
