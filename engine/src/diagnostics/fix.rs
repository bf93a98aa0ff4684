//! Fixes: the change a "did you mean" diagnostic suggests, as an edit an editor can apply (a language server's
//! quick fix). A fix is attached only where the engine knows exactly which characters to replace: a key or a
//! scalar written on one line, a name inside an expression whose text maps one-to-one onto the file.
//! Anywhere else (escapes, block scalars, folded lines) the diagnostic keeps its hint and has no fix, since
//! an edit in the wrong place is worse than none.

use crate::yaml::Span;

/// One way to do what a diagnostic suggests: edits made together (a misspelt name read twice in one
/// expression is corrected in both places).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Fix {
    /// The edits, in the order of the text, none overlapping.
    pub edits: Vec<Edit>,
}

/// The fixes of a diagnostic: a slice (through `Deref`), one pointer wide so a `Diagnostic` stays small
/// enough to pass by value in `Result`s (most have none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fixes(Option<Box<[Fix]>>);

impl Fixes {
    pub(crate) fn push(&mut self, fix: Fix) {
        let mut all = self.0.take().map(Vec::from).unwrap_or_default();
        all.push(fix);
        self.0 = Some(all.into_boxed_slice());
    }
}

impl std::ops::Deref for Fixes {
    type Target = [Fix];

    fn deref(&self) -> &[Fix] {
        self.0.as_deref().unwrap_or_default()
    }
}

impl serde::Serialize for Fixes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// One edit of a [`Fix`]: the text at `span` becomes `replacement`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Edit {
    /// What to replace (characters, as every span).
    pub span: Span,
    /// The text to put there.
    pub replacement: String,
}

/// The span of the text of a key or scalar written at `span` whose value is `name`: the span itself when
/// written plain, inside the quotes when quoted on one line, `None` when the written form does not map
/// one-to-one (escapes, several lines) or there is no position.
pub(crate) fn name_span(span: Span, name: &str) -> Option<Span> {
    if !span.is_located() || span.start.line != span.end.line {
        return None;
    }
    let written = span.end.offset.saturating_sub(span.start.offset);
    let chars = name.chars().count() as u32;
    if written == chars {
        Some(span)
    } else if written == chars + 2 {
        Some(span.sub(1, chars))
    } else {
        None
    }
}

/// The spans of `name` read as a variable in the expression written at `site` as `${expression}` (one line,
/// nothing escaped): every occurrence that is a whole identifier, not a field (after `.`), and outside string
/// literals.
pub(crate) fn identifier_spans(site: Span, expression: &str, name: &str) -> Vec<Span> {
    let Some(base) = expression_start(site, expression) else { return Vec::new() };
    scan(expression).filter(|t| t.text == name && !t.quoted && !t.after_dot).map(|t| base.sub(t.start, t.len)).collect()
}

/// The spans of the contents of string literals equal to `value` in the expression written at `site`
/// (without their quotes).
pub(crate) fn string_spans(site: Span, expression: &str, value: &str) -> Vec<Span> {
    let Some(base) = expression_start(site, expression) else { return Vec::new() };
    scan(expression).filter(|t| t.quoted && t.text == value).map(|t| base.sub(t.start, t.len)).collect()
}

/// A span starting at the expression's first character, when `site` covers exactly `${expression}` on one
/// line (then offsets inside the expression are offsets in the file).
fn expression_start(site: Span, expression: &str) -> Option<Span> {
    let chars = expression.chars().count() as u32;
    let exact = site.is_located()
        && site.start.line == site.end.line
        && site.end.offset.saturating_sub(site.start.offset) == chars + 3;
    exact.then(|| site.sub(2, chars))
}

/// An identifier or the contents of a string literal, in characters from the expression's start.
struct Word<'e> {
    text: &'e str,
    start: u32,
    len: u32,
    quoted: bool,
    after_dot: bool,
}

