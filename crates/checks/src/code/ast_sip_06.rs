//! AST-SIP-06: every SIP friend, user and dynamic peer has a secret.
//!
//! ## What it does
//! Lists chan_sip friends, users and `host=dynamic` peers with neither a non-empty `secret` nor an
//! `md5secret` (own or inherited).
//!
//! ## Why is this bad?
//! chan_sip's `check_auth` accepts any request for an entry without a secret (chan_sip.c:17377,
//! branch 16): anyone can register as that phone and call from its context.
//!
//! ## Example
//! ```ini
//! [201]
//! type=friend
//! host=dynamic
//! context=from-internal
//! ```
//! Use instead: `secret=<a long random value>` on every such entry.
//!
//! ## References
//! - reference/asterisk.md 2.1 SIP-06
//! - guide 004, "SIP / IAX2 Password Policy:"

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_peers::{Offenders, sip_callers};
use crate::context::Context;

/// AST-SIP-06.
#[derive(Debug)]
pub(crate) struct AstSip06;

impl CodeCheck for AstSip06 {
    fn id(&self) -> &'static str {
        "AST-SIP-06"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let (config, peers) = match sip_callers(cx, "SIP friend, user or dynamic peer") {
            Ok(selected) => selected,
            Err(finding) => return finding,
        };
        let mut offenders = Offenders::default();
        for peer in &peers {
            let has_secret = ["secret", "md5secret"]
                .iter()
                .any(|key| peer.value(key).is_some_and(|value| !value.is_empty()));
            if !has_secret {
                let value = match peer.category.get("secret") {
                    Some(_) => "empty (any password is accepted)",
                    None => "not set (any password is accepted)",
                };
                offenders.add(peer.name(), [peer.evidence(cx, "secret", value.into())]);
            }
        }
        offenders.finding(
            cx,
            &config,
            peers.len(),
            "SIP friends, users or dynamic peers have no secret",
            format!(
                "all {} SIP friends, users and dynamic peers have a secret",
                peers.len()
            ),
        )
    }
}
