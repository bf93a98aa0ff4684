//! Positions as editors count them. The engine's [`Pos`] counts characters (Unicode scalar
//! values) from the start of the text, with 1-based line and column; the Language Server Protocol, VS Code,
//! Monaco and JavaScript strings count 0-based lines and UTF-16 code units within a line. A [`LineIndex`],
//! built once per text, converts between the two in both directions, so a host converts at its boundary and
//! the engine keeps one kind of position inside.

mod encoding;

pub use encoding::PositionEncoding;

use crate::yaml::{Pos, Span};

/// A 0-based line and a 0-based column counted in UTF-16 code units: an LSP `Position`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, serde::Serialize, serde::Deserialize)]
pub struct LspPosition {
    /// 0-based line.
    pub line: u32,
    /// 0-based column, in UTF-16 code units.
    pub character: u32,
}

/// A half-open range of [`LspPosition`]s: an LSP `Range`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct LspRange {
    /// Where the range starts.
    pub start: LspPosition,
    /// Just past where it ends.
    pub end: LspPosition,
}

/// One line of the text: where it starts, in characters and in bytes, and whether every character on it is
/// ASCII (then characters, bytes and UTF-16 units coincide and no scan is needed).
#[derive(Debug, Clone, Copy)]
struct Line {
    char_start: u32,
    byte_start: usize,
    /// Byte offset of the line's end, before its line break.
    byte_end: usize,
    ascii: bool,
}

/// Line starts of one text, for converting positions. Lines end at `\n`; a `\r` before it belongs to the
/// break, as in LSP (a lone `\r` is kept as an ordinary character: YAML files here use `\n` or `\r\n`).
#[derive(Debug, Clone)]
pub struct LineIndex<'t> {
    text: &'t str,
    lines: Vec<Line>,
    chars: u32,
}

impl<'t> LineIndex<'t> {
    /// Indexes `text` in one pass.
    pub fn new(text: &'t str) -> Self {
        let mut lines = Vec::new();
        let mut char_start = 0u32;
        let mut chars = 0u32;
        let mut byte_start = 0usize;
        let mut ascii = true;
        for (byte, c) in text.char_indices() {
            if c == '\n' {
                let byte_end = if text[..byte].ends_with('\r') { byte - 1 } else { byte };
                lines.push(Line { char_start, byte_start, byte_end, ascii });
                char_start = chars + 1;
                byte_start = byte + 1;
                ascii = true;
            } else if !c.is_ascii() {
                ascii = false;
            }
            chars += 1;
        }
        lines.push(Line { char_start, byte_start, byte_end: text.len(), ascii });
        Self { text, lines, chars }
    }

    /// Number of lines (a text ending with a line break has an empty last line, as editors show it).
    pub fn line_count(&self) -> u32 {
        self.lines.len() as u32
    }

    /// The line holding the character at `offset` (clamped to the text's end).
    fn line_of_offset(&self, offset: u32) -> usize {
        let offset = offset.min(self.chars);
        // The last line whose start is at or before the offset.
        self.lines.partition_point(|l| l.char_start <= offset).saturating_sub(1)
    }

    /// The LSP position of the character at `offset` (an engine [`Pos::offset`]). Offsets past a line's end
    /// (on its line break) map to the end of that line; past the text's end, to the end of the text.
    pub fn lsp_position(&self, offset: u32) -> LspPosition {
        let index = self.line_of_offset(offset);
        let line = self.lines[index];
        let within = offset.min(self.chars) - line.char_start;
        let character = if line.ascii {
            within.min((line.byte_end - line.byte_start) as u32)
        } else {
            self.text[line.byte_start..line.byte_end].chars().take(within as usize).map(|c| c.len_utf16() as u32).sum()
        };
        LspPosition { line: index as u32, character }
    }

    /// The LSP range of an engine [`Span`].
    pub fn lsp_range(&self, span: Span) -> LspRange {
        LspRange { start: self.lsp_position(span.start.offset), end: self.lsp_position(span.end.offset) }
    }

    /// The engine offset (in characters) of an LSP position. A line past the last one maps to the end of the
    /// text, a character past the line's end to the end of the line, and a character in the middle of a
    /// surrogate pair to the character that pair encodes: requests from editors never fail on a stale position.
    pub fn offset(&self, position: LspPosition) -> u32 {
        let Some(line) = self.lines.get(position.line as usize) else {
            return self.chars;
        };
        let length = (line.byte_end - line.byte_start) as u32;
        if line.ascii {
            return line.char_start + position.character.min(length);
        }
        let mut units = 0u32;
        let mut chars = 0u32;
        for c in self.text[line.byte_start..line.byte_end].chars() {
            let width = c.len_utf16() as u32;
            if units + width > position.character {
                break;
            }
            units += width;
            chars += 1;
        }
        line.char_start + chars
    }

    /// The engine position (offset with 1-based line and column in characters) of an LSP position.
    pub fn pos(&self, position: LspPosition) -> Pos {
        let offset = self.offset(position);
        let index = self.line_of_offset(offset);
        Pos { offset, line: index as u32 + 1, column: offset - self.lines[index].char_start + 1 }
    }

    /// The byte offset in the text of a character offset, for slicing the text at an engine position.
    pub fn byte_offset(&self, offset: u32) -> usize {
        let index = self.line_of_offset(offset);
        let line = self.lines[index];
        let within = (offset.min(self.chars) - line.char_start) as usize;
        if line.ascii {
            return line.byte_start + within.min(line.byte_end - line.byte_start);
        }
        self.text[line.byte_start..].char_indices().nth(within).map_or(self.text.len(), |(b, _)| line.byte_start + b)
    }
}

