//! Reading Grandstream settings in code checks: value, factory default and evidence in one step,
//! and a verdict that collects the problems of several settings into one finding.

use voipguard_model::{Evidence, Family, Finding, Setting, SettingKey, Status, Value};

use crate::accounts;
use crate::context::Context;
use crate::password;

/// Transport value of `account.sip.transport` that means TLS (P130 = 2, alias `Tls Or Tcp`).
const TRANSPORT_TLS: &str = "2";

/// Where a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found<'a> {
    /// Written in the file.
    Written(&'a str),
    /// Not written; this factory default applies.
    Default(&'static str),
    /// A template variable, or not written and the factory default is unconfirmed.
    Undecidable,
}

/// A non-secret setting as read, with its evidence.
#[derive(Debug, Clone)]
pub(crate) struct Read<'a> {
    /// The value or what stands for it.
    pub(crate) found: Found<'a>,
    /// Evidence for the finding.
    pub(crate) evidence: Evidence,
    key: SettingKey,
}

impl<'a> Read<'a> {
    /// The value in force (written or factory default), trimmed; `None` when undecidable.
    pub(crate) fn value(&self) -> Option<&'a str> {
        match self.found {
            Found::Written(text) => Some(text.trim()),
            Found::Default(text) => Some(text),
            Found::Undecidable => None,
        }
    }

    /// True when the value in force is `expected`; `None` when undecidable.
    pub(crate) fn is(&self, expected: &str) -> Option<bool> {
        self.value()
            .map(|value| value.eq_ignore_ascii_case(expected))
    }

    /// `P1650 = 1`, `P1650 = 1 by factory default`, `P1650 is a template variable`…
    pub(crate) fn describe(&self) -> String {
        let name = &self.key;
        match self.found {
            Found::Written(text) if text.trim().is_empty() => format!("{name} is empty"),
            Found::Written(text) => format!("{name} = {}", text.trim()),
            Found::Default("") => format!("{name} is not set (empty by factory default)"),
            Found::Default(text) => format!("{name} = {text} by factory default"),
            Found::Undecidable if self.evidence.default => {
                format!("{name} is not set and its factory default is unconfirmed")
            }
            Found::Undecidable => format!("{name} is a template variable"),
        }
    }
}

/// Reads the global setting `name`.
pub(crate) fn global<'a>(cx: &Context<'a>, name: &str, default: Option<&'static str>) -> Read<'a> {
    read(cx, SettingKey::global(name), default)
}

/// Reads the per-account setting `name` of account `index`.
pub(crate) fn account<'a>(
    cx: &Context<'a>,
    name: &str,
    index: u16,
    default: Option<&'static str>,
) -> Read<'a> {
    read(cx, SettingKey::account(name, index), default)
}

fn read<'a>(cx: &Context<'a>, key: SettingKey, default: Option<&'static str>) -> Read<'a> {
    let device = cx.device;
    let (found, evidence) = match device.get(&key) {
        Some(setting) => (
            match &setting.value {
                Value::Literal(text) => Found::Written(text.as_str()),
                Value::Template(_) => Found::Undecidable,
            },
            cx.evidence(setting),
        ),
        None => (
            default.map_or(Found::Undecidable, Found::Default),
            cx.default_evidence(&key, default),
        ),
    };
    Read {
        found,
        evidence,
        key,
    }
}

/// A secret setting as read: its value is handed to a judge, never to a message.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Secret<'a> {
    /// Not written in the file.
    Absent,
    /// A template variable.
    Template(&'a Setting),
    /// A literal value.
    Literal(&'a str, &'a Setting),
}

/// Reads the global secret `name`.
pub(crate) fn secret<'a>(cx: &Context<'a>, name: &str) -> Secret<'a> {
    match cx.device.global(name) {
        None => Secret::Absent,
        Some(setting) => match &setting.value {
            Value::Template(_) => Secret::Template(setting),
            Value::Literal(text) => Secret::Literal(text, setting),
        },
    }
}

