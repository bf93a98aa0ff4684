//! Rule: templates leave kro's own labels and annotations alone.
//!
//! ## What it rejects
//! A template label or annotation whose key starts with `kro.run/` or `internal.kro.run/`
//! (`reserved-metadata`). An externalRef only reads its object, so it is not concerned.
//!
//! ## Why
//! kro writes labels and annotations under these prefixes on every object it manages (ownership, instance,
//! node id, apply order); a template overriding them would break that bookkeeping. kro refuses them when it
//! builds the graph (`pkg/graph/validation.go`, `validateNoKROOwnedLabels` and
//! `validateNoKROOwnedAnnotations`).
//!
//! ## Example
//! ```yaml
//! template:
//!   metadata:
//!     labels:
//!       kro.run/owned: "true"   # reserved for internal use
//! ```
//!
//! The code is documented for users in `docs/diagnostics.md`.

use super::ResourceBody;
use crate::diagnostics::{Code, Diagnostics};
use crate::rgd::BodyKind;
use crate::yaml::Node;

/// Label and annotation prefixes kro keeps for itself (kro's `metadata.KROPrefix` and
/// `metadata.InternalKROPrefix`).
const RESERVED_PREFIXES: &[&str] = &["kro.run/", "internal.kro.run/"];

pub(in crate::graph) fn check(rb: &ResourceBody<'_, '_>, diags: &mut Diagnostics) {
    let (res, body, metadata, meta_path) = (rb.res, rb.body, rb.metadata, &rb.meta_path);
    if matches!(body.kind, BodyKind::Template) {
        for key in ["labels", "annotations"] {
            for (k, _) in metadata.and_then(|m| m.get(key)).and_then(Node::as_map).unwrap_or_default() {
                if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| k.name.starts_with(*p)) {
                    diags.error(
                        Code::ReservedMetadata,
                        format!(
                            "invalid {} for resource {:?}: {} with prefix {prefix:?} are reserved for internal use",
                            &key[..key.len() - 1],
                            res.id,
                            key
                        ),
                        &meta_path.key(key).key(&k.name),
                        k.span,
                    );
                }
            }
        }
    }
}
