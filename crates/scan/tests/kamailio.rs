//! Sweeps against a real Kamailio on loopback: found and fingerprinted over UDP (IPv4 and IPv6)
//! and TCP, silent addresses retransmitted to and given up, out-of-scope targets refused.
//! Only 127.0.0.0/8 and ::1 are ever addressed. Needs `apt-get install -y kamailio`.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use support::{Kamailio, SilentListener, kamailio_version};
use voipguard_scan::{
    FingerprintTable, Scope, SipHost, SweepConfig, SweepSummary, Target, Transport, tcp_sweep,
    tls_sweep, udp_sweep,
};

fn socket(text: &str) -> SocketAddr {
    text.parse().unwrap_or_else(|err| panic!("{text}: {err}"))
}

fn config(ports: &[u16]) -> SweepConfig {
    SweepConfig {
        ports: ports.to_vec(),
        rate: 2_000,
        t1: Duration::from_millis(100),
        retransmissions: 2,
        ..SweepConfig::default()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|err| panic!("runtime: {err}"))
}

fn plan(scope: &[&str], targets: &[&str]) -> voipguard_scan::Plan {
    let scope = Scope::parse(scope, false).unwrap_or_else(|err| panic!("{err}"));
    let targets: Vec<Target> = targets
        .iter()
        .map(|t| Target::parse(t).unwrap_or_else(|err| panic!("{err}")))
        .collect();
    scope.plan(&targets).unwrap_or_else(|err| panic!("{err}"))
}