/// The identifiers and simple string literals of a CEL expression, in order. Literals with escapes are
/// skipped (their written form differs from their value).
fn scan(expression: &str) -> impl Iterator<Item = Word<'_>> {
    let chars: Vec<(usize, char)> = expression.char_indices().collect();
    let mut words = Vec::new();
    // The word of characters `from..to`.
    let word = |from: usize, to: usize, quoted: bool, after_dot: bool| {
        let byte = |i: usize| chars.get(i).map_or(expression.len(), |(b, _)| *b);
        Word { text: &expression[byte(from)..byte(to)], start: from as u32, len: (to - from) as u32, quoted, after_dot }
    };
    let mut i = 0;
    let mut last_significant: Option<char> = None;
    while let Some(&(_, c)) = chars.get(i) {
        if c == '"' || c == '\'' {
            let start = i + 1;
            let mut j = start;
            let mut escaped = false;
            while let Some(&(_, d)) = chars.get(j) {
                if d == '\\' {
                    escaped = true;
                    j += 1;
                } else if d == c {
                    break;
                }
                j += 1;
            }
            if !escaped && j < chars.len() {
                words.push(word(start, j, true, false));
            }
            i = j + 1;
            last_significant = Some(c);
        } else if c.is_alphabetic() || c == '_' {
            let mut j = i;
            while chars.get(j).is_some_and(|(_, d)| d.is_alphanumeric() || *d == '_') {
                j += 1;
            }
            words.push(word(i, j, false, last_significant == Some('.')));
            last_significant = Some('a');
            i = j;
        } else if c.is_ascii_digit() {
            while chars.get(i).is_some_and(|(_, d)| d.is_alphanumeric() || *d == '.') {
                i += 1;
            }
            last_significant = Some('0');
        } else {
            if !c.is_whitespace() {
                last_significant = Some(c);
            }
            i += 1;
        }
    }
    words.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::Pos;

    /// A one-line span of `len` characters starting at character `offset` of line 3.
    fn span(offset: u32, len: u32) -> Span {
        let at = |o: u32| Pos { offset: o, line: 3, column: o - 40 + 1 };
        Span { start: at(offset), end: at(offset + len) }
    }

    fn texts(spans: &[Span], site: Span, written: &str) -> Vec<String> {
        spans
            .iter()
            .map(|s| {
                let from = (s.start.offset - site.start.offset) as usize;
                written.chars().skip(from).take((s.end.offset - s.start.offset) as usize).collect()
            })
            .collect()
    }

    #[test]
    fn a_misspelt_variable_is_found_where_it_is_read_but_not_as_a_field_or_in_a_string() {
        let expression = "deploymnt.spec.x + deploymnt.y + schema.deploymnt + 'deploymnt'";
        let written = format!("${{{expression}}}");
        let site = span(40, written.chars().count() as u32);
        let found = identifier_spans(site, expression, "deploymnt");
        assert_eq!(found.len(), 2);
        assert_eq!(texts(&found, site, &written), ["deploymnt", "deploymnt"]);
        assert_eq!(found[0].start.offset, 42);
        assert_eq!(found[1].start.offset, 42 + 19);
    }

    #[test]
    fn a_string_literal_is_found_without_its_quotes() {
        let expression = r#"runtime.condition(schema, "Ready").status"#;
        let written = format!("${{{expression}}}");
        let site = span(40, written.chars().count() as u32);
        let found = string_spans(site, expression, "Ready");
        assert_eq!(texts(&found, site, &written), ["Ready"]);
    }

    #[test]
    fn nothing_is_found_when_the_expression_is_not_written_as_is() {
        // The site is wider than `${expression}`: an escape or a fold changed the written form.
        let site = span(40, 30);
        assert!(identifier_spans(site, "deploymnt.x", "deploymnt").is_empty());
        assert!(identifier_spans(Span::default(), "deploymnt.x", "deploymnt").is_empty());
    }

    #[test]
    fn a_name_written_plain_or_quoted_has_a_span_for_its_text() {
        assert_eq!(name_span(span(40, 5), "spec1"), Some(span(40, 5)));
        assert_eq!(name_span(span(40, 7), "spec1"), Some(span(41, 5)));
        assert_eq!(name_span(span(40, 9), "spec1"), None);
        assert_eq!(name_span(Span::default(), ""), None);
    }
}

#[cfg(test)]
mod sites {
    use crate::{Code, Engine, EngineOptions};

    /// Each "did you mean" finding of `text` as (code, the text its fix replaces, the replacement).
    fn fixes(text: &str) -> Vec<(Code, String, String)> {
        let engine = Engine::new(EngineOptions::default()).unwrap();
        let chars: Vec<char> = text.chars().collect();
        let docs = engine.compile_text(text);
        let mut out = Vec::new();
        for d in docs.iter().flat_map(|d| &d.diagnostics) {
            for fix in d.fixes.iter() {
                for edit in &fix.edits {
                    let from = edit.span.start.offset as usize;
                    let to = edit.span.end.offset as usize;
                    out.push((d.code, chars[from..to].iter().collect(), edit.replacement.clone()));
                }
            }
        }
        out
    }

    const RGD: &str = r#"apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: app
spec:
  schema:
    apiVersion: v1alpha1
    kind: App
    spec:
      name: string
    status:
      ready: ${runtime.condition(schema, "Redy").status}
  resources:
    - id: deployment
      template:
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: ${schema.spec.name}
        spec:
          replicass: 3
          selector:
            matchLabels:
              app: ${schema.spec.nme}
          template:
            metadata:
              labels:
                app: x
            spec:
              containers: []
    - id: service
      readyWhn: []
      template:
        apiVersion: v1
        kind: "Servce"
        metadata:
          name: ${deploymnt.metadata.name}-${deploymnt.metadata.uid}
"#;

    #[test]
    fn every_did_you_mean_finding_carries_the_edit_it_suggests() {
        let found = fixes(RGD);
        let expect = |code: Code, from: &str, to: &str| {
            assert!(found.contains(&(code, from.to_string(), to.to_string())), "{code:?} {from} -> {to}: {found:#?}");
        };
        expect(Code::UnknownTemplateField, "replicass", "replicas");
        expect(Code::CelTypeError, "nme", "name");
        expect(Code::UnknownField, "readyWhn", "readyWhen");
        expect(Code::UnknownKind, "Servce", "Service");
        expect(Code::UnknownIdentifier, "deploymnt", "deployment");
        let renamed = found.iter().filter(|(_, from, _)| from == "deploymnt").count();
        assert_eq!(renamed, 2, "both reads of the misspelt id are corrected together");
    }

    #[test]
    fn an_unknown_condition_type_is_corrected_inside_its_string() {
        let conditions = "conditions:\n        - \"${runtime.newCondition({type: 'Mirrored', status: runtime.condition(schema, 'Readdy').status})}\"";
        let rgd = RGD.replace("ready: ${runtime.condition(schema, \"Redy\").status}", conditions);
        let found = fixes(&rgd);
        assert!(found.iter().any(|(c, from, _)| *c == Code::UnknownConditionType && from == "Readdy"), "{found:#?}");
    }
}
