//! AST-SIP-15: phones that connect from the internet use TLS and SRTP (`tlsenable`, `transport`,
//! `encryption`).
//!
//! ## What it does
//! Needs one fact the files cannot give: whether phones register from outside the LAN
//! (`facts.sip.remote_phones` of a ScopTEL facts file joining this PBX); `unknown` when it is not
//! stated, `pass` when it is false. When it is true, fails when:
//! - `[general] tlsenable` is not yes (the default is no): no phone can use TLS at all;
//! - TLS is on but no phone (`host=dynamic`) has both `transport` listing `tls` and
//!   `encryption=yes` (each from the peer, else `[general]`; defaults `udp` and `no`);
//! - `tlsdontverifyserver=yes`, or `tlsclientmethod` is `sslv2`, `sslv3` or `tlsv1`.
//!
//! The files do not say which phones are the remote ones: when some phones use TLS and SRTP and
//! others do not, the check passes and names the others, for the administrator to confirm they
//! are all on the LAN.
//!
//! ## Why is this bad?
//! Over UDP or TCP, a remote phone's SIP digest exchange (crackable offline), its calls' audio
//! and the numbers it dials cross the internet in clear, and anyone on the path can tamper with
//! them.
//!
//! ## Example
//! ```ini
//! [general]
//! tlsenable=no
//! [2001]
//! type=friend
//! host=dynamic
//! ```
//! Use instead: `tlsenable=yes`, `tlsbindaddr=0.0.0.0:5061`, and `transport=tls`,
//! `encryption=yes` on the remote phones.
//!
//! ## References
//! - reference/asterisk.md 2.1 SIP-15; sip.conf.sample:228, 256, 601-612, 1085

use voipguard_model::{Evidence, Finding, SettingKey, Status};

use super::CodeCheck;
use super::asterisk_peers::{Driver, DriverConfig, GeneralSetting, Offenders, Peer};
use super::asterisk_services::is_true;
use super::facts::{not_stated, stated_bool};
use crate::context::Context;

/// The fact this check needs.
pub(crate) const REMOTE_PHONES: &str = "facts.sip.remote_phones";

/// chan_sip's `tlsenable` when unset (chan_sip 1.8 to 20).
const DEFAULT_TLSENABLE: &str = "no";
/// chan_sip's `transport` when neither the peer nor `[general]` sets it.
const DEFAULT_TRANSPORT: &str = "udp";
/// chan_sip's `encryption` when neither the peer nor `[general]` sets it.
const DEFAULT_ENCRYPTION: &str = "no";
/// `tlsclientmethod` values that allow broken protocol versions.
const WEAK_CLIENT_METHODS: &[&str] = &["sslv2", "sslv3", "tlsv1"];

/// AST-SIP-15.
#[derive(Debug)]
pub(crate) struct AstSip15;

impl CodeCheck for AstSip15 {
    fn id(&self) -> &'static str {
        "AST-SIP-15"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let config = match DriverConfig::require(cx, Driver::Sip) {
            Ok(config) => config,
            Err(absent) => return absent,
        };
        let tlsenable = config.general_setting("tlsenable");
        let shown = match tlsenable.value_or(DEFAULT_TLSENABLE) {
            Some(value) => format!("sip.conf tlsenable is {value}"),
            None => "sip.conf tlsenable is not set in the files read".to_owned(),
        };
        let Some((remote, fact)) = stated_bool(cx, REMOTE_PHONES) else {
            return cx.finding(
                Status::Unknown,
                format!(
                    "{shown}; whether phones connect from the internet is unknown: {}",
                    not_stated(REMOTE_PHONES, "scoptel")
                ),
                vec![cx.default_evidence(&SettingKey::global(REMOTE_PHONES), None)],
            );
        };
        let fact_evidence = cx.evidence(fact);
        if !remote {
            return cx.finding(
                Status::Pass,
                format!("{REMOTE_PHONES} is false: no phone connects from the internet ({shown})"),
                vec![fact_evidence],
            );
        }
        judge_remote_phones(cx, &config, &tlsenable, fact_evidence)
    }
}

