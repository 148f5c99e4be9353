//! AST-VM-08: no mailbox has a weak PIN its user cannot change (negative password).
//!
//! ## What it does
//! Lists the mailboxes of voicemail.conf whose PIN starts with `-` (app_voicemail then refuses
//! changes from the voicemail menu, Asterisk 20/21) and whose PIN is also weak: trivial (as in
//! AST-VM-01), the mailbox number, or shorter than 6 digits.
//!
//! ## Why is this bad?
//! A fixed PIN stays weak forever: the user cannot repair it, `minpassword` and
//! `externpasscheck` never see it, and whoever guesses it keeps access.
//!
//! ## Example
//! ```ini
//! [default]
//! 100 => -1234,Reception
//! ```
//! Use instead: a strong fixed PIN (`-830571`), or a changeable one (`830571`).
//!
//! ## References
//! - reference/asterisk.md 2.6 VM-08; voicemail.conf.sample line 533

use voipguard_model::{Evidence, Finding, Status};

use super::CodeCheck;
use super::ast_vm_01::is_trivial;
use super::asterisk_services::{config, group, has_missing_includes, mailboxes};
use crate::context::Context;

/// The shortest PIN the reference accepts.
const MIN_DIGITS: usize = 6;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstVm08;

impl CodeCheck for AstVm08 {
    fn id(&self) -> &'static str {
        "AST-VM-08"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let voicemail = match config(cx, "voicemail.conf") {
            Ok(voicemail) => voicemail,
            Err(finding) => return finding,
        };
        let mut fixed = 0;
        let mut weak = Vec::new();
        let mut evidence: Vec<Evidence> = Vec::new();
        for (section, mailbox) in mailboxes(voicemail) {
            let raw = mailbox.value.split(',').next().unwrap_or_default().trim();
            let Some(pin) = raw.strip_prefix('-') else {
                continue;
            };
            fixed += 1;
            let why = if pin == mailbox.name.trim() {
                "fixed, equals the mailbox number"
            } else if is_trivial(pin) {
                "fixed, trivial"
            } else if pin.chars().count() < MIN_DIGITS {
                "fixed, fewer than 6 digits"
            } else {
                continue;
            };
            weak.push(format!("{}@{}", mailbox.name, section.name));
            evidence.push(cx.asterisk_evidence(
                &mailbox.origin,
                format!("[{}] {} PIN", section.name, mailbox.name),
                format!("redacted ({why})"),
            ));
        }
        if !weak.is_empty() {
            return cx.finding(
                Status::Fail,
                format!(
                    "{} have a weak PIN their users cannot change (negative password)",
                    group(&weak, fixed, "fixed-PIN mailboxes")
                ),
                evidence,
            );
        }
        if fixed == 0 && has_missing_includes(voicemail) {
            return cx.finding(
                Status::Unknown,
                "no fixed (negative) PIN in the files read, but missing includes may hold mailboxes (see AST-CONFIG)".into(),
                evidence,
            );
        }
        let message = if fixed == 0 {
            "no mailbox has a fixed (negative) PIN".to_owned()
        } else {
            format!("{fixed} mailbox(es) have a fixed (negative) PIN, none of them weak")
        };
        cx.finding(Status::Pass, message, evidence)
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn weak_fixed_pins_are_flagged() {
        let status = |text: &str| run_files("AST-VM-08", &[("voicemail.conf", text)]).status;
        assert_eq!(status("[default]\n100 => -1234,A\n"), Status::Fail);
        assert_eq!(status("[default]\n100 => -100,A\n"), Status::Fail);
        assert_eq!(status("[default]\n100 => -830571,A\n"), Status::Pass);
        assert_eq!(
            status("[default]\n100 => 1234,A\n"),
            Status::Pass,
            "VM-01's case"
        );
    }
}
