//! AST-SIP-07: SIP secrets meet the PBX password policy and are unique.
//!
//! ## What it does
//! Judges every plaintext `secret` of chan_sip peers, users and friends: at least 8 characters with
//! upper case, lower case, digits and special characters (guide 004), not equal to the section
//! name or user, not a known default or scanner guess (1000–3000, 1234, 4321, 7654321, …), not
//! guessable, and not shared with another peer. Secrets are never shown; reuse is reported as a
//! count. An `md5secret` (MD5 of `user:realm:secret`, user the section name or `username`, realm
//! `[general] realm`, default `asterisk`) is tested offline against a small dictionary: the
//! peer's names, the extensions 1000–3000 and guesses scanners try, and published defaults. A hit
//! is reported as "an MD5 digest of a dictionary word", never with the word.
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
use super::asterisk_peers::{Driver, Md5Secrets, Peer, select, weak_secrets};
use crate::context::Context;

/// chan_sip's realm when `[general] realm` is unset (Asterisk 1.8 to 20).
const DEFAULT_REALM: &str = "asterisk";

/// AST-SIP-07.
#[derive(Debug)]
pub(crate) struct AstSip07;

impl CodeCheck for AstSip07 {
    fn id(&self) -> &'static str {
        "AST-SIP-07"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let has_secret = |peer: &Peer<'_>| {
            ["secret", "md5secret"]
                .iter()
                .any(|key| peer.value(key).is_some_and(|s| !s.is_empty()))
        };
        let (config, peers) = match select(cx, Driver::Sip, "SIP peer with a secret", has_secret) {
            Ok(selected) => selected,
            Err(finding) => return finding,
        };
        // A realm set in a missing include cannot be read; a hit with the default one still
        // proves a dictionary word.
        let realm = config
            .general_setting("realm")
            .value_or(DEFAULT_REALM)
            .unwrap_or(DEFAULT_REALM);
        let md5 = Md5Secrets::new(realm);
        let (offenders, judged) = weak_secrets(cx, &peers, &["secret"], Some(&md5));
        // A digest can only be tested against the dictionary, not measured against the policy.
        let digests = peers
            .iter()
            .filter(|peer| peer.value("md5secret").is_some_and(|s| !s.is_empty()))
            .count();
        let digest_note = match digests {
            0 => String::new(),
            count => format!(" ({count} md5secret digests: none of a dictionary word)"),
        };
        offenders.finding(
            cx,
            &config,
            judged,
            "SIP peers have a weak or reused secret",
            format!(
                "all {judged} SIP secrets meet the PBX password policy and are unique{digest_note}"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    /// MD5("office:pbx.example:1234").
    const OFFICE_1234: &str = "deeaf101eab9b25d25343c91750178b1";

    #[test]
    fn md5_digests_of_dictionary_words_are_weak_and_never_shown() {
        let run = |general: &str| {
            let text =
                format!("[general]\n{general}\n[office]\ntype=friend\nmd5secret={OFFICE_1234}\n");
            run_files("AST-SIP-07", &[("sip.conf", &text)])
        };
        let found = run("realm=pbx.example");
        assert_eq!(found.status, Status::Fail, "{}", found.message);
        let shown = format!("{found:?}");
        assert!(
            shown.contains("an MD5 digest of a dictionary word"),
            "{shown}"
        );
        assert!(
            !shown.contains(OFFICE_1234) && !shown.contains("1234\""),
            "{shown}"
        );
        // The same digest under the default realm is some other, unknown word.
        assert_eq!(run("").status, Status::Pass);
    }
}
