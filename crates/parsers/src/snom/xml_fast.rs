//! A fast path for plain, well-formed Snom XML (`<settings><phone-settings>` or a bare
//! `<phone-settings>`), the shape of every rendered per-phone file: one streaming pass over
//! [`crate::xml_scan`], no DOM. Other sections (`<functionKeys>`, `<tbook>`, …) are passed over.
//! Anything unusual, an invalid `idx` or `perm` included, gives `None`, so the roxmltree path
//! reads the file and reports every error, exactly as before.

use std::path::PathBuf;
use std::sync::Arc;

use voipguard_model::{Device, Perm, SettingKey};

use super::xml::{PHONE_SETTINGS, perm_from};
use super::{Collector, Found};
use crate::keep::Keep;
use crate::xml_scan::{Leaf, Scanner, Tag, is_name_byte, plain, run_end, tight_text_end};

/// Reads `text` when it is plain XML the scanner fully understands; `None` otherwise.
pub(super) fn parse(file: &Arc<PathBuf>, text: &str, keep: &Keep) -> Option<Device> {
    if !plain(text) {
        return None;
    }
    let mut scanner = Scanner::new(text);
    scanner.declaration()?;
    scanner.skip_misc()?;
    let root = scanner.start_tag()?;
    let mut collector = Collector::new(file, keep);
    collector.prepare(text);
    match root.name {
        PHONE_SETTINGS => phone_settings(&mut scanner, &root, &mut collector)?,
        "settings" if !root.empty => loop {
            scanner.skip_misc()?;
            if scanner.close_tag("settings") {
                break;
            }
            let section = scanner.start_tag()?;
            if section.name == PHONE_SETTINGS {
                phone_settings(&mut scanner, &section, &mut collector)?;
            } else {
                scanner.skip_element(&section, PHONE_SETTINGS)?;
            }
        },
        "settings" => {}
        _ => return None,
    }
    scanner.skip_misc()?;
    scanner.at_end().then(|| collector.finish())
}

/// The settings of one `<phone-settings>` element, up to its closing tag.
fn phone_settings(
    scanner: &mut Scanner<'_>,
    section: &Tag<'_>,
    collector: &mut Collector<'_>,
) -> Option<()> {
    if section.empty {
        return Some(());
    }
    loop {
        scanner.skip_misc()?;
        if let Some(found) = tight_setting(scanner) {
            let (perm, idx) = perm_and_idx(found.perm, found.idx)?;
            add(
                scanner,
                collector,
                found.name,
                found.start,
                idx,
                perm,
                found.value,
            )?;
            continue;
        }
        if let Some(Leaf { tag, text }) = scanner.leaf() {
            setting(scanner, collector, &tag, text)?;
            continue;
        }
        if scanner.close_tag(PHONE_SETTINGS) {
            return Some(());
        }
        let tag = scanner.start_tag()?;
        let value = scanner.leaf_text(&tag)?;
        setting(scanner, collector, &tag, value)?;
    }
}

/// A setting in its tightest spelling, as written.
struct TightSetting<'a> {
    name: &'a str,
    idx: Option<&'a str>,
    perm: Option<&'a str>,
    value: &'a str,
    start: usize,
}

/// `<name idx="n" perm="p">value</name>` (either attribute optional, in any order, double
/// quotes, single spaces), the spelling of nearly every setting of a rendered file, read without
/// the general element reader; `None`, consuming nothing, for anything else, which
/// [`Scanner::leaf`] then reads with the same result.
fn tight_setting<'a>(scanner: &mut Scanner<'a>) -> Option<TightSetting<'a>> {
    let rest = scanner.rest();
    let bytes = rest.as_bytes();
    let [b'<', first, ..] = bytes else {
        return None;
    };
    if !(first.is_ascii_alphabetic() || *first == b'_') {
        return None;
    }
    let name_end = run_end(bytes, 1, is_name_byte);
    let mut idx = None;
    let mut perm = None;
    let mut at = name_end;
    while let Some(attribute) = bytes.get(at..).and_then(|tail| tail.strip_prefix(b" ")) {
        let (slot, value_start) = if attribute.starts_with(b"idx=\"") {
            (&mut idx, at + " idx=\"".len())
        } else if attribute.starts_with(b"perm=\"") {
            (&mut perm, at + " perm=\"".len())
        } else {
            return None;
        };
        let value_end = run_end(bytes, value_start, |byte| byte != b'"' && byte != b'<');
        if slot.is_some() || bytes.get(value_end) != Some(&b'"') {
            return None;
        }
        *slot = Some(rest.get(value_start..value_end)?);
        at = value_end + 1;
    }
    if bytes.get(at) != Some(&b'>') {
        return None;
    }
    let (value_end, end) = tight_text_end(bytes, bytes.get(1..name_end)?, at + 1)?;
    let start = scanner.at;
    scanner.at += end;
    Some(TightSetting {
        name: rest.get(1..name_end)?,
        idx,
        perm,
        value: rest.get(at + 1..value_end)?,
        start,
    })
}

