//! Files generated from Rust types and checked into the repository (the CRDs under deploy/crds), held equal to
//! what the types generate by a test each.

/// Fails unless the file at `path` holds `generated`; with `KRO_UPDATE_CRD` set, writes it first. `test` names
/// the test that regenerates it, for the message.
pub fn assert_checked_in(path: &str, generated: &str, test: &str) {
    if std::env::var_os("KRO_UPDATE_CRD").is_some() {
        std::fs::write(path, generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "{path} differs from the types; run KRO_UPDATE_CRD=1 cargo test -p kro-operator --lib {test}"
    );
}
