#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test: a failure should stop it loudly
//! The committed bundle is exactly what the generator produces now, so it cannot drift from the generator or
//! from the k8s-openapi version in Cargo.lock. Compares the JSON text (not the gzip bytes, which may change
//! with the compressor's version). Cheap: generating takes well under a second.

use kro_schema_bundle::{BUNDLE_PATH, bundle_json, gunzip};

#[test]
fn committed_bundle_is_what_the_generator_produces() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(BUNDLE_PATH);
    let stored = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let stored = String::from_utf8(gunzip(&stored).unwrap()).unwrap();
    let fresh = bundle_json();
    if stored != fresh {
        let at = stored.bytes().zip(fresh.bytes()).position(|(a, b)| a != b).unwrap_or(stored.len().min(fresh.len()));
        let context = |s: &str| s.get(at.saturating_sub(80)..(at + 80).min(s.len())).unwrap_or_default().to_string();
        panic!(
            "{BUNDLE_PATH} is out of date (run `make schemas`); first difference at byte {at}:\n  stored: …{}…\n  now:    …{}…",
            context(&stored),
            context(&fresh)
        );
    }
}