fn sweep(
    plan: voipguard_scan::Plan,
    config: SweepConfig,
    transport: Transport,
) -> (Vec<SipHost>, SweepSummary) {
    runtime().block_on(async move {
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

fn assert_kamailio(host: &SipHost, version: &str) {
    assert_eq!((host.status, host.reason.as_str()), (200, "OK"));
    let expected_server = format!("kamailio ({version} (x86_64/linux))");
    assert_eq!(host.server.as_deref(), Some(expected_server.as_str()));
    assert_eq!(host.allow, ["INVITE", "ACK", "CANCEL", "OPTIONS", "BYE"]);
    let table = FingerprintTable::embedded().unwrap_or_else(|err| panic!("{err}"));
    let fingerprint = table
        .identify(host)
        .unwrap_or_else(|| panic!("no fingerprint: {host:?}"));
    assert_eq!(
        (fingerprint.vendor.as_str(), fingerprint.firmware.as_deref()),
        ("Kamailio", Some(version))
    );
    // Kamailio's stateless To-tag has the shape the table expects: two agreeing signals.
    assert_eq!(fingerprint.signals, ["agent", "to_tag"], "{host:?}");
    assert!(fingerprint.confidence > 0.75, "{fingerprint:?}");
}

#[test]
fn udp_sweep_finds_kamailio_and_retransmits_to_silent_addresses() {
    let Some(version) = kamailio_version() else {
        return;
    };
    let _kamailio = Kamailio::start(
        &["udp:127.0.0.61:25060", "udp:127.0.0.62:25060"],
        Some(socket("127.0.0.62:25060")),
    );
    let silent = SilentListener::bind("127.0.0.63:25060");
    let config = config(&[25060]);
    let retransmissions = config.retransmissions;
    let (hosts, summary) = sweep(
        plan(&["127.0.0.0/8"], &["127.0.0.60-63"]),
        config,
        Transport::Udp,
    );

    let found: Vec<SocketAddr> = hosts.iter().map(|host| host.target).collect();
    assert_eq!(
        found,
        [socket("127.0.0.61:25060"), socket("127.0.0.62:25060")]
    );
    for host in &hosts {
        assert_kamailio(host, &version);
        assert_eq!(
            host.responder, None,
            "each listener answers from its own address"
        );
        assert_eq!(host.transmissions, 1);
    }
    // 127.0.0.60 (nothing bound) and .63 (bound, never answers) are silent after every
    // retransmission: 2 answered probes sent once, 2 silent ones sent 1 + retransmissions times.
    let per_silent = 1 + u64::from(retransmissions);
    assert_eq!(
        (
            summary.probes,
            summary.answered,
            summary.silent,
            summary.send_failures,
            summary.transmissions
        ),
        (4, 2, 2, 0, 2 + 2 * per_silent)
    );
    let copies = silent.received();
    assert_eq!(copies.len() as u64, per_silent, "{copies:?}");
    assert!(
        copies.windows(2).all(|pair| pair[0] == pair[1]),
        "a retransmission repeats the request byte for byte"
    );
    assert!(
        copies[0].contains("User-Agent: voipguard/"),
        "{}",
        copies[0]
    );
}

#[test]
fn ipv6_target_is_answered_with_bracketed_headers() {
    let Some(version) = kamailio_version() else {
        return;
    };
    let _kamailio = Kamailio::start(&["udp:[::1]:25080"], Some(socket("[::1]:25080")));
    let (hosts, summary) = sweep(
        plan(&["::1/128"], &["::1"]),
        config(&[25080]),
        Transport::Udp,
    );
    // Kamailio rejects a request whose Via or URI carries an unbracketed IPv6 host; a 200 OK
    // proves the brackets.
    assert_eq!(hosts.len(), 1, "{summary:?}");
    assert_eq!(hosts[0].target, socket("[::1]:25080"));
    assert_kamailio(&hosts[0], &version);
}

#[test]
fn tcp_sweep_finds_kamailio_and_passes_closed_ports() {
    let Some(version) = kamailio_version() else {
        return;
    };
    let _kamailio = Kamailio::start(
        &["udp:127.0.0.71:25070", "tcp:127.0.0.71:25070"],
        Some(socket("127.0.0.71:25070")),
    );
    let (hosts, summary) = sweep(
        plan(&["127.0.0.64/26"], &["127.0.0.70-72"]),
        config(&[25070]),
        Transport::Tcp,
    );
    assert_eq!(hosts.len(), 1, "{summary:?}");
    assert_eq!(
        (hosts[0].target, hosts[0].transport),
        (socket("127.0.0.71:25070"), Transport::Tcp)
    );
    assert_kamailio(&hosts[0], &version);
    assert_eq!((summary.answered, summary.silent), (1, 2));
}

#[test]
fn a_target_outside_the_scope_is_refused_and_nothing_is_sent() {
    let listener = SilentListener::bind("127.0.0.99:25090");
    let scope = Scope::parse(&["127.0.0.0/30"], false).unwrap_or_else(|err| panic!("{err}"));
    let targets = [Target::parse("127.0.0.1"), Target::parse("127.0.0.99")]
        .map(|t| t.unwrap_or_else(|err| panic!("{err}")));
    let err = scope
        .plan(&targets)
        .err()
        .map(|err| err.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("127.0.0.99") && err.contains("127.0.0.0/30"),
        "{err}"
    );
    // The in-scope part alone sweeps fine and still never reaches .99.
    let (_hosts, summary) = sweep(
        plan(&["127.0.0.0/30"], &["127.0.0.0/30"]),
        config(&[25090]),
        Transport::Udp,
    );
    assert_eq!(summary.probes, 4);
    assert!(listener.received().is_empty());
}

/// Kamailio answering OPTIONS as [`Kamailio::start`] does, but silently dropping (and logging)
/// any request whose User-Agent matches `friendly-scanner`, as the stock kamailio.cfg drops
/// scanners.
const DROPS_SCANNERS: &str = "loadmodule \"sl.so\"\nloadmodule \"textops.so\"\n\
             loadmodule \"pv.so\"\nloadmodule \"xlog.so\"\n\
             request_route {\n\
                 if ($ua =~ \"friendly-scanner\") {\n\
                     xlog(\"L_ERR\", \"dropped scanner $ua from $fU\\n\");\n\
                     exit;\n\
                 }\n\
                 if (method==\"OPTIONS\") {\n\
                     append_to_reply(\"Allow: INVITE, ACK, CANCEL, OPTIONS, BYE\\r\\n\");\n\
                     sl_send_reply(\"200\", \"OK\");\n\
                     exit;\n\
                 }\n\
                 sl_send_reply(\"501\", \"Not Implemented\");\n\
                 exit;\n\
             }\n";

#[test]
fn a_host_dropping_friendly_scanner_is_a_hardening_observation_not_absent() {
    use voipguard_scan::scanner_filter::{ScannerOutcome, probe_scanner_filter};
    if kamailio_version().is_none() {
        return;
    }
    let filtering = Kamailio::start_script(
        &["udp:127.0.0.161:25160"],
        Some(socket("127.0.0.161:25160")),
        DROPS_SCANNERS,
    );
    let _open = Kamailio::start(
        &["udp:127.0.0.162:25160"],
        Some(socket("127.0.0.162:25160")),
    );
    let config = config(&[25160]);
    let (hosts, _) = sweep(
        plan(&["127.0.0.160/29"], &["127.0.0.161-162"]),
        config.clone(),
        Transport::Udp,
    );
    assert_eq!(
        hosts.len(),
        2,
        "both answer voipguard's own OPTIONS: {hosts:?}"
    );
    let probes = runtime().block_on(probe_scanner_filter(&hosts, &config));
    let outcomes: Vec<(SocketAddr, ScannerOutcome)> = probes
        .iter()
        .map(|probe| (probe.target, probe.outcome.clone()))
        .collect();
    assert_eq!(
        outcomes,
        [
            (
                socket("127.0.0.161:25160"),
                ScannerOutcome::Dropped {
                    transmissions: 1 + config.retransmissions
                }
            ),
            (
                socket("127.0.0.162:25160"),
                ScannerOutcome::Answered {
                    status: 200,
                    reason: "OK".to_string()
                }
            ),
        ]
    );
    assert!(probes[0].filters_scanners() && !probes[1].filters_scanners());
    assert!(
        probes[0].note().contains("hardening"),
        "{}",
        probes[0].note()
    );
    let json = serde_json::to_value(&probes[0]).unwrap_or_default();
    assert_eq!(json["outcome"], "dropped", "{json}");
    // Kamailio saw svmap's User-Agent and From, once per transmission.
    let expected = 1 + config.retransmissions as usize;
    let log = filtering.log_text_when(|log| {
        log.matches("dropped scanner friendly-scanner from sipvicious")
            .count()
            >= expected
    });
    assert_eq!(
        log.matches("dropped scanner friendly-scanner from sipvicious")
            .count(),
        expected,
        "{log}"
    );
}

/// A web server on `listen` answering every request with a login page titled `title`, on a
/// thread that lives as long as the test binary.
fn login_page(listen: SocketAddr, title: &'static str) {
    use std::io::{Read, Write};
    let listener =
        std::net::TcpListener::bind(listen).unwrap_or_else(|err| panic!("bind {listen}: {err}"));
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0_u8; 4096];
            let _ = stream.read(&mut request);
            let body =
                format!("<html><head><title>{title}</title></head><body>login</body></html>");
            let _ = write!(
                stream,
                "HTTP/1.0 200 OK\r\nServer: lighttpd/1.4.55\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
        }
    });
}

