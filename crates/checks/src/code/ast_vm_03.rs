//! AST-VM-03: PIN changes are vetted by a strength-checking script (`externpasscheck`).
//!
//! ## What it does
//! Reads `[general] externpasscheck` of voicemail.conf (unset by default, Asterisk 20/21
//! app_voicemail.c) and fails when no script is configured.
//!
//! ## Why is this bad?
//! `minpassword` only counts digits: `000000` and `123456` pass it. Only an external check (the
//! sample's `voicemailpwcheck.py`) refuses sequences, repeats and the mailbox number when users
//! change their PIN from the voicemail menu.
//!
//! ## Example
//! ```ini
//! [general]
//! minpassword = 6
//! ```
//! Use instead: add `externpasscheck = /usr/local/bin/voicemailpwcheck.py`.
//!
//! ## References
//! - reference/asterisk.md 2.6 VM-03; voicemail.conf.sample lines 100-117

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{Lookup, config};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstVm03;

impl CodeCheck for AstVm03 {
    fn id(&self) -> &'static str {
        "AST-VM-03"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let voicemail = match config(cx, "voicemail.conf") {
            Ok(voicemail) => voicemail,
            Err(finding) => return finding,
        };
        let lookup = Lookup::of(voicemail, "general", "externpasscheck");
        let evidence =
            vec![lookup.evidence(cx, "voicemail.conf", "general", "externpasscheck", "none")];
        match lookup {
            Lookup::Set(script) if !script.value.trim().is_empty() => cx.finding(
                Status::Pass,
                format!("new PINs are vetted by {}", script.value.trim()),
                evidence,
            ),
            Lookup::Hidden => cx.finding(
                Status::Unknown,
                "voicemail.conf externpasscheck is not set in the files read, and missing includes may set it (see AST-CONFIG)".into(),
                evidence,
            ),
            Lookup::Set(_) | Lookup::Default => cx.finding(
                Status::Fail,
                "no externpasscheck script: PINs changed from the voicemail menu are checked for length only".into(),
                evidence,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn a_checking_script_is_required() {
        let status = |text: &str| run_files("AST-VM-03", &[("voicemail.conf", text)]).status;
        assert_eq!(status("[general]\n"), Status::Fail);
        assert_eq!(
            status("[general]\nexternpasscheck=/usr/local/bin/voicemailpwcheck.py\n"),
            Status::Pass
        );
    }
}
