//! A streaming reader for the strict subset of XML that rendered provisioning files use (ASCII
//! names, no entities, no template syntax, no DOCTYPE, CDATA or processing instructions besides
//! the declaration). Readers built on it give up (`None`) on anything else, so the DOM readers
//! read every unusual file and report every error, exactly as before.

use crate::text::Positions;

/// No byte that needs more than this scanner knows, checked in one pass: control characters XML
/// forbids, entities (`&`), template syntax (`{`, masked by the roxmltree path), `]` (for
/// `]]>`) and 0xEF (the lead byte of the non-characters U+FFFE and U+FFFF).
pub(crate) fn plain(text: &str) -> bool {
    // Bitwise tests without early exit over large blocks: the compiler turns this into vector
    // instructions, and one horizontal reduction per block rather than per 64 bytes (measured:
    // 1.8 instructions a byte against 2.3 with short-circuit tests in 64-byte blocks).
    fn unusual(byte: u8) -> u8 {
        let control = u8::from(byte < 0x20)
            & u8::from(byte != b'\t')
            & u8::from(byte != b'\n')
            & u8::from(byte != b'\r');
        control
            | u8::from(byte == b'&')
            | u8::from(byte == b'{')
            | u8::from(byte == b']')
            | u8::from(byte == 0xEF)
    }
    text.as_bytes()
        .chunks(4096)
        .all(|block| block.iter().fold(0, |seen, &byte| seen | unusual(byte)) == 0)
}

/// A start tag: its name, the offset of its `<`, up to two attributes, and whether it is `<x/>`.
pub(crate) struct Tag<'a> {
    pub(crate) name: &'a str,
    pub(crate) start: usize,
    attributes: [Option<(&'a str, &'a str)>; MAX_ATTRIBUTES],
    pub(crate) empty: bool,
}

impl<'a> Tag<'a> {
    pub(crate) fn attribute(&self, name: &str) -> Option<&'a str> {
        self.attributes
            .iter()
            .flatten()
            .find(|(attribute, _)| *attribute == name)
            .map(|(_, value)| *value)
    }
}

/// Attributes a tag may have for this reader; more is unusual enough for the DOM.
const MAX_ATTRIBUTES: usize = 4;

/// Nesting this reader follows when it passes over an element; deeper is left to the DOM.
const MAX_SKIP_DEPTH: u32 = 16;

/// `<name a="v" b='w'>text</name>` in its tightest spelling: single spaces before attributes,
/// none around `=`, no markup inside.
pub(crate) struct Leaf<'a> {
    pub(crate) tag: Tag<'a>,
    pub(crate) text: &'a str,
}

