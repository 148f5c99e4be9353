//! AST-AMI-03: every AMI user is restricted by a deny-then-permit ACL.
//!
//! ## What it does
//! For every manager.conf user, reads `deny`, `permit` and `acl` (named ACLs from acl.conf) in
//! order. Fails for users with no rule at all, or whose rules end up permitting every address
//! (`permit=0.0.0.0/0.0.0.0`). Passes when the AMI listens on loopback only; not applicable when
//! the AMI is disabled.
//!
//! ## Why is this bad?
//! Without an ACL the only barrier is the secret; with `deny=0.0.0.0/0.0.0.0` and
//! `permit=127.0.0.1/255.255.255.0` (FreePBX/Issabel) a stolen secret is useless from outside.
//!
//! ## Example
//! ```ini
//! [phil]
//! secret = …
//! permit = 0.0.0.0/0.0.0.0
//! ```
//! Use instead: `deny=0.0.0.0/0.0.0.0` then `permit=127.0.0.1/255.255.255.255` and the management
//! host.
//!
//! ## References
//! - reference/asterisk.md 2.4 AMI-03; manager.conf.sample lines 84-87; guide 004 "Define
//!   Access Control List for Extensions (SIP/IAX2)"

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{
    AclReach, acl_reach, ami_on_loopback, enabled_manager, group, key_evidence, non_general,
};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstAmi03;

impl CodeCheck for AstAmi03 {
    fn id(&self) -> &'static str {
        "AST-AMI-03"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let manager = match enabled_manager(cx) {
            Ok(manager) => manager,
            Err(finding) => return finding,
        };
        if ami_on_loopback(manager) {
            return cx.finding(
                Status::Pass,
                "the AMI listens on loopback only, so user ACLs add nothing".into(),
                Vec::new(),
            );
        }
        let named = cx.asterisk.and_then(|set| set.config("acl.conf"));
        let mut open = Vec::new();
        let mut evidence = Vec::new();
        let users: Vec<_> = non_general(manager).collect();
        for user in &users {
            let (key, shown) = match acl_reach(user, named) {
                AclReach::None => ("permit", "no permit/deny/acl: any address may log in"),
                AclReach::Everyone => ("permit", "permits every address"),
                AclReach::LoopbackOnly | AclReach::Restricted => continue,
            };
            open.push(user.name.clone());
            evidence.push(key_evidence(cx, user, key, shown.to_owned()));
        }
        if users.is_empty() {
            return cx.finding(
                Status::Pass,
                "no AMI user in the files read".into(),
                Vec::new(),
            );
        }
        if open.is_empty() {
            return cx.finding(
                Status::Pass,
                format!(
                    "all {} AMI users are restricted by deny/permit rules",
                    users.len()
                ),
                evidence,
            );
        }
        cx.finding(
            Status::Fail,
            format!(
                "{} may log in from any address",
                group(&open, users.len(), "AMI users")
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
    fn users_without_a_closing_acl_fail() {
        let status = |user: &str| {
            run_files(
                "AST-AMI-03",
                &[(
                    "manager.conf",
                    &format!("[general]\nenabled=yes\n[u]\nsecret=x\n{user}"),
                )],
            )
            .status
        };
        assert_eq!(status(""), Status::Fail);
        assert_eq!(status("permit=0.0.0.0/0.0.0.0\n"), Status::Fail);
        assert_eq!(
            status("deny=0.0.0.0/0.0.0.0\npermit=127.0.0.1/255.255.255.0\n"),
            Status::Pass
        );
    }
}
