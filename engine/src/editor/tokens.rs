//! Semantic tokens: what each part of a `${...}` expression is, so an editor colours CEL inside YAML (which
//! a YAML grammar shows as one string). Expressions are found line by line with the scanner the compiler
//! uses ([`crate::expr::scan`]), so what is coloured as an expression is what kro evaluates; an expression
//! spread over several lines of a block scalar is left to the YAML grammar.

use serde::Serialize;

use crate::expr::scan;
use crate::position::LspRange;

/// What a token is, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TokenKind {
    /// `${` and its closing `}`.
    Delimiter,
    /// A name read as a variable: `schema`, a resource id, `each`, a macro's iteration variable.
    Variable,
    /// A field after `.`.
    Property,
    /// A function called by name (`has(...)`, `string(...)`).
    Function,
    /// A function called on a value (`.map(...)`, `.startsWith(...)`).
    Method,
    /// `true`, `false`, `null`, `in`.
    Keyword,
    /// A number literal.
    Number,
    /// A string literal, quotes included.
    Str,
    /// An operator or punctuation (`+`, `==`, `?`, `[`).
    Operator,
}

/// One token: a range on one line and its kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Token {
    /// Where it is (one line; UTF-16 columns).
    pub range: LspRange,
    /// What it is.
    pub kind: TokenKind,
}

/// The tokens of every `${...}` written on one line of `text`, in order.
pub fn semantic_tokens(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    for (line, content) in text.split('\n').enumerate() {
        let content = content.strip_suffix('\r').unwrap_or(content);
        if !content.contains("${") || content.trim_start().starts_with('#') {
            continue;
        }
        let chars: Vec<char> = content.chars().collect();
        // UTF-16 column of each character (and of the end), since scanning counts characters.
        let mut columns = Vec::with_capacity(chars.len() + 1);
        let mut column = 0u32;
        for c in &chars {
            columns.push(column);
            column += c.len_utf16() as u32;
        }
        columns.push(column);
        let mut push = |from: usize, to: usize, kind: TokenKind| {
            let at = |i: usize| crate::LspPosition { line: line as u32, character: columns[i.min(chars.len())] };
            if to > from {
                tokens.push(Token { range: LspRange { start: at(from), end: at(to) }, kind });
            }
        };
        for found in scan(content).expressions() {
            push(found.start, found.start + 2, TokenKind::Delimiter);
            for (from, to, kind) in lex(&chars[found.start + 2..found.end - 1]) {
                push(found.start + 2 + from, found.start + 2 + to, kind);
            }
            push(found.end - 1, found.end, TokenKind::Delimiter);
        }
    }
    tokens
}

/// The tokens of a CEL expression: (start, end, kind) in characters. Whitespace is skipped; anything the
/// lexer does not know is an operator, so no input stops it.
fn lex(chars: &[char]) -> Vec<(usize, usize, TokenKind)> {
    let mut out: Vec<(usize, usize, TokenKind)> = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let kind = if c == '"' || c == '\'' {
            i = string_end(chars, i);
            TokenKind::Str
        } else if matches!(c, 'r' | 'R' | 'b' | 'B') && matches!(chars.get(i + 1), Some('"' | '\'')) {
            i = string_end(chars, i + 1);
            TokenKind::Str
        } else if c.is_ascii_digit() {
            while chars.get(i).is_some_and(|d| d.is_ascii_alphanumeric() || *d == '.') {
                i += 1;
            }
            TokenKind::Number
        } else if c.is_alphabetic() || c == '_' {
            while chars.get(i).is_some_and(|d| d.is_alphanumeric() || *d == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let after_dot =
                out.last().is_some_and(|(s, e, k)| *k == TokenKind::Operator && e - s == 1 && chars[*s] == '.');
            let called = chars[i..].iter().find(|d| !d.is_whitespace()) == Some(&'(');
            match (word.as_str(), after_dot, called) {
                ("true" | "false" | "null" | "in", false, false) => TokenKind::Keyword,
                (_, true, true) => TokenKind::Method,
                (_, true, false) => TokenKind::Property,
                (_, false, true) => TokenKind::Function,
                _ => TokenKind::Variable,
            }
        } else {
            // `.?` (optional field) is one operator; `..` is not CEL, two dots are two tokens.
            i += if c == '.' && chars.get(i + 1) == Some(&'?') { 2 } else { 1 };
            TokenKind::Operator
        };
        // A field after `.?` is a property too.
        let kind = match (kind, out.last()) {
            (TokenKind::Variable, Some((s, e, TokenKind::Operator))) if e - s == 2 && chars[*s] == '.' => {
                TokenKind::Property
            }
            _ => kind,
        };
        out.push((start, i, kind));
    }
    out
}

