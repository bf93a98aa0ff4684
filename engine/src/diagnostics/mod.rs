//! Findings about a user's input: each has a stable [`Code`], a message a user can act on, the path inside the
//! RGD and the span in the file. Diagnostics are values; the engine collects every independent one in a pass.

mod codes;
mod fix;

/// Where a diagnostic is: a path inside the document (defined with the YAML tree it points into).
pub use crate::yaml::{Path, Segment};
pub use codes::Code;
pub use fix::{Edit, Fix, Fixes};
pub(crate) use fix::{identifier_spans, name_span, string_spans};

use crate::yaml::Span;

/// How serious a diagnostic is: errors make an RGD invalid, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The RGD (or instance) is invalid: no compiled RGD, no plan.
    Error,
    /// Worth fixing, but the RGD still compiles (`--deny-warnings` makes hosts refuse it).
    Warning,
}

/// One finding about the input, located by path and span.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Diagnostic {
    /// Whether it makes the input invalid.
    pub severity: Severity,
    /// What kind of finding, stable across releases.
    pub code: Code,
    /// The sentence a user reads.
    pub message: String,
    /// Where in the RGD, e.g. `spec.resources[1].template.spec.selector`.
    pub path: Path,
    /// Where in the text it is (characters, 1-based lines and columns).
    pub span: Span,
    /// A hint on how to fix it, when there is one worth giving.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The edits that make what the hint suggests ("did you mean"), for an editor's quick fix; each is one
    /// alternative. Empty when there is nothing to suggest or no exact place to change.
    #[serde(skip_serializing_if = "<[Fix]>::is_empty")]
    pub fixes: Fixes,
}

impl Diagnostic {
    /// An error at `path` and `span`.
    pub fn error(code: Code, message: impl Into<String>, path: Path, span: Span) -> Self {
        Self::new(Severity::Error, code, message.into(), path, span)
    }

    /// A warning at `path` and `span`.
    pub fn warning(code: Code, message: impl Into<String>, path: Path, span: Span) -> Self {
        Self::new(Severity::Warning, code, message.into(), path, span)
    }

    fn new(severity: Severity, code: Code, message: String, path: Path, span: Span) -> Self {
        Self { severity, code, message, path, span, help: None, fixes: Fixes::default() }
    }

    /// An error about the input as a whole (not text, too large): no path, the start of the input.
    pub fn about_input(code: Code, message: impl Into<String>) -> Self {
        Self::error(code, message, Path::root(), Span::default())
    }

    /// The same diagnostic with a hint on how to fix it.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The same diagnostic with one more fix: each span replaced by `replacement` (nothing is added when
    /// there is no span: no exact place to change).
    #[must_use]
    pub fn with_fix(mut self, spans: impl IntoIterator<Item = Span>, replacement: &str) -> Self {
        let edits: Vec<Edit> =
            spans.into_iter().map(|span| Edit { span, replacement: replacement.to_string() }).collect();
        if !edits.is_empty() {
            self.fixes.push(Fix { edits });
        }
        self
    }

    /// Whether it is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Whether it keeps a host from producing its output: an error always, a warning when the host denies
    /// warnings (the CLI's `--deny-warnings`, the npm package's `denyWarnings`). Decided here so every host
    /// draws the same line.
    pub fn blocks(&self, deny_warnings: bool) -> bool {
        self.is_error() || deny_warnings
    }

    /// Its 1-based line and column (characters), or `None` for a diagnostic without a position: one about
    /// input that came as JSON (an RGD or an instance from the API server), whose span is all zeros.
    pub fn position(&self) -> Option<(u32, u32)> {
        self.span.is_located().then_some((self.span.start.line, self.span.start.column))
    }
}

/// The diagnostics of one pass, in the order they were found; sorted by position when taken out.
#[derive(Debug, Default, Clone)]
pub(crate) struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub(crate) fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub(crate) fn error(&mut self, code: Code, message: impl Into<String>, path: &Path, span: Span) {
        self.push(Diagnostic::error(code, message, path.clone(), span));
    }

    pub(crate) fn warning(&mut self, code: Code, message: impl Into<String>, path: &Path, span: Span) {
        self.push(Diagnostic::warning(code, message, path.clone(), span));
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub(crate) fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    pub(crate) fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    /// The diagnostics ordered by position in the file (then code), without exact duplicates.
    pub(crate) fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.0.sort_by(|a, b| {
            (a.span.start.offset, a.span.end.offset, a.code.as_str(), &a.message).cmp(&(
                b.span.start.offset,
                b.span.end.offset,
                b.code.as_str(),
                &b.message,
            ))
        });
        self.0.dedup();
        self.0
    }
}
