//! NET-PUBLIC: decided by a facts file.
//!
//! ## What it does
//! Fails when the site's facts say a phone web UI, SSH, TR-069, SNMP or TFTP is reachable from a
//! public address; passes when the facts say none is.
//! A fact the control needs that the file does not state makes it `unknown`.
//!
//! ## Why is this bad?
//! Each of these services hands out configuration or a login prompt; on a public address they are
//! found by scanners and attacked directly.
//!
//! ## Example
//! ```toml
//! [public]
//! phone_web_ui = false
//! ssh = false
//! tr069 = true   # fails
//! snmp = false
//! tftp = false
//! ```
//!
//! ## References
//! - guide 000, "SECURITY GUIDELINES FOR GRP DEPLOYMENT" ("do not expose the GRP web UI access to public network")

use voipguard_model::Finding;

use super::CodeCheck;
use super::facts::{Requirement, decide, no};
use crate::context::Context;

const REQUIREMENTS: &[Requirement] = &[
    Requirement {
        key: "facts.public.phone_web_ui",
        wanted: "false",
        holds: no,
    },
    Requirement {
        key: "facts.public.ssh",
        wanted: "false",
        holds: no,
    },
    Requirement {
        key: "facts.public.tr069",
        wanted: "false",
        holds: no,
    },
    Requirement {
        key: "facts.public.snmp",
        wanted: "false",
        holds: no,
    },
    Requirement {
        key: "facts.public.tftp",
        wanted: "false",
        holds: no,
    },
];

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct NetPublic;

impl CodeCheck for NetPublic {
    fn id(&self) -> &'static str {
        "NET-PUBLIC"
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
        run("NET-PUBLIC", &device(Vendor::Site, Family::Site, facts)).status
    }

    #[test]
    fn holds_fails_or_stays_unknown_as_the_facts_say() {
        assert_eq!(
            status(&[
                ("facts.public.phone_web_ui", "false"),
                ("facts.public.ssh", "false"),
                ("facts.public.tr069", "false"),
                ("facts.public.snmp", "false"),
                ("facts.public.tftp", "false")
            ]),
            Status::Pass
        );
        assert_eq!(
            status(&[
                ("facts.public.phone_web_ui", "false"),
                ("facts.public.ssh", "false"),
                ("facts.public.tr069", "true"),
                ("facts.public.snmp", "false"),
                ("facts.public.tftp", "false")
            ]),
            Status::Fail
        );
        assert_eq!(status(&[]), Status::Unknown, "no facts decide nothing");
    }
}
