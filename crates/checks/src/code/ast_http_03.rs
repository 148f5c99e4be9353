//! AST-HTTP-03: the HTTP server's TLS listener refuses TLS 1.0/1.1 and weak ciphers.
//!
//! ## What it does
//! When http.conf `[general] tlsenable` is on, fails if `tlsdisablev1` is written as off, if
//! `tlsdisablev11` is not on (only TLS 1.0 is disabled by default, Asterisk 20/21 tcptls.c), or
//! if `tlscipher` enables anonymous, NULL or export suites.
//!
//! ## Why is this bad?
//! An attacker in the path can downgrade ARI, AMI-over-HTTP and WebRTC (WSS) sessions to a
//! protocol version or cipher that lets them read the credentials.
//!
//! ## Example
//! ```ini
//! [general]
//! tlsenable = yes
//! tlsbindaddr = 0.0.0.0:8089
//! ```
//! Use instead: add `tlsdisablev1 = yes` and `tlsdisablev11 = yes`.
//!
//! ## References
//! - reference/asterisk.md 2.5 HTTP-03; http.conf.sample lines 112-114

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{Lookup, config, enables_weak_cipher, is_true};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstHttp03;

impl CodeCheck for AstHttp03 {
    fn id(&self) -> &'static str {
        "AST-HTTP-03"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let http = match config(cx, "http.conf") {
            Ok(http) => http,
            Err(finding) => return finding,
        };
        if !http.value("general", "tlsenable").is_some_and(is_true) {
            return cx.finding(
                Status::NotApplicable,
                "the HTTP server has no TLS listener (tlsenable is off)".into(),
                Vec::new(),
            );
        }
        let mut evidence = Vec::new();
        let mut weak = Vec::new();
        let mut hidden = false;
        for (key, default, version) in [
            ("tlsdisablev1", "yes", "TLS 1.0"),
            ("tlsdisablev11", "no", "TLS 1.1"),
        ] {
            let lookup = Lookup::of(http, "general", key);
            evidence.push(lookup.evidence(cx, "http.conf", "general", key, default));
            match lookup.or(default) {
                Some(value) if !is_true(value) => weak.push(version.to_owned()),
                Some(_) => {}
                None => hidden = true,
            }
        }
        if let Lookup::Set(cipher) = Lookup::of(http, "general", "tlscipher")
            && enables_weak_cipher(&cipher.value)
        {
            evidence.push(cx.asterisk_evidence(
                &cipher.origin,
                "[general] tlscipher".into(),
                cipher.value.clone(),
            ));
            weak.push("anonymous/NULL/export ciphers".to_owned());
        }
        if !weak.is_empty() {
            return cx.finding(
                Status::Fail,
                format!("the HTTPS listener accepts {}", weak.join(", ")),
                evidence,
            );
        }
        if hidden {
            return cx.finding(
                Status::Unknown,
                "tlsdisablev1/tlsdisablev11 are not set in the files read, and missing includes may set them (see AST-CONFIG)".into(),
                evidence,
            );
        }
        cx.finding(
            Status::Pass,
            "the HTTPS listener refuses TLS 1.0 and 1.1".into(),
            evidence,
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn old_tls_versions_are_flagged() {
        let status = |text: &str| run_files("AST-HTTP-03", &[("http.conf", text)]).status;
        let tls = "[general]\ntlsenable=yes\n";
        assert_eq!(status(tls), Status::Fail, "TLS 1.1 on by default");
        assert_eq!(status(&format!("{tls}tlsdisablev11=yes\n")), Status::Pass);
        assert_eq!(
            status(&format!(
                "{tls}tlsdisablev11=yes\ntlscipher=ADH-AES256-SHA\n"
            )),
            Status::Fail
        );
        assert_eq!(status("[general]\nenabled=yes\n"), Status::NotApplicable);
    }
}
