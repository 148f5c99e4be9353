//! GS-SIP-SIPS: accounts that use TLS address their peers with `sips:` URIs.
//!
//! ## What it does
//! For every account in use whose SIP transport is TLS (`account.sip.transport` = 2), reads
//! "SIP URI Scheme When Using TLS" (`account.sip.uriSchemeWhenUsingTls`, P2329/P2429/…):
//! 1 (`sips`) passes, 0 (`sip`) fails. The GRP default is `sips`; the WP820 template is
//! inconsistent about its default, so an absent setting there is unknown. Without a TLS account
//! the control does not apply (GS-SIP-TLS reports the missing TLS).
//!
//! ## Why is this bad?
//! With `sip:` URIs TLS is best effort: any hop may fall back to clear text. `sips:` demands TLS
//! end to end.
//!
//! ## Example
//! ```xml
//! <P130>2</P130><P2329>0</P2329>
//! ```
//! Use instead:
//! ```xml
//! <P130>2</P130><P2329>1</P2329>
//! ```
//!
//! ## References
//! - guide 000, "Protocols and Ports"; guide 001, "Protocols and Ports"
//! - reference/grandstream.md row G16

use voipguard_model::{Family, Finding};

use super::CodeCheck;
use super::grandstream_support::{account, per_tls_account};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct GsSipSips;

impl CodeCheck for GsSipSips {
    fn id(&self) -> &'static str {
        "GS-SIP-SIPS"
    }

    fn reads(&self) -> &'static [&'static str] {
        &["account.sip.uriSchemeWhenUsingTls", "account.sip.transport"]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let default = match cx.family {
            Family::Wp820 => None,
            _ => Some("1"),
        };
        let pass = "every account that uses TLS uses sips: URIs";
        per_tls_account(cx, pass, |verdict, index| {
            let scheme = account(cx, "account.sip.uriSchemeWhenUsingTls", index, default);
            let described = scheme.describe();
            match verdict.take(scheme) {
                Some("1") | None => {}
                Some(_) => verdict.fail(format!(
                    "account {index} uses TLS but {described} (sip, not sips)"
                )),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    fn status(family: Family, extra: &[(&str, &str)]) -> Status {
        let mut settings = vec![
            ("account.enable#1", "1"),
            ("account.sip.server.1.address#1", "pbx.example.com"),
            ("account.sip.userid#1", "1001"),
        ];
        settings.extend_from_slice(extra);
        run(
            "GS-SIP-SIPS",
            &device(Vendor::Grandstream, family, &settings),
        )
        .status
    }

    #[test]
    fn only_tls_accounts_are_judged() {
        assert_eq!(
            status(Family::Grp, &[]),
            Status::NotApplicable,
            "UDP by default"
        );
        let tls = ("account.sip.transport#1", "2");
        assert_eq!(
            status(Family::Grp, &[tls]),
            Status::Pass,
            "sips by default on GRP"
        );
        assert_eq!(
            status(Family::Wp820, &[tls]),
            Status::Unknown,
            "WP820 default unconfirmed"
        );
        assert_eq!(
            status(
                Family::Grp,
                &[tls, ("account.sip.uriSchemeWhenUsingTls#1", "0")]
            ),
            Status::Fail
        );
        assert_eq!(
            status(Family::Grp, &[("account.sip.transport#1", "{$transport}")]),
            Status::Unknown
        );
    }
}
