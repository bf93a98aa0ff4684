//! Where the cursor is, in the terms editor services need: inside a `${...}` expression (and the reference
//! chain before the cursor), at a mapping key being typed (and under which node), or in a key's value.

use super::outline::{Kind, Outline};

/// The cursor's situation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Where {
    /// Inside `${...}`. `expr` is the expression text from after `${` to the cursor; `owner` the node whose
    /// value holds it.
    Expression { owner: Option<usize>, expr: String },
    /// At a mapping key under `parent` (`None`: the document root); `partial` is the key typed so far.
    Key { parent: Option<usize>, partial: String, start: usize, document: usize },
    /// In the value of key `owner`; `partial` is the value typed so far (from the value's start).
    Value { owner: usize, partial: String, start: usize },
}

/// Where an unclosed `${` before the end of `line` starts (the byte after `${`), if the end of `line` is
/// inside an expression. String literals inside the expression may hold braces.
pub(super) fn open_expression(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut i = 0;
    let mut open: Option<(usize, i32)> = None;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match (&mut open, quote) {
            (None, _) => {
                if b == b'$' && bytes.get(i + 1) == Some(&b'{') {
                    open = Some((i + 2, 0));
                    i += 1;
                }
            }
            (Some(_), Some(q)) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            (Some((_, depth)), None) => match b {
                b'"' | b'\'' => quote = Some(b),
                b'{' => *depth += 1,
                b'}' if *depth == 0 => open = None,
                b'}' => *depth -= 1,
                _ => {}
            },
        }
        i += 1;
    }
    open.map(|(start, _)| start)
}

/// Characters of a key or scalar word being typed.
fn word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '$' | '[' | ']')
}

/// The cursor's situation at byte `at` of the outline's text.
pub(super) fn locate(outline: &Outline<'_>, at: usize) -> Where {
    let text = outline.text;
    let line = outline.lines.partition_point(|l| l.start <= at).saturating_sub(1);
    let span = outline.lines[line];
    let at = at.clamp(span.start, span.end.max(span.start));
    let before = &text[span.start..at];
    let document = outline.document_of_line(line);
    let on_line: Vec<usize> = outline.on_line(line).collect();
    if let Some(start) = open_expression(before) {
        let expr_start = span.start + start;
        let owner = on_line
            .iter()
            .rev()
            .copied()
            .find(|&i| outline.nodes[i].key_end < expr_start)
            .or_else(|| outline.last_before(line));
        return Where::Expression { owner, expr: text[expr_start..at].to_string() };
    }
    // In the value of a key on this line (the cursor after its colon)?
    if let Some(&key) =
        on_line.iter().rev().find(|&&i| matches!(outline.nodes[i].kind, Kind::Key(_)) && outline.nodes[i].key_end < at)
    {
        let node = &outline.nodes[key];
        let colon = text[node.key_end..at].find(':').map(|c| node.key_end + c + 1);
        if let Some(colon) = colon {
            let raw = &text[colon..at];
            let lead = raw.len() - raw.trim_start().len();
            let start = colon + lead;
            return Where::Value {
                owner: key,
                partial: text[start..at].trim_start_matches(['"', '\'']).to_string(),
                start,
            };
        }
    }
    // A line inside a block scalar belongs to that key's value.
    if on_line.is_empty()
        && let Some(last) = outline.last_before(line)
        && let Some(owner) = outline.ancestry(last).into_iter().find(|&i| {
            outline.nodes[i].value.as_ref().is_some_and(|v| v.text.starts_with('|') || v.text.starts_with('>'))
                && outline.nodes[i].end_line >= line
        })
    {
        return Where::Value { owner, partial: before.trim_start().to_string(), start: at - before.trim_start().len() };
    }
    let word_len: usize = before.chars().rev().take_while(|c| word_char(*c)).map(char::len_utf8).sum();
    let start = at - word_len;
    let partial = text[start..at].to_string();
    let col = start - span.start;
    let parent = on_line
        .iter()
        .rev()
        .copied()
        .find(|&i| outline.nodes[i].kind == Kind::Item && outline.nodes[i].col < col)
        .or_else(|| outline.container(line, col));
    Where::Key { parent, partial, start, document }
}

