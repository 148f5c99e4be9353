//! extensions.conf read as a dial plan: contexts, their extensions with the application each
//! priority runs, `include =>` and `switch =>` lines, and the static jump targets of `Goto`,
//! `GotoIf`, `Gosub`, `GosubIf`, `Macro`, `ExecIf` and `DISA`. Every step keeps its file and line.
//!
//! Only the shape pbx_config builds is modelled; nothing is evaluated. A jump whose context is
//! computed at run time is a [`Target::Dynamic`] so callers can say `unknown` instead of guessing.

use std::collections::HashMap;

use voipguard_asterisk::{Config, Origin, Variable};

/// Categories of extensions.conf that are settings, not contexts.
const NOT_CONTEXTS: [&str; 2] = ["general", "globals"];

/// The dial plan of one extensions.conf with everything it includes.
#[derive(Debug)]
pub(crate) struct Dialplan<'a> {
    contexts: Vec<DialContext<'a>>,
    by_name: HashMap<String, usize>,
    globals: HashMap<String, String>,
    /// Files are missing or `#exec` output is unknown: an absent context may exist in them.
    pub incomplete: bool,
}

/// One context, duplicates merged in load order as pbx_config merges them.
#[derive(Debug)]
pub(crate) struct DialContext<'a> {
    /// The name as first written.
    pub name: &'a str,
    /// The first header.
    pub origin: &'a Origin,
    /// Every priority of every extension, in file order.
    pub steps: Vec<Step<'a>>,
    /// `include =>` lines.
    pub includes: Vec<Include<'a>>,
    /// `switch =>` lines: the switch as written and the line.
    pub switches: Vec<&'a Variable>,
}

/// One `include =>` line.
#[derive(Debug)]
pub(crate) struct Include<'a> {
    /// The included context.
    pub context: String,
    /// The timespec (`08:00-17:00,mon-fri,*,*`) when it limits the hours; `None` when absent or
    /// all `*`.
    pub timespec: Option<String>,
    /// The line.
    pub origin: &'a Origin,
}

/// One priority of one extension.
#[derive(Debug)]
pub(crate) struct Step<'a> {
    /// The extension or pattern, without a `/callerid` match.
    pub exten: String,
    /// The caller-ID match of `exten => 011./100,…`: only those callers run the extension.
    pub callerid: Option<String>,
    /// The application name as written.
    pub app: String,
    /// The application's argument text (inside the parentheses).
    pub args: String,
    /// The `exten =>` or `same =>` line.
    pub origin: &'a Origin,
}

/// Which extensions of a context a jump reaches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Selector {
    /// Every extension: the caller chooses (an entry, an include, a `${EXTEN}` target).
    All,
    /// One named extension.
    Exten(String),
}

/// Where a jump goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A context named in the text, with the extensions reached.
    Context(String, Selector),
    /// Another priority or label of the same extension: nothing new is reached.
    SameExtension,
    /// The context is computed at run time; the text is kept for the report.
    Dynamic(String),
}

impl<'a> Dialplan<'a> {
    /// Builds the dial plan of `config` (normally `set.config("extensions.conf")`).
    pub(crate) fn new(config: &'a Config) -> Self {
        let mut plan = Dialplan {
            contexts: Vec::new(),
            by_name: HashMap::new(),
            globals: HashMap::new(),
            incomplete: config
                .errors
                .iter()
                .any(|e| matches!(e, voipguard_asterisk::ConfigError::MissingInclude { .. }))
                || !config.execs.is_empty(),
        };
        for category in config.sections() {
            if category.name.eq_ignore_ascii_case("globals") {
                for variable in &category.variables {
                    plan.globals
                        .insert(variable.name.clone(), variable.value.clone());
                }
            }
            let key = category.name.to_ascii_lowercase();
            if NOT_CONTEXTS.contains(&key.as_str()) || plan.by_name.contains_key(&key) {
                continue;
            }
            plan.by_name.insert(key, plan.contexts.len());
            plan.contexts
                .push(context_from(&category.name, &category.origin, config));
        }
        plan
    }

    /// Every context in file order.
    pub(crate) fn contexts(&self) -> &[DialContext<'a>] {
        &self.contexts
    }

