//! GS-PROV-CFGAUTH: the phone applies only configuration files that carry the admin password.
//!
//! ## What it does
//! "Authenticate Conf File" (P240, default 0) must be 1, and the file must then carry P1, the
//! admin password the phone compares it with: a file with P240 = 1 and no P1 is rejected by the
//! phone. P1 is a secret and is only reported as set or empty.
//!
//! ## Why is this bad?
//! Without it the phone applies any well-formed file it is served, so whoever controls the
//! server path, DHCP option 66 or the network can reconfigure it.
//!
//! ## Example
//! ```xml
//! <P240>0</P240>
//! ```
//! Use instead:
//! ```xml
//! <P240>1</P240><P1>(the admin password)</P1>
//! ```
//!
//! ## References
//! - guide 000, "Firmware Upgrade and Provisioning"; guide 001, "Provisioning via Configuration File"
//! - reference/grandstream.md row G33 and section 1.5

use voipguard_model::Finding;

use super::CodeCheck;
use super::grandstream_support::{Verdict, global, require_secret};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct GsProvCfgauth;

impl CodeCheck for GsProvCfgauth {
    fn id(&self) -> &'static str {
        "GS-PROV-CFGAUTH"
    }

    fn reads(&self) -> &'static [&'static str] {
        &["P1", "P240"]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let mut verdict = Verdict::default();
        let enabled = global(cx, "P240", Some("0"));
        let described = enabled.describe();
        match verdict.take(enabled) {
            Some("1") => require_secret(
                cx,
                &mut verdict,
                "P1",
                "P240 = 1 (files without a matching P1 are rejected) but the configuration file password",
            ),
            Some(_) => verdict.fail(format!(
                "{described}: configuration files are applied without authentication"
            )),
            None => {}
        }
        verdict.finish(cx, "P240 = 1 and the file carries P1".into())
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    #[test]
    fn authentication_needs_p240_and_p1() {
        let status = |settings: &[(&str, &str)]| {
            run(
                "GS-PROV-CFGAUTH",
                &device(Vendor::Grandstream, Family::Grp, settings),
            )
            .status
        };
        assert_eq!(status(&[]), Status::Fail);
        assert_eq!(status(&[("P240", "1")]), Status::Fail);
        assert_eq!(status(&[("P240", "1"), ("P1", "Vq3!kT9#zM")]), Status::Pass);
        assert_eq!(status(&[("P240", "{$auth}"), ("P1", "x")]), Status::Unknown);
    }
}
