//! `<gs_provision>` XML: v1 (`<P271>1</P271>`) and v2 (`<item name="…">`, flat or with `<part>`).
//!
//! Provisioning templates (FusionPBX Smarty, wazo Jinja) are rarely well-formed XML: directives
//! between elements hold `&&` and `<`, names hold `{{ position }}`. Template spans are therefore
//! masked with `x` (same byte length, newlines kept) before roxmltree sees the text, and every name
//! and value is then read back from the original text by byte range.

use std::borrow::Cow;
use std::cell::Cell;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use roxmltree::{Document, Node};
use voipguard_model::Device;

use super::{DeviceBuilder, Position, error_at, normalise_mac};
use crate::ParseError;
use crate::keep::Keep;
use crate::template::{depth_change, is_template};
use crate::text::Positions;

/// Parses `<gs_provision>` XML (v1 P-values or v2 aliases, flat or nested `<part>`).
pub fn parse_xml(file: &Arc<PathBuf>, text: &str, keep: &Keep) -> Result<Device, ParseError> {
    match super::xml_fast::parse(file, text, keep) {
        Some(device) => Ok(device),
        None => parse_dom(file, text, keep),
    }
}

/// Reads any `<gs_provision>` file, templates and errors included, through a roxmltree DOM.
pub(super) fn parse_dom(
    file: &Arc<PathBuf>,
    text: &str,
    keep: &Keep,
) -> Result<Device, ParseError> {
    let masked = mask_for_xml(text);
    let document = Document::parse(&masked).map_err(|err| xml_error(file, text, &err))?;
    let root = document.root_element();
    let source = Source {
        text,
        masked: &masked,
        positions: Cell::new(Positions::new(text)),
    };
    if root.tag_name().name() != "gs_provision" {
        return Err(error_at(
            file,
            source.position(root.range().start),
            format!(
                "expected the root element <gs_provision>, found <{}>",
                source.name(root)
            ),
        ));
    }
    let mut builder = DeviceBuilder::new(file, text, keep);
    for child in root.children().filter(Node::is_element) {
        match child.tag_name().name() {
            "mac" => read_mac(file, &source, child, &mut builder)?,
            "config" => read_settings(file, &source, child, 0, &mut builder)?,
            _ => {}
        }
    }
    Ok(builder.finish())
}

/// The original text, to read names, values and positions by byte range.
struct Source<'a> {
    text: &'a str,
    masked: &'a str,
    /// Settings are visited in file order, so positions are counted on from the last one.
    positions: Cell<Positions<'a>>,
}

impl Source<'_> {
    fn position(&self, offset: usize) -> Position {
        let mut positions = self.positions.get();
        let (line, column) = positions.at(offset);
        self.positions.set(positions);
        Position { line, column }
    }

    fn slice(&self, range: Range<usize>) -> &str {
        self.text.get(range).unwrap_or_default()
    }

    /// The element's name as written (templated names are masked in the document).
    fn name(&self, node: Node<'_, '_>) -> &str {
        let start = node.range().start + 1;
        self.slice(start..start + node.tag_name().name().len())
    }

    /// The element's text: the original bytes when they hold a template (or anything the mask
    /// touched), else the decoded text (entities resolved).
    fn value<'n>(&'n self, node: Node<'n, '_>) -> Cow<'n, str> {
        let mut texts = node.children().filter(Node::is_text);
        let Some(first) = texts.next() else {
            return Cow::Borrowed("");
        };
        let end = texts.next_back().unwrap_or(first).range().end;
        let range = first.range().start..end;
        let raw = self.slice(range.clone());
        // Without `&` (entities), `\r` (line ends are normalised) or `<` (comments, CDATA, child
        // elements) the decoded text is the raw text: no need to build it.
        let decoded_is_raw = !raw.contains(['&', '\r', '<']);
        if decoded_is_raw || is_template(raw) || self.masked.get(range) != Some(raw) {
            Cow::Borrowed(raw)
        } else {
            Cow::Owned(node.children().filter_map(|child| child.text()).collect())
        }
    }

    fn attribute(&self, node: Node<'_, '_>, name: &str) -> Option<&str> {
        node.attributes()
            .find(|attribute| attribute.name() == name)
            .map(|attribute| self.slice(attribute.range_value()))
    }
}

