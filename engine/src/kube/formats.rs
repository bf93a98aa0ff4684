//! Kubernetes' string formats, as apimachinery checks them (`pkg/util/validation/validation.go` and
//! `pkg/api/validate/content`): DNS labels and subdomains, label keys and values, path-segment names, port
//! names, environment variable names and `ConfigMap` keys. The one place the engine knows them: the RGD reader
//! checks its own names with them, and the API server's rules for the objects an RGD renders
//! ([`crate::schemas::rules`]) use the same functions.
//!
//! Each `*_problem` function returns why a value is refused (`None` when it is valid), in words a user can act
//! on; the patterns are apimachinery's regular expressions, anchored, so a value passes here exactly when it
//! passes there.

use std::sync::LazyLock;

use regex::Regex;

/// A compiled pattern; `None` only if it failed to compile, which the tests rule out (and then every value
/// passes: never stricter than the API server).
type Pattern = LazyLock<Option<Regex>>;

fn matches(pattern: &Pattern, value: &str) -> bool {
    pattern.as_ref().is_none_or(|re| re.is_match(value))
}

static DNS_1123_LABEL: Pattern = LazyLock::new(|| Regex::new("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$").ok());
static DNS_1123_SUBDOMAIN: Pattern =
    LazyLock::new(|| Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$").ok());
static DNS_1035_LABEL: Pattern = LazyLock::new(|| Regex::new("^[a-z]([-a-z0-9]*[a-z0-9])?$").ok());
static WILDCARD_DNS_1123_SUBDOMAIN: Pattern =
    LazyLock::new(|| Regex::new(r"^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$").ok());
static LABEL_NAME: Pattern = LazyLock::new(|| Regex::new("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$").ok());
static CONFIG_MAP_KEY: Pattern = LazyLock::new(|| Regex::new("^[-._a-zA-Z0-9]+$").ok());
static PORT_NAME_CHARSET: Pattern = LazyLock::new(|| Regex::new("^[-a-z0-9]+$").ok());
static PERCENT: Pattern = LazyLock::new(|| Regex::new("^[0-9]+%$").ok());

/// The longest DNS-1123 (and DNS-1035) label.
pub(crate) const DNS_LABEL_MAX: usize = 63;
/// The longest DNS-1123 subdomain.
pub(crate) const DNS_SUBDOMAIN_MAX: usize = 253;
/// The longest label value, and the longest name part of a label key.
pub(crate) const LABEL_MAX: usize = 63;

fn too_long(value: &str, max: usize) -> Option<String> {
    (value.len() > max).then(|| format!("must be no more than {max} characters (it has {})", value.len()))
}

/// Why `value` is not a DNS-1123 label (`my-name`, `123-abc`): lowercase alphanumerics and `-`, starting and
/// ending with an alphanumeric, at most 63 characters (apimachinery `IsDNS1123Label`).
pub(crate) fn dns_label_problem(value: &str) -> Option<String> {
    too_long(value, DNS_LABEL_MAX).or_else(|| {
        (!matches(&DNS_1123_LABEL, value)).then(|| {
            if matches(&DNS_1123_SUBDOMAIN, value) {
                "must not contain dots".to_string()
            } else {
                "must consist of lower case alphanumeric characters or '-', and must start and end with an \
                 alphanumeric character (e.g. 'my-name' or '123-abc')"
                    .to_string()
            }
        })
    })
}

/// Why `value` is not a DNS-1123 subdomain (`example.com`): DNS labels joined by dots, at most 253 characters
/// (apimachinery `IsDNS1123Subdomain`).
pub(crate) fn dns_subdomain_problem(value: &str) -> Option<String> {
    too_long(value, DNS_SUBDOMAIN_MAX).or_else(|| {
        (!matches(&DNS_1123_SUBDOMAIN, value)).then(|| {
            "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an \
             alphanumeric character (e.g. 'example.com')"
                .to_string()
        })
    })
}

/// Why `value` is not a DNS-1035 label (`my-name`, `abc-123`): a DNS-1123 label that starts with a letter
/// (apimachinery `IsDNS1035Label`).
pub(crate) fn dns_1035_label_problem(value: &str) -> Option<String> {
    too_long(value, DNS_LABEL_MAX).or_else(|| {
        (!matches(&DNS_1035_LABEL, value)).then(|| {
            "must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and \
             end with an alphanumeric character (e.g. 'my-name' or 'abc-123')"
                .to_string()
        })
    })
}

/// Why `value` is not a wildcard DNS-1123 subdomain (`*.example.com`).
pub(crate) fn wildcard_dns_subdomain_problem(value: &str) -> Option<String> {
    too_long(value, DNS_SUBDOMAIN_MAX).or_else(|| {
        (!matches(&WILDCARD_DNS_1123_SUBDOMAIN, value)).then(|| {
            "a wildcard host must start with '*.', followed by a valid DNS subdomain (e.g. '*.example.com')".to_string()
        })
    })
}

/// Kubernetes' DNS-1123 subdomain (object names, API groups).
pub(crate) fn is_dns_subdomain(s: &str) -> bool {
    dns_subdomain_problem(s).is_none()
}

/// DNS-1123 label: lowercase alphanumerics and `-`, starting and ending alphanumeric, at most 63 characters.
pub(crate) fn is_dns_label(s: &str) -> bool {
    dns_label_problem(s).is_none()
}

/// DNS-1035 label: a DNS-1123 label that starts with a letter.
pub(crate) fn is_dns_1035_label(s: &str) -> bool {
    dns_1035_label_problem(s).is_none()
}

/// Why `key` is not a qualified name (`[prefix/]name`), as label keys, annotation keys and finalizers must be
/// (apimachinery `IsQualifiedName`): an optional DNS subdomain prefix, and a name of at most 63 alphanumerics,
/// `-`, `_` or `.` that starts and ends with an alphanumeric.
pub(crate) fn qualified_name_problem(key: &str) -> Option<String> {
    let (prefix, name) = match key.split('/').collect::<Vec<_>>().as_slice() {
        [name] => (None, *name),
        [prefix, name] => (Some(*prefix), *name),
        _ => return Some("a key holds at most one '/', between an optional prefix and the name".to_string()),
    };
    if let Some(prefix) = prefix {
        if prefix.is_empty() {
            return Some("the prefix before '/' must not be empty".to_string());
        }
        if dns_subdomain_problem(prefix).is_some() {
            return Some(format!(
                "the prefix {prefix:?} must be a lowercase DNS subdomain (e.g. example.com), at most 253 characters"
            ));
        }
    }
    if name.is_empty() {
        return Some("the name part must not be empty".to_string());
    }
    if name.len() > LABEL_MAX {
        return Some(format!("the name part {name:?} is {} characters long; the limit is 63", name.len()));
    }
    if !matches(&LABEL_NAME, name) {
        return Some(format!(
            "the name part {name:?} must consist of alphanumerics, '-', '_' or '.', and start and end with an \
             alphanumeric"
        ));
    }
    None
}

/// Why `value` is not a valid label value (apimachinery `IsValidLabelValue`): empty, or at most 63
/// alphanumerics, `-`, `_` or `.` that start and end with an alphanumeric.
pub(crate) fn label_value_problem(value: &str) -> Option<String> {
    if value.len() > LABEL_MAX {
        return Some(format!("the value is {} characters long; the limit is 63", value.len()));
    }
    if !value.is_empty() && !matches(&LABEL_NAME, value) {
        return Some(format!(
            "the value {value:?} must be empty or consist of alphanumerics, '-', '_' or '.', and start and end \
             with an alphanumeric"
        ));
    }
    None
}

/// Why `name` cannot be a path segment of a URL, as RBAC objects' names must be able to (apimachinery
/// `IsPathSegmentName`): not `.` or `..`, and no `/` or `%`.
pub(crate) fn path_segment_problem(name: &str) -> Option<String> {
    if name == "." || name == ".." {
        return Some(format!("may not be '{name}'"));
    }
    ['/', '%'].iter().find(|c| name.contains(**c)).map(|c| format!("may not contain '{c}'"))
}

/// Why `name` is not a valid port name (apimachinery `IsValidPortName`, an IANA service name): at most 15
/// lowercase alphanumerics and `-`, at least one letter, no `--`, not starting or ending with `-`.
pub(crate) fn port_name_problem(name: &str) -> Option<String> {
    if name.len() > 15 {
        return Some(format!("must be no more than 15 characters (it has {})", name.len()));
    }
    if !matches(&PORT_NAME_CHARSET, name) {
        return Some("must contain only lower case alphanumeric characters (a-z, 0-9) and hyphens (-)".to_string());
    }
    if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        return Some("must contain at least one letter (a-z)".to_string());
    }
    if name.contains("--") {
        return Some("must not contain consecutive hyphens".to_string());
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Some("must not begin or end with a hyphen".to_string());
    }
    None
}

