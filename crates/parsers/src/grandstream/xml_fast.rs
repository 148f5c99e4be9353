//! A fast path for plain, well-formed `<gs_provision>` XML, the shape nearly every rendered
//! per-MAC file has: one streaming pass over [`crate::xml_scan`], no DOM. Anything unusual gives
//! `None`, so the roxmltree path reads it and reports every error, exactly as before.

use std::path::PathBuf;
use std::sync::Arc;

use voipguard_model::Device;

use super::{DeviceBuilder, Position, normalise_mac};
use crate::keep::Keep;
use crate::xml_scan::{Leaf, Scanner, Tag, plain, tight_text_end};

/// Reads `text` when it is plain XML the scanner fully understands; `None` otherwise.
pub(super) fn parse(file: &Arc<PathBuf>, text: &str, keep: &Keep) -> Option<Device> {
    if !plain(text) {
        return None;
    }
    let mut scanner = Scanner::new(text);
    scanner.declaration()?;
    scanner.skip_misc()?;
    let root = scanner.start_tag()?;
    if root.name != "gs_provision" {
        return None;
    }
    let mut builder = DeviceBuilder::new(file, text, keep);
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
                "config" => config(&mut scanner, &child, &mut builder)?,
                _ => return None,
            }
        }
    }
    scanner.skip_misc()?;
    scanner.at_end().then(|| builder.finish())
}

fn position(scanner: &mut Scanner<'_>, offset: usize) -> Position {
    let (line, column) = scanner.position(offset);
    Position { line, column }
}

/// The settings inside `<config>`: `<Pnnn>`, `<alias>` or `<item name>` with optional
/// `<part name>` children.
fn config(scanner: &mut Scanner<'_>, config: &Tag<'_>, builder: &mut DeviceBuilder) -> Option<()> {
    if config.empty {
        return Some(());
    }
    loop {
        scanner.skip_misc()?;
        if let Some(PValue {
            number,
            name,
            value,
            start,
        }) = pvalue(scanner)
        {
            builder.add_pvalue(number, name, value, || position(scanner, start));
            continue;
        }
        if let Some(Item { name, value, start }) = item(scanner) {
            builder.add(name, value, || position(scanner, start), false);
            continue;
        }
        if let Some(Leaf { tag, text }) = scanner.leaf() {
            let name = if tag.name == "item" {
                // An item without its name attribute is an error the DOM path reports.
                tag.attribute("name")?
            } else {
                tag.name
            };
            builder.add(name, text, || position(scanner, tag.start), false);
            continue;
        }
        if scanner.close_tag("config") {
            return Some(());
        }
        let child = scanner.start_tag()?;
        let start = child.start;
        if child.name != "item" {
            let value = scanner.leaf_text(&child)?;
            builder.add(child.name, value, || position(scanner, start), false);
            continue;
        }
        let name = child.attribute("name")?;
        let spaced = scanner.skip_space();
        if child.empty || !scanner.rest().starts_with("<part") {
            scanner.at -= spaced;
            let value = scanner.leaf_text(&child)?;
            builder.add(name, value, || position(scanner, start), false);
            continue;
        }
        parts(scanner, name, builder)?;
    }
}

/// A v1 setting in its tightest spelling.
struct PValue<'a> {
    number: u32,
    name: &'a str,
    value: &'a str,
    start: usize,
}

/// Digits of the longest P-value number [`pvalue`] reads; a longer one is left to the general
/// reader, which reads it as the DOM path does.
const MAX_DIGITS: usize = 9;

/// `<Pnnn>value</Pnnn>`, the spelling of nearly every setting of a v1 file, read with its number
/// in one pass, without the general element reader; `None`, consuming nothing, for anything
/// else, which [`Scanner::leaf`] then reads with the same result.
fn pvalue<'a>(scanner: &mut Scanner<'a>) -> Option<PValue<'a>> {
    let rest = scanner.rest();
    let bytes = rest.as_bytes();
    let digits = bytes.strip_prefix(b"<P")?;
    let mut number: u32 = 0;
    let mut digit_count = 0;
    for &byte in digits {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        // No overflow test per digit: nine digits always fit, longer numbers are refused below.
        number = number.wrapping_mul(10).wrapping_add(u32::from(digit));
        digit_count += 1;
    }
    let name_end = 2 + digit_count;
    if !(1..=MAX_DIGITS).contains(&digit_count) || bytes.get(name_end) != Some(&b'>') {
        return None;
    }
    let name = rest.get(1..name_end)?;
    let (value_end, end) = tight_text_end(bytes, name.as_bytes(), name_end + 1)?;
    let start = scanner.at;
    scanner.at += end;
    Some(PValue {
        number,
        name,
        value: rest.get(name_end + 1..value_end)?,
        start,
    })
}

/// A v2 setting in its tightest spelling.
struct Item<'a> {
    name: &'a str,
    value: &'a str,
    start: usize,
}

/// `<item name="alias">value</item>`, the spelling of nearly every setting of a v2 file, read
/// without the general element reader; `None`, consuming nothing, for anything else (`<part>`
/// children, other attributes, single quotes), which the general reader then reads with the
/// same result.
fn item<'a>(scanner: &mut Scanner<'a>) -> Option<Item<'a>> {
    const OPENING: &[u8] = b"<item name=\"";
    let rest = scanner.rest();
    let bytes = rest.as_bytes();
    // Alias names are long: a vectorised search for their end pays off here.
    let name_length = memchr::memchr2(b'"', b'<', bytes.strip_prefix(OPENING)?)?;
    let name_end = OPENING.len() + name_length;
    if bytes.get(name_end..name_end + 2) != Some(b"\">") {
        return None;
    }
    let (value_end, end) = tight_text_end(bytes, b"item", name_end + 2)?;
    let start = scanner.at;
    scanner.at += end;
    Some(Item {
        name: rest.get(OPENING.len()..name_end)?,
        value: rest.get(name_end + 2..value_end)?,
        start,
    })
}

/// `<part name="…">value</part>` children up to `</item>`.
fn parts(scanner: &mut Scanner<'_>, item_name: &str, builder: &mut DeviceBuilder) -> Option<()> {
    loop {
        scanner.skip_space();
        if scanner.close_tag("item") {
            return Some(());
        }
        let part = scanner.start_tag()?;
        if part.name != "part" {
            return None;
        }
        let start = part.start;
        let name = part.attribute("name")?;
        let value = scanner.leaf_text(&part)?;
        builder.add(
            &format!("{item_name}.{name}"),
            value,
            || position(scanner, start),
            false,
        );
    }
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
            let fast = parse(&file(), text, &Keep::all()).expect("plain XML takes the fast path");
            let dom = parse_dom(&file(), text, &Keep::all()).expect("valid");
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
            assert!(parse(&file(), text, &Keep::all()).is_none(), "{text}");
        }
    }
}
