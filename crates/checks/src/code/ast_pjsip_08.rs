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
//! ## Why is this bad?
//! An attacker in the path downgrades the session to the old protocol or to a suite without
//! authentication and reads or rewrites the signalling, SDES keys included.
//!
//! ## Example
//! ```ini
//! [transport-tls]
//! type = transport
//! protocol = tls
//! method = tlsv1
//! cipher = ADH-AES256-SHA
//! ```
//! Use instead: `method = tlsv1_2` (or `tlsv1_3`) and no `ADH`/`NULL`/`EXPORT` cipher.
//!
//! ## References
//! - reference/asterisk.md 2.2 PJ-08; pjsip.conf.sample lines 154-194, 1166-1198

use voipguard_asterisk::Category;
use voipguard_model::{Evidence, Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{
    config, enables_weak_cipher, has_missing_includes, judge_each, key_evidence, pjsip_objects,
};
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
        let pjsip = match config(cx, "pjsip.conf") {
            Ok(pjsip) => pjsip,
            Err(finding) => return finding,
        };
        let tls: Vec<_> = pjsip_objects(pjsip, "transport")
            .filter(|transport| {
                transport
                    .value("protocol")
                    .is_some_and(|protocol| protocol.trim().eq_ignore_ascii_case("tls"))
            })
            .collect();
        if tls.is_empty() && pjsip_objects(pjsip, "transport").next().is_some() {
            return cx.finding(
                Status::NotApplicable,
                "no TLS transport in pjsip.conf".into(),
                Vec::new(),
            );
        }
        judge_each(
            cx,
            has_missing_includes(pjsip),
            &tls,
            "TLS transports",
            |transport| weakness(cx, transport),
            "allow an outdated TLS version or anonymous/export ciphers",
            "use TLS 1.2 or later without anonymous or export ciphers",
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
}
