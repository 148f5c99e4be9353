//! AST-VM-02: PIN changes are held to at least 6 digits (voicemail.conf `minpassword`).
//!
//! ## What it does
//! Reads `[general] minpassword` of voicemail.conf (default 0 in Asterisk 20/21, app_voicemail.c)
//! and fails below 6, the minimum the reference recommends.
//!
//! ## Why is this bad?
//! With no minimum, a user changing the PIN from the voicemail menu may pick one digit, which the
//! next caller guesses.
//!
//! ## Example
//! ```ini
//! [general]
//! minpassword = 0
//! ```
//! Use instead: `minpassword = 6`.
//!
//! ## References
//! - reference/asterisk.md 2.6 VM-02; voicemail.conf.sample line 424

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{Lookup, config};
use crate::context::Context;

/// The shortest PIN the reference accepts.
const MIN_DIGITS: u32 = 6;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstVm02;

impl CodeCheck for AstVm02 {
    fn id(&self) -> &'static str {
        "AST-VM-02"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let voicemail = match config(cx, "voicemail.conf") {
            Ok(voicemail) => voicemail,
            Err(finding) => return finding,
        };
        let lookup = Lookup::of(voicemail, "general", "minpassword");
        let evidence = vec![lookup.evidence(cx, "voicemail.conf", "general", "minpassword", "0")];
        let Some(value) = lookup.or("0") else {
            return cx.finding(
                Status::Unknown,
                "voicemail.conf [general] minpassword is not set in the files read, and missing includes may set it (see AST-CONFIG)".into(),
                evidence,
            );
        };
        // app_voicemail reads the value with atoi: text counts as 0.
        let minimum = value.trim().parse::<u32>().unwrap_or(0);
        let status = if minimum >= MIN_DIGITS {
            Status::Pass
        } else {
            Status::Fail
        };
        cx.finding(
            status,
            format!("minpassword is {minimum}: a PIN changed from the voicemail menu needs at least {minimum} digit(s) (recommended: {MIN_DIGITS})"),
            evidence,
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn the_minimum_must_reach_six() {
        let status = |text: &str| run_files("AST-VM-02", &[("voicemail.conf", text)]).status;
        assert_eq!(status("[general]\n"), Status::Fail, "default 0");
        assert_eq!(status("[general]\nminpassword=4\n"), Status::Fail);
        assert_eq!(status("[general]\nminpassword=6\n"), Status::Pass);
    }
}