/// A secret that only has to be set (provisioning and TR-069 credentials): adds evidence and a
/// problem when it is empty or missing; only its length is ever shown.
pub(crate) fn require_secret(cx: &Context<'_>, verdict: &mut Verdict, name: &str, label: &str) {
    match secret(cx, name) {
        Secret::Absent => {
            verdict
                .evidence
                .push(cx.default_evidence(&SettingKey::global(name), Some("empty")));
            verdict.fail(format!("{label} {name} is not set"));
        }
        Secret::Template(setting) => {
            verdict
                .evidence
                .push(cx.secret_evidence(setting, "template variable"));
            verdict.unknown(format!("{label} {name} is a template variable"));
        }
        Secret::Literal(text, setting) if text.trim().is_empty() => {
            verdict.evidence.push(cx.secret_evidence(setting, "empty"));
            verdict.fail(format!("{label} {name} is empty"));
        }
        Secret::Literal(text, setting) => {
            let length = text.chars().count();
            verdict
                .evidence
                .push(cx.secret_evidence(setting, &format!("set, {length} characters")));
        }
    }
}

/// Problems and open questions gathered over several settings, turned into one finding.
#[derive(Debug, Default)]
pub(crate) struct Verdict {
    failures: Vec<String>,
    unknowns: Vec<String>,
    /// Evidence for the finding, in the order the settings were read.
    pub(crate) evidence: Vec<Evidence>,
}

impl Verdict {
    /// Records a reason to fail.
    pub(crate) fn fail(&mut self, reason: String) {
        self.failures.push(reason);
    }

    /// Records a reason the control cannot be decided.
    pub(crate) fn unknown(&mut self, reason: String) {
        self.unknowns.push(reason);
    }

    /// Reads a setting into the verdict: evidence is kept, and an undecidable value is recorded
    /// as unknown. Returns the value in force.
    pub(crate) fn take<'a>(&mut self, read: Read<'a>) -> Option<&'a str> {
        let value = read.value();
        if value.is_none() {
            self.unknown(read.describe());
        }
        self.evidence.push(read.evidence);
        value
    }

    /// Fail when any reason to fail was recorded, else unknown when any question is open, else
    /// pass with `pass_message`.
    pub(crate) fn finish(self, cx: &Context<'_>, pass_message: String) -> Finding {
        let (status, message) = if !self.failures.is_empty() {
            (Status::Fail, self.failures.join("; "))
        } else if !self.unknowns.is_empty() {
            (Status::Unknown, self.unknowns.join("; "))
        } else {
            (Status::Pass, pass_message)
        };
        cx.finding(status, message, self.evidence)
    }
}

/// Accounts in use whose SIP transport is TLS, or may be (behind a template variable).
#[derive(Debug, Default)]
struct TlsAccounts {
    /// Accounts known to use TLS.
    tls: Vec<u16>,
    /// Accounts whose transport is a template variable.
    templated: Vec<u16>,
    /// Transport evidence of both.
    evidence: Vec<Evidence>,
}

/// Finds the accounts in use that use TLS (transport default: UDP).
fn tls_accounts(cx: &Context<'_>) -> TlsAccounts {
    let mut found = TlsAccounts::default();
    for account in accounts::in_use(cx.device, cx.family) {
        let transport = self::account(cx, "account.sip.transport", account.index, Some("0"));
        match transport.is(TRANSPORT_TLS) {
            Some(true) => found.tls.push(account.index),
            Some(false) => continue,
            None => found.templated.push(account.index),
        }
        found.evidence.push(transport.evidence);
    }
    found
}

