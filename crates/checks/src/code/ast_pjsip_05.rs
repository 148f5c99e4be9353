//! AST-PJSIP-05: PJSIP endpoints are limited to known networks by ACLs.
//!
//! ## What it does
//! Passes when pjsip.conf has a `type=acl` section (applied to every request) that denies and
//! then permits chosen networks. Otherwise lists the endpoints whose own `acl`/`permit`/`deny`
//! (named ACLs read from acl.conf) let every address in and that have no `contact_acl`,
//! `contact_permit` or `contact_deny`. Endpoints matched by address through a `type=identify`
//! are left out: the match already limits them. Asterisk 13 to 21.
//!
//! The `type=wizard` sections of pjsip_wizard.conf count as the endpoints, AORs, auths and
//! identifies they create (`endpoint/…`, `aor/…` keys; `remote_hosts` as an address match).
//!
//! ## Why is this bad?
//! Without ACLs, anyone on the internet can send requests for the endpoint and try its password;
//! with them, requests from other networks are refused ("Not match Endpoint ACL") before
//! authentication and raise a FailedACL security event.
//!
//! ## Example
//! ```ini
//! [100]
//! type = endpoint
//! auth = 100
//! ```
//! Use instead: `deny = 0.0.0.0/0.0.0.0` and `permit = 192.0.2.0/24` on the endpoint (or
//! `contact_deny`/`contact_permit` for registrations, or a global `type=acl` section).
//!
//! ## References
//! - reference/asterisk.md 2.2 PJ-05; pjsip.conf.sample lines 449-494, 1508-1514; guide 004
//!   "Define Access Control List for Extensions (SIP/IAX2)"

use std::collections::HashSet;

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_pjsip::PjsipObjects;
use super::asterisk_services::{AclReach, acl_reach, judge_each, key_evidence, list};
use crate::context::Context;

/// The endpoint keys that limit where registrations may come from.
const CONTACT_ACL_KEYS: &[&str] = &["contact_acl", "contact_permit", "contact_deny"];

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstPjsip05;

impl CodeCheck for AstPjsip05 {
    fn id(&self) -> &'static str {
        "AST-PJSIP-05"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let pjsip = match PjsipObjects::of(cx) {
            Ok(pjsip) => pjsip,
            Err(finding) => return finding,
        };
        let named = cx.asterisk.and_then(|set| set.config("acl.conf"));
        let restricts =
            |reach: AclReach| matches!(reach, AclReach::Restricted | AclReach::LoopbackOnly);
        if let Some(global) = pjsip.objects("acl").find(|acl| {
            restricts(acl_reach(acl, named))
                || CONTACT_ACL_KEYS.iter().any(|key| acl.get(key).is_some())
        }) {
            return cx.finding(
                Status::Pass,
                format!(
                    "the global ACL [{}] (type=acl) limits every request",
                    global.name
                ),
                vec![key_evidence(cx, global, "type", "acl".into())],
            );
        }
        let by_address: HashSet<String> = pjsip
            .objects("identify")
            .filter(|identify| identify.get("match").is_some())
            .filter_map(|identify| identify.value("endpoint"))
            .flat_map(list)
            .collect();
        let endpoints: Vec<_> = pjsip
            .objects("endpoint")
            .filter(|endpoint| !by_address.contains(&endpoint.name.to_ascii_lowercase()))
            .collect();
        judge_each(
            cx,
            pjsip.has_missing_includes(),
            &endpoints,
            "endpoints not matched by address",
            |endpoint| {
                let contact_limited = CONTACT_ACL_KEYS
                    .iter()
                    .any(|key| endpoint.get(key).is_some());
                let shown = match acl_reach(endpoint, named) {
                    _ if contact_limited => return None,
                    AclReach::None => "no acl/permit/deny/contact_* rule, no global type=acl",
                    AclReach::Everyone => "permits every address",
                    AclReach::LoopbackOnly | AclReach::Restricted => return None,
                };
                Some(key_evidence(cx, endpoint, "permit", shown.to_owned()))
            },
            "accept requests from any address",
            "are limited by deny/permit or contact ACLs",
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn endpoints_need_an_acl_somewhere() {
        let status = |text: &str| run_files("AST-PJSIP-05", &[("pjsip.conf", text)]).status;
        let phone = "[100]\ntype=endpoint\nauth=100\n";
        assert_eq!(status(phone), Status::Fail);
        assert_eq!(
            status(&format!("{phone}deny=0.0.0.0/0\npermit=192.0.2.0/24\n")),
            Status::Pass
        );
        assert_eq!(
            status(&format!(
                "{phone}contact_deny=0.0.0.0/0\ncontact_permit=192.0.2.0/24\n"
            )),
            Status::Pass
        );
        assert_eq!(
            status(&format!(
                "[acl]\ntype=acl\ndeny=0.0.0.0/0\npermit=192.0.2.0/24\n{phone}"
            )),
            Status::Pass
        );
        assert_eq!(
            status(
                "[trunk]\ntype=endpoint\n[trunk]\ntype=identify\nendpoint=trunk\nmatch=203.0.113.5\n"
            ),
            Status::NotApplicable
        );
    }
}
