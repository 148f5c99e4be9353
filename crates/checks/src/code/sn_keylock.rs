//! SN-KEYLOCK: the keyboard lock can lock the phone with a PIN, and secrets are hidden.
//!
//! ## What it does
//! Checks the settings guide 002 names for phones in public places: the keyboard lock is allowed
//! (`enable_keyboard_lock`, `on` by factory default), it has a PIN (`keyboard_lock_pw`, not empty
//! and not a well-known default such as `1234`; never shown), it locks by itself after a time
//! (`keyboard_lock_timeout` > 0), and hidden tags are on (`use_hidden_tags`), so passwords are not
//! shown in the web UI and settings dumps. Settings whose factory default is not confirmed give
//! `unknown` when the file does not set them.
//!
//! ## Why is this bad?
//! A phone in a lobby or a meeting room can be used by anyone passing by: to call premium numbers,
//! read the call lists and directory, or change settings from the phone menu. Emergency numbers
//! stay callable while the keyboard is locked (`keyboard_lock_emergency`).
//!
//! ## Example
//! ```xml
//! <enable_keyboard_lock perm="R">off</enable_keyboard_lock>
//! <keyboard_lock_pw perm="R"></keyboard_lock_pw>
//! ```
//!
//! Use instead:
//! ```xml
//! <enable_keyboard_lock perm="R">on</enable_keyboard_lock>
//! <keyboard_lock_pw perm="R">a PIN of its own</keyboard_lock_pw>
//! <keyboard_lock_timeout perm="R">60</keyboard_lock_timeout>
//! <use_hidden_tags perm="R">on</use_hidden_tags>
//! ```
//!
//! ## References
//! - guide `002_304575e019043713.txt`, "Keyboard lock"
//! - guide `002_304575e019043713.txt`, "Hidden tags"

use voipguard_model::Finding;

use super::CodeCheck;
use super::snom::{self, Val, Verdict};
use crate::context::Context;
use crate::password;

/// SN-KEYLOCK.
#[derive(Debug)]
pub(crate) struct SnKeylock;

impl CodeCheck for SnKeylock {
    fn id(&self) -> &'static str {
        "SN-KEYLOCK"
    }

    fn reads(&self) -> &'static [&'static str] {
        &[
            "enable_keyboard_lock",
            "keyboard_lock_pw",
            "keyboard_lock_timeout",
            "use_hidden_tags",
        ]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let mut verdict = Verdict::default();
        require_on(cx, &mut verdict, "enable_keyboard_lock", Some("on"));
        judge_pin(cx, &mut verdict);
        judge_timeout(cx, &mut verdict);
        require_on(cx, &mut verdict, "use_hidden_tags", None);
        verdict.finding(cx, "keyboard lock with a PIN and a timeout; hidden tags on")
    }
}

fn require_on(cx: &Context<'_>, verdict: &mut Verdict, name: &str, default: Option<&str>) {
    let read = snom::global(cx.device, name);
    let value = match read.val() {
        Val::Template(_) => {
            verdict.undecided(format!("{name} is a template variable"));
            None
        }
        Val::Absent => {
            if default.is_none() {
                verdict.undecided(format!("{name} not set (factory default unconfirmed)"));
            }
            default
        }
        Val::Literal(value) => Some(value),
    };
    if let Some(value) = value
        && !snom::is_on(value)
    {
        verdict.fail(format!("{name} is {value:?}"));
    }
    verdict.evidence(read.evidence(cx, default));
}

fn judge_pin(cx: &Context<'_>, verdict: &mut Verdict) {
    let pin = snom::global(cx.device, "keyboard_lock_pw");
    let judgement = match pin.val() {
        Val::Absent => {
            verdict.undecided("keyboard_lock_pw not set (factory default unconfirmed)");
            String::new()
        }
        Val::Template(_) => {
            verdict.undecided("keyboard_lock_pw is a template variable");
            "template variable".to_owned()
        }
        Val::Literal("") => {
            verdict.fail("keyboard_lock_pw is empty: the lock has no PIN");
            "empty".to_owned()
        }
        Val::Literal(secret) => {
            let length = secret.chars().count();
            if password::is_well_known_default(secret) {
                verdict.fail("keyboard_lock_pw is a well-known default PIN");
                format!("{length} characters, a well-known default")
            } else {
                format!("{length} characters")
            }
        }
    };
    verdict.evidence(pin.secret_evidence(cx, &judgement, None));
}

fn judge_timeout(cx: &Context<'_>, verdict: &mut Verdict) {
    let timeout = snom::global(cx.device, "keyboard_lock_timeout");
    match timeout.val() {
        Val::Absent => {
            verdict.undecided("keyboard_lock_timeout not set (factory default unconfirmed)");
        }
        Val::Template(_) => verdict.undecided("keyboard_lock_timeout is a template variable"),
        Val::Literal(value) => match value.parse::<u64>() {
            Ok(0) => verdict.fail("keyboard_lock_timeout is 0: the phone never locks by itself"),
            Ok(_) => {}
            Err(_) if value.is_empty() => {
                verdict.fail("keyboard_lock_timeout is empty: the phone never locks by itself");
            }
            Err(_) => verdict.undecided(format!("keyboard_lock_timeout {value:?} is not a number")),
        },
    }
    verdict.evidence(timeout.evidence(cx, None));
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    fn audit(settings: &[(&str, &str)]) -> voipguard_model::Finding {
        run("SN-KEYLOCK", &device(Vendor::Snom, Family::Snom, settings))
    }

    const HARDENED: [(&str, &str); 4] = [
        ("enable_keyboard_lock", "on"),
        ("keyboard_lock_pw", "739164"),
        ("keyboard_lock_timeout", "60"),
        ("use_hidden_tags", "on"),
    ];

    #[test]
    fn a_lock_with_pin_timeout_and_hidden_tags_passes() {
        let finding = audit(&HARDENED);
        assert_eq!(finding.status, Status::Pass, "{}", finding.message);
        assert!(!format!("{finding:?}").contains("739164"));
    }

    #[test]
    fn a_default_pin_or_disabled_lock_fails_without_showing_the_pin() {
        let mut settings = HARDENED.to_vec();
        settings[1] = ("keyboard_lock_pw", "1234");
        let default_pin = audit(&settings);
        assert_eq!(default_pin.status, Status::Fail);
        assert!(!format!("{default_pin:?}").contains("\"1234\""));
        settings[1] = HARDENED[1];
        settings[0] = ("enable_keyboard_lock", "off");
        assert_eq!(audit(&settings).status, Status::Fail);
    }

    #[test]
    fn a_dump_without_pin_or_timeout_fails() {
        let finding = audit(&[
            ("enable_keyboard_lock", "off"),
            ("keyboard_lock_pw", ""),
            ("keyboard_lock_timeout", ""),
            ("use_hidden_tags", "off"),
        ]);
        assert_eq!(finding.status, Status::Fail);
        assert_eq!(
            finding.message,
            "enable_keyboard_lock is \"off\"; keyboard_lock_pw is empty: the lock has no PIN; \
             keyboard_lock_timeout is empty: the phone never locks by itself; \
             use_hidden_tags is \"off\""
        );
    }

    #[test]
    fn unset_settings_with_unconfirmed_defaults_are_unknown() {
        assert_eq!(audit(&[]).status, Status::Unknown);
    }
}
