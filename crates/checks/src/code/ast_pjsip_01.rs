//! AST-PJSIP-01: pjsip has no anonymous endpoint.
//!
//! ## What it does
//! Fails when pjsip.conf defines an endpoint named `anonymous` (the one
//! res_pjsip_endpoint_identifier_anonymous gives every request that matches no other endpoint),
//! and names its context.
//!
//! ## Why is this bad?
//! The anonymous endpoint is the pjsip equivalent of chan_sip's `allowguest=yes`: requests that
//! match no endpoint enter its context without authentication. FreePBX generates it with
//! `context=from-sip-external` when "Allow Anonymous Inbound SIP Calls" is on; if the context can
//! reach a trunk, anyone can place calls at the owner's expense.
//!
//! ## Example
//! ```ini
//! [anonymous]
//! type = endpoint
//! context = from-sip-external
//! ```
//! Use instead: no anonymous endpoint; route DIDs through trunks identified by address.
//!
//! ## References
//! - reference/asterisk.md 2.2 PJ-01; pjsip.conf.sample lines 39-44

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{config, has_missing_includes, key_evidence, pjsip_objects};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstPjsip01;

impl CodeCheck for AstPjsip01 {
    fn id(&self) -> &'static str {
        "AST-PJSIP-01"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let pjsip = match config(cx, "pjsip.conf") {
            Ok(pjsip) => pjsip,
            Err(finding) => return finding,
        };
        if let Some(anonymous) = pjsip_objects(pjsip, "endpoint")
            .find(|endpoint| endpoint.name.eq_ignore_ascii_case("anonymous"))
        {
            let context = anonymous.value("context").unwrap_or("default");
            let evidence = key_evidence(cx, anonymous, "context", context.to_owned());
            return cx.finding(
                Status::Fail,
                format!("an anonymous endpoint accepts unidentified callers without authentication into context {context}"),
                vec![evidence],
            );
        }
        if has_missing_includes(pjsip) {
            return cx.finding(
                Status::Unknown,
                "no anonymous endpoint in the files read, but pjsip.conf includes files missing from this copy (see AST-CONFIG)".into(),
                Vec::new(),
            );
        }
        cx.finding(Status::Pass, "no anonymous endpoint".into(), Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn the_anonymous_endpoint_fails() {
        let status = |text: &str| run_files("AST-PJSIP-01", &[("pjsip.conf", text)]).status;
        assert_eq!(
            status("[anonymous]\ntype=endpoint\ncontext=from-sip-external\n"),
            Status::Fail
        );
        assert_eq!(
            status("[anonymous]\ntype=aor\n[6001]\ntype=endpoint\n"),
            Status::Pass
        );
    }
}
