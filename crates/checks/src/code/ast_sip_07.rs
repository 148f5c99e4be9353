//! AST-SIP-07: SIP secrets meet the PBX password policy and are unique.
//!
//! ## What it does
//! Judges every plaintext `secret` of chan_sip peers, users and friends: at least 8 characters with
//! upper case, lower case, digits and special characters (guide 004), not equal to the section
//! name or user, not a known default or scanner guess (1000–3000, 1234, 4321, 7654321, …), not
//! guessable, and not shared with another peer. Secrets are never shown; reuse is reported as a
//! count. `md5secret` hashes are not judged.
//!
//! ## Why is this bad?
//! SIP scanners (sipvicious `svcrack`) walk extensions with short dictionaries; a weak or repeated
//! secret hands over the account, its context and the trunks it can dial.
//!
//! ## Example
//! ```ini
//! [1001]
//! secret=1001
//! ```
//! Use instead: a random secret of 12+ characters per device.
//!
//! ## References
//! - reference/asterisk.md 2.1 SIP-07, section 3 #1 and #16, section 4
//! - guide 004, "SIP / IAX2 Password Policy:"

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_peers::{Driver, Peer, select, weak_secrets};
use crate::context::Context;

/// AST-SIP-07.
#[derive(Debug)]
pub(crate) struct AstSip07;

impl CodeCheck for AstSip07 {
    fn id(&self) -> &'static str {
        "AST-SIP-07"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let has_secret = |peer: &Peer<'_>| peer.value("secret").is_some_and(|s| !s.is_empty());
        let (config, peers) = match select(cx, Driver::Sip, "SIP peer with a secret", has_secret) {
            Ok(selected) => selected,
            Err(finding) => return finding,
        };
        let (offenders, judged) = weak_secrets(cx, &peers, &["secret"]);
        offenders.finding(
            cx,
            &config,
            judged,
            "SIP peers have a weak or reused secret",
            format!("all {judged} SIP secrets meet the PBX password policy and are unique"),
        )
    }
}
