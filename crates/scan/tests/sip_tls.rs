//! SIP over TLS against a real Kamailio (its TLS module) on loopback: OPTIONS answered over
//! TLS, the self-signed certificate recorded and used as a fingerprint signal, and the TLS
//! versions the server accepts (TLS 1.2+ only, or TLS 1.0 and 1.1 too); the per-account ports
//! (UDP 5062, TLS 5063, …) followed up on a host that answered on 5060. Only 127.0.0.100-107
//! are addressed. Needs `apt-get install -y kamailio kamailio-tls-modules openssl`.

mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use support::{Kamailio, kamailio_cert, kamailio_version, skip_requested};
use voipguard_model::{Status, Vendor};
use voipguard_scan::accounts::{DEFAULT_ACCOUNTS, account_follow_ups};
use voipguard_scan::tls_versions::{TlsVersion, VersionAnswer};
use voipguard_scan::{
    FingerprintTable, Plan, Scope, SipHost, SweepConfig, SweepSummary, Target, Transport,
    judge_sip_transports, tcp_sweep, tls_sweep, udp_sweep,
};

fn socket(text: &str) -> SocketAddr {
    text.parse().unwrap_or_else(|err| panic!("{text}: {err}"))
}

fn plan(targets: &str) -> Plan {
    let scope = Scope::parse(&["127.0.0.96/28"], false).unwrap_or_else(|err| panic!("{err}"));
    let target = Target::parse(targets).unwrap_or_else(|err| panic!("{err}"));
    scope.plan(&[target]).unwrap_or_else(|err| panic!("{err}"))
}

fn sweep(plan: Plan, ports: &[u16]) -> (Vec<SipHost>, SweepSummary) {
    sweep_over(Transport::Tls, plan, ports)
}

fn sweep_over(transport: Transport, plan: Plan, ports: &[u16]) -> (Vec<SipHost>, SweepSummary) {
    let config = SweepConfig {
        ports: ports.to_vec(),
        rate: 1_000,
        t1: Duration::from_millis(100),
        tcp_timeout: Duration::from_secs(2),
        ..SweepConfig::default()
    };
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|err| panic!("runtime: {err}"))
        .block_on(async move {
            let started = match transport {
                Transport::Udp => udp_sweep(plan, config),
                Transport::Tcp => tcp_sweep(plan, config),
                Transport::Tls => tls_sweep(plan, config),
            };
            let mut sweep = started.unwrap_or_else(|err| panic!("{err}"));
            let mut hosts = Vec::new();
            while let Some(host) = sweep.hosts.recv().await {
                hosts.push(host);
            }
            let summary = sweep.finish().await;
            hosts.sort_by_key(|host| host.target);
            (hosts, summary)
        })
}

/// openssl and Kamailio, or `None` when they are missing and skipping was asked for.
fn tools() -> Option<String> {
    if !Path::new("/usr/bin/openssl").exists() {
        assert!(
            skip_requested(),
            "these tests need: apt-get install -y openssl (or set VOIPGUARD_SKIP_NETNS=1 to skip)"
        );
        return None;
    }
    kamailio_version()
}

#[test]
fn tls_sweep_finds_kamailio_records_its_certificate_and_fingerprints_it() {
    let Some(version) = tools() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("{err}"));
    let (key, cert) = kamailio_cert(dir.path(), "127.0.0.101");
    let Some(_kamailio) = Kamailio::start_tls(
        &["udp:127.0.0.101:25060", "tls:127.0.0.101:25061"],
        Some(socket("127.0.0.101:25060")),
        (&key, &cert),
        "TLSv1.2+",
        "DEFAULT",
    ) else {
        return;
    };
    let (hosts, summary) = sweep(plan("127.0.0.100-102"), &[25061]);
    assert_eq!(hosts.len(), 1, "{summary:?}");
    let host = &hosts[0];
    assert_eq!(
        (host.target, host.transport, host.status),
        (socket("127.0.0.101:25061"), Transport::Tls, 200)
    );
    assert_eq!((summary.answered, summary.silent), (1, 2));
    let expected_server = format!("kamailio ({version} (x86_64/linux))");
    assert_eq!(host.server.as_deref(), Some(expected_server.as_str()));

    let tls = host
        .tls
        .as_ref()
        .unwrap_or_else(|| panic!("no TLS record: {host:?}"));
    assert!(tls.protocol.starts_with("TLSv1_"), "{tls:?}");
    let leaf = tls.leaf().unwrap_or_else(|| panic!("{tls:?}"));
    assert_eq!(
        leaf.subject,
        "O=kamailio, OU=Self-signed certificate for kamailio, CN=127.0.0.101"
    );
    assert!(leaf.self_signed && !leaf.expired, "{leaf:?}");
    assert_eq!(leaf.key_bits, Some(2048));
    // TLSv1.2+ refuses both legacy ClientHellos.
    assert_eq!(
        tls.versions.iter().map(|p| p.offered).collect::<Vec<_>>(),
        TlsVersion::LEGACY
    );
    assert!(
        tls.versions.iter().all(|probe| !probe.answer.accepted()),
        "{:?}",
        tls.versions
    );
    assert!(tls.accepted_legacy().is_empty());

    let table = FingerprintTable::embedded().unwrap_or_else(|err| panic!("{err}"));
    let fingerprint = table
        .identify(host)
        .unwrap_or_else(|| panic!("no fingerprint: {host:?}"));
    assert_eq!(
        (fingerprint.vendor.as_str(), fingerprint.firmware.as_deref()),
        ("Kamailio", Some(version.as_str()))
    );
    assert_eq!(fingerprint.signals, ["agent", "to_tag", "certificate"]);
}

