//! AST-PJSIP-09: PJSIP transports listen on a chosen interface, not on every one.
//!
//! ## What it does
//! Lists the `type=transport` sections of pjsip.conf whose `bind` is `0.0.0.0`, `::` or `[::]`
//! (with any port), or absent (res_pjsip then binds every interface; Asterisk 13 to 21).
//! WebSocket transports (`ws`, `wss`) are left out: they ignore `bind` and listen where http.conf
//! says (AST-HTTP-01).
//!
//! ## Why is this bad?
//! A wildcard bind also answers on interfaces that need no SIP (a public address of a host
//! serving only the LAN, a management network), which widens what scanners and brute-force
//! tools reach.
//!
//! ## Example
//! ```ini
//! [transport-udp]
//! type = transport
//! bind = 0.0.0.0
//! ```
//! Use instead: `bind = 192.0.2.10:5060`, the address the phones and trunks use.
//!
//! ## References
//! - reference/asterisk.md 2.2 PJ-09; pjsip.conf.sample lines 130-155

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_services::{
    config, has_missing_includes, is_wildcard, judge_each, key_evidence, pjsip_objects,
};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstPjsip09;

impl CodeCheck for AstPjsip09 {
    fn id(&self) -> &'static str {
        "AST-PJSIP-09"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let pjsip = match config(cx, "pjsip.conf") {
            Ok(pjsip) => pjsip,
            Err(finding) => return finding,
        };
        let transports: Vec<_> = pjsip_objects(pjsip, "transport")
            .filter(|transport| {
                !transport.value("protocol").is_some_and(|protocol| {
                    ["ws", "wss"].contains(&protocol.trim().to_ascii_lowercase().as_str())
                })
            })
            .collect();
        judge_each(
            cx,
            has_missing_includes(pjsip),
            &transports,
            "transports",
            |transport| match transport.value("bind") {
                Some(bind) if is_wildcard(bind) => {
                    Some(key_evidence(cx, transport, "bind", bind.to_owned()))
                }
                Some(_) => None,
                None => Some(key_evidence(
                    cx,
                    transport,
                    "bind",
                    "not set (every interface)".into(),
                )),
            },
            "listen on every interface",
            "are bound to a chosen address",
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn wildcard_binds_are_flagged() {
        let status = |text: &str| run_files("AST-PJSIP-09", &[("pjsip.conf", text)]).status;
        assert_eq!(
            status("[udp]\ntype=transport\nbind=0.0.0.0\n"),
            Status::Fail
        );
        assert_eq!(
            status("[udp]\ntype=transport\nbind=[::]:5060\n"),
            Status::Fail
        );
        assert_eq!(status("[udp]\ntype=transport\n"), Status::Fail);
        assert_eq!(
            status("[ws]\ntype=transport\nprotocol=wss\nbind=0.0.0.0\n"),
            Status::NotApplicable,
            "WebSockets listen where http.conf says"
        );
        assert_eq!(
            status("[udp]\ntype=transport\nbind=192.0.2.10:5060\n"),
            Status::Pass
        );
    }
}
