//! A fast path for plain, well-formed `<gs_provision>` XML, the shape nearly every rendered
//! per-MAC file has: one streaming pass, no DOM. It accepts a strict subset of XML (ASCII names,
//! no entities, no template syntax, no DOCTYPE, CDATA or processing instructions besides the
//! declaration) and gives up (`None`) on anything else, so the roxmltree path reads every
//! unusual file, and every error is reported by that path, exactly as before.

use std::path::PathBuf;
use std::sync::Arc;

use voipguard_model::Device;

use super::{DeviceBuilder, Position, normalise_mac};
use crate::text::Positions;

/// Reads `text` when it is plain XML this scanner fully understands; `None` otherwise.
pub(super) fn parse(file: &Arc<PathBuf>, text: &str) -> Option<Device> {
    if !plain(text) {
        return None;
    }
    let mut scanner = Scanner {
        text,
        at: 0,
        positions: Positions::new(text),
    };
    scanner.declaration()?;
    scanner.skip_misc()?;
    let root = scanner.start_tag()?;
    if root.name != "gs_provision" {
        return None;
    }
    let mut builder = DeviceBuilder::new(file, text);
    if !root.empty {
        loop {
            scanner.skip_misc()?;
            if scanner.close_tag("gs_provision") {
                break;
            }
            let child = scanner.start_tag()?;
            match child.name {
                "mac" => {
                    let written = scanner.leaf_text(&child)?.trim();
                    if !written.is_empty() {
                        builder.mac(normalise_mac(written)?);
                    }
                }
                "config" => scanner.config(&child, &mut builder)?,
                _ => return None,
            }
        }
    }
    scanner.skip_misc()?;
    (scanner.at == text.len()).then(|| builder.finish())
}

/// No byte that needs more than this scanner knows, checked in one pass: control characters XML
/// forbids, entities (`&`), template syntax (`{`, masked by the roxmltree path), `]` (for
/// `]]>`) and 0xEF (the lead byte of the non-characters U+FFFE and U+FFFF).
fn plain(text: &str) -> bool {
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
struct Tag<'a> {
    name: &'a str,
    start: usize,
    attributes: [Option<(&'a str, &'a str)>; 2],
    empty: bool,
}

impl<'a> Tag<'a> {
    fn attribute(&self, name: &str) -> Option<&'a str> {
        self.attributes
            .iter()
            .flatten()
            .find(|(attribute, _)| *attribute == name)
            .map(|(_, value)| *value)
    }
}

struct Scanner<'a> {
    text: &'a str,
    at: usize,
    positions: Positions<'a>,
}

