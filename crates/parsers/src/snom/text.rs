//! The plain-text format: `name[flag]: value` lines, `#` and `<` comment lines.

use std::path::PathBuf;
use std::sync::Arc;

use voipguard_model::{Device, Perm, SettingKey};

use super::{Collector, Found, Nesting, names};
use crate::ParseError;
use crate::keep::Keep;
use crate::template::is_template;
use crate::text::error;

const EXPECTED_LINE: &str = "expected \"name: value\" (a setting name of letters, digits and _, \
                             an optional flag !, $ or &, then a colon)";

/// Parses a whole text file.
pub(super) fn parse(file: &Arc<PathBuf>, text: &str, keep: &Keep) -> Result<Device, ParseError> {
    let mut collector = Collector::new(file, keep);
    collector.prepare(text);
    let mut nesting = Nesting::default();
    for (line_index, raw_line) in crate::text::lines(text).enumerate() {
        let line_number = u32::try_from(line_index + 1).unwrap_or(u32::MAX);
        let content = raw_line.trim_start();
        let indent = raw_line.len() - content.len();
        let content = content.trim_end();
        // `<` lines are comments, which is what makes the `<html><pre>` wrapper harmless.
        if content.is_empty() || content.starts_with('#') || content.starts_with('<') {
            continue;
        }
        match split_line(content) {
            // Most lines are settings no check reads: pass over them before building a key.
            Ok(line) if !line.templated_name && !names::may_be_kept(line.written_as, keep) => {
                collector.skip(line.raw_value);
            }
            Ok(line) => {
                let conditional = nesting.inside() || line.templated_name;
                let key = if line.templated_name {
                    collector.mark_templated();
                    SettingKey::global(line.base_name)
                } else {
                    names::text_key(line.written_as)
                };
                if collector.keeps(&key.name) {
                    collector.add(Found {
                        key,
                        written_as: line.written_as,
                        value: line.raw_value.trim(),
                        perm: Some(line.perm),
                        conditional,
                        line: line_number,
                        column: column_of(raw_line, indent),
                    });
                } else {
                    collector.skip(line.raw_value);
                }
            }
            // A directive line (`{if $x}`, `{{for a in b}}`) is template control flow.
            Err(_) if is_template(content) => collector.mark_templated(),
            Err(offset) => {
                return Err(error(
                    file,
                    line_number,
                    column_of(raw_line, indent + offset),
                    EXPECTED_LINE.into(),
                ));
            }
        }
        if collector.template_bytes {
            nesting.follow(content);
        }
    }
    Ok(collector.finish())
}

/// One `name[flag]: value` line taken apart.
#[derive(Debug, PartialEq, Eq)]
struct Line<'a> {
    /// The name as written, with any suffix or template index (`user_srtp1`, `user_pass{{n}}`).
    written_as: &'a str,
    /// The name up to the first template expression (`user_pass` for `user_pass{{n}}`).
    base_name: &'a str,
    /// True when the name holds a template expression, so the identity is not known.
    templated_name: bool,
    perm: Perm,
    /// The value as written after the colon, untrimmed: only kept values need trimming.
    raw_value: &'a str,
}

/// Splits a trimmed, non-comment line, or gives the byte offset where it stops matching.
fn split_line(line: &str) -> Result<Line<'_>, usize> {
    let base_end = name_end(line, 0);
    if base_end == 0 {
        return Err(0);
    }
    let mut end = base_end;
    // Templates may build the identity into the name: `user_active{{n}}`, `user_name{$line}`.
    while line[end..].starts_with("{{") || line[end..].starts_with("{$") {
        let close = if line[end..].starts_with("{{") {
            "}}"
        } else {
            "}"
        };
        let Some(length) = line[end..].find(close) else {
            return Err(end);
        };
        end = name_end(line, end + length + close.len());
    }
    let (perm, flag_length) = match line.as_bytes().get(end) {
        Some(b'!') => (Perm::UserKeeps, 1),
        Some(b'$') => (Perm::ReadWrite, 1),
        Some(b'&') => (Perm::ReadOnly, 1),
        _ => (Perm::ReadOnly, 0),
    };
    let colon = end + flag_length;
    if line.as_bytes().get(colon) != Some(&b':') {
        return Err(colon);
    }
    Ok(Line {
        written_as: &line[..end],
        base_name: &line[..base_end],
        templated_name: end != base_end,
        perm,
        raw_value: &line[colon + 1..],
    })
}

