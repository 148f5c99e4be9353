//! AW-PASS-STRONG: decided by a facts file.
//!
//! ## What it does
//! Fails when the facts file judges the Allworx admin, user, phone-administration or Px Expander
//! password as factory default, trivial or weak; passes when all are strong (a site without a Px
//! Expander says so).
//! A fact the control needs that the file does not state makes it `unknown`.
//!
//! ## Why is this bad?
//! Attackers scan public addresses for Allworx servers and handsets and try "1234" and "Allworx";
//! a guessed admin or phone-administration password gives away SIP credentials and ends in toll fraud.
//!
//! ## Example
//! ```toml
//! [passwords]
//! admin = "trivial"        # fails: the admin password is 1234
//! users = "strong"
//! phone_admin = "strong"
//! px_admin = "no-px-expander"
//! ```
//!
//! ## References
//! - guide 003, "Changing Passwords" and "Px Expander"; reference/asterisk.md section 3 rows 4 and 6

use voipguard_model::Finding;

use super::CodeCheck;
use super::facts::{Requirement, decide, strong};
use crate::context::Context;

const REQUIREMENTS: &[Requirement] = &[
    Requirement {
        key: "facts.passwords.admin",
        wanted: "strong",
        holds: strong,
    },
    Requirement {
        key: "facts.passwords.users",
        wanted: "strong",
        holds: strong,
    },
    Requirement {
        key: "facts.passwords.phone_admin",
        wanted: "strong",
        holds: strong,
    },
    Requirement {
        key: "facts.passwords.px_admin",
        wanted: "strong or no-px-expander",
        holds: |value| value == "strong" || value == "no-px-expander",
    },
];

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AwPassStrong;

impl CodeCheck for AwPassStrong {
    fn id(&self) -> &'static str {
        "AW-PASS-STRONG"
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
            "AW-PASS-STRONG",
            &device(Vendor::Allworx, Family::Allworx, facts),
        )
        .status
    }

    #[test]
    fn holds_fails_or_stays_unknown_as_the_facts_say() {
        assert_eq!(
            status(&[
                ("facts.passwords.admin", "strong"),
                ("facts.passwords.users", "strong"),
                ("facts.passwords.phone_admin", "strong"),
                ("facts.passwords.px_admin", "no-px-expander")
            ]),
            Status::Pass
        );
        assert_eq!(
            status(&[
                ("facts.passwords.admin", "trivial"),
                ("facts.passwords.users", "strong"),
                ("facts.passwords.phone_admin", "strong"),
                ("facts.passwords.px_admin", "no-px-expander")
            ]),
            Status::Fail
        );
        assert_eq!(status(&[]), Status::Unknown, "no facts decide nothing");
    }
}
