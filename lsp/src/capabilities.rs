//! What the server offers, and what it takes from the client's capabilities: the position encoding, and
//! whether it may register a file watcher or answer definitions with links.

use kro_engine::PositionEncoding;
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions, HoverProviderCapability, OneOf,
    PositionEncodingKind, SemanticTokenType, SemanticTokensFullOptions, SemanticTokensLegend, SemanticTokensOptions,
    SemanticTokensServerCapabilities, ServerCapabilities, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions,
};
use serde_json::Value;

/// The token types of the semantic-tokens legend, indexed by [`crate::convert::token_type`].
pub(crate) const TOKEN_TYPES: [SemanticTokenType; 9] = [
    SemanticTokenType::MACRO,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::METHOD,
    SemanticTokenType::KEYWORD,
    SemanticTokenType::NUMBER,
    SemanticTokenType::STRING,
    SemanticTokenType::OPERATOR,
];

/// What the client can do, as far as the server cares.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Client {
    pub encoding: PositionEncoding,
    /// `workspace/didChangeWatchedFiles` may be registered at run time.
    pub watch_files: bool,
    /// Definitions may be answered with `LocationLink`s.
    pub definition_links: bool,
}

impl Client {
    /// What the server takes from the client's `capabilities` (read as JSON: see `Server::initialize`).
    pub(crate) fn of(capabilities: &Value) -> Client {
        let flag = |pointer: &str| capabilities.pointer(pointer).and_then(Value::as_bool).unwrap_or(false);
        Client {
            encoding: negotiate(capabilities),
            watch_files: flag("/workspace/didChangeWatchedFiles/dynamicRegistration"),
            definition_links: flag("/textDocument/definition/linkSupport"),
        }
    }
}

/// The client's most preferred encoding of those the server supports; UTF-16 (which every client must
/// support) when it names none.
fn negotiate(capabilities: &Value) -> PositionEncoding {
    capabilities
        .pointer("/general/positionEncodings")
        .and_then(Value::as_array)
        .and_then(|offered| offered.iter().filter_map(Value::as_str).find_map(PositionEncoding::from_lsp_name))
        .unwrap_or_default()
}

pub(crate) fn server(encoding: PositionEncoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::new(encoding.lsp_name())),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            ..TextDocumentSyncOptions::default()
        })),
        completion_provider: Some(CompletionOptions {
            // `.` after a name, `{` of `${`, and a space after `key:` or an operator.
            trigger_characters: Some([".", "{", " "].map(String::from).to_vec()),
            ..CompletionOptions::default()
        }),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: SemanticTokensLegend { token_types: TOKEN_TYPES.to_vec(), token_modifiers: Vec::new() },
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                ..SemanticTokensOptions::default()
            },
        )),
        ..ServerCapabilities::default()
    }
}
