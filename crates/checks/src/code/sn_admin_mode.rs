//! SN-ADMIN-MODE: the phone runs in user mode and admin mode has its own strong password.
//!
//! ## What it does
//! Checks that `admin_mode` is `off` (the phone starts in admin mode) and that
//! `admin_mode_password` is set, is not a factory default (`0000` before firmware 10.1.185.0), is
//! not the web UI password (`http_pass` / `webserver_admin_password`), and is strong. The password
//! is compared and judged, never shown.
//!
//! ## Why is this bad?
//! In admin mode the phone menu and web UI give access to every setting, including the
//! provisioning server and SIP credentials. Guide 002 recommends user mode for phone users and a
//! password on admin mode; `0000` or the web password is no protection.
//!
//! ## Example
//! ```xml
//! <admin_mode perm="RW">on</admin_mode>
//! <admin_mode_password perm="R">0000</admin_mode_password>
//! ```
//!
//! Use instead:
//! ```xml
//! <admin_mode perm="RW">off</admin_mode>
//! <admin_mode_password perm="R">a password of its own</admin_mode_password>
//! ```
//!
//! ## References
//! - guide `002_304575e019043713.txt`, "Admin Mode"

use voipguard_model::Finding;

use super::CodeCheck;
use super::snom::{self, Val, Verdict};
use crate::context::Context;
use crate::password::{self, SNOM_POLICY};

/// Web UI passwords the admin mode password must differ from.
const WEB_PASSWORDS: [&str; 2] = ["http_pass", "webserver_admin_password"];

/// SN-ADMIN-MODE.
#[derive(Debug)]
pub(crate) struct SnAdminMode;

impl CodeCheck for SnAdminMode {
    fn id(&self) -> &'static str {
        "SN-ADMIN-MODE"
    }

    fn reads(&self) -> &'static [&'static str] {
        &[
            "admin_mode",
            "admin_mode_password",
            "http_pass",
            "webserver_admin_password",
        ]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let mut verdict = Verdict::default();
        let mode = snom::global(cx.device, "admin_mode");
        match mode.val() {
            Val::Absent => verdict.fail("admin_mode is on by factory default"),
            Val::Template(_) => verdict.undecided("admin_mode is a template variable"),
            Val::Literal(value) if value.eq_ignore_ascii_case("off") => {}
            Val::Literal(value) => verdict.fail(format!("admin_mode is {value}")),
        }
        verdict.evidence(mode.evidence(cx, Some("on")));
        judge_password(cx, &mut verdict);
        verdict.finding(
            cx,
            "user mode on; admin mode has a strong password of its own",
        )
    }
}

fn judge_password(cx: &Context<'_>, verdict: &mut Verdict) {
    let pass = snom::global(cx.device, "admin_mode_password");
    let secret = match pass.val() {
        Val::Absent => {
            verdict.fail(
                "admin_mode_password not set: 0000 by factory default before firmware 10.1.185.0, \
                 the web UI password after",
            );
            verdict.evidence(pass.evidence(cx, Some("0000 or none")));
            return;
        }
        Val::Template(_) => {
            verdict.undecided("admin_mode_password is a template variable");
            verdict.evidence(pass.secret_evidence(cx, "template variable", None));
            return;
        }
        Val::Literal(secret) => secret,
    };
    let same_as = WEB_PASSWORDS.into_iter().find(|name| {
        snom::global(cx.device, name).val() == Val::Literal(secret) && !secret.is_empty()
    });
    let judgement = match same_as {
        Some(web) => {
            verdict.fail(format!("admin_mode_password is the same as {web}"));
            format!("same as {web}")
        }
        None => {
            let mac = cx.device.mac.as_deref().unwrap_or_default();
            let judgement = password::judge(secret, &SNOM_POLICY, &[mac]);
            if judgement.weak {
                verdict.fail(format!(
                    "admin_mode_password is weak ({})",
                    judgement.description
                ));
            }
            judgement.description
        }
    };
    verdict.evidence(pass.secret_evidence(cx, &judgement, None));
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    const STRONG: &str = "Rb8$kq2!Wm5z";

    #[test]
    fn factory_defaults_fail() {
        let finding = run("SN-ADMIN-MODE", &device(Vendor::Snom, Family::Snom, &[]));
        assert_eq!(finding.status, Status::Fail);
        assert!(
            finding
                .message
                .contains("admin_mode is on by factory default")
        );
        assert!(finding.message.contains("0000"));
    }

    #[test]
    fn user_mode_with_a_strong_own_password_passes() {
        let finding = run(
            "SN-ADMIN-MODE",
            &device(
                Vendor::Snom,
                Family::Snom,
                &[
                    ("admin_mode", "off"),
                    ("admin_mode_password", STRONG),
                    ("http_pass", "another#Strong9pw"),
                ],
            ),
        );
        assert_eq!(finding.status, Status::Pass, "{}", finding.message);
        assert!(!format!("{finding:?}").contains(STRONG));
    }

    #[test]
    fn the_web_password_reused_fails_without_showing_it() {
        let finding = run(
            "SN-ADMIN-MODE",
            &device(
                Vendor::Snom,
                Family::Snom,
                &[
                    ("admin_mode", "off"),
                    ("admin_mode_password", STRONG),
                    ("http_pass", STRONG),
                ],
            ),
        );
        assert_eq!(finding.status, Status::Fail);
        assert!(finding.message.contains("same as http_pass"));
        assert!(!format!("{finding:?}").contains(STRONG));
    }

    #[test]
    fn the_old_default_pin_fails_and_admin_mode_on_fails() {
        let finding = run(
            "SN-ADMIN-MODE",
            &device(
                Vendor::Snom,
                Family::Snom,
                &[("admin_mode", "on"), ("admin_mode_password", "0000")],
            ),
        );
        assert_eq!(finding.status, Status::Fail);
        assert!(finding.message.contains("admin_mode is on"));
        assert!(finding.message.contains("well-known factory default"));
    }

    #[test]
    fn a_template_password_is_unknown() {
        let finding = run(
            "SN-ADMIN-MODE",
            &device(
                Vendor::Snom,
                Family::Snom,
                &[("admin_mode", "off"), ("admin_mode_password", "{$pin}")],
            ),
        );
        assert_eq!(finding.status, Status::Unknown);
    }
}