fn read_mac(
    file: &Arc<PathBuf>,
    source: &Source<'_>,
    node: Node<'_, '_>,
    builder: &mut DeviceBuilder,
) -> Result<(), ParseError> {
    let written = source.value(node);
    let written = written.trim();
    if is_template(written) {
        builder.templated();
    } else if !written.is_empty() {
        let mac = normalise_mac(written).ok_or_else(|| {
            error_at(
                file,
                source.position(node.range().start),
                "expected 12 hexadecimal digits in <mac> (separators allowed)".into(),
            )
        })?;
        builder.mac(mac);
    }
    Ok(())
}

/// Reads the settings among `parent`'s children; `depth` is the template nesting at its start.
fn read_settings(
    file: &Arc<PathBuf>,
    source: &Source<'_>,
    parent: Node<'_, '_>,
    mut depth: i32,
    builder: &mut DeviceBuilder,
) -> Result<(), ParseError> {
    for child in parent.children() {
        if child.is_text() {
            let between = source.slice(child.range());
            if is_template(between) {
                builder.templated();
                depth = (depth + depth_change(between)).max(0);
            }
            continue;
        }
        if !child.is_element() {
            continue;
        }
        let at = source.position(child.range().start);
        match child.tag_name().name() {
            "item" => {
                let name = source.attribute(child, "name").ok_or_else(|| {
                    error_at(
                        file,
                        at,
                        "expected <item name=\"…\">: the name is missing".into(),
                    )
                })?;
                if child.children().any(|part| part.has_tag_name("part")) {
                    read_parts(file, source, name, child, depth, builder)?;
                } else {
                    builder.add(name, &source.value(child), || at, depth > 0);
                }
            }
            _ => {
                let name = source.name(child);
                builder.add(name, &source.value(child), || at, depth > 0);
            }
        }
    }
    Ok(())
}

/// `<item name="account.1.sip.subscriber"><part name="userid">…</part></item>`: each part is the
/// setting `item name + "." + part name`.
fn read_parts(
    file: &Arc<PathBuf>,
    source: &Source<'_>,
    item_name: &str,
    item: Node<'_, '_>,
    mut depth: i32,
    builder: &mut DeviceBuilder,
) -> Result<(), ParseError> {
    for child in item.children() {
        if child.is_text() {
            depth = (depth + depth_change(source.slice(child.range()))).max(0);
            continue;
        }
        if !child.has_tag_name("part") {
            continue;
        }
        let at = source.position(child.range().start);
        let name = source.attribute(child, "name").ok_or_else(|| {
            error_at(
                file,
                at,
                "expected <part name=\"…\">: the name is missing".into(),
            )
        })?;
        builder.add(
            &format!("{item_name}.{name}"),
            &source.value(child),
            || at,
            depth > 0,
        );
    }
    Ok(())
}

