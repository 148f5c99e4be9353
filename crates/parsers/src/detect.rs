//! Choosing a parser from a file's content.

/// The configuration formats voipguard reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Grandstream legacy text: `P2 = value`, `#` comments.
    GrandstreamText,
    /// Grandstream `<gs_provision>` XML, v1 (P-value elements) or v2 (`<item name=…>` aliases).
    GrandstreamXml,
    /// Snom `<settings>` / `<phone-settings>` XML.
    SnomXml,
    /// Snom plain text: `name[flag]: value`, optionally wrapped in `<html><pre>`.
    SnomText,
    /// Snom `<setting-files>` container listing other files.
    SnomSettingFiles,
}

/// Detects the format from content alone, or `None` when the file is not a phone configuration.
pub fn detect(text: &str) -> Option<Format> {
    // A PHP script may print configuration lines, but what it prints depends on code: the
    // rendered output is the file to audit.
    if is_php(text) {
        return None;
    }
    if let Some(root) = first_element(text) {
        return match root.as_str() {
            "gs_provision" => Some(Format::GrandstreamXml),
            "settings" | "phone-settings" => Some(Format::SnomXml),
            "setting-files" => Some(Format::SnomSettingFiles),
            "html" if looks_like_snom_text(text) => Some(Format::SnomText),
            _ => None,
        };
    }
    if looks_like_pvalue_text(text) {
        Some(Format::GrandstreamText)
    } else if looks_like_snom_text(text) {
        Some(Format::SnomText)
    } else {
        None
    }
}

/// Name of the first XML element, skipping the declaration, comments, doctype and whitespace;
/// `None` when the text does not start like XML.
fn first_element(text: &str) -> Option<String> {
    let mut rest = text.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            rest = after.split_once("?>")?.1.trim_start();
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->")?.1.trim_start();
        } else if let Some(after) = rest.strip_prefix("<!") {
            rest = after.split_once('>')?.1.trim_start();
        } else if let Some(after) = rest.strip_prefix('<') {
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '.'))
                .collect();
            return (!name.is_empty()).then(|| name.to_ascii_lowercase());
        } else {
            return None;
        }
    }
}

/// Meaningful lines: not blank, not a comment, not a template directive.
fn content_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|line| {
        !line.is_empty()
            && !line.starts_with('#')
            && !line.starts_with('<')
            && !line.starts_with("{%")
            && !line.starts_with("{{")
            && !line.starts_with("{#")
            && !line.starts_with("{/")
            && !line.starts_with("{if")
            && !line.starts_with("{else")
            && !line.starts_with("{foreach")
    })
}

/// Content lines a format is judged on: enough to see past a header, few enough to cost little
/// next to the parse itself.
const SAMPLE_LINES: usize = 100;

fn mostly(text: &str, matches: fn(&str) -> bool) -> bool {
    let (mut total, mut hits) = (0usize, 0usize);
    for line in content_lines(text).take(SAMPLE_LINES) {
        total += 1;
        hits += usize::from(matches(line));
    }
    hits >= 1 && hits * 10 >= total * 8
}

fn looks_like_pvalue_text(text: &str) -> bool {
    mostly(text, |line| {
        let Some((name, _)) = line.split_once('=') else {
            return false;
        };
        // `P276`, or a number a template generates (`P{{ position }}01`, `P60{$pnum}`).
        let Some(number) = name.trim_end().strip_prefix('P') else {
            return false;
        };
        let generated = number.starts_with('{') && number.contains('}');
        let literal = !number.is_empty() && number.bytes().all(|byte| byte.is_ascii_digit());
        literal
            || generated
            || (number.starts_with(|c: char| c.is_ascii_digit()) && number.contains("{$"))
    })
}

fn looks_like_snom_text(text: &str) -> bool {
    mostly(text, |line| {
        let Some((name, _)) = line.split_once(':') else {
            return false;
        };
        let name = name.strip_suffix(['!', '$', '&']).unwrap_or(name);
        is_snom_name(name)
    })
}