impl LineIndex<'_> {
    /// The line holding byte `byte` of the text.
    fn line_of_byte(&self, byte: usize) -> usize {
        self.lines.partition_point(|l| l.byte_start <= byte).saturating_sub(1)
    }

    /// The LSP position of a byte offset of the text (one on a character boundary; a byte inside a character
    /// counts as that character's start).
    pub fn lsp_position_of_byte(&self, byte: usize) -> LspPosition {
        let byte = byte.min(self.text.len());
        let index = self.line_of_byte(byte);
        let line = self.lines[index];
        let mut end = byte.min(line.byte_end);
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let character = if line.ascii {
            (end - line.byte_start) as u32
        } else {
            self.text[line.byte_start..end].encode_utf16().count() as u32
        };
        LspPosition { line: index as u32, character }
    }

    /// The LSP range of a byte range of the text.
    pub fn lsp_range_of_bytes(&self, start: usize, end: usize) -> LspRange {
        LspRange { start: self.lsp_position_of_byte(start), end: self.lsp_position_of_byte(end) }
    }

    /// The byte offset of an LSP position, clamped as [`LineIndex::offset`] clamps.
    pub fn byte_of(&self, position: LspPosition) -> usize {
        self.byte_offset(self.offset(position))
    }

    /// The 0-based line of an LSP position's byte offset and that line's byte range (without its break).
    pub fn line_bytes(&self, line: u32) -> Option<(usize, usize)> {
        self.lines.get(line as usize).map(|l| (l.byte_start, l.byte_end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32, character: u32) -> LspPosition {
        LspPosition { line, character }
    }

    fn char_offset(text: &str, needle: &str) -> u32 {
        let byte = text.find(needle).unwrap();
        text[..byte].chars().count() as u32
    }

    #[test]
    fn ascii_offsets_map_to_zero_based_lines_and_columns() {
        let text = "a: 1\nbb: 2\n";
        let index = LineIndex::new(text);
        assert_eq!(index.lsp_position(0), at(0, 0));
        assert_eq!(index.lsp_position(char_offset(text, "bb")), at(1, 0));
        assert_eq!(index.lsp_position(char_offset(text, "2")), at(1, 4));
        assert_eq!(index.line_count(), 3);
    }

    #[test]
    fn accented_and_cjk_characters_count_one_utf16_unit_each() {
        let text = "name: é漢字 x\n";
        let index = LineIndex::new(text);
        let x = char_offset(text, "x");
        assert_eq!(x, 10);
        assert_eq!(index.lsp_position(x), at(0, 10));
        assert_eq!(index.offset(at(0, 10)), x);
    }

    #[test]
    fn an_emoji_before_a_position_counts_two_utf16_units() {
        let text = "a: 1\nb: \"😀\" ${oops}\n";
        let index = LineIndex::new(text);
        let dollar = char_offset(text, "$");
        // `b: "😀" ` is 7 characters, 8 UTF-16 units.
        assert_eq!(index.lsp_position(dollar), at(1, 8));
        assert_eq!(index.offset(at(1, 8)), dollar);
        let pos = index.pos(at(1, 8));
        assert_eq!((pos.line, pos.column, pos.offset), (2, 8, dollar));
    }

    #[test]
    fn a_position_inside_a_surrogate_pair_maps_to_the_emoji() {
        let text = "😀x";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(at(0, 1)), 0);
        assert_eq!(index.offset(at(0, 2)), 1);
    }

    #[test]
    fn crlf_line_breaks_are_not_part_of_the_line() {
        let text = "a: é\r\nb: 2\r\n";
        let index = LineIndex::new(text);
        assert_eq!(index.lsp_position(char_offset(text, "b")), at(1, 0));
        assert_eq!(index.lsp_position(char_offset(text, "\r")), at(0, 4));
        assert_eq!(index.offset(at(0, 99)), 4);
    }

    #[test]
    fn positions_past_the_end_are_clamped_rather_than_failing() {
        let text = "ab\ncd";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(at(9, 0)), 5);
        assert_eq!(index.offset(at(0, 9)), 2);
        assert_eq!(index.lsp_position(99), at(1, 2));
        assert_eq!(LineIndex::new("").lsp_position(3), at(0, 0));
    }

    #[test]
    fn byte_offsets_follow_multibyte_characters() {
        let text = "漢字: x\n😀: y";
        let index = LineIndex::new(text);
        assert_eq!(&text[index.byte_offset(char_offset(text, "x"))..], "x\n😀: y");
        assert_eq!(&text[index.byte_offset(char_offset(text, "y"))..], "y");
        assert_eq!(index.byte_offset(99), text.len());
    }

    #[test]
    fn byte_offsets_convert_to_lsp_positions_through_multibyte_text() {
        let text = "a: é😀 x\nb";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(index.lsp_position_of_byte(x), at(0, 7));
        assert_eq!(index.byte_of(at(0, 7)), x);
        assert_eq!(index.lsp_position_of_byte(text.len()), at(1, 1));
    }

    #[test]
    fn every_character_round_trips_through_an_lsp_position() {
        let text = "k: é😀漢\n\n  - 😀😀 z\r\nend";
        let index = LineIndex::new(text);
        for (offset, c) in text.chars().enumerate() {
            if c == '\n' || c == '\r' {
                continue;
            }
            let offset = offset as u32;
            assert_eq!(index.offset(index.lsp_position(offset)), offset, "offset {offset}");
        }
    }
}
