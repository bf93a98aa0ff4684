//! A CRD version's OpenAPI schema kept compressed until an RGD uses its kind.
//!
//! A cluster's CRDs are large and mostly never read: 200 generated CRDs of ~190 KB of JSON each are 38 MB as
//! text and several times that as parsed values, while the RGDs of the cluster use a handful of kinds. The
//! catalog keeps each schema as gzip (repetitive OpenAPI text shrinks 10 to 40 times) and parses it on the
//! first lookup of its kind, once; kinds no RGD uses are never expanded.

use std::io::{Read, Write};
use std::sync::OnceLock;

use serde_json::Value;

/// Largest schema a packed one may expand to, so a corrupt or hostile blob cannot exhaust memory.
const MAX_SCHEMA_BYTES: u64 = 64 * 1024 * 1024;

/// An OpenAPI schema (JSON text), compressed; parsed on first use and kept parsed.
pub struct PackedSchema {
    gz: Box<[u8]>,
    parsed: OnceLock<Value>,
}

impl std::fmt::Debug for PackedSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackedSchema")
            .field("compressed_bytes", &self.gz.len())
            .field("expanded", &self.parsed.get().is_some())
            .finish()
    }
}

impl PackedSchema {
    /// Packs the JSON text of a schema (an `openAPIV3Schema` as the API server returns it). The text is not
    /// checked here: text that does not parse reads as a schema that allows anything.
    pub fn from_json_text(text: &str) -> PackedSchema {
        // Level 1: CRDs arrive in bulk at start-up, where speed matters more than the last few percent.
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        // Writing to a Vec cannot fail.
        let gz: Vec<u8> = encoder.write_all(text.as_bytes()).and_then(|()| encoder.finish()).unwrap_or_default();
        PackedSchema { gz: gz.into_boxed_slice(), parsed: OnceLock::new() }
    }

    /// The schema as it was packed, decompressed and parsed now (not kept): for a host that compares it once,
    /// such as the breaking-change check of an installed CRD.
    pub fn to_value(&self) -> Value {
        self.unpack()
    }

    /// How many bytes it holds compressed.
    pub fn compressed_len(&self) -> usize {
        self.gz.len()
    }

    /// The parsed schema as templates are checked against it (with the fields every object has), expanded on
    /// the first call.
    pub(crate) fn get(&self) -> &Value {
        self.parsed.get_or_init(|| {
            let mut schema = self.unpack();
            super::with_object_fields(&mut schema);
            schema
        })
    }

    fn unpack(&self) -> Value {
        let mut text = Vec::new();
        let mut reader = flate2::read::GzDecoder::new(&self.gz[..]).take(MAX_SCHEMA_BYTES);
        if reader.read_to_end(&mut text).is_err() {
            return Value::Bool(true);
        }
        serde_json::from_slice(&text).unwrap_or(Value::Bool(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_schema_is_smaller_and_reads_back_the_same() {
        let leaf = serde_json::json!({"type": "string", "description": "a leaf field a leaf field a leaf field"});
        let properties: serde_json::Map<String, Value> =
            (0..200).map(|i| (format!("field{i}"), leaf.clone())).collect();
        let schema = serde_json::json!({"type": "object", "properties": properties});
        let text = schema.to_string();
        let packed = PackedSchema::from_json_text(&text);
        assert!(packed.compressed_len() * 10 < text.len(), "{} of {}", packed.compressed_len(), text.len());
        assert_eq!(packed.to_value(), schema);
        let expanded = packed.get();
        assert_eq!(expanded["properties"]["field7"], leaf);
        assert!(expanded["properties"]["metadata"].get("$ref").is_some(), "every object's fields are added");
    }

    #[test]
    fn text_that_is_not_json_reads_as_a_schema_that_allows_anything() {
        assert_eq!(PackedSchema::from_json_text("{not json").get(), &Value::Bool(true));
    }
}