/// A Snom text-format name, possibly with a template expression building the identity into it
/// (`user_pass{{n}}`, `user_name{$line}`).
fn is_snom_name(name: &str) -> bool {
    let mut braces = 0usize;
    for c in name.chars() {
        match c {
            '{' => braces += 1,
            '}' => braces = braces.saturating_sub(1),
            _ if braces > 0 => {}
            c if c.is_ascii_alphanumeric() || c == '_' => {}
            _ => return false,
        }
    }
    braces == 0 && name.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
}

fn is_php(text: &str) -> bool {
    text.trim_start()
        .get(..5)
        .is_some_and(|head| head.eq_ignore_ascii_case("<?php"))
}

/// Snom M3 / DECT base configuration: `%NAME%:value` lines and `//` comments.
fn looks_like_snom_dect(text: &str) -> bool {
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .take(20)
        .peekable();
    lines.peek().is_some()
        && lines.all(|line| {
            line.strip_prefix('%')
                .and_then(|rest| rest.split_once("%:"))
                .is_some_and(|(name, _)| !name.is_empty())
        })
}

/// A reason for skipping a file that is not a phone configuration.
pub(crate) fn describe_unknown(text: &str) -> String {
    let head = text.trim_start();
    let lower: String = head
        .chars()
        .take(400)
        .collect::<String>()
        .to_ascii_lowercase();
    let kind = if lower.starts_with("<?php") || lower.contains("<?php") {
        "PHP source"
    } else if looks_like_snom_dect(text) {
        "a Snom M3 DECT configuration (`%NAME%:value` lines), a format this version does not read"
    } else if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
        "an HTML page"
    } else if let Some(root) = first_element(text) {
        return format!("XML with root element <{root}>, not a Grandstream or Snom configuration");
    } else if head
        .lines()
        .next()
        .is_some_and(|line| line.matches(',').count() >= 2)
    {
        "CSV data"
    } else if head.is_empty() {
        "an empty file"
    } else {
        "text in no known configuration format"
    };
    format!("not a phone configuration: {kind}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_come_from_content() {
        assert_eq!(
            detect("<?xml version=\"1.0\"?>\n<!-- x -->\n<gs_provision version=\"1\">"),
            Some(Format::GrandstreamXml)
        );
        assert_eq!(
            detect("# comment\nP2 = admin\nP276=1\n"),
            Some(Format::GrandstreamText)
        );
        assert_eq!(
            detect("<settings><phone-settings/></settings>"),
            Some(Format::SnomXml)
        );
        assert_eq!(
            detect("<html><pre>\nhttp_user!: admin\nhttp_pass$: x\n</pre></html>"),
            Some(Format::SnomText)
        );
        assert_eq!(
            detect("<setting-files><file url=\"a\"/></setting-files>"),
            Some(Format::SnomSettingFiles)
        );
        assert_eq!(
            detect("P{{ position }}01 = 1\nP{{ position }}02 = {{ name }}\nP2 = admin\n"),
            Some(Format::GrandstreamText)
        );
        assert_eq!(detect("mac,name,ext\n1,2,3\n"), None);
        assert_eq!(
            describe_unknown("mac,name,ext\n1,2,3\n"),
            "not a phone configuration: CSV data"
        );
        assert_eq!(
            describe_unknown("<?php echo 1;"),
            "not a phone configuration: PHP source"
        );
    }

    #[test]
    fn snom_text_templates_php_and_dect() {
        assert_eq!(
            detect(
                "<html><pre>\n{{for e in sip}}\nuser_pass{{n}}: x\nuser_srtp{$line}$: off\n</pre></html>"
            ),
            Some(Format::SnomText)
        );
        assert_eq!(detect("<?php\n?>\nhttp_pass$: x\nadmin_mode$: off\n"), None);
        let dect = "//-- Network --\n%NETWORK_SNTP_SERVER%:\"ntp\" // x\n%SRV_0_SIP_UA_DATA_DOMAIN%:\"a\"\n";
        assert_eq!(detect(dect), None);
        assert!(describe_unknown(dect).contains("Snom M3 DECT"));
        assert!(!describe_unknown("% not\n").contains("DECT"));
    }
}
