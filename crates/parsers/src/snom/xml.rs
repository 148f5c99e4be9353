//! The XML format: `<settings><phone-settings>` (or `<phone-settings>` alone), one element per
//! setting, `idx` for the identity, `perm` for the permission flag.

use std::path::PathBuf;
use std::sync::Arc;

use roxmltree::{Document, Node};
use voipguard_model::{Device, Perm, SettingKey};

use super::{Collector, Found, Nesting};
use crate::ParseError;
use crate::keep::Keep;
use crate::template::is_template;
use crate::text::{Positions, error};

pub(super) const PHONE_SETTINGS: &str = "phone-settings";

/// Parses a whole XML file.
pub(super) fn parse(file: &Arc<PathBuf>, text: &str, keep: &Keep) -> Result<Device, ParseError> {
    let neutralised;
    let doc = match Document::parse(text) {
        Ok(doc) => doc,
        // Templates are well-formed only once rendered: `attr="{if $a == ""}…{/if}"` or
        // `{if $a && $b}` break XML. Their quotes, `<` and `&` are swapped for harmless bytes of the
        // same length, so positions stay true; values are read from the original text.
        Err(err) if is_template(text) => {
            neutralised = neutralise_templates(text);
            Document::parse(&neutralised).map_err(|_| malformed(file, text, &err))?
        }
        Err(err) => return Err(malformed(file, text, &err)),
    };
    let root = doc.root_element();
    let mut positions = Positions::new(text);
    match root.tag_name().name() {
        "settings" | PHONE_SETTINGS => {}
        other => {
            let (line, column) = positions.at(root.range().start);
            return Err(error(
                file,
                line,
                column,
                format!("expected a <settings> or <phone-settings> root element, found <{other}>"),
            ));
        }
    }
    let mut collector = Collector::new(file, keep);
    collector.prepare(text);
    let mut nesting = Nesting::default();
    for node in root.descendants() {
        if is_setting(node) {
            if !collector.keeps(node.tag_name().name()) {
                collector.skip(value_of(node, text));
                for attribute in node.attributes() {
                    collector.skip(attribute.value());
                }
                continue;
            }
            let (line, column) = positions.at(node.range().start);
            let found = setting(file, text, node, nesting.inside(), line, column)?;
            if found.templated_attribute {
                collector.mark_templated();
            }
            collector.add(found.found);
        } else if node.is_text() && !node.parent().is_some_and(is_setting) {
            // Template directives live in text between elements: `{if …}`, `{% for … %}`.
            let text = node.text().unwrap_or_default();
            if is_template(text) {
                collector.mark_templated();
            }
            nesting.follow(text);
        }
    }
    Ok(collector.finish())
}

fn is_setting(node: Node<'_, '_>) -> bool {
    node.is_element()
        && node
            .parent()
            .is_some_and(|parent| parent.has_tag_name(PHONE_SETTINGS))
}

/// A setting element read, and whether its `idx` or `perm` was a template expression.
struct ReadSetting<'a> {
    found: Found<'a>,
    templated_attribute: bool,
}

fn setting<'a>(
    file: &Arc<PathBuf>,
    original: &'a str,
    node: Node<'a, 'a>,
    in_conditional: bool,
    line: u32,
    column: u32,
) -> Result<ReadSetting<'a>, ParseError> {
    let name = node.tag_name().name();
    let fail = |message: String| error(file, line, column, message);
    let idx = node.attribute("idx").map(str::trim).unwrap_or_default();
    let perm_attribute = node.attribute("perm");
    let templated_idx = is_template(idx);
    let templated_perm = perm_attribute.is_some_and(is_template);
    // A templated identity (`idx="{$row.line_number}"`) is not known, and a template loop may
    // write the setting for any number of identities, so the setting counts as conditional.
    let key = if idx.is_empty() || templated_idx {
        SettingKey::global(name)
    } else {
        let index = idx.parse::<u16>().map_err(|_| {
            fail(format!(
                "<{name}> has idx=\"{idx}\": expected an identity number from 0 to 65535"
            ))
        })?;
        SettingKey::account(name, index)
    };
    let perm = match perm_attribute {
        Some(_) if templated_perm => None,
        Some(perm) => Some(perm_from(perm).ok_or_else(|| {
            fail(format!(
                "<{name}> has perm=\"{perm}\": expected one of \"!\", \"&\", \"R\", \" \", \"$\", \
                 \"RW\" or \"\""
            ))
        })?),
        None => Some(Perm::ReadWrite),
    };
    Ok(ReadSetting {
        found: Found {
            key,
            written_as: name,
            value: value_of(node, original),
            perm,
            conditional: in_conditional || templated_idx,
            line,
            column,
        },
        templated_attribute: templated_idx || templated_perm,
    })
}

