//! AW-WAN-SERVICES: decided by a facts file.
//!
//! ## What it does
//! Passes when every unused Allworx WAN service is disabled and voicemail SMTP/IMAP are on
//! non-standard ports (or not offered on the WAN); fails otherwise.
//! A fact the control needs that the file does not state makes it `unknown`.
//!
//! ## Why is this bad?
//! Every open WAN port is found by the port scans that start most compromises; the advisory notes
//! that closed or moved ports make attackers move on to another address.
//!
//! ## Example
//! ```toml
//! [network]
//! unused_wan_services_disabled = true
//! voicemail_ports = "standard"   # fails: SMTP 25 and IMAP 143
//! ```
//!
//! ## References
//! - guide 003, "Server"; reference/asterisk.md section 3 row 8

use voipguard_model::Finding;

use super::CodeCheck;
use super::facts::{Requirement, decide, yes};
use crate::context::Context;

const REQUIREMENTS: &[Requirement] = &[
    Requirement {
        key: "facts.network.unused_wan_services_disabled",
        wanted: "true",
        holds: yes,
    },
    Requirement {
        key: "facts.network.voicemail_ports",
        wanted: "non-standard or not-on-wan",
        holds: |value| value == "non-standard" || value == "not-on-wan",
    },
];

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AwWanServices;

impl CodeCheck for AwWanServices {
    fn id(&self) -> &'static str {
        "AW-WAN-SERVICES"
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
            "AW-WAN-SERVICES",
            &device(Vendor::Allworx, Family::Allworx, facts),
        )
        .status
    }

    #[test]
    fn holds_fails_or_stays_unknown_as_the_facts_say() {
        assert_eq!(
            status(&[
                ("facts.network.unused_wan_services_disabled", "true"),
                ("facts.network.voicemail_ports", "non-standard")
            ]),
            Status::Pass
        );
        assert_eq!(
            status(&[
                ("facts.network.unused_wan_services_disabled", "true"),
                ("facts.network.voicemail_ports", "standard")
            ]),
            Status::Fail
        );
        assert_eq!(status(&[]), Status::Unknown, "no facts decide nothing");
    }
}
