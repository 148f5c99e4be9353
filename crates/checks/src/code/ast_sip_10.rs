//! AST-SIP-10: dynamic SIP peers may only register Contacts from known networks.
//!
//! ## What it does
//! For each `host=dynamic` chan_sip peer, evaluates the contact ACL: the `[general]`
//! `contactpermit`/`contactdeny`/`contactacl` (which chan_sip applies to every registration)
//! and the peer's own. Fails for dynamic peers whose registrations any address may make.
//!
//! ## Why is this bad?
//! Without a contact ACL, whoever holds (or guesses) a phone's credentials can register it from
//! anywhere, for example at an ITSP's address to place calls the PBX then forwards.
//!
//! ## Example
//! ```ini
//! [1001]
//! host=dynamic
//! ; no contactpermit / contactdeny
//! ```
//! Use instead: `contactdeny=0.0.0.0/0.0.0.0` then `contactpermit=<the phones' network>`.
//!
//! ## References
//! - reference/asterisk.md 2.1 SIP-10; sip.conf.sample:508-511, 1332-1334
//! - guide 004, "Define Access Control List for Extensions (SIP/IAX2)"

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_peers::{AclKeys, AclVerdict, Driver, Offenders, Peer, evaluate_acl, select};
use crate::context::Context;

/// The contact ACL keys, in `[general]` and on peers.
const CONTACT_ACL: AclKeys = AclKeys {
    permit: "contactpermit",
    deny: "contactdeny",
    named: "contactacl",
};

/// AST-SIP-10.
#[derive(Debug)]
pub(crate) struct AstSip10;

impl CodeCheck for AstSip10 {
    fn id(&self) -> &'static str {
        "AST-SIP-10"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let (config, peers) = match select(cx, Driver::Sip, "dynamic SIP peer", Peer::is_dynamic) {
            Ok(selected) => selected,
            Err(finding) => return finding,
        };
        let total = peers.len();
        // A FreePBX fragment exported without sip.conf has no [general]: the global contact ACL,
        // which chan_sip applies to every registration, is then unknown rather than absent.
        let global = match config.general() {
            Some(general) => Some(evaluate_acl(cx, general, CONTACT_ACL)),
            None if !config.has_main_file() => Some(AclVerdict::Unknown(
                "sip.conf [general] (global contactpermit/contactdeny) is not in this copy".into(),
            )),
            None => None,
        };
        if global == Some(AclVerdict::Restricts) {
            return cx.finding(
                voipguard_model::Status::Pass,
                format!("[general] contactpermit/contactdeny restricts registrations of all {total} dynamic SIP peers"),
                Vec::new(),
            );
        }
        let mut open = Offenders::default();
        let mut undecided = Offenders::default();
        for peer in &peers {
            match (&evaluate_acl(cx, peer.category, CONTACT_ACL), &global) {
                (AclVerdict::Restricts, _) => {}
                (AclVerdict::Unknown(why), _) | (_, Some(AclVerdict::Unknown(why))) => {
                    undecided.add(
                        peer.name(),
                        [peer.evidence(cx, "contactpermit/contactdeny", why.clone())],
                    );
                }
                (AclVerdict::Open(_), _) => open.add(
                    peer.name(),
                    [peer.evidence(
                        cx,
                        "contactpermit/contactdeny",
                        "none here or in [general] (registrations accepted from any address)"
                            .into(),
                    )],
                ),
            }
        }
        if open.is_empty() && !undecided.is_empty() {
            let what = "dynamic SIP peers have a contact ACL this audit cannot evaluate";
            return undecided.undecided(cx, total, what);
        }
        open.finding(
            cx,
            &config,
            total,
            "dynamic SIP peers accept registrations from any address (no contactpermit/contactdeny)",
            format!("all {total} dynamic SIP peers restrict where they may register from"),
        )
    }
}
