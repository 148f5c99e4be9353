//! AW-PNP: decided by a facts file.
//!
//! ## What it does
//! Passes when the Plug 'n' Play secret key is strong and phone creation via LAN and WAN Plug 'n'
//! Play and "Assign User at Phone" are disabled; fails when any of them is not.
//! A fact the control needs that the file does not state makes it `unknown`.
//!
//! ## Why is this bad?
//! With Plug 'n' Play on, anyone who reaches the server (over the WAN for remote phones) can add a
//! handset and register it as a user's phone without the administrator's knowledge.
//!
//! ## Example
//! ```toml
//! [plug_and_play]
//! secret_key = "strong"
//! lan_creates_disabled = true
//! wan_creates_disabled = false   # fails: remote phones can be created by anyone
//! assign_user_at_phone_disabled = true
//! ```
//!
//! ## References
//! - guide 003, "To change the Plug 'n' Play Secret Key:"; reference/asterisk.md section 3 row 5

use voipguard_model::Finding;

use super::CodeCheck;
use super::facts::{Requirement, decide, strong, yes};
use crate::context::Context;

const REQUIREMENTS: &[Requirement] = &[
    Requirement {
        key: "facts.plug_and_play.secret_key",
        wanted: "strong",
        holds: strong,
    },
    Requirement {
        key: "facts.plug_and_play.lan_creates_disabled",
        wanted: "true",
        holds: yes,
    },
    Requirement {
        key: "facts.plug_and_play.wan_creates_disabled",
        wanted: "true",
        holds: yes,
    },
    Requirement {
        key: "facts.plug_and_play.assign_user_at_phone_disabled",
        wanted: "true",
        holds: yes,
    },
];

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AwPnp;

impl CodeCheck for AwPnp {
    fn id(&self) -> &'static str {
        "AW-PNP"
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
        run("AW-PNP", &device(Vendor::Allworx, Family::Allworx, facts)).status
    }

    #[test]
    fn holds_fails_or_stays_unknown_as_the_facts_say() {
        assert_eq!(
            status(&[
                ("facts.plug_and_play.secret_key", "strong"),
                ("facts.plug_and_play.lan_creates_disabled", "true"),
                ("facts.plug_and_play.wan_creates_disabled", "true"),
                ("facts.plug_and_play.assign_user_at_phone_disabled", "true")
            ]),
            Status::Pass
        );
        assert_eq!(
            status(&[
                ("facts.plug_and_play.secret_key", "strong"),
                ("facts.plug_and_play.lan_creates_disabled", "true"),
                ("facts.plug_and_play.wan_creates_disabled", "false"),
                ("facts.plug_and_play.assign_user_at_phone_disabled", "true")
            ]),
            Status::Fail
        );
        assert_eq!(status(&[]), Status::Unknown, "no facts decide nothing");
    }
}
