//! The names kro accepts in an RGD: resource ids and forEach iterators (lowerCamelCase, not reserved), kinds
//! (UpperCamelCase), API versions; and the suggestion offered for a name that is close to a known one.

use super::access::closest;
use crate::kube::CEL_RESERVED_WORDS;
use crate::kube::formats::{is_dns_label, is_dns_subdomain};

/// Words kro reserves besides CEL's own ([`CEL_RESERVED_WORDS`]): neither can be a resource id
/// or a forEach iterator name.
pub(crate) const KRO_RESERVED_WORDS: &[&str] = &[
    "apiVersion",
    "context",
    "dependency",
    "dependencies",
    "each",
    "externalRef",
    "externalReference",
    "externalRefs",
    "externalReferences",
    "graph",
    "instance",
    "item",
    "items",
    "kind",
    "kro",
    "metadata",
    "object",
    "resource",
    "resourcegraphdefinition",
    "resourceGraphDefinition",
    "resources",
    "root",
    "runtime",
    "schema",
    "self",
    "serviceAccountName",
    "spec",
    "status",
    "this",
    "variables",
    "vars",
    "version",
];

/// Whether `name` is reserved, by kro or by CEL.
pub(crate) fn is_reserved(name: &str) -> bool {
    KRO_RESERVED_WORDS.contains(&name) || CEL_RESERVED_WORDS.contains(&name)
}

pub(super) fn is_upper_camel(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase()) && chars.all(|c| c.is_ascii_alphanumeric())
}

pub(super) fn is_lower_camel(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase()) && chars.all(|c| c.is_ascii_alphanumeric())
}

pub(super) fn to_lower_camel(s: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            if out.is_empty() {
                out.push(c.to_ascii_lowercase());
            } else if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() || !out.as_bytes()[0].is_ascii_lowercase() { format!("r{out}") } else { out }
}

/// `v1`, `v1alpha1`, `v2beta3`.
pub(super) fn is_kube_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let rest = &rest[digits..];
    if rest.is_empty() {
        return true;
    }
    let tail = rest.strip_prefix("alpha").or_else(|| rest.strip_prefix("beta"));
    tail.is_some_and(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()))
}

/// `apps/v1` or `v1`: at most one `/`, a DNS group, a DNS-label version.
pub(super) fn is_api_version(s: &str) -> bool {
    match s.split_once('/') {
        Some((group, version)) => is_dns_subdomain(group) && is_dns_label(version),
        None => is_dns_label(s),
    }
}

/// Suggests a close resource id for an unknown identifier.
pub(crate) fn suggest<'c>(name: &str, candidates: &[&'c str]) -> Option<&'c str> {
    closest(name, candidates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_api_versions_and_ids_are_recognised_as_kubernetes_and_kro_spell_them() {
        assert!(is_kube_version("v1alpha1") && is_kube_version("v2") && is_kube_version("v1beta3"));
        assert!(!is_kube_version("v1alpha") && !is_kube_version("1") && !is_kube_version("kro.run/v1"));
        assert!(is_api_version("apps/v1") && is_api_version("v1") && !is_api_version("a/b/c"));
        assert_eq!(to_lower_camel("my-deployment"), "myDeployment");
        assert_eq!(to_lower_camel("Deployment"), "deployment");
    }
}
