//! AST-FACT-06: decided by a facts file.
//!
//! ## What it does
//! Passes when ScopTEL's "Password Policy for SIP/IAX2 extensions" and "Automatically fix invalid
//! password" are both on; fails when either is off.
//! A fact the control needs that the file does not state makes it `unknown`.
//!
//! ## Why is this bad?
//! Without the policy new extensions may get weak secrets; without the automatic fix existing weak
//! secrets stay, and registration brute force finds them.
//!
//! ## Example
//! ```toml
//! [telephony]
//! sip_iax_password_policy = true
//! auto_fix_invalid_passwords = false   # fails
//! ```
//!
//! ## References
//! - guide 004, "SIP / IAX2 Password Policy:"; reference/asterisk.md section 3 row 16

use voipguard_model::Finding;

use super::CodeCheck;
use super::facts::{Requirement, decide, yes};
use crate::context::Context;

const REQUIREMENTS: &[Requirement] = &[
    Requirement {
        key: "facts.telephony.sip_iax_password_policy",
        wanted: "true",
        holds: yes,
    },
    Requirement {
        key: "facts.telephony.auto_fix_invalid_passwords",
        wanted: "true",
        holds: yes,
    },
];

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstFact06;

impl CodeCheck for AstFact06 {
    fn id(&self) -> &'static str {
        "AST-FACT-06"
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
            "AST-FACT-06",
            &device(Vendor::Asterisk, Family::Asterisk, facts),
        )
        .status
    }

    #[test]
    fn holds_fails_or_stays_unknown_as_the_facts_say() {
        assert_eq!(
            status(&[
                ("facts.telephony.sip_iax_password_policy", "true"),
                ("facts.telephony.auto_fix_invalid_passwords", "true")
            ]),
            Status::Pass
        );
        assert_eq!(
            status(&[
                ("facts.telephony.sip_iax_password_policy", "true"),
                ("facts.telephony.auto_fix_invalid_passwords", "false")
            ]),
            Status::Fail
        );
        assert_eq!(status(&[]), Status::Unknown, "no facts decide nothing");
    }
}
