//! AST-VM-07: IMAP voicemail storage logs in over an encrypted connection.
//!
//! ## What it does
//! When voicemail.conf `[general]` names an `imapserver`, fails unless `imapflags` asks
//! c-client for `ssl` or `tls` (without `notls`); the port and whether a master
//! `authuser`/`authpassword` is used are given as evidence (the password redacted). Asterisk
//! 20/21 built with IMAP storage.
//!
//! ## Why is this bad?
//! The IMAP login, often a master account reading every mailbox, and the voice messages cross the
//! network in clear, or over a STARTTLS an attacker can strip.
//!
//! ## Example
//! ```ini
//! [general]
//! imapserver = mail.example.com
//! imapport = 143
//! authuser = asterisk
//! authpassword = secret
//! ```
//! Use instead: `imapflags = ssl` and `imapport = 993`.
//!
//! ## References
//! - reference/asterisk.md 2.6 VM-07; voicemail.conf.sample lines 299-310

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{config, key_evidence, list};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstVm07;

impl CodeCheck for AstVm07 {
    fn id(&self) -> &'static str {
        "AST-VM-07"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let voicemail = match config(cx, "voicemail.conf") {
            Ok(voicemail) => voicemail,
            Err(finding) => return finding,
        };
        let Some(general) = voicemail
            .category("general")
            .filter(|general| general.get("imapserver").is_some())
        else {
            return cx.finding(
                Status::NotApplicable,
                "voicemail is not stored on IMAP (no imapserver)".into(),
                Vec::new(),
            );
        };
        let server = general.value("imapserver").unwrap_or_default().trim();
        let port = general.value("imapport").unwrap_or("143").trim();
        let flags = list(general.value("imapflags").unwrap_or_default());
        let mut evidence = vec![
            key_evidence(cx, general, "imapserver", server.to_owned()),
            key_evidence(
                cx,
                general,
                "imapflags",
                if flags.is_empty() {
                    "not set".to_owned()
                } else {
                    flags.join(",")
                },
            ),
        ];
        let master = general.get("authpassword").is_some();
        if master {
            evidence.push(key_evidence(
                cx,
                general,
                "authpassword",
                "redacted (master IMAP password)".into(),
            ));
        }
        let encrypted = flags.iter().any(|flag| flag == "ssl" || flag == "tls")
            && !flags.iter().any(|flag| flag == "notls");
        if encrypted {
            return cx.finding(
                Status::Pass,
                format!("IMAP voicemail storage on {server}:{port} uses an encrypted connection"),
                evidence,
            );
        }
        let whose = if master {
            "the master IMAP login (authuser/authpassword)"
        } else {
            "the mailbox IMAP logins"
        };
        cx.finding(
            Status::Fail,
            format!("IMAP voicemail storage on {server}:{port} does not require ssl/tls: {whose} and the messages can be read on the network"),
            evidence,
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn clear_imap_is_flagged() {
        let status = |text: &str| run_files("AST-VM-07", &[("voicemail.conf", text)]).status;
        assert_eq!(
            status("[general]\nimapserver=mail\nauthuser=a\nauthpassword=b\n"),
            Status::Fail
        );
        assert_eq!(
            status("[general]\nimapserver=mail\nimapflags=ssl,novalidate-cert\n"),
            Status::Pass
        );
        assert_eq!(status("[general]\n"), Status::NotApplicable);
    }
}
