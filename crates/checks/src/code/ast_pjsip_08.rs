//! AST-PJSIP-08: PJSIP TLS transports use current TLS versions and no anonymous or export
//! ciphers.
//!
//! ## What it does
//! Lists the `type=transport` sections of pjsip.conf with `protocol=tls` whose
//! `method` names SSLv2/SSLv3/TLSv1.0/TLSv1.1 or the negotiate-anything `sslv23`, or whose
//! `cipher` list enables anonymous (`ADH`, `aNULL`), `NULL` or `EXPORT` suites. Only values
//! written are judged: the default method depends on the pjproject build. WebSocket transports
//! (`wss`) take their TLS settings from http.conf (AST-HTTP-03).
//!
//! A TLS transport that trunks use to connect out (a `type=registration` naming it or, with no
//! transport, a `sips:`/`transport=tls` server URI; an endpoint naming it with `outbound_auth` or
//! matched by address; wizard trunks of pjsip_wizard.conf included) must also set
//! `verify_server=yes` (default `no`, Asterisk 13 to 21). `verify_client` and
//! `require_client_cert` are not judged: phones on a server transport authenticate by digest, and
//! the reference names no insecure value for them.
//!
//! ## Why is this bad?
//! An attacker in the path downgrades the session to the old protocol or to a suite without
//! authentication and reads or rewrites the signalling, SDES keys included. Without
//! `verify_server`, Asterisk accepts any certificate from the provider, so whoever can redirect
//! the connection impersonates the provider and receives the trunk's digest responses and calls.
//!
//! ## Example
//! ```ini
//! [transport-tls]
//! type = transport
//! protocol = tls
//! method = tlsv1
//! cipher = ADH-AES256-SHA
//!
//! [itsp-reg]
//! type = registration
//! transport = transport-tls
//! ```
//! Use instead: `method = tlsv1_2` (or `tlsv1_3`), no `ADH`/`NULL`/`EXPORT` cipher, and
//! `verify_server = yes` on the transport the registration uses.
//!
//! ## References
//! - reference/asterisk.md 2.2 PJ-08; pjsip.conf.sample lines 154-194, 1166-1198

use voipguard_asterisk::Category;
use voipguard_model::{Evidence, Finding, Status};

use super::CodeCheck;
use super::asterisk_pjsip::PjsipObjects;
use super::asterisk_services::{enables_weak_cipher, is_true, judge_each, key_evidence, list};
use crate::context::Context;

/// `method` values that allow a protocol older than TLS 1.2.
const WEAK_METHODS: &[&str] = &["sslv2", "sslv3", "sslv23", "tlsv1", "tlsv1_1"];

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstPjsip08;

impl CodeCheck for AstPjsip08 {
    fn id(&self) -> &'static str {
        "AST-PJSIP-08"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let pjsip = match PjsipObjects::of(cx) {
            Ok(pjsip) => pjsip,
            Err(finding) => return finding,
        };
        let tls: Vec<_> = pjsip
            .objects("transport")
            .filter(|transport| {
                transport
                    .value("protocol")
                    .is_some_and(|protocol| protocol.trim().eq_ignore_ascii_case("tls"))
            })
            .collect();
        if tls.is_empty() && pjsip.objects("transport").next().is_some() {
            return cx.finding(
                Status::NotApplicable,
                "no TLS transport in pjsip.conf".into(),
                Vec::new(),
            );
        }
        judge_each(
            cx,
            pjsip.has_missing_includes(),
            &tls,
            "TLS transports",
            |transport| {
                weakness(cx, transport)
                    .or_else(|| unverified_server(cx, &pjsip, transport, tls.len()))
            },
            "allow an outdated TLS version or anonymous/export ciphers, or let trunks skip the server certificate check",
            "use TLS 1.2 or later without anonymous or export ciphers, and no trunk skips the server certificate check",
        )
    }
}

/// Evidence of the first weak `method` or `cipher` of a TLS transport.
fn weakness(cx: &Context<'_>, transport: &Category) -> Option<Evidence> {
    if let Some(method) = transport.value("method") {
        let method = method.trim().to_ascii_lowercase();
        if WEAK_METHODS.contains(&method.as_str()) {
            return Some(key_evidence(cx, transport, "method", method));
        }
    }
    let cipher = transport.value("cipher")?;
    enables_weak_cipher(cipher).then(|| key_evidence(cx, transport, "cipher", cipher.to_owned()))
}

