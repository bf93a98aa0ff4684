//! Finding `${...}` in string values. Mirrors kro's scanner (pkg/graph/parser/cel.go): braces are counted and
//! double-quoted CEL strings skipped, so `${"${VAR}"}` yields the literal text `${VAR}`. Unlike kro, single-quoted
//! CEL strings are skipped too (kro ends an expression at a `}` inside `'...'`), and an unclosed `${` is reported
//! as a warning instead of silently left as text. See docs/decisions/0003-expression-extraction.md.

/// One `${...}` found in a string; `start`/`end` are character offsets of `${` and just past `}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub expr: String,
    pub start: usize,
    pub end: usize,
}

/// What a string value is, once scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Interpolation {
    /// No expressions: the value is used as written.
    Literal,
    /// The whole value is one expression; its result keeps its own type.
    Standalone(Found),
    /// Text and expressions mixed; the result is a string.
    Template(Vec<Part>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    Text(String),
    Expr(Found),
}

/// A scanning problem at a character range of the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ScanIssue {
    /// `${` inside an expression, outside a string literal (an error).
    Nested { start: usize, end: usize },
    /// `${` never closed (a warning; the text stays literal).
    Unterminated { start: usize },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scan {
    pub interpolation: Interpolation,
    pub issues: Vec<ScanIssue>,
}

impl Scan {
    /// Every expression in the value, in order.
    pub(crate) fn expressions(&self) -> Vec<&Found> {
        match &self.interpolation {
            Interpolation::Literal => Vec::new(),
            Interpolation::Standalone(f) => vec![f],
            Interpolation::Template(parts) => parts
                .iter()
                .filter_map(|p| match p {
                    Part::Expr(f) => Some(f),
                    Part::Text(_) => None,
                })
                .collect(),
        }
    }
}

/// Scans a string value for expressions.
pub(crate) fn scan(value: &str) -> Scan {
    let chars: Vec<char> = value.chars().collect();
    let mut found = Vec::new();
    let mut issues = Vec::new();
    let mut i = 0;
    while i + 1 < chars.len() {
        if chars[i] == '$' && chars[i + 1] == '{' {
            if let Some(end) = scan_one(&chars, i, &mut issues) {
                found.push(Found { expr: chars[i + 2..end - 1].iter().collect(), start: i, end });
                i = end;
            } else {
                issues.push(ScanIssue::Unterminated { start: i });
                i += 2;
            }
        } else {
            i += 1;
        }
    }
    let interpolation = match found.as_slice() {
        [] => Interpolation::Literal,
        [only] if only.start == 0 && only.end == chars.len() => Interpolation::Standalone(only.clone()),
        _ => {
            let mut parts = Vec::new();
            let mut at = 0;
            for f in found {
                if f.start > at {
                    parts.push(Part::Text(chars[at..f.start].iter().collect()));
                }
                at = f.end;
                parts.push(Part::Expr(f));
            }
            if at < chars.len() {
                parts.push(Part::Text(chars[at..].iter().collect()));
            }
            Interpolation::Template(parts)
        }
    };
    Scan { interpolation, issues }
}

/// Scans the expression opened at `open` (the `$`); returns the index just past its closing `}`.
fn scan_one(chars: &[char], open: usize, issues: &mut Vec<ScanIssue>) -> Option<usize> {
    let mut depth = 1usize;
    let mut i = open + 2;
    while i < chars.len() {
        match chars[i] {
            quote @ ('"' | '\'') => i = skip_string(chars, i, quote)?,
            '$' if chars.get(i + 1) == Some(&'{') => {
                issues.push(ScanIssue::Nested { start: i, end: i + 2 });
                depth += 1;
                i += 2;
            }
            '{' => {
                depth += 1;
                i += 1;
            }
            '}' => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// Skips a CEL string literal starting at its opening quote (triple quotes included); returns the index past it.
fn skip_string(chars: &[char], open: usize, quote: char) -> Option<usize> {
    let triple = chars.get(open + 1) == Some(&quote) && chars.get(open + 2) == Some(&quote);
    let raw = open > 0 && matches!(chars[open - 1], 'r' | 'R');
    let mut i = open + if triple { 3 } else { 1 };
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && !raw {
            i += 2;
            continue;
        }
        if c == quote {
            if !triple {
                return Some(i + 1);
            }
            if chars.get(i + 1) == Some(&quote) && chars.get(i + 2) == Some(&quote) {
                return Some(i + 3);
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exprs(value: &str) -> Vec<String> {
        scan(value).expressions().into_iter().map(|f| f.expr.clone()).collect()
    }

    #[test]
    fn standalone_means_one_expression_covering_the_whole_value() {
        assert!(matches!(scan("${schema.spec.name}").interpolation, Interpolation::Standalone(_)));
        assert!(matches!(scan("${a}-${b}").interpolation, Interpolation::Template(_)));
        assert!(matches!(scan(" ${a}").interpolation, Interpolation::Template(_)));
        assert_eq!(scan("plain").interpolation, Interpolation::Literal);
    }

    #[test]
    fn braces_and_strings_inside_expressions_are_respected() {
        assert_eq!(exprs("${ {'a': 1}['a'] }"), vec![" {'a': 1}['a'] "]);
        assert_eq!(exprs(r#"${"}" + x}"#), vec![r#""}" + x"#]);
        // kro would end this one at the quoted brace; we do not.
        assert_eq!(exprs("${x + '}'}"), vec!["x + '}'"]);
        assert_eq!(exprs(r#"${"a\"}"}"#), vec![r#""a\"}""#]);
    }

    #[test]
    fn the_escape_idiom_yields_a_literal_dollar_brace() {
        let scan = scan(r#"${"${VAR}"}"#);
        assert!(scan.issues.is_empty());
        assert_eq!(scan.expressions()[0].expr, r#""${VAR}""#);
    }

    #[test]
    fn nested_and_unterminated_expressions_are_reported() {
        assert_eq!(scan("${a + ${b}}").issues, vec![ScanIssue::Nested { start: 6, end: 8 }]);
        assert_eq!(scan("x ${a").issues, vec![ScanIssue::Unterminated { start: 2 }]);
        assert_eq!(scan("x ${a").interpolation, Interpolation::Literal);
    }

    #[test]
    fn offsets_count_characters_not_bytes() {
        let s = scan("é-${a}");
        assert_eq!(s.expressions()[0].start, 2);
    }
}
