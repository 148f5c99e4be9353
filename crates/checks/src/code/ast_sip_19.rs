//! AST-SIP-19: chan_sip trusts caller-ID headers only from trunks (`trustrpid`).
//!
//! ## What it does
//! For every friend, user and dynamic peer, reads `trustrpid` (its own, else the `[general]` one,
//! which chan_sip applies to every peer). Fails when such entries trust the Remote-Party-ID /
//! P-Asserted-Identity headers they send.
//!
//! ## Why is this bad?
//! A phone (or whoever holds its credentials) that is trusted for RPID/PAI sets any caller ID it
//! likes, defeating caller-ID based routing, screening and fraud controls. Issabel writes
//! `trustrpid=yes` on every extension.
//!
//! ## Example
//! ```ini
//! [1001]
//! type=friend
//! host=dynamic
//! trustrpid=yes
//! ```
//! Use instead: `trustrpid=no`, keeping `yes` only on static-host trunks of a trusted provider.
//!
//! ## References
//! - reference/asterisk.md 2.1 SIP-19; sip.conf.sample:364

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_peers::{Offenders, sip_callers};
use super::asterisk_services::is_true;
use crate::context::Context;

/// AST-SIP-19.
#[derive(Debug)]
pub(crate) struct AstSip19;

impl CodeCheck for AstSip19 {
    fn id(&self) -> &'static str {
        "AST-SIP-19"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let (config, peers) = match sip_callers(cx, "SIP friends, users or dynamic peers") {
            Ok(selected) => selected,
            Err(finding) => return finding,
        };
        let general = config
            .general()
            .and_then(|general| general.get("trustrpid"));
        let mut offenders = Offenders::default();
        for peer in &peers {
            let evidence = match peer.category.get("trustrpid") {
                Some(variable) if is_true(&variable.value) => Some(peer.variable_evidence(
                    cx,
                    variable,
                    "yes (caller ID taken from the peer's headers)".into(),
                )),
                Some(_) => None,
                None => general
                    .filter(|variable| is_true(&variable.value))
                    .map(|variable| {
                        peer.evidence(
                            cx,
                            "trustrpid",
                            format!("yes from [general] ({})", variable.origin),
                        )
                    }),
            };
            if let Some(evidence) = evidence {
                offenders.add(peer.name(), [evidence]);
            }
        }
        let total = peers.len();
        offenders.finding(
            cx,
            &config,
            total,
            "SIP friends, users or dynamic peers are trusted for caller ID (trustrpid=yes)",
            format!(
                "none of the {total} SIP friends, users or dynamic peers is trusted for caller ID"
            ),
        )
    }
}
