//! AST-PJSIP-04: pjsip auth passwords meet the password policy.
//!
//! ## What it does
//! Judges the `password` of every `type=auth` section of pjsip.conf and the `inbound_auth/password`
//! of pjsip_wizard.conf with the PBX password policy (at least 8 characters with upper, lower,
//! digit and special characters, no dictionary word, no default) and against the section and
//! user names. Sections holding only an MD5 digest (`md5_cred`, `password_digest`) are counted
//! as not judged. One finding names every weak auth; passwords are never shown.
//!
//! ## Why is this bad?
//! SIP scanners guess registration passwords such as the extension number or `secret`; a guessed
//! password lets the attacker register and call at the owner's expense.
//!
//! ## Example
//! ```ini
//! [6001]
//! type = auth
//! username = 6001
//! password = 6001
//! ```
//! Use instead: a long random password per auth section.
//!
//! ## References
//! - reference/asterisk.md 2.2 PJ-04 and section 4; guide 004 "SIP / IAX2 Password Policy:"

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{group, judge_secret, pjsip_objects};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstPjsip04;

impl CodeCheck for AstPjsip04 {
    fn id(&self) -> &'static str {
        "AST-PJSIP-04"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let sources = [
            ("pjsip.conf", "auth", "password", "username"),
            (
                "pjsip_wizard.conf",
                "wizard",
                "inbound_auth/password",
                "inbound_auth/username",
            ),
        ];
        let mut found_file = false;
        let mut total = 0;
        let mut weak = Vec::new();
        let mut evidence = Vec::new();
        for (file, kind, password_key, user_key) in sources {
            let Some(config) = cx.asterisk.and_then(|set| set.config(file)) else {
                continue;
            };
            found_file = true;
            for section in pjsip_objects(config, kind) {
                let Some(password) = section.get(password_key) else {
                    continue;
                };
                total += 1;
                let user = section.value(user_key).unwrap_or_default();
                let judgement = judge_secret(&password.value, &[section.name.as_str(), user]);
                if judgement.weak {
                    weak.push(section.name.clone());
                    evidence.push(cx.asterisk_evidence(
                        &password.origin,
                        format!("[{}] {password_key}", section.name),
                        format!("redacted ({})", judgement.description),
                    ));
                }
            }
        }
        if !found_file {
            return cx.finding(
                Status::NotApplicable,
                "no pjsip.conf or pjsip_wizard.conf in the configuration set".into(),
                Vec::new(),
            );
        }
        if total == 0 {
            return cx.finding(
                Status::NotApplicable,
                "no plain-text pjsip password in the files read".into(),
                Vec::new(),
            );
        }
        if weak.is_empty() {
            return cx.finding(
                Status::Pass,
                format!("all {total} pjsip passwords meet the password policy"),
                evidence,
            );
        }
        cx.finding(
            Status::Fail,
            format!(
                "{} have a weak password",
                group(&weak, total, "pjsip auth sections")
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
    fn weak_passwords_fail_without_being_shown() {
        let finding = run_files(
            "AST-PJSIP-04",
            &[(
                "pjsip.conf",
                "[6001]\ntype=auth\nusername=6001\npassword=6001\n[6002]\ntype=auth\npassword=Vq7#pL2!xZ9m\n",
            )],
        );
        assert_eq!(finding.status, Status::Fail);
        assert!(
            finding
                .message
                .starts_with("1 of 2 pjsip auth sections (6001)"),
            "{}",
            finding.message
        );
        assert!(!format!("{finding:?}").contains("Vq7#"));
    }
}
