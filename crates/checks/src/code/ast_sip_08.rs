//! AST-SIP-08: no numeric device name doubles as its own secret.
//!
//! ## What it does
//! Lists chan_sip sections named by digits only (`[1000]`) whose `secret` is that same number.
//!
//! ## Why is this bad?
//! Scanners walk extension ranges and try the extension itself as the password first: with the
//! device named after the extension, half of the credential is public and the other half is a
//! copy of it (Asterisk best practices, "Proper Device Naming").
//!
//! ## Example
//! ```ini
//! [1000]
//! secret=1000
//! ```
//! Use instead: device names that are not the extension (MAC-like or random) and random secrets.
//!
//! ## References
//! - reference/asterisk.md 2.1 SIP-08, section 4
//! - guide 004, "SIP / IAX2 Password Policy:"

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_peers::{Driver, Offenders, Peer, select};
use crate::context::Context;

/// AST-SIP-08.
#[derive(Debug)]
pub(crate) struct AstSip08;

fn numeric_name(peer: &Peer<'_>) -> bool {
    !peer.name().is_empty() && peer.name().bytes().all(|byte| byte.is_ascii_digit())
}

impl CodeCheck for AstSip08 {
    fn id(&self) -> &'static str {
        "AST-SIP-08"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let (config, peers) =
            match select(cx, Driver::Sip, "numerically named SIP peer", numeric_name) {
                Ok(selected) => selected,
                Err(finding) => return finding,
            };
        let mut offenders = Offenders::default();
        for peer in &peers {
            if let Some(variable) = peer
                .category
                .get("secret")
                .filter(|variable| variable.value.trim() == peer.name())
            {
                let value = "redacted (equal to the device name)".to_owned();
                offenders.add(peer.name(), [peer.variable_evidence(cx, variable, value)]);
            }
        }
        offenders.finding(
            cx,
            &config,
            peers.len(),
            "numerically named SIP peers use their own name as secret",
            format!(
                "none of the {} numerically named SIP peers uses its name as secret",
                peers.len()
            ),
        )
    }
}
