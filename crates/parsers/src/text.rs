//! Turning bytes into text: BOMs, UTF-16, Latin-1 XML, and clear errors for everything else.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use crate::ParseError;

/// Decodes a configuration file. UTF-8 (with or without BOM) and UTF-16 with a BOM are read; an
/// XML file that declares ISO-8859-1 or windows-1252 is read as Latin-1. Binary data and invalid
/// UTF-8 are errors at the first offending byte.
pub(crate) fn decode<'a>(file: &Arc<PathBuf>, bytes: &'a [u8]) -> Result<Cow<'a, str>, ParseError> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(file, rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(file, rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(file, rest, u16::from_be_bytes);
    }
    if let Some(offset) = memchr::memchr(0, bytes) {
        let (line, column) = position(bytes, offset);
        return Err(error(
            file,
            line,
            column,
            "binary data (a NUL byte): expected a text configuration file".into(),
        ));
    }
    if declares_latin1(bytes) {
        return Ok(Cow::Owned(
            bytes.iter().map(|&byte| char::from(byte)).collect(),
        ));
    }
    utf8(file, bytes)
}

fn utf8<'a>(file: &Arc<PathBuf>, bytes: &'a [u8]) -> Result<Cow<'a, str>, ParseError> {
    std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|err| {
        let (line, column) = position(bytes, err.valid_up_to());
        error(file, line, column, format!("invalid UTF-8 (byte 0x{:02X}): expected UTF-8 text, or an XML encoding declaration", bytes[err.valid_up_to()]))
    })
}

fn utf16<'a>(
    file: &Arc<PathBuf>,
    bytes: &'a [u8],
    unit: fn([u8; 2]) -> u16,
) -> Result<Cow<'a, str>, ParseError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(error(
            file,
            1,
            1,
            "truncated UTF-16 text (odd number of bytes)".into(),
        ));
    }
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map(Cow::Owned)
        .map_err(|_| {
            error(
                file,
                1,
                1,
                "invalid UTF-16 text (unpaired surrogate)".into(),
            )
        })
}

fn declares_latin1(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(200)];
    let Some(end) = head.windows(2).position(|pair| pair == b"?>") else {
        return false;
    };
    let declaration = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
    declaration.starts_with("<?xml")
        && [
            "iso-8859-1",
            "iso8859-1",
            "latin1",
            "windows-1252",
            "cp1252",
        ]
        .iter()
        .any(|name| declaration.contains(name))
}

/// 1-based line and column of a byte offset.
fn position(bytes: &[u8], offset: usize) -> (u32, u32) {
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&byte| byte == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&byte| byte == b'\n')
        .map_or(0, |newline| newline + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// The lines of `text` exactly as [`str::lines`] gives them (`\n` or `\r\n` ends, no empty line
/// after a final newline), without the standard library's per-line byte search, which was a hot
/// spot on files of short lines.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let bytes = text.as_bytes();
    // A plain loop: configuration lines are short, and a vectorised search's set-up per line
    // costs more than it saves.
    let next_end = move |from: usize| {
        bytes
            .get(from..)?
            .iter()
            .position(|&byte| byte == b'\n')
            .map(|length| from + length)
    };
    std::iter::from_fn(move || match next_end(start) {
        Some(end) => {
            let line = text.get(start..end)?;
            start = end + 1;
            Some(line.strip_suffix('\r').unwrap_or(line))
        }
        None if start < text.len() => {
            let line = text.get(start..);
            start = text.len();
            line
        }
        None => None,
    })
}

/// 1-based line and character column of byte offsets visited in increasing order, in time
/// linear in the file rather than per lookup (`Document::text_pos_at` rescans from the start).
#[derive(Clone, Copy)]
pub(crate) struct Positions<'a> {
    text: &'a str,
    offset: usize,
    line: u32,
    column: u32,
}

impl<'a> Positions<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Positions {
            text,
            offset: 0,
            line: 1,
            column: 1,
        }
    }

    pub(crate) fn at(&mut self, offset: usize) -> (u32, u32) {
        if offset < self.offset {
            *self = Positions::new(self.text);
        }
        let passed = self
            .text
            .get(self.offset..offset)
            .unwrap_or_default()
            .as_bytes();
        // Byte counts rather than a walk over chars: they vectorise, and a character is one
        // byte that is not a UTF-8 continuation byte.
        let line_tail = match memchr::memrchr(b'\n', passed) {
            Some(newline) => {
                let newlines = count_bytes(passed, |byte| byte == b'\n');
                self.line = self
                    .line
                    .saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
                self.column = 1;
                passed.get(newline + 1..).unwrap_or_default()
            }
            None => passed,
        };
        let characters = count_bytes(line_tail, |byte| byte & 0xC0 != 0x80);
        self.column = self
            .column
            .saturating_add(u32::try_from(characters).unwrap_or(u32::MAX));
        self.offset = offset;
        (self.line, self.column)
    }
}

/// How many bytes of `bytes` match: byte-wide counters over blocks of 255, a shape the compiler
/// turns into vector instructions (a `filter().count()` runs byte by byte).
fn count_bytes(bytes: &[u8], matches: impl Fn(u8) -> bool) -> usize {
    bytes
        .chunks(usize::from(u8::MAX))
        .map(|block| {
            let count: u8 = block
                .iter()
                .fold(0u8, |count, &byte| count + u8::from(matches(byte)));
            usize::from(count)
        })
        .sum()
}

pub(crate) fn error(file: &Arc<PathBuf>, line: u32, column: u32, message: String) -> ParseError {
    ParseError {
        file: file.as_ref().clone(),
        line,
        column,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_those_of_str_lines() {
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "a\r\nb",
            "a\r\nb\r\n",
            "\n\nx\n\r\n",
            "é\r\r\nü\r",
            "trailing\r",
        ] {
            assert_eq!(
                lines(text).collect::<Vec<_>>(),
                text.lines().collect::<Vec<_>>(),
                "{text:?}"
            );
        }
    }
}
