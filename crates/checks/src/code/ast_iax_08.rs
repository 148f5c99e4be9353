//! AST-IAX-08: IAX2 users and peers are limited to known networks by a permit/deny ACL.
//!
//! ## What it does
//! The IAX2 twin of AST-SIP-09: evaluates each user's, peer's and friend's `deny`/`permit` lines
//! in order (last match wins, default allow) and named `acl=` lists from `acl.conf`; fails for
//! entries that let every address in, such as FreePBX's deny-all then permit-all.
//!
//! ## Why is this bad?
//! Without an ACL a guessed or leaked IAX2 secret works from anywhere on the internet.
//!
//! ## Example
//! ```ini
//! [19999]
//! deny=0.0.0.0/0.0.0.0
//! permit=0.0.0.0/0.0.0.0
//! ```
//! Use instead: `deny=0.0.0.0/0.0.0.0` then `permit=<the networks that need it>`.
//!
//! ## References
//! - reference/asterisk.md 2.3 IAX-08; iax.conf.sample:544-546
//! - guide 004, "Define Access Control List for Extensions (SIP/IAX2)"

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_peers::{Driver, peer_acl_finding};
use crate::context::Context;

/// AST-IAX-08.
#[derive(Debug)]
pub(crate) struct AstIax08;

impl CodeCheck for AstIax08 {
    fn id(&self) -> &'static str {
        "AST-IAX-08"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        peer_acl_finding(cx, Driver::Iax, "IAX2 entries")
    }
}
