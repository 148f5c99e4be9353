//! AST-FACT-02: decided by a facts file.
//!
//! ## What it does
//! Passes when the facts file judges the ScopTEL GUI admin and root passwords strong under guide
//! 004's policy (8 characters, upper, lower, digit, special); fails when either is not.
//! A fact the control needs that the file does not state makes it `unknown`.
//!
//! ## Why is this bad?
//! The GUI and root accounts control every extension and trunk; a guessable password hands the
//! PBX over.
//!
//! ## Example
//! ```toml
//! [ssh]
//! root_password = "weak"   # fails
//! ```
//!
//! ## References
//! - guide 004, "Password Policy"; reference/asterisk.md section 3 row 1

use voipguard_model::Finding;

use super::CodeCheck;
use super::facts::{Requirement, decide, strong};
use crate::context::Context;

const REQUIREMENTS: &[Requirement] = &[
    Requirement {
        key: "facts.gui.admin_password",
        wanted: "strong",
        holds: strong,
    },
    Requirement {
        key: "facts.ssh.root_password",
        wanted: "strong",
        holds: strong,
    },
];

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstFact02;

impl CodeCheck for AstFact02 {
    fn id(&self) -> &'static str {
        "AST-FACT-02"
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
            "AST-FACT-02",
            &device(Vendor::Asterisk, Family::Asterisk, facts),
        )
        .status
    }

    #[test]
    fn holds_fails_or_stays_unknown_as_the_facts_say() {
        assert_eq!(
            status(&[
                ("facts.gui.admin_password", "strong"),
                ("facts.ssh.root_password", "strong")
            ]),
            Status::Pass
        );
        assert_eq!(
            status(&[
                ("facts.gui.admin_password", "strong"),
                ("facts.ssh.root_password", "weak")
            ]),
            Status::Fail
        );
        assert_eq!(status(&[]), Status::Unknown, "no facts decide nothing");
    }
}
