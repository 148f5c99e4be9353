//! Legacy `Pnnn = value` text, as fed to Grandstream's configuration converter.

use std::path::PathBuf;
use std::sync::Arc;

use voipguard_model::Device;

use super::{DeviceBuilder, Position, error_at};
use crate::ParseError;
use crate::keep::Keep;
use crate::template::{depth_change, is_template};

/// Parses `Pnnn = value` text: `#` comments, blank lines, spaces around `=` optional, empty values
/// legal, Jinja/Smarty directive lines tracked so the settings inside them are `conditional`.
pub fn parse_text(file: &Arc<PathBuf>, text: &str, keep: &Keep) -> Result<Device, ParseError> {
    let mut builder = DeviceBuilder::new(file, text, keep);
    let mut depth: i32 = 0;
    for (number, line) in crate::text::lines(text).enumerate() {
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') || content.starts_with("{#") {
            continue;
        }
        let at = || Position {
            line: u32::try_from(number + 1).unwrap_or(u32::MAX),
            column: u32::try_from(line.chars().count() - content.chars().count() + 1)
                .unwrap_or(u32::MAX),
        };
        if let Some((name, raw_value)) = setting_line(content) {
            // Values are trimmed only when kept: most are passed over.
            if builder.keeps(name) {
                builder.insert(name, raw_value.trim(), at(), depth > 0);
            } else {
                builder.skip(raw_value);
            }
        } else if is_directive(content) {
            builder.templated();
            depth = (depth + block_change(content)).max(0);
        } else {
            return Err(error_at(
                file,
                at(),
                "expected `P<number> = value`, a `#` comment or a template directive".into(),
            ));
        }
    }
    Ok(builder.finish())
}

/// `("P271", " 1")` for `P271 = 1` (the value untrimmed); the name may carry template syntax
/// (`P{{ position }}01=1`).
fn setting_line(content: &str) -> Option<(&str, &str)> {
    // A byte search: `split_once('=')` calls `memcmp` per candidate, a hot spot on big files.
    let equals = content.bytes().position(|byte| byte == b'=')?;
    let (name, value) = (content.get(..equals)?, content.get(equals + 1..)?);
    let name = name.trim_end();
    let digits = name.strip_prefix('P')?;
    let plain = !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit());
    (plain || is_template(digits)).then_some((name, value))
}

/// A line that only a template engine reads: a directive (`{% if %}`, `{if}`, `{/loop_ext1}`) or
/// generated content (`<{{ code }}>{{ value }}</{{ code }}>`).
fn is_directive(content: &str) -> bool {
    is_template(content) || content.starts_with('{') && content.trim_end().ends_with('}')
}

/// Nesting change of a directive line, counting Provisioner.net's `{loop_…}` blocks too.
fn block_change(content: &str) -> i32 {
    let loops = if content.starts_with("{loop_") {
        1
    } else if content.starts_with("{/loop_") {
        -1
    } else {
        0
    };
    depth_change(content) + loops
}

#[cfg(test)]
mod tests {
    use voipguard_model::{SettingKey, Value};

    use super::*;

    fn parse(text: &str) -> Result<Device, ParseError> {
        parse_text(&Arc::new(PathBuf::from("test.txt")), text, &Keep::all())
    }

    fn literal<'a>(device: &'a Device, key: &SettingKey) -> Option<&'a str> {
        device.get(key).and_then(|setting| setting.value.literal())
    }

    #[test]
    fn reads_pvalues_comments_and_empty_values() {
        let device = parse("# comment\n\nP276=1\n  P3 = Bruce Walker \nP34 =\nP8=\r\n").unwrap();
        assert_eq!(literal(&device, &SettingKey::global("P276")), Some("1"));
        assert_eq!(
            literal(
                &device,
                &SettingKey::account("account.sip.subscriber.name", 1)
            ),
            Some("Bruce Walker")
        );
        let password = device
            .account("account.sip.subscriber.password", 1)
            .unwrap();
        assert_eq!(password.value.literal(), Some(""));
        assert!(password.secret);
        assert_eq!(literal(&device, &SettingKey::global("P8")), Some(""));
        assert!(!device.templated);
    }

    #[test]
    fn positions_are_line_and_column_of_the_name() {
        let device = parse("# x\n\n   P276 = 1\nP2=admin\n").unwrap();
        let ssh = device.global("P276").unwrap();
        assert_eq!((ssh.origin.line, ssh.origin.column), (3, 4));
        assert_eq!(ssh.origin.written_as, "P276");
        let admin = device.global("P2").unwrap();
        assert_eq!((admin.origin.line, admin.origin.column), (4, 1));
        assert!(admin.secret);
    }

    #[test]
    fn bad_lines_are_errors_at_their_position() {
        let error = parse("P276 = 1\n\n  hello world\n").unwrap_err();
        assert_eq!((error.line, error.column), (3, 3));
        assert!(
            error.message.contains("P<number> = value"),
            "{}",
            error.message
        );
        let error = parse("P276 = 1\nPx = 3\n").unwrap_err();
        assert_eq!((error.line, error.column), (2, 1));
    }

    #[test]
    fn template_lines_make_settings_conditional_and_values_templates() {
        let text = "{% if ntp_enabled -%}\nP30={{ ntp_ip }}\n{% endif -%}\nP298=1\n\
                    {loop_ext1}\nP60{$pnum} = {$mode}\n{/loop_ext1}\nP81=1\n";
        let device = parse(text).unwrap();
        assert!(device.templated);
        let ntp = device.global("P30").unwrap();
        assert!(ntp.conditional);
        assert_eq!(ntp.value, Value::Template("{{ ntp_ip }}".into()));
        assert!(!device.global("P298").unwrap().conditional);
        let generated = device.global("P60{$pnum}").unwrap();
        assert!(generated.conditional);
        assert!(matches!(generated.value, Value::Template(_)));
        assert!(!device.global("P81").unwrap().conditional);
    }
}
