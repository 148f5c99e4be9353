//! SN-UBOOT: the U-Boot bootloader is locked with a strong password.
//!
//! ## What it does
//! Checks that `uboot_lock` is set and strong (judged against the Snom password policy, never
//! shown). An absent `uboot_lock` is empty, as in a phone's settings dump. The Snom MeetingPoint
//! has no user-accessible serial port and is not applicable.
//!
//! ## Why is this bad?
//! Most Snom phones have a user-accessible serial port. Guide 002: with physical access an
//! attacker can use it to tamper with the firmware or read account credentials from flash. The
//! U-Boot lock requires a password on the serial console and also locks the recovery mode.
//!
//! ## Example
//! ```xml
//! <uboot_lock perm="R"></uboot_lock>
//! ```
//!
//! Use instead:
//! ```xml
//! <uboot_lock perm="R">a long random password</uboot_lock>
//! ```
//!
//! ## References
//! - guide `002_304575e019043713.txt`, "U-Boot Lock"

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::snom::{self, Val, Verdict};
use crate::context::Context;
use crate::password::{self, SNOM_POLICY};

/// SN-UBOOT.
#[derive(Debug)]
pub(crate) struct SnUboot;

impl CodeCheck for SnUboot {
    fn id(&self) -> &'static str {
        "SN-UBOOT"
    }

    fn reads(&self) -> &'static [&'static str] {
        &["uboot_lock"]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        if cx.device.model.as_deref().is_some_and(is_meeting_point) {
            return cx.finding(
                Status::NotApplicable,
                "the MeetingPoint has no user-accessible serial port".into(),
                Vec::new(),
            );
        }
        let mut verdict = Verdict::default();
        let lock = snom::global(cx.device, "uboot_lock");
        let judgement = match lock.val() {
            Val::Absent => {
                verdict.fail("uboot_lock not set (empty by factory default)");
                "not set".to_owned()
            }
            Val::Template(_) => {
                verdict.undecided("uboot_lock is a template variable");
                "template variable".to_owned()
            }
            Val::Literal(secret) => {
                let mac = cx.device.mac.as_deref().unwrap_or_default();
                let judgement = password::judge(secret, &SNOM_POLICY, &[mac]);
                if judgement.weak {
                    verdict.fail(format!("uboot_lock is weak ({})", judgement.description));
                }
                judgement.description
            }
        };
        verdict.evidence(lock.secret_evidence(cx, &judgement, Some("empty")));
        verdict.finding(cx, "the U-Boot lock is set with a strong password")
    }
}

/// Snom's conference phone: `MeetingPoint`, `snom MP`, `MP`.
fn is_meeting_point(model: &str) -> bool {
    let compact: String = model
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    let bare = compact.strip_prefix("snom").unwrap_or(&compact);
    bare.contains("meetingpoint") || bare == "mp"
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use super::is_meeting_point;
    use crate::testing::{device, run};

    #[test]
    fn an_absent_or_empty_lock_fails() {
        let absent = run("SN-UBOOT", &device(Vendor::Snom, Family::Snom, &[]));
        assert_eq!(absent.status, Status::Fail);
        assert!(absent.evidence[0].default);
        let empty = run(
            "SN-UBOOT",
            &device(Vendor::Snom, Family::Snom, &[("uboot_lock", "")]),
        );
        assert_eq!(empty.status, Status::Fail);
        assert_eq!(empty.evidence[0].value, "redacted (empty)");
    }

    #[test]
    fn a_strong_lock_passes_and_is_never_shown() {
        let secret = "Ub00t#Lock!x9";
        let finding = run(
            "SN-UBOOT",
            &device(Vendor::Snom, Family::Snom, &[("uboot_lock", secret)]),
        );
        assert_eq!(finding.status, Status::Pass, "{}", finding.message);
        assert!(!format!("{finding:?}").contains(secret));
    }

    #[test]
    fn a_weak_lock_fails_without_showing_it() {
        let finding = run(
            "SN-UBOOT",
            &device(Vendor::Snom, Family::Snom, &[("uboot_lock", "1234")]),
        );
        assert_eq!(finding.status, Status::Fail);
        assert!(!format!("{finding:?}").contains("\"1234\""));
    }

    #[test]
    fn the_meeting_point_is_not_applicable() {
        let mut meeting_point = device(Vendor::Snom, Family::Snom, &[]);
        meeting_point.model = Some("snom MeetingPoint".into());
        assert_eq!(
            run("SN-UBOOT", &meeting_point).status,
            Status::NotApplicable
        );
        assert!(is_meeting_point("MP"));
        assert!(!is_meeting_point("D785"));
    }
}