/// Evidence that trunks connect out over `transport` without checking the server certificate.
fn unverified_server(
    cx: &Context<'_>,
    pjsip: &PjsipObjects<'_>,
    transport: &Category,
    tls_transports: usize,
) -> Option<Evidence> {
    let verify = transport.value("verify_server");
    if verify.is_some_and(is_true) {
        return None;
    }
    let trunks = trunks_over(pjsip, transport, tls_transports);
    let first = trunks.first()?;
    let more = match trunks.len() {
        1 => String::new(),
        count => format!(" and {} more", count - 1),
    };
    let shown = match verify {
        Some(value) => value.trim().to_owned(),
        None => "absent (default no)".to_owned(),
    };
    Some(key_evidence(
        cx,
        transport,
        "verify_server",
        format!("{shown}; used by trunk {first}{more}"),
    ))
}

/// The trunks that open TLS connections through `transport`: registrations and endpoints that
/// name it, and registrations without a transport whose server URI asks for TLS when it is the
/// only TLS transport (res_pjsip then picks it).
fn trunks_over(
    pjsip: &PjsipObjects<'_>,
    transport: &Category,
    tls_transports: usize,
) -> Vec<String> {
    let names_it = |object: &Category| {
        object
            .value("transport")
            .is_some_and(|name| name.trim().eq_ignore_ascii_case(transport.name.trim()))
    };
    let by_address: Vec<String> = pjsip
        .objects("identify")
        .filter(|identify| identify.get("match").is_some())
        .filter_map(|identify| identify.value("endpoint"))
        .flat_map(list)
        .collect();
    let registrations = pjsip.objects("registration").filter(|registration| {
        names_it(registration)
            || (tls_transports == 1
                && registration.value("transport").is_none()
                && registration.value("server_uri").is_some_and(asks_for_tls))
    });
    let endpoints = pjsip.objects("endpoint").filter(|endpoint| {
        names_it(endpoint)
            && (endpoint.value("outbound_auth").is_some()
                || by_address.contains(&endpoint.name.to_ascii_lowercase()))
    });
    registrations
        .chain(endpoints)
        .map(|object| object.name.clone())
        .collect()
}

/// True for a SIP URI that can only be reached over TLS.
fn asks_for_tls(uri: &str) -> bool {
    let uri = uri.trim().to_ascii_lowercase();
    uri.starts_with("sips:") || uri.contains(";transport=tls")
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn old_protocols_and_anonymous_ciphers_are_flagged() {
        let status = |text: &str| run_files("AST-PJSIP-08", &[("pjsip.conf", text)]).status;
        let tls = "[tls]\ntype=transport\nprotocol=tls\n";
        assert_eq!(status(&format!("{tls}method=tlsv1\n")), Status::Fail);
        assert_eq!(
            status(&format!("{tls}cipher=ADH-AES256-SHA\n")),
            Status::Fail
        );
        assert_eq!(
            status(&format!(
                "{tls}method=tlsv1_2\ncipher=HIGH:!aNULL:!EXPORT\n"
            )),
            Status::Pass
        );
        assert_eq!(
            status("[udp]\ntype=transport\nprotocol=udp\n"),
            Status::NotApplicable
        );
    }

    #[test]
    fn trunks_over_tls_must_verify_the_server() {
        let status = |text: &str| run_files("AST-PJSIP-08", &[("pjsip.conf", text)]).status;
        let tls = "[tls]\ntype=transport\nprotocol=tls\nmethod=tlsv1_2\n";
        let registration =
            "[itsp]\ntype=registration\ntransport=tls\nserver_uri=sip:itsp.example\n";
        let failing = run_files(
            "AST-PJSIP-08",
            &[("pjsip.conf", &format!("{tls}{registration}"))],
        );
        assert_eq!(failing.status, Status::Fail);
        assert!(
            failing
                .evidence
                .iter()
                .any(|evidence| evidence.value.contains("trunk itsp")),
            "{failing:?}"
        );
        assert_eq!(
            status(&format!("{tls}verify_server=yes\n{registration}")),
            Status::Pass
        );
        // Phones only connect in: the server certificate check does not apply.
        assert_eq!(
            status(&format!(
                "{tls}[100]\ntype=endpoint\ntransport=tls\nauth=100\n"
            )),
            Status::Pass
        );
        // A sips: registration without a transport uses the only TLS transport.
        assert_eq!(
            status(&format!(
                "{tls}[itsp]\ntype=registration\nserver_uri=sips:itsp.example\n"
            )),
            Status::Fail
        );
        // Wizard trunks count too.
        let wizard =
            "[itsp]\ntype=wizard\ntransport=tls\nsends_auth=yes\nsends_registrations=yes\n";
        let files = [("pjsip.conf", tls), ("pjsip_wizard.conf", wizard)];
        assert_eq!(run_files("AST-PJSIP-08", &files).status, Status::Fail);
    }
}
