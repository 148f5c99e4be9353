//! AST-AMI-06: an AMI used from the network is reached over TLS only (`tlsenable`).
//!
//! ## What it does
//! With the AMI enabled, passes when its clear listener (`bindaddr`, default `0.0.0.0`, port
//! 5038) is on loopback. Otherwise fails: without `tlsenable=yes` the AMI is clear only; with
//! it, the clear port still accepts logins next to TLS on 5039 (Asterisk 20/21, manager.c).
//!
//! ## Why is this bad?
//! AMI logins (user and secret) and every action cross the network in clear, so anyone on the
//! path collects a credential that can run Originate and often System().
//!
//! ## Example
//! ```ini
//! [general]
//! enabled = yes
//! bindaddr = 0.0.0.0
//! ```
//! Use instead: `bindaddr = 127.0.0.1`, `tlsenable = yes`, `tlsbindaddr = 0.0.0.0:5039`.
//!
//! ## References
//! - reference/asterisk.md 2.4 AMI-06; manager.conf.sample lines 26-37

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{Lookup, ami_on_loopback, enabled_manager, is_true};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstAmi06;

impl CodeCheck for AstAmi06 {
    fn id(&self) -> &'static str {
        "AST-AMI-06"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let manager = match enabled_manager(cx) {
            Ok(manager) => manager,
            Err(finding) => return finding,
        };
        let bind = Lookup::of(manager, "general", "bindaddr");
        let tls = Lookup::of(manager, "general", "tlsenable");
        let evidence = vec![
            bind.evidence(cx, "manager.conf", "general", "bindaddr", "0.0.0.0"),
            tls.evidence(cx, "manager.conf", "general", "tlsenable", "no"),
        ];
        if ami_on_loopback(manager) {
            return cx.finding(
                Status::Pass,
                "the clear AMI listener is on loopback; remote use needs TLS or a tunnel".into(),
                evidence,
            );
        }
        let address = bind.or("0.0.0.0").unwrap_or("0.0.0.0");
        let port = manager.value("general", "port").unwrap_or("5038");
        match tls.or("no") {
            None => cx.finding(
                Status::Unknown,
                format!("the AMI listens in clear on {address}:{port}; whether TLS is also on is hidden in missing includes (see AST-CONFIG)"),
                evidence,
            ),
            Some(value) if is_true(value) => cx.finding(
                Status::Fail,
                format!("TLS is enabled, but the clear AMI listener on {address}:{port} still accepts logins from the network"),
                evidence,
            ),
            Some(_) => cx.finding(
                Status::Fail,
                format!("the AMI is reached in clear on {address}:{port} (tlsenable is off): logins and actions can be read on the network"),
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
    fn a_network_ami_needs_tls_only() {
        let status = |text: &str| run_files("AST-AMI-06", &[("manager.conf", text)]).status;
        assert_eq!(status("[general]\nenabled=yes\n"), Status::Fail);
        assert_eq!(
            status("[general]\nenabled=yes\nbindaddr=0.0.0.0\ntlsenable=yes\n"),
            Status::Fail
        );
        assert_eq!(
            status("[general]\nenabled=yes\nbindaddr=127.0.0.1\ntlsenable=yes\n"),
            Status::Pass
        );
        assert_eq!(status("[general]\nenabled=no\n"), Status::NotApplicable);
    }
}