/// A cursor over the text, with the position of any offset at hand.
pub(crate) struct Scanner<'a> {
    text: &'a str,
    pub(crate) at: usize,
    positions: Positions<'a>,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Scanner {
            text,
            at: 0,
            positions: Positions::new(text),
        }
    }

    pub(crate) fn rest(&self) -> &'a str {
        self.text.get(self.at..).unwrap_or_default()
    }

    pub(crate) fn eat(&mut self, prefix: &str) -> bool {
        let found = self.rest().starts_with(prefix);
        if found {
            self.at += prefix.len();
        }
        found
    }

    #[inline(always)]
    pub(crate) fn skip_space(&mut self) -> usize {
        let rest = self.text.as_bytes().get(self.at..).unwrap_or_default();
        let skipped = run_end(rest, 0, |byte| matches!(byte, b' ' | b'\t' | b'\n' | b'\r'));
        self.at += skipped;
        skipped
    }

    /// 1-based line and column of `offset`; offsets must be asked in increasing order to stay
    /// linear in the file.
    pub(crate) fn position(&mut self, offset: usize) -> (u32, u32) {
        self.positions.at(offset)
    }

    /// True when the whole text has been read.
    pub(crate) fn at_end(&self) -> bool {
        self.at == self.text.len()
    }

    /// `<?xml version="1.0" encoding="…" standalone="…"?>` at the very start, in that strict
    /// form with double quotes, or nothing.
    pub(crate) fn declaration(&mut self) -> Option<()> {
        if !self.eat("<?xml") {
            return Some(());
        }
        let mut seen_version = false;
        loop {
            let spaced = self.skip_space() > 0;
            if self.eat("?>") {
                return seen_version.then_some(());
            }
            if !spaced {
                return None;
            }
            let (name, value) = self.attribute()?;
            let valid = match name {
                "version" if !seen_version => {
                    seen_version = true;
                    value == "1.0"
                }
                "encoding" if seen_version => {
                    value.starts_with(|c: char| c.is_ascii_alphabetic())
                        && value
                            .bytes()
                            .all(|byte| byte.is_ascii_alphanumeric() || b"._-".contains(&byte))
                }
                "standalone" if seen_version => matches!(value, "yes" | "no"),
                _ => false,
            };
            if !valid {
                return None;
            }
        }
    }

    /// White space and well-formed comments between elements.
    // Always inlined: it runs between every two settings, and a call cost as much as the
    // skipping; comments, rare between settings, are read out of line.
    #[inline(always)]
    pub(crate) fn skip_misc(&mut self) -> Option<()> {
        self.skip_space();
        // `<!` is rare between settings: one byte pair rules a comment out.
        if self.text.as_bytes().get(self.at + 1) != Some(&b'!') {
            return Some(());
        }
        self.skip_comments()
    }

    /// Comments and the white space after each, from a `<!` on.
    fn skip_comments(&mut self) -> Option<()> {
        while self.eat("<!--") {
            let length = self.rest().find("-->")?;
            let body = self.rest().get(..length)?;
            if body.contains("--") || body.ends_with('-') {
                return None;
            }
            self.at += length + "-->".len();
            self.skip_space();
        }
        Some(())
    }

    /// An ASCII XML name without namespace prefix.
    fn name(&mut self) -> Option<&'a str> {
        let rest = self.rest();
        let length = rest.bytes().take_while(|byte| is_name_byte(*byte)).count();
        let name = rest.get(..length)?;
        if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return None;
        }
        self.at += length;
        Some(name)
    }

    /// `name = "value"` (either quote); the value as written, which has no `<` or `&`.
    fn attribute(&mut self) -> Option<(&'a str, &'a str)> {
        let name = self.name()?;
        if name.starts_with("xml") {
            return None;
        }
        self.skip_space();
        if !self.eat("=") {
            return None;
        }
        self.skip_space();
        let quote = self
            .rest()
            .bytes()
            .next()
            .filter(|byte| matches!(byte, b'"' | b'\''))?;
        self.at += 1;
        let length = memchr::memchr(quote, self.rest().as_bytes())?;
        let value = self.rest().get(..length)?;
        if has_byte(value, b'<') {
            return None;
        }
        self.at += length + 1;
        Some((name, value))
    }

    pub(crate) fn start_tag(&mut self) -> Option<Tag<'a>> {
        let start = self.at;
        if !self.eat("<") {
            return None;
        }
        let name = self.name()?;
        let mut attributes = [None; MAX_ATTRIBUTES];
        let mut count = 0;
        loop {
            let spaced = self.skip_space() > 0;
            if self.eat(">") {
                break;
            }
            if self.eat("/>") {
                return Some(Tag {
                    name,
                    start,
                    attributes,
                    empty: true,
                });
            }
            let attribute = self.attribute().filter(|_| spaced)?;
            let duplicate = attributes
                .iter()
                .flatten()
                .any(|(seen, _)| *seen == attribute.0);
            let slot = attributes.get_mut(count).filter(|_| !duplicate)?;
            *slot = Some(attribute);
            count += 1;
        }
        Some(Tag {
            name,
            start,
            attributes,
            empty: false,
        })
    }

    /// `</name>` (white space allowed before `>`); false, consuming nothing, when not there.
    pub(crate) fn close_tag(&mut self, name: &str) -> bool {
        let start = self.at;
        if self.eat("</") && self.eat(name) {
            self.skip_space();
            if self.eat(">") {
                return true;
            }
        }
        self.at = start;
        false
    }

    /// An element in the tightest spelling ([`Leaf`]) read in one go, the shape of nearly every
    /// setting in a rendered file; `None`, consuming nothing, for any other spelling, which
    /// [`Scanner::start_tag`] and [`Scanner::leaf_text`] then read with the same result. Plain
    /// byte loops throughout: names and values are short, and a vectorised search's set-up
    /// costs more than it saves there.
    pub(crate) fn leaf(&mut self) -> Option<Leaf<'a>> {
        let start = self.at;
        let rest = self.text.as_bytes().get(start..)?;
        let [b'<', first, ..] = rest else {
            return None;
        };
        if !(first.is_ascii_alphabetic() || *first == b'_') {
            return None;
        }
        // Offsets below are into `rest`; every search runs over a sub-slice so that the loops
        // carry no bounds checks.
        let name_end = run_end(rest, 2, is_name_byte);
        let mut attributes = [None; MAX_ATTRIBUTES];
        let mut at = name_end;
        // Most elements have no attribute: no attribute loop, no duplicate test for them.
        let has_attributes = rest.get(at) == Some(&b' ');
        for slot in attributes
            .iter_mut()
            .take(if has_attributes { MAX_ATTRIBUTES } else { 0 })
        {
            if rest.get(at) != Some(&b' ') {
                break;
            }
            let attribute_name_end = run_end(rest, at + 1, is_name_byte);
            let quote = *rest.get(attribute_name_end + 1)?;
            if attribute_name_end == at + 1
                || rest.get(attribute_name_end) != Some(&b'=')
                || !matches!(quote, b'"' | b'\'')
            {
                return None;
            }
            let value_start = attribute_name_end + 2;
            let value_end = run_end(rest, value_start, |byte| byte != quote && byte != b'<');
            if rest.get(value_end) != Some(&quote) {
                return None;
            }
            let name = self.text.get(start + at + 1..start + attribute_name_end)?;
            if name.starts_with("xml") {
                return None;
            }
            *slot = Some((name, self.text.get(start + value_start..start + value_end)?));
            at = value_end + 1;
        }
        if rest.get(at) != Some(&b'>') || has_attributes && has_duplicates(&attributes) {
            return None;
        }
        let name = rest.get(1..name_end)?;
        let (text_end, end) = tight_text_end(rest, name, at + 1)?;
        let tag = Tag {
            name: self.text.get(start + 1..start + name_end)?,
            start,
            attributes,
            empty: false,
        };
        let text = self.text.get(start + at + 1..start + text_end)?;
        self.at = start + end;
        Some(Leaf { tag, text })
    }

    /// Passes over the content of `tag` (already read) up to its closing tag: text, comments and
    /// elements at any depth, so long as `wanted` is never among them (a reader that skips a
    /// section must not skip what it looks for).
    pub(crate) fn skip_element(&mut self, tag: &Tag<'_>, wanted: &str) -> Option<()> {
        self.skip_content(tag, wanted, 0)
    }

    fn skip_content(&mut self, tag: &Tag<'_>, wanted: &str, depth: u32) -> Option<()> {
        if tag.empty {
            return Some(());
        }
        if depth > MAX_SKIP_DEPTH {
            return None;
        }
        loop {
            self.skip_misc()?;
            if self.close_tag(tag.name) {
                return Some(());
            }
            if self.rest().starts_with('<') {
                let child = self.start_tag()?;
                if child.name == wanted {
                    return None;
                }
                self.skip_content(&child, wanted, depth + 1)?;
            } else {
                let length = memchr::memchr(b'<', self.rest().as_bytes())?;
                self.at += length;
            }
        }
    }

    /// The text of an element that holds nothing else, as written, up to its closing tag.
    pub(crate) fn leaf_text(&mut self, tag: &Tag<'_>) -> Option<&'a str> {
        if tag.empty {
            return Some("");
        }
        let length = memchr::memchr(b'<', self.rest().as_bytes())?;
        let value = self.rest().get(..length)?;
        // The DOM path normalises line ends in values; leave such values to it.
        if has_byte(value, b'\r') {
            return None;
        }
        self.at += length;
        self.close_tag(tag.name).then_some(value)
    }
}

