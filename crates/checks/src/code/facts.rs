//! Shared logic of the checks decided by facts files, where a control needs several facts at once.
//!
//! A control is a list of alternatives, each a list of requirements: it holds when every
//! requirement of some alternative holds, fails when every alternative has a requirement that
//! fails, and is `unknown` otherwise (a fact it needs is not stated), never `pass` by default.

use voipguard_model::{Evidence, Finding, Setting, SettingKey, Status, Value};

use crate::context::Context;

/// One fact a control needs, and what makes it hold.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Requirement {
    /// Setting name of the fact (`facts.passwords.admin`).
    pub key: &'static str,
    /// What the control wants, for messages (`strong`, `not 22`).
    pub wanted: &'static str,
    /// True when the stated value holds.
    pub holds: fn(&str) -> bool,
}

/// A password judgement that meets the guide's policy.
pub(crate) fn strong(value: &str) -> bool {
    value == "strong"
}

/// A boolean fact that is true.
pub(crate) fn yes(value: &str) -> bool {
    value == "true"
}

/// A boolean fact that is false.
pub(crate) fn no(value: &str) -> bool {
    value == "false"
}

enum Reading<'a> {
    Holds(&'a Setting),
    Fails(&'a Setting, String),
    Unstated,
}

fn read<'a>(cx: &Context<'a>, requirement: &Requirement) -> Reading<'a> {
    let Some(setting) = cx.device.global(requirement.key) else {
        return Reading::Unstated;
    };
    let value = match &setting.value {
        Value::Literal(text) => text.as_str(),
        Value::Template(_) => return Reading::Unstated,
    };
    if (requirement.holds)(value) {
        Reading::Holds(setting)
    } else {
        let shown = format!(
            "{} is {value} (wanted {})",
            setting.origin.written_as, requirement.wanted
        );
        Reading::Fails(setting, shown)
    }
}

/// Decides a control from alternatives of requirements (see the module documentation).
pub(crate) fn decide(cx: &Context<'_>, alternatives: &[&[Requirement]]) -> Finding {
    let mut evidence: Vec<Evidence> = Vec::new();
    let mut evidence_keys: Vec<&str> = Vec::new();
    let mut failing: Vec<String> = Vec::new();
    let mut unstated: Vec<&str> = Vec::new();
    let mut passing: Option<Vec<String>> = None;
    let mut every_alternative_fails = true;
    for alternative in alternatives {
        let mut fails = false;
        let mut holding = Vec::new();
        let mut missing = false;
        for requirement in *alternative {
            let reading = read(cx, requirement);
            if !evidence_keys.contains(&requirement.key) {
                evidence_keys.push(requirement.key);
                evidence.push(match &reading {
                    Reading::Holds(setting) | Reading::Fails(setting, _) => cx.evidence(setting),
                    Reading::Unstated => {
                        cx.default_evidence(&SettingKey::global(requirement.key), None)
                    }
                });
            }
            match reading {
                Reading::Holds(setting) => holding.push(format!(
                    "{} is {}",
                    setting.origin.written_as,
                    setting.value.literal().unwrap_or_default()
                )),
                Reading::Fails(_, shown) => {
                    fails = true;
                    if !failing.contains(&shown) {
                        failing.push(shown);
                    }
                }
                Reading::Unstated => {
                    missing = true;
                    if !unstated.contains(&requirement.key) {
                        unstated.push(requirement.key);
                    }
                }
            }
        }
        every_alternative_fails &= fails;
        if !fails && !missing && passing.is_none() {
            passing = Some(holding);
        }
    }
    let (status, message) = match passing {
        Some(holding) => (Status::Pass, holding.join(" and ")),
        None if every_alternative_fails => (Status::Fail, failing.join("; ")),
        None => {
            let mut message = format!("not stated in a facts file: {}", unstated.join(", "));
            if !failing.is_empty() {
                message.push_str(&format!(" (stated: {})", failing.join("; ")));
            }
            (Status::Unknown, message)
        }
    };
    cx.finding(status, message, evidence)
}

/// A boolean fact as stated in a facts file, with its setting for evidence; `None` when no
/// facts file states it (or states it as a template). For checks that judge configuration
/// files in the light of one fact.
pub(crate) fn stated_bool<'a>(cx: &Context<'a>, key: &str) -> Option<(bool, &'a Setting)> {
    let setting = cx.device.global(key)?;
    match setting.value.literal()? {
        "true" => Some((true, setting)),
        "false" => Some((false, setting)),
        _ => None,
    }
}

/// "facts.sip.remote_phones is not stated in a facts file (…)": how a check that needs fact
/// `key` of a `kind` facts file says what it lacks.
pub(crate) fn not_stated(key: &str, kind: &str) -> String {
    format!("{key} is not stated in a facts file (see `voipguard facts template --kind {kind}`)")
}