/// One step of a reference chain: a field name, or an index (`[0]`, `["key"]`, which the schema walk
/// treats as "an element of").
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Step {
    Field(String),
    Index,
}

/// The reference chain ending at the end of `expr` (`deployment.spec.tem` -> `[deployment, spec]` and the
/// partial `tem`), or `None` when the text before the cursor is not a chain (a literal, an operator).
pub(super) fn trailing_chain(expr: &str) -> (Vec<Step>, String) {
    chain_steps(&expr[chain_start(expr)..])
}

/// Whether the reference chain ending at the end of `expr` reads a field with `.?` (outside an index): its
/// value is then an optional, on which only the optional functions (`orValue`, `hasValue`, ...) can be called.
pub(super) fn trailing_chain_is_optional(expr: &str) -> bool {
    let mut depth = 0usize;
    let chain = &expr.as_bytes()[chain_start(expr)..];
    chain.iter().enumerate().any(|(i, b)| {
        match b {
            b'[' => depth += 1,
            b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        depth == 0 && *b == b'.' && chain.get(i + 1) == Some(&b'?')
    })
}

/// Where the reference chain ending at the end of `expr` starts (its length when there is none).
fn chain_start(expr: &str) -> usize {
    let bytes = expr.as_bytes();
    let mut i = bytes.len();
    let mut bracket = 0;
    while i > 0 {
        let b = bytes[i - 1];
        let keep = match b {
            b']' => {
                bracket += 1;
                true
            }
            b'[' if bracket > 0 => {
                bracket -= 1;
                true
            }
            _ if bracket > 0 => true,
            b'.' | b'?' | b'_' => true,
            _ => b.is_ascii_alphanumeric(),
        };
        if !keep {
            break;
        }
        i -= 1;
    }
    i
}

/// The steps and the partial last name of a reference chain's text.
fn chain_steps(chain: &str) -> (Vec<Step>, String) {
    let mut steps = Vec::new();
    let mut current = String::new();
    let mut depth = 0;
    for c in chain.chars() {
        match c {
            '[' => {
                if depth == 0 && !current.is_empty() {
                    steps.push(Step::Field(std::mem::take(&mut current)));
                }
                depth += 1;
            }
            ']' => {
                depth -= 1;
                if depth == 0 {
                    steps.push(Step::Index);
                }
            }
            _ if depth > 0 => {}
            '.' => {
                if !current.is_empty() {
                    steps.push(Step::Field(std::mem::take(&mut current)));
                }
            }
            '?' => {}
            c => current.push(c),
        }
    }
    (steps, current)
}

/// The identifier chain around byte `at` of `line` (extended right to the end of the identifier under the
/// cursor), for hover and go-to-definition: the steps and the byte range of the last identifier.
pub(super) fn chain_at(line: &str, at: usize) -> Option<(Vec<Step>, (usize, usize))> {
    let at = at.min(line.len());
    let rest = &line[at..];
    let right = rest.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
    let end = at + right;
    let (mut steps, last) = trailing_chain(&line[..end]);
    if last.is_empty() {
        return None;
    }
    let start = end - last.len();
    steps.push(Step::Field(last));
    Some((steps, (start, end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unclosed_expression_is_found_and_a_closed_one_is_not() {
        assert_eq!(open_expression("name: ${schema.spec.na"), Some(8));
        assert_eq!(open_expression("name: ${a}-${b"), Some(13));
        assert_eq!(open_expression("name: ${a}"), None);
        assert_eq!(open_expression("x: ${ {'a': '}'}."), Some(5));
    }

    #[test]
    fn the_trailing_chain_splits_fields_indexes_and_the_partial_name() {
        let (steps, partial) = trailing_chain("size(deployment.spec.template.spec.containers[0].na");
        assert_eq!(partial, "na");
        assert_eq!(steps.len(), 6);
        assert_eq!(steps[0], Step::Field("deployment".into()));
        assert_eq!(steps[5], Step::Index);
        assert_eq!(trailing_chain("a + b.").0, vec![Step::Field("b".into())]);
        assert_eq!(trailing_chain("x ? y : ").1, "");
    }
}
