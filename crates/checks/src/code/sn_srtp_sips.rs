//! SN-SRTP-SIPS: every identity in use encrypts media (SRTP, mandatory) and signalling (SIP over
//! TLS).
//!
//! ## What it does
//! For every identity in use (`user_active` on with a `user_name` or `user_host`), checks that
//! `user_srtp` is `on`, `user_savp` is `mandatory`, and that SIP goes over TLS: the outbound proxy
//! `user_outbound` (or, when none is set, `user_host`) carries `;transport=tls` or the `sips:`
//! scheme. Without a transport parameter SIP uses UDP.
//!
//! ## Why is this bad?
//! Guide 002: audio and SIP signalling can be sniffed and spoofed on the network unless they are
//! encrypted. SRTP keys travel in SIP, so SRTP without TLS protects little; with `user_savp`
//! `optional` a downgraded peer gets plain RTP.
//!
//! ## Example
//! ```xml
//! <user_srtp idx="1" perm="R">off</user_srtp>
//! <user_outbound idx="1" perm="R">pbx.example.com:5060;transport=udp</user_outbound>
//! ```
//!
//! Use instead:
//! ```xml
//! <user_srtp idx="1" perm="R">on</user_srtp>
//! <user_savp idx="1" perm="R">mandatory</user_savp>
//! <user_outbound idx="1" perm="R">pbx.example.com:5061;transport=tls</user_outbound>
//! ```
//!
//! ## References
//! - guide `002_304575e019043713.txt`, "SRTP and SIPS"

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::snom::{self, Val, Verdict};
use crate::context::Context;

/// SN-SRTP-SIPS.
#[derive(Debug)]
pub(crate) struct SnSrtpSips;

impl CodeCheck for SnSrtpSips {
    fn id(&self) -> &'static str {
        "SN-SRTP-SIPS"
    }

    fn reads(&self) -> &'static [&'static str] {
        &["user_host", "user_outbound", "user_savp", "user_srtp"]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let in_use = cx.accounts_in_use();
        if in_use.is_empty() {
            return cx.finding(
                Status::NotApplicable,
                "no identity is in use".into(),
                Vec::new(),
            );
        }
        let mut verdict = Verdict::default();
        for account in in_use {
            let index = account.index;
            require_value(cx, &mut verdict, index, "user_srtp", "on");
            require_value(cx, &mut verdict, index, "user_savp", "mandatory");
            require_tls(cx, &mut verdict, index);
        }
        verdict.finding(
            cx,
            format!(
                "all {} identities in use have SRTP on, SRTP mandatory and SIP over TLS",
                in_use.len()
            ),
        )
    }
}

/// Factory defaults of `user_srtp` and `user_savp` are unconfirmed, so an absent one is undecided.
fn require_value(cx: &Context<'_>, verdict: &mut Verdict, index: u16, name: &str, wanted: &str) {
    let read = snom::identity(cx.device, name, index);
    match read.val() {
        Val::Absent => verdict.undecided(format!(
            "{} not set (factory default unconfirmed)",
            read.name()
        )),
        Val::Template(_) => verdict.undecided(format!("{} is a template variable", read.name())),
        Val::Literal(value) if value.eq_ignore_ascii_case(wanted) => {}
        Val::Literal(value) => verdict.fail(format!("{} is {value:?}", read.name())),
    }
    verdict.evidence(read.evidence(cx, None));
}

fn require_tls(cx: &Context<'_>, verdict: &mut Verdict, index: u16) {
    let outbound = snom::identity(cx.device, "user_outbound", index);
    let host = snom::identity(cx.device, "user_host", index);
    let decisive = match outbound.val() {
        Val::Absent | Val::Literal("") => &host,
        _ => &outbound,
    };
    verdict.evidence(decisive.evidence(cx, None));
    match decisive.val() {
        Val::Absent | Val::Literal("") => verdict.fail(format!(
            "identity {index}: no user_outbound or user_host with transport=tls (SIP over UDP)"
        )),
        Val::Template(text) if only_tls(text) => {}
        Val::Template(_) => verdict.undecided(format!(
            "{}: the transport is a template variable",
            decisive.name()
        )),
        Val::Literal(uri) => match transport(uri) {
            Some("tls") => {}
            Some(other) => verdict.fail(format!("{}: SIP over {other}", decisive.name())),
            None => verdict.fail(format!(
                "{}: no transport=tls, so SIP goes over UDP",
                decisive.name()
            )),
        },
    }
}

