//! Editor services over an RGD text: completion, hover, go-to-definition and the outline (document
//! symbols), for the wasm package and any native language server. They work on documents in the middle of
//! being typed: the structure comes from a tolerant line reading (`outline`) rather than the YAML loader,
//! kinds' schemas from the [`Engine`](crate::Engine)'s catalog, and the instance's schema from `spec.schema` built one field at a time.
//! No input makes them fail or panic; at worst they have nothing to offer.
//!
//! Positions in and out are LSP's (0-based lines, UTF-16 columns): [`crate::position`] converts.

mod cel_library;
mod complete;
mod context;
mod hover;
mod navigate;
mod outline;
mod resolve;
#[cfg(test)]
mod tests;
mod tokens;

use serde::Serialize;

pub use complete::complete;
pub(crate) use complete::complete_manifest;
pub use hover::hover;
pub use navigate::{definition, symbols};
pub use tokens::{Token, TokenKind, semantic_tokens};

use crate::position::LspRange;

/// What a completion item is, for the editor's icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CompletionKind {
    /// A field of an object (a schema property, a template key).
    Field,
    /// A resource id.
    Resource,
    /// `schema`, `each`, a forEach dimension.
    Variable,
    /// A CEL function of kro's library.
    Function,
    /// A CEL macro (`has`, `all`, `map`...).
    Macro,
    /// A SimpleSchema type.
    Type,
    /// A SimpleSchema marker (`default=`).
    Marker,
    /// A key of the RGD's own structure (`id`, `template`, `readyWhen`), or `true`/`false`/`null`.
    Keyword,
}

/// One completion.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompletionItem {
    /// The text shown in the list (and inserted, unless `insert_text` says otherwise).
    pub label: String,
    /// What the item is, for its icon.
    pub kind: CompletionKind,
    /// The type or signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Markdown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documentation: Option<String>,
    /// What to insert, when it differs from the label (`replicas: `, `has(`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insert_text: Option<String>,
    /// The text the item replaces (the partial word before the cursor).
    pub range: LspRange,
}

/// Hover contents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hover {
    /// Markdown.
    pub contents: String,
    /// The word the hover is about.
    pub range: LspRange,
}

/// Where a name is declared.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Definition {
    /// The declaring name (a resource's `id` value, a schema field's key).
    pub range: LspRange,
    /// The whole declaration (the resource's list item, the field's entry).
    pub target_range: LspRange,
    /// The reference the request was made on.
    pub origin_range: LspRange,
}

/// What an outline entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SymbolKind {
    /// The instance API (`spec.schema`).
    Schema,
    /// A field of the instance's spec or status.
    Field,
    /// A resource of `spec.resources`.
    Resource,
}

/// An outline entry (an LSP `DocumentSymbol`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Symbol {
    /// The field name, resource id or kind shown in the outline.
    pub name: String,
    /// What the entry is, for its icon.
    pub kind: SymbolKind,
    /// A short note beside the name (a field's type, a resource's kind).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The whole entry (key and value).
    pub range: LspRange,
    /// The name itself, which editors highlight and jump to.
    pub selection_range: LspRange,
    /// The entries nested under this one (a schema's fields).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Symbol>,
}
