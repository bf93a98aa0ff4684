//! The documents the client has open: their text, kept in step with incremental changes counted in the
//! negotiated encoding, and the version each change brought.

use kro_engine::{LineIndex, LspPosition, PositionEncoding};
use lsp_types::{Position, TextDocumentContentChangeEvent};

/// An open document.
#[derive(Debug, Clone)]
pub(crate) struct Open {
    pub text: String,
    /// The client's version of `text`.
    pub version: i32,
}

impl Open {
    /// Applies the changes of one `didChange`, in order: a change with a range replaces that range (clamped
    /// to the text, so a stale range cannot fail), one without replaces the whole text.
    pub(crate) fn apply(&mut self, changes: Vec<TextDocumentContentChangeEvent>, encoding: PositionEncoding) {
        for change in changes {
            match change.range {
                None => self.text = change.text,
                Some(range) => {
                    let (start, end) = {
                        let index = LineIndex::new(&self.text);
                        let byte = |p: Position| {
                            index.byte_offset(
                                index.offset_in(LspPosition { line: p.line, character: p.character }, encoding),
                            )
                        };
                        (byte(range.start), byte(range.end))
                    };
                    let (start, end) = (start.min(end), start.max(end));
                    self.text.replace_range(start..end, &change.text);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::Range;

    fn change(from: (u32, u32), to: (u32, u32), text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(from.0, from.1), Position::new(to.0, to.1))),
            range_length: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn incremental_changes_apply_in_order_with_utf16_columns() {
        let mut doc = Open { text: "a: \"😀\" x\nb: 2\n".to_string(), version: 1 };
        // `x` is at UTF-16 column 8 (the emoji is two units).
        doc.apply(vec![change((0, 8), (0, 9), "yz"), change((1, 3), (1, 4), "3")], PositionEncoding::Utf16);
        assert_eq!(doc.text, "a: \"😀\" yz\nb: 3\n");
    }

    #[test]
    fn utf8_columns_count_bytes() {
        let mut doc = Open { text: "é: x".to_string(), version: 1 };
        doc.apply(vec![change((0, 4), (0, 5), "y")], PositionEncoding::Utf8);
        assert_eq!(doc.text, "é: y");
    }

    #[test]
    fn a_full_change_replaces_the_text_and_stale_ranges_are_clamped() {
        let mut doc = Open { text: "old".to_string(), version: 1 };
        doc.apply(
            vec![
                TextDocumentContentChangeEvent { range: None, range_length: None, text: "new".to_string() },
                change((9, 9), (0, 1), "!"),
            ],
            PositionEncoding::Utf16,
        );
        assert_eq!(doc.text, "n!");
    }
}
