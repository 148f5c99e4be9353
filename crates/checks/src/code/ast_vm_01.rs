//! AST-VM-01: voicemail PINs are neither trivial nor the mailbox number without a forced change.
//!
//! ## What it does
//! Reads every mailbox (`100 => PIN,Name,…` in the contexts of voicemail.conf) and sorts PINs
//! into: trivial (a well-known default such as `1234`/`0000`, one repeated digit, a run of
//! consecutive digits, fewer than 4 digits), equal to the mailbox number, or other. Guide 004
//! ("Voicemail Password Policy:") makes PIN = extension the intended initial state: Asterisk
//! treats such a mailbox as new and, with `forcename` or `forcegreetings`, runs the new-user setup
//! that forces a PIN change at first login. So:
//! - trivial PINs, and PIN = mailbox without forced setup (or negative, i.e. not changeable),
//!   fail;
//! - PIN = mailbox with forced setup is `unknown`: accepted for a mailbox not yet used, a takeover
//!   risk for one left that way, and how long it has been so is not in the files;
//! - otherwise the check passes. PINs are never shown.
//!
//! ## Why is this bad?
//! Anyone calling the voicemail menu can enter a mailbox with a guessable PIN, listen to messages,
//! change the greeting, and with `dialout`/`callback`/`exitcontext` place calls (voicemail toll
//! fraud).
//!
//! ## Example
//! ```ini
//! [default]
//! 100 => 1234,Alice
//! ```
//! Use instead: a unique PIN of at least 6 digits, or PIN = mailbox with `forcename=yes` and
//! `forcegreetings=yes` until the user's first login.
//!
//! ## References
//! - reference/asterisk.md 2.6 VM-01, VM-04, VM-08, section 3 row 17; guide 004 "Voicemail
//!   Password Policy:"

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{config, group, has_missing_includes, is_true, mailboxes};
use crate::context::Context;
use crate::password;

/// What is wrong with one PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pin {
    Trivial,
    Mailbox,
    MailboxFixed,
    Fine,
}

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstVm01;

impl CodeCheck for AstVm01 {
    fn id(&self) -> &'static str {
        "AST-VM-01"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let voicemail = match config(cx, "voicemail.conf") {
            Ok(voicemail) => voicemail,
            Err(finding) => return finding,
        };
        let forced = ["forcename", "forcegreetings"]
            .iter()
            .any(|key| voicemail.value("general", key).is_some_and(is_true));
        let mut total = 0;
        let mut bad = Vec::new();
        let mut initial = Vec::new();
        let mut evidence = Vec::new();
        for (section, mailbox) in mailboxes(voicemail) {
            total += 1;
            let raw = mailbox.value.split(',').next().unwrap_or_default().trim();
            let kind = classify(&mailbox.name, raw);
            let described = match kind {
                Pin::Fine => continue,
                Pin::Trivial => "trivial",
                Pin::MailboxFixed => "equals the mailbox number and cannot be changed (negative)",
                Pin::Mailbox if forced => {
                    "equals the mailbox number; new-user setup forces a change at first login"
                }
                Pin::Mailbox => {
                    "equals the mailbox number; no forced change (forcename/forcegreetings off)"
                }
            };
            let name = format!("{}@{}", mailbox.name, section.name);
            if kind == Pin::Mailbox && forced {
                initial.push(name);
            } else {
                bad.push(name);
            }
            evidence.push(cx.asterisk_evidence(
                &mailbox.origin,
                format!("[{}] {} PIN", section.name, mailbox.name),
                format!("redacted ({described})"),
            ));
        }
        if total == 0 {
            let status = if has_missing_includes(voicemail) {
                Status::Unknown
            } else {
                Status::NotApplicable
            };
            return cx.finding(status, "no mailbox in the files read".into(), Vec::new());
        }
        if !bad.is_empty() {
            let mut message = format!(
                "{} have a trivial PIN or their own number without a forced change",
                group(&bad, total, "mailboxes")
            );
            if !initial.is_empty() {
                message.push_str(&format!(
                    "; {} more still have their initial PIN with a forced change",
                    initial.len()
                ));
            }
            return cx.finding(Status::Fail, message, evidence);
        }
        if !initial.is_empty() {
            return cx.finding(
                Status::Unknown,
                format!(
                    "{} still have their initial PIN (= mailbox number) with a change forced at first login: accepted for mailboxes not yet used, a takeover risk for ones left that way; how long is not in the files",
                    group(&initial, total, "mailboxes")
                ),
                evidence,
            );
        }
        cx.finding(
            Status::Pass,
            format!("none of the {total} mailboxes has a trivial PIN or its own number"),
            evidence,
        )
    }
}

fn classify(mailbox: &str, raw: &str) -> Pin {
    // A leading '-' stops the user from changing the PIN (voicemail.conf.sample).
    let fixed = raw.starts_with('-');
    let pin = raw.trim_start_matches('-');
    if pin == mailbox.trim() {
        return if fixed {
            Pin::MailboxFixed
        } else {
            Pin::Mailbox
        };
    }
    if is_trivial(pin) {
        Pin::Trivial
    } else {
        Pin::Fine
    }
}

/// True for a PIN the reference calls trivial: a published default, fewer than 4 characters, or
/// all one digit or a run (`1234`, `4321`).
pub(super) fn is_trivial(pin: &str) -> bool {
    let digits: Vec<u32> = pin.chars().filter_map(|c| c.to_digit(10)).collect();
    let all_digits = digits.len() == pin.chars().count();
    let repeated = digits.windows(2).all(|pair| pair.first() == pair.last());
    let run = |step: i64| {
        digits
            .windows(2)
            .all(|pair| match (pair.first(), pair.last()) {
                (Some(&a), Some(&b)) => i64::from(b) - i64::from(a) == step,
                _ => false,
            })
    };
    password::is_well_known_default(pin)
        || pin.chars().count() < 4
        || (all_digits && (repeated || run(1) || run(-1)))
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use super::{Pin, classify};
    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn pins_are_classified_as_the_reference_says() {
        assert_eq!(classify("100", "1234"), Pin::Trivial);
        assert_eq!(classify("100", "7654321"), Pin::Trivial);
        assert_eq!(classify("100", "5555"), Pin::Trivial);
        assert_eq!(classify("100", "100"), Pin::Mailbox);
        assert_eq!(classify("100", "-100"), Pin::MailboxFixed);
        assert_eq!(classify("100", "804617"), Pin::Fine);
    }

    #[test]
    fn initial_pins_depend_on_forced_setup() {
        let status = |general: &str| {
            run_files(
                "AST-VM-01",
                &[(
                    "voicemail.conf",
                    &format!(
                        "[general]\n{general}[default]\n100 => 100,Alice\n101 => 804617,Bob\n"
                    ),
                )],
            )
            .status
        };
        assert_eq!(status(""), Status::Fail);
        assert_eq!(status("forcename=yes\n"), Status::Unknown);
        let finding = run_files(
            "AST-VM-01",
            &[("voicemail.conf", "[default]\n100 => 1234,Alice\n")],
        );
        assert_eq!(finding.status, Status::Fail);
        assert!(!format!("{finding:?}").contains("1234"));
    }
}