#[test]
fn a_web_ui_on_the_same_host_joins_the_sip_fingerprint() {
    use std::collections::BTreeMap;
    use voipguard_model::{ObservationKind, Vendor};
    use voipguard_scan::services::{Service, ServiceConfig};
    use voipguard_scan::{HostEvidence, WebPage, observe, probe_services};
    let Some(version) = kamailio_version() else {
        return;
    };
    // 127.0.0.165 stands in for a Grandstream phone (its Server header and login page);
    // 127.0.0.166 is a Kamailio that says so, behind the same Grandstream login page.
    let _phone = Kamailio::start_script(
        &["udp:127.0.0.165:25160"],
        Some(socket("127.0.0.165:25160")),
        &format!(
            "server_header=\"Server: Grandstream GXP2170 1.0.11.3\"\n{}",
            support::OPTIONS_ONLY
        ),
    );
    let _proxy = Kamailio::start(
        &["udp:127.0.0.166:25160"],
        Some(socket("127.0.0.166:25160")),
    );
    for address in ["127.0.0.165:28080", "127.0.0.166:28080"] {
        login_page(socket(address), "Grandstream Device Configuration");
    }
    let plan = plan(&["127.0.0.164/30"], &["127.0.0.165-166"]);
    let (sip, _) = sweep(plan.clone(), config(&[25160]), Transport::Udp);
    assert_eq!(sip.len(), 2, "{sip:?}");
    let services = ServiceConfig {
        ports: BTreeMap::from([(Service::Http, vec![28080])]),
        timeout: Duration::from_millis(1500),
        ..ServiceConfig::default()
    };
    let web = runtime().block_on(probe_services(&plan, &services));
    assert_eq!(web.len(), 2, "{web:?}");
    let table = FingerprintTable::embedded().unwrap_or_else(|err| panic!("{err}"));
    let with_web: Vec<_> = sip
        .iter()
        .zip(&web)
        .map(|(host, services)| {
            assert_eq!(host.target.ip(), services.address);
            table
                .identify_with_web(host, &WebPage::of(services))
                .unwrap_or_else(|| panic!("no fingerprint for {host:?}"))
        })
        .collect();

    let phone = &with_web[0];
    let sip_only = table
        .identify(&sip[0])
        .unwrap_or_else(|| panic!("no fingerprint"));
    assert_eq!(
        (
            phone.vendor.as_str(),
            phone.model.as_deref(),
            phone.signals.as_slice()
        ),
        ("Grandstream", Some("GXP2170"), ["agent", "web"].as_slice())
    );
    assert!(
        phone.confidence > sip_only.confidence,
        "{phone:?} {sip_only:?}"
    );
    assert_eq!(phone.disagreement, None);

    let proxy = &with_web[1];
    assert_eq!(proxy.vendor, "Kamailio");
    assert_eq!(proxy.firmware.as_deref(), Some(version.as_str()));
    assert_eq!(
        proxy.disagreement.as_deref(),
        Some(
            "the web UI names Grandstream: title \"Grandstream Device Configuration\" at http://127.0.0.166:28080"
        )
    );
    let answers = [&sip[1]];
    let observed = observe(HostEvidence {
        vendor: Vendor::Site,
        fingerprint: Some(proxy),
        answers: &answers,
        scanner_probes: &[],
        web_auth: None,
    });
    assert_eq!(
        observed.iter().map(|o| o.kind).collect::<Vec<_>>(),
        [ObservationKind::FingerprintDisagreement]
    );
}
