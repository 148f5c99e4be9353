//! A streaming reader for the strict subset of XML that rendered provisioning files use (ASCII
//! names, no entities, no template syntax, no DOCTYPE, CDATA or processing instructions besides
//! the declaration). Readers built on it give up (`None`) on anything else, so the DOM readers
//! read every unusual file and report every error, exactly as before.

use crate::text::Positions;

/// No byte that needs more than this scanner knows, checked in one pass: control characters XML
/// forbids, entities (`&`), template syntax (`{`, masked by the roxmltree path), `]` (for
/// `]]>`) and 0xEF (the lead byte of the non-characters U+FFFE and U+FFFF).
pub(crate) fn plain(text: &str) -> bool {
    const UNUSUAL: [bool; 256] = {
        let mut unusual = [false; 256];
        let mut byte = 0;
        while byte < 0x20 {
            unusual[byte] = !matches!(byte as u8, b'\t' | b'\n' | b'\r');
            byte += 1;
        }
        unusual[b'&' as usize] = true;
        unusual[b'{' as usize] = true;
        unusual[b']' as usize] = true;
        unusual[0xEF] = true;
        unusual
    };
    !text.bytes().any(|byte| UNUSUAL[usize::from(byte)])
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

/// `<name>text</name>`: no attributes, no space, no markup inside.
pub(crate) struct BareLeaf<'a> {
    pub(crate) name: &'a str,
    /// Offset of the `<`.
    pub(crate) start: usize,
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

    pub(crate) fn skip_space(&mut self) -> usize {
        let rest = self.rest();
        let skipped = rest.len() - rest.trim_start_matches(is_space).len();
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
    pub(crate) fn skip_misc(&mut self) -> Option<()> {
        loop {
            self.skip_space();
            if !self.eat("<!--") {
                return Some(());
            }
            let length = self.rest().find("-->")?;
            let body = self.rest().get(..length)?;
            if body.contains("--") || body.ends_with('-') {
                return None;
            }
            self.at += length + "-->".len();
        }
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
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\''))?;
        self.at += 1;
        let length = self.rest().find(quote)?;
        let value = self.rest().get(..length)?;
        if value.contains('<') {
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

    /// `<name>text</name>` read in one go, the shape of nearly every setting in a rendered file;
    /// `None`, consuming nothing, for any other shape (which the general methods then read, with
    /// the same result).
    pub(crate) fn bare_leaf(&mut self) -> Option<BareLeaf<'a>> {
        let bytes = self.text.as_bytes();
        let start = self.at;
        let name_start = start + 1;
        if bytes.get(start) != Some(&b'<')
            || !bytes
                .get(name_start)
                .is_some_and(|byte| byte.is_ascii_alphabetic() || *byte == b'_')
        {
            return None;
        }
        let name_length = bytes
            .get(name_start..)?
            .iter()
            .position(|byte| !is_name_byte(*byte))?;
        let name_end = name_start + name_length;
        if bytes.get(name_end) != Some(&b'>') {
            return None;
        }
        let text_start = name_end + 1;
        let text_length = memchr::memchr(b'<', bytes.get(text_start..)?)?;
        let text_end = text_start + text_length;
        let name = self.text.get(name_start..name_end)?;
        let closing = bytes.get(text_end..text_end + name_length + 3)?;
        let text = self.text.get(text_start..text_end)?;
        // The DOM path normalises line ends in values; leave such values to it.
        let closes = closing.starts_with(b"</")
            && closing.get(2..2 + name_length) == Some(name.as_bytes())
            && closing.last() == Some(&b'>');
        if !closes || memchr::memchr(b'\r', text.as_bytes()).is_some() {
            return None;
        }
        self.at = text_end + name_length + 3;
        Some(BareLeaf { name, start, text })
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
        let length = self.rest().find('<')?;
        let value = self.rest().get(..length)?;
        // The DOM path normalises line ends in values; leave such values to it.
        if value.contains('\r') {
            return None;
        }
        self.at += length;
        self.close_tag(tag.name).then_some(value)
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// A byte of the ASCII names this scanner accepts.
fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-')
}