/// Runs `judge` on every account in use whose transport is TLS and turns the verdict into the
/// finding; `not_applicable` when no account uses TLS (GS-SIP-TLS reports that).
pub(crate) fn per_tls_account(
    cx: &Context<'_>,
    pass_message: &str,
    mut judge: impl FnMut(&mut Verdict, u16),
) -> Finding {
    let TlsAccounts {
        tls,
        templated,
        evidence,
    } = tls_accounts(cx);
    let mut verdict = Verdict {
        evidence,
        ..Verdict::default()
    };
    if tls.is_empty() && templated.is_empty() {
        return cx.finding(
            Status::NotApplicable,
            "no account in use uses TLS as SIP transport".into(),
            verdict.evidence,
        );
    }
    for index in &templated {
        verdict.unknown(format!(
            "the SIP transport of account {index} is a template variable"
        ));
    }
    for &index in &tls {
        judge(&mut verdict, index);
    }
    verdict.finish(cx, pass_message.to_owned())
}

/// A TCP/UDP port number, when the text is one.
pub(crate) fn port(text: &str) -> Option<u16> {
    text.trim().parse().ok().filter(|&port| port != 0)
}

/// What an absent password means on this device.
#[derive(Debug, Clone)]
pub(crate) enum WhenAbsent {
    /// The factory default applies and is known to be weak; the text says which it is.
    FactoryDefault(String),
    /// The factory default cannot be judged from a file; the text says why.
    Undecidable(String),
}

/// Judges the password setting `name` with the family's length rules; `related` holds values it
/// must not be derived from (the MAC, user names). The password itself never leaves this
/// function: evidence and message carry only the judgement.
pub(crate) fn password_finding(
    cx: &Context<'_>,
    name: &str,
    label: &str,
    when_absent: WhenAbsent,
    related: &[&str],
) -> Finding {
    let policy = match cx.family {
        Family::Wp820 => &password::WP820_POLICY,
        _ => &password::GRP_POLICY,
    };
    match secret(cx, name) {
        Secret::Absent => {
            let evidence = vec![cx.default_evidence(&SettingKey::global(name), None)];
            match when_absent {
                WhenAbsent::FactoryDefault(why) => cx.finding(
                    Status::Fail,
                    format!("{label} {name} is not set, so the factory default applies ({why})"),
                    evidence,
                ),
                WhenAbsent::Undecidable(why) => cx.finding(
                    Status::Unknown,
                    format!("{label} {name} is not set ({why})"),
                    evidence,
                ),
            }
        }
        Secret::Template(setting) => {
            let from_mac =
                matches!(&setting.value, Value::Template(expression) if names_the_mac(expression));
            let (status, message, judgement) = match (from_mac, setting.conditional) {
                (true, false) => (
                    Status::Fail,
                    format!(
                        "{label} {name} is the device's MAC address, filled in by the template"
                    ),
                    "derived from the MAC by the template",
                ),
                (true, true) => (
                    Status::Unknown,
                    format!(
                        "{label} {name} falls back to the device's MAC address in one branch of a template conditional"
                    ),
                    "derived from the MAC in one template branch",
                ),
                (false, _) => (
                    Status::Unknown,
                    format!("{label} {name} is a template variable"),
                    "template variable",
                ),
            };
            cx.finding(
                status,
                message,
                vec![cx.secret_evidence(setting, judgement)],
            )
        }
        Secret::Literal(text, setting) => {
            let judgement = password::judge(text, policy, related);
            let evidence = vec![cx.secret_evidence(setting, &judgement.description)];
            let (status, verdict) = if judgement.weak {
                (Status::Fail, "is weak")
            } else {
                (Status::Pass, "is strong")
            };
            cx.finding(
                status,
                format!("{label} {name} {verdict}: {}", judgement.description),
                evidence,
            )
        }
    }
}

/// True when a template expression fills in the MAC address (`{$mac}`, `{$mac|replace:'-':''}`,
/// `{{ mac }}`): the provisioning system's own variable, so the rendered value is the MAC.
fn names_the_mac(expression: &str) -> bool {
    let lower = expression.to_ascii_lowercase();
    let variable = lower
        .trim_start_matches('{')
        .trim_start_matches('$')
        .trim_start();
    variable
        .strip_prefix("mac")
        .is_some_and(|rest| rest.starts_with(['|', '}', ' ']))
}
