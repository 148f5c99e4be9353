//! What the Snom code checks share: reading a setting as absent, template or literal, and
//! gathering the verdicts of a control's parts into one finding.

use voipguard_model::{Device, Evidence, Finding, Setting, SettingKey, Status, Value};

use crate::context::Context;

/// A setting's value as a check sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Val<'a> {
    /// The file does not set it.
    Absent,
    /// A template expression decides it; the expression text, for the rare case where a literal
    /// part of it already decides (`https://{$host}/`).
    Template(&'a str),
    /// A concrete value, trimmed.
    Literal(&'a str),
}

/// One setting looked up in a device, absent or not.
#[derive(Debug, Clone)]
pub(super) struct Read<'a> {
    key: SettingKey,
    setting: Option<&'a Setting>,
}

/// The global setting `name`.
pub(super) fn global<'a>(device: &'a Device, name: &str) -> Read<'a> {
    read(device, SettingKey::global(name))
}

/// The per-identity setting `name` of identity `index`.
pub(super) fn identity<'a>(device: &'a Device, name: &str, index: u16) -> Read<'a> {
    read(device, SettingKey::account(name, index))
}

fn read(device: &Device, key: SettingKey) -> Read<'_> {
    let setting = device.get(&key);
    Read { key, setting }
}

impl<'a> Read<'a> {
    /// The setting's name as messages show it (`user_srtp[2]`).
    pub(super) fn name(&self) -> String {
        self.key.to_string()
    }

    /// The setting itself, when the file sets it.
    pub(super) fn setting(&self) -> Option<&'a Setting> {
        self.setting
    }

    /// The value.
    pub(super) fn val(&self) -> Val<'a> {
        match self.setting.map(|setting| &setting.value) {
            None => Val::Absent,
            Some(Value::Template(text)) => Val::Template(text),
            Some(Value::Literal(text)) => Val::Literal(text.trim()),
        }
    }

    /// Evidence of the value (secrets redacted), or of the factory default that applies.
    pub(super) fn evidence(&self, cx: &Context<'_>, default: Option<&str>) -> Evidence {
        match self.setting {
            Some(setting) => cx.evidence(setting),
            None => cx.default_evidence(&self.key, default),
        }
    }

    /// Evidence of a secret: only the judgement, never the value.
    pub(super) fn secret_evidence(
        &self,
        cx: &Context<'_>,
        judgement: &str,
        default: Option<&str>,
    ) -> Evidence {
        match self.setting {
            Some(setting) => cx.secret_evidence(setting, judgement),
            None => cx.default_evidence(&self.key, default),
        }
    }
}

/// True for Snom's `on` (values are case-sensitive on the phone, but a file saying `On` means it).
pub(super) fn is_on(value: &str) -> bool {
    value.eq_ignore_ascii_case("on")
}

/// The verdicts of a control's parts: any failing part fails the control, otherwise any
/// undecided part makes it unknown.
#[derive(Debug, Default)]
pub(super) struct Verdict {
    failing: Vec<String>,
    undecided: Vec<String>,
    evidence: Vec<Evidence>,
}

impl Verdict {
    /// A part that does not hold.
    pub(super) fn fail(&mut self, reason: impl Into<String>) {
        self.failing.push(reason.into());
    }

    /// A part the evidence cannot decide.
    pub(super) fn undecided(&mut self, reason: impl Into<String>) {
        self.undecided.push(reason.into());
    }

    /// Evidence that decided a part.
    pub(super) fn evidence(&mut self, evidence: Evidence) {
        self.evidence.push(evidence);
    }

    /// The finding; `passed` is the message when every part holds.
    pub(super) fn finding(self, cx: &Context<'_>, passed: impl Into<String>) -> Finding {
        let (status, message) = if !self.failing.is_empty() {
            let mut message = self.failing.join("; ");
            if !self.undecided.is_empty() {
                message.push_str("; undecided: ");
                message.push_str(&self.undecided.join("; "));
            }
            (Status::Fail, message)
        } else if !self.undecided.is_empty() {
            (
                Status::Unknown,
                format!("cannot be decided: {}", self.undecided.join("; ")),
            )
        } else {
            (Status::Pass, passed.into())
        };
        cx.finding(status, message, self.evidence)
    }
}
