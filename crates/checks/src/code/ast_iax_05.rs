//! AST-IAX-05: chan_iax2 keeps its call-number limits (`maxcallnumbers`,
//! `maxcallnumbers_nonvalidated`).
//!
//! ## What it does
//! Reads both keys in `[general]` of iax.conf and fails when either is raised above chan_iax2's
//! default (2048 per address, 8192 in total for unvalidated call numbers).
//!
//! ## Why is this bad?
//! Call numbers are a finite pool (32768); the limits stop one address, or spoofed unvalidated
//! traffic, from exhausting it and denying service to every IAX2 peer (AST-2009-006).
//!
//! ## Example
//! ```ini
//! [general]
//! maxcallnumbers_nonvalidated=30000
//! ```
//! Use instead: leave the defaults, or lower them.
//!
//! ## References
//! - reference/asterisk.md 2.3 IAX-05; iax.conf.sample:434-456

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_peers::{Driver, DriverConfig, GeneralSetting};
use crate::context::Context;

/// The limits with chan_iax2's defaults (`DEFAULT_MAXCALLNO_LIMIT`, `..._NONVAL`).
const LIMITS: &[(&str, u32)] = &[
    ("maxcallnumbers", 2048),
    ("maxcallnumbers_nonvalidated", 8192),
];

/// AST-IAX-05.
#[derive(Debug)]
pub(crate) struct AstIax05;

impl CodeCheck for AstIax05 {
    fn id(&self) -> &'static str {
        "AST-IAX-05"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let config = match DriverConfig::require(cx, Driver::Iax) {
            Ok(config) => config,
            Err(absent) => return absent,
        };
        let mut raised = Vec::new();
        let mut unreadable = Vec::new();
        for (key, default) in LIMITS {
            let GeneralSetting::Set(variable) = config.general_setting(key) else {
                continue;
            };
            let evidence = |value: String| {
                cx.asterisk_evidence(&variable.origin, format!("[general] {key}"), value)
            };
            match variable.value.trim().parse::<u32>() {
                Ok(limit) if limit > *default => {
                    raised.push(evidence(format!("{limit} (default {default})")))
                }
                Ok(_) => {}
                Err(_) => unreadable.push(evidence(variable.value.trim().to_owned())),
            }
        }
        if !raised.is_empty() {
            return cx.finding(
                Status::Fail,
                "iax.conf raises the call-number limits above chan_iax2's defaults".into(),
                raised,
            );
        }
        if !unreadable.is_empty() {
            return cx.finding(
                Status::Unknown,
                "iax.conf call-number limits are not numbers this audit reads".into(),
                unreadable,
            );
        }
        let unknown = LIMITS
            .iter()
            .any(|(key, _)| matches!(config.general_setting(key), GeneralSetting::Unknown));
        if unknown {
            return cx.finding(
                Status::Unknown,
                "iax.conf call-number limits are not set in the files read, but files missing from this copy may set them (see AST-CONFIG)".into(),
                Vec::new(),
            );
        }
        cx.finding(
            Status::Pass,
            "iax.conf call-number limits are at or below chan_iax2's defaults (2048 / 8192)".into(),
            Vec::new(),
        )
    }
}