/// Why `name` is not a valid environment variable name. Kubernetes 1.37 applies the relaxed rule
/// (apimachinery `IsRelaxedEnvVarName`; the `RelaxedEnvironmentVariableValidation` gate is GA and locked on):
/// not empty, printable ASCII other than `=`.
pub(crate) fn env_var_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("must not be empty".to_string());
    }
    (!name.chars().all(|c| c.is_ascii_graphic() && c != '=' || c == ' '))
        .then(|| "must consist only of printable ASCII characters other than '='".to_string())
}

/// Why `key` is not a valid `ConfigMap` or `Secret` key (apimachinery `IsConfigMapKey`): at most 253
/// alphanumerics, `-`, `_` or `.`, and not `.`, `..` or starting with `..`.
pub(crate) fn config_key_problem(key: &str) -> Option<String> {
    if let Some(problem) = too_long(key, DNS_SUBDOMAIN_MAX) {
        return Some(problem);
    }
    if !matches(&CONFIG_MAP_KEY, key) {
        return Some("must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name')".to_string());
    }
    match key {
        "." => Some("must not be '.'".to_string()),
        ".." => Some("must not be '..'".to_string()),
        k if k.starts_with("..") => Some("must not start with '..'".to_string()),
        _ => None,
    }
}

/// Whether `value` is a percentage such as `25%` (apimachinery `IsValidPercent`).
pub(crate) fn is_percent(value: &str) -> bool {
    matches(&PERCENT, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for pattern in [
            &DNS_1123_LABEL,
            &DNS_1123_SUBDOMAIN,
            &DNS_1035_LABEL,
            &WILDCARD_DNS_1123_SUBDOMAIN,
            &LABEL_NAME,
            &CONFIG_MAP_KEY,
            &PORT_NAME_CHARSET,
            &PERCENT,
        ] {
            assert!(pattern.is_some());
        }
    }

    #[test]
    fn dns_names_follow_rfc_1123_and_1035() {
        assert!(is_dns_subdomain("kro.run") && !is_dns_subdomain("Kro.run") && !is_dns_subdomain(""));
        assert!(is_dns_subdomain(&"a".repeat(253)) && !is_dns_subdomain(&"a".repeat(254)));
        assert!(is_dns_label("9lives") && !is_dns_label("a.b") && !is_dns_label(&"a".repeat(64)));
        assert_eq!(dns_label_problem("a.b").as_deref(), Some("must not contain dots"));
        assert!(is_dns_1035_label("deployment") && !is_dns_1035_label("9lives"));
        assert!(dns_label_problem("my-awesome-app_Service").is_some());
        assert!(wildcard_dns_subdomain_problem("*.example.com").is_none());
        assert!(wildcard_dns_subdomain_problem("*example.com").is_some());
    }

    #[test]
    fn qualified_names_have_an_optional_dns_prefix_and_a_short_name() {
        for ok in ["app", "app.kubernetes.io/name", "example.com/a_b-c.d", "a", "A1", &"x".repeat(63)] {
            assert_eq!(qualified_name_problem(ok), None, "{ok}");
        }
        for bad in ["", "/a", "Example.com/a", "a/", "-a", "a-", "a b", "a\tb", &"x".repeat(64), "a/b/c"] {
            assert!(qualified_name_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn label_values_are_empty_or_short_alphanumerics() {
        for ok in ["", "v1", "a.b-c_d", &"x".repeat(63)] {
            assert_eq!(label_value_problem(ok), None, "{ok}");
        }
        for bad in ["-a", "a b", &"x".repeat(64), "é"] {
            assert!(label_value_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn names_of_parts_follow_their_own_rules() {
        assert!(path_segment_problem("system:admin").is_none() && path_segment_problem("a/b").is_some());
        assert!(path_segment_problem("..").is_some() && path_segment_problem("a%2f").is_some());
        assert!(port_name_problem("http").is_none() && port_name_problem("web-8080").is_none());
        for bad in ["8080", "HTTP", "a--b", "-a", "a-", "abcdefghijklmnop", "a_b"] {
            assert!(port_name_problem(bad).is_some(), "{bad}");
        }
        assert!(env_var_name_problem("MY_VAR.1-x").is_none() && env_var_name_problem("1st var").is_none());
        assert!(env_var_name_problem("A=B").is_some() && env_var_name_problem("").is_some());
        assert!(env_var_name_problem("é").is_some() && env_var_name_problem("a\tb").is_some());
        assert!(config_key_problem("app.properties").is_none() && config_key_problem(".env").is_none());
        for bad in ["a/b", "..a", ".", "a b", &"k".repeat(254)] {
            assert!(config_key_problem(bad).is_some(), "{bad}");
        }
        assert!(is_percent("25%") && !is_percent("25") && !is_percent("%"));
    }
}
