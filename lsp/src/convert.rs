//! The engine's answers as LSP values, with columns in the negotiated encoding. The editor services speak
//! UTF-16 ([`kro_engine::LspRange`]); diagnostics carry engine spans (characters).

use kro_engine::editor::{self, CompletionKind, SymbolKind, TokenKind};
use kro_engine::{Diagnostic, LineIndex, LspPosition, LspRange, PositionEncoding, Severity, Span};
use lsp_types::{
    CodeDescription, CompletionItem, CompletionItemKind, CompletionTextEdit, DiagnosticSeverity, DocumentSymbol,
    Documentation, MarkupContent, MarkupKind, NumberOrString, Position, Range, TextEdit, Uri,
};

/// Where every diagnostic code is explained; a diagnostic's `codeDescription` links to its section.
pub(crate) const DIAGNOSTICS_DOC: &str = "https://github.com/kro-rs/kro-rs/blob/main/docs/diagnostics.md";

/// Positions of one text, converted to the client's encoding.
pub(crate) struct Positions<'t> {
    pub index: LineIndex<'t>,
    pub encoding: PositionEncoding,
}

impl<'t> Positions<'t> {
    pub(crate) fn new(text: &'t str, encoding: PositionEncoding) -> Self {
        Positions { index: LineIndex::new(text), encoding }
    }

    /// A client position as the editor services take it (UTF-16).
    pub(crate) fn to_utf16(&self, position: Position) -> LspPosition {
        let position = LspPosition { line: position.line, character: position.character };
        self.index.convert(position, self.encoding, PositionEncoding::Utf16)
    }

    fn utf16_to_client(&self, position: LspPosition) -> Position {
        let p = self.index.convert(position, PositionEncoding::Utf16, self.encoding);
        Position::new(p.line, p.character)
    }

    /// An editor service's range in the client's encoding.
    pub(crate) fn range(&self, range: LspRange) -> Range {
        Range::new(self.utf16_to_client(range.start), self.utf16_to_client(range.end))
    }

    /// An engine span in the client's encoding.
    pub(crate) fn span(&self, span: Span) -> Range {
        let at = |offset| {
            let p = self.index.position_in(offset, self.encoding);
            Position::new(p.line, p.character)
        };
        Range::new(at(span.start.offset), at(span.end.offset))
    }

    /// The text a span covers.
    pub(crate) fn text_of(&self, text: &str, span: Span) -> String {
        let (from, to) = (self.index.byte_offset(span.start.offset), self.index.byte_offset(span.end.offset));
        text.get(from..to).unwrap_or_default().to_string()
    }
}

pub(crate) fn diagnostic(d: &Diagnostic, positions: &Positions<'_>) -> lsp_types::Diagnostic {
    let message = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    };
    let href = format!("{DIAGNOSTICS_DOC}#{}", d.code.as_str()).parse::<Uri>().ok();
    lsp_types::Diagnostic {
        range: if d.span.is_located() { positions.span(d.span) } else { Range::default() },
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some("kro".to_string()),
        message,
        ..lsp_types::Diagnostic::default()
    }
}

fn markdown(value: String) -> MarkupContent {
    MarkupContent { kind: MarkupKind::Markdown, value }
}

/// Completion items in the engine's order (schema fields first, then resource ids, then functions), which
/// `sortText` keeps when the client sorts.
pub(crate) fn completions(items: Vec<editor::CompletionItem>, positions: &Positions<'_>) -> Vec<CompletionItem> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| CompletionItem {
            kind: Some(match item.kind {
                CompletionKind::Field => CompletionItemKind::FIELD,
                CompletionKind::Resource => CompletionItemKind::MODULE,
                CompletionKind::Variable => CompletionItemKind::VARIABLE,
                CompletionKind::Function => CompletionItemKind::FUNCTION,
                CompletionKind::Macro | CompletionKind::Keyword => CompletionItemKind::KEYWORD,
                CompletionKind::Type => CompletionItemKind::TYPE_PARAMETER,
                CompletionKind::Marker => CompletionItemKind::PROPERTY,
            }),
            detail: item.detail,
            documentation: item.documentation.map(|d| Documentation::MarkupContent(markdown(d))),
            sort_text: Some(format!("{i:05}")),
            filter_text: Some(item.label.clone()),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range: positions.range(item.range),
                new_text: item.insert_text.unwrap_or_else(|| item.label.clone()),
            })),
            label: item.label,
            ..CompletionItem::default()
        })
        .collect()
}

pub(crate) fn hover(hover: editor::Hover, positions: &Positions<'_>) -> lsp_types::Hover {
    lsp_types::Hover {
        contents: lsp_types::HoverContents::Markup(markdown(hover.contents)),
        range: Some(positions.range(hover.range)),
    }
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must be written; `tags` replaces it.
pub(crate) fn symbol(symbol: editor::Symbol, positions: &Positions<'_>) -> DocumentSymbol {
    DocumentSymbol {
        name: if symbol.name.is_empty() { "?".to_string() } else { symbol.name },
        detail: symbol.detail,
        kind: match symbol.kind {
            SymbolKind::Schema => lsp_types::SymbolKind::CLASS,
            SymbolKind::Field => lsp_types::SymbolKind::FIELD,
            SymbolKind::Resource => lsp_types::SymbolKind::OBJECT,
        },
        tags: None,
        deprecated: None,
        range: positions.range(symbol.range),
        selection_range: positions.range(symbol.selection_range),
        children: (!symbol.children.is_empty())
            .then(|| symbol.children.into_iter().map(|c| self::symbol(c, positions)).collect()),
    }
}

/// The legend index of a token kind (see [`crate::capabilities::TOKEN_TYPES`]).
pub(crate) fn token_type(kind: TokenKind) -> u32 {
    match kind {
        TokenKind::Delimiter => 0,
        TokenKind::Variable => 1,
        TokenKind::Property => 2,
        TokenKind::Function => 3,
        TokenKind::Method => 4,
        TokenKind::Keyword => 5,
        TokenKind::Number => 6,
        TokenKind::Str => 7,
        TokenKind::Operator => 8,
    }
}

/// Semantic tokens in LSP's relative encoding: each token's line and start relative to the previous one,
/// lengths in the client's encoding.
pub(crate) fn semantic_tokens(tokens: &[editor::Token], positions: &Positions<'_>) -> Vec<lsp_types::SemanticToken> {
    let mut out = Vec::with_capacity(tokens.len());
    let (mut line, mut start) = (0u32, 0u32);
    for token in tokens {
        let range = positions.range(token.range);
        if range.end.line != range.start.line || range.end.character <= range.start.character {
            continue;
        }
        // Tokens come in order; one that does not (it cannot) is dropped rather than encoded backwards.
        let Some(delta_line) = range.start.line.checked_sub(line) else { continue };
        let delta_start = if delta_line == 0 {
            let Some(delta) = range.start.character.checked_sub(start) else { continue };
            delta
        } else {
            range.start.character
        };
        out.push(lsp_types::SemanticToken {
            delta_line,
            delta_start,
            length: range.end.character - range.start.character,
            token_type: token_type(token.kind),
            token_modifiers_bitset: 0,
        });
        (line, start) = (range.start.line, range.start.character);
    }
    out
}
