//! AST-SIP-22: chan_sip listens only where needed: not on every interface of a host with a
//! public address (`udpbindaddr`, `tcpbindaddr`), and on TCP only when something uses TCP
//! (`tcpenable`).
//!
//! ## What it does
//! Judges two things and reports the worse:
//! - **Binding.** The UDP listener (`udpbindaddr`, or its older name `bindaddr`; default
//!   `0.0.0.0`) and, when TCP is on, the TCP one (`tcpbindaddr`, default the UDP address) must
//!   not listen on every interface (`0.0.0.0`, `::`) of a host that has a public address. Whether
//!   it has one is not in the files: it is the fact `network.public_interface` of a ScopTEL facts
//!   file joining this PBX. Listeners on named addresses pass without it; listeners on every
//!   interface are `unknown` until it is stated, pass when it is false, fail when it is true.
//!   A host behind a router with LAN addresses only is protected by that router's port mapping,
//!   which is a site matter, not chan_sip's.
//! - **TCP.** When `[general]` has `tcpenable=yes`, looks for a user of SIP over TCP: a peer,
//!   user or friend whose `transport` (or the `[general]` `transport` it inherits, default `udp`)
//!   lists `tcp`, or a `register => tcp://…` line. Fails when there is none.
//!
//! ## Why is this bad?
//! A listener nobody needs is attack surface: on every interface of an internet-facing host,
//! chan_sip answers scanners and brute-force tools on the public address too, even where only
//! LAN phones need it; and scanners also try SIP over TCP, a listener that must then be
//! firewalled and watched as well.
//!
//! ## Example
//! ```ini
//! [general]
//! udpbindaddr=0.0.0.0   ; on a host with a public address
//! tcpenable=yes         ; every peer uses transport=udp
//! ```
//! Use instead: `udpbindaddr=192.168.10.5` (the interface SIP needs), and `tcpenable=no`, or
//! `transport=tcp` on the peers that need it.
//!
//! ## References
//! - reference/asterisk.md 2.1 SIP-22; sip.conf.sample:191, 224-225

use voipguard_model::{Evidence, Finding, SettingKey, Status};

use super::CodeCheck;
use super::asterisk_peers::{Driver, DriverConfig, GeneralSetting, is_false};
use super::facts::{not_stated, stated_bool};
use crate::context::Context;

/// chan_sip's `tcpenable` when unset (chan_sip 1.6 to 20: no TCP listener).
const DEFAULT_TCPENABLE: &str = "no";

/// chan_sip's `udpbindaddr` when unset (chan_sip 1.8 to 20: every IPv4 interface).
const DEFAULT_BINDADDR: &str = "0.0.0.0";

/// chan_sip's `transport` when neither the peer nor `[general]` sets it.
const DEFAULT_TRANSPORT: &str = "udp";

/// The fact the binding half needs.
const PUBLIC_INTERFACE: &str = "facts.network.public_interface";

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
        let tcp_on = tcpenable
            .value_or(DEFAULT_TCPENABLE)
            .is_some_and(|value| !is_false(value));
        let halves = [
            tcp_half(cx, &config, tcpenable),
            bind_half(cx, &config, tcp_on),
        ];
        let status = [Status::Fail, Status::Unknown]
            .into_iter()
            .find(|worst| halves.iter().any(|half| half.status == *worst))
            .unwrap_or(Status::Pass);
        let message = halves
            .iter()
            .map(|half| half.message.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let evidence = halves.into_iter().flat_map(|half| half.evidence).collect();
        cx.finding(status, message, evidence)
    }
}

/// The verdict on one of the two things the check judges.
struct Half {
    status: Status,
    message: String,
    evidence: Vec<Evidence>,
}

impl Half {
    fn new(status: Status, message: String) -> Half {
        Half {
            status,
            message,
            evidence: Vec::new(),
        }
    }
}

