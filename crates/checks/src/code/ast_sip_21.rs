//! AST-SIP-21: every SIP phone has a call limit (`call-limit` / `busylevel`).
//!
//! ## What it does
//! Fails for friends, users and dynamic peers with neither `call-limit` nor `busylevel`. When a
//! dial plan in the set uses `GROUP_COUNT` (the other way to cap calls per device) the check says
//! `unknown` instead, since the cap may live there.
//!
//! ## Why is this bad?
//! A hijacked extension can place as many simultaneous calls as the trunks carry; a per-device
//! limit caps the rate at which toll fraud costs money.
//!
//! ## Example
//! ```ini
//! [1001]
//! type=friend
//! host=dynamic
//! ; no call-limit
//! ```
//! Use instead: `call-limit=2` (or a `GROUP_COUNT` limit in the dial plan).
//!
//! ## References
//! - reference/asterisk.md 2.1 SIP-21; sip.conf.sample:117-120

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_peers::{Offenders, sip_callers};
use crate::context::Context;

/// Dial-plan files where a `GROUP_COUNT` cap would live.
const DIALPLAN_FILES: &[&str] = &[
    "extensions.conf",
    "extensions_additional.conf",
    "extensions_custom.conf",
];

/// AST-SIP-21.
#[derive(Debug)]
pub(crate) struct AstSip21;

impl CodeCheck for AstSip21 {
    fn id(&self) -> &'static str {
        "AST-SIP-21"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let (config, peers) = match sip_callers(cx, "SIP friends, users or dynamic peers") {
            Ok(selected) => selected,
            Err(finding) => return finding,
        };
        let mut offenders = Offenders::default();
        for peer in &peers {
            let limited = ["call-limit", "busylevel"].iter().any(|key| {
                peer.value(key)
                    .and_then(|value| value.parse::<u32>().ok())
                    .is_some_and(|limit| limit > 0)
            });
            if !limited {
                offenders.add(
                    peer.name(),
                    [peer.evidence(
                        cx,
                        "call-limit",
                        "not set (no cap on simultaneous calls)".into(),
                    )],
                );
            }
        }
        let total = peers.len();
        let what = "SIP friends, users or dynamic peers have no call-limit or busylevel";
        if !offenders.is_empty() && dialplan_counts_groups(cx) {
            let mut finding = offenders.undecided(cx, total, what);
            finding.message.push_str(
                " (the dial plan uses GROUP_COUNT, which may cap calls per device instead)",
            );
            return finding;
        }
        offenders.finding(
            cx,
            &config,
            total,
            what,
            format!("all {total} SIP friends, users and dynamic peers have a call limit"),
        )
    }
}

/// True when a dial plan in the set reads `GROUP_COUNT`.
fn dialplan_counts_groups(cx: &Context<'_>) -> bool {
    let Some(set) = cx.asterisk else {
        return false;
    };
    DIALPLAN_FILES
        .iter()
        .filter_map(|file| set.config(file))
        .flat_map(|config| config.categories.iter())
        .flat_map(|category| category.variables.iter())
        .any(|variable| variable.value.to_ascii_uppercase().contains("GROUP_COUNT"))
}