/// A roxmltree error as a [`ParseError`]. Messages never quote document content (an entity name
/// or a character could be part of a password); an unexpected end points at the end of the text.
fn xml_error(file: &Arc<PathBuf>, text: &str, err: &roxmltree::Error) -> ParseError {
    use roxmltree::Error as E;
    let at_end = || {
        let (line, column) = Positions::new(text).at(text.len());
        Position { line, column }
    };
    let reported = || {
        let pos = err.pos();
        Position {
            line: pos.row,
            column: pos.col,
        }
    };
    let (at, message) = match err {
        E::UnexpectedEndOfStream | E::UnclosedRootNode => (
            at_end(),
            "truncated XML: the file ends before </gs_provision>".to_owned(),
        ),
        E::NoRootNode => (
            at_end(),
            "expected an XML root element <gs_provision>".into(),
        ),
        E::UnknownEntityReference(..) | E::MalformedEntityReference(_) => (
            reported(),
            "malformed or unknown entity reference: write `&` as `&amp;`".into(),
        ),
        E::NonXmlChar(..) | E::InvalidChar(..) | E::InvalidChar2(..) => {
            (reported(), "malformed XML: unexpected character".into())
        }
        E::UnexpectedCloseTag(expected, _, _) => (
            reported(),
            format!("malformed XML: expected the closing tag </{expected}>"),
        ),
        other => {
            let described = other.to_string();
            let message = described
                .rsplit_once(" at ")
                .map_or(described.as_str(), |(message, _)| message);
            (reported(), format!("malformed XML: {message}"))
        }
    };
    error_at(file, at, message)
}

/// Length in bytes of the template span `text` starts with (`{$var}`, `{{ x }}`, `{% if %}`,
/// `{if …}`, `{/if}`, `{foreach …}`, `{else}`, `{literal}`), or `None`. Comment forms (`{# #}`,
/// `{* *}`) are left alone: they are harmless XML text and look like dial plans (`{*x+}`).
pub(crate) fn template_span_len(text: &str) -> Option<usize> {
    let rest = text.strip_prefix('{')?;
    let closing = match rest.as_bytes().first()? {
        b'{' => "}}",
        b'%' => "%}",
        b'$' | b'/' => "}",
        _ if ["if ", "if(", "else", "foreach ", "literal}"]
            .iter()
            .any(|keyword| rest.starts_with(keyword)) =>
        {
            "}"
        }
        _ => return None,
    };
    let end = rest.get(1..)?.find(closing)?;
    Some(1 + 1 + end + closing.len())
}

