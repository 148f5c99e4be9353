//! AST-HTTP-01: Asterisk's HTTP server is off or bound to loopback.
//!
//! ## What it does
//! Reads `[general]` of http.conf: the server runs when `enabled=yes` (default `no`) and a
//! `bindaddr` is given (http.conf.sample: there is no default). Fails when it listens in clear on
//! a non-loopback address; the TLS listener (`tlsenable`, `tlsbindaddr`) is reported as evidence.
//! Asterisk 20/21 (main/http.c).
//!
//! ## Why is this bad?
//! The HTTP server carries AMI over HTTP (`/rawman`, `/manager`, `/mxml` with `webenabled`), ARI
//! and SIP over WebSocket. On a network address in clear text it exposes these services and their
//! credentials.
//!
//! ## Example
//! ```ini
//! [general]
//! enabled = yes
//! bindaddr = 0.0.0.0
//! ```
//! Use instead: `bindaddr = 127.0.0.1`, with `tlsenable=yes` where WebRTC or ARI must be public.
//!
//! ## References
//! - reference/asterisk.md 2.5 HTTP-01; http.conf.sample lines 26-39, 84-114

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{Lookup, config, is_loopback, is_true};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstHttp01;

impl CodeCheck for AstHttp01 {
    fn id(&self) -> &'static str {
        "AST-HTTP-01"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let http = match config(cx, "http.conf") {
            Ok(http) => http,
            Err(finding) => return finding,
        };
        let enabled = Lookup::of(http, "general", "enabled");
        let bind = Lookup::of(http, "general", "bindaddr");
        let mut evidence = vec![
            enabled.evidence(cx, "http.conf", "general", "enabled", "no"),
            bind.evidence(cx, "http.conf", "general", "bindaddr", "none"),
        ];
        let port = http.value("general", "bindport").unwrap_or("8088");
        match (enabled.or("no"), bind.or("")) {
            (Some(on), _) if !is_true(on) => cx.finding(
                Status::Pass,
                "the HTTP server is disabled".into(),
                evidence,
            ),
            (_, Some("")) => cx.finding(
                Status::Pass,
                "the HTTP server has no bindaddr, so it does not listen".into(),
                evidence,
            ),
            (Some(_), Some(address)) if is_loopback(address) => cx.finding(
                Status::Pass,
                format!("the HTTP server listens on loopback only ({address}:{port})"),
                evidence,
            ),
            (Some(_), Some(address)) => {
                let tls = http
                    .value("general", "tlsenable")
                    .is_some_and(is_true)
                    .then(|| Lookup::of(http, "general", "tlsbindaddr"));
                let note = match tls {
                    Some(tls_bind) => {
                        evidence.push(tls_bind.evidence(cx, "http.conf", "general", "tlsbindaddr", "bindaddr:8089"));
                        " (TLS is also enabled, but the clear listener stays open)"
                    }
                    None => "",
                };
                cx.finding(
                    Status::Fail,
                    format!("the HTTP server listens in clear on {address}:{port}{note}"),
                    evidence,
                )
            }
            _ => cx.finding(
                Status::Unknown,
                "http.conf enabled/bindaddr are not set in the files read, and missing includes may set them (see AST-CONFIG)".into(),
                evidence,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn a_clear_listener_must_be_local() {
        let status = |text: &str| run_files("AST-HTTP-01", &[("http.conf", text)]).status;
        assert_eq!(
            status("[general]\nenabled=yes\nbindaddr=0.0.0.0\n"),
            Status::Fail
        );
        assert_eq!(
            status("[general]\nenabled=yes\nbindaddr=127.0.0.1\n"),
            Status::Pass
        );
        assert_eq!(
            status("[general]\nbindaddr=0.0.0.0\n"),
            Status::Pass,
            "off by default"
        );
        assert_eq!(
            status("[general]\nenabled=yes\n"),
            Status::Pass,
            "no bindaddr, no listener"
        );
    }
}
