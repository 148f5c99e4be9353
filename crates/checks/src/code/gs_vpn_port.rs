//! GS-VPN-PORT: OpenVPN, when on, does not use the well-known port 1194.
//!
//! ## What it does
//! When OpenVPN is on (P7050, default off), "OpenVPN Port" (P7052, default 1194) must not be
//! 1194. With OpenVPN off the control does not apply.
//!
//! ## Why is this bad?
//! 1194 is the port scanners probe for OpenVPN; another port keeps the tunnel out of bulk scans.
//!
//! ## Example
//! ```xml
//! <P7050>1</P7050>
//! ```
//! Use instead:
//! ```xml
//! <P7050>1</P7050><P7052>11940</P7052>
//! ```
//!
//! ## References
//! - guide 001, "OpenVPN®"
//! - reference/grandstream.md row G39

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::grandstream_support::{Verdict, global, port};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct GsVpnPort;

const OPENVPN_PORT: u16 = 1194;

impl CodeCheck for GsVpnPort {
    fn id(&self) -> &'static str {
        "GS-VPN-PORT"
    }

    fn reads(&self) -> &'static [&'static str] {
        &["P7050", "P7052"]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let mut verdict = Verdict::default();
        let enable = global(cx, "P7050", Some("0"));
        let enable_text = enable.describe();
        match verdict.take(enable) {
            Some("1") => {}
            Some(_) => {
                return cx.finding(
                    Status::NotApplicable,
                    format!("OpenVPN is off ({enable_text})"),
                    verdict.evidence,
                );
            }
            None => return verdict.finish(cx, String::new()),
        }
        let vpn_port = global(cx, "P7052", Some("1194"));
        let described = vpn_port.describe();
        match verdict.take(vpn_port).map(port) {
            Some(Some(OPENVPN_PORT)) => {
                verdict.fail(format!("OpenVPN is on the well-known port ({described})"));
            }
            Some(None) => verdict.unknown(format!("{described}, not a port number")),
            Some(Some(_)) | None => {}
        }
        verdict.finish(
            cx,
            format!("OpenVPN is on a non-default port ({described})"),
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    #[test]
    fn only_an_enabled_vpn_is_judged() {
        let status = |settings: &[(&str, &str)]| {
            run(
                "GS-VPN-PORT",
                &device(Vendor::Grandstream, Family::Wp820, settings),
            )
            .status
        };
        assert_eq!(status(&[]), Status::NotApplicable);
        assert_eq!(status(&[("P7050", "1")]), Status::Fail);
        assert_eq!(status(&[("P7050", "1"), ("P7052", "11940")]), Status::Pass);
        assert_eq!(
            status(&[("P7050", "1"), ("P7052", "{$port}")]),
            Status::Unknown
        );
    }
}
