//! AST-IAX-02: no IAX2 entry offers plaintext authentication.
//!
//! ## What it does
//! Fails when `auth` (in `[general]` or on a user, peer or friend) lists `plaintext`. Entries
//! with a secret that leave `auth` unset rely on chan_iax2's built-in default, which this audit
//! does not assume: the check then says `unknown` unless something already fails.
//!
//! ## Why is this bad?
//! With `plaintext`, the secret crosses the network in clear and anyone on the path can read it
//! (doc/IAX2-security.txt). `md5` or `rsa` never send it.
//!
//! ## Example
//! ```ini
//! [office]
//! type=friend
//! auth=plaintext,md5
//! ```
//! Use instead: `auth=md5` (or `auth=rsa` with `inkeys`).
//!
//! ## References
//! - reference/asterisk.md 2.3 IAX-02; iax.conf.sample:207-216
//! - guide 004, "Protect against SIP/IAX2 brute-force"

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_peers::{Driver, Offenders, select};
use crate::context::Context;

/// AST-IAX-02.
#[derive(Debug)]
pub(crate) struct AstIax02;

fn lists_plaintext(value: &str) -> bool {
    value
        .split(',')
        .any(|method| method.trim().eq_ignore_ascii_case("plaintext"))
}

impl CodeCheck for AstIax02 {
    fn id(&self) -> &'static str {
        "AST-IAX-02"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let (config, peers) = match select(cx, Driver::Iax, "IAX2 user, peer or friend", |_| true) {
            Ok(selected) => selected,
            Err(finding) => return finding,
        };
        let general_auth = config.general().and_then(|general| general.get("auth"));
        let mut offenders = Offenders::default();
        let mut defaulted = Offenders::default();
        for peer in &peers {
            match peer.category.get("auth").or(general_auth) {
                Some(auth) if lists_plaintext(&auth.value) => {
                    let value = format!("{} (secret sent in clear)", auth.value.trim());
                    offenders.add(peer.name(), [peer.variable_evidence(cx, auth, value)]);
                }
                Some(_) => {}
                None => defaulted.add(
                    peer.name(),
                    [peer.evidence(cx, "auth", "not set (chan_iax2's default applies)".into())],
                ),
            }
        }
        let total = peers.len();
        if offenders.is_empty() && !defaulted.is_empty() {
            return defaulted.undecided(
                cx,
                total,
                "IAX2 entries leave auth unset, so chan_iax2's built-in default methods apply (not assumed here; set auth=md5)",
            );
        }
        offenders.finding(
            cx,
            &config,
            total,
            "IAX2 entries offer plaintext authentication",
            format!("all {total} IAX2 entries set auth without plaintext"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::lists_plaintext;

    #[test]
    fn plaintext_anywhere_in_the_list_counts() {
        assert!(lists_plaintext("plaintext"));
        assert!(lists_plaintext("md5, plaintext"));
        assert!(!lists_plaintext("rsa,md5"));
    }
}