impl<'a> Scanner<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.at..).unwrap_or_default()
    }

    fn eat(&mut self, prefix: &str) -> bool {
        let found = self.rest().starts_with(prefix);
        if found {
            self.at += prefix.len();
        }
        found
    }

    fn skip_space(&mut self) -> usize {
        let rest = self.rest();
        let skipped = rest.len() - rest.trim_start_matches(is_space).len();
        self.at += skipped;
        skipped
    }

    fn position(&mut self, offset: usize) -> Position {
        let (line, column) = self.positions.at(offset);
        Position { line, column }
    }

    /// `<?xml version="1.0" encoding="…" standalone="…"?>` at the very start, in that strict
    /// form with double quotes, or nothing.
    fn declaration(&mut self) -> Option<()> {
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
    fn skip_misc(&mut self) -> Option<()> {
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
        let length = rest
            .bytes()
            .take_while(|byte| byte.is_ascii_alphanumeric() || b"_.-".contains(byte))
            .count();
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

    fn start_tag(&mut self) -> Option<Tag<'a>> {
        let start = self.at;
        if !self.eat("<") {
            return None;
        }
        let name = self.name()?;
        let mut attributes = [None, None];
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
    fn close_tag(&mut self, name: &str) -> bool {
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

    /// The text of an element that holds nothing else, as written, up to its closing tag.
    fn leaf_text(&mut self, tag: &Tag<'_>) -> Option<&'a str> {
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

    /// The settings inside `<config>`: `<Pnnn>`, `<alias>` or `<item name>` with optional
    /// `<part name>` children.
    fn config(&mut self, config: &Tag<'_>, builder: &mut DeviceBuilder) -> Option<()> {
        if config.empty {
            return Some(());
        }
        loop {
            self.skip_misc()?;
            if self.close_tag("config") {
                return Some(());
            }
            let child = self.start_tag()?;
            let at = self.position(child.start);
            if child.name != "item" {
                let value = self.leaf_text(&child)?;
                builder.add(child.name, value, at, false);
                continue;
            }
            let name = child.attribute("name")?;
            let spaced = self.skip_space();
            if child.empty || !self.rest().starts_with("<part") {
                self.at -= spaced;
                let value = self.leaf_text(&child)?;
                builder.add(name, value, at, false);
                continue;
            }
            self.parts(name, builder)?;
        }
    }

    /// `<part name="…">value</part>` children up to `</item>`.
    fn parts(&mut self, item_name: &str, builder: &mut DeviceBuilder) -> Option<()> {
        loop {
            self.skip_space();
            if self.close_tag("item") {
                return Some(());
            }
            let part = self.start_tag()?;
            if part.name != "part" {
                return None;
            }
            let at = self.position(part.start);
            let name = part.attribute("name")?;
            let value = self.leaf_text(&part)?;
            builder.add(&format!("{item_name}.{name}"), value, at, false);
        }
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grandstream::xml::parse_dom;

    fn file() -> Arc<PathBuf> {
        Arc::new(PathBuf::from("cfg000b82123456.xml"))
    }

    #[test]
    fn plain_files_read_as_the_dom_path_reads_them() {
        let documents = [
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<gs_provision version=\"1\">\n\
             <mac>00:0B:82:12:34:56</mac>\n  <config version=\"1\">\n    <P2>admin</P2>\n\
             <!-- accounts -->\n    <P271>1</P271><P34></P34><P8/>\n    <P448>2</P448>\n\
             </config>\n</gs_provision>\n",
            "<gs_provision>\n<config version=\"2\">\n  <item name=\"security.ssh\">No</item>\n\
             <item name=\"account.1.sip.subscriber\">\n    <part name=\"userid\">1001</part>\n\
             <part name='password'>pw é</part>\n  </item>\n  <item name=\"x\"> </item>\n\
             <item name=\"y\"/>\n</config>\n</gs_provision>",
        ];
        for text in documents {
            let fast = parse(&file(), text).expect("plain XML takes the fast path");
            let dom = parse_dom(&file(), text).expect("valid");
            assert_eq!(fast.settings, dom.settings, "{text}");
            assert_eq!(
                (&fast.id, &fast.mac, fast.family, fast.templated),
                (&dom.id, &dom.mac, dom.family, dom.templated)
            );
        }
    }

    #[test]
    fn anything_unusual_is_left_to_the_dom_path() {
        for text in [
            "<gs_provision><config><P2>a&amp;b</P2></config></gs_provision>",
            "<gs_provision><config><P2>{$password}</P2></config></gs_provision>",
            "<!DOCTYPE x><gs_provision/>",
            "<gs_provision><config><P2><![CDATA[x]]></P2></config></gs_provision>",
            "<gs_provision><config><P2>secret</P3></config></gs_provision>",
            "<gs_provision><config><P276>1</P2",
            "<settings><x/></settings>",
            "<gs_provision><mac>zz</mac></gs_provision>",
            "<gs_provision><config><item>1</item></config></gs_provision>",
            "<gs_provision><config><a:P2>1</a:P2></config></gs_provision>",
            "<gs_provision><config><P2 a=\"1\" a=\"2\">1</P2></config></gs_provision>",
            "<gs_provision><!-- a -- b --><config/></gs_provision>",
            "<gs_provision><config><P2>a\r\nb</P2></config></gs_provision>",
            "<gs_provision><config/></gs_provision>trailing",
            " <?xml version=\"1.0\"?><gs_provision/>",
        ] {
            assert!(parse(&file(), text).is_none(), "{text}");
        }
    }
}
