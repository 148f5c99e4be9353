//! GS-USER-PASS: the user-level web password is changed from the factory default "123".
//!
//! ## What it does
//! Judges P196 (`users.user.password`) like the admin password. Without P196 the default "123"
//! stays on the GRP (fail); guide 001 names no WP820 user default and P196 is only assumed to be
//! the WP820's user password, so an absent P196 there is unknown.
//!
//! ## Why is this bad?
//! The user level reaches the status and basic settings pages; with "123" anyone on the network
//! can log in, read the phone's state and change call settings. End users should get only this
//! level, and only with a password of their own.
//!
//! ## Example
//! ```xml
//! <P196>123</P196>
//! ```
//! Use instead:
//! ```xml
//! <P196>(a generated password, distinct from the admin password)</P196>
//! ```
//!
//! ## References
//! - guide 000, "User Management Levels"; guide 001, "User Management Levels"
//! - reference/grandstream.md row G09

use voipguard_model::{Family, Finding};

use super::CodeCheck;
use super::grandstream_support::{WhenAbsent, password_finding};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct GsUserPass;

impl CodeCheck for GsUserPass {
    fn id(&self) -> &'static str {
        "GS-USER-PASS"
    }

    fn reads(&self) -> &'static [&'static str] {
        &["P196"]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let when_absent = match cx.family {
            Family::Wp820 => WhenAbsent::Undecidable(
                "the WP820 user-level factory default is not documented".into(),
            ),
            _ => WhenAbsent::FactoryDefault(format!("\"123\"{}", cx.assumption_note())),
        };
        let mac = cx.device.mac.as_deref().unwrap_or_default();
        password_finding(cx, "P196", "user password", when_absent, &[mac, "user"])
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    #[test]
    fn the_default_fails_and_a_strong_password_passes() {
        let absent = run(
            "GS-USER-PASS",
            &device(Vendor::Grandstream, Family::Grp, &[]),
        );
        assert_eq!(absent.status, Status::Fail);
        insta::assert_snapshot!(absent.message, @r#"user password P196 is not set, so the factory default applies ("123")"#);
        let weak = run(
            "GS-USER-PASS",
            &device(Vendor::Grandstream, Family::Grp, &[("P196", "123")]),
        );
        assert_eq!(weak.status, Status::Fail);
        let strong = run(
            "GS-USER-PASS",
            &device(
                Vendor::Grandstream,
                Family::Grp,
                &[("P196", "r8#Tq!vM2zLp")],
            ),
        );
        assert_eq!(strong.status, Status::Pass);
        assert!(!strong.message.contains("r8#Tq!vM2zLp"));
    }

    #[test]
    fn an_absent_password_is_unknown_on_wp820() {
        let absent = run(
            "GS-USER-PASS",
            &device(Vendor::Grandstream, Family::Wp820, &[]),
        );
        assert_eq!(absent.status, Status::Unknown);
    }
}