/// `text` made readable for roxmltree without moving a byte: every template span and every `--`
/// inside a comment (vendor templates nest `<!--` in comments) becomes `x` bytes, newlines kept,
/// so offsets and line numbers stay those of the original.
fn mask_for_xml(text: &str) -> Cow<'_, str> {
    let mut masked: Option<Vec<u8>> = None;
    let mut mask = |range: Range<usize>| {
        let bytes = masked.get_or_insert_with(|| text.as_bytes().to_vec());
        if let Some(span) = bytes.get_mut(range) {
            for byte in span
                .iter_mut()
                .filter(|byte| !matches!(byte, b'\n' | b'\r'))
            {
                *byte = b'x';
            }
        }
    };
    let mut offset = 0;
    while let Some(found) = text.get(offset..).and_then(|rest| rest.find('{')) {
        let start = offset + found;
        match text.get(start..).and_then(template_span_len) {
            Some(len) => {
                mask(start..start + len);
                offset = start + len;
            }
            None => offset = start + 1,
        }
    }
    let mut offset = 0;
    while let Some(found) = text.get(offset..).and_then(|rest| rest.find("<!--")) {
        let body = offset + found + "<!--".len();
        let Some(len) = text.get(body..).and_then(|rest| rest.find("-->")) else {
            break;
        };
        let comment = text.get(body..body + len).unwrap_or_default();
        for (dashes, _) in comment.match_indices("--") {
            mask(body + dashes..body + dashes + 2);
        }
        if comment.ends_with('-') {
            mask(body + len - 1..body + len);
        }
        offset = body + len + "-->".len();
    }
    match masked {
        // Whole characters were replaced by ASCII, so the bytes are still UTF-8.
        Some(bytes) => String::from_utf8(bytes).map_or(Cow::Borrowed(text), Cow::Owned),
        None => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, SettingKey, Value};

    use super::*;

    fn parse(text: &str) -> Result<Device, ParseError> {
        parse_xml(&Arc::new(PathBuf::from("cfg.xml")), text, &Keep::all())
    }

    fn literal<'a>(device: &'a Device, key: &SettingKey) -> Option<&'a str> {
        device.get(key).and_then(|setting| setting.value.literal())
    }

    #[test]
    fn reads_v1_pvalues_with_positions_and_mac() {
        let text = "<?xml version=\"1.0\"?>\n<gs_provision version=\"1\">\n<mac>00:0B:82:12:34:56</mac>\n\
                    <config version=\"1\">\n  <P276>1</P276>\n  <P448>2</P448><P2>a&amp;b</P2>\n</config>\n</gs_provision>\n";
        let device = parse(text).unwrap();
        assert_eq!(device.mac.as_deref(), Some("000b82123456"));
        assert_eq!(device.id, "000b82123456");
        assert_eq!(device.family, Family::Unknown);
        let ssh = device.global("P276").unwrap();
        assert_eq!((ssh.origin.line, ssh.origin.column), (5, 3));
        assert_eq!(ssh.value, Value::Literal("1".into()));
        let transport = device.account("account.sip.transport", 2).unwrap();
        assert_eq!((transport.origin.line, transport.origin.column), (6, 3));
        assert_eq!(transport.origin.written_as, "P448");
        let admin = device.global("P2").unwrap();
        assert_eq!(admin.value.literal(), Some("a&b"));
        assert_eq!((admin.origin.line, admin.origin.column), (6, 17));
        assert!(admin.secret);
    }

    #[test]
    fn reads_v2_aliases_inverted_and_nested() {
        let text = r#"<gs_provision version="1"><config version="2">
  <item name="security.ssh">No</item>
  <item name="security.webAccessMode">HTTPS</item>
  <item name="account.2.sip.transport">Tls Or Tcp</item>
  <item name="account.1.sip.subscriber">
    <part name="userid">1001</part>
    <part name="password">hunter2</part>
  </item>
  <item name="custom.thing">Yes</item>
</config></gs_provision>"#;
        let device = parse(text).unwrap();
        let ssh = device.global("P276").unwrap();
        assert_eq!(ssh.value.literal(), Some("1"));
        assert_eq!(ssh.origin.written_as, "security.ssh");
        assert_eq!(literal(&device, &SettingKey::global("P1650")), Some("0"));
        assert_eq!(
            literal(&device, &SettingKey::account("account.sip.transport", 2)),
            Some("2")
        );
        let userid = device.account("account.sip.subscriber.userid", 1).unwrap();
        assert_eq!(userid.value.literal(), Some("1001"));
        assert_eq!((userid.origin.line, userid.origin.column), (6, 5));
        assert_eq!(userid.origin.written_as, "account.1.sip.subscriber.userid");
        let password = device
            .account("account.sip.subscriber.password", 1)
            .unwrap();
        assert!(password.secret);
        assert_eq!(
            literal(&device, &SettingKey::global("custom.thing")),
            Some("1")
        );
    }

    #[test]
    fn smarty_templates_mark_conditionals_and_template_values() {
        let text = r#"<?xml version="1.0"?>
<gs_provision version="1">
<mac>{$mac|replace:'-':''}</mac>
<config version="2">
<!-- Configuration Template for GRP261x/2x/3x/5x/7x Firmware Version 1.0.9.103 -->
{foreach $account as $row}
{if $row.enabled == 'true' && $row.x < 3}
<item name="account.{$row.line_number}.enable">Yes</item>
{/if}
<item name="account.{$row.line_number}.sip.subscriber.password">{$row.password}</item>
{/foreach}
<item name="security.ssh">No</item>
<P2318>{if $nway == 'true'}nway{/if}</P2318>
</config>
</gs_provision>"#;
        let device = parse(text).unwrap();
        assert!(device.templated);
        assert_eq!(device.mac, None);
        assert_eq!(device.family, Family::Grp);
        let enable = device.account("account.enable", 1).unwrap();
        assert!(enable.conditional);
        assert_eq!(enable.value, Value::Template("Yes".into()));
        assert_eq!(
            enable.origin.written_as,
            "account.{$row.line_number}.enable"
        );
        assert_eq!((enable.origin.line, enable.origin.column), (8, 1));
        let password = device
            .account("account.sip.subscriber.password", 1)
            .unwrap();
        assert!(password.conditional && password.secret);
        assert_eq!(password.value, Value::Template("{$row.password}".into()));
        let ssh = device.global("P276").unwrap();
        assert!(!ssh.conditional);
        assert_eq!(ssh.value.literal(), Some("1"));
        assert!(matches!(
            device.global("P2318").unwrap().value,
            Value::Template(_)
        ));
    }

    #[test]
    fn jinja_generated_element_names_are_read() {
        let text = "<gs_provision><config version=\"1\">\n{% for line_no in lines %}\n\
                    <P{{ position }}01>1</P{{ position }}01>\n{% endfor %}\n<P81>1</P81>\n</config></gs_provision>";
        let device = parse(text).unwrap();
        let generated = device.global("P{{ position }}01").unwrap();
        assert!(generated.conditional);
        assert!(matches!(generated.value, Value::Template(_)));
        assert!(!device.global("P81").unwrap().conditional);
    }

    #[test]
    fn dial_plans_are_not_mistaken_for_templates() {
        let device = parse("<gs_provision><config><P290>{*x+|x+}</P290><P291>{ [*x]+ }</P291></config></gs_provision>").unwrap();
        assert_eq!(
            literal(&device, &SettingKey::global("P290")),
            Some("{*x+|x+}")
        );
        assert_eq!(
            literal(&device, &SettingKey::global("P291")),
            Some("{ [*x]+ }")
        );
        assert!(!device.templated);
    }

    #[test]
    fn malformed_and_truncated_xml_are_errors_at_line_and_column() {
        let error = parse("<gs_provision>\n<config>\n  <P2>secret</P3>\n</config></gs_provision>")
            .unwrap_err();
        assert_eq!((error.line, error.column), (3, 13));
        assert!(error.message.contains("</P2>"), "{}", error.message);
        assert!(!error.message.contains("secret"));

        let error =
            parse("<gs_provision>\n<config>\n  <P2>pass&word;</P2>\n</config></gs_provision>")
                .unwrap_err();
        assert_eq!(error.line, 3);
        assert!(!error.message.contains("word"), "{}", error.message);

        let truncated = "<gs_provision>\n<config>\n  <P276>1</P2";
        let error = parse(truncated).unwrap_err();
        assert_eq!((error.line, error.column), (3, 14));
        assert!(error.message.contains("truncated"), "{}", error.message);
    }

    #[test]
    fn other_roots_and_bad_macs_are_errors() {
        let error = parse("<?xml version=\"1.0\"?>\n<settings><x/></settings>").unwrap_err();
        assert_eq!((error.line, error.column), (2, 1));
        assert!(error.message.contains("<gs_provision>"));
        let error = parse("<gs_provision>\n  <mac>zz</mac></gs_provision>").unwrap_err();
        assert_eq!((error.line, error.column), (2, 3));
        let error =
            parse("<gs_provision><config version=\"2\">\n<item>1</item></config></gs_provision>")
                .unwrap_err();
        assert_eq!((error.line, error.column), (2, 1));
    }

    #[test]
    fn masking_keeps_offsets_and_lines() {
        let text = "a{$x}b\n{% if a\n and b %}c{ x }<!-- a <!-- b --->";
        let masked = mask_for_xml(text);
        assert_eq!(masked, "axxxxb\nxxxxxxx\nxxxxxxxxxc{ x }<!-- a <!xx b x-->");
        assert!(matches!(mask_for_xml("<a>{ x }</a>"), Cow::Borrowed(_)));
    }
}
