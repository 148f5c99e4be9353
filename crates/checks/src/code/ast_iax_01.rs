//! AST-IAX-01: no IAX2 user accepts calls without authentication (guest users).
//!
//! ## What it does
//! Lists chan_iax2 users and friends with no `secret`, no `dbsecret` and no `inkeys`, such as the
//! sample's `[guest]` user. chan_iax2 skips authentication for them whatever `auth=` says.
//!
//! ## Why is this bad?
//! Anyone can call in as that user (or with no user name at all, for `[guest]`) and lands in its
//! `context`; if that context reaches a trunk, it is toll fraud.
//!
//! ## Example
//! ```ini
//! [guest]
//! type=user
//! context=public
//! ```
//! Use instead: remove guest users, or give every user a secret (or `inkeys` with `auth=rsa`).
//!
//! ## References
//! - reference/asterisk.md 2.3 IAX-01 and IAX-03; iax.conf.sample:478-484
//! - guide 004, "Protect against SIP/IAX2 brute-force"

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_peers::{Driver, Offenders, Peer, PeerKind, select};
use crate::context::Context;

/// AST-IAX-01.
#[derive(Debug)]
pub(crate) struct AstIax01;

/// Users and friends: the entries chan_iax2 matches inbound calls against.
fn is_user(peer: &Peer<'_>) -> bool {
    peer.kind != PeerKind::Peer
}

impl CodeCheck for AstIax01 {
    fn id(&self) -> &'static str {
        "AST-IAX-01"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let (config, users) = match select(cx, Driver::Iax, "IAX2 user or friend", is_user) {
            Ok(selected) => selected,
            Err(finding) => return finding,
        };
        let mut offenders = Offenders::default();
        for user in &users {
            let authenticated = ["secret", "dbsecret", "inkeys"]
                .iter()
                .any(|key| user.category.all(key).any(|v| !v.value.trim().is_empty()));
            if !authenticated {
                let context = user.value("context").unwrap_or("default");
                let value = format!(
                    "no secret, dbsecret or inkeys: calls accepted unauthenticated into context {context}"
                );
                offenders.add(user.name(), [user.evidence(cx, "secret", value)]);
            }
        }
        offenders.finding(
            cx,
            &config,
            users.len(),
            "IAX2 users or friends accept calls without authentication",
            format!(
                "all {} IAX2 users and friends authenticate callers",
                users.len()
            ),
        )
    }
}