/// True when a template's every `transport=` is followed by a literal `tls`, so whatever its
/// variables render to, SIP goes over TLS (`{$proxy};transport=tls`, but not
/// `transport={{ proto }}` nor an `{if}` choosing between `tls` and `udp`).
fn only_tls(template: &str) -> bool {
    let lower = template.to_ascii_lowercase();
    let mut after = lower.split("transport=").skip(1).peekable();
    after.peek().is_some() && after.all(|rest| rest.starts_with("tls"))
}

/// The transport a SIP URI asks for: `tls` for `sips:` or `;transport=tls`, the parameter's
/// value otherwise, `None` when it names none.
fn transport(uri: &str) -> Option<&'static str> {
    let lower = uri.trim().to_ascii_lowercase();
    if lower.starts_with("sips:") {
        return Some("tls");
    }
    let (_, rest) = lower.split_once("transport=")?;
    let value: String = rest
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    match value.as_str() {
        "tls" => Some("tls"),
        "tcp" => Some("tcp"),
        "udp" => Some("udp"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use super::{only_tls, transport};
    use crate::testing::{device, run};

    const IDENTITY: [(&str, &str); 3] = [
        ("user_active#1", "on"),
        ("user_name#1", "201"),
        ("user_host#1", "pbx.example.com"),
    ];

    fn identity_with(extra: &[(&'static str, &'static str)]) -> voipguard_model::Device {
        let mut settings = IDENTITY.to_vec();
        settings.extend_from_slice(extra);
        device(Vendor::Snom, Family::Snom, &settings)
    }

    #[test]
    fn srtp_mandatory_over_tls_passes() {
        let finding = run(
            "SN-SRTP-SIPS",
            &identity_with(&[
                ("user_srtp#1", "on"),
                ("user_savp#1", "mandatory"),
                ("user_outbound#1", "pbx.example.com:5061;transport=tls"),
            ]),
        );
        assert_eq!(finding.status, Status::Pass, "{}", finding.message);
    }

    #[test]
    fn plain_rtp_or_udp_fails() {
        let finding = run(
            "SN-SRTP-SIPS",
            &identity_with(&[
                ("user_srtp#1", "off"),
                ("user_savp#1", "optional"),
                ("user_outbound#1", "pbx.example.com:5060;transport=udp"),
            ]),
        );
        assert_eq!(finding.status, Status::Fail);
        assert_eq!(
            finding.message,
            "user_srtp[1] is \"off\"; user_savp[1] is \"optional\"; user_outbound[1]: SIP over udp"
        );
    }

    #[test]
    fn no_transport_means_udp_and_unset_srtp_is_undecided() {
        let finding = run("SN-SRTP-SIPS", &identity_with(&[]));
        assert_eq!(finding.status, Status::Fail);
        assert!(finding.message.contains("user_host[1]: no transport=tls"));
        assert!(finding.message.contains("undecided: user_srtp[1] not set"));
        let tls_host = run(
            "SN-SRTP-SIPS",
            &device(
                Vendor::Snom,
                Family::Snom,
                &[
                    ("user_active#1", "on"),
                    ("user_host#1", "pbx.example.com;transport=tls"),
                ],
            ),
        );
        assert_eq!(tls_host.status, Status::Unknown);
    }

    #[test]
    fn inactive_identities_are_not_judged() {
        let finding = run(
            "SN-SRTP-SIPS",
            &device(
                Vendor::Snom,
                Family::Snom,
                &[("user_active#1", "off"), ("user_srtp#1", "off")],
            ),
        );
        assert_eq!(finding.status, Status::NotApplicable);
    }

    #[test]
    fn transport_reads_the_uri_parameter_or_scheme() {
        assert_eq!(transport("sips:pbx.example.com"), Some("tls"));
        assert_eq!(transport("pbx:5061;Transport=TLS"), Some("tls"));
        assert_eq!(transport("pbx:5060;transport=tcp,backup"), Some("tcp"));
        assert_eq!(transport("pbx.example.com"), None);
    }

    #[test]
    fn a_template_decides_only_when_every_transport_is_literal_tls() {
        assert!(only_tls("{$proxy}:5061;transport=tls"));
        assert!(!only_tls("{{ ip }}:{{ port }};transport={{ proto }}"));
        assert!(!only_tls(
            "{if $tls}a;transport=tls{else}a;transport=udp{/if}"
        ));
        assert!(!only_tls("{$proxy}"));
    }

    #[test]
    fn a_templated_transport_is_unknown() {
        let finding = run(
            "SN-SRTP-SIPS",
            &identity_with(&[
                ("user_srtp#1", "on"),
                ("user_savp#1", "mandatory"),
                (
                    "user_outbound#1",
                    "{{ ip }}:{{ port }};transport={{ proto }}",
                ),
            ]),
        );
        assert_eq!(finding.status, Status::Unknown);
    }
}
