//! AST-SIP-22: chan_sip listens on TCP only when something uses TCP (`tcpenable`).
//!
//! ## What it does
//! When `[general]` has `tcpenable=yes`, looks for a user of SIP over TCP: a peer, user or friend
//! whose `transport` (or the `[general]` `transport` it inherits, default `udp`) lists `tcp`, or
//! a `register => tcp://…` line. Fails when there is none.
//!
//! ## Why is this bad?
//! A listener nobody needs is attack surface: scanners and brute-force tools also try SIP over
//! TCP, and a TCP listener must then be firewalled and watched as well.
//!
//! ## Example
//! ```ini
//! [general]
//! tcpenable=yes
//! ; every peer uses transport=udp
//! ```
//! Use instead: `tcpenable=no`, or `transport=tcp` on the peers that need it.
//!
//! ## References
//! - reference/asterisk.md 2.1 SIP-22; sip.conf.sample:191, 224-225

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_peers::{Driver, DriverConfig, GeneralSetting, is_false};
use crate::context::Context;

/// chan_sip's `tcpenable` when unset (chan_sip 1.6 to 20: no TCP listener).
const DEFAULT_TCPENABLE: &str = "no";

/// chan_sip's `transport` when neither the peer nor `[general]` sets it.
const DEFAULT_TRANSPORT: &str = "udp";

/// AST-SIP-22.
#[derive(Debug)]
pub(crate) struct AstSip22;

impl CodeCheck for AstSip22 {
    fn id(&self) -> &'static str {
        "AST-SIP-22"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let config = match DriverConfig::require(cx, Driver::Sip) {
            Ok(config) => config,
            Err(absent) => return absent,
        };
        let tcpenable = config.general_setting("tcpenable");
        let Some(enabled) = tcpenable.value_or(DEFAULT_TCPENABLE) else {
            return cx.finding(
                Status::Unknown,
                "sip.conf [general] tcpenable is not set in the files read, but files missing from this copy may set it (see AST-CONFIG)".into(),
                Vec::new(),
            );
        };
        let GeneralSetting::Set(variable) = tcpenable else {
            return cx.finding(
                Status::Pass,
                format!("tcpenable is not set (default {DEFAULT_TCPENABLE}): no SIP over TCP"),
                Vec::new(),
            );
        };
        if is_false(enabled) {
            return cx.finding(
                Status::Pass,
                format!("tcpenable={enabled}: no SIP over TCP"),
                Vec::new(),
            );
        }
        if let Some(user) = tcp_user(&config) {
            return cx.finding(
                Status::Pass,
                format!("tcpenable={enabled}, used by {user}"),
                Vec::new(),
            );
        }
        let evidence = cx.asterisk_evidence(
            &variable.origin,
            "[general] tcpenable".into(),
            format!("{enabled} (no peer or registration uses transport tcp)"),
        );
        let status = if config.has_missing_includes() {
            Status::Unknown
        } else {
            Status::Fail
        };
        let mut message = format!(
            "chan_sip listens on TCP (tcpenable={enabled}) but no peer or registration uses TCP"
        );
        if status == Status::Unknown {
            message.push_str(
                ", as far as the files read show (included files are missing, see AST-CONFIG)",
            );
        }
        cx.finding(status, message, vec![evidence])
    }
}

/// Who uses SIP over TCP, in words, if anyone.
fn tcp_user(config: &DriverConfig<'_>) -> Option<String> {
    let default_transport = config
        .general()
        .and_then(|general| general.value("transport"))
        .unwrap_or(DEFAULT_TRANSPORT);
    if let Some(peer) = config
        .peers()
        .into_iter()
        .find(|peer| lists_tcp(peer.value("transport").unwrap_or(default_transport)))
    {
        return Some(format!("[{}] transport", peer.name()));
    }
    let registers_over_tcp = config
        .general()
        .into_iter()
        .flat_map(|general| general.all("register"))
        .any(|variable| {
            variable
                .value
                .trim()
                .to_ascii_lowercase()
                .starts_with("tcp://")
        });
    registers_over_tcp.then(|| "a register => tcp:// line".to_owned())
}

/// True when a `transport` list names TCP.
fn lists_tcp(transport: &str) -> bool {
    transport
        .split(',')
        .any(|word| word.trim().eq_ignore_ascii_case("tcp"))
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn tcp_must_have_a_user() {
        let run = |text: &str| run_files("AST-SIP-22", &[("sip.conf", text)]).status;
        let udp_phone = "[1001]\ntype=friend\nhost=dynamic\n";
        assert_eq!(run(&format!("[general]\n{udp_phone}")), Status::Pass);
        assert_eq!(
            run(&format!("[general]\ntcpenable=yes\n{udp_phone}")),
            Status::Fail
        );
        assert_eq!(
            run(&format!(
                "[general]\ntcpenable=yes\ntransport=udp,tcp\n{udp_phone}"
            )),
            Status::Pass
        );
        assert_eq!(
            run(&format!(
                "[general]\ntcpenable=yes\n{udp_phone}transport=tcp\n"
            )),
            Status::Pass
        );
        assert_eq!(
            run(&format!(
                "[general]\ntcpenable=yes\nregister => tcp://u:s@sip.example.net\n{udp_phone}"
            )),
            Status::Pass
        );
    }
}