/// In `element` (bytes from its `<`), where its text, starting at `text_start`, ends and where
/// the `</name>` right after it ends: the text and closing tag of the tightest spelling, no
/// markup or carriage return inside, no space in the closing tag; `None` otherwise.
pub(crate) fn tight_text_end(
    element: &[u8],
    name: &[u8],
    text_start: usize,
) -> Option<(usize, usize)> {
    // Values are short: a plain loop finds their end sooner than a vectorised search is set up.
    let text_end = run_end(element, text_start, |byte| byte != b'<' && byte != b'\r');
    let closing = element.get(text_end..text_end + name.len() + 3)?;
    let [b'<', b'/', closing_name @ .., b'>'] = closing else {
        return None;
    };
    (closing_name == name).then_some((text_end, text_end + closing.len()))
}

/// Where the run of bytes that `keep` accepts, starting at `start`, ends.
pub(crate) fn run_end(bytes: &[u8], start: usize, keep: impl Fn(u8) -> bool) -> usize {
    let rest = bytes.get(start..).unwrap_or_default();
    start
        + rest
            .iter()
            .position(|&byte| !keep(byte))
            .unwrap_or(rest.len())
}

/// True when two attributes share a name (not well-formed XML: left to the DOM's error).
fn has_duplicates(attributes: &[Option<(&str, &str)>]) -> bool {
    let names = || attributes.iter().flatten().map(|(name, _)| *name);
    names()
        .enumerate()
        .any(|(index, name)| names().skip(index + 1).any(|other| other == name))
}

/// A byte in a short text: a plain loop, cheaper than a vectorised search's set-up there.
fn has_byte(text: &str, wanted: u8) -> bool {
    text.bytes().any(|byte| byte == wanted)
}

/// A byte of the ASCII names this scanner accepts.
pub(crate) fn is_name_byte(byte: u8) -> bool {
    // One load per byte in the hottest loop of every XML file.
    const NAME_BYTES: [bool; 256] = {
        let mut table = [false; 256];
        let mut byte = 0;
        while byte < 256 {
            let b = byte as u8;
            table[byte] = b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-');
            byte += 1;
        }
        table
    };
    NAME_BYTES[usize::from(byte)]
}
