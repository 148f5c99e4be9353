//! SN-PROV-SERVER-AUTH: the phone provisions over HTTPS and authenticates the server.
//!
//! ## What it does
//! Checks that `setting_server` is an `https://` URL and that `tls_server_authentication` is `on`,
//! so the phone trusts only servers whose certificate chains to a root installed in the phone. A
//! template URL whose scheme is literal (`http://{$domain}/…`) is decided by that scheme. Without
//! `setting_server` the server comes from DHCP, redirection or PnP and its scheme is unknown.
//!
//! ## Why is this bad?
//! Provisioning can overwrite every security setting and carries SIP credentials. Over plain HTTP
//! or TFTP, or over HTTPS without server authentication, a rogue DNS server or a man in the middle
//! can read the credentials and push its own settings (guide 002).
//!
//! ## Example
//! ```xml
//! <setting_server perm="R">http://prov.example.com/{mac}.xml</setting_server>
//! <tls_server_authentication perm="R">off</tls_server_authentication>
//! ```
//!
//! Use instead:
//! ```xml
//! <setting_server perm="R">https://prov.example.com/{mac}.xml</setting_server>
//! <tls_server_authentication perm="R">on</tls_server_authentication>
//! ```
//!
//! ## References
//! - guide `002_304575e019043713.txt`, "Provisioning"

use voipguard_model::Finding;

use super::CodeCheck;
use super::snom::{self, Val, Verdict};
use crate::context::Context;

/// SN-PROV-SERVER-AUTH.
#[derive(Debug)]
pub(crate) struct SnProvServerAuth;

impl CodeCheck for SnProvServerAuth {
    fn id(&self) -> &'static str {
        "SN-PROV-SERVER-AUTH"
    }

    fn reads(&self) -> &'static [&'static str] {
        &["setting_server", "tls_server_authentication"]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let mut verdict = Verdict::default();
        let server = snom::global(cx.device, "setting_server");
        verdict.evidence(server.evidence(cx, None));
        match server.val() {
            Val::Absent | Val::Literal("") => verdict.undecided(
                "setting_server not set: the server comes from DHCP, redirection or PnP",
            ),
            Val::Literal(url) | Val::Template(url) => match scheme(url) {
                Some(https) if https.eq_ignore_ascii_case("https") => {}
                Some(other) => verdict.fail(format!("setting_server uses {other}, not https")),
                None if matches!(server.val(), Val::Template(_)) => {
                    verdict.undecided("setting_server's scheme is a template variable");
                }
                None => verdict.fail("setting_server has no https:// scheme"),
            },
        }
        let authentication = snom::global(cx.device, "tls_server_authentication");
        match authentication.val() {
            Val::Absent => verdict.fail("tls_server_authentication is off by factory default"),
            Val::Template(_) => {
                verdict.undecided("tls_server_authentication is a template variable");
            }
            Val::Literal(value) if snom::is_on(value) => {}
            Val::Literal(value) => {
                verdict.fail(format!("tls_server_authentication is {value:?}"));
            }
        }
        verdict.evidence(authentication.evidence(cx, Some("off")));
        verdict.finding(cx, "provisioning over https with server authentication")
    }
}

/// The URL scheme when the text starts with a literal one (`https`, `http`, `tftp`, `ftp`).
fn scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.trim().split_once("://")?;
    let literal = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.');
    literal.then_some(scheme)
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use super::scheme;
    use crate::testing::{device, run};

    fn audit(settings: &[(&str, &str)]) -> voipguard_model::Finding {
        run(
            "SN-PROV-SERVER-AUTH",
            &device(Vendor::Snom, Family::Snom, settings),
        )
    }

    #[test]
    fn https_with_server_authentication_passes() {
        let finding = audit(&[
            ("setting_server", "https://prov.example.com/{mac}.xml"),
            ("tls_server_authentication", "on"),
        ]);
        assert_eq!(finding.status, Status::Pass, "{}", finding.message);
    }

    #[test]
    fn http_or_missing_authentication_fails() {
        let http = audit(&[
            ("setting_server", "http://prov.example.com/{mac}.xml"),
            ("tls_server_authentication", "on"),
        ]);
        assert_eq!(http.status, Status::Fail);
        assert_eq!(http.message, "setting_server uses http, not https");
        let default_off = audit(&[("setting_server", "https://prov.example.com/")]);
        assert_eq!(default_off.status, Status::Fail);
        assert!(default_off.evidence[1].default);
    }

    #[test]
    fn a_literal_scheme_in_a_template_decides() {
        let finding = audit(&[
            ("setting_server", "http://{$domain_name}/app/provision/"),
            ("tls_server_authentication", "on"),
        ]);
        assert_eq!(finding.status, Status::Fail);
        let hidden = audit(&[
            ("setting_server", "{$snom_provision_url}"),
            ("tls_server_authentication", "on"),
        ]);
        assert_eq!(hidden.status, Status::Unknown);
    }

    #[test]
    fn without_a_server_url_the_scheme_is_unknown() {
        let finding = audit(&[("tls_server_authentication", "on")]);
        assert_eq!(finding.status, Status::Unknown);
    }

    #[test]
    fn scheme_needs_literal_text() {
        assert_eq!(scheme("tftp://10.0.0.1/"), Some("tftp"));
        assert_eq!(scheme("{$proto}://host/"), None);
        assert_eq!(scheme("prov.example.com"), None);
    }
}