/// `tcpenable=yes` needs a user of SIP over TCP.
fn tcp_half(cx: &Context<'_>, config: &DriverConfig<'_>, tcpenable: GeneralSetting<'_>) -> Half {
    let Some(enabled) = tcpenable.value_or(DEFAULT_TCPENABLE) else {
        return Half::new(
            Status::Unknown,
            "sip.conf [general] tcpenable is not set in the files read, but files missing from this copy may set it (see AST-CONFIG)".into(),
        );
    };
    let GeneralSetting::Set(variable) = tcpenable else {
        return Half::new(
            Status::Pass,
            format!("tcpenable is not set (default {DEFAULT_TCPENABLE}): no SIP over TCP"),
        );
    };
    if is_false(enabled) {
        return Half::new(
            Status::Pass,
            format!("tcpenable={enabled}: no SIP over TCP"),
        );
    }
    if let Some(user) = tcp_user(config) {
        return Half::new(Status::Pass, format!("tcpenable={enabled}, used by {user}"));
    }
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
    Half {
        status,
        message,
        evidence: vec![cx.asterisk_evidence(
            &variable.origin,
            "[general] tcpenable".into(),
            format!("{enabled} (no peer or registration uses transport tcp)"),
        )],
    }
}

/// Listeners on every interface need the fact that the host has no public address.
fn bind_half(cx: &Context<'_>, config: &DriverConfig<'_>, tcp_on: bool) -> Half {
    let udp = match config.general_setting("udpbindaddr") {
        GeneralSetting::Unset => config.general_setting("bindaddr"),
        set_or_unknown => set_or_unknown,
    };
    let Some(udp_address) = udp.value_or(DEFAULT_BINDADDR) else {
        return Half::new(
            Status::Unknown,
            "sip.conf [general] udpbindaddr is not set in the files read, but files missing from this copy may set it (see AST-CONFIG)".into(),
        );
    };
    let mut listeners = vec![("udpbindaddr", udp, udp_address)];
    if tcp_on {
        let tcp = config.general_setting("tcpbindaddr");
        // chan_sip binds TCP to the UDP address when tcpbindaddr is unset.
        let tcp_address = tcp.value_or(udp_address).unwrap_or(udp_address);
        listeners.push(("tcpbindaddr", tcp, tcp_address));
    }
    let everywhere: Vec<_> = listeners
        .iter()
        .filter(|(_, _, address)| on_every_interface(address))
        .collect();
    let shown = listeners
        .iter()
        .map(|(key, _, address)| format!("{key}={address}"))
        .collect::<Vec<_>>()
        .join(", ");
    if everywhere.is_empty() {
        return Half::new(
            Status::Pass,
            format!("chan_sip listens on named addresses only ({shown})"),
        );
    }
    let mut evidence: Vec<Evidence> = everywhere
        .iter()
        .map(|(key, setting, address)| match setting {
            GeneralSetting::Set(variable) => cx.asterisk_evidence(
                &variable.origin,
                format!("[general] {key}"),
                format!("{address} (every interface)"),
            ),
            _ => cx.default_evidence(
                &SettingKey::global(format!("sip.conf [general] {key}")),
                Some(address),
            ),
        })
        .collect();
    let Some((public, fact)) = stated_bool(cx, PUBLIC_INTERFACE) else {
        evidence.push(cx.default_evidence(&SettingKey::global(PUBLIC_INTERFACE), None));
        return Half {
            status: Status::Unknown,
            message: format!(
                "chan_sip listens on every interface ({shown}); whether the host has a public address is unknown: {}",
                not_stated(PUBLIC_INTERFACE, "scoptel")
            ),
            evidence,
        };
    };
    evidence.push(cx.evidence(fact));
    if public {
        Half {
            status: Status::Fail,
            message: format!(
                "chan_sip listens on every interface ({shown}) of a host with a public address: bind it to the interface SIP needs"
            ),
            evidence,
        }
    } else {
        Half {
            status: Status::Pass,
            message: format!(
                "chan_sip listens on every interface ({shown}), none of them public ({PUBLIC_INTERFACE} is false)"
            ),
            evidence: Vec::new(),
        }
    }
}

