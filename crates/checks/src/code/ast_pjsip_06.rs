//! AST-PJSIP-06: no PJSIP endpoint answers OPTIONS without authentication.
//!
//! ## What it does
//! Lists the `type=endpoint` sections of pjsip.conf (templates included) whose
//! `allow_unauthenticated_options` is true (default `no`, Asterisk 16.x to 21).
//!
//! The `type=wizard` sections of pjsip_wizard.conf count as the endpoints, AORs, auths and
//! identifies they create (`endpoint/…`, `aor/…` keys; `remote_hosts` as an address match).
//!
//! ## Why is this bad?
//! Scanners (sipvicious, friendly-scanner) send OPTIONS to find which names exist and what the
//! server is. Answering them without a challenge confirms the endpoint before the brute force of
//! its password starts.
//!
//! ## Example
//! ```ini
//! [100]
//! type = endpoint
//! allow_unauthenticated_options = yes
//! ```
//! Use instead: remove the line (default `no`).
//!
//! ## References
//! - reference/asterisk.md 2.2 PJ-06; pjsip.conf.sample line 985

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_pjsip::PjsipObjects;
use super::asterisk_services::{judge_each, true_key};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstPjsip06;

impl CodeCheck for AstPjsip06 {
    fn id(&self) -> &'static str {
        "AST-PJSIP-06"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let pjsip = match PjsipObjects::of(cx) {
            Ok(pjsip) => pjsip,
            Err(finding) => return finding,
        };
        let endpoints: Vec<_> = pjsip.objects("endpoint").collect();
        judge_each(
            cx,
            pjsip.has_missing_includes(),
            &endpoints,
            "endpoints",
            |endpoint| true_key(cx, endpoint, "allow_unauthenticated_options"),
            "answer OPTIONS without authentication, which confirms them to scanners",
            "challenge OPTIONS (allow_unauthenticated_options is off)",
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn unauthenticated_options_are_flagged() {
        let status = |text: &str| run_files("AST-PJSIP-06", &[("pjsip.conf", text)]).status;
        assert_eq!(
            status("[100]\ntype=endpoint\nallow_unauthenticated_options=yes\n"),
            Status::Fail
        );
        assert_eq!(status("[100]\ntype=endpoint\n"), Status::Pass, "default no");
        assert_eq!(status("[t]\ntype=transport\n"), Status::NotApplicable);
    }
}
