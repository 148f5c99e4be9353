//! GS-SIP-CERT: accounts that use TLS validate the SIP server's certificate.
//!
//! ## What it does
//! For every account in use whose SIP transport is TLS, both "Check Domain Certificates"
//! (`account.sip.validate.domainCertificates`, P2311/P2411/…) and "Validate Certification Chain"
//! (`account.sip.validate.certificationChain`, P2367/P2467/…) must be 1; both are off by factory
//! default. Without a TLS account the control does not apply.
//!
//! ## Why is this bad?
//! TLS without certificate validation encrypts to whoever answers: a man in the middle presents
//! any certificate and reads the SIP credentials and calls.
//!
//! ## Example
//! ```xml
//! <P130>2</P130>
//! ```
//! Use instead:
//! ```xml
//! <P130>2</P130><P2311>1</P2311><P2367>1</P2367>
//! ```
//!
//! ## References
//! - guide 000, "Protocols and Ports"; guide 001, "Protocols and Ports"
//! - reference/grandstream.md rows G17, G18

use voipguard_model::Finding;

use super::CodeCheck;
use super::grandstream_support::{account, per_tls_account};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct GsSipCert;

/// Per-account validation switches that must both be on, with their web UI labels.
const VALIDATIONS: [(&str, &str); 2] = [
    (
        "account.sip.validate.domainCertificates",
        "domain certificate check",
    ),
    (
        "account.sip.validate.certificationChain",
        "certification chain validation",
    ),
];

impl CodeCheck for GsSipCert {
    fn id(&self) -> &'static str {
        "GS-SIP-CERT"
    }

    fn reads(&self) -> &'static [&'static str] {
        &[
            "account.sip.validate.certificationChain",
            "account.sip.validate.domainCertificates",
            "account.sip.transport",
        ]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let pass = "every account that uses TLS checks the domain certificate and its chain";
        per_tls_account(cx, pass, |verdict, index| {
            for (name, label) in VALIDATIONS {
                let setting = account(cx, name, index, Some("0"));
                let described = setting.describe();
                match verdict.take(setting) {
                    Some("1") | None => {}
                    Some(_) => verdict.fail(format!(
                        "account {index} uses TLS without {label} ({described})"
                    )),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    fn finding(extra: &[(&str, &str)]) -> voipguard_model::Finding {
        let mut settings = vec![
            ("account.enable#1", "1"),
            ("account.sip.server.1.address#1", "pbx.example.com"),
            ("account.sip.userid#1", "1001"),
            ("account.sip.transport#1", "2"),
        ];
        settings.extend_from_slice(extra);
        run(
            "GS-SIP-CERT",
            &device(Vendor::Grandstream, Family::Wp820, &settings),
        )
    }

    #[test]
    fn both_validations_are_needed() {
        let defaults = finding(&[]);
        assert_eq!(defaults.status, Status::Fail);
        insta::assert_snapshot!(defaults.message, @"account 1 uses TLS without domain certificate check (account.sip.validate.domainCertificates[1] = 0 by factory default); account 1 uses TLS without certification chain validation (account.sip.validate.certificationChain[1] = 0 by factory default)");
        let one = finding(&[("account.sip.validate.domainCertificates#1", "1")]);
        assert_eq!(one.status, Status::Fail);
        let both = finding(&[
            ("account.sip.validate.domainCertificates#1", "1"),
            ("account.sip.validate.certificationChain#1", "1"),
        ]);
        assert_eq!(both.status, Status::Pass);
    }
}
