//! AST-RTP-03: ICE and STUN traffic is limited by ACLs.
//!
//! ## What it does
//! Reads `[general]` of rtp.conf. ICE is on unless `icesupport` is off (default `yes`, Asterisk
//! 20/21 res_rtp_asterisk.c): it then fails without any `ice_acl`, `ice_permit` or `ice_deny`.
//! When a `stunaddr` is set, it also fails without `stun_acl`, `stun_permit` or `stun_deny`.
//!
//! ## Why is this bad?
//! Candidates in a remote SDP make Asterisk send STUN connectivity checks to any address the
//! caller names, including internal hosts: probing in the manner of SSRF. ACLs keep the
//! candidates and STUN exchanges to the networks that need them.
//!
//! ## Example
//! ```ini
//! [general]
//! icesupport = yes
//! ```
//! Use instead: `ice_deny = 0.0.0.0/0` and `ice_permit = 192.0.2.0/24` (or `icesupport = no`
//! where no WebRTC or ICE client is served).
//!
//! ## References
//! - reference/asterisk.md 2.8 RTP-03; rtp.conf.sample lines 61-143

use voipguard_asterisk::Category;
use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{Lookup, config, has_missing_includes, is_true, key_evidence};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstRtp03;

impl CodeCheck for AstRtp03 {
    fn id(&self) -> &'static str {
        "AST-RTP-03"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let rtp = match config(cx, "rtp.conf") {
            Ok(rtp) => rtp,
            Err(finding) => return finding,
        };
        let ice = Lookup::of(rtp, "general", "icesupport");
        let mut evidence = vec![ice.evidence(cx, "rtp.conf", "general", "icesupport", "yes")];
        let Some(ice_on) = ice.or("yes") else {
            return cx.finding(
                Status::Unknown,
                "rtp.conf icesupport is not set in the files read, and missing includes may set it (see AST-CONFIG)".into(),
                evidence,
            );
        };
        let general = rtp.category("general");
        let mut open = Vec::new();
        if is_true(ice_on) && !general.is_some_and(|general| has_acl(general, "ice")) {
            open.push("ICE candidates".to_owned());
        }
        if let Some(general) = general
            && let Some(stun) = general.value("stunaddr")
            && !stun.trim().is_empty()
        {
            evidence.push(key_evidence(cx, general, "stunaddr", stun.to_owned()));
            if !has_acl(general, "stun") {
                open.push(format!("STUN ({stun})"));
            }
        }
        if open.is_empty() {
            return cx.finding(
                Status::Pass,
                "ICE is off or limited by ACLs, and STUN is unused or limited".into(),
                evidence,
            );
        }
        if has_missing_includes(rtp) {
            return cx.finding(
                Status::Unknown,
                format!("no ACL limits {} in the files read, but missing includes may set one (see AST-CONFIG)", open.join(" or ")),
                evidence,
            );
        }
        cx.finding(
            Status::Fail,
            format!(
                "no ACL limits {}: Asterisk sends STUN checks to any address a caller names",
                open.join(" or ")
            ),
            evidence,
        )
    }
}

/// True when `[general]` has an `acl`, `permit`, `deny` (or the older `blacklist`) rule for
/// `prefix` (`ice` or `stun`).
fn has_acl(general: &Category, prefix: &str) -> bool {
    ["acl", "permit", "deny", "blacklist"]
        .iter()
        .any(|kind| general.get(&format!("{prefix}_{kind}")).is_some())
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn ice_needs_an_acl() {
        let status = |text: &str| run_files("AST-RTP-03", &[("rtp.conf", text)]).status;
        assert_eq!(status("[general]\n"), Status::Fail, "ICE on by default");
        assert_eq!(status("[general]\nicesupport=no\n"), Status::Pass);
        assert_eq!(
            status("[general]\nice_deny=0.0.0.0/0\nice_permit=192.0.2.0/24\n"),
            Status::Pass
        );
        assert_eq!(
            status("[general]\nicesupport=no\nstunaddr=stun.example.net\n"),
            Status::Fail
        );
    }
}
