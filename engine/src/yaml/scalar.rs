//! Plain-scalar resolution as Kubernetes reads manifests: sigs.k8s.io/yaml sits on a YAML 1.1 parser, so `yes`,
//! `on`, `y` are booleans and `0644` is octal. A YAML 1.2 reading would silently change what `kubectl apply`
//! does with the same file, so the 1.1 rules are pinned here (and by tests).

use super::node::NodeKind;

/// Resolves a plain (unquoted) scalar, honouring an explicit core-schema tag such as `!!str`.
pub(crate) fn resolve_plain(text: &str, tag: Option<&str>) -> NodeKind {
    match tag {
        Some("str") => return NodeKind::Str(text.to_string()),
        Some("int") => {
            if let Some(i) = parse_int(text) {
                return NodeKind::Int(i);
            }
        }
        Some("float") => {
            if let Some(f) = parse_float(text).or_else(|| parse_int(text).map(|i| i as f64)) {
                return NodeKind::Float(f);
            }
        }
        Some("bool") => {
            if let Some(b) = parse_bool(text) {
                return NodeKind::Bool(b);
            }
        }
        Some("null") => return NodeKind::Null,
        _ => {}
    }
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return NodeKind::Null;
    }
    if let Some(b) = parse_bool(text) {
        return NodeKind::Bool(b);
    }
    if let Some(i) = parse_int(text) {
        return NodeKind::Int(i);
    }
    if let Some(f) = parse_float(text) {
        return NodeKind::Float(f);
    }
    NodeKind::Str(text.to_string())
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

fn parse_int(text: &str) -> Option<i64> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    // Every YAML 1.1 integer starts with a digit after its sign; most plain scalars (names, kinds, `${...}`)
    // end here, before anything is allocated.
    if !body.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let digits: String = body.chars().filter(|c| *c != '_').collect();
    let (radix, digits) = if let Some(hex) = digits.strip_prefix("0x") {
        (16, hex.to_string())
    } else if let Some(bin) = digits.strip_prefix("0b") {
        (2, bin.to_string())
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, digits[1..].to_string())
    } else {
        (10, digits)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(&digits, radix).ok()?;
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

fn parse_float(text: &str) -> Option<f64> {
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    // YAML 1.1 floats: [-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?, plus the exponent-only form Go accepts.
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let first = body.chars().next()?;
    if !(first.is_ascii_digit() || first == '.') {
        return None;
    }
    if !body.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '_' | 'e' | 'E' | '-' | '+')) {
        return None;
    }
    if !body.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let cleaned: String = text.chars().filter(|c| *c != '_').collect();
    cleaned.parse::<f64>().ok().filter(|f| f.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_booleans_are_booleans_as_kubectl_reads_them() {
        for t in ["y", "Y", "yes", "on", "ON", "true"] {
            assert_eq!(resolve_plain(t, None), NodeKind::Bool(true), "{t}");
        }
        for t in ["n", "no", "off", "False"] {
            assert_eq!(resolve_plain(t, None), NodeKind::Bool(false), "{t}");
        }
    }

    #[test]
    fn integers_follow_yaml_1_1_radixes() {
        assert_eq!(resolve_plain("0644", None), NodeKind::Int(420));
        assert_eq!(resolve_plain("0x1F", None), NodeKind::Int(31));
        assert_eq!(resolve_plain("-12", None), NodeKind::Int(-12));
        assert_eq!(resolve_plain("1_000", None), NodeKind::Int(1000));
        assert_eq!(resolve_plain("0", None), NodeKind::Int(0));
    }

    #[test]
    fn floats_nulls_and_strings_resolve_as_yaml_1_1_does() {
        assert_eq!(resolve_plain("1.5", None), NodeKind::Float(1.5));
        assert_eq!(resolve_plain("1e3", None), NodeKind::Float(1000.0));
        assert_eq!(resolve_plain("~", None), NodeKind::Null);
        assert_eq!(resolve_plain("", None), NodeKind::Null);
        assert_eq!(resolve_plain("1.2.3", None), NodeKind::Str("1.2.3".into()));
        // Not octal, but go-yaml then reads it as the float 8, and so does kubectl.
        assert_eq!(resolve_plain("08", None), NodeKind::Float(8.0));
        assert_eq!(resolve_plain("nginx", None), NodeKind::Str("nginx".into()));
        assert_eq!(resolve_plain("${schema.spec.name}", None), NodeKind::Str("${schema.spec.name}".into()));
    }

    #[test]
    fn explicit_tags_win() {
        assert_eq!(resolve_plain("yes", Some("str")), NodeKind::Str("yes".into()));
        assert_eq!(resolve_plain("3", Some("float")), NodeKind::Float(3.0));
    }
}
