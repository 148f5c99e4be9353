//! AST-VM-06: a caller gets at most three PIN attempts per call (`maxlogins`).
//!
//! ## What it does
//! Reads `[general] maxlogins` of voicemail.conf (default 3, Asterisk 20/21 app_voicemail.c) and
//! fails above 3.
//!
//! ## Why is this bad?
//! Every attempt allowed per call speeds up guessing PINs over the phone; with a large value one
//! call tries hundreds of PINs, and a mailbox with `dialout`/`callback` turns into toll fraud.
//!
//! ## Example
//! ```ini
//! [general]
//! maxlogins = 100
//! ```
//! Use instead: remove the line (3 attempts).
//!
//! ## References
//! - reference/asterisk.md 2.6 VM-06; voicemail.conf.sample line 66

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{Lookup, config};
use crate::context::Context;

/// Asterisk's default number of PIN attempts per call, the most the reference accepts.
const MAX_LOGINS: u32 = 3;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstVm06;

impl CodeCheck for AstVm06 {
    fn id(&self) -> &'static str {
        "AST-VM-06"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let voicemail = match config(cx, "voicemail.conf") {
            Ok(voicemail) => voicemail,
            Err(finding) => return finding,
        };
        let lookup = Lookup::of(voicemail, "general", "maxlogins");
        let evidence = vec![lookup.evidence(cx, "voicemail.conf", "general", "maxlogins", "3")];
        let Some(value) = lookup.or("3") else {
            return cx.finding(
                Status::Unknown,
                "voicemail.conf maxlogins is not set in the files read, and missing includes may set it (see AST-CONFIG)".into(),
                evidence,
            );
        };
        // app_voicemail ignores values it cannot read (or below 1) and keeps the default.
        let attempts = value
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|attempts| *attempts > 0)
            .unwrap_or(MAX_LOGINS);
        let status = if attempts > MAX_LOGINS {
            Status::Fail
        } else {
            Status::Pass
        };
        cx.finding(
            status,
            format!(
                "a caller may try {attempts} PINs per call (recommended: at most {MAX_LOGINS})"
            ),
            evidence,
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn many_attempts_per_call_are_flagged() {
        let status = |text: &str| run_files("AST-VM-06", &[("voicemail.conf", text)]).status;
        assert_eq!(status("[general]\n"), Status::Pass, "default 3");
        assert_eq!(status("[general]\nmaxlogins=100\n"), Status::Fail);
        assert_eq!(status("[general]\nmaxlogins=2\n"), Status::Pass);
    }
}