    /// The context called `name` (case-insensitive, as pbx_config looks contexts up).
    pub(crate) fn context(&self, name: &str) -> Option<&DialContext<'a>> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .and_then(|&i| self.contexts.get(i))
    }

    /// `[globals]` of extensions.conf, for resolving `${TRUNK}`-style dial strings.
    pub(crate) fn global(&self, name: &str) -> Option<&str> {
        self.globals.get(name).map(String::as_str)
    }
}

fn context_from<'a>(name: &'a str, origin: &'a Origin, config: &'a Config) -> DialContext<'a> {
    let mut context = DialContext {
        name,
        origin,
        steps: Vec::new(),
        includes: Vec::new(),
        switches: Vec::new(),
    };
    let mut last_exten: Option<(String, Option<String>)> = None;
    for variable in config.merged(name) {
        let key = variable.name.to_ascii_lowercase();
        match key.as_str() {
            "exten" => {
                let (exten, rest) = split_field(&variable.value);
                let matched = split_callerid(exten);
                last_exten = Some(matched.clone());
                push_step(&mut context, matched, rest, variable);
            }
            "same" => {
                if let Some(matched) = &last_exten {
                    push_step(&mut context, matched.clone(), &variable.value, variable);
                }
            }
            "include" => {
                let mut fields = variable.value.split(['|', ',']).map(str::trim);
                let target = fields.next().unwrap_or_default();
                let timespec: Vec<&str> = fields.collect();
                if !target.is_empty() {
                    context.includes.push(Include {
                        context: target.to_owned(),
                        timespec: timespec
                            .iter()
                            .any(|field| *field != "*" && !field.is_empty())
                            .then(|| timespec.join(",")),
                        origin: &variable.origin,
                    });
                }
            }
            "switch" | "eswitch" | "lswitch" => context.switches.push(variable),
            _ => {}
        }
    }
    context
}

/// Adds the step of `priority,App(args)` text; `hint` priorities are not executed and skipped.
fn push_step<'a>(
    context: &mut DialContext<'a>,
    (exten, callerid): (String, Option<String>),
    rest: &str,
    line: &'a Variable,
) {
    let (priority, application) = split_field(rest);
    if priority.eq_ignore_ascii_case("hint") {
        return;
    }
    let (app, args) = application_call(application);
    context.steps.push(Step {
        exten,
        callerid,
        app: app.to_owned(),
        args: args.to_owned(),
        origin: &line.origin,
    });
}

/// `_X./_0X.` matches the dialled number and the caller ID apart.
fn split_callerid(exten: &str) -> (String, Option<String>) {
    let (dialled, callerid) = exten.split_once('/').unwrap_or((exten, ""));
    let callerid = callerid.trim();
    (
        dialled.trim().to_owned(),
        (!callerid.is_empty()).then(|| callerid.to_owned()),
    )
}

/// Splits off the first comma-separated field; commas inside `[...]` of a pattern or inside
/// parentheses do not split.
pub(crate) fn split_field(text: &str) -> (&str, &str) {
    let mut depth = 0i32;
    for (i, c) in text.char_indices() {
        match c {
            '[' | '(' | '{' => depth += 1,
            ']' | ')' | '}' => depth -= 1,
            ',' if depth <= 0 => return (text[..i].trim(), text[i + 1..].trim()),
            _ => {}
        }
    }
    (text.trim(), "")
}