/// Snom's `perm` attribute values (SNOM-FLAGS); a missing attribute is `""`.
pub(super) fn perm_from(attribute: &str) -> Option<Perm> {
    match attribute {
        "!" => Some(Perm::UserKeeps),
        "&" | "R" | " " => Some(Perm::ReadOnly),
        "$" | "RW" | "" => Some(Perm::ReadWrite),
        _ => None,
    }
}

/// The element's text. Settings hold a single text node; anything else (comments, stray child
/// elements) is not part of the value. Text without entity references is taken from the original
/// file, so a template read through [`neutralise_templates`] keeps its own quotes.
fn value_of<'a>(node: Node<'a, 'a>, original: &'a str) -> &'a str {
    let Some(text_node) = node.children().find(Node::is_text) else {
        return "";
    };
    let decoded = text_node.text().unwrap_or_default();
    let range = text_node.range();
    let verbatim = node.document().input_text().get(range.clone()) == Some(decoded);
    match original.get(range) {
        Some(raw) if verbatim => raw,
        _ => decoded,
    }
}

/// A copy of `text` in which the characters XML chokes on (`"`, `'`, `<`, `&`) inside template
/// expressions (`{$…}`, `{if …}`, `{/if}`, `{{ … }}`, `{% … %}`) are replaced by ASCII bytes
/// that XML accepts, so byte offsets, lines and columns are those of `text`.
fn neutralise_templates(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut index = 0;
    while let Some(found) = bytes
        .get(index..)
        .and_then(|rest| rest.iter().position(|&b| b == b'{'))
    {
        let start = index + found;
        let closer: &[u8] = match bytes.get(start + 1) {
            Some(b'{') => b"}}",
            Some(b'%') => b"%}",
            Some(&next) if next == b'$' || next == b'/' || next.is_ascii_alphabetic() => b"}",
            _ => {
                index = start + 1;
                continue;
            }
        };
        let Some(length) = bytes[start + 1..]
            .windows(closer.len())
            .position(|window| window == closer)
        else {
            break;
        };
        let end = start + 1 + length + closer.len();
        out.push_str(&text[copied..start]);
        out.extend(text[start..end].chars().map(|c| match c {
            '"' | '\'' => '`',
            '<' => '(',
            '&' => '+',
            other => other,
        }));
        copied = end;
        index = end;
    }
    out.push_str(&text[copied..]);
    out
}

