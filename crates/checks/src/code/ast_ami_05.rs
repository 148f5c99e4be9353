//! AST-AMI-05: the AMI is not served over clear HTTP to the network (`webenabled`).
//!
//! ## What it does
//! With the AMI enabled and manager.conf `[general] webenabled=yes` (default `no`, Asterisk
//! 20/21), reads http.conf: fails when the HTTP server's clear listener is on a non-loopback
//! address. A TLS-only exposure passes.
//!
//! ## Why is this bad?
//! `webenabled` serves the AMI at `/rawman`, `/manager` and `/mxml` of the HTTP server. In clear
//! text, every login and every action (Originate, Command) crosses the network readable.
//!
//! ## Example
//! ```ini
//! ; manager.conf
//! [general]
//! enabled = yes
//! webenabled = yes
//! ; http.conf
//! [general]
//! enabled = yes
//! bindaddr = 0.0.0.0
//! ```
//! Use instead: `webenabled = no`, or HTTP on loopback with `tlsenable=yes` for remote use.
//!
//! ## References
//! - reference/asterisk.md 2.4 AMI-05; manager.conf.sample lines 12-19

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{Lookup, enabled_manager, http_exposure, is_true};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstAmi05;

impl CodeCheck for AstAmi05 {
    fn id(&self) -> &'static str {
        "AST-AMI-05"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let manager = match enabled_manager(cx) {
            Ok(manager) => manager,
            Err(finding) => return finding,
        };
        let web = Lookup::of(manager, "general", "webenabled");
        let evidence = vec![web.evidence(cx, "manager.conf", "general", "webenabled", "no")];
        match web.or("no") {
            None => {
                return cx.finding(
                    Status::Unknown,
                    "manager.conf webenabled is not set in the files read, and missing includes may set it (see AST-CONFIG)".into(),
                    evidence,
                );
            }
            Some(value) if !is_true(value) => {
                return cx.finding(
                    Status::Pass,
                    "the AMI is not served over HTTP (webenabled is off)".into(),
                    evidence,
                );
            }
            Some(_) => {}
        }
        let Some(http) = cx.asterisk.and_then(|set| set.config("http.conf")) else {
            return cx.finding(
                Status::Unknown,
                "webenabled=yes, but http.conf is not in the set: where the HTTP server listens cannot be told".into(),
                evidence,
            );
        };
        match http_exposure(http) {
            None => cx.finding(
                Status::Unknown,
                "webenabled=yes, and http.conf enabled/bindaddr are hidden in missing includes (see AST-CONFIG)".into(),
                evidence,
            ),
            Some(exposure) => match exposure.clear {
                Some(address) => cx.finding(
                    Status::Fail,
                    format!("webenabled=yes: the AMI (/rawman, /manager, /mxml) is served in clear on {address}"),
                    evidence,
                ),
                None => cx.finding(
                    Status::Pass,
                    "webenabled=yes, but the HTTP server has no clear listener beyond loopback".into(),
                    evidence,
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn ami_over_clear_http_is_flagged() {
        let manager = "[general]\nenabled=yes\nwebenabled=yes\n";
        let status = |http: &str| {
            run_files(
                "AST-AMI-05",
                &[("manager.conf", manager), ("http.conf", http)],
            )
            .status
        };
        assert_eq!(
            status("[general]\nenabled=yes\nbindaddr=0.0.0.0\n"),
            Status::Fail
        );
        assert_eq!(
            status(
                "[general]\nenabled=yes\nbindaddr=127.0.0.1\ntlsenable=yes\ntlsbindaddr=0.0.0.0:8089\n"
            ),
            Status::Pass
        );
        assert_eq!(status("[general]\nenabled=no\n"), Status::Pass);
    }
}
