//! AW-WAN-ADMIN: decided by a facts file.
//!
//! ## What it does
//! Passes when "Allow admin configuration on WAN interface" is unchecked, or when it is checked on a
//! server whose WAN sits behind another firewall; fails when it is checked on an exposed WAN.
//! A fact the control needs that the file does not state makes it `unknown`.
//!
//! ## Why is this bad?
//! Admin configuration on an internet-facing WAN lets anyone try the admin password from anywhere.
//!
//! ## Example
//! ```toml
//! [network]
//! wan_admin_allowed = true
//! behind_another_firewall = false   # fails
//! ```
//!
//! ## References
//! - guide 003, "Change the Network Configuration"

use voipguard_model::Finding;

use super::CodeCheck;
use super::facts::{Requirement, decide, no, yes};
use crate::context::Context;

const ALTERNATIVE_1: &[Requirement] = &[Requirement {
    key: "facts.network.wan_admin_allowed",
    wanted: "false",
    holds: no,
}];
const ALTERNATIVE_2: &[Requirement] = &[Requirement {
    key: "facts.network.behind_another_firewall",
    wanted: "true",
    holds: yes,
}];

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AwWanAdmin;

impl CodeCheck for AwWanAdmin {
    fn id(&self) -> &'static str {
        "AW-WAN-ADMIN"
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
            "AW-WAN-ADMIN",
            &device(Vendor::Allworx, Family::Allworx, facts),
        )
        .status
    }

    #[test]
    fn holds_fails_or_stays_unknown_as_the_facts_say() {
        assert_eq!(
            status(&[
                ("facts.network.wan_admin_allowed", "true"),
                ("facts.network.behind_another_firewall", "true")
            ]),
            Status::Pass
        );
        assert_eq!(
            status(&[
                ("facts.network.wan_admin_allowed", "true"),
                ("facts.network.behind_another_firewall", "false")
            ]),
            Status::Fail
        );
        assert_eq!(status(&[]), Status::Unknown, "no facts decide nothing");
    }
}
