//! AST-FACT-01: decided by a facts file.
//!
//! ## What it does
//! Fails when the facts file says the ScopTEL GUI admin password (admin/admin) or the root password
//! (scopserv) was never changed; passes when both were changed (their strength is AST-FACT-02's).
//! A fact the control needs that the file does not state makes it `unknown`.
//!
//! ## Why is this bad?
//! Both defaults are published in the vendor's own hardening guide: the first thing any attacker tries.
//!
//! ## Example
//! ```toml
//! [gui]
//! admin_password = "factory-default"   # fails: admin/admin
//! ```
//!
//! ## References
//! - guide 004, "How to change the ‘admin’ password" and "Change the ‘root’ password :"; reference/asterisk.md section 3 rows 2 and 3

use voipguard_model::Finding;

use super::CodeCheck;
use super::facts::{Requirement, decide};
use crate::context::Context;

const REQUIREMENTS: &[Requirement] = &[
    Requirement {
        key: "facts.gui.admin_password",
        wanted: "changed",
        holds: |value| value != "factory-default",
    },
    Requirement {
        key: "facts.ssh.root_password",
        wanted: "changed",
        holds: |value| value != "factory-default",
    },
];

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstFact01;

impl CodeCheck for AstFact01 {
    fn id(&self) -> &'static str {
        "AST-FACT-01"
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
            "AST-FACT-01",
            &device(Vendor::Asterisk, Family::Asterisk, facts),
        )
        .status
    }

    #[test]
    fn holds_fails_or_stays_unknown_as_the_facts_say() {
        assert_eq!(
            status(&[
                ("facts.gui.admin_password", "weak"),
                ("facts.ssh.root_password", "strong")
            ]),
            Status::Pass
        );
        assert_eq!(
            status(&[
                ("facts.gui.admin_password", "factory-default"),
                ("facts.ssh.root_password", "strong")
            ]),
            Status::Fail
        );
        assert_eq!(status(&[]), Status::Unknown, "no facts decide nothing");
    }
}
