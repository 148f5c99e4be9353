//! GS-PROV-AUTH: the phone authenticates to the provisioning server.
//!
//! ## What it does
//! "Config HTTP/HTTPS User Name" (P1360) and "Config HTTP/HTTPS Password" (P1361) must both be
//! set; both are empty by factory default. The password is only reported as set or empty.
//!
//! ## Why is this bad?
//! A server that hands configuration files to anyone who asks gives away every SIP and admin
//! password in them; the phone can only authenticate if it has credentials.
//!
//! ## Example
//! ```xml
//! <P212>2</P212>
//! ```
//! Use instead:
//! ```xml
//! <P212>2</P212><P1360>provision</P1360><P1361>(a strong password)</P1361>
//! ```
//!
//! ## References
//! - guide 000, "Firmware Upgrade and Provisioning"; guide 001, "Provisioning via Configuration File"
//! - reference/grandstream.md row G32

use voipguard_model::Finding;

use super::CodeCheck;
use super::grandstream_support::{Verdict, global, require_secret};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct GsProvAuth;

impl CodeCheck for GsProvAuth {
    fn id(&self) -> &'static str {
        "GS-PROV-AUTH"
    }

    fn reads(&self) -> &'static [&'static str] {
        &["P1360", "P1361"]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let mut verdict = Verdict::default();
        let user = global(cx, "P1360", Some(""));
        let described = user.describe();
        if verdict.take(user) == Some("") {
            verdict.fail(format!("provisioning user name: {described}"));
        }
        require_secret(cx, &mut verdict, "P1361", "provisioning password");
        verdict.finish(
            cx,
            "provisioning user name P1360 and password P1361 are set".into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    #[test]
    fn both_credentials_are_needed_and_the_password_stays_hidden() {
        let none = run(
            "GS-PROV-AUTH",
            &device(Vendor::Grandstream, Family::Grp, &[]),
        );
        assert_eq!(none.status, Status::Fail);
        insta::assert_snapshot!(none.message, @"provisioning user name: P1360 is not set (empty by factory default); provisioning password P1361 is not set");
        let only_user = run(
            "GS-PROV-AUTH",
            &device(Vendor::Grandstream, Family::Grp, &[("P1360", "provision")]),
        );
        assert_eq!(only_user.status, Status::Fail);
        let both = run(
            "GS-PROV-AUTH",
            &device(
                Vendor::Grandstream,
                Family::Grp,
                &[("P1360", "provision"), ("P1361", "s3cr3t-Value")],
            ),
        );
        assert_eq!(both.status, Status::Pass);
        assert!(both.evidence.iter().all(|e| !e.value.contains("s3cr3t")));
    }
}
