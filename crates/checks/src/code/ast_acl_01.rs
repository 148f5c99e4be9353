//! AST-ACL-01: no named ACL of acl.conf permits every address.
//!
//! ## What it does
//! Reads every section of acl.conf in rule order and fails for those whose rules let any address
//! through: a `permit` of `0.0.0.0/0`, `0.0.0.0/0.0.0.0` or `::/0`, or only `permit` lines with no
//! `deny` (Asterisk starts from "allow").
//!
//! ## Why is this bad?
//! `acl=` in sip.conf, pjsip.conf, iax.conf and manager.conf names these sections. A permit-all
//! ACL turns each reference into a no-op while the configuration looks restricted.
//!
//! ## Example
//! ```ini
//! [trusted_src]
//! permit = 0.0.0.0/0.0.0.0
//! ```
//! Use instead: `deny = 0.0.0.0/0.0.0.0` then `permit = 192.0.2.0/24`.
//!
//! ## References
//! - reference/asterisk.md 2.10 "acl.conf"; guide 004 "Define Access Control List for Extensions
//!   (SIP/IAX2)"

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{AclReach, acl_reach, config, group, key_evidence};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstAcl01;

impl CodeCheck for AstAcl01 {
    fn id(&self) -> &'static str {
        "AST-ACL-01"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let acls = match config(cx, "acl.conf") {
            Ok(acls) => acls,
            Err(finding) => return finding,
        };
        let named: Vec<_> = acls.sections().collect();
        let mut open = Vec::new();
        let mut evidence = Vec::new();
        for acl in &named {
            if matches!(acl_reach(acl, None), AclReach::Everyone | AclReach::None) {
                open.push(acl.name.clone());
                evidence.push(key_evidence(
                    cx,
                    acl,
                    "permit",
                    "lets every address through".into(),
                ));
            }
        }
        if named.is_empty() {
            return cx.finding(
                Status::NotApplicable,
                "acl.conf defines no named ACL".into(),
                Vec::new(),
            );
        }
        if open.is_empty() {
            return cx.finding(
                Status::Pass,
                format!("all {} named ACLs deny by default", named.len()),
                evidence,
            );
        }
        cx.finding(
            Status::Fail,
            format!(
                "{} let every address through, so each acl= naming them restricts nothing",
                group(&open, named.len(), "named ACLs")
            ),
            evidence,
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn permit_all_acls_fail() {
        let status = |text: &str| run_files("AST-ACL-01", &[("acl.conf", text)]).status;
        assert_eq!(status("[trusted]\npermit=0.0.0.0/0.0.0.0\n"), Status::Fail);
        assert_eq!(status("[v6]\ndeny=::/0\npermit=fd00::/8\n"), Status::Pass);
    }
}