/// Every comma-separated argument at nesting depth 0, trimmed.
pub(crate) fn arguments(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '[' | '(' | '{' => depth += 1,
            ']' | ')' | '}' => depth -= 1,
            ',' if depth <= 0 => {
                out.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(text[start..].trim());
    out
}

/// `App(args)` or the old `App,args` form.
pub(crate) fn application_call(text: &str) -> (&str, &str) {
    let text = text.trim();
    let open = text.find('(');
    let comma = text.find(',');
    match (open, comma) {
        (Some(o), c) if c.is_none_or(|c| o < c) => {
            let inner = &text[o + 1..];
            let inner = inner.rfind(')').map_or(inner, |close| &inner[..close]);
            (text[..o].trim(), inner.trim())
        }
        (_, Some(c)) => (text[..c].trim(), text[c + 1..].trim()),
        _ => (text, ""),
    }
}

/// Splits `cond?then:else` at the first `?` and `:` outside brackets; returns the branches.
fn conditional_branches(text: &str) -> Vec<&str> {
    let Some(question) = find_outside(text, '?') else {
        return Vec::new();
    };
    let branches = &text[question + 1..];
    match find_outside(branches, ':') {
        Some(colon) => vec![&branches[..colon], &branches[colon + 1..]],
        None => vec![branches],
    }
    .into_iter()
    .map(str::trim)
    .filter(|b| !b.is_empty())
    .collect()
}

fn find_outside(text: &str, wanted: char) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in text.char_indices() {
        match c {
            '[' | '(' | '{' => depth += 1,
            ']' | ')' | '}' => depth -= 1,
            _ if c == wanted && depth <= 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// Text computed at run time.
pub(crate) fn is_dynamic(text: &str) -> bool {
    text.contains("${") || text.contains("$[")
}

/// `[[context,]exten,]priority` as `Goto`/`Gosub` take it; `priority(args)` for Gosub.
fn jump_target(text: &str, context: &str) -> Target {
    let parts = arguments(text);
    let (target_context, exten) = match parts.as_slice() {
        [_] => return Target::SameExtension,
        [exten, _] => (context, *exten),
        [target_context, exten, ..] => (*target_context, *exten),
        [] => return Target::SameExtension,
    };
    if is_dynamic(target_context) || target_context.is_empty() {
        return Target::Dynamic(text.trim().to_owned());
    }
    let selector = if is_dynamic(exten) || exten.is_empty() {
        Selector::All
    } else {
        Selector::Exten(exten.to_owned())
    };
    Target::Context(target_context.to_owned(), selector)
}

/// The applications a step runs: itself, or the branches of `ExecIf(cond?App(a):App(b))` and
/// `ExecIfTime(times?App(args))`.
pub(crate) fn applications<'s>(step: &'s Step<'_>) -> Vec<(&'s str, &'s str)> {
    if step.app.eq_ignore_ascii_case("ExecIf") || step.app.eq_ignore_ascii_case("ExecIfTime") {
        return conditional_branches(&step.args)
            .into_iter()
            .map(application_call)
            .collect();
    }
    vec![(step.app.as_str(), step.args.as_str())]
}

/// The jumps of one application call made from `context`.
pub(crate) fn jumps(app: &str, args: &str, context: &str) -> Vec<Target> {
    match app.to_ascii_lowercase().as_str() {
        "goto" | "gosub" => vec![jump_target(args, context)],
        "gotoif" | "gosubif" | "gotoiftime" => conditional_branches(args)
            .into_iter()
            .map(|branch| jump_target(branch, context))
            .collect(),
        "macro" => {
            let name = arguments(args).first().copied().unwrap_or_default();
            if is_dynamic(name) || name.is_empty() {
                vec![Target::Dynamic(args.to_owned())]
            } else {
                vec![Target::Context(
                    format!("macro-{name}"),
                    Selector::Exten("s".into()),
                )]
            }
        }
        "disa" => disa_target(args).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// `DISA(no-password[,context])` hands the caller a dial tone in `context` (default `disa`)
/// without a PIN; with a password or a passcode file the caller must authenticate.
fn disa_target(args: &str) -> Option<Target> {
    let parts = arguments(args);
    if !parts
        .first()
        .is_some_and(|p| p.eq_ignore_ascii_case("no-password"))
    {
        return None;
    }
    let context = parts
        .get(1)
        .copied()
        .filter(|c| !c.is_empty())
        .unwrap_or("disa");
    Some(if is_dynamic(context) {
        Target::Dynamic(args.to_owned())
    } else {
        Target::Context(context.to_owned(), Selector::All)
    })
}

/// A pattern whose `.` or `!` lets the caller append any characters (`&`, `/`, `@`).
pub(crate) fn is_open_pattern(exten: &str) -> bool {
    let Some(pattern) = exten.strip_prefix('_') else {
        return false;
    };
    let mut in_set = false;
    for c in pattern.chars() {
        match c {
            '[' => in_set = true,
            ']' => in_set = false,
            '.' | '!' if !in_set => return true,
            _ => {}
        }
    }
    false
}

/// Of the `patterns` that match the dialled `exten`, the one Asterisk runs: the most specific
/// at the first position where they differ (pbx.c `ext_cmp_pattern`: a literal before a set,
/// smaller sets before larger, `N` < `Z` < `X` < `.` < `!`).
pub(crate) fn most_specific<'p>(
    patterns: impl IntoIterator<Item = &'p str>,
    exten: &str,
) -> Option<&'p str> {
    patterns
        .into_iter()
        .filter(|pattern| pattern.starts_with('_') && matches(pattern, exten))
        .min_by_key(|pattern| specificity(pattern))
}

/// Per position: how many characters it accepts (shifted) and the lowest of them, as
/// `ext_cmp_pattern_pos` ranks them; the end of the pattern ranks first.
fn specificity(pattern: &str) -> Vec<u32> {
    let mut key: Vec<u32> = pattern_tokens(pattern.trim_start_matches('_'))
        .iter()
        .map(|token| match token {
            Token::Set(ranges) => {
                let count: u32 = ranges
                    .iter()
                    .map(|(low, high)| (*high as u32).saturating_sub(*low as u32) + 1)
                    .sum();
                let lowest = ranges.iter().map(|(low, _)| *low as u32).min().unwrap_or(0);
                (count << 8) | lowest
            }
            Token::OneOrMore => 0x30000,
            Token::ZeroOrMore => 0x40000,
        })
        .collect();
    key.push(0);
    key
}

/// Whether the dialled extension `exten` matches `pattern` (Asterisk's `_` syntax: X, Z, N,
/// `[...]` sets with ranges, `.` one or more, `!` zero or more; `-` is ignored).
pub(crate) fn matches(pattern: &str, exten: &str) -> bool {
    let Some(pattern) = pattern.strip_prefix('_') else {
        return pattern == exten;
    };
    let tokens = pattern_tokens(pattern);
    let chars: Vec<char> = exten.chars().collect();
    match_from(&tokens, &chars)
}

enum Token {
    Set(Vec<(char, char)>),
    OneOrMore,
    ZeroOrMore,
}

fn pattern_tokens(pattern: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        tokens.push(match c.to_ascii_uppercase() {
            'X' => Token::Set(vec![('0', '9')]),
            'Z' => Token::Set(vec![('1', '9')]),
            'N' => Token::Set(vec![('2', '9')]),
            '.' => Token::OneOrMore,
            '!' => Token::ZeroOrMore,
            '-' => continue,
            '[' => {
                let mut ranges = Vec::new();
                let mut previous: Option<char> = None;
                while let Some(inner) = chars.next() {
                    match inner {
                        ']' => break,
                        '-' => {
                            if let (Some(low), Some(&high)) = (previous, chars.peek()) {
                                ranges.pop();
                                ranges.push((low, high));
                                chars.next();
                                previous = None;
                            }
                        }
                        _ => {
                            ranges.push((inner, inner));
                            previous = Some(inner);
                        }
                    }
                }
                Token::Set(ranges)
            }
            _ => Token::Set(vec![(c, c)]),
        });
    }
    tokens
}

fn match_from(tokens: &[Token], exten: &[char]) -> bool {
    match tokens.split_first() {
        None => exten.is_empty(),
        Some((Token::OneOrMore, _)) => !exten.is_empty(),
        Some((Token::ZeroOrMore, _)) => true,
        Some((Token::Set(ranges), rest)) => exten.split_first().is_some_and(|(c, tail)| {
            ranges.iter().any(|(low, high)| low <= c && c <= high) && match_from(rest, tail)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(text: &str) -> Config {
        Config::parse_bytes("extensions.conf", text.as_bytes())
    }

    #[test]
    fn contexts_merge_and_same_lines_follow_their_extension() {
        let config = plan_of(
            "[general]\nstatic=yes\n[a]\nexten => _X.,1,NoOp()\n same => n(dial),Dial(SIP/t/${EXTEN})\n\
             include => b|08:00-17:00|mon-fri|*|*\n[b]\nexten => s,1,Hangup\n[a]\nexten => 1,1,Goto(b,s,1)\n",
        );
        let plan = Dialplan::new(&config);
        let a = plan.context("A").expect("context a");
        let steps: Vec<_> = a
            .steps
            .iter()
            .map(|s| (s.exten.as_str(), s.app.as_str()))
            .collect();
        assert_eq!(steps, [("_X.", "NoOp"), ("_X.", "Dial"), ("1", "Goto")]);
        assert_eq!(a.steps[1].args, "SIP/t/${EXTEN}");
        assert_eq!(a.steps[1].origin.line, 5);
        let include = a.includes.first().expect("include");
        assert_eq!(include.context, "b");
        assert_eq!(include.timespec.as_deref(), Some("08:00-17:00,mon-fri,*,*"));
        assert!(plan.context("general").is_none());
    }

    #[test]
    fn jump_targets_are_read_statically() {
        assert_eq!(
            jumps("Goto", "out,${EXTEN},1", "here"),
            [Target::Context("out".into(), Selector::All)]
        );
        assert_eq!(
            jumps("GotoIf", r#"$["${x}" = "1"]?menu,s,1:label"#, "here"),
            [
                Target::Context("menu".into(), Selector::Exten("s".into())),
                Target::SameExtension
            ]
        );
        assert_eq!(
            jumps("Gosub", "sub-x,s,1(${A},b)", "here"),
            [Target::Context("sub-x".into(), Selector::Exten("s".into()))]
        );
        assert_eq!(
            jumps("Goto", "invalid,1", "here"),
            [Target::Context(
                "here".into(),
                Selector::Exten("invalid".into())
            )]
        );
        assert!(matches!(
            jumps("Goto", "${CTX},s,1", "here").first(),
            Some(Target::Dynamic(_))
        ));
        assert_eq!(
            jumps("DISA", "no-password,outside", "here"),
            [Target::Context("outside".into(), Selector::All)]
        );
        assert!(jumps("DISA", "1234,outside", "here").is_empty());
    }

    #[test]
    fn patterns_match_like_asterisk() {
        assert!(matches("_X.", "0044123"));
        assert!(!matches("_X.", "philorandy"));
        assert!(matches("_x.", "12"));
        assert!(!matches("_X.", "1"));
        assert!(matches("_X!", "1"));
        assert!(matches("_NXXNXXXXXX", "4165551234"));
        assert!(!matches("_NXXNXXXXXX", "1165551234"));
        assert!(matches("_[1-5]0[0-9,a]", "20a"));
        assert!(matches("_1-NXX", "1234"));
        assert!(matches("s", "s"));
        assert!(is_open_pattern("_9011."));
        assert!(is_open_pattern("_X!"));
        assert!(!is_open_pattern("_[.]XX"));
        assert!(!is_open_pattern("_NXXNXXXXXX"));
    }

    #[test]
    fn the_most_specific_pattern_wins_like_asterisk() {
        let patterns = [
            "_X.",
            "_1NXXNXXXXXX",
            "_1900NXXXXXX",
            "_011.",
            "_NXXNXXXXXX",
        ];
        assert_eq!(most_specific(patterns, "19005550123"), Some("_1900NXXXXXX"));
        assert_eq!(most_specific(patterns, "12125550123"), Some("_1NXXNXXXXXX"));
        assert_eq!(most_specific(patterns, "011442079460000"), Some("_011."));
        assert_eq!(most_specific(patterns, "0044207"), Some("_X."));
        assert_eq!(most_specific(["_X!", "_X."], "12"), Some("_X."));
        assert_eq!(most_specific(patterns, "*98"), None);
        assert_eq!(
            jumps("GotoIfTime", "08:00-17:00,mon-fri,*,*?open,s,1", "here"),
            [Target::Context("open".into(), Selector::Exten("s".into()))]
        );
    }

    #[test]
    fn applications_unwrap_execif_and_old_syntax() {
        assert_eq!(application_call("Dial,SIP/1,20"), ("Dial", "SIP/1,20"));
        assert_eq!(application_call("Hangup"), ("Hangup", ""));
        assert_eq!(
            application_call("Dial(SIP/1&SIP/2,30)"),
            ("Dial", "SIP/1&SIP/2,30")
        );
        let config = plan_of("[a]\nexten => s,1,ExecIf($[${X}]?Goto(b,s,1):Dial(SIP/x))\n");
        let plan = Dialplan::new(&config);
        let step = plan
            .context("a")
            .and_then(|c| c.steps.first())
            .expect("step");
        assert_eq!(applications(step), [("Goto", "b,s,1"), ("Dial", "SIP/x")]);
    }

    #[test]
    fn patterns_with_commas_in_sets_and_callerid_matches_split_right() {
        let config = plan_of("[a]\nexten => _[1,2]X/_0X.,1,Dial(SIP/${EXTEN})\n");
        let plan = Dialplan::new(&config);
        let step = plan
            .context("a")
            .and_then(|c| c.steps.first())
            .expect("step");
        assert_eq!(step.exten, "_[1,2]X");
        assert_eq!(step.callerid.as_deref(), Some("_0X."));
        assert_eq!(step.app, "Dial");
    }
}
