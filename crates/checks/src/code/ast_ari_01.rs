//! AST-ARI-01: ARI users have strong or hashed passwords, and browsers of any origin are not
//! allowed in.
//!
//! ## What it does
//! When ari.conf `[general] enabled` is on (default `yes`) and http.conf runs the HTTP server,
//! judges every `type=user` section: a `password` kept with `password_format=plain` (the default)
//! must meet the PBX password policy and not be a published default (`ari_password`); a `crypt`
//! hash is accepted as is. `[general] allowed_origins=*` fails too. Asterisk 20/21 res_ari.
//!
//! ## Why is this bad?
//! ARI controls calls and channels, and can originate calls to trunks: a guessed ARI password
//! is toll fraud. `allowed_origins=*` lets any web page a user visits talk to ARI from the
//! browser.
//!
//! ## Example
//! ```ini
//! [general]
//! enabled = yes
//! allowed_origins = *
//! [asterisk]
//! type = user
//! password = asterisk
//! ```
//! Use instead: `password_format = crypt` with a hash of a strong password, and explicit
//! origins.
//!
//! ## References
//! - reference/asterisk.md 2.5 ARI-01; ari.conf.sample lines 1-37

use voipguard_model::{Evidence, Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{
    Lookup, config, group, has_missing_includes, is_true, judge_secret, key_evidence, non_general,
};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstAri01;

impl CodeCheck for AstAri01 {
    fn id(&self) -> &'static str {
        "AST-ARI-01"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let ari = match config(cx, "ari.conf") {
            Ok(ari) => ari,
            Err(finding) => return finding,
        };
        if ari
            .value("general", "enabled")
            .is_some_and(|value| !is_true(value))
        {
            return cx.finding(
                Status::NotApplicable,
                "ARI is disabled (ari.conf [general] enabled=no)".into(),
                Vec::new(),
            );
        }
        // ARI is served by the HTTP server, also to local applications on loopback.
        let http_off = cx
            .asterisk
            .and_then(|set| set.config("http.conf"))
            .is_none_or(|http| {
                Lookup::of(http, "general", "enabled")
                    .or("no")
                    .is_some_and(|on| !is_true(on))
            });
        if http_off {
            return cx.finding(
                Status::NotApplicable,
                "the HTTP server that carries ARI is off".into(),
                Vec::new(),
            );
        }
        let mut problems = Vec::new();
        let mut evidence: Vec<Evidence> = Vec::new();
        if let Some(general) = ari.category("general")
            && general
                .value("allowed_origins")
                .is_some_and(|origins| origins.split(',').any(|origin| origin.trim() == "*"))
        {
            problems.push("allowed_origins=* lets any web page reach ARI".to_owned());
            evidence.push(key_evidence(cx, general, "allowed_origins", "*".into()));
        }
        let users: Vec<_> = non_general(ari)
            .filter(|section| {
                section
                    .value("type")
                    .is_some_and(|kind| kind.trim().eq_ignore_ascii_case("user"))
            })
            .collect();
        let mut weak = Vec::new();
        for user in &users {
            let hashed = user
                .value("password_format")
                .is_some_and(|format| format.trim().eq_ignore_ascii_case("crypt"));
            let Some(password) = user.get("password").filter(|_| !hashed) else {
                continue;
            };
            let judgement = judge_secret(&password.value, &[user.name.as_str()]);
            if judgement.weak {
                weak.push(user.name.clone());
                evidence.push(cx.asterisk_evidence(
                    &password.origin,
                    format!("[{}] password", user.name),
                    format!("redacted (plain, {})", judgement.description),
                ));
            }
        }
        if !weak.is_empty() {
            problems.push(format!(
                "{} have a weak plain-text password",
                group(&weak, users.len(), "ARI users")
            ));
        }
        if !problems.is_empty() {
            return cx.finding(Status::Fail, problems.join("; "), evidence);
        }
        if users.is_empty() && has_missing_includes(ari) {
            return cx.finding(
                Status::Unknown,
                "no ARI user in the files read, and missing includes may define them (see AST-CONFIG)".into(),
                evidence,
            );
        }
        cx.finding(
            Status::Pass,
            format!(
                "all {} ARI users have a hashed or strong password, and origins are not open",
                users.len()
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
    fn weak_plain_passwords_and_open_origins_fail() {
        let http = "[general]\nenabled=yes\nbindaddr=0.0.0.0\n";
        let status =
            |ari: &str| run_files("AST-ARI-01", &[("ari.conf", ari), ("http.conf", http)]).status;
        assert_eq!(
            status("[general]\nenabled=yes\n[asterisk]\ntype=user\npassword=asterisk\n"),
            Status::Fail
        );
        assert_eq!(
            status(
                "[general]\nallowed_origins=*\n[app]\ntype=user\npassword_format=crypt\npassword=$6$x$y\n"
            ),
            Status::Fail
        );
        assert_eq!(
            status("[app]\ntype=user\npassword=Xr7!kq2#Lm9z\n"),
            Status::Pass
        );
        let off = run_files(
            "AST-ARI-01",
            &[
                ("ari.conf", "[a]\ntype=user\npassword=a\n"),
                ("http.conf", "[general]\nenabled=no\n"),
            ],
        );
        assert_eq!(off.status, Status::NotApplicable);
    }
}
