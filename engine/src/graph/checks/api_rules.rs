//! Rule: a template holds nothing the API server would refuse.
//!
//! ## What it rejects
//! The literal values of a template that break a rule of the API server no OpenAPI schema states, from the
//! table next to the schema bundle (`engine/schemas/k8s-v1.37-rules.yaml`, [`crate::schemas::rules`]): a
//! name its kind does not accept (`invalid-name`: a `Service` named `my-awesome-app_Service`, a 295-character
//! `ConfigMap` name), a bad label key or value, bad annotations (`invalid-label`), a negative replica count or
//! a port outside 1–65535 (`out-of-range`), a malformed container, port, volume or environment variable
//! name, `ConfigMap` key, quantity, host or path (`invalid-format`), two containers or ports of one name
//! (`duplicate-entry`), a missing image or port name (`missing-value`), a selector that does not select its
//! own pods (`selector-mismatch`), a `Deployment` pod that does not restart `Always` (`unsupported-value`).
//! A value written as `${...}` is only known when the instance is reconciled: it is checked then, in the
//! plan, as an error of its resource (`plan::walk`).
//!
//! ## Why
//! kro leaves these to the API server (`pkg/controller/instance/resources.go` applies and reports the
//! server's refusal in the instance status); the user learns of a misnamed `Service` only once an instance
//! fails. kro-rs says so where it is written (decision 0016).
//!
//! ## Example
//! ```yaml
//! template:
//!   apiVersion: v1
//!   kind: Service
//!   metadata:
//!     name: my-awesome-app_Service   # a Service name is a DNS label
//! ```
//!
//! Each code is documented for users in `docs/diagnostics.md`.

use super::ResourceBody;
use crate::catalog::Catalog;
use crate::diagnostics::{Diagnostic, Diagnostics, Segment};
use crate::rgd::BodyKind;
use crate::schemas::rules::{Mode, Refusal, refusals};
use crate::yaml::{Node, Span};

/// Checks the literal values of one resource's template (an externalRef only names an object).
pub(in crate::graph) fn check(rb: &ResourceBody<'_, '_>, catalog: &Catalog, diags: &mut Diagnostics) {
    let body = rb.body;
    if !body.well_formed || !matches!(body.kind, BodyKind::Template) {
        return;
    }
    let Some(rules) = catalog.kind_rules(&body.api_version, &body.kind_name) else { return };
    for refusal in refusals(&body.node.to_json(), rules, Mode::Template) {
        let span = locate(body.node, &refusal);
        let message = format!("the API server refuses this {}: {}", body.kind_name, refusal.message());
        diags.push(Diagnostic::error(refusal.code, message, body.path.join(&refusal.path), span));
    }
}

/// Where in the template a refusal is: the key or value at its path, or, for a value that is missing, the
/// first key of the deepest mapping that is there.
fn locate(template: &Node, refusal: &Refusal) -> Span {
    let mut node = template;
    let segments = refusal.path.segments();
    for (i, segment) in segments.iter().enumerate() {
        let next = match segment {
            Segment::Key(key) => match node.entry(key) {
                Some((k, _)) if i + 1 == segments.len() && refusal.on_key => return k.span,
                found => found.map(|(_, value)| value),
            },
            Segment::Index(index) => node.as_seq().and_then(|items| items.get(*index)),
        };
        let Some(next) = next else {
            return node.as_map().and_then(<[_]>::first).map_or(node.span, |(key, _)| key.span);
        };
        node = next;
    }
    node.span
}
