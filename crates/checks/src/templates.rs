//! Declarative evaluators: most checks are a setting compared with passing values.

use voipguard_model::{Evidence, Finding, SettingKey, Status, Value};

use crate::accounts::AccountUse;
use crate::context::{Context, is_fact};

use voipguard_asterisk::ConfigError;

use crate::meta::{AsteriskRule, ResolvedRule, SettingRule};

/// What one setting (or its default) says.
struct Reading {
    status: Status,
    shown: String,
    evidence: Evidence,
}

fn read(cx: &Context<'_>, rule: &ResolvedRule<'_>, key: SettingKey) -> Reading {
    match cx.device.get(&key) {
        Some(setting) => {
            let evidence = cx.evidence(setting);
            match &setting.value {
                Value::Template(_) => Reading {
                    status: Status::Unknown,
                    shown: "a template variable".into(),
                    evidence,
                },
                Value::Literal(value) => Reading {
                    status: judge(rule, value),
                    shown: rule.describe(value),
                    evidence,
                },
            }
        }
        None => {
            let evidence = cx.default_evidence(&key, rule.default);
            match rule.default {
                Some(value) => Reading {
                    status: judge(rule, value),
                    shown: format!("{} by factory default", rule.describe(value)),
                    evidence,
                },
                None => Reading {
                    status: Status::Unknown,
                    shown: if is_fact(&key) {
                        "not stated in a facts file".into()
                    } else {
                        "not set (factory default unconfirmed)".into()
                    },
                    evidence,
                },
            }
        }
    }
}

fn judge(rule: &ResolvedRule<'_>, value: &str) -> Status {
    let value = value.trim();
    let in_range = rule.pass_range.is_some_and(|(low, high)| {
        value
            .parse::<i64>()
            .is_ok_and(|number| (low..=high).contains(&number))
    });
    if in_range
        || rule
            .pass
            .iter()
            .any(|pass| pass.eq_ignore_ascii_case(value))
    {
        Status::Pass
    } else if rule
        .undecided
        .iter()
        .any(|undecided| undecided.eq_ignore_ascii_case(value))
    {
        Status::Unknown
    } else {
        Status::Fail
    }
}

/// `template = "setting"`: one global setting.
pub(crate) fn setting(cx: &Context<'_>, rule: &SettingRule) -> Finding {
    let rule = rule.resolve(cx.family);
    let reading = read(cx, &rule, SettingKey::global(rule.key));
    let message = format!(
        "{} is {}{}",
        rule.key,
        reading.shown,
        cx.assumption_note_if(!cx_rule_is_uniform(cx))
    );
    cx.finding(reading.status, message, vec![reading.evidence])
}

/// `template = "external"`: decided by evidence a configuration file does not hold.
pub(crate) fn external(cx: &Context<'_>, checked_by: &[String]) -> Finding {
    let message = format!(
        "not decidable from configuration files; checked by {}",
        checked_by.join(" or ")
    );
    cx.finding(Status::Unknown, message, Vec::new())
}

