//! AST-FACT-04: decided by a facts file.
//!
//! ## What it does
//! Passes when SSH is off port 22, DenyHosts is enabled on boot and the Allowed Hosts list is narrow;
//! fails when any of them is not.
//! A fact the control needs that the file does not state makes it `unknown`.
//!
//! ## Why is this bad?
//! SSH on port 22 without brute-force protection receives dictionary attacks within hours of going
//! online; DenyHosts bans the sources and the allowed-hosts list keeps administrators in.
//!
//! ## Example
//! ```toml
//! [ssh]
//! port = 22                 # fails
//! denyhosts_on_boot = true
//! allowed_hosts = "narrow"
//! ```
//!
//! ## References
//! - guide 004, "Protect against SSH brute-force"; reference/asterisk.md section 3 rows 12 to 14

use voipguard_model::Finding;

use super::CodeCheck;
use super::facts::{Requirement, decide, yes};
use crate::context::Context;

const REQUIREMENTS: &[Requirement] = &[
    Requirement {
        key: "facts.ssh.port",
        wanted: "not 22",
        holds: |value| value != "22",
    },
    Requirement {
        key: "facts.ssh.denyhosts_on_boot",
        wanted: "true",
        holds: yes,
    },
    Requirement {
        key: "facts.ssh.allowed_hosts",
        wanted: "narrow",
        holds: |value| value == "narrow",
    },
];

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstFact04;

impl CodeCheck for AstFact04 {
    fn id(&self) -> &'static str {
        "AST-FACT-04"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        decide(cx, &[REQUIREMENTS])
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    fn status(facts: &[(&str, &str)]) -> Status {
        run(
            "AST-FACT-04",
            &device(Vendor::Asterisk, Family::Asterisk, facts),
        )
        .status
    }

    #[test]
    fn holds_fails_or_stays_unknown_as_the_facts_say() {
        assert_eq!(
            status(&[
                ("facts.ssh.port", "2222"),
                ("facts.ssh.denyhosts_on_boot", "true"),
                ("facts.ssh.allowed_hosts", "narrow")
            ]),
            Status::Pass
        );
        assert_eq!(
            status(&[
                ("facts.ssh.port", "22"),
                ("facts.ssh.denyhosts_on_boot", "true"),
                ("facts.ssh.allowed_hosts", "narrow")
            ]),
            Status::Fail
        );
        assert_eq!(status(&[]), Status::Unknown, "no facts decide nothing");
    }
}
