//! Cutting a byte stream into lines: complete lines only, lossy UTF-8, bounded memory.

use std::borrow::Cow;

/// One step of [`LineAssembler::next_piece`]: bytes of the stream consumed, with the line they
/// made when they made one.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Piece {
    /// The line without its `\n` (and without a `\r` before it); `None` for bytes dropped
    /// because they belonged to an over-long line or to the partial line at a start offset.
    pub(crate) line: Option<String>,
    /// How many bytes of the stream this piece covers, newline included.
    pub(crate) consumed: u64,
    /// The line was cut at the length limit; its rest up to the newline will be dropped.
    pub(crate) overlong: bool,
}

/// Holds the bytes read but not yet returned as lines.
///
/// An over-long line is cut at `max_line` and its rest dropped up to the newline rather than
/// split into several lines: a fragment starting in the middle of attacker-chosen text (a SIP
/// User-Agent, say) could otherwise look like a whole log line naming a forged address.
#[derive(Debug)]
pub(crate) struct LineAssembler {
    buf: Vec<u8>,
    /// First byte of `buf` not yet returned.
    start: usize,
    /// Bytes after `start` already searched for a newline without finding one.
    scanned: usize,
    max_line: usize,
    discarding: bool,
}

impl LineAssembler {
    pub(crate) fn new(max_line: usize) -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            scanned: 0,
            max_line: max_line.max(1),
            discarding: false,
        }
    }

    /// Drops everything up to and including the next newline, for a start offset that may fall
    /// inside a line.
    pub(crate) fn skip_to_next_line(&mut self) {
        self.discarding = true;
    }

    pub(crate) fn extend(&mut self, bytes: &[u8]) {
        // Compacting only here keeps returning lines O(1) each while a chunk is being cut.
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Forgets everything held, for a file that was truncated or replaced.
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
        self.start = 0;
        self.scanned = 0;
        self.discarding = false;
    }

    /// The next complete line or dropped run of bytes, if the bytes held make one.
    pub(crate) fn next_piece(&mut self) -> Option<Piece> {
        let pending = self.buf.get(self.start..)?;
        let unscanned = pending.get(self.scanned..)?;
        match memchr::memchr(b'\n', unscanned) {
            Some(at) => {
                let line_len = self.scanned + at;
                let overlong = !self.discarding && line_len > self.max_line;
                let raw = pending.get(..line_len.min(self.max_line))?;
                let line = (!self.discarding).then(|| text_of(raw));
                self.start += line_len + 1;
                self.scanned = 0;
                self.discarding = false;
                Some(Piece {
                    line,
                    consumed: byte_count(line_len + 1),
                    overlong,
                })
            }
            None if self.discarding => {
                let dropped = pending.len();
                self.start += dropped;
                self.scanned = 0;
                (dropped > 0).then(|| Piece {
                    line: None,
                    consumed: byte_count(dropped),
                    overlong: false,
                })
            }
            None if pending.len() > self.max_line => {
                let line = pending.get(..self.max_line).map(text_of);
                self.start += self.max_line;
                self.scanned = 0;
                self.discarding = true;
                Some(Piece {
                    line,
                    consumed: byte_count(self.max_line),
                    overlong: true,
                })
            }
            None => {
                self.scanned = pending.len();
                None
            }
        }
    }

    /// The partial last line, for a stream that has ended (or a rotated file that will not grow
    /// any more): it is as complete as it will ever be.
    pub(crate) fn finish(&mut self) -> Option<Piece> {
        let pending = self.buf.get(self.start..)?;
        if pending.is_empty() {
            return None;
        }
        let consumed = byte_count(pending.len());
        let line = (!self.discarding).then(|| text_of(pending));
        self.clear();
        Some(Piece {
            line,
            consumed,
            overlong: false,
        })
    }
}

fn text_of(raw: &[u8]) -> String {
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    match String::from_utf8_lossy(raw) {
        Cow::Borrowed(text) => text.to_owned(),
        Cow::Owned(text) => text,
    }
}

fn byte_count(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(assembler: &mut LineAssembler) -> Vec<Piece> {
        std::iter::from_fn(|| assembler.next_piece()).collect()
    }

    fn line(text: &str, consumed: u64) -> Piece {
        Piece {
            line: Some(text.to_owned()),
            consumed,
            overlong: false,
        }
    }

    #[test]
    fn holds_a_partial_line_until_its_newline() {
        let mut assembler = LineAssembler::new(100);
        assembler.extend(b"one\r\ntw");
        assert_eq!(lines(&mut assembler), vec![line("one", 5)]);
        assembler.extend(b"o\nthr");
        assert_eq!(lines(&mut assembler), vec![line("two", 4)]);
        assert_eq!(assembler.finish(), Some(line("thr", 3)));
        assert_eq!(assembler.finish(), None);
    }

    #[test]
    fn invalid_utf8_is_replaced_not_refused() {
        let mut assembler = LineAssembler::new(100);
        assembler.extend(b"caf\xe9 \xff\n");
        assert_eq!(lines(&mut assembler), vec![line("caf\u{fffd} \u{fffd}", 7)]);
    }

    #[test]
    fn an_overlong_line_is_cut_and_its_rest_dropped() {
        let mut assembler = LineAssembler::new(4);
        assembler.extend(b"abcdefghij\nok\n");
        assert_eq!(
            lines(&mut assembler),
            vec![
                Piece {
                    line: Some("abcd".to_owned()),
                    consumed: 11,
                    overlong: true
                },
                line("ok", 3)
            ]
        );
    }

    #[test]
    fn an_overlong_line_arriving_in_chunks_is_cut_before_its_newline_arrives() {
        let mut assembler = LineAssembler::new(4);
        assembler.extend(b"abcdefg");
        let mut pieces = lines(&mut assembler);
        assembler.extend(b"hij\nok\n");
        pieces.extend(lines(&mut assembler));
        assert_eq!(
            pieces,
            vec![
                Piece {
                    line: Some("abcd".to_owned()),
                    consumed: 4,
                    overlong: true
                },
                Piece {
                    line: None,
                    consumed: 3,
                    overlong: false
                },
                Piece {
                    line: None,
                    consumed: 4,
                    overlong: false
                },
                line("ok", 3),
            ]
        );
    }

    #[test]
    fn skipping_to_the_next_line_drops_the_partial_first_one() {
        let mut assembler = LineAssembler::new(100);
        assembler.skip_to_next_line();
        assembler.extend(b"ial line\nfull\n");
        assert_eq!(
            lines(&mut assembler),
            vec![
                Piece {
                    line: None,
                    consumed: 9,
                    overlong: false
                },
                line("full", 5)
            ]
        );
    }
}
