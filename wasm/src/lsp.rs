//! The language server of `kro-lsp` for the npm package's `kro-lsp` bin (`js/server.js`), which does the
//! I/O: it reads framed messages from standard input, hands them over here as JSON text, and writes what a
//! step returns. Not part of the package's API (no TypeScript declaration): editors talk to it over stdio.

use kro_lsp::{FileText, FilesRead, Message, Output, Server};
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

use crate::boundary::failure;

#[derive(Debug)]
#[wasm_bindgen(js_name = LanguageServer, skip_typescript)]
pub struct JsLanguageServer {
    inner: Server,
}

#[wasm_bindgen(js_class = LanguageServer)]
impl JsLanguageServer {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<JsLanguageServer, JsValue> {
        Server::new().map(|inner| JsLanguageServer { inner }).map_err(|e| failure(&e.to_string()))
    }

    /// Queues one JSON-RPC message (its JSON text); a text that is no message throws.
    pub fn receive(&mut self, message: &str) -> Result<(), JsValue> {
        let message: Message =
            serde_json::from_str(message).map_err(|e| failure(&format!("not a JSON-RPC message: {e}")))?;
        self.inner.receive(message);
        Ok(())
    }

    /// Handles what was queued. Returns the JSON text of an array of outputs: `{type: 'message', message}`,
    /// `{type: 'read', folders, files}` (URIs) or `{type: 'exit', code}`.
    pub fn step(&mut self) -> String {
        let outputs: Vec<Value> = self
            .inner
            .step()
            .into_iter()
            .map(|o| match o {
                Output::Message(m) => json!({"type": "message", "message": m}),
                Output::Read(r) => json!({"type": "read", "folders": r.folders, "files": r.files}),
                Output::Exit(code) => json!({"type": "exit", "code": code}),
            })
            .collect();
        serde_json::to_string(&outputs).unwrap_or_else(|_| "[]".to_string())
    }

    /// What the bin read for a `read` output: the JSON text of `{folders, files: [{uri, text}]}` (`text`
    /// null for a file that could not be read).
    pub fn files(&mut self, read: &str) -> Result<(), JsValue> {
        let value: Value = serde_json::from_str(read).map_err(|e| failure(&format!("not JSON: {e}")))?;
        let strings = |v: &Value| -> Vec<String> {
            v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_string)).collect()
        };
        let files = value["files"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| {
                let uri = f.get("uri")?.as_str()?.to_string();
                Some(FileText { uri, text: f.get("text").and_then(Value::as_str).map(str::to_string) })
            })
            .collect();
        self.inner.files(FilesRead { folders: strings(&value["folders"]), files });
        Ok(())
    }

    /// `{version, text}` of an open document, or null: what the bin opens it again with after a panic.
    pub fn document(&self, uri: &str) -> String {
        match self.inner.document(uri) {
            Some((version, text)) => json!({"version": version, "text": text}).to_string(),
            None => "null".to_string(),
        }
    }
}