/// The verdict once phones are known to connect from the internet.
fn judge_remote_phones(
    cx: &Context<'_>,
    config: &DriverConfig<'_>,
    tlsenable: &GeneralSetting<'_>,
    fact_evidence: Evidence,
) -> Finding {
    let Some(enabled) = tlsenable.value_or(DEFAULT_TLSENABLE) else {
        return cx.finding(
            Status::Unknown,
            "phones connect from the internet and sip.conf [general] tlsenable is not set in the files read, but files missing from this copy may set it (see AST-CONFIG)".into(),
            vec![fact_evidence],
        );
    };
    let mut evidence = vec![fact_evidence];
    if !is_true(enabled) {
        evidence.push(match tlsenable {
            GeneralSetting::Set(variable) => cx.asterisk_evidence(
                &variable.origin,
                "[general] tlsenable".into(),
                enabled.to_owned(),
            ),
            _ => cx.default_evidence(
                &SettingKey::global("sip.conf [general] tlsenable"),
                Some(DEFAULT_TLSENABLE),
            ),
        });
        return cx.finding(
            Status::Fail,
            format!(
                "phones connect from the internet but chan_sip has no TLS (tlsenable={enabled}): their credentials and calls cross it in clear"
            ),
            evidence,
        );
    }
    let mut problems = weak_tls_client(cx, config, &mut evidence);
    let phones: Vec<Peer<'_>> = config
        .peers()
        .into_iter()
        .filter(Peer::is_dynamic)
        .collect();
    let mut in_clear = Offenders::default();
    for phone in &phones {
        if let Some(why) = clear_channel(config, phone) {
            in_clear.add(
                phone.name(),
                [phone.evidence(cx, "transport / encryption", why)],
            );
        }
    }
    let secured = phones.len() - in_clear.len();
    if !phones.is_empty() && secured == 0 {
        problems.push(format!(
            "no phone uses transport=tls with encryption=yes ({} phone(s) read)",
            phones.len()
        ));
        evidence.extend(in_clear.into_evidence());
        return fail(cx, problems, evidence);
    }
    if !problems.is_empty() {
        return fail(cx, problems, evidence);
    }
    let message = if phones.is_empty() {
        "TLS is on and chan_sip defines no phone (host=dynamic) in the files read".to_owned()
    } else if in_clear.is_empty() {
        format!(
            "every phone uses transport=tls with encryption=yes ({} phone(s) read)",
            phones.len()
        )
    } else {
        let message = format!(
            "{secured} of {} phones use transport=tls with encryption=yes; the files cannot tell which phones are remote, so confirm these are on the LAN: {}",
            phones.len(),
            in_clear.listed()
        );
        evidence.extend(in_clear.into_evidence());
        message
    };
    if config.has_missing_includes() {
        return cx.finding(
            Status::Unknown,
            format!("{message}, but included files missing from this copy may define more phones (see AST-CONFIG)"),
            evidence,
        );
    }
    cx.finding(Status::Pass, message, evidence)
}

fn fail(cx: &Context<'_>, problems: Vec<String>, evidence: Vec<Evidence>) -> Finding {
    cx.finding(
        Status::Fail,
        format!(
            "phones connect from the internet, but {}",
            problems.join("; ")
        ),
        evidence,
    )
}

/// `tlsdontverifyserver=yes` and broken `tlsclientmethod` values, in words, with evidence.
fn weak_tls_client(
    cx: &Context<'_>,
    config: &DriverConfig<'_>,
    evidence: &mut Vec<Evidence>,
) -> Vec<String> {
    let Some(general) = config.general() else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    if let Some(variable) = general.get("tlsdontverifyserver")
        && is_true(&variable.value)
    {
        problems.push("tlsdontverifyserver=yes: servers reached over TLS are not verified".into());
        evidence.push(cx.asterisk_evidence(
            &variable.origin,
            "[general] tlsdontverifyserver".into(),
            variable.value.trim().to_owned(),
        ));
    }
    if let Some(variable) = general.get("tlsclientmethod") {
        let method = variable.value.trim();
        if WEAK_CLIENT_METHODS
            .iter()
            .any(|weak| weak.eq_ignore_ascii_case(method))
        {
            problems.push(format!(
                "tlsclientmethod={method} is a broken protocol version"
            ));
            evidence.push(cx.asterisk_evidence(
                &variable.origin,
                "[general] tlsclientmethod".into(),
                method.to_owned(),
            ));
        }
    }
    problems
}

