//! AST-PJSIP-02: every pjsip endpoint identified by user name requires authentication.
//!
//! ## What it does
//! Lists the endpoints of pjsip.conf without `auth=` whose `identify_by` (default `username,ip`
//! in Asterisk 20/21) includes `username` or `auth_username`, and the pjsip_wizard.conf sections
//! that create such endpoints (`accepts_auth` not `yes`, `endpoint/identify_by` by user name). One
//! finding names them all. The `anonymous` endpoint is left to AST-PJSIP-01.
//!
//! ## Why is this bad?
//! `digest_requires_authentication()` returns false for an endpoint without inbound auth, so
//! anyone who puts its name in the From header is served: a trunk or phone without `auth=` is a
//! free line into its context. Trunks meant to be matched by address need `identify_by=ip`.
//!
//! ## Example
//! ```ini
//! [provider]
//! type = endpoint
//! context = from-trunk
//! ```
//! Use instead: `identify_by = ip` with a `type=identify` section, or `auth = provider-auth`.
//!
//! ## References
//! - reference/asterisk.md 2.2 PJ-02, PJ-16; res_pjsip_authenticator_digest.c lines 53-58

use voipguard_asterisk::Category;
use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{
    group, has_missing_includes, is_true, key_evidence, list, pjsip_objects,
};
use crate::context::Context;

/// res_pjsip's default `identify_by` (Asterisk 20/21).
const DEFAULT_IDENTIFY_BY: &str = "username,ip";

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstPjsip02;

impl CodeCheck for AstPjsip02 {
    fn id(&self) -> &'static str {
        "AST-PJSIP-02"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let pjsip = cx.asterisk.and_then(|set| set.config("pjsip.conf"));
        let wizard = cx.asterisk.and_then(|set| set.config("pjsip_wizard.conf"));
        if pjsip.is_none() && wizard.is_none() {
            return cx.finding(
                Status::NotApplicable,
                "no pjsip.conf or pjsip_wizard.conf in the configuration set".into(),
                Vec::new(),
            );
        }
        let mut total = 0;
        let mut open = Vec::new();
        let mut evidence = Vec::new();
        for endpoint in pjsip
            .into_iter()
            .flat_map(|config| pjsip_objects(config, "endpoint"))
        {
            if endpoint.name.eq_ignore_ascii_case("anonymous") {
                continue;
            }
            total += 1;
            let has_auth = endpoint
                .value("auth")
                .is_some_and(|auth| !auth.trim().is_empty());
            if !has_auth && by_username(endpoint, "identify_by") {
                open.push(endpoint.name.clone());
                evidence.push(key_evidence(
                    cx,
                    endpoint,
                    "auth",
                    "no auth; identified by user name".into(),
                ));
            }
        }
        for section in wizard
            .into_iter()
            .flat_map(|config| pjsip_objects(config, "wizard"))
        {
            total += 1;
            let accepts_auth = section.value("accepts_auth").is_some_and(is_true);
            if !accepts_auth && by_username(section, "endpoint/identify_by") {
                open.push(section.name.clone());
                evidence.push(key_evidence(
                    cx,
                    section,
                    "accepts_auth",
                    "accepts_auth not yes; endpoint identified by user name".into(),
                ));
            }
        }
        let hidden = pjsip.into_iter().chain(wizard).any(has_missing_includes);
        if total == 0 {
            let status = if hidden {
                Status::Unknown
            } else {
                Status::NotApplicable
            };
            return cx.finding(
                status,
                "no pjsip endpoint in the files read".into(),
                Vec::new(),
            );
        }
        if !open.is_empty() {
            return cx.finding(
                Status::Fail,
                format!(
                    "{} accept requests without authentication from anyone using their name",
                    group(&open, total, "endpoints")
                ),
                evidence,
            );
        }
        if hidden {
            return cx.finding(
                Status::Unknown,
                format!("all {total} endpoints read require authentication or are identified by address, but files are missing from this copy (see AST-CONFIG)"),
                evidence,
            );
        }
        cx.finding(
            Status::Pass,
            format!("all {total} endpoints require authentication or are identified by address"),
            evidence,
        )
    }
}

fn by_username(section: &Category, key: &str) -> bool {
    list(section.value(key).unwrap_or(DEFAULT_IDENTIFY_BY))
        .iter()
        .any(|method| method == "username" || method == "auth_username")
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn endpoints_without_auth_fail_unless_matched_by_address() {
        let status = |text: &str| run_files("AST-PJSIP-02", &[("pjsip.conf", text)]).status;
        assert_eq!(
            status("[trunk]\ntype=endpoint\ncontext=from-trunk\n"),
            Status::Fail
        );
        assert_eq!(
            status("[trunk]\ntype=endpoint\nidentify_by=ip\n"),
            Status::Pass
        );
        assert_eq!(status("[6001]\ntype=endpoint\nauth=6001\n"), Status::Pass);
        let wizard = run_files(
            "AST-PJSIP-02",
            &[(
                "pjsip_wizard.conf",
                "[phone]\ntype=wizard\naccepts_registrations=yes\n",
            )],
        );
        assert_eq!(wizard.status, Status::Fail);
    }
}
