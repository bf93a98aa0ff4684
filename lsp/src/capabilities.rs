//! What the server offers, and what it takes from the client's capabilities: the position encoding, and
//! whether it may register a file watcher or answer definitions with links.

use kro_engine::PositionEncoding;
use lsp_types::{CodeActionKind, SemanticTokenType, TextDocumentSyncKind};
use serde_json::{Value, json};

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

/// What the server offers, as the JSON of `ServerCapabilities`. Written as JSON rather than built from
/// lsp-types' struct: serializing that struct compiles in the code of every capability the protocol has, and
/// the npm package's WebAssembly carries it (measured: 2026-12-07, see docs/decisions/0017).
pub(crate) fn server(encoding: PositionEncoding) -> Value {
    json!({
        "positionEncoding": encoding.lsp_name(),
        "textDocumentSync": {"openClose": true, "change": TextDocumentSyncKind::INCREMENTAL},
        // `.` after a name, `{` of `${`, and a space after `key:` or an operator.
        "completionProvider": {"triggerCharacters": [".", "{", " "]},
        "hoverProvider": true,
        "definitionProvider": true,
        "documentSymbolProvider": true,
        "codeActionProvider": {"codeActionKinds": [CodeActionKind::QUICKFIX]},
        "semanticTokensProvider": {
            "legend": {"tokenTypes": TOKEN_TYPES, "tokenModifiers": []},
            "full": true,
        },
    })
}
