//! GS-PROV-XMLPASS: the XML configuration file is encrypted with a password.
//!
//! ## What it does
//! "XML Config File Password" (P1359, `provisioning.config.filePassword`) must be set; it is empty
//! by factory default. With it the phone decrypts an AES-256-CBC `cfg<MAC>.xml` made with
//! `openssl enc`. Only whether it is set, and its length, is reported.
//!
//! ## Why is this bad?
//! A plain XML file carries the SIP and admin passwords readable by whoever obtains the file from
//! the server, a backup or the network.
//!
//! ## Example
//! ```xml
//! <P1359></P1359>
//! ```
//! Use instead:
//! ```xml
//! <P1359>(a strong password)</P1359>  <!-- delivered first, then encrypted files -->
//! ```
//!
//! ## References
//! - guide 000, "Firmware Upgrade and Provisioning"; guide 001, "Provisioning via Configuration File"
//! - reference/grandstream.md row G34 and section 1.5

use voipguard_model::Finding;

use super::CodeCheck;
use super::grandstream_support::{Verdict, require_secret};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct GsProvXmlpass;

impl CodeCheck for GsProvXmlpass {
    fn id(&self) -> &'static str {
        "GS-PROV-XMLPASS"
    }

    fn reads(&self) -> &'static [&'static str] {
        &["P1359"]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let mut verdict = Verdict::default();
        require_secret(cx, &mut verdict, "P1359", "XML config file password");
        verdict.finish(cx, "XML config file password P1359 is set".into())
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    #[test]
    fn the_password_must_be_set() {
        let status = |settings: &[(&str, &str)]| {
            run(
                "GS-PROV-XMLPASS",
                &device(Vendor::Grandstream, Family::Grp, settings),
            )
            .status
        };
        assert_eq!(status(&[]), Status::Fail);
        assert_eq!(status(&[("P1359", "")]), Status::Fail);
        assert_eq!(status(&[("P1359", "{$xml_password}")]), Status::Unknown);
        let set = run(
            "GS-PROV-XMLPASS",
            &device(Vendor::Grandstream, Family::Grp, &[("P1359", "Kq9!vT3#mZ")]),
        );
        assert_eq!(set.status, Status::Pass);
        assert_eq!(set.evidence[0].value, "redacted (set, 10 characters)");
    }
}
