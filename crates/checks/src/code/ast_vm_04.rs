//! AST-VM-04: new voicemail users must record their name and greeting.
//!
//! ## What it does
//! Reads `[general] forcename` and `forcegreetings` of voicemail.conf (both default `no` in
//! Asterisk 20/21) and fails unless both are `yes`, as guide 004 asks.
//!
//! ## Why is this bad?
//! Asterisk treats a mailbox whose PIN equals its number as new; with either option on it runs the
//! new-user setup at first login, which records name and greeting and forces a PIN change. Without
//! them the initial PIN = extension stays in place.
//!
//! ## Example
//! ```ini
//! [general]
//! forcename = no
//! ```
//! Use instead: `forcename = yes` and `forcegreetings = yes`.
//!
//! ## References
//! - reference/asterisk.md 2.6 VM-04; voicemail.conf.sample lines 393-396; guide 004 "Voicemail
//!   Password Policy:"

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{Lookup, config, is_true};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstVm04;

impl CodeCheck for AstVm04 {
    fn id(&self) -> &'static str {
        "AST-VM-04"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let voicemail = match config(cx, "voicemail.conf") {
            Ok(voicemail) => voicemail,
            Err(finding) => return finding,
        };
        let mut evidence = Vec::new();
        let mut off = Vec::new();
        let mut hidden = false;
        for key in ["forcename", "forcegreetings"] {
            let lookup = Lookup::of(voicemail, "general", key);
            evidence.push(lookup.evidence(cx, "voicemail.conf", "general", key, "no"));
            match lookup.or("no") {
                Some(value) if is_true(value) => {}
                Some(_) => off.push(key),
                None => hidden = true,
            }
        }
        if !off.is_empty() {
            return cx.finding(
                Status::Fail,
                format!(
                    "{} off: new users keep their initial PIN without being made to change it",
                    off.join(" and ")
                ),
                evidence,
            );
        }
        if hidden {
            return cx.finding(
                Status::Unknown,
                "forcename/forcegreetings not set in the files read, and missing includes may set them (see AST-CONFIG)".into(),
                evidence,
            );
        }
        cx.finding(
            Status::Pass,
            "new users must record name and greeting and change their PIN".into(),
            evidence,
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn both_options_are_needed() {
        let status = |text: &str| run_files("AST-VM-04", &[("voicemail.conf", text)]).status;
        assert_eq!(status("[general]\nforcename=yes\n"), Status::Fail);
        assert_eq!(
            status("[general]\nforcename=yes\nforcegreetings=yes\n"),
            Status::Pass
        );
    }
}
