//! AST-AMI-01: the Asterisk Manager Interface is off or listens on loopback only.
//!
//! ## What it does
//! Reads manager.conf `[general]`: `enabled` (default `no`), `bindaddr` (default `0.0.0.0`, every
//! interface) and, when `tlsenable=yes`, `tlsbindaddr` (default: bindaddr's address, port 5039). Fails when the AMI is on and a listener is
//! bound to anything but loopback. Defaults are those of Asterisk 20/21 (manager.c).
//!
//! ## Why is this bad?
//! AMI users can originate calls, run CLI commands and rewrite configuration: an AMI reachable
//! from the network is one weak secret away from a remote PBX takeover. manager.conf.sample says
//! the AMI should not be enabled on a public IP address.
//!
//! ## Example
//! ```ini
//! [general]
//! enabled = yes
//! bindaddr = 0.0.0.0
//! ```
//! Use instead: `bindaddr = 127.0.0.1`, and reach the AMI through an SSH tunnel or VPN.
//!
//! ## References
//! - reference/asterisk.md 2.4 AMI-01; manager.conf.sample lines 11-26

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{ami_enabled, config, is_loopback, is_true, key_evidence};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstAmi01;

impl CodeCheck for AstAmi01 {
    fn id(&self) -> &'static str {
        "AST-AMI-01"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let manager = match config(cx, "manager.conf") {
            Ok(manager) => manager,
            Err(finding) => return finding,
        };
        let Some(general) = manager.category("general") else {
            let status = if ami_enabled(manager).is_none() {
                Status::Unknown
            } else {
                Status::Pass
            };
            return cx.finding(
                status,
                "manager.conf has no [general] section read: the AMI is off unless a missing include enables it".into(),
                Vec::new(),
            );
        };
        match ami_enabled(manager) {
            Some(false) => {
                let evidence = key_evidence(cx, general, "enabled", "AMI disabled".into());
                return cx.finding(Status::Pass, "the AMI is disabled".into(), vec![evidence]);
            }
            None => {
                return cx.finding(
                    Status::Unknown,
                    "manager.conf [general] enabled is not set in the files read, and missing includes may set it (see AST-CONFIG)".into(),
                    Vec::new(),
                );
            }
            Some(true) => {}
        }
        let port = general.value("port").unwrap_or("5038");
        let mut exposed = Vec::new();
        let mut evidence = Vec::new();
        let bind = general.value("bindaddr").unwrap_or("0.0.0.0");
        evidence.push(key_evidence(
            cx,
            general,
            "bindaddr",
            format!("{bind} (port {port})"),
        ));
        if !is_loopback(bind) {
            exposed.push(format!("{bind} port {port} in clear"));
        }
        // Without tlsbindaddr the TLS listener takes bindaddr's address on port 5039.
        if let Some(tls_bind) = general
            .value("tlsbindaddr")
            .filter(|_| general.value("tlsenable").is_some_and(is_true))
        {
            evidence.push(key_evidence(
                cx,
                general,
                "tlsbindaddr",
                tls_bind.to_owned(),
            ));
            if !is_loopback(tls_bind) {
                exposed.push(format!("{tls_bind} over TLS"));
            }
        }
        if exposed.is_empty() {
            cx.finding(
                Status::Pass,
                "the AMI is enabled on loopback only".into(),
                evidence,
            )
        } else {
            cx.finding(
                Status::Fail,
                format!(
                    "the AMI is enabled and listens beyond loopback: {}",
                    exposed.join(", ")
                ),
                evidence,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    fn status(manager: &str) -> Status {
        run_files("AST-AMI-01", &[("manager.conf", manager)]).status
    }

    #[test]
    fn an_enabled_ami_must_stay_on_loopback() {
        assert_eq!(
            status("[general]\nenabled=yes\n"),
            Status::Fail,
            "default bindaddr is 0.0.0.0"
        );
        assert_eq!(
            status("[general]\nenabled=yes\nbindaddr=::\n"),
            Status::Fail
        );
        assert_eq!(
            status("[general]\nenabled=yes\nbindaddr=127.0.0.1\n"),
            Status::Pass
        );
        assert_eq!(
            status("[general]\nbindaddr=0.0.0.0\n"),
            Status::Pass,
            "off by default"
        );
        assert_eq!(
            status(
                "[general]\nenabled=yes\nbindaddr=127.0.0.1\ntlsenable=yes\ntlsbindaddr=0.0.0.0:5039\n"
            ),
            Status::Fail,
            "the TLS listener has its own address"
        );
    }
}
