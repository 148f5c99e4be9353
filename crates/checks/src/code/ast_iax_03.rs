//! AST-IAX-03: IAX2 secrets meet the PBX password policy and are unique.
//!
//! ## What it does
//! Judges every `secret=` line of chan_iax2 users, peers and friends (chan_iax2 accepts each of
//! several `secret=` lines, so each is judged) with the same rules as AST-SIP-07: PBX policy,
//! not the entry's own name or user, not a default or scanner guess, not guessable, not shared.
//! Secrets are never shown. `dbsecret` (kept in the AstDB) cannot be judged from files.
//!
//! ## Why is this bad?
//! IAX2 logins are brute-forced like SIP ones; a weak or shared secret gives the attacker the
//! entry's context.
//!
//! ## Example
//! ```ini
//! [iaxclient]
//! type=friend
//! secret=CHANGEME
//! ```
//! Use instead: a random secret of 12+ characters per entry.
//!
//! ## References
//! - reference/asterisk.md 2.3 IAX-03, section 3 #1, section 4; iax.conf.sample:526-532
//! - guide 004, "SIP / IAX2 Password Policy:"

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_peers::{Driver, Peer, select, weak_secrets};
use crate::context::Context;

/// AST-IAX-03.
#[derive(Debug)]
pub(crate) struct AstIax03;

impl CodeCheck for AstIax03 {
    fn id(&self) -> &'static str {
        "AST-IAX-03"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let has_secret = |peer: &Peer<'_>| {
            peer.category
                .all("secret")
                .any(|v| !v.value.trim().is_empty())
        };
        let (config, peers) = match select(cx, Driver::Iax, "IAX2 entry with a secret", has_secret)
        {
            Ok(selected) => selected,
            Err(finding) => return finding,
        };
        let (offenders, judged) = weak_secrets(cx, &peers, &["secret"], None);
        offenders.finding(
            cx,
            &config,
            judged,
            "IAX2 entries have a weak or reused secret",
            format!("all {judged} IAX2 entries with a secret meet the PBX password policy, each secret unique"),
        )
    }
}