/// Just past the string literal whose opening quote is at `open` (triple quotes and escapes included), or
/// the end when it is never closed.
fn string_end(chars: &[char], open: usize) -> usize {
    let quote = chars[open];
    let triple = chars.get(open + 1) == Some(&quote) && chars.get(open + 2) == Some(&quote);
    let mut i = open + if triple { 3 } else { 1 };
    while let Some(&c) = chars.get(i) {
        if c == '\\' {
            i += 2;
            continue;
        }
        if c == quote && (!triple || (chars.get(i + 1) == Some(&quote) && chars.get(i + 2) == Some(&quote))) {
            return i + if triple { 3 } else { 1 };
        }
        i += 1;
    }
    chars.len()
}

#[cfg(test)]
mod tests {
    use super::TokenKind::*;
    use super::*;

    /// Each token as (its text, its kind).
    fn tokens(text: &str) -> Vec<(String, TokenKind)> {
        let lines: Vec<Vec<u16>> = text.split('\n').map(|l| l.encode_utf16().collect()).collect();
        semantic_tokens(text)
            .into_iter()
            .map(|t| {
                let line = &lines[t.range.start.line as usize];
                let units = &line[t.range.start.character as usize..t.range.end.character as usize];
                (String::from_utf16_lossy(units), t.kind)
            })
            .collect()
    }

    fn of(expected: &[(&str, TokenKind)]) -> Vec<(String, TokenKind)> {
        expected.iter().map(|(t, k)| ((*t).to_string(), *k)).collect()
    }

    #[test]
    fn an_expression_colours_variables_fields_functions_and_literals() {
        let text = "      replicas: ${has(schema.spec.x) ? deployment.status.replicas + 1 : 'none'}\n";
        assert_eq!(
            tokens(text),
            of(&[
                ("${", Delimiter),
                ("has", Function),
                ("(", Operator),
                ("schema", Variable),
                (".", Operator),
                ("spec", Property),
                (".", Operator),
                ("x", Property),
                (")", Operator),
                ("?", Operator),
                ("deployment", Variable),
                (".", Operator),
                ("status", Property),
                (".", Operator),
                ("replicas", Property),
                ("+", Operator),
                ("1", Number),
                (":", Operator),
                ("'none'", Str),
                ("}", Delimiter),
            ])
        );
    }

    #[test]
    fn methods_keywords_and_optional_fields_are_told_apart() {
        let text = "x: ${schema.spec.?name.orValue(null) in ['a'] && true}";
        let kinds: Vec<(String, TokenKind)> =
            tokens(text).into_iter().filter(|(_, k)| !matches!(k, Operator | Delimiter)).collect();
        assert_eq!(
            kinds,
            of(&[
                ("schema", Variable),
                ("spec", Property),
                ("name", Property),
                ("orValue", Method),
                ("null", Keyword),
                ("in", Keyword),
                ("'a'", Str),
                ("true", Keyword),
            ])
        );
    }

    #[test]
    fn text_around_expressions_and_comments_get_no_tokens() {
        let text = "# ${not.this}\nname: ${schema.spec.name}-svc\nplain: value\n";
        let found = tokens(text);
        assert_eq!(found.first(), Some(&("${".to_string(), Delimiter)));
        assert_eq!(found.last(), Some(&("}".to_string(), Delimiter)));
        assert_eq!(semantic_tokens(text)[0].range.start.line, 1);
        assert_eq!(semantic_tokens(text)[0].range.start.character, 6);
    }

    #[test]
    fn columns_count_utf16_units_after_an_emoji() {
        let text = "a: \"😀 ${x}\"";
        let first = &semantic_tokens(text)[0];
        assert_eq!((first.range.start.character, first.range.end.character), (7, 9));
    }

    #[test]
    fn unfinished_expressions_and_strings_never_fail() {
        for text in ["x: ${", "x: ${'abc", "x: ${\"\"\"a", "x: ${a.b.}", "x: ${r'", "${}", "${\\", "x: ${1.2e3.}"] {
            let _ = semantic_tokens(text);
        }
        assert_eq!(tokens("x: ${'a}'}"), of(&[("${", Delimiter), ("'a}'", Str), ("}", Delimiter)]));
    }
}
