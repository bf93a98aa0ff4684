//! Requests about one document: completion, hover, definition, symbols, semantic tokens and quick fixes.
//! Each reads the document's text as the client has it now and the workspace's compile of it.

use kro_engine::editor;
use lsp_server::{ErrorCode, Request, Response};
use lsp_types::request::Request as _;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CompletionParams, DocumentSymbolParams,
    GotoDefinitionParams, GotoDefinitionResponse, HoverParams, Location, LocationLink, Range, SemanticTokens,
    SemanticTokensParams, TextEdit, Uri, WorkspaceEdit, request,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::convert::{self, Positions};
use crate::files;
use crate::server::Server;

impl Server {
    /// The response to a request of a running server.
    pub(crate) fn answer(&mut self, r: Request) -> Response {
        let id = r.id.clone();
        let result = match r.method.as_str() {
            request::Completion::METHOD => self.with(r, |s, p: CompletionParams| {
                let at = p.text_document_position;
                s.completion(&at.text_document.uri, at.position)
            }),
            request::HoverRequest::METHOD => self.with(r, |s, p: HoverParams| {
                let at = p.text_document_position_params;
                s.hover(&at.text_document.uri, at.position)
            }),
            request::GotoDefinition::METHOD => self.with(r, |s, p: GotoDefinitionParams| {
                let at = p.text_document_position_params;
                s.definition(&at.text_document.uri, at.position)
            }),
            request::DocumentSymbolRequest::METHOD => {
                self.with(r, |s, p: DocumentSymbolParams| s.symbols(&p.text_document.uri))
            }
            request::SemanticTokensFullRequest::METHOD => {
                self.with(r, |s, p: SemanticTokensParams| s.tokens(&p.text_document.uri))
            }
            request::CodeActionRequest::METHOD => {
                self.with(r, |s, p: CodeActionParams| s.code_actions(&p.text_document.uri, p.range))
            }
            _ => Err((ErrorCode::MethodNotFound, format!("unknown method {}", r.method))),
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        }
    }

    fn with<P: DeserializeOwned>(
        &mut self,
        r: Request,
        f: impl FnOnce(&mut Server, P) -> Value,
    ) -> Result<Value, (ErrorCode, String)> {
        let params = serde_json::from_value(r.params).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))?;
        Ok(f(self, params))
    }

    /// The text of an open document (requests about other files have nothing to answer).
    fn text(&self, uri: &Uri) -> Option<(String, String)> {
        let key = files::normalize(uri.as_str());
        let text = self.open.get(&key)?.1.text.clone();
        Some((key, text))
    }

    fn completion(&mut self, uri: &Uri, position: lsp_types::Position) -> Value {
        let Some((key, text)) = self.text(uri) else { return Value::Null };
        let positions = Positions::new(&text, self.encoding());
        let items = self.workspace.complete(&key, positions.to_utf16(position));
        to_value(convert::completions(items, &positions))
    }

    fn hover(&mut self, uri: &Uri, position: lsp_types::Position) -> Value {
        let Some((key, text)) = self.text(uri) else { return Value::Null };
        let positions = Positions::new(&text, self.encoding());
        match self.workspace.hover(&key, positions.to_utf16(position)) {
            Some(hover) => to_value(convert::hover(hover, &positions)),
            None => Value::Null,
        }
    }

    fn definition(&mut self, uri: &Uri, position: lsp_types::Position) -> Value {
        let Some((key, text)) = self.text(uri) else { return Value::Null };
        let positions = Positions::new(&text, self.encoding());
        let Some(found) = self.workspace.definition(&key, positions.to_utf16(position)) else { return Value::Null };
        let response = if self.definition_links() {
            GotoDefinitionResponse::Link(vec![LocationLink {
                origin_selection_range: Some(positions.range(found.origin_range)),
                target_uri: uri.clone(),
                target_range: positions.range(found.target_range),
                target_selection_range: positions.range(found.range),
            }])
        } else {
            GotoDefinitionResponse::Scalar(Location { uri: uri.clone(), range: positions.range(found.range) })
        };
        to_value(response)
    }

    fn symbols(&mut self, uri: &Uri) -> Value {
        let Some((key, text)) = self.text(uri) else { return Value::Null };
        let positions = Positions::new(&text, self.encoding());
        let symbols: Vec<_> =
            self.workspace.symbols(&key).into_iter().map(|s| convert::symbol(s, &positions)).collect();
        to_value(symbols)
    }

    fn tokens(&mut self, uri: &Uri) -> Value {
        let Some((_, text)) = self.text(uri) else { return Value::Null };
        let positions = Positions::new(&text, self.encoding());
        let data = convert::semantic_tokens(&editor::semantic_tokens(&text), &positions);
        to_value(SemanticTokens { result_id: None, data })
    }

    /// A quick fix for every way to do what a diagnostic in `range` suggests ("did you mean").
    fn code_actions(&mut self, uri: &Uri, range: Range) -> Value {
        let Some((key, text)) = self.text(uri) else { return Value::Null };
        if self.workspace.kind(&key) != Some(kro_engine::DocumentKind::Rgds) {
            return to_value(Vec::<CodeActionOrCommand>::new());
        }
        let positions = Positions::new(&text, self.encoding());
        let mut actions = Vec::new();
        for d in self.workspace.diagnostics(&key) {
            let shown = convert::diagnostic(&d, &positions);
            if !overlaps(shown.range, range) {
                continue;
            }
            for fix in d.fixes.iter() {
                let Some(first) = fix.edits.first() else { continue };
                let edits: Vec<TextEdit> = fix
                    .edits
                    .iter()
                    .map(|e| TextEdit { range: positions.span(e.span), new_text: e.replacement.clone() })
                    .collect();
                let title = format!("Change `{}` to `{}`", positions.text_of(&text, first.span), first.replacement);
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![shown.clone()]),
                    edit: Some(WorkspaceEdit {
                        changes: Some([(uri.clone(), edits)].into_iter().collect()),
                        ..WorkspaceEdit::default()
                    }),
                    is_preferred: Some(d.fixes.len() == 1),
                    ..CodeAction::default()
                }));
            }
        }
        to_value(actions)
    }
}

/// Whether two ranges share a position (touching counts: a cursor at a diagnostic's end asks about it).
fn overlaps(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

fn to_value(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
