//! AST-FACT-05: decided by a facts file.
//!
//! ## What it does
//! Passes when the ScopTEL firewall is on, only the ports guide 004 lists are open, and SSH and the
//! GUI accept the administrators' addresses only; fails when any of them is not.
//! A fact the control needs that the file does not state makes it `unknown`.
//!
//! ## Why is this bad?
//! Every service open to the world beyond the guide's list (AMI 5038, HTTP 8088, MySQL 3306, TFTP 69)
//! is attack surface; SSH and the GUI open to any address invite password guessing.
//!
//! ## Example
//! ```toml
//! [firewall]
//! enabled = true
//! only_guide_ports = true
//! management_sources = "any"   # fails
//! ```
//!
//! ## References
//! - guide 004, "Firewall"; reference/asterisk.md section 3 row 15

use voipguard_model::Finding;

use super::CodeCheck;
use super::facts::{Requirement, decide, yes};
use crate::context::Context;

const REQUIREMENTS: &[Requirement] = &[
    Requirement {
        key: "facts.firewall.enabled",
        wanted: "true",
        holds: yes,
    },
    Requirement {
        key: "facts.firewall.only_guide_ports",
        wanted: "true",
        holds: yes,
    },
    Requirement {
        key: "facts.firewall.management_sources",
        wanted: "restricted",
        holds: |value| value == "restricted",
    },
];

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstFact05;

impl CodeCheck for AstFact05 {
    fn id(&self) -> &'static str {
        "AST-FACT-05"
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
            "AST-FACT-05",
            &device(Vendor::Asterisk, Family::Asterisk, facts),
        )
        .status
    }

    #[test]
    fn holds_fails_or_stays_unknown_as_the_facts_say() {
        assert_eq!(
            status(&[
                ("facts.firewall.enabled", "true"),
                ("facts.firewall.only_guide_ports", "true"),
                ("facts.firewall.management_sources", "restricted")
            ]),
            Status::Pass
        );
        assert_eq!(
            status(&[
                ("facts.firewall.enabled", "true"),
                ("facts.firewall.only_guide_ports", "true"),
                ("facts.firewall.management_sources", "any")
            ]),
            Status::Fail
        );
        assert_eq!(status(&[]), Status::Unknown, "no facts decide nothing");
    }
}
