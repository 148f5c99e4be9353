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
            && !line.starts_with("{#")
            && !line.starts_with("{/")
            && !line.starts_with("{if")
            && !line.starts_with("{else")
            && !line.starts_with("{foreach")
    })
}

fn mostly(text: &str, matches: fn(&str) -> bool) -> bool {
    let (mut total, mut hits) = (0usize, 0usize);
    for line in content_lines(text).take(400) {
        total += 1;
        hits += usize::from(matches(line));
    }
    hits >= 1 && hits * 10 >= total * 8
}

fn looks_like_pvalue_text(text: &str) -> bool {
    mostly(text, |line| {
        let Some(rest) = line.strip_prefix('P') else {
            return false;
        };
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        digits > 0 && rest[digits..].trim_start().starts_with('=')
    })
}

fn looks_like_snom_text(text: &str) -> bool {
    mostly(text, |line| {
        let Some((name, _)) = line.split_once(':') else {
            return false;
        };
        let name = name.strip_suffix(['!', '$', '&']).unwrap_or(name);
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
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
}
