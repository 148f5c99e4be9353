//! AST-SIP-09: SIP peers are limited to known networks by a permit/deny ACL.
//!
//! ## What it does
//! Evaluates each chan_sip peer's `deny`/`permit` lines in order, as Asterisk does (start from
//! "allow", the last matching rule wins), plus named `acl=` lists from `acl.conf`. A peer whose
//! ACL lets every address through fails: no rules, permits alone, or FreePBX's
//! `deny=0.0.0.0/0.0.0.0` followed by `permit=0.0.0.0/0.0.0.0`. The message counts the failing
//! peers with a static host apart.
//!
//! ## Why is this bad?
//! An ACL limits where a stolen or guessed credential works. Without it any address on the
//! internet can register as the peer and call.
//!
//! ## Example
//! ```ini
//! [1001]
//! deny=0.0.0.0/0.0.0.0
//! permit=0.0.0.0/0.0.0.0
//! ```
//! Use instead: `deny=0.0.0.0/0.0.0.0` then `permit=192.168.1.0/255.255.255.0` (the phones' LAN).
//!
//! ## References
//! - reference/asterisk.md 2.1 SIP-09, section 3 #18; sip.conf.sample:1584-1590
//! - guide 004, "Define Access Control List for Extensions (SIP/IAX2)"

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_peers::{Driver, peer_acl_finding};
use crate::context::Context;

/// AST-SIP-09.
#[derive(Debug)]
pub(crate) struct AstSip09;

impl CodeCheck for AstSip09 {
    fn id(&self) -> &'static str {
        "AST-SIP-09"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        peer_acl_finding(cx, Driver::Sip, "SIP peers")
    }
}
