//! AST-SIP-02: chan_sip's `[general]` and peer contexts are not Asterisk's `default` context.
//!
//! ## What it does
//! Reads the `[general]` `context` (where unauthenticated calls and peers without their own
//! `context` land; `default` when unset) and the `context` of every friend, user and dynamic peer.
//! Fails when the `[general]` context is `default` (set or by omission) or a peer's effective
//! context is `default`. Whether a context reaches outbound routes is traced by the AST-EXT checks;
//! this check only asks that calls land in a context chosen for them.
//!
//! ## Why is this bad?
//! `default` is the context Asterisk's sample dial plan fills with demo and outbound examples, and
//! the one every forgotten `context=` falls back to. Guests (allowguest) and peers without a
//! context then share it with whatever an administrator put there for internal phones.
//!
//! ## Example
//! ```ini
//! [general]
//! ; no context=: unauthenticated calls land in [default]
//! ```
//! Use instead: `context=public` (a dead-end context with DID routes only).
//!
//! ## References
//! - reference/asterisk.md 2.1 SIP-02; sip.conf.sample:126
//! - guide 004, "Protect against SIP/IAX2 brute-force"

use voipguard_model::{Evidence, Finding, Status};

use super::CodeCheck;
use super::asterisk_peers::{Driver, DriverConfig, GeneralSetting, Offenders, sip_callers};
use crate::context::Context;

/// chan_sip's context when none is configured (`DEFAULT_CONTEXT`).
const DEFAULT_CONTEXT: &str = "default";

/// AST-SIP-02.
#[derive(Debug)]
pub(crate) struct AstSip02;

impl CodeCheck for AstSip02 {
    fn id(&self) -> &'static str {
        "AST-SIP-02"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let config = match DriverConfig::require(cx, Driver::Sip) {
            Ok(config) => config,
            Err(absent) => return absent,
        };
        let general = config.general_setting("context");
        let mut problems = Vec::new();
        match general {
            GeneralSetting::Set(variable) if is_default(&variable.value) => {
                problems.push(cx.asterisk_evidence(
                    &variable.origin,
                    "[general] context".into(),
                    "default (guests and peers without a context land there)".into(),
                ))
            }
            GeneralSetting::Unset => problems.push(Evidence {
                file: None,
                line: None,
                column: None,
                setting: "sip.conf [general] context".into(),
                value: "default (not set; guests and peers without a context land there)".into(),
                default: true,
            }),
            GeneralSetting::Set(_) | GeneralSetting::Unknown => {}
        }
        let general_context = general.value_or(DEFAULT_CONTEXT);
        let peers = match sip_callers(cx, "SIP friends, users or dynamic peers") {
            Ok((_, peers)) => peers,
            Err(_) => Vec::new(),
        };
        let mut offenders = Offenders::default();
        for peer in &peers {
            let lands_in_default = match peer.category.get("context") {
                Some(variable) => is_default(&variable.value),
                None => general_context.is_some_and(is_default),
            };
            if lands_in_default {
                let evidence = match peer.category.get("context") {
                    Some(variable) => peer.variable_evidence(cx, variable, "default".into()),
                    None => peer.evidence(
                        cx,
                        "context",
                        "not set (falls back to [general], i.e. default)".into(),
                    ),
                };
                offenders.add(peer.name(), [evidence]);
            }
        }
        if problems.is_empty() && offenders.is_empty() && matches!(general, GeneralSetting::Unknown)
        {
            return cx.finding(
                Status::Unknown,
                "sip.conf [general] context is not set in the files read, but files missing from this copy may set it (see AST-CONFIG)".into(),
                Vec::new(),
            );
        }
        if problems.is_empty() {
            let total = peers.len();
            let shown = general_context.unwrap_or(DEFAULT_CONTEXT);
            return offenders.finding(
                cx,
                &config,
                total,
                "SIP friends, users or dynamic peers land in the default context",
                format!(
                    "[general] context is {shown} and no SIP friend, user or dynamic peer lands in the default context (reachability of outbound routes: AST-EXT)"
                ),
            );
        }
        let mut message =
            "sip.conf [general] context is default: unauthenticated calls and peers without their own context land there".to_owned();
        if !offenders.is_empty() {
            message.push_str(&format!(
                "; {} of {} SIP friends, users or dynamic peers use it: {}",
                offenders.len(),
                peers.len(),
                offenders.listed()
            ));
        }
        problems.extend(offenders.into_evidence());
        cx.finding(Status::Fail, message, problems)
    }
}

fn is_default(context: &str) -> bool {
    context.trim().eq_ignore_ascii_case(DEFAULT_CONTEXT)
}

#[cfg(test)]
mod tests {
    use super::is_default;

    #[test]
    fn default_is_matched_without_case_or_spaces() {
        assert!(is_default(" Default "));
        assert!(!is_default("from-internal"));
    }
}
