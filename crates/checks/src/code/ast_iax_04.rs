//! AST-IAX-04: IAX2 call tokens are required from everyone.
//!
//! ## What it does
//! Fails when `requirecalltoken` is false in `[general]` or on a user, peer or friend, or when
//! `[general] calltokenoptional` exempts every address (`0.0.0.0/0.0.0.0`, `::/0`). Call tokens
//! are required by default (since the AST-2009-006 fix).
//!
//! ## Why is this bad?
//! Without call tokens a spoofed source address can exhaust chan_iax2's call numbers and deny
//! service to real callers (AST-2009-006). FreePBX's `iax_custom.conf` sample and the phreaknet
//! boilerplate turn them off.
//!
//! ## Example
//! ```ini
//! [general]
//! calltokenoptional=0.0.0.0/0.0.0.0
//! requirecalltoken=no
//! ```
//! Use instead: leave `requirecalltoken` at its default (yes) and exempt no networks.
//!
//! ## References
//! - reference/asterisk.md 2.3 IAX-04; iax.conf.sample:410-432; doc/IAX2-security.txt
//! - guide 004, "Protect against SIP/IAX2 brute-force"

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_peers::{Driver, DriverConfig, Offenders, is_false};
use crate::context::Context;

/// AST-IAX-04.
#[derive(Debug)]
pub(crate) struct AstIax04;

/// True for a `calltokenoptional` range that holds every address of its family.
fn exempts_everyone(value: &str) -> bool {
    let value = value.trim();
    let (address, mask) = value.split_once('/').unwrap_or((value, ""));
    let any_address = matches!(address.trim(), "0.0.0.0" | "::" | "[::]");
    any_address && matches!(mask.trim(), "0" | "0.0.0.0")
}

impl CodeCheck for AstIax04 {
    fn id(&self) -> &'static str {
        "AST-IAX-04"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let config = match DriverConfig::require(cx, Driver::Iax) {
            Ok(config) => config,
            Err(absent) => return absent,
        };
        let mut offenders = Offenders::default();
        if let Some(general) = config.general() {
            for variable in general.all("calltokenoptional") {
                if exempts_everyone(&variable.value) {
                    let evidence = cx.asterisk_evidence(
                        &variable.origin,
                        "[general] calltokenoptional".into(),
                        format!("{} (every address exempt)", variable.value.trim()),
                    );
                    offenders.add("[general]", [evidence]);
                }
            }
            if let Some(variable) = general
                .get("requirecalltoken")
                .filter(|v| is_false(&v.value))
            {
                let evidence = cx.asterisk_evidence(
                    &variable.origin,
                    "[general] requirecalltoken".into(),
                    variable.value.trim().to_owned(),
                );
                offenders.add("[general]", [evidence]);
            }
        }
        let peers = config.peers();
        for peer in &peers {
            if let Some(variable) = peer
                .category
                .get("requirecalltoken")
                .filter(|v| is_false(&v.value))
            {
                let value = variable.value.trim().to_owned();
                offenders.add(peer.name(), [peer.variable_evidence(cx, variable, value)]);
            }
        }
        offenders.finding(
            cx,
            &config,
            peers.len() + 1,
            "IAX2 sections ([general] included) do without call tokens",
            "call tokens are required from every address (the default)".into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::exempts_everyone;

    #[test]
    fn only_whole_address_space_exemptions_count() {
        assert!(exempts_everyone("0.0.0.0/0.0.0.0"));
        assert!(exempts_everyone("0.0.0.0/0"));
        assert!(exempts_everyone("::/0"));
        assert!(!exempts_everyone("192.168.1.0/24"));
        assert!(!exempts_everyone("0.0.0.0"));
    }
}
