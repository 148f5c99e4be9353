//! AST-HTTP-02: a network-facing HTTP server serves neither static files nor its status page.
//!
//! ## What it does
//! When http.conf makes the server listen beyond loopback (clear or TLS), fails if
//! `enablestatic`/`enable_static` is on (default `no`) or `enable_status` is not off (default
//! `yes`: `/httpstatus` is served; Asterisk 20/21 main/http.c).
//!
//! ## Why is this bad?
//! `/httpstatus` lists the server's prefix, bind addresses and every URI handler (AMI, ARI,
//! WebSocket), and static files expose the contents of the static-http folder: both tell a
//! visitor what to attack next.
//!
//! ## Example
//! ```ini
//! [general]
//! enabled = yes
//! bindaddr = 0.0.0.0
//! enablestatic = yes
//! ```
//! Use instead: `enablestatic = no` and `enable_status = no`.
//!
//! ## References
//! - reference/asterisk.md 2.5 HTTP-02; main/http.c lines 2623-2626

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{Lookup, config, http_exposure, is_true};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstHttp02;

impl CodeCheck for AstHttp02 {
    fn id(&self) -> &'static str {
        "AST-HTTP-02"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let http = match config(cx, "http.conf") {
            Ok(http) => http,
            Err(finding) => return finding,
        };
        let Some(exposure) = http_exposure(http) else {
            return cx.finding(
                Status::Unknown,
                "http.conf enabled/bindaddr are not set in the files read, and missing includes may set them (see AST-CONFIG)".into(),
                Vec::new(),
            );
        };
        let Some(address) = exposure.clear.or(exposure.tls) else {
            return cx.finding(
                Status::NotApplicable,
                "the HTTP server is off or listens on loopback only".into(),
                Vec::new(),
            );
        };
        // main/http.c accepts both spellings of the static switch.
        let static_key = ["enable_static", "enablestatic"]
            .into_iter()
            .find(|key| http.value("general", key).is_some())
            .unwrap_or("enablestatic");
        let statics = Lookup::of(http, "general", static_key);
        let status_page = Lookup::of(http, "general", "enable_status");
        let evidence = vec![
            statics.evidence(cx, "http.conf", "general", static_key, "no"),
            status_page.evidence(cx, "http.conf", "general", "enable_status", "yes"),
        ];
        let (Some(statics), Some(status_page)) = (statics.or("no"), status_page.or("yes")) else {
            return cx.finding(
                Status::Unknown,
                format!("the HTTP server listens on {address}; enablestatic/enable_status are hidden in missing includes (see AST-CONFIG)"),
                evidence,
            );
        };
        let served: Vec<&str> = [
            (is_true(statics), "static files"),
            (is_true(status_page), "the /httpstatus page"),
        ]
        .into_iter()
        .filter_map(|(on, what)| on.then_some(what))
        .collect();
        if served.is_empty() {
            cx.finding(
                Status::Pass,
                format!("the HTTP server on {address} serves neither static files nor /httpstatus"),
                evidence,
            )
        } else {
            cx.finding(
                Status::Fail,
                format!(
                    "the HTTP server on {address} serves {} to the network",
                    served.join(" and ")
                ),
                evidence,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn public_status_and_static_pages_are_flagged() {
        let status = |text: &str| run_files("AST-HTTP-02", &[("http.conf", text)]).status;
        let public = "[general]\nenabled=yes\nbindaddr=0.0.0.0\n";
        assert_eq!(
            status(public),
            Status::Fail,
            "enable_status defaults to yes"
        );
        assert_eq!(
            status(&format!("{public}enable_status=no\nenablestatic=yes\n")),
            Status::Fail
        );
        assert_eq!(status(&format!("{public}enable_status=no\n")), Status::Pass);
        assert_eq!(
            status("[general]\nenabled=yes\nbindaddr=127.0.0.1\n"),
            Status::NotApplicable
        );
    }
}