/// Malformed XML as a [`ParseError`]. The message never quotes entity names or resolver output,
/// which come from text content and may be part of a secret.
fn malformed(file: &Arc<PathBuf>, text: &str, err: &roxmltree::Error) -> ParseError {
    use roxmltree::Error as E;
    let at_end = || Positions::new(text).at(text.len());
    let (line, column) = match err {
        E::UnclosedRootNode | E::UnexpectedEndOfStream => at_end(),
        _ => {
            let pos = err.pos();
            (pos.row, pos.col)
        }
    };
    let message = match err {
        E::UnclosedRootNode | E::UnexpectedEndOfStream => {
            "truncated XML: the file ends inside an element; expected the closing tags".to_owned()
        }
        E::NoRootNode => "empty XML: expected a <settings> or <phone-settings> element".to_owned(),
        E::UnknownEntityReference(..) | E::MalformedEntityReference(_) | E::EntityResolver(..) => {
            "malformed XML: a bare `&` or unknown entity; expected `&amp;`, `&lt;`, `&gt;`, \
             `&quot;`, `&apos;` or a character reference"
                .to_owned()
        }
        E::DtdDetected => "XML with a DTD (<!DOCTYPE … [ ]>): expected plain XML".to_owned(),
        other => {
            let described = other.to_string();
            let without_position = described
                .rsplit_once(" at ")
                .map_or(described.as_str(), |(head, _)| head);
            format!("malformed XML: {without_position}")
        }
    };
    error(file, line, column, message)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use voipguard_model::Value;

    use super::*;

    fn parse_str(text: &str) -> Result<Device, ParseError> {
        parse(
            &Arc::new(Path::new("snom.xml").to_path_buf()),
            text,
            &Keep::all(),
        )
    }

    #[test]
    fn perm_attribute_maps_to_permissions() {
        let device = parse_str(
            r#"<settings><phone-settings>
<a perm="!">1</a><b perm="&amp;">1</b><c perm="R">1</c><d perm=" ">1</d>
<e perm="$">1</e><f perm="RW">1</f><g perm="">1</g><h>1</h>
</phone-settings></settings>"#,
        )
        .unwrap();
        let perm = |name: &str| device.global(name).and_then(|setting| setting.perm);
        assert_eq!(perm("a"), Some(Perm::UserKeeps));
        for name in ["b", "c", "d"] {
            assert_eq!(perm(name), Some(Perm::ReadOnly), "{name}");
        }
        for name in ["e", "f", "g", "h"] {
            assert_eq!(perm(name), Some(Perm::ReadWrite), "{name}");
        }
    }

    #[test]
    fn unknown_perm_is_an_error_naming_the_allowed_values() {
        let err = parse_str(
            "<phone-settings>\n  <http_pass perm=\"rw\">x</http_pass>\n</phone-settings>",
        )
        .unwrap_err();
        assert_eq!((err.line, err.column), (2, 3));
        assert!(err.message.contains("\"RW\""), "{err}");
    }

    #[test]
    fn idx_is_the_identity_and_last_write_wins() {
        let device = parse_str(
            r#"<phone-settings>
<user_srtp idx="4" perm="R">off</user_srtp>
<user_srtp idx="4" perm="RW">on</user_srtp>
<record_missed_calls idx="">off</record_missed_calls>
</phone-settings>"#,
        )
        .unwrap();
        let srtp = device.account("user_srtp", 4).unwrap();
        assert_eq!(srtp.value, Value::Literal("on".into()));
        assert_eq!(srtp.perm, Some(Perm::ReadWrite));
        assert_eq!((srtp.origin.line, srtp.origin.column), (3, 1));
        assert!(device.global("record_missed_calls").is_some());
        assert_eq!(device.settings.len(), 2);
    }

    #[test]
    fn non_numeric_idx_is_an_error() {
        let err =
            parse_str("<phone-settings><user_srtp idx=\"one\">on</user_srtp></phone-settings>")
                .unwrap_err();
        assert_eq!((err.line, err.column), (1, 17));
        assert!(err.message.contains("idx=\"one\""), "{err}");
    }

    #[test]
    fn only_phone_settings_children_are_settings() {
        let device = parse_str(
            r#"<?xml version="1.0"?>
<settings>
  <phone-settings e="2"><!-- c --><webserver_type perm="R">https</webserver_type></phone-settings>
  <functionKeys><fkey idx="0" perm="">line</fkey></functionKeys>
</settings>"#,
        )
        .unwrap();
        assert_eq!(device.settings.len(), 1);
        let setting = device.global("webserver_type").unwrap();
        assert_eq!(setting.value, Value::Literal("https".into()));
        assert_eq!((setting.origin.line, setting.origin.column), (3, 35));
    }

    #[test]
    fn other_roots_are_errors() {
        let err = parse_str("<?xml version=\"1.0\"?>\n<gs_provision/>").unwrap_err();
        assert_eq!((err.line, err.column), (2, 1));
        assert!(err.message.contains("<gs_provision>"), "{err}");
    }

    #[test]
    fn malformed_and_truncated_xml_are_errors_at_their_position() {
        let err = parse_str("<settings>\n<phone-settings>\n<a>1</b>\n</phone-settings></settings>")
            .unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.starts_with("malformed XML"), "{err}");
        assert!(!err.message.contains(" at 3:"), "{err}");

        let err = parse_str("<settings>\n<phone-settings>\n<a>1</a>\n").unwrap_err();
        assert_eq!((err.line, err.column), (4, 1));
        assert!(err.message.starts_with("truncated XML"), "{err}");

        let err = parse_str("<phone-settings><http_pass>a&secret;</http_pass></phone-settings>")
            .unwrap_err();
        assert!(!err.message.contains("secret"), "{err}");
    }

    #[test]
    fn templates_make_values_conditional_and_device_templated() {
        let device = parse_str(
            r#"<settings><phone-settings>
{if isset($admin_password) }
<http_pass perm="RW">{$admin_password}</http_pass>
{else}
<admin_mode_password>0000</admin_mode_password>
{/if}
{% for line_no, line in sip_lines.items() %}
<user_srtp idx="{{ line_no }}" perm="R">on</user_srtp>
{% endfor %}
<language perm="{$perm}">{if $x}a{else}b{/if}</language>
<webserver_type>https</webserver_type>
</phone-settings></settings>"#,
        )
        .unwrap();
        assert!(device.templated);
        let pass = device.global("http_pass").unwrap();
        assert!(pass.secret && pass.conditional);
        assert_eq!(pass.value, Value::Template("{$admin_password}".into()));
        assert!(device.global("admin_mode_password").unwrap().conditional);
        let srtp = device.global("user_srtp").unwrap();
        assert!(srtp.conditional);
        assert_eq!(srtp.value, Value::Literal("on".into()));
        let language = device.global("language").unwrap();
        assert_eq!(language.perm, None);
        assert!(!language.conditional);
        assert!(!device.global("webserver_type").unwrap().conditional);
    }

    #[test]
    fn templates_that_break_xml_are_read_with_their_own_text() {
        let text = "<settings><phone-settings>\n\
                    {if $a && $b}<dhcp>on</dhcp>{/if}\n\
                    <x perm=\"\">{if $c == \"<\"}on{/if}</x>\n\
                    </phone-settings><functionKeys>\n\
                    <fkey context=\"{if $l == \"\"}active{/if}\">line</fkey>\n\
                    </functionKeys></settings>";
        let device = parse_str(text).unwrap();
        assert!(device.global("dhcp").unwrap().conditional);
        let x = device.global("x").unwrap();
        assert_eq!(x.value, Value::Template("{if $c == \"<\"}on{/if}".into()));
        assert_eq!((x.origin.line, x.origin.column), (3, 1));
        assert_eq!(neutralise_templates(text).len(), text.len());
        assert_eq!(neutralise_templates("a{b \"c\"} {é&}"), "a{b `c`} {é&}");
        assert_eq!(
            neutralise_templates("{{ a['b'] }}{% if x<1 %}"),
            "{{ a[`b`] }}{% if x(1 %}"
        );
    }

    #[test]
    fn entities_in_values_are_decoded() {
        let device = parse_str("<phone-settings><a>x&amp;y</a></phone-settings>").unwrap();
        assert_eq!(
            device.global("a").unwrap().value,
            Value::Literal("x&y".into())
        );
    }

    #[test]
    fn positions_follow_characters_not_bytes() {
        let mut positions = Positions::new("é\nab\n");
        assert_eq!(positions.at("é".len()), (1, 2));
        assert_eq!(positions.at("é\na".len()), (2, 2));
        assert_eq!(positions.at(0), (1, 1));
    }
}
