//! AST-PJSIP-13: identification by `auth_username` does not hide slow scanners.
//!
//! ## What it does
//! Reads `endpoint_identifier_order` of the `type=global` section of pjsip.conf (default
//! `ip,username,anonymous`, Asterisk 16 to 21) and fails when `auth_username` comes first while
//! `unidentified_request_count` is left at its default.
//!
//! ## Why is this bad?
//! With `auth_username` first, res_pjsip defers the "No matching endpoint found" security event
//! until `unidentified_request_count` requests (default 5) arrive from one address within
//! `unidentified_request_period` (5 s). A scanner sending slower than that is never reported, so
//! the log-based guard never bans it.
//!
//! ## Example
//! ```ini
//! [global]
//! type = global
//! endpoint_identifier_order = auth_username,username,ip
//! ```
//! Use instead: the default order, or keep `auth_username` and set a small
//! `unidentified_request_count` (e.g. 2) with a longer `unidentified_request_period`.
//!
//! ## References
//! - reference/asterisk.md 2.2 PJ-13; pjsip.conf.sample lines 1377-1406; pjsip_distributor.c
//!   lines 730-741, 820-860

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{config, has_missing_includes, key_evidence, list, pjsip_objects};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstPjsip13;

impl CodeCheck for AstPjsip13 {
    fn id(&self) -> &'static str {
        "AST-PJSIP-13"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let pjsip = match config(cx, "pjsip.conf") {
            Ok(pjsip) => pjsip,
            Err(finding) => return finding,
        };
        let Some(global) = pjsip_objects(pjsip, "global")
            .find(|global| global.get("endpoint_identifier_order").is_some())
        else {
            return if has_missing_includes(pjsip) {
                cx.finding(
                    Status::Unknown,
                    "endpoint_identifier_order is not set in the pjsip.conf read, and missing includes may set it (see AST-CONFIG)".into(),
                    Vec::new(),
                )
            } else {
                cx.finding(
                    Status::Pass,
                    "endpoint_identifier_order is not set (default ip,username,anonymous)".into(),
                    Vec::new(),
                )
            };
        };
        let order = global
            .value("endpoint_identifier_order")
            .unwrap_or_default();
        let mut evidence = vec![key_evidence(
            cx,
            global,
            "endpoint_identifier_order",
            order.to_owned(),
        )];
        let first = list(order).into_iter().next().unwrap_or_default();
        if first != "auth_username" {
            return cx.finding(
                Status::Pass,
                format!("endpoints are identified by {first} first, so unknown requests are reported at once"),
                evidence,
            );
        }
        match global.get("unidentified_request_count") {
            Some(count) => {
                evidence.push(key_evidence(cx, global, "unidentified_request_count", count.value.clone()));
                cx.finding(
                    Status::Pass,
                    format!("auth_username comes first, with unidentified_request_count tuned to {}", count.value.trim()),
                    evidence,
                )
            }
            None => cx.finding(
                Status::Fail,
                "auth_username comes first with unidentified_request_count at its default (5 in 5 s): slower scanners are never reported to the guard".into(),
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
    fn auth_username_first_needs_tuning() {
        let status = |text: &str| run_files("AST-PJSIP-13", &[("pjsip.conf", text)]).status;
        let global = "[global]\ntype=global\nendpoint_identifier_order=auth_username,ip\n";
        assert_eq!(status(global), Status::Fail);
        assert_eq!(
            status(&format!("{global}unidentified_request_count=2\n")),
            Status::Pass
        );
        assert_eq!(status("[global]\ntype=global\n"), Status::Pass);
    }
}
