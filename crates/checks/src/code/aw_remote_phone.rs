//! AW-REMOTE-PHONE: decided by a facts file.
//!
//! ## What it does
//! Passes when no remote handset or Px Expander connects over the internet, or when they all sit
//! behind a firewall and the phone-administration and Px passwords are strong; fails otherwise.
//! A fact the control needs that the file does not state makes it `unknown`.
//!
//! ## Why is this bad?
//! A remote handset's web page shows its SIP registration password to anyone who guesses a weak
//! phone-administration password; attackers took over such registrations for toll fraud.
//!
//! ## Example
//! ```toml
//! [remote_phones]
//! exist = true
//! behind_firewall = false   # fails
//! ```
//!
//! ## References
//! - guide 003, "Remote phones" and "Px Expander"

use voipguard_model::Finding;

use super::CodeCheck;
use super::facts::{Requirement, decide, no, strong, yes};
use crate::context::Context;

const ALTERNATIVE_1: &[Requirement] = &[Requirement {
    key: "facts.remote_phones.exist",
    wanted: "false",
    holds: no,
}];
const ALTERNATIVE_2: &[Requirement] = &[
    Requirement {
        key: "facts.remote_phones.behind_firewall",
        wanted: "true",
        holds: yes,
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
pub(crate) struct AwRemotePhone;

impl CodeCheck for AwRemotePhone {
    fn id(&self) -> &'static str {
        "AW-REMOTE-PHONE"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        decide(cx, &[ALTERNATIVE_1, ALTERNATIVE_2])
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    fn status(facts: &[(&str, &str)]) -> Status {
        run(
            "AW-REMOTE-PHONE",
            &device(Vendor::Allworx, Family::Allworx, facts),
        )
        .status
    }

    #[test]
    fn holds_fails_or_stays_unknown_as_the_facts_say() {
        assert_eq!(
            status(&[
                ("facts.remote_phones.exist", "true"),
                ("facts.remote_phones.behind_firewall", "true"),
                ("facts.passwords.phone_admin", "strong"),
                ("facts.passwords.px_admin", "strong")
            ]),
            Status::Pass
        );
        assert_eq!(
            status(&[
                ("facts.remote_phones.exist", "true"),
                ("facts.remote_phones.behind_firewall", "false"),
                ("facts.passwords.phone_admin", "strong"),
                ("facts.passwords.px_admin", "strong")
            ]),
            Status::Fail
        );
        assert_eq!(status(&[]), Status::Unknown, "no facts decide nothing");
    }
}