#[test]
fn a_sip_tls_server_that_still_accepts_tls_1_0_and_1_1_is_seen() {
    let Some(_version) = tools() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("{err}"));
    let (key, cert) = kamailio_cert(dir.path(), "127.0.0.103");
    // OpenSSL 3 refuses TLS 1.0/1.1 at its default security level whatever the method says.
    let Some(_kamailio) = Kamailio::start_tls(
        &["udp:127.0.0.103:25060", "tls:127.0.0.103:25063"],
        Some(socket("127.0.0.103:25060")),
        (&key, &cert),
        "TLSv1+",
        "DEFAULT@SECLEVEL=0",
    ) else {
        return;
    };
    let (hosts, summary) = sweep(plan("127.0.0.103"), &[25061, 25063]);
    assert_eq!(hosts.len(), 1, "{summary:?}");
    assert_eq!(hosts[0].target, socket("127.0.0.103:25063"));
    let tls = hosts[0]
        .tls
        .as_ref()
        .unwrap_or_else(|| panic!("{:?}", hosts[0]));
    assert_eq!(
        tls.versions.iter().map(|p| p.answer).collect::<Vec<_>>(),
        [
            VersionAnswer::Accepted {
                version: TlsVersion::Tls10
            },
            VersionAnswer::Accepted {
                version: TlsVersion::Tls11
            }
        ]
    );
    assert_eq!(
        tls.accepted_legacy(),
        [TlsVersion::Tls10, TlsVersion::Tls11]
    );
}

#[test]
fn account_ports_are_followed_up_on_the_host_that_answered() {
    let Some(_version) = tools() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("{err}"));
    let (key, cert) = kamailio_cert(dir.path(), "127.0.0.105");
    // A two-account phone: account 1 over UDP (5060), account 2 over UDP (5062) and TLS (5063).
    let Some(_kamailio) = Kamailio::start_tls(
        &[
            "udp:127.0.0.105:5060",
            "udp:127.0.0.105:5062",
            "tls:127.0.0.105:5063",
        ],
        Some(socket("127.0.0.105:5060")),
        (&key, &cert),
        "TLSv1.2+",
        "DEFAULT",
    ) else {
        return;
    };
    let plan = plan("127.0.0.104-106");
    let (first, summary) = sweep_over(Transport::Udp, plan.clone(), &[5060]);
    assert_eq!(
        first.iter().map(|h| h.target).collect::<Vec<_>>(),
        [socket("127.0.0.105:5060")],
        "{summary:?}"
    );
    let follow_ups = account_follow_ups(
        &plan,
        first.iter().map(|host| host.target.ip()),
        &[(Transport::Udp, vec![5060])],
        DEFAULT_ACCOUNTS,
    );
    let mut answers = first.clone();
    for follow_up in follow_ups {
        assert_eq!(follow_up.plan.len(), 1, "only the host that answered");
        let (found, _) = sweep_over(follow_up.transport, follow_up.plan, &follow_up.ports);
        answers.extend(found);
    }
    assert_eq!(
        answers
            .iter()
            .map(|h| (h.target, h.transport))
            .collect::<Vec<_>>(),
        [
            (socket("127.0.0.105:5060"), Transport::Udp),
            (socket("127.0.0.105:5062"), Transport::Udp),
            (socket("127.0.0.105:5063"), Transport::Tls),
        ]
    );

    // Judged as the Grandstream phone it stands in for: clear-text accounts fail GS-SIP-TLS.
    let catalogue = voipguard_checks::catalogue().unwrap_or_else(|err| panic!("{err}"));
    let all: Vec<&SipHost> = answers.iter().collect();
    let finding = judge_sip_transports(Vendor::Grandstream, &all, catalogue)
        .unwrap_or_else(|| panic!("no GS-SIP-TLS"));
    assert_eq!(finding.status, Status::Fail);
    assert_eq!(
        finding.message,
        "SIP answers in clear text at sip://127.0.0.105:5060/udp, sip://127.0.0.105:5062/udp: an account listens without TLS"
    );
    assert!(
        finding.evidence.iter().any(|e| e.setting == "certificate"
            && e.value.starts_with("subject O=kamailio")
            && e.value.ends_with("(self-signed)")),
        "{:?}",
        finding.evidence
    );
    let tls_only: Vec<&SipHost> = answers
        .iter()
        .filter(|h| h.transport == Transport::Tls)
        .collect();
    let passed = judge_sip_transports(Vendor::Grandstream, &tls_only, catalogue)
        .unwrap_or_else(|| panic!("no GS-SIP-TLS"));
    assert_eq!(
        (passed.status, passed.message.as_str()),
        (
            Status::Pass,
            "SIP answers over TLS only (sip://127.0.0.105:5063/tls) on the probed ports"
        )
    );
    assert!(judge_sip_transports(Vendor::Snom, &all, catalogue).is_none());
}
