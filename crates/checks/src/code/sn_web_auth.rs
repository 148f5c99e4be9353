//! SN-WEB-AUTH: the web UI is protected by a user name and a strong password.
//!
//! ## What it does
//! Checks that the web UI credentials are set: `http_user` and `http_pass`, and, where the file
//! uses the newer pair (firmware 10.1.185.0 and later), `webserver_admin_name` and
//! `webserver_admin_password`. Each password is judged against the Snom password policy; it is
//! never shown. A file that sets neither pair leaves the factory default: no credentials.
//!
//! ## Why is this bad?
//! Guide 002 calls this the most essential security feature: as long as no user and password are
//! set, anyone on the same network can open the web UI, read the configuration and change it,
//! including the SIP accounts and the provisioning server.
//!
//! ## Example
//! ```xml
//! <http_user perm="R"></http_user>
//! <http_pass perm="R"></http_pass>
//! ```
//!
//! Use instead:
//! ```xml
//! <http_user perm="R">phoneadmin</http_user>
//! <http_pass perm="R">a long random password</http_pass>
//! ```
//!
//! ## References
//! - guide `002_304575e019043713.txt`, "HTTP(S) User and Password"

use voipguard_model::Finding;

use super::CodeCheck;
use super::snom::{self, Val, Verdict};
use crate::context::Context;
use crate::password::{self, SNOM_POLICY};

/// Web UI credential pairs: the classic one and the one newer firmware adds.
const CREDENTIALS: [(&str, &str); 2] = [
    ("http_user", "http_pass"),
    ("webserver_admin_name", "webserver_admin_password"),
];

/// SN-WEB-AUTH.
#[derive(Debug)]
pub(crate) struct SnWebAuth;

impl CodeCheck for SnWebAuth {
    fn id(&self) -> &'static str {
        "SN-WEB-AUTH"
    }

    fn reads(&self) -> &'static [&'static str] {
        &[
            "http_pass",
            "http_user",
            "webserver_admin_name",
            "webserver_admin_password",
        ]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let mut verdict = Verdict::default();
        let mut judged = Vec::new();
        for (user_name, pass_name) in CREDENTIALS {
            let user = snom::global(cx.device, user_name);
            let pass = snom::global(cx.device, pass_name);
            if user.setting().is_none() && pass.setting().is_none() {
                continue;
            }
            judged.push(pass_name);
            judge_user(cx, &user, &mut verdict);
            judge_pass(cx, &pass, &user, &mut verdict);
        }
        if judged.is_empty() {
            let (user_name, pass_name) = CREDENTIALS[0];
            let user = snom::global(cx.device, user_name);
            let pass = snom::global(cx.device, pass_name);
            verdict.fail(format!(
                "no web UI credentials: {user_name} and {pass_name} are empty by factory default"
            ));
            verdict.evidence(user.evidence(cx, Some("empty")));
            verdict.evidence(pass.evidence(cx, Some("empty")));
        }
        verdict.finding(
            cx,
            format!(
                "web UI user and a strong password set ({})",
                judged.join(", ")
            ),
        )
    }
}

fn judge_user(cx: &Context<'_>, user: &snom::Read<'_>, verdict: &mut Verdict) {
    match user.val() {
        Val::Absent => verdict.fail(format!(
            "{} not set (empty by factory default)",
            user.name()
        )),
        Val::Literal("") => verdict.fail(format!("{} is empty", user.name())),
        Val::Template(_) => verdict.undecided(format!("{} is a template variable", user.name())),
        Val::Literal(_) => {}
    }
    verdict.evidence(user.evidence(cx, Some("empty")));
}

fn judge_pass(
    cx: &Context<'_>,
    pass: &snom::Read<'_>,
    user: &snom::Read<'_>,
    verdict: &mut Verdict,
) {
    match pass.val() {
        Val::Absent => {
            verdict.fail(format!(
                "{} not set (empty by factory default)",
                pass.name()
            ));
            verdict.evidence(pass.evidence(cx, Some("empty")));
        }
        Val::Template(_) => {
            verdict.undecided(format!("{} is a template variable", pass.name()));
            verdict.evidence(pass.secret_evidence(cx, "template variable", None));
        }
        Val::Literal(secret) => {
            let mut related = Vec::new();
            if let Val::Literal(name) = user.val() {
                related.push(name);
            }
            if let Some(mac) = cx.device.mac.as_deref() {
                related.push(mac);
            }
            let judgement = password::judge(secret, &SNOM_POLICY, &related);
            if judgement.weak {
                verdict.fail(format!(
                    "{} is weak ({})",
                    pass.name(),
                    judgement.description
                ));
            }
            verdict.evidence(pass.secret_evidence(cx, &judgement.description, None));
        }
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    const STRONG: &str = "v7#Qm!2pLz@9";

    #[test]
    fn no_credentials_fail_as_the_factory_default() {
        let finding = run("SN-WEB-AUTH", &device(Vendor::Snom, Family::Snom, &[]));
        assert_eq!(finding.status, Status::Fail);
        assert!(finding.evidence.iter().all(|evidence| evidence.default));
    }

    #[test]
    fn a_strong_password_with_a_user_passes_and_is_never_shown() {
        let finding = run(
            "SN-WEB-AUTH",
            &device(
                Vendor::Snom,
                Family::Snom,
                &[("http_user", "phoneadmin"), ("http_pass", STRONG)],
            ),
        );
        assert_eq!(finding.status, Status::Pass, "{}", finding.message);
        let shown = format!("{finding:?}");
        assert!(!shown.contains(STRONG));
        assert!(shown.contains("redacted (12 characters"));
    }

    #[test]
    fn weak_or_missing_parts_fail_without_revealing_the_password() {
        let weak = run(
            "SN-WEB-AUTH",
            &device(
                Vendor::Snom,
                Family::Snom,
                &[("http_user", "admin"), ("http_pass", "0000")],
            ),
        );
        assert_eq!(weak.status, Status::Fail);
        assert!(weak.message.contains("well-known factory default"));
        assert!(!format!("{weak:?}").contains("\"0000\""));
        let no_user = run(
            "SN-WEB-AUTH",
            &device(Vendor::Snom, Family::Snom, &[("http_pass", STRONG)]),
        );
        assert_eq!(no_user.status, Status::Fail);
        assert!(no_user.message.contains("http_user not set"));
    }

    #[test]
    fn the_newer_admin_pair_is_judged_too() {
        let finding = run(
            "SN-WEB-AUTH",
            &device(
                Vendor::Snom,
                Family::Snom,
                &[
                    ("webserver_admin_name", "admin"),
                    ("webserver_admin_password", "snom1234"),
                ],
            ),
        );
        assert_eq!(finding.status, Status::Fail);
        assert!(finding.message.contains("webserver_admin_password is weak"));
    }

    #[test]
    fn template_credentials_are_unknown() {
        let finding = run(
            "SN-WEB-AUTH",
            &device(
                Vendor::Snom,
                Family::Snom,
                &[
                    ("http_user", "{$admin_name}"),
                    ("http_pass", "{$admin_password}"),
                ],
            ),
        );
        assert_eq!(finding.status, Status::Unknown);
    }
}