/// Why `phone` talks in clear (no `tls` in its transports, or no SRTP), if it does.
fn clear_channel(config: &DriverConfig<'_>, phone: &Peer<'_>) -> Option<String> {
    let inherited = |key: &str, default: &'static str| -> String {
        phone
            .value(key)
            .or_else(|| config.general().and_then(|general| general.value(key)))
            .unwrap_or(default)
            .trim()
            .to_owned()
    };
    let transport = inherited("transport", DEFAULT_TRANSPORT);
    let encryption = inherited("encryption", DEFAULT_ENCRYPTION);
    let tls = transport
        .split(',')
        .any(|word| word.trim().eq_ignore_ascii_case("tls"));
    (!tls || !is_true(&encryption))
        .then(|| format!("transport={transport}, encryption={encryption}"))
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Finding, Status};

    use crate::code::asterisk_services::testing::run_files_with_facts;

    /// Runs AST-SIP-15 on `sip` with `remote_phones` stated (or not).
    fn run(sip: &str, remote_phones: Option<bool>) -> Finding {
        let stated = remote_phones.map(|remote| if remote { "true" } else { "false" });
        let facts: Vec<(&str, &str)> = stated
            .into_iter()
            .map(|value| (super::REMOTE_PHONES, value))
            .collect();
        run_files_with_facts("AST-SIP-15", &[("sip.conf", sip)], &facts)
    }

    const PHONE: &str = "[2001]\ntype=friend\nhost=dynamic\nsecret=Vq7#pLm2!xRt9\n";

    #[test]
    fn the_fact_decides_whether_tls_is_needed() {
        let clear = format!("[general]\n{PHONE}");
        let unknown = run(&clear, None);
        assert_eq!(unknown.status, Status::Unknown);
        assert!(
            unknown.message.contains(super::REMOTE_PHONES),
            "{}",
            unknown.message
        );
        assert_eq!(run(&clear, Some(false)).status, Status::Pass);
        let failed = run(&clear, Some(true));
        assert_eq!(failed.status, Status::Fail);
        assert!(
            failed.message.contains("tlsenable=no"),
            "{}",
            failed.message
        );
    }

    #[test]
    fn remote_phones_need_tls_and_srtp() {
        let tls_only = format!("[general]\ntlsenable=yes\n{PHONE}");
        assert_eq!(run(&tls_only, Some(true)).status, Status::Fail);
        let secured = format!("[general]\ntlsenable=yes\ntransport=tls\nencryption=yes\n{PHONE}");
        assert_eq!(run(&secured, Some(true)).status, Status::Pass);
        let mixed = format!("{secured}[2002]\ntype=friend\nhost=dynamic\ntransport=udp\n");
        let finding = run(&mixed, Some(true));
        assert_eq!(finding.status, Status::Pass);
        assert!(
            finding.message.ends_with("on the LAN: 2002"),
            "{}",
            finding.message
        );
        let unverified = format!("{secured}tlsdontverifyserver=yes\n");
        assert_eq!(
            run(&unverified, Some(true)).status,
            Status::Pass,
            "a peer key, not [general]"
        );
        let unverified =
            secured.replace("tlsenable=yes\n", "tlsenable=yes\ntlsclientmethod=sslv3\n");
        let weak = run(&unverified, Some(true));
        assert_eq!(weak.status, Status::Fail);
        assert!(weak.message.contains("sslv3"), "{}", weak.message);
    }
}
