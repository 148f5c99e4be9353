//! GS-ADMIN-PASS: the admin password is not a factory default and follows the vendor's rules.
//!
//! ## What it does
//! Judges P2 (`users.admin.password`) with [`crate::password::judge`]: the GRP rules (6–25
//! characters) or the WP820 rules (6–32), mixed character classes, not a well-known default and
//! not derived from the device's MAC. Without P2 the factory default stays: "admin" on the WP820
//! (fail); on the GRP a random per-unit password printed on a sticker on new units, "admin" on
//! older ones, so the file cannot decide (unknown).
//!
//! ## Why is this bad?
//! The admin login controls every setting, SIP credentials included: a default or guessable
//! password is a remote takeover and toll fraud one step away.
//!
//! ## Example
//! ```xml
//! <P2>admin</P2>
//! ```
//! Use instead:
//! ```xml
//! <P2>(a generated password of 16 or more mixed characters)</P2>
//! ```
//!
//! ## References
//! - guide 000, "Admin Login"; guide 001, "User Login"
//! - reference/grandstream.md row G08

use voipguard_model::{Family, Finding};

use super::CodeCheck;
use super::grandstream_support::{WhenAbsent, password_finding};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct GsAdminPass;

impl CodeCheck for GsAdminPass {
    fn id(&self) -> &'static str {
        "GS-ADMIN-PASS"
    }

    fn reads(&self) -> &'static [&'static str] {
        &["P2"]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let when_absent = match cx.family {
            Family::Wp820 => WhenAbsent::FactoryDefault("\"admin\" on the WP820".into()),
            _ => WhenAbsent::Undecidable(format!(
                "new GRP units ship a random per-unit password printed on a sticker, older units \"admin\"; check the unit{}",
                cx.assumption_note()
            )),
        };
        let mac = cx.device.mac.as_deref().unwrap_or_default();
        password_finding(cx, "P2", "admin password", when_absent, &[mac, "admin"])
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    #[test]
    fn defaults_and_mac_derived_passwords_fail_without_showing_the_value() {
        let admin = run(
            "GS-ADMIN-PASS",
            &device(Vendor::Grandstream, Family::Grp, &[("P2", "admin")]),
        );
        assert_eq!(admin.status, Status::Fail);
        insta::assert_snapshot!(admin.message, @"admin password P2 is weak: 5 characters, a well-known factory default");
        assert_eq!(
            admin.evidence[0].value,
            "redacted (5 characters, a well-known factory default)"
        );

        let mut from_mac = device(Vendor::Grandstream, Family::Grp, &[("P2", "8C8F97")]);
        from_mac.mac = Some("000b828c8f97".into());
        let finding = run("GS-ADMIN-PASS", &from_mac);
        assert_eq!(finding.status, Status::Fail);
        assert!(finding.message.contains("MAC"), "{}", finding.message);
        assert!(!finding.message.contains("8C8F97"));

        // FusionPBX's GRP and WP820 templates fall back to the MAC when no admin password is set.
        let fusionpbx_fallback = run(
            "GS-ADMIN-PASS",
            &device(
                Vendor::Grandstream,
                Family::Grp,
                &[("P2", "{$mac|replace:'-':''}")],
            ),
        );
        assert_eq!(fusionpbx_fallback.status, Status::Fail);
        insta::assert_snapshot!(fusionpbx_fallback.message, @"admin password P2 is the device's MAC address, filled in by the template");
        let mut in_else_branch = device(
            Vendor::Grandstream,
            Family::Grp,
            &[("P2", "{$mac|replace:'-':''}")],
        );
        for setting in in_else_branch.settings.values_mut() {
            setting.conditional = true;
        }
        assert_eq!(
            run("GS-ADMIN-PASS", &in_else_branch).status,
            Status::Unknown,
            "the other branch may set a real password"
        );
    }

    #[test]
    fn an_absent_password_fails_on_wp820_and_is_unknown_on_grp() {
        let wp820 = run(
            "GS-ADMIN-PASS",
            &device(Vendor::Grandstream, Family::Wp820, &[]),
        );
        assert_eq!(wp820.status, Status::Fail);
        let grp = run(
            "GS-ADMIN-PASS",
            &device(Vendor::Grandstream, Family::Grp, &[]),
        );
        assert_eq!(grp.status, Status::Unknown);
        assert!(grp.message.contains("sticker"));
    }

    #[test]
    fn length_rules_follow_the_family_and_strong_passwords_pass() {
        let long = "Xq7#mB2!pL9@zR4&kT8*wN3^yV6%"; // 28 characters
        let grp = run(
            "GS-ADMIN-PASS",
            &device(Vendor::Grandstream, Family::Grp, &[("P2", long)]),
        );
        assert_eq!(grp.status, Status::Fail, "GRP accepts at most 25");
        let wp820 = run(
            "GS-ADMIN-PASS",
            &device(Vendor::Grandstream, Family::Wp820, &[("P2", long)]),
        );
        assert_eq!(wp820.status, Status::Pass);
        assert!(!wp820.message.contains(long));
        let templated = run(
            "GS-ADMIN-PASS",
            &device(
                Vendor::Grandstream,
                Family::Grp,
                &[("P2", "{$admin_password}")],
            ),
        );
        assert_eq!(templated.status, Status::Unknown);
    }
}
