//! AST-AMI-04: AMI users able to run commands or place calls are reachable from loopback only.
//!
//! ## What it does
//! Finds manager.conf users whose `write` classes include `system`, `command`, `config`,
//! `originate` or `all`, and fails when any of them may log in from beyond loopback: the AMI
//! binds to a non-loopback address and the user's deny/permit rules are not loopback-only. Users
//! restricted to loopback pass (local integrations such as FreePBX need these rights). Not
//! applicable when the AMI is disabled.
//!
//! ## Why is this bad?
//! `system` and `command` run shell and CLI commands; `config` rewrites configuration;
//! `originate` reaches System() through dial-plan variables. Exposed to the network they turn a
//! stolen AMI secret into code execution and toll fraud.
//!
//! ## Example
//! ```ini
//! [phil]
//! permit = 0.0.0.0/0.0.0.0
//! write = all
//! ```
//! Use instead: least privilege (`write = call,reporting`) for remote integrations, and
//! loopback-only ACLs for users that need `system`/`originate`.
//!
//! ## References
//! - reference/asterisk.md 2.4 AMI-04; manager.conf.sample lines 295-331; Asterisk
//!   README-SERIOUSLY.bestpractices "Manager Class Authorizations"

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{
    AclReach, acl_reach, ami_on_loopback, enabled_manager, group, key_evidence, list, non_general,
};
use crate::context::Context;

/// Write classes that reach code execution, configuration or call origination.
const DANGEROUS: &[&str] = &["system", "command", "config", "originate", "all"];

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstAmi04;

impl CodeCheck for AstAmi04 {
    fn id(&self) -> &'static str {
        "AST-AMI-04"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let manager = match enabled_manager(cx) {
            Ok(manager) => manager,
            Err(finding) => return finding,
        };
        let bind_is_local = ami_on_loopback(manager);
        let named = cx.asterisk.and_then(|set| set.config("acl.conf"));
        let mut powerful = 0;
        let mut exposed = Vec::new();
        let mut evidence = Vec::new();
        for user in non_general(manager) {
            let classes: Vec<String> = user.value("write").map(list).unwrap_or_default();
            let granted: Vec<&str> = DANGEROUS
                .iter()
                .copied()
                .filter(|class| classes.iter().any(|have| have == class))
                .collect();
            if granted.is_empty() {
                continue;
            }
            powerful += 1;
            if bind_is_local || acl_reach(user, named) == AclReach::LoopbackOnly {
                continue;
            }
            exposed.push(user.name.clone());
            evidence.push(key_evidence(
                cx,
                user,
                "write",
                format!("{} granted; not restricted to loopback", granted.join(", ")),
            ));
        }
        if exposed.is_empty() {
            let message = if powerful == 0 {
                "no AMI user holds system, command, config or originate write rights".to_owned()
            } else {
                format!(
                    "{powerful} AMI user(s) hold system/command/config/originate write rights, reachable from loopback only"
                )
            };
            return cx.finding(Status::Pass, message, evidence);
        }
        cx.finding(
            Status::Fail,
            format!(
                "{} with system/command/config/originate write rights may log in from beyond loopback",
                group(&exposed, powerful, "AMI users")
            ),
            evidence,
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    fn status(manager: &str) -> Status {
        run_files("AST-AMI-04", &[("manager.conf", manager)]).status
    }

    #[test]
    fn powerful_users_must_be_local() {
        assert_eq!(
            status("[general]\nenabled=yes\n[u]\npermit=0.0.0.0/0.0.0.0\nwrite=all\n"),
            Status::Fail
        );
        assert_eq!(
            status(
                "[general]\nenabled=yes\n[u]\ndeny=0.0.0.0/0\npermit=127.0.0.1/32\nwrite=system,originate\n"
            ),
            Status::Pass
        );
        assert_eq!(
            status("[general]\nenabled=yes\nbindaddr=127.0.0.1\n[u]\nwrite=all\n"),
            Status::Pass
        );
        assert_eq!(
            status("[general]\nenabled=yes\n[u]\nwrite=call,reporting\n"),
            Status::Pass
        );
    }
}