/// `template = "asterisk_value"`: one key of one section of an Asterisk file.
pub(crate) fn asterisk_value(cx: &Context<'_>, rule: &AsteriskRule) -> Finding {
    let Some(config) = cx.asterisk.and_then(|set| set.config(&rule.file)) else {
        return crate::code::asterisk_services::absent_file(cx, &rule.file);
    };
    let variable = config
        .category(&rule.section)
        .and_then(|category| category.get(&rule.key));
    let shown = |value: &str| match rule.meanings.get(&value.to_ascii_lowercase()) {
        Some(meaning) => format!("{value} ({meaning})"),
        None => value.to_owned(),
    };
    let place = format!("{} [{}] {}", rule.file, rule.section, rule.key);
    let (value, evidence, how) = match variable {
        Some(variable) => (
            Some(variable.value.as_str()),
            cx.asterisk_evidence(
                &variable.origin,
                format!("[{}] {}", rule.section, rule.key),
                variable.value.clone(),
            ),
            "",
        ),
        None => (
            rule.default.as_deref(),
            Evidence {
                file: None,
                line: None,
                column: None,
                setting: format!("{} [{}] {}", rule.file, rule.section, rule.key),
                value: match &rule.default {
                    Some(default) => format!("{default} (not set; Asterisk default)"),
                    None => "not set".to_owned(),
                },
                default: true,
            },
            " by Asterisk's default",
        ),
    };
    let Some(value) = value else {
        let message = format!("{place} is not set and has no fixed default");
        return cx.finding(Status::Unknown, message, vec![evidence]);
    };
    if variable.is_none()
        && config
            .errors
            .iter()
            .any(|error| matches!(error, ConfigError::MissingInclude { .. }))
    {
        let message = format!(
            "{place} is not set in the files read, but {} includes files missing from this copy that may set it (see AST-CONFIG)",
            rule.file
        );
        return cx.finding(Status::Unknown, message, vec![evidence]);
    }
    let status = if rule
        .pass
        .iter()
        .any(|pass| same_asterisk_value(pass, value))
    {
        Status::Pass
    } else {
        Status::Fail
    };
    let message = format!("{place} is {}{how}", shown(value));
    cx.finding(status, message, vec![evidence])
}

/// Asterisk's `ast_true` / `ast_false` accept several spellings of one boolean.
fn same_asterisk_value(expected: &str, actual: &str) -> bool {
    const TRUE: [&str; 5] = ["yes", "true", "y", "t", "on"];
    const FALSE: [&str; 5] = ["no", "false", "n", "f", "off"];
    let actual = actual.trim();
    let in_set = |set: &[&str], text: &str| {
        set.iter().any(|word| word.eq_ignore_ascii_case(text))
            || (text == "1" && set == TRUE)
            || (text == "0" && set == FALSE)
    };
    expected.eq_ignore_ascii_case(actual)
        || (in_set(&TRUE, expected) && in_set(&TRUE, actual))
        || (in_set(&FALSE, expected) && in_set(&FALSE, actual))
}

/// `template = "account_setting"`: every account in use must pass.
pub(crate) fn account_setting(cx: &Context<'_>, rule: &SettingRule) -> Finding {
    let rule = rule.resolve(cx.family);
    let in_use = cx.accounts_in_use();
    if in_use.is_empty() {
        return cx.finding(
            Status::NotApplicable,
            "no account is in use".into(),
            Vec::new(),
        );
    }
    let mut failing = Vec::new();
    let mut undecided = Vec::new();
    let mut evidence = Vec::new();
    for AccountUse { index, .. } in in_use {
        let reading = read(cx, &rule, SettingKey::account(rule.key, *index));
        match reading.status {
            Status::Fail => failing.push(format!("account {index}: {}", reading.shown)),
            Status::Unknown => undecided.push(format!("account {index}: {}", reading.shown)),
            _ => {}
        }
        evidence.push(reading.evidence);
    }
    let total = in_use.len();
    let (status, message) = if !failing.is_empty() {
        (
            Status::Fail,
            format!(
                "{} of {total} accounts in use fail ({})",
                failing.len(),
                failing.join("; ")
            ),
        )
    } else if !undecided.is_empty() {
        (
            Status::Unknown,
            format!(
                "{} of {total} accounts in use cannot be decided ({})",
                undecided.len(),
                undecided.join("; ")
            ),
        )
    } else {
        (Status::Pass, format!("all {total} accounts in use pass"))
    };
    cx.finding(status, format!("{}: {message}", rule.key), evidence)
}

fn cx_rule_is_uniform(cx: &Context<'_>) -> bool {
    match &cx.check.meta.logic {
        crate::meta::Logic::Setting(rule) | crate::meta::Logic::AccountSetting(rule) => {
            rule.family.is_empty()
        }
        crate::meta::Logic::Code
        | crate::meta::Logic::External { .. }
        | crate::meta::Logic::AsteriskValue(_) => true,
    }
}

