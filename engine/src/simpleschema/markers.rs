//! Markers: the `key=value` settings after the `|` of a SimpleSchema field (`integer | default=1 minimum=1`).

/// A marker as written, with the character range of the whole `key=value` inside the marker text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Marker {
    pub key: MarkerKey,
    pub value: String,
    pub at: (usize, usize),
}

macro_rules! marker_keys {
    ($($variant:ident => $name:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum MarkerKey { $($variant,)* }

        impl MarkerKey {
            pub(crate) const ALL: &'static [MarkerKey] = &[$(MarkerKey::$variant,)*];

            pub(crate) fn name(self) -> &'static str {
                match self { $(MarkerKey::$variant => $name,)* }
            }

            fn from_name(name: &str) -> Option<Self> {
                match name { $($name => Some(MarkerKey::$variant),)* _ => None }
            }
        }
    };
}

marker_keys! {
    Required => "required",
    Default => "default",
    Description => "description",
    Minimum => "minimum",
    Maximum => "maximum",
    Enum => "enum",
    Immutable => "immutable",
    Validation => "validation",
    Pattern => "pattern",
    MinLength => "minLength",
    MaxLength => "maxLength",
    UniqueItems => "uniqueItems",
    MinItems => "minItems",
    MaxItems => "maxItems",
    ListType => "listType",
    ListMapKey => "listMapKey",
}

/// Why markers did not parse, with the character range of the offending part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MarkerError {
    pub message: String,
    pub unknown_key: bool,
    pub at: (usize, usize),
}

/// Splits marker text into markers. Quoted values unescape only `\"` and `\\` (so regexes keep `\.`);
/// `{...}` and `[...]` values may hold spaces.
pub(crate) fn parse_markers(text: &str) -> Result<Vec<Marker>, MarkerError> {
    let chars: Vec<char> = text.chars().collect();
    let mut markers = Vec::new();
    let mut i = 0;
    let err = |message: String, at: (usize, usize)| MarkerError { message, unknown_key: false, at };
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i] != '=' && !chars[i].is_whitespace() {
            i += 1;
        }
        let key: String = chars[start..i].iter().collect();
        if key.is_empty() {
            return Err(err("empty marker key: write markers as key=value".into(), (start, start + 1)));
        }
        if i >= chars.len() || chars[i] != '=' {
            return Err(err(format!("marker key '{key}' without a value: write {key}=<value>"), (start, i)));
        }
        let Some(marker_key) = MarkerKey::from_name(&key) else {
            let known: Vec<&str> = MarkerKey::ALL.iter().map(|k| k.name()).collect();
            return Err(MarkerError {
                message: format!("invalid marker key {key:?}: unknown marker (known markers: {})", known.join(", ")),
                unknown_key: true,
                at: (start, i),
            });
        };
        i += 1;
        let (value, end) = if chars.get(i) == Some(&'"') {
            read_quoted(&chars, i).ok_or_else(|| err("unclosed quote in marker value".into(), (start, chars.len())))?
        } else {
            read_bare(&chars, i).map_err(|(message, at)| err(message, at))?
        };
        markers.push(Marker { key: marker_key, value, at: (start, end) });
        i = end;
    }
    Ok(markers)
}

/// Reads `"..."` starting at the opening quote; returns the unescaped value and the index after the closing quote.
fn read_quoted(chars: &[char], open: usize) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut i = open + 1;
    while i < chars.len() {
        match chars[i] {
            '"' => return Some((value, i + 1)),
            '\\' if matches!(chars.get(i + 1), Some('"' | '\\')) => {
                value.push(chars[i + 1]);
                i += 2;
            }
            c => {
                value.push(c);
                i += 1;
            }
        }
    }
    None
}

/// Reads an unquoted value up to the next space outside brackets and quoted strings.
fn read_bare(chars: &[char], from: usize) -> Result<(String, usize), (String, (usize, usize))> {
    let mut depth = 0usize;
    let mut in_quote = false;
    let mut i = from;
    while i < chars.len() {
        let c = chars[i];
        if in_quote {
            if c == '\\' {
                i += 1;
            } else if c == '"' {
                in_quote = false;
            }
        } else {
            match c {
                '"' if depth > 0 => in_quote = true,
                '[' | '{' => depth += 1,
                ']' | '}' => {
                    if depth == 0 {
                        return Err(("unmatched closing bracket/brace in marker value".into(), (i, i + 1)));
                    }
                    depth -= 1;
                }
                c if c.is_whitespace() && depth == 0 => break,
                _ => {}
            }
        }
        i += 1;
    }
    if in_quote {
        return Err(("unclosed quote in marker value".into(), (from, chars.len())));
    }
    if depth > 0 {
        return Err(("unclosed bracket/brace in marker value".into(), (from, chars.len())));
    }
    Ok((chars[from..i.min(chars.len())].iter().collect(), i.min(chars.len())))
}

/// Go's `strconv.ParseBool`, which kro uses for boolean markers.
pub(super) fn parse_go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(text: &str) -> Vec<(&'static str, String)> {
        parse_markers(text).unwrap().into_iter().map(|m| (m.key.name(), m.value)).collect()
    }

    #[test]
    fn values_may_be_quoted_bracketed_or_bare() {
        assert_eq!(
            kv(r#"default=1 description="Name of the app" pattern="^a\.b\"$""#),
            vec![("default", "1".into()), ("description", "Name of the app".into()), ("pattern", r#"^a\.b"$"#.into())]
        );
        assert_eq!(
            kv(r#"default={"a": "x y", "b": [1, 2]}"#),
            vec![("default", r#"{"a": "x y", "b": [1, 2]}"#.into())]
        );
        assert_eq!(kv("listMapKey=a listMapKey=b"), vec![("listMapKey", "a".into()), ("listMapKey", "b".into())]);
    }

    #[test]
    fn malformed_markers_are_errors_with_kros_wording() {
        let msg = |t: &str| parse_markers(t).unwrap_err().message;
        assert!(msg("=1").contains("empty marker key"));
        assert!(msg("required").contains("marker key 'required' without a value"));
        assert!(msg("colour=red").contains("invalid marker key \"colour\": unknown marker"));
        assert!(msg(r#"description="open"#).contains("unclosed quote"));
        assert!(msg("default={\"a\":1").contains("unclosed bracket/brace"));
        assert!(msg("default=1]").contains("unmatched closing bracket/brace"));
    }
}
