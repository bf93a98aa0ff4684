//! Kubernetes' rules for label and annotation keys and label values (apimachinery `IsQualifiedName`,
//! `IsValidLabelValue`), checked on `schema.metadata` so the generated CRD is not refused by the API server.

use super::access::is_dns_subdomain;

/// Why `key` is not a qualified name (`[prefix/]name`), if it is not.
pub(super) fn qualified_name_problem(key: &str) -> Option<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        if prefix.is_empty() {
            return Some("the prefix before '/' must not be empty".to_string());
        }
        if !is_dns_subdomain(prefix) {
            return Some(format!(
                "the prefix {prefix:?} must be a lowercase DNS subdomain (e.g. example.com), at most 253 characters"
            ));
        }
    }
    if name.is_empty() {
        return Some("the name part must not be empty".to_string());
    }
    if name.len() > 63 {
        return Some(format!("the name part {name:?} is {} characters long; the limit is 63", name.len()));
    }
    if !is_label_text(name) {
        return Some(format!(
            "the name part {name:?} must consist of alphanumerics, '-', '_' or '.', and start and end with an \
             alphanumeric"
        ));
    }
    None
}

/// Why `value` is not a valid label value, if it is not.
pub(super) fn label_value_problem(value: &str) -> Option<String> {
    if value.len() > 63 {
        return Some(format!("the value is {} characters long; the limit is 63", value.len()));
    }
    if !value.is_empty() && !is_label_text(value) {
        return Some(format!(
            "the value {value:?} must be empty or consist of alphanumerics, '-', '_' or '.', and start and end \
             with an alphanumeric"
        ));
    }
    None
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
fn is_label_text(s: &str) -> bool {
    let bytes = s.as_bytes();
    let inner = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() && bytes.iter().all(inner)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_names_follow_apimachinery_rules() {
        for ok in ["app", "app.kubernetes.io/name", "example.com/a_b-c.d", "a", "A1"] {
            assert_eq!(qualified_name_problem(ok), None, "{ok}");
        }
        for bad in ["", "/a", "Example.com/a", "a/", "-a", "a-", "a b", "a\tb", &"x".repeat(64), "a/b/c"] {
            assert!(qualified_name_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn label_values_follow_apimachinery_rules() {
        for ok in ["", "v1", "a.b-c_d", &"x".repeat(63)] {
            assert_eq!(label_value_problem(ok), None, "{ok}");
        }
        for bad in ["-a", "a b", &"x".repeat(64), "é"] {
            assert!(label_value_problem(bad).is_some(), "{bad:?}");
        }
    }
}
