//! AST-SIP-04: no friend, user or dynamic peer skips INVITE authentication (`insecure=invite`).
//!
//! ## What it does
//! Lists every chan_sip friend, user or `host=dynamic` peer whose `insecure` (own or inherited from
//! a template) contains `invite`, including `port,invite` and the legacy `very`.
//!
//! ## Why is this bad?
//! INVITEs matched to such an entry are accepted without a digest challenge. For a friend or a
//! dynamic peer, anyone who can be matched to it (by its registered address or by name) calls
//! into its context unauthenticated: toll fraud. `insecure=invite` belongs only on `type=peer`
//! trunks with a static `host=` and a restrictive `permit`/`deny`.
//!
//! ## Example
//! ```ini
//! [1001]
//! type=friend
//! host=dynamic
//! insecure=port,invite
//! ```
//! Use instead: remove `insecure` from phones; keep it on static trunks only.
//!
//! ## References
//! - reference/asterisk.md 2.1 SIP-04; sip.conf.sample:1565-1568
//! - guide 004, "Protect against SIP/IAX2 brute-force"

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_peers::{Offenders, sip_callers};
use crate::context::Context;

/// AST-SIP-04.
#[derive(Debug)]
pub(crate) struct AstSip04;

/// True for `insecure` values that skip INVITE authentication.
fn skips_invite_auth(value: &str) -> bool {
    value
        .split(',')
        .map(str::trim)
        .any(|part| part.eq_ignore_ascii_case("invite") || part.eq_ignore_ascii_case("very"))
}

impl CodeCheck for AstSip04 {
    fn id(&self) -> &'static str {
        "AST-SIP-04"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let (config, peers) = match sip_callers(cx, "SIP friend, user or dynamic peer") {
            Ok(selected) => selected,
            Err(finding) => return finding,
        };
        let mut offenders = Offenders::default();
        for peer in &peers {
            if let Some(variable) = peer
                .category
                .get("insecure")
                .filter(|variable| skips_invite_auth(&variable.value))
            {
                let value = format!("{} (INVITEs not authenticated)", variable.value.trim());
                offenders.add(peer.name(), [peer.variable_evidence(cx, variable, value)]);
            }
        }
        offenders.finding(
            cx,
            &config,
            peers.len(),
            "SIP friends, users or dynamic peers accept INVITEs without authentication (insecure=invite)",
            format!(
                "none of the {} SIP friends, users or dynamic peers sets insecure=invite",
                peers.len()
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::skips_invite_auth;

    #[test]
    fn invite_in_any_position_and_legacy_very_skip_auth() {
        for value in ["invite", "port,invite", "invite, port", "very", "INVITE"] {
            assert!(skips_invite_auth(value), "{value}");
        }
        for value in ["port", "no", ""] {
            assert!(!skips_invite_auth(value), "{value}");
        }
    }
}
