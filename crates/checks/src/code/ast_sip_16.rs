//! AST-SIP-16: peers answer requests the same way as `[general]` (`nat`).
//!
//! ## What it does
//! Compares the signalling part of `nat` (whether replies go to the `rport` of the Via header:
//! `force_rport`, `auto_force_rport` or neither) of every peer, user and friend that sets `nat`
//! with the `[general]` one (default `auto_force_rport`). The media part (`comedia`) is not
//! compared: it does not change how requests are answered.
//!
//! ## Why is this bad?
//! A request naming an unknown user is answered with the `[general]` behaviour, one naming a
//! defined peer with that peer's. When the two differ, a scanner sees which user names exist by
//! where (or whether) the reply arrives (AST-2011-013), despite `alwaysauthreject`.
//!
//! ## Example
//! ```ini
//! [general]
//! nat=no
//!
//! [1001]
//! type=friend
//! nat=force_rport,comedia
//! ```
//! Use instead: the same `nat` signalling mode everywhere, best `nat=force_rport` (or the default
//! `auto_force_rport`) in `[general]` and no `nat` (or a matching one) on peers.
//!
//! ## References
//! - reference/asterisk.md 2.1 SIP-16; sip.conf.sample:943-948; AST-2011-013

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_peers::{Driver, GeneralSetting, Offenders, select};
use crate::context::Context;

/// chan_sip's `nat` when `[general]` does not set it (chan_sip 11 to 20, `reload_config`).
const DEFAULT_NAT: &str = "auto_force_rport";

/// How chan_sip answers a request: the part of `nat` that a scanner can observe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReplyMode {
    /// `force_rport` (also set by `yes`): always to the source port.
    ForceRport,
    /// `auto_force_rport`: to the source port when the Via shows NAT.
    AutoForceRport,
    /// Neither (`no`, `never`, `comedia` alone): to the Via port.
    ViaPort,
}

impl ReplyMode {
    /// Reads a `nat` value the way chan_sip's `handle_common_options` does: a comma-separated
    /// list where `force_rport` wins over `auto_force_rport`.
    fn of(value: &str) -> ReplyMode {
        let words: Vec<String> = value
            .split(',')
            .map(|word| word.trim().to_ascii_lowercase())
            .collect();
        if words
            .iter()
            .any(|word| word == "yes" || word == "force_rport")
        {
            ReplyMode::ForceRport
        } else if words.iter().any(|word| word == "auto_force_rport") {
            ReplyMode::AutoForceRport
        } else {
            ReplyMode::ViaPort
        }
    }

    /// In words, for evidence.
    fn describe(self) -> &'static str {
        match self {
            ReplyMode::ForceRport => "force_rport",
            ReplyMode::AutoForceRport => "auto_force_rport",
            ReplyMode::ViaPort => "no rport",
        }
    }
}

/// AST-SIP-16.
#[derive(Debug)]
pub(crate) struct AstSip16;

impl CodeCheck for AstSip16 {
    fn id(&self) -> &'static str {
        "AST-SIP-16"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let (config, peers) = match select(cx, Driver::Sip, "SIP peers, users or friends", |_| true)
        {
            Ok(selected) => selected,
            Err(finding) => return finding,
        };
        let general_setting = config.general_setting("nat");
        let Some(general) = general_setting.value_or(DEFAULT_NAT).map(ReplyMode::of) else {
            return cx.finding(
                Status::Unknown,
                "sip.conf [general] nat is not set in the files read, but files missing from this copy may set it (see AST-CONFIG), so peers cannot be compared with it".into(),
                Vec::new(),
            );
        };
        let general_text = match general_setting {
            GeneralSetting::Set(_) => format!("[general] nat ({})", general.describe()),
            _ => format!("the default [general] nat ({})", general.describe()),
        };
        let mut offenders = Offenders::default();
        for peer in &peers {
            let Some(variable) = peer.category.get("nat") else {
                continue;
            };
            let mode = ReplyMode::of(&variable.value);
            if mode != general {
                let value = format!(
                    "{} ({}, unlike {general_text})",
                    variable.value.trim(),
                    mode.describe()
                );
                offenders.add(peer.name(), [peer.variable_evidence(cx, variable, value)]);
            }
        }
        offenders.finding(
            cx,
            &config,
            peers.len(),
            &format!("SIP peers answer differently from {general_text}, which lets scanners tell defined users"),
            format!(
                "all {} SIP peers answer like {general_text}",
                peers.len()
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use super::ReplyMode;
    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn nat_words_are_read_as_chan_sip_does() {
        assert_eq!(ReplyMode::of("yes"), ReplyMode::ForceRport);
        assert_eq!(ReplyMode::of("comedia, force_rport"), ReplyMode::ForceRport);
        assert_eq!(
            ReplyMode::of("auto_force_rport,auto_comedia"),
            ReplyMode::AutoForceRport
        );
        for value in ["no", "never", "comedia", ""] {
            assert_eq!(ReplyMode::of(value), ReplyMode::ViaPort, "{value}");
        }
    }

    #[test]
    fn only_the_reply_mode_is_compared() {
        let same =
            "[general]\nnat=force_rport\n[1001]\ntype=friend\nnat=yes\n[1002]\ntype=friend\n";
        assert_eq!(
            run_files("AST-SIP-16", &[("sip.conf", same)]).status,
            Status::Pass
        );
        let differs = "[general]\n[1001]\ntype=friend\nnat=no\n[1002]\ntype=friend\nnat=auto_force_rport,auto_comedia\n";
        let finding = run_files("AST-SIP-16", &[("sip.conf", differs)]);
        assert_eq!(finding.status, Status::Fail);
        assert!(
            finding.message.starts_with("1 of 2 "),
            "{}",
            finding.message
        );
    }
}