/// End of the run of name characters `[a-zA-Z0-9_]` that starts at `start`.
fn name_end(line: &str, start: usize) -> usize {
    let rest = line.as_bytes().get(start..).unwrap_or_default();
    start
        + rest
            .iter()
            .position(|byte| !(byte.is_ascii_alphanumeric() || *byte == b'_'))
            .unwrap_or(rest.len())
}

/// 1-based character column of a byte offset in a line.
fn column_of(line: &str, offset: usize) -> u32 {
    let before = line.get(..offset).unwrap_or(line);
    u32::try_from(before.chars().count() + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use voipguard_model::Value;

    use super::*;

    fn parse_str(text: &str) -> Result<Device, ParseError> {
        parse(
            &Arc::new(Path::new("snom.htm").to_path_buf()),
            text,
            &Keep::all(),
        )
    }

    #[test]
    fn flags_map_to_permissions() {
        let device = parse_str("a!: 1\nb$: 2\nc&: 3\nd: 4\n").unwrap();
        let perm = |name: &str| device.global(name).and_then(|setting| setting.perm);
        assert_eq!(perm("a"), Some(Perm::UserKeeps));
        assert_eq!(perm("b"), Some(Perm::ReadWrite));
        assert_eq!(perm("c"), Some(Perm::ReadOnly));
        assert_eq!(perm("d"), Some(Perm::ReadOnly));
    }

    #[test]
    fn only_the_character_before_the_colon_is_a_flag() {
        let line = split_line("http_pass$: pa$$&!:word!").unwrap();
        assert_eq!(line.written_as, "http_pass");
        assert_eq!(line.perm, Perm::ReadWrite);
        assert_eq!(line.raw_value, " pa$$&!:word!");
    }

    #[test]
    fn suffix_becomes_identity_and_last_write_wins() {
        let device = parse_str("user_srtp1: off\nuser_srtp2$: on\nuser_srtp1!: on\n").unwrap();
        let first = device.account("user_srtp", 1).unwrap();
        assert_eq!(first.value, Value::Literal("on".into()));
        assert_eq!(first.perm, Some(Perm::UserKeeps));
        assert_eq!((first.origin.line, first.origin.column), (3, 1));
        assert_eq!(first.origin.written_as, "user_srtp1");
        assert_eq!(device.account_indices(), vec![1, 2]);
    }

    #[test]
    fn html_wrapper_and_comments_are_ignored() {
        let device =
            parse_str("<html><pre>\n# general settings\n\n  http_pass$: secret\r\n</pre></html>\n")
                .unwrap();
        assert_eq!(device.settings.len(), 1);
        let pass = device.global("http_pass").unwrap();
        assert!(pass.secret);
        assert_eq!((pass.origin.line, pass.origin.column), (4, 3));
        assert_eq!(pass.value, Value::Literal("secret".into()));
    }

    #[test]
    fn a_line_that_is_not_a_setting_is_an_error_at_its_column() {
        let err = parse_str("a: 1\n  http pass: x\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 7));
        assert!(err.message.contains("expected \"name: value\""), "{err}");
        let err = parse_str("ok: 1\n\t= value\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 2));
        let err = parse_str("admin_mode_password").unwrap_err();
        assert_eq!((err.line, err.column), (1, 20));
    }

    #[test]
    fn errors_never_echo_the_line() {
        let err = parse_str("http_pass Sup3rS3cret\n").unwrap_err();
        assert!(!err.to_string().contains("Sup3rS3cret"));
    }

    #[test]
    fn templates_in_names_values_and_directives() {
        let device = parse_str(
            "{{for extension in sip}}\n\
             user_pass{{n}}: {{extension.secret}}\n\
             user_srtp{{n}}: off{{endfor}}\n\
             {if $tls}\n\
             user_srtp1: on\n\
             {/if}\n\
             language: English\n",
        )
        .unwrap();
        assert!(device.templated);
        let pass = device.global("user_pass").unwrap();
        assert!(pass.secret && pass.conditional);
        assert_eq!(pass.origin.written_as, "user_pass{{n}}");
        assert!(matches!(pass.value, Value::Template(_)));
        let srtp = device.account("user_srtp", 1).unwrap();
        assert!(srtp.conditional);
        assert!(!device.global("language").unwrap().conditional);
    }
}
