//! Recognising provisioning-template syntax (Smarty, Jinja, Blade) in configuration files.

/// True when `text` holds a template expression or directive: Smarty `{$var}`, `{if …}`,
/// `{foreach …}`, Jinja `{{ var }}`, `{% … %}`, Blade `@{{ }}` or `@if`.
pub fn is_template(text: &str) -> bool {
    // One scan for `{` (memchr) instead of a substring search per marker: this runs on every
    // value of every file.
    const OPENERS: [&str; 7] = ["$", "{", "%", "if ", "foreach", "else", "/"];
    // Nearly every value has neither byte; a plain loop answers that before any search starts.
    if !text.bytes().any(|byte| byte == b'{' || byte == b'@') {
        return false;
    }
    text.match_indices('{').any(|(at, _)| {
        let after = &text[at + 1..];
        OPENERS.iter().any(|opener| after.starts_with(opener))
    }) || text.trim_start().starts_with("@if")
}

/// False when `text` has neither `{` nor `@`, so no part of it is template syntax: one vectorised
/// search per file spares a look at every value.
pub(crate) fn may_hold_template(text: &str) -> bool {
    memchr::memchr2(b'{', b'@', text.as_bytes()).is_some()
}

/// How a text node or line changes the conditional nesting depth of a template:
/// `{if}` / `{% if %}` / `{foreach}` / `{% for %}` open, `{/if}` / `{% endif %}` … close.
pub(crate) fn depth_change(text: &str) -> i32 {
    if !text.bytes().any(|byte| byte == b'{') {
        return 0;
    }
    let mut change = 0;
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let tag = &rest[start..];
        let word = |prefix: &str| tag.starts_with(prefix);
        if word("{if ")
            || word("{foreach ")
            || word("{% if ")
            || word("{%- if ")
            || word("{% for ")
            || word("{%- for ")
        {
            change += 1;
        } else if word("{/if}")
            || word("{/foreach}")
            || word("{% endif")
            || word("{%- endif")
            || word("{% endfor")
            || word("{%- endfor")
        {
            change -= 1;
        }
        rest = &rest[start + 1..];
    }
    change
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_syntax_is_recognised() {
        for text in [
            "{$admin_password}",
            "{{ admin_password|e }}",
            "{% if x %}",
            "{$mac|replace:'-':''}",
        ] {
            assert!(is_template(text), "{text}");
        }
        for text in ["admin", "0", "sip.example.com", "a{b}"] {
            assert!(!is_template(text), "{text}");
        }
        assert_eq!(depth_change("{if $row.enabled == 'true'}"), 1);
        assert_eq!(depth_change("{% endif -%}"), -1);
        assert_eq!(depth_change("{foreach $account as $row}{/foreach}"), 0);
    }
}
