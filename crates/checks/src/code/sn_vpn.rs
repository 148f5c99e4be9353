//! SN-VPN: a remote phone reaches its PBX through OpenVPN.
//!
//! ## What it does
//! When the file turns OpenVPN on (`vpn_on`), checks that `vpn_tarball_url` names the tarball with
//! the client configuration and certificates, fetched over HTTPS. When OpenVPN is off the result
//! is `unknown`: whether the phone is remote is a fact no configuration file holds.
//!
//! ## Why is this bad?
//! A phone outside the office network sends SIP and RTP over the internet. OpenVPN (guide 002)
//! protects both and keeps the PBX off the public network. The tarball holds the VPN private key:
//! fetched over plain HTTP or TFTP it can be read on the way.
//!
//! ## Example
//! ```xml
//! <vpn_on perm="R">on</vpn_on>
//! <vpn_tarball_url perm="R">http://prov.example.com/vpn.tar</vpn_tarball_url>
//! ```
//!
//! Use instead:
//! ```xml
//! <vpn_on perm="R">on</vpn_on>
//! <vpn_tarball_url perm="R">https://prov.example.com/vpn.tar</vpn_tarball_url>
//! ```
//!
//! ## References
//! - guide `002_304575e019043713.txt`, "OpenVPN"

use voipguard_model::Finding;

use super::CodeCheck;
use super::snom::{self, Val, Verdict};
use crate::context::Context;

/// SN-VPN.
#[derive(Debug)]
pub(crate) struct SnVpn;

impl CodeCheck for SnVpn {
    fn id(&self) -> &'static str {
        "SN-VPN"
    }

    fn reads(&self) -> &'static [&'static str] {
        &["vpn_on", "vpn_tarball_url"]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let mut verdict = Verdict::default();
        let vpn = snom::global(cx.device, "vpn_on");
        verdict.evidence(vpn.evidence(cx, Some("off")));
        match vpn.val() {
            Val::Template(_) => verdict.undecided("vpn_on is a template variable"),
            Val::Literal(value) if snom::is_on(value) => judge_tarball(cx, &mut verdict),
            Val::Absent | Val::Literal(_) => verdict.undecided(
                "OpenVPN is off; whether the phone is remote (and needs it) is a fact, not configuration",
            ),
        }
        verdict.finding(cx, "OpenVPN on, its configuration fetched over https")
    }
}

fn judge_tarball(cx: &Context<'_>, verdict: &mut Verdict) {
    let tarball = snom::global(cx.device, "vpn_tarball_url");
    verdict.evidence(tarball.evidence(cx, Some("empty")));
    match tarball.val() {
        Val::Absent | Val::Literal("") => {
            verdict.fail("vpn_on is on but vpn_tarball_url names no VPN configuration");
        }
        Val::Template(_) => verdict.undecided("vpn_tarball_url is a template variable"),
        Val::Literal(url) if url.to_ascii_lowercase().starts_with("https://") => {}
        Val::Literal(_) => {
            verdict.fail("vpn_tarball_url does not use https: the VPN keys travel unencrypted")
        }
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    fn audit(settings: &[(&str, &str)]) -> voipguard_model::Finding {
        run("SN-VPN", &device(Vendor::Snom, Family::Snom, settings))
    }

    #[test]
    fn vpn_off_is_a_question_of_facts() {
        assert_eq!(audit(&[]).status, Status::Unknown);
        assert_eq!(audit(&[("vpn_on", "off")]).status, Status::Unknown);
    }

    #[test]
    fn vpn_on_needs_a_tarball_over_https() {
        let pass = audit(&[
            ("vpn_on", "on"),
            ("vpn_tarball_url", "https://prov.example.com/vpn.tar"),
        ]);
        assert_eq!(pass.status, Status::Pass, "{}", pass.message);
        let plain = audit(&[
            ("vpn_on", "on"),
            ("vpn_tarball_url", "http://prov.example.com/vpn.tar"),
        ]);
        assert_eq!(plain.status, Status::Fail);
        assert_eq!(audit(&[("vpn_on", "on")]).status, Status::Fail);
    }
}
