//! The kro-rs language server, written once and without I/O: LSP messages go in, LSP messages (and requests
//! to read files) come out. Two thin transports drive it: `kro lsp` over stdio natively, and the npm
//! package's `kro-lsp` bin in Node over the same core compiled to WebAssembly. See
//! docs/decisions/0017-language-server.md.
//!
//! ```
//! use kro_lsp::{Message, Output, Server};
//! use serde_json::json;
//!
//! let mut server = Server::new().unwrap();
//! let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}});
//! server.receive(serde_json::from_value::<Message>(init).unwrap());
//! let outputs = server.step();
//! assert!(matches!(&outputs[0], Output::Message(Message::Response(r)) if r.response_result.is_ok()));
//! ```
//!
//! A transport's loop: block until a message arrives, hand it and every other message already waiting to
//! [`Server::receive`], then call [`Server::step`] and send what it returns. Messages are answered in the
//! order they came; diagnostics are checked and published once at the end of a step, so changes that arrived
//! while the last check ran are all applied before the next one (coalescing with no added delay), and a
//! `$/cancelRequest` for a request still waiting in the same batch cancels it. [`Output::Read`] asks the
//! transport for the YAML files of folders or for single files; it hands them back with [`Server::files`].

mod capabilities;
mod convert;
mod documents;
mod files;
mod handlers;
mod server;
mod settings;
#[cfg(test)]
mod tests;

pub use files::{FileText, FilesRead, ReadRequest, is_yaml_path, path_to_uri, uri_to_path};
pub use lsp_server::Message;
pub use server::{Output, Server};
