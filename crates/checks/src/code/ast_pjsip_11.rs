//! AST-PJSIP-11: identity headers are trusted only from endpoints that authenticate.
//!
//! ## What it does
//! Lists the `type=endpoint` sections of pjsip.conf with `trust_id_inbound` true (default `no`,
//! Asterisk 13 to 21) and no inbound `auth=`: endpoints matched by address (`type=identify`) or
//! the `anonymous` endpoint.
//!
//! The `type=wizard` sections of pjsip_wizard.conf count as the endpoints, AORs, auths and
//! identifies they create (`endpoint/…`, `aor/…` keys; `remote_hosts` as an address match).
//!
//! ## Why is this bad?
//! With `trust_id_inbound=yes` Asterisk takes the caller identity from the P-Asserted-Identity
//! and Remote-Party-ID headers. Where nobody authenticated the request, whoever reaches the
//! endpoint chooses the caller ID that is shown and passed on to trunks.
//!
//! ## Example
//! ```ini
//! [anonymous]
//! type = endpoint
//! trust_id_inbound = yes
//! ```
//! Use instead: `trust_id_inbound = no`, or authenticate the endpoint.
//!
//! ## References
//! - reference/asterisk.md 2.2 PJ-11; pjsip.conf.sample lines 743-745

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_pjsip::PjsipObjects;
use super::asterisk_services::{judge_each, true_key};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstPjsip11;

impl CodeCheck for AstPjsip11 {
    fn id(&self) -> &'static str {
        "AST-PJSIP-11"
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
            |endpoint| {
                let authenticated = endpoint
                    .value("auth")
                    .is_some_and(|auth| !auth.trim().is_empty());
                if authenticated {
                    return None;
                }
                true_key(cx, endpoint, "trust_id_inbound")
            },
            "trust caller-identity headers (trust_id_inbound) without authenticating the caller",
            "trust identity headers only after authentication, or not at all",
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn identity_is_trusted_only_after_authentication() {
        let status = |text: &str| run_files("AST-PJSIP-11", &[("pjsip.conf", text)]).status;
        assert_eq!(
            status("[trunk]\ntype=endpoint\ntrust_id_inbound=yes\n"),
            Status::Fail
        );
        assert_eq!(
            status("[100]\ntype=endpoint\nauth=100\ntrust_id_inbound=yes\n"),
            Status::Pass
        );
        assert_eq!(status("[trunk]\ntype=endpoint\n"), Status::Pass);
    }
}