impl Context<'_> {
    fn assumption_note_if(&self, depends_on_family: bool) -> String {
        if depends_on_family {
            self.assumption_note()
        } else {
            String::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    #[test]
    fn a_global_setting_passes_fails_or_falls_back_to_its_default() {
        let off = run(
            "GS-SSH-OFF",
            &device(Vendor::Grandstream, Family::Grp, &[("P276", "1")]),
        );
        assert_eq!(off.status, Status::Pass);
        let on = run(
            "GS-SSH-OFF",
            &device(Vendor::Grandstream, Family::Grp, &[("P276", "0")]),
        );
        assert_eq!(on.status, Status::Fail);
        assert_eq!(on.evidence[0].line, Some(1));
        let absent = run("GS-SSH-OFF", &device(Vendor::Grandstream, Family::Grp, &[]));
        assert_eq!(absent.status, Status::Fail, "SSH is on by factory default");
        assert!(absent.evidence[0].default);
        let templated = run(
            "GS-SSH-OFF",
            &device(Vendor::Grandstream, Family::Grp, &[("P276", "{$ssh}")]),
        );
        assert_eq!(templated.status, Status::Unknown);
    }

    #[test]
    fn a_numeric_range_passes_inside_and_fails_outside() {
        let status = |family, settings: &[(&str, &str)]| {
            run(
                "GS-WEB-TIMEOUT",
                &device(Vendor::Grandstream, family, settings),
            )
            .status
        };
        assert_eq!(status(Family::Grp, &[("P28116", "5")]), Status::Pass);
        assert_eq!(status(Family::Grp, &[("P28116", "10")]), Status::Pass);
        assert_eq!(status(Family::Grp, &[("P28116", "60")]), Status::Fail);
        assert_eq!(status(Family::Grp, &[("P28116", "never")]), Status::Fail);
        assert_eq!(
            status(Family::Grp, &[]),
            Status::Pass,
            "10 minutes by default"
        );
        assert_eq!(
            status(Family::Wp820, &[]),
            Status::Unknown,
            "no confirmed WP820 default"
        );
    }

    #[test]
    fn a_family_variant_can_leave_a_value_undecided() {
        let status = |family, settings: &[(&str, &str)]| {
            run(
                "GS-PROV-CERT",
                &device(Vendor::Grandstream, family, settings),
            )
            .status
        };
        assert_eq!(status(Family::Grp, &[("P8463", "1")]), Status::Pass);
        assert_eq!(status(Family::Grp, &[]), Status::Fail);
        assert_eq!(status(Family::Wp820, &[("P22030", "1")]), Status::Unknown);
        assert_eq!(status(Family::Wp820, &[("P22030", "0")]), Status::Fail);
        assert_eq!(
            status(Family::Wp820, &[("P8463", "1")]),
            Status::Fail,
            "the WP820 reads P22030, default off"
        );
    }

    #[test]
    fn every_account_in_use_must_pass_and_unforced_modes_stay_undecided() {
        let account = [
            ("account.enable#1", "1"),
            ("account.sip.server.1.address#1", "pbx.example.com"),
        ];
        let status = |srtp: &str| {
            let mut settings = account.to_vec();
            settings.push(("account.audio.srtpMode#1", srtp));
            run(
                "GS-SRTP",
                &device(Vendor::Grandstream, Family::Grp, &settings),
            )
            .status
        };
        assert_eq!(status("2"), Status::Pass);
        assert_eq!(status("0"), Status::Fail);
        assert_eq!(status("1"), Status::Unknown);
        assert_eq!(status("3"), Status::Unknown);
        let finding = run(
            "GS-SRTP",
            &device(Vendor::Grandstream, Family::Grp, &account),
        );
        insta::assert_snapshot!(finding.message, @"account.audio.srtpMode: 1 of 1 accounts in use fail (account 1: 0 (disabled) by factory default)");
    }
}