/// True for `0.0.0.0`, `::` or `[::]`, with or without a port.
fn on_every_interface(address: &str) -> bool {
    let address = address.trim();
    let host = match address.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None if address.matches(':').count() == 1 => address.split(':').next().unwrap_or_default(),
        None => address,
    };
    matches!(host, "0.0.0.0" | "::" | "0:0:0:0:0:0:0:0")
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
    use voipguard_model::{Finding, Status};

    use super::{PUBLIC_INTERFACE, on_every_interface};
    use crate::code::asterisk_services::testing::run_files_with_facts;

    fn run(sip: &str, public_interface: Option<&str>) -> Finding {
        let facts: Vec<(&str, &str)> = public_interface
            .into_iter()
            .map(|value| (PUBLIC_INTERFACE, value))
            .collect();
        run_files_with_facts("AST-SIP-22", &[("sip.conf", sip)], &facts)
    }

    const UDP_PHONE: &str = "[1001]\ntype=friend\nhost=dynamic\n";

    #[test]
    fn tcp_must_have_a_user() {
        let status = |general: &str| {
            let sip = format!("[general]\nudpbindaddr=192.168.10.5\n{general}{UDP_PHONE}");
            run(&sip, None).status
        };
        assert_eq!(status(""), Status::Pass);
        assert_eq!(
            status("tcpenable=yes\ntcpbindaddr=192.168.10.5\n"),
            Status::Fail
        );
        assert_eq!(
            status("tcpenable=yes\ntcpbindaddr=192.168.10.5\ntransport=udp,tcp\n"),
            Status::Pass
        );
        assert_eq!(
            status(
                "tcpenable=yes\ntcpbindaddr=192.168.10.5\nregister => tcp://u:s@sip.example.net\n"
            ),
            Status::Pass
        );
        let sip = format!(
            "[general]\nudpbindaddr=192.168.10.5\ntcpenable=yes\ntcpbindaddr=192.168.10.5\n{UDP_PHONE}transport=tcp\n"
        );
        assert_eq!(run(&sip, None).status, Status::Pass);
    }

    #[test]
    fn listening_everywhere_depends_on_a_public_interface() {
        let everywhere = format!("[general]\n{UDP_PHONE}");
        let unknown = run(&everywhere, None);
        assert_eq!(unknown.status, Status::Unknown);
        assert!(
            unknown.message.contains(PUBLIC_INTERFACE),
            "{}",
            unknown.message
        );
        assert_eq!(run(&everywhere, Some("false")).status, Status::Pass);
        let public = run(&everywhere, Some("true"));
        assert_eq!(public.status, Status::Fail);
        assert!(
            public.message.contains("udpbindaddr=0.0.0.0"),
            "{}",
            public.message
        );
        // TCP follows the UDP address unless tcpbindaddr says otherwise.
        let tcp =
            format!("[general]\nbindaddr=10.0.0.2\ntcpenable=yes\ntransport=tcp\n{UDP_PHONE}");
        assert_eq!(run(&tcp, Some("true")).status, Status::Pass);
        let tcp_everywhere = tcp.replace("transport=tcp", "transport=tcp\ntcpbindaddr=[::]:5060");
        assert_eq!(run(&tcp_everywhere, Some("true")).status, Status::Fail);
    }

    #[test]
    fn every_interface_is_any_address_with_or_without_a_port() {
        for address in ["0.0.0.0", "0.0.0.0:5060", "::", "[::]", "[::]:5060"] {
            assert!(on_every_interface(address), "{address}");
        }
        for address in [
            "192.168.1.5",
            "10.0.0.2:5060",
            "[2001:db8::5]:5060",
            "2001:db8::5",
        ] {
            assert!(!on_every_interface(address), "{address}");
        }
    }
}
