//! Showing diagnostics: a code frame with the offending span underlined (codespan-reporting) for people, JSON
//! for tools. Colour only on a terminal, and never with `NO_COLOR` set.

use std::io::IsTerminal;

use codespan_reporting::diagnostic::{Diagnostic as Frame, Label, Severity as FrameSeverity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::termcolor::Buffer;
use codespan_reporting::term::{Config, emit_to_write_style};
use kro_engine::{Diagnostic, Severity};
use serde_json::Value;

/// Where diagnostics are written; decides colour.
#[derive(Debug, Clone, Copy)]
pub enum Stream {
    Stdout,
    Stderr,
}

fn use_colour(stream: Stream) -> bool {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    match stream {
        Stream::Stdout => std::io::stdout().is_terminal(),
        Stream::Stderr => std::io::stderr().is_terminal(),
    }
}

/// Writes to standard output or error. A closed pipe (`kro validate x | head`) is not an error worth a crash:
/// the reader has what it wanted, so the rest is dropped.
pub fn out(stream: Stream, text: &str) {
    use std::io::Write;
    let result = match stream {
        Stream::Stdout => std::io::stdout().lock().write_all(text.as_bytes()),
        Stream::Stderr => std::io::stderr().lock().write_all(text.as_bytes()),
    };
    if let Err(e) = result
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        let _ = writeln!(std::io::stderr(), "error: cannot write output: {e}");
    }
}

/// One file's character offsets (the engine's spans count characters) mapped to byte offsets, and its line starts,
/// built once per file: looking a span up walks at most `STRIDE - 1` characters, where walking from the start of
/// the file for every diagnostic made rendering quadratic.
struct Positions<'t> {
    text: &'t str,
    /// The byte offset of every `STRIDE`th character.
    checkpoints: Vec<usize>,
    /// The byte offset where each line starts.
    line_starts: Vec<usize>,
}

const STRIDE: usize = 64;

impl<'t> Positions<'t> {
    fn new(text: &'t str) -> Self {
        let checkpoints = text.char_indices().step_by(STRIDE).map(|(b, _)| b).collect();
        let line_starts = std::iter::once(0)
            .chain(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1))
            .collect();
        Self { text, checkpoints, line_starts }
    }

    /// The byte offset of character `chars`, or the end of the text past its last character.
    fn byte_at(&self, chars: u32) -> usize {
        let chars = chars as usize;
        let Some(&from) = self.checkpoints.get(chars / STRIDE) else { return self.text.len() };
        self.text[from..].char_indices().nth(chars % STRIDE).map_or(self.text.len(), |(b, _)| from + b)
    }

    /// Byte range of a character span, widened to one character when empty so the caret has something to sit on.
    fn byte_range(&self, start: u32, end: u32) -> std::ops::Range<usize> {
        let (s, e) = (self.byte_at(start), self.byte_at(end));
        if e > s {
            s..e
        } else {
            let next = self.text[s..].chars().next().map_or(s, |c| s + c.len_utf8());
            s..next
        }
    }

    /// A code frame of a line this long (generated or minified YAML) would drown the message; show the position
    /// only.
    fn on_huge_line(&self, offset: u32) -> bool {
        const LONGEST_FRAME_LINE: usize = 500;
        let at = self.byte_at(offset);
        // The line holding `at`: the last line start at or before it, up to the next line's `\n`.
        let line = self.line_starts.partition_point(|&start| start <= at).saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let end = self.line_starts.get(line + 1).map_or(self.text.len(), |next| next - 1);
        end - start > LONGEST_FRAME_LINE
    }
}

/// Renders diagnostics of one file as text with code frames, in colour if `stream` takes it.
pub fn render_text(file: &str, text: &str, diagnostics: &[Diagnostic], stream: Stream) -> String {
    render_frames(file, text, diagnostics, use_colour(stream))
}

/// Renders diagnostics of one file as text with code frames.
pub fn render_frames(file: &str, text: &str, diagnostics: &[Diagnostic], colour: bool) -> String {
    let source = SimpleFile::new(file, text);
    let config = Config::default();
    let mut buffer = if colour { Buffer::ansi() } else { Buffer::no_color() };
    let positions = Positions::new(text);
    for d in diagnostics {
        let severity = match d.severity {
            Severity::Error => FrameSeverity::Error,
            Severity::Warning => FrameSeverity::Warning,
        };
        let mut notes = Vec::new();
        if !d.path.is_empty() {
            notes.push(format!("at {}", d.path));
        }
        if let Some(help) = &d.help {
            notes.push(format!("help: {help}"));
        }
        let mut frame = Frame::new(severity).with_code(d.code.as_str()).with_message(&d.message).with_notes(notes);
        if text.is_empty() || positions.on_huge_line(d.span.start.offset) {
            frame.message =
                format!("{}:{}:{}: {}", file, d.span.start.line.max(1), d.span.start.column.max(1), d.message);
        } else {
            frame = frame
                .with_labels(vec![Label::primary((), positions.byte_range(d.span.start.offset, d.span.end.offset))]);
        }
        // Rendering into memory only fails on a span outside the file, which the engine never produces; fall
        // back to a one-line form rather than lose the diagnostic.
        if emit_to_write_style(&mut buffer, &config, &source, &frame).is_err() {
            let line = format!(
                "{}:{}:{}: {}[{}]: {}\n",
                file,
                d.span.start.line,
                d.span.start.column,
                severity_word(d.severity),
                d.code,
                d.message
            );
            buffer.as_mut_slice();
            let _ = std::io::Write::write_all(&mut buffer, line.as_bytes());
        }
    }
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// One diagnostic as the JSON contract has it.
pub fn to_json(file: &str, d: &Diagnostic) -> Value {
    kro_engine::output::diagnostic_json(Some(file), d)
}

/// "1 error, 2 warnings".
pub fn counts(diagnostics: &[&Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (e, 0) => plural(e, "error"),
        (0, w) => plural(w, "warning"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definitions the index replaces: walk the text from its start.
    fn naive_byte_at(text: &str, chars: u32) -> usize {
        text.char_indices().nth(chars as usize).map_or(text.len(), |(b, _)| b)
    }

    fn naive_on_huge_line(text: &str, offset: u32) -> bool {
        let at = naive_byte_at(text, offset);
        let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        end - start > 500
    }

    #[test]
    fn positions_agree_with_walking_the_text_from_its_start() {
        let long_line = "é".repeat(300) + &"x".repeat(300);
        let text = format!("name: café ☕\n\n{long_line}\r\nkey: ${{a.b}} 日本語\nlast line without newline");
        let positions = Positions::new(&text);
        let chars = text.chars().count() as u32;
        for offset in 0..chars + 3 {
            assert_eq!(positions.byte_at(offset), naive_byte_at(&text, offset), "byte of character {offset}");
            assert_eq!(positions.on_huge_line(offset), naive_on_huge_line(&text, offset), "character {offset}");
        }
        assert!((0..chars).any(|o| positions.on_huge_line(o)), "the long line counts as huge");
    }

    #[test]
    fn positions_of_an_empty_text_are_its_end() {
        let positions = Positions::new("");
        assert_eq!(positions.byte_at(0), 0);
        assert_eq!(positions.byte_range(0, 0), 0..0);
        assert!(!positions.on_huge_line(3));
    }
}
