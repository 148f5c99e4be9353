//! AST-SIP-14: DNS SRV lookups for outbound calls, flagged only when foreign domains are allowed.
//!
//! ## What it does
//! Reads `srvlookup` (default `yes`) and `allowexternaldomains` (default `yes`) in `[general]`.
//! Fails (informational) only when both are on: calls and transfers to foreign domains are then
//! resolved and sent wherever those domains' SRV records point. With
//! `allowexternaldomains=no` SRV lookups only serve the PBX's own trunks and pass.
//!
//! ## Why is this bad?
//! On its own `srvlookup` affects outbound resolution only; together with foreign-domain requests
//! (AST-SIP-13) it completes the relay path to any SIP domain on the internet.
//!
//! ## Example
//! ```ini
//! [general]
//! srvlookup=yes
//! allowexternaldomains=yes
//! ```
//! Use instead: `allowexternaldomains=no` (or `srvlookup=no` when no trunk needs SRV).
//!
//! ## References
//! - reference/asterisk.md 2.1 SIP-14 (with SIP-13); sip.conf.sample:259, 1151-1163

use voipguard_model::{Evidence, Finding, Status};

use super::CodeCheck;
use super::asterisk_peers::{Driver, DriverConfig, GeneralSetting, is_false};
use crate::context::Context;

/// AST-SIP-14.
#[derive(Debug)]
pub(crate) struct AstSip14;

impl CodeCheck for AstSip14 {
    fn id(&self) -> &'static str {
        "AST-SIP-14"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let config = match DriverConfig::require(cx, Driver::Sip) {
            Ok(config) => config,
            Err(absent) => return absent,
        };
        let external = config.general_setting("allowexternaldomains");
        let srv = config.general_setting("srvlookup");
        // Both default to yes in chan_sip (1.8 to 20).
        match (external.value_or("yes"), srv.value_or("yes")) {
            (Some(external_value), _) if is_false(external_value) => cx.finding(
                Status::Pass,
                "allowexternaldomains=no: SRV lookups only serve the PBX's own destinations".into(),
                Vec::new(),
            ),
            (_, Some(srv_value)) if is_false(srv_value) => cx.finding(
                Status::Pass,
                "srvlookup=no: foreign domains are not resolved through SRV".into(),
                Vec::new(),
            ),
            (Some(_), Some(_)) => cx.finding(
                Status::Fail,
                "sip.conf resolves foreign SIP domains through SRV and accepts requests for them (srvlookup and allowexternaldomains on)".into(),
                vec![evidence(cx, &external, "allowexternaldomains"), evidence(cx, &srv, "srvlookup")],
            ),
            _ => cx.finding(
                Status::Unknown,
                "sip.conf srvlookup or allowexternaldomains is not set in the files read, but files missing from this copy may set it (see AST-CONFIG)".into(),
                Vec::new(),
            ),
        }
    }
}

fn evidence(cx: &Context<'_>, setting: &GeneralSetting<'_>, key: &str) -> Evidence {
    match setting {
        GeneralSetting::Set(variable) => cx.asterisk_evidence(
            &variable.origin,
            format!("[general] {key}"),
            variable.value.trim().to_owned(),
        ),
        GeneralSetting::Unset | GeneralSetting::Unknown => Evidence {
            file: None,
            line: None,
            column: None,
            setting: format!("sip.conf [general] {key}"),
            value: "yes (not set; Asterisk default)".into(),
            default: true,
        },
    }
}
