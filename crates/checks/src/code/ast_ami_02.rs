//! AST-AMI-02: every AMI user has a strong secret that is not a published default.
//!
//! ## What it does
//! Judges the `secret` of every manager.conf user (sections other than `[general]`, includes such
//! as `manager_custom.conf` and `manager.d/*.conf` followed) with the PBX password policy, the
//! user's name, and the defaults the reference lists (FreePBX `amp111`, Issabel `phpagi`,
//! `php[onfig`, `AstTapi`, `a2billing`, …). One finding names every weak user; secrets are never
//! shown. Not applicable when the AMI is disabled.
//!
//! ## Why is this bad?
//! An AMI login grants call origination, CLI commands and configuration changes; default
//! FreePBX/Issabel AMI passwords are in public write-ups and scanners try them first.
//!
//! ## Example
//! ```ini
//! [admin]
//! secret = amp111
//! ```
//! Use instead: a long random secret per integration (and update `amportal.conf` to match).
//!
//! ## References
//! - reference/asterisk.md 2.4 AMI-02 and section 4; guide 004 "Password Policy"

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{
    enabled_manager, group, has_missing_includes, judge_secret, non_general,
};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstAmi02;

impl CodeCheck for AstAmi02 {
    fn id(&self) -> &'static str {
        "AST-AMI-02"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let manager = match enabled_manager(cx) {
            Ok(manager) => manager,
            Err(finding) => return finding,
        };
        let mut weak = Vec::new();
        let mut evidence = Vec::new();
        let mut total = 0;
        for user in non_general(manager) {
            let Some(secret) = user.get("secret") else {
                continue;
            };
            total += 1;
            let judgement = judge_secret(&secret.value, &[user.name.as_str()]);
            if judgement.weak {
                weak.push(user.name.clone());
                evidence.push(cx.asterisk_evidence(
                    &secret.origin,
                    format!("[{}] secret", user.name),
                    format!("redacted ({})", judgement.description),
                ));
            }
        }
        if total == 0 {
            let status = if has_missing_includes(manager) {
                Status::Unknown
            } else {
                Status::Pass
            };
            return cx.finding(
                status,
                "no AMI user with a secret in the files read".into(),
                Vec::new(),
            );
        }
        if weak.is_empty() {
            return cx.finding(
                Status::Pass,
                format!("all {total} AMI user secrets meet the password policy"),
                evidence,
            );
        }
        cx.finding(
            Status::Fail,
            format!(
                "{} have a weak or default secret",
                group(&weak, total, "AMI users")
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
    fn defaults_and_names_are_weak_and_never_shown() {
        let finding = run_files(
            "AST-AMI-02",
            &[(
                "manager.conf",
                "[general]\nenabled=yes\n[admin]\nsecret=amp111\n[crm]\nsecret=crm\n[ok]\nsecret=Vq7#pL2!xZ9m\n",
            )],
        );
        assert_eq!(finding.status, Status::Fail);
        assert!(
            finding.message.starts_with("2 of 3 AMI users (admin, crm)"),
            "{}",
            finding.message
        );
        let shown = format!("{finding:?}");
        assert!(!shown.contains("amp111") && !shown.contains("Vq7#"));
    }

    #[test]
    fn a_disabled_ami_is_not_judged() {
        let finding = run_files(
            "AST-AMI-02",
            &[("manager.conf", "[admin]\nsecret=amp111\n")],
        );
        assert_eq!(finding.status, Status::NotApplicable);
    }
}
