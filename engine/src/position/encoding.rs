//! Positions in the encoding a client negotiated. LSP 3.17 lets a client and server agree on how a column is
//! counted (`positionEncoding`): UTF-16 code units (the default, and what every client supports), UTF-8 bytes
//! (Neovim, Helix and Zed prefer it: it is how they store text) or UTF-32 (characters). The editor services
//! speak UTF-16; a language server converts at its boundary with these, so no service counts columns twice.

use super::{LineIndex, LspPosition};

/// How the columns of an [`LspPosition`] are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum PositionEncoding {
    /// Bytes of the line's UTF-8 text.
    Utf8,
    /// UTF-16 code units: the LSP default, JavaScript's string indices.
    #[default]
    Utf16,
    /// Unicode scalar values (characters), as the engine counts.
    Utf32,
}

impl PositionEncoding {
    /// The encoding named as LSP names it (`utf-8`, `utf-16`, `utf-32`).
    pub fn from_lsp_name(name: &str) -> Option<PositionEncoding> {
        match name {
            "utf-8" => Some(PositionEncoding::Utf8),
            "utf-16" => Some(PositionEncoding::Utf16),
            "utf-32" => Some(PositionEncoding::Utf32),
            _ => None,
        }
    }

    /// Its LSP name.
    pub fn lsp_name(self) -> &'static str {
        match self {
            PositionEncoding::Utf8 => "utf-8",
            PositionEncoding::Utf16 => "utf-16",
            PositionEncoding::Utf32 => "utf-32",
        }
    }

    /// How many units of this encoding `c` takes.
    fn width(self, c: char) -> u32 {
        match self {
            PositionEncoding::Utf8 => c.len_utf8() as u32,
            PositionEncoding::Utf16 => c.len_utf16() as u32,
            PositionEncoding::Utf32 => 1,
        }
    }
}

impl LineIndex<'_> {
    /// The position of the character at `offset` (an engine offset, in characters), its column counted in
    /// `encoding`. Offsets are clamped as [`LineIndex::lsp_position`] clamps them.
    pub fn position_in(&self, offset: u32, encoding: PositionEncoding) -> LspPosition {
        let index = self.line_of_offset(offset);
        let line = self.lines[index];
        let within = offset.min(self.chars) - line.char_start;
        let text = &self.text[line.byte_start..line.byte_end];
        let character = if line.ascii {
            within.min(text.len() as u32)
        } else {
            text.chars().take(within as usize).map(|c| encoding.width(c)).sum()
        };
        LspPosition { line: index as u32, character }
    }

    /// The engine offset (in characters) of a position whose column is counted in `encoding`. A line past the
    /// last maps to the end of the text, a column past the line's end to the end of the line, and a column
    /// inside a character's encoding to that character: a stale position from a client never fails.
    pub fn offset_in(&self, position: LspPosition, encoding: PositionEncoding) -> u32 {
        let Some(line) = self.lines.get(position.line as usize) else {
            return self.chars;
        };
        let text = &self.text[line.byte_start..line.byte_end];
        if line.ascii {
            return line.char_start + position.character.min(text.len() as u32);
        }
        let mut units = 0u32;
        let mut chars = 0u32;
        for c in text.chars() {
            let width = encoding.width(c);
            if units + width > position.character {
                break;
            }
            units += width;
            chars += 1;
        }
        line.char_start + chars
    }

    /// The same place with its column counted in `to` instead of `from`.
    pub fn convert(&self, position: LspPosition, from: PositionEncoding, to: PositionEncoding) -> LspPosition {
        if from == to {
            return position;
        }
        self.position_in(self.offset_in(position, from), to)
    }
}

#[cfg(test)]
mod tests {
    use super::PositionEncoding::{Utf8, Utf16, Utf32};
    use super::*;

    fn at(line: u32, character: u32) -> LspPosition {
        LspPosition { line, character }
    }

    #[test]
    fn a_column_after_multibyte_characters_counts_bytes_units_or_characters_as_negotiated() {
        // `é` is 2 bytes, 1 unit; `😀` is 4 bytes, 2 units; `x` is the 5th character of line 1.
        let text = "a\nbé😀 x";
        let index = LineIndex::new(text);
        let x = text.chars().position(|c| c == 'x').unwrap() as u32;
        assert_eq!(index.position_in(x, Utf8), at(1, 8));
        assert_eq!(index.position_in(x, Utf16), at(1, 5));
        assert_eq!(index.position_in(x, Utf32), at(1, 4));
        for encoding in [Utf8, Utf16, Utf32] {
            assert_eq!(index.offset_in(index.position_in(x, encoding), encoding), x, "{encoding:?}");
        }
    }

    #[test]
    fn utf16_agrees_with_the_editor_services_positions() {
        let text = "k: é😀漢\n  - 😀😀 z\r\nend";
        let index = LineIndex::new(text);
        for offset in 0..text.chars().count() as u32 {
            assert_eq!(index.position_in(offset, Utf16), index.lsp_position(offset), "offset {offset}");
        }
    }

    #[test]
    fn a_utf8_column_inside_a_character_or_past_the_line_is_clamped() {
        let index = LineIndex::new("é😀\nz");
        // Byte 1 is inside `é`, byte 4 inside `😀`.
        assert_eq!(index.offset_in(at(0, 1), Utf8), 0);
        assert_eq!(index.offset_in(at(0, 4), Utf8), 1);
        assert_eq!(index.offset_in(at(0, 99), Utf8), 2);
        assert_eq!(index.offset_in(at(7, 0), Utf8), 4);
    }

    #[test]
    fn converting_between_encodings_keeps_the_place() {
        let index = LineIndex::new("name: \"😀\" ${x}");
        assert_eq!(index.convert(at(0, 12), Utf8, Utf16), at(0, 10));
        assert_eq!(index.convert(at(0, 10), Utf16, Utf8), at(0, 12));
        assert_eq!(index.convert(at(0, 10), Utf16, Utf16), at(0, 10));
    }

    #[test]
    fn encodings_are_named_as_lsp_names_them() {
        for encoding in [Utf8, Utf16, Utf32] {
            assert_eq!(PositionEncoding::from_lsp_name(encoding.lsp_name()), Some(encoding));
        }
        assert_eq!(PositionEncoding::from_lsp_name("utf-7"), None);
    }
}