/// One setting element read: its identity and permission from the attributes.
fn setting(
    scanner: &mut Scanner<'_>,
    collector: &mut Collector<'_>,
    tag: &Tag<'_>,
    value: &str,
) -> Option<()> {
    let (perm, idx) = perm_and_idx(tag.attribute("perm"), tag.attribute("idx"))?;
    add(scanner, collector, tag.name, tag.start, idx, perm, value)
}

/// The permission and identity number a setting's attributes give; `None` for a `perm` that
/// is not one.
fn perm_and_idx<'a>(perm: Option<&str>, idx: Option<&'a str>) -> Option<(Perm, &'a str)> {
    let perm = match perm {
        Some(perm) => perm_from(perm)?,
        None => Perm::ReadWrite,
    };
    Some((perm, idx.map(str::trim).unwrap_or_default()))
}

/// Adds one setting, if kept; `None` for an `idx` that is not an identity number.
fn add(
    scanner: &mut Scanner<'_>,
    collector: &mut Collector<'_>,
    name: &str,
    start: usize,
    idx: &str,
    perm: Perm,
    value: &str,
) -> Option<()> {
    if !collector.keeps(name) {
        // Still validated: the DOM path reports a bad identity number as an error.
        if !idx.is_empty() {
            idx.parse::<u16>().ok()?;
        }
        collector.skip(value);
        return Some(());
    }
    let key = if idx.is_empty() {
        SettingKey::global(name)
    } else {
        SettingKey::account(name, idx.parse::<u16>().ok()?)
    };
    let (line, column) = scanner.position(start);
    collector.add(Found {
        key,
        written_as: name,
        value,
        perm: Some(perm),
        conditional: false,
        line,
        column,
    });
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> Arc<PathBuf> {
        Arc::new(PathBuf::from("snomD785-000413A1B2C3.xml"))
    }

    #[test]
    fn plain_files_read_as_the_dom_path_reads_them() {
        let documents = [
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<settings>\n  <phone-settings e=\"2\">\n\
             <!-- basics -->\n    <http_user perm=\"RW\">admin</http_user>\n\
             <user_srtp idx=\"2\" perm=\"!\">on</user_srtp><user_host idx=\" 1 \">pbx</user_host>\n\
             <http_pass>pw é</http_pass><admin_mode perm=\"\"/><uboot_lock perm=\"R\"></uboot_lock>\n\
             </phone-settings>\n  <functionKeys e=\"2\">\n    <fkey idx=\"0\" context=\"active\" \
             perm=\"\">line</fkey>\n  </functionKeys>\n  <tbook><item><name>A</name></item>text</tbook>\n\
             <phone-settings><phone_type>snom720</phone_type></phone-settings>\n</settings>\n",
            "<phone-settings><web_logout_timer>5</web_logout_timer></phone-settings>",
            "<phone-settings><user_host perm=\"R\" idx=\"3\">pbx</user_host>\
             <user_srtp idx='4'>on</user_srtp><user_name  idx=\"5\">x</user_name></phone-settings>",
            "<settings/>",
        ];
        for text in documents {
            let fast = parse(&file(), text, &Keep::all()).expect("plain XML takes the fast path");
            let dom = super::super::xml::parse(&file(), text, &Keep::all()).expect("valid");
            assert_eq!(fast.settings, dom.settings, "{text}");
            assert_eq!(
                (&fast.id, &fast.mac, &fast.model, fast.templated),
                (&dom.id, &dom.mac, &dom.model, dom.templated)
            );
        }
    }

    #[test]
    fn anything_unusual_is_left_to_the_dom_path() {
        for text in [
            "<settings><phone-settings><x>a&amp;b</x></phone-settings></settings>",
            "<settings><phone-settings><x>{$v}</x></phone-settings></settings>",
            "<settings><phone-settings><x idx=\"one\">1</x></phone-settings></settings>",
            "<settings><phone-settings><x perm=\"W\">1</x></phone-settings></settings>",
            "<settings><phone-settings><x idx=\"1\" idx=\"2\">1</x></phone-settings></settings>",
            "<settings><phone-settings><x idx=\"1\">1</X></phone-settings></settings>",
            "<settings><phone-settings><x><y>1</y></x></phone-settings></settings>",
            "<settings><other><phone-settings><x>1</x></phone-settings></other></settings>",
            "<settings><phone-settings><x>1</y></phone-settings></settings>",
            "<settings><phone-settings><x>1</x></phone-settings>",
            "<gs_provision/>",
            "<settings><phone-settings><x>a\r\nb</x></phone-settings></settings>",
        ] {
            assert!(parse(&file(), text, &Keep::all()).is_none(), "{text}");
        }
    }
}
