//! Intrusive checks against real SIP software on loopback (127.0.0.8x/9x and ::1 only):
//!
//! * Kamailio as registrars: one that challenges extensions 100–105 and says 404 to
//!   others (enumerable), one that challenges everybody (not enumerable), one that accepts
//!   REGISTER for 100–105 without authentication (the binding must be removed again); one
//!   refusing REGISTER (enumerated with OPTIONS instead); one on `[::1]`;
//! * baresip as the phone, ringing (manual answer) and auto-answering, with account 201;
//! * Kamailio as phone stand-ins: one answering INVITE 200 at once (so ACK and BYE must
//!   follow), one declining with 603 (so the ACK for the final answer must follow), one that
//!   only says 100 Trying (cancelled after the ring timeout), one silent.
//! * The same over TCP and TLS (Kamailio's TLS module, a self-signed certificate): a registrar
//!   that is also a phone stand-in, every request on one connection with the transport's Via;
//!   baresip ringing over TCP, cancelled on its connection.
//!
//! Needs `apt-get install -y kamailio kamailio-tls-modules baresip-core openssl`.

mod support;

use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{Kamailio, SilentListener, kamailio_cert, kamailio_version, required};
use voipguard_model::Status;
use voipguard_scan::intrusive::enumerate::Verdict;
use voipguard_scan::intrusive::{CallOutcome, parse_checks, parse_extensions};
use voipguard_scan::{
    HostChecks, IntrusiveConfig, Scope, SipHost, SweepConfig, Target, Transport, judge_intrusive,
    run_intrusive, tcp_sweep, tls_sweep, udp_sweep,
};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|err| panic!("runtime: {err}"))
}

fn socket(text: &str) -> SocketAddr {
    text.parse().unwrap_or_else(|err| panic!("{text}: {err}"))
}

/// Sweeps `target` over UDP (its address as the whole plan) and runs `checks` on what
/// answered.
fn check(
    target: SocketAddr,
    checks: &str,
    adjust: impl FnOnce(&mut IntrusiveConfig),
) -> HostChecks {
    check_over(Transport::Udp, target, checks, adjust)
}

/// Sweeps `target` over `transport` and runs `checks` on what answered (over that transport).
fn check_over(
    transport: Transport,
    target: SocketAddr,
    checks: &str,
    adjust: impl FnOnce(&mut IntrusiveConfig),
) -> HostChecks {
    let scope = Scope::parse(&["127.0.0.0/8"], false).unwrap_or_else(|err| panic!("{err}"));
    let address = Target::parse(&target.ip().to_string()).unwrap_or_else(|err| panic!("{err}"));
    let plan = scope.plan(&[address]).unwrap_or_else(|err| panic!("{err}"));
    let mut config = IntrusiveConfig {
        checks: parse_checks(checks).unwrap_or_else(|err| panic!("{err}")),
        rate: 200.0,
        t1: Duration::from_millis(100),
        timeout: Duration::from_secs(2),
        ring_timeout: Duration::from_secs(3),
        ..IntrusiveConfig::default()
    };
    adjust(&mut config);
    runtime().block_on(async move {
        let hosts = sweep_over(transport, plan.clone(), target.port()).await;
        assert_eq!(
            hosts
                .iter()
                .map(|h| (h.target, h.transport))
                .collect::<Vec<_>>(),
            [(target, transport)],
            "the sweep finds the host"
        );
        let mut results = run_intrusive(&plan, &hosts, &config)
            .await
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(results.len(), 1, "{results:?}");
        results.remove(0)
    })
}

async fn sweep(plan: voipguard_scan::Plan, port: u16) -> Vec<SipHost> {
    sweep_over(Transport::Udp, plan, port).await
}

async fn sweep_over(transport: Transport, plan: voipguard_scan::Plan, port: u16) -> Vec<SipHost> {
    let config = SweepConfig {
        ports: vec![port],
        t1: Duration::from_millis(100),
        ..SweepConfig::default()
    };
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
    sweep.finish().await;
    hosts
}

fn finding_status(checks: &HostChecks, id: &str) -> (Status, String) {
    let catalogue = voipguard_checks::catalogue().unwrap_or_else(|err| panic!("{err}"));
    let findings = judge_intrusive(checks, catalogue);
    findings
        .iter()
        .find(|finding| finding.check == id)
        .map(|finding| (finding.status, format!("{finding:?}")))
        .unwrap_or_else(|| panic!("no {id} in {findings:?}"))
}

const OPTIONS_ROUTE: &str = "if (method==\"OPTIONS\" && $rU==$null) {\n\
       append_to_reply(\"Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REGISTER\\r\\n\");\n\
       sl_send_reply(\"200\", \"OK\"); exit;\n\
     }\n\
     if (method==\"ACK\") { xlog(\"L_ALERT\", \"ACK $ci\\n\"); exit; }\n";

/// Kamailio as a registrar: `register` decides REGISTER; `extra_modules` loads what it needs
/// and may define `route[LOOKUP]`, which then answers OPTIONS for a user.
fn registrar(listen: &str, register: &str, extra_modules: &str) -> Kamailio {
    let lookup = if extra_modules.contains("route[LOOKUP]") {
        "if (method==\"OPTIONS\") { route(LOOKUP); }\n"
    } else {
        ""
    };
    let script = format!(
        "loadmodule \"sl.so\"\nloadmodule \"textops.so\"\nloadmodule \"xlog.so\"\nloadmodule \"pv.so\"\n\
         loadmodule \"auth.so\"\n{extra_modules}\
         request_route {{\n{OPTIONS_ROUTE}\
           {lookup}if (method==\"REGISTER\") {{\n{register}\n}}\n\
           sl_send_reply(\"501\", \"Not Implemented\"); exit;\n\
         }}\n"
    );
    let address = listen.trim_start_matches("udp:");
    Kamailio::start_script(&[listen], Some(socket(address)), &script)
}

#[test]
fn a_registrar_that_tells_users_apart_is_enumerable() {
    if kamailio_version().is_none() {
        return;
    }
    let _pbx = registrar(
        "udp:127.0.0.81:25061",
        "if ($tU =~ \"^10[0-5]$\") { auth_challenge(\"pbx.test\", \"0\"); exit; }\n\
         sl_send_reply(\"404\", \"Not Found\"); exit;",
        "",
    );
    let checks = check(socket("127.0.0.81:25061"), "enum", |config| {
        config.extensions = parse_extensions("98-107,alice").unwrap_or_default();
    });
    let enumeration = checks
        .enumeration
        .clone()
        .unwrap_or_else(|| panic!("{checks:?}"));
    assert_eq!(enumeration.method, "REGISTER");
    assert_eq!(enumeration.verdict, Verdict::Enumerable);
    assert_eq!(
        enumeration.baseline.as_ref().map(|a| a.to_string()),
        Some("404 Not Found".to_string())
    );
    let users: Vec<&str> = enumeration
        .revealed
        .iter()
        .map(|r| r.user.as_str())
        .collect();
    assert_eq!(users, ["100", "101", "102", "103", "104", "105"]);
    assert!(
        enumeration
            .revealed
            .iter()
            .all(|r| r.answer.to_string() == "401 Unauthorized, www challenge realm \"pbx.test\""),
        "{enumeration:?}"
    );
    assert!(enumeration.cleanup.is_empty(), "nothing was registered");
    let (status, shown) = finding_status(&checks, "NET-SIP-ENUM");
    assert_eq!(status, Status::Fail, "{shown}");
    assert!(shown.contains("6 of 11 extensions"), "{shown}");
}

#[test]
fn a_registrar_that_challenges_everybody_is_not_enumerable() {
    if kamailio_version().is_none() {
        return;
    }
    let _pbx = registrar(
        "udp:127.0.0.82:25062",
        "auth_challenge(\"pbx.test\", \"0\"); exit;",
        "",
    );
    let checks = check(socket("127.0.0.82:25062"), "enum", |config| {
        config.extensions = parse_extensions("99-106").unwrap_or_default();
    });
    let enumeration = checks
        .enumeration
        .clone()
        .unwrap_or_else(|| panic!("{checks:?}"));
    assert_eq!(enumeration.verdict, Verdict::Uniform, "{enumeration:?}");
    assert!(enumeration.revealed.is_empty());
    assert_eq!(
        enumeration.baseline_after, enumeration.baseline,
        "the second random user was answered alike"
    );
    let (status, shown) = finding_status(&checks, "NET-SIP-ENUM");
    assert_eq!(status, Status::Pass, "{shown}");
}

/// Whether the registrar at `registrar` holds a binding for `user`: its route answers an
/// OPTIONS for the user 200 when `registered("location")`, 404 otherwise.
fn registered(registrar: SocketAddr, user: &str) -> bool {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap_or_else(|err| panic!("{err}"));
    let _ = socket.set_read_timeout(Some(Duration::from_millis(500)));
    let local = socket.local_addr().unwrap_or_else(|err| panic!("{err}"));
    let request = format!(
        "OPTIONS sip:{user}@{registrar} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK-lookup{user};rport\r\n\
         From: <sip:test@{local}>;tag=t\r\nTo: <sip:{user}@{registrar}>\r\nCall-ID: lookup-{user}\r\n\
         CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    );
    let mut buffer = [0_u8; 4096];
    for _ in 0..5 {
        let _ = socket.send_to(request.as_bytes(), registrar);
        if let Ok(len) = socket.recv(&mut buffer) {
            let reply = String::from_utf8_lossy(buffer.get(..len).unwrap_or_default()).to_string();
            return reply.starts_with("SIP/2.0 200 Registered");
        }
    }
    panic!("the registrar did not answer the lookup of {user}");
}

#[test]
fn a_binding_accepted_without_authentication_is_removed_at_once() {
    if kamailio_version().is_none() {
        return;
    }
    let pbx = registrar(
        "udp:127.0.0.83:25063",
        "if ($tU =~ \"^10[0-5]$\") {\n\
           xlog(\"L_ALERT\", \"REGISTER $tU call-id $ci cseq $cs expires $hdr(Expires)\\n\");\n\
           save(\"location\"); exit;\n\
         }\n\
         sl_send_reply(\"404\", \"Not Found\"); exit;",
        "loadmodule \"usrloc.so\"\nloadmodule \"registrar.so\"\n\
         modparam(\"usrloc\", \"db_mode\", 0)\n\
         route[LOOKUP] {\n\
           if (registered(\"location\")) { sl_send_reply(\"200\", \"Registered\"); }\n\
           else { sl_send_reply(\"404\", \"Not Registered\"); }\n\
           exit;\n\
         }\n",
    );
    let registrar_address = socket("127.0.0.83:25063");
    let checks = check(registrar_address, "enum", |config| {
        config.extensions = parse_extensions("100-101,200").unwrap_or_default();
    });
    let enumeration = checks
        .enumeration
        .clone()
        .unwrap_or_else(|| panic!("{checks:?}"));
    assert_eq!(enumeration.verdict, Verdict::Enumerable, "{enumeration:?}");
    let users: Vec<&str> = enumeration
        .revealed
        .iter()
        .map(|r| r.user.as_str())
        .collect();
    assert_eq!(users, ["100", "101"]);
    assert_eq!(enumeration.cleanup.len(), 2, "{enumeration:?}");
    assert!(
        enumeration
            .cleanup
            .iter()
            .all(|done| done.contains("binding removed (REGISTER Expires: 0 answered 200 OK)")),
        "{enumeration:?}"
    );
    for user in ["100", "101"] {
        assert!(
            !registered(registrar_address, user),
            "{user} is still registered"
        );
    }
    // The registrar saw each binding made and removed in the same registration (Call-ID).
    let log = pbx.log_text();
    for user in ["100", "101"] {
        let lines: Vec<&str> = log
            .lines()
            .filter(|line| line.contains(&format!("REGISTER {user} call-id")))
            .collect();
        assert_eq!(lines.len(), 2, "{log}");
        let call_id = |line: &str| {
            line.split("call-id ")
                .nth(1)
                .and_then(|rest| rest.split(' ').next())
                .map(str::to_string)
        };
        assert_eq!(call_id(lines[0]), call_id(lines[1]), "{lines:?}");
        assert!(lines[0].ends_with("cseq 1 expires 60"), "{lines:?}");
        assert!(lines[1].ends_with("cseq 2 expires 0"), "{lines:?}");
    }
    let (status, shown) = finding_status(&checks, "NET-SIP-ENUM");
    assert_eq!(status, Status::Fail, "{shown}");
    assert!(shown.contains("binding removed"), "{shown}");
}

/// A running baresip, stopped on drop.
struct Baresip {
    child: Child,
    dir: tempfile::TempDir,
}

impl Baresip {
    /// Starts baresip on `listen` with one account `user` that answers `answermode`
    /// (`manual`: rings until cancelled; `auto`: answers), audio from a silent WAV file.
    fn start(listen: SocketAddr, user: &str, answermode: &str) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
        write_silence(&dir.path().join("silence.wav"));
        let config = format!(
            "sip_listen {listen}\nmodule_path /usr/lib/baresip/modules\nmodule g711.so\n\
             module aufile.so\nmodule_app account.so\nmodule_app menu.so\n\
             audio_source aufile,{wav}\naudio_player aufile,/dev/null\naudio_alert aufile,/dev/null\n\
             rtp_ports 30000-30100\n",
            wav = dir.path().join("silence.wav").display()
        );
        std::fs::write(dir.path().join("config"), config).unwrap_or_else(|err| panic!("{err}"));
        std::fs::write(
            dir.path().join("accounts"),
            format!(
                "<sip:{user}@{}>;regint=0;answermode={answermode}\n",
                listen.ip()
            ),
        )
        .unwrap_or_else(|err| panic!("{err}"));
        let log =
            std::fs::File::create(dir.path().join("log")).unwrap_or_else(|err| panic!("{err}"));
        let spawned = Command::new("baresip")
            .arg("-f")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap_or_else(|err| panic!("{err}")))
            .stderr(log)
            .spawn();
        let child = required(spawned, "baresip", "baresip-core")?;
        let baresip = Self { child, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !baresip.log().contains("baresip is ready") {
            assert!(
                Instant::now() < deadline,
                "baresip did not start: {}",
                baresip.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(baresip)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    /// Waits until baresip logged `count` closed sessions; its log then.
    fn wait_closed(&self, count: usize) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let log = self.log();
            if log.matches("session closed").count() >= count || Instant::now() > deadline {
                return log;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One second of 8 kHz 16-bit mono silence: baresip's audio source for an answered call.
fn write_silence(path: &Path) {
    let samples = 8000_u32;
    let data = samples * 2;
    let mut wav = Vec::new();
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    for field in [16_u32, 1 | (1 << 16), 8000, 16_000, 2 | (16 << 16)] {
        wav.extend_from_slice(&field.to_le_bytes());
    }
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data.to_le_bytes());
    wav.resize(wav.len() + data as usize, 0);
    std::fs::write(path, wav).unwrap_or_else(|err| panic!("{err}"));
}

#[test]
fn a_ringing_phone_is_cancelled_and_an_unknown_callee_stays_undecided() {
    let phone_address = socket("127.0.0.91:25070");
    let Some(phone) = Baresip::start(phone_address, "201", "manual") else {
        return;
    };
    let checks = check(phone_address, "direct-ip,anonymous", |config| {
        config.callee = "201".to_string();
    });
    for test in [&checks.direct_ip, &checks.anonymous] {
        let test = test.as_ref().unwrap_or_else(|| panic!("{checks:?}"));
        assert!(
            matches!(&test.outcome, CallOutcome::Rang { ringing } if ringing.status == 180),
            "{test:?}"
        );
        assert_eq!(
            test.cleanup,
            ["CANCEL answered 200 OK", "ACK for 487 Request Terminated"],
            "{test:?}"
        );
    }
    let log = phone.wait_closed(2);
    assert_eq!(log.matches("Incoming call from").count(), 2, "{log}");
    assert_eq!(
        log.matches("session closed").count(),
        2,
        "every call ended: {log}"
    );
    assert!(
        log.contains("Incoming call from: Anonymous sip:anonymous@anonymous.invalid"),
        "{log}"
    );
    for id in ["GS-DIRECT-IP", "GS-ANON-REJECT"] {
        let (status, shown) = finding_status(&checks, id);
        assert_eq!(status, Status::Fail, "{shown}");
        assert!(shown.contains("180 Ringing"), "{shown}");
    }
    // The default callee is no user of this phone: refused with 404, which decides nothing.
    let checks = check(phone_address, "direct-ip", |_| {});
    let test = checks
        .direct_ip
        .clone()
        .unwrap_or_else(|| panic!("{checks:?}"));
    assert!(
        matches!(&test.outcome, CallOutcome::Rejected { answer } if answer.status == 404),
        "{test:?}"
    );
    assert_eq!(test.cleanup, ["ACK for 404 Not Found"]);
    assert_eq!(finding_status(&checks, "GS-DIRECT-IP").0, Status::Unknown);
    assert_eq!(
        phone.log().matches("Incoming call from").count(),
        2,
        "it never rang"
    );
}

#[test]
fn an_auto_answering_phone_is_hung_up() {
    let phone_address = socket("127.0.0.94:25070");
    let Some(phone) = Baresip::start(phone_address, "201", "auto") else {
        return;
    };
    let checks = check(phone_address, "direct-ip", |config| {
        config.callee = "201".to_string();
    });
    let test = checks
        .direct_ip
        .clone()
        .unwrap_or_else(|| panic!("{checks:?}"));
    // baresip rings first, then answers: the CANCEL either wins (487) or races the answer
    // (200, then ACK and BYE). Either way the call must end.
    assert!(matches!(test.outcome, CallOutcome::Rang { .. }), "{test:?}");
    let ended = test
        .cleanup
        .iter()
        .any(|done| done == "ACK for 487 Request Terminated")
        || test
            .cleanup
            .iter()
            .any(|done| done == "BYE answered 200 OK");
    assert!(ended, "{test:?}");
    let log = phone.wait_closed(1);
    assert_eq!(log.matches("session closed").count(), 1, "{log}");
    assert_eq!(finding_status(&checks, "GS-DIRECT-IP").0, Status::Fail);
}

/// Kamailio as a phone: INVITE decided by `invite`, BYE answered 200; INVITE, ACK (also the
/// ACKs `sl` absorbs for its own replies) and BYE logged with their Call-ID.
fn phone_standin(listen: &str, invite: &str) -> Kamailio {
    let script = format!(
        "loadmodule \"sl.so\"\nloadmodule \"textops.so\"\nloadmodule \"xlog.so\"\nloadmodule \"pv.so\"\n\
         request_route {{\n{OPTIONS_ROUTE}\
           if (method==\"INVITE\") {{ xlog(\"L_ALERT\", \"INVITE $ci from $fu\\n\"); {invite} exit; }}\n\
           if (method==\"BYE\") {{ xlog(\"L_ALERT\", \"BYE $ci to-tag $tt\\n\"); sl_send_reply(\"200\", \"OK\"); exit; }}\n\
           sl_send_reply(\"501\", \"Not Implemented\"); exit;\n\
         }}\n\
         event_route[sl:filtered-ack] {{ xlog(\"L_ALERT\", \"ACK $ci\\n\"); }}\n"
    );
    let address = listen.trim_start_matches("udp:");
    Kamailio::start_script(&[listen], Some(socket(address)), &script)
}

fn logged_call_ids(log: &str, prefix: &str) -> Vec<String> {
    log.lines()
        .filter_map(|line| line.split(prefix).nth(1))
        .filter_map(|rest| rest.split(' ').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn an_answered_call_is_acked_and_ended_and_a_rejection_acked() {
    if kamailio_version().is_none() {
        return;
    }
    let answering = phone_standin("udp:127.0.0.92:25072", "sl_send_reply(\"200\", \"OK\");");
    let checks = check(socket("127.0.0.92:25072"), "direct-ip", |_| {});
    let test = checks
        .direct_ip
        .clone()
        .unwrap_or_else(|| panic!("{checks:?}"));
    assert!(
        matches!(test.outcome, CallOutcome::Answered { .. }),
        "{test:?}"
    );
    assert_eq!(test.cleanup, ["ACK for 200 OK", "BYE answered 200 OK"]);
    let log = answering.log_text_when(|log| !logged_call_ids(log, "BYE ").is_empty());
    let invites = logged_call_ids(&log, "INVITE ");
    assert_eq!(invites.len(), 1, "{log}");
    assert_eq!(
        logged_call_ids(&log, "ACK "),
        invites,
        "the 200 was ACKed: {log}"
    );
    assert_eq!(
        logged_call_ids(&log, "BYE "),
        invites,
        "the call was ended: {log}"
    );
    assert!(
        !log.contains("to-tag <null>"),
        "BYE carries the To-tag: {log}"
    );
    assert_eq!(finding_status(&checks, "GS-DIRECT-IP").0, Status::Fail);

    let declining = phone_standin(
        "udp:127.0.0.93:25073",
        "sl_send_reply(\"603\", \"Decline\");",
    );
    let checks = check(socket("127.0.0.93:25073"), "anonymous", |_| {});
    let test = checks
        .anonymous
        .clone()
        .unwrap_or_else(|| panic!("{checks:?}"));
    assert!(
        matches!(&test.outcome, CallOutcome::Rejected { answer } if answer.status == 603),
        "{test:?}"
    );
    assert_eq!(test.cleanup, ["ACK for 603 Decline"]);
    let log = declining.log_text_when(|log| !logged_call_ids(log, "ACK ").is_empty());
    let invites = logged_call_ids(&log, "INVITE ");
    assert_eq!(invites.len(), 1, "{log}");
    assert!(
        log.contains("from sip:anonymous@anonymous.invalid"),
        "{log}"
    );
    assert_eq!(logged_call_ids(&log, "ACK "), invites, "{log}");
    assert!(logged_call_ids(&log, "BYE ").is_empty(), "{log}");
    let (status, shown) = finding_status(&checks, "GS-ANON-REJECT");
    assert_eq!(status, Status::Pass, "{shown}");
}

#[test]
fn nothing_intrusive_reaches_a_host_outside_the_plan_or_without_a_check_named() {
    let listener = SilentListener::bind("127.0.0.95:25075");
    let scope = Scope::parse(&["127.0.0.0/8"], false).unwrap_or_else(|err| panic!("{err}"));
    let plan = scope
        .plan(&[Target::parse("127.0.0.96").unwrap_or_else(|err| panic!("{err}"))])
        .unwrap_or_else(|err| panic!("{err}"));
    let host = SipHost {
        target: socket("127.0.0.95:25075"),
        responder: None,
        transport: Transport::Udp,
        status: 200,
        reason: "OK".to_string(),
        server: None,
        user_agent: None,
        allow: Vec::new(),
        supported: Vec::new(),
        to_tag: None,
        realm: None,
        header_names: Vec::new(),
        tls: None,
        rtt: Duration::ZERO,
        transmissions: 1,
        macs: Vec::new(),
    };
    let everything = IntrusiveConfig {
        checks: parse_checks("enum,direct-ip,anonymous").unwrap_or_default(),
        ..IntrusiveConfig::default()
    };
    let results = runtime()
        .block_on(run_intrusive(
            &plan,
            std::slice::from_ref(&host),
            &everything,
        ))
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(results.is_empty(), "{results:?}");
    let none = IntrusiveConfig::default();
    let plan_with_it = scope
        .plan(&[Target::parse("127.0.0.95").unwrap_or_else(|err| panic!("{err}"))])
        .unwrap_or_else(|err| panic!("{err}"));
    let results = runtime()
        .block_on(run_intrusive(&plan_with_it, &[host], &none))
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(results.is_empty(), "{results:?}");
    std::thread::sleep(Duration::from_millis(200));
    assert!(listener.received().is_empty(), "a packet reached the host");
}

#[test]
fn a_call_left_at_trying_is_cancelled_and_silence_decides_nothing() {
    if kamailio_version().is_none() {
        return;
    }
    let stalling = phone_standin(
        "udp:127.0.0.97:25077",
        "sl_send_reply(\"100\", \"Trying\");",
    );
    let checks = check(socket("127.0.0.97:25077"), "direct-ip", |config| {
        config.ring_timeout = Duration::from_millis(800);
        config.timeout = Duration::from_millis(800);
    });
    let test = checks
        .direct_ip
        .clone()
        .unwrap_or_else(|| panic!("{checks:?}"));
    assert_eq!(test.outcome, CallOutcome::Trying, "{test:?}");
    // The stand-in has no transaction to cancel: it answers the CANCEL 501 and never sends
    // a final answer. What matters is that the CANCEL was sent.
    assert_eq!(
        test.cleanup,
        [
            "CANCEL answered 501 Not Implemented",
            "no final answer to the INVITE after the CANCEL"
        ]
    );
    assert!(
        stalling.log_text().contains("INVITE vg"),
        "{}",
        stalling.log_text()
    );
    assert_eq!(finding_status(&checks, "GS-DIRECT-IP").0, Status::Unknown);

    let silent = phone_standin("udp:127.0.0.98:25078", "drop;");
    let checks = check(socket("127.0.0.98:25078"), "anonymous", |config| {
        config.ring_timeout = Duration::from_millis(800);
    });
    let test = checks
        .anonymous
        .clone()
        .unwrap_or_else(|| panic!("{checks:?}"));
    assert_eq!(test.outcome, CallOutcome::Silent, "{test:?}");
    assert!(test.cleanup.is_empty(), "nothing to end: {test:?}");
    // The INVITE was retransmitted on timer A (100 ms, 200 ms, 400 ms) while unanswered.
    let invites = silent.log_text().matches("INVITE vg").count();
    assert!(invites >= 3, "{}", silent.log_text());
    let (status, shown) = finding_status(&checks, "GS-ANON-REJECT");
    assert_eq!(status, Status::Unknown, "{shown}");
}

#[test]
fn enumeration_over_ipv6_brackets_every_host() {
    if kamailio_version().is_none() {
        return;
    }
    let _pbx = Kamailio::start_script(
        &["udp:[::1]:25069"],
        Some(socket("[::1]:25069")),
        "loadmodule \"sl.so\"\nloadmodule \"textops.so\"\nloadmodule \"pv.so\"\n\
         loadmodule \"auth.so\"\n\
         request_route {\n\
           if (method==\"OPTIONS\") { sl_send_reply(\"200\", \"OK\"); exit; }\n\
           if (method==\"REGISTER\") {\n\
             if ($tU =~ \"^10[0-5]$\" && $td == \"[::1]\") { auth_challenge(\"pbx.test\", \"0\"); exit; }\n\
             sl_send_reply(\"404\", \"Not Found\"); exit;\n\
           }\n\
           sl_send_reply(\"501\", \"Not Implemented\"); exit;\n\
         }\n",
    );
    let target = socket("[::1]:25069");
    let scope = Scope::parse(&["::1/128"], false).unwrap_or_else(|err| panic!("{err}"));
    let plan = scope
        .plan(&[Target::parse("::1").unwrap_or_else(|err| panic!("{err}"))])
        .unwrap_or_else(|err| panic!("{err}"));
    let config = IntrusiveConfig {
        checks: parse_checks("enum").unwrap_or_default(),
        rate: 200.0,
        t1: Duration::from_millis(100),
        timeout: Duration::from_secs(2),
        extensions: parse_extensions("104-106").unwrap_or_default(),
        ..IntrusiveConfig::default()
    };
    let results = runtime().block_on(async {
        let hosts = sweep(plan.clone(), target.port()).await;
        run_intrusive(&plan, &hosts, &config).await
    });
    let results = results.unwrap_or_else(|err| panic!("{err}"));
    let enumeration = results
        .first()
        .and_then(|checks| checks.enumeration.clone())
        .unwrap_or_else(|| panic!("{results:?}"));
    // Kamailio parsed the bracketed To host ($td is "[::1]") for 104 and 105.
    let users: Vec<&str> = enumeration
        .revealed
        .iter()
        .map(|r| r.user.as_str())
        .collect();
    assert_eq!(users, ["104", "105"], "{enumeration:?}");
    assert_eq!(enumeration.verdict, Verdict::Enumerable);
}

#[test]
fn a_host_refusing_register_is_enumerated_with_options() {
    if kamailio_version().is_none() {
        return;
    }
    let _pbx = registrar(
        "udp:127.0.0.85:25065",
        "sl_send_reply(\"405\", \"Method Not Allowed\"); exit;",
        "route[LOOKUP] {\n\
           if ($rU =~ \"^10[0-5]$\") { sl_send_reply(\"200\", \"OK\"); }\n\
           else { sl_send_reply(\"404\", \"Not Found\"); }\n\
           exit;\n\
         }\n",
    );
    let checks = check(socket("127.0.0.85:25065"), "enum", |config| {
        config.extensions = parse_extensions("105-106").unwrap_or_default();
    });
    let enumeration = checks
        .enumeration
        .clone()
        .unwrap_or_else(|| panic!("{checks:?}"));
    assert_eq!(enumeration.method, "OPTIONS");
    let users: Vec<&str> = enumeration
        .revealed
        .iter()
        .map(|r| r.user.as_str())
        .collect();
    assert_eq!(users, ["105"], "{enumeration:?}");
    assert!(enumeration.cleanup.is_empty(), "OPTIONS registers nothing");
    assert_eq!(finding_status(&checks, "NET-SIP-ENUM").0, Status::Fail);
}

/// Kamailio as a registrar (100–105 challenged, others 404) and a phone (INVITE answered 200,
/// 603 for `anonymous`), logging every request as `REQ|method|Call-ID|protocol|Via|source port`,
/// the ACKs `sl` absorbs for its own replies included.
const REGISTRAR_AND_PHONE: &str = "loadmodule \"sl.so\"\nloadmodule \"textops.so\"\nloadmodule \"xlog.so\"\n\
    loadmodule \"pv.so\"\nloadmodule \"auth.so\"\n\
    request_route {\n\
      if (method==\"OPTIONS\") { sl_send_reply(\"200\", \"OK\"); exit; }\n\
      xlog(\"L_ALERT\", \"REQ|$rm|$ci|$pr|$hdr(Via)|$sp\\n\");\n\
      if (method==\"ACK\") { exit; }\n\
      if (method==\"REGISTER\") {\n\
        if ($tU =~ \"^10[0-5]$\") { auth_challenge(\"pbx.test\", \"0\"); exit; }\n\
        sl_send_reply(\"404\", \"Not Found\"); exit;\n\
      }\n\
      if (method==\"INVITE\") {\n\
        if ($fU == \"anonymous\") { sl_send_reply(\"603\", \"Decline\"); } else { sl_send_reply(\"200\", \"OK\"); }\n\
        exit;\n\
      }\n\
      if (method==\"BYE\") { sl_send_reply(\"200\", \"OK\"); exit; }\n\
      sl_send_reply(\"501\", \"Not Implemented\"); exit;\n\
    }\n\
    event_route[sl:filtered-ack] { xlog(\"L_ALERT\", \"REQ|$rm|$ci|$pr|$hdr(Via)|$sp\\n\"); }\n";

/// One request Kamailio logged.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Logged {
    method: String,
    call_id: String,
    protocol: String,
    via: String,
    source_port: String,
}

fn logged_requests(log: &str) -> Vec<Logged> {
    log.lines()
        .filter_map(|line| line.split_once("REQ|").map(|(_, rest)| rest))
        .filter_map(|rest| {
            let fields: Vec<&str> = rest.trim_end().split('|').collect();
            let [method, call_id, protocol, via, source_port] = fields.as_slice() else {
                return None;
            };
            Some(Logged {
                method: method.to_string(),
                call_id: call_id.to_string(),
                protocol: protocol.to_string(),
                via: via.to_string(),
                source_port: source_port.to_string(),
            })
        })
        .collect()
}

/// Every request Kamailio logged came over `transport` with its Via token, and the requests
/// of each check (enumeration, each test call with its ACK and BYE) shared one connection
/// whose port the Via names. Returns the requests.
fn assert_one_connection_per_check(log: &str, transport: Transport) -> Vec<Logged> {
    let requests = logged_requests(log);
    let token = match transport {
        Transport::Udp => "UDP",
        Transport::Tcp => "TCP",
        Transport::Tls => "TLS",
    };
    for request in &requests {
        assert_eq!(
            request.protocol,
            transport.to_string(),
            "{request:?}\n{log}"
        );
        assert!(
            request.via.starts_with(&format!("SIP/2.0/{token} "))
                && request
                    .via
                    .contains(&format!(":{};branch=", request.source_port)),
            "the Via names the transport and the connection's port: {request:?}"
        );
    }
    let ports = |method: &str| -> Vec<String> {
        let mut ports: Vec<String> = requests
            .iter()
            .filter(|request| request.method == method)
            .map(|request| request.source_port.clone())
            .collect();
        ports.dedup();
        ports
    };
    assert_eq!(
        ports("REGISTER").len(),
        1,
        "one connection for enum: {requests:?}"
    );
    for call in requests.iter().filter(|request| request.method == "INVITE") {
        let same_call: Vec<&Logged> = requests
            .iter()
            .filter(|request| request.call_id == call.call_id)
            .collect();
        assert!(
            same_call
                .iter()
                .all(|request| request.source_port == call.source_port),
            "the call's cleanup went over its connection: {same_call:?}"
        );
    }
    requests
}

fn methods_of_call(requests: &[Logged], invite_index: usize) -> Vec<String> {
    let call_id = requests
        .iter()
        .filter(|request| request.method == "INVITE")
        .nth(invite_index)
        .map(|invite| invite.call_id.clone())
        .unwrap_or_else(|| panic!("no INVITE {invite_index}: {requests:?}"));
    requests
        .iter()
        .filter(|request| request.call_id == call_id)
        .map(|request| request.method.clone())
        .collect()
}

#[test]
fn enumeration_and_test_calls_over_tcp_keep_to_their_connection() {
    if kamailio_version().is_none() {
        return;
    }
    let host = socket("127.0.0.86:25066");
    let pbx = Kamailio::start_script(
        &["udp:127.0.0.86:25066", "tcp:127.0.0.86:25066"],
        Some(host),
        REGISTRAR_AND_PHONE,
    );
    let checks = check_over(Transport::Tcp, host, "enum,direct-ip,anonymous", |config| {
        config.extensions = parse_extensions("99-101").unwrap_or_default();
    });
    assert_eq!(checks.transport, Transport::Tcp);
    assert_eq!(checks.error, None, "{checks:?}");
    let enumeration = checks
        .enumeration
        .clone()
        .unwrap_or_else(|| panic!("{checks:?}"));
    assert_eq!(enumeration.verdict, Verdict::Enumerable, "{enumeration:?}");
    let users: Vec<&str> = enumeration
        .revealed
        .iter()
        .map(|r| r.user.as_str())
        .collect();
    assert_eq!(users, ["100", "101"]);
    let direct = checks
        .direct_ip
        .clone()
        .unwrap_or_else(|| panic!("{checks:?}"));
    assert!(
        matches!(direct.outcome, CallOutcome::Answered { .. }),
        "{direct:?}"
    );
    assert_eq!(direct.cleanup, ["ACK for 200 OK", "BYE answered 200 OK"]);
    let anonymous = checks
        .anonymous
        .clone()
        .unwrap_or_else(|| panic!("{checks:?}"));
    assert!(
        matches!(&anonymous.outcome, CallOutcome::Rejected { answer } if answer.status == 603),
        "{anonymous:?}"
    );
    assert_eq!(anonymous.cleanup, ["ACK for 603 Decline"]);

    let log = pbx.log_text_when(|log| {
        let requests = logged_requests(log);
        requests.iter().filter(|r| r.method == "ACK").count() >= 2
            && requests.iter().any(|r| r.method == "BYE")
    });
    let requests = assert_one_connection_per_check(&log, Transport::Tcp);
    // Two random users around the three extensions, nothing retransmitted over TCP.
    assert_eq!(
        requests.iter().filter(|r| r.method == "REGISTER").count(),
        5,
        "{requests:?}"
    );
    assert_eq!(methods_of_call(&requests, 0), ["INVITE", "ACK", "BYE"]);
    assert_eq!(methods_of_call(&requests, 1), ["INVITE", "ACK"]);
    let catalogue = voipguard_checks::catalogue().unwrap_or_else(|err| panic!("{err}"));
    let findings = judge_intrusive(&checks, catalogue);
    let direct_ip = findings
        .iter()
        .find(|finding| finding.check == "GS-DIRECT-IP")
        .unwrap_or_else(|| panic!("{findings:?}"));
    assert_eq!(direct_ip.status, Status::Fail);
    assert!(
        direct_ip.evidence.iter().all(|item| item
            .file
            .as_ref()
            .is_some_and(|file| file.to_string_lossy() == "sip://127.0.0.86:25066/tcp")),
        "{direct_ip:?}"
    );
}

#[test]
fn enumeration_and_a_test_call_over_tls() {
    if kamailio_version().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("{err}"));
    let (key, cert) = kamailio_cert(dir.path(), "127.0.0.88");
    let Some(pbx) = Kamailio::start_tls_script(
        &["udp:127.0.0.88:25068", "tls:127.0.0.88:25069"],
        Some(socket("127.0.0.88:25068")),
        (&key, &cert),
        ("TLSv1.2+", "DEFAULT"),
        REGISTRAR_AND_PHONE,
    ) else {
        return;
    };
    let host = socket("127.0.0.88:25069");
    let checks = check_over(Transport::Tls, host, "enum,direct-ip", |config| {
        config.extensions = parse_extensions("104-106").unwrap_or_default();
    });
    assert_eq!(checks.error, None, "{checks:?}");
    let users: Vec<String> = checks
        .enumeration
        .iter()
        .flat_map(|found| found.revealed.iter().map(|r| r.user.clone()))
        .collect();
    assert_eq!(users, ["104", "105"], "{checks:?}");
    let direct = checks
        .direct_ip
        .clone()
        .unwrap_or_else(|| panic!("{checks:?}"));
    assert_eq!(direct.cleanup, ["ACK for 200 OK", "BYE answered 200 OK"]);
    let log = pbx.log_text_when(|log| logged_requests(log).iter().any(|r| r.method == "BYE"));
    let requests = assert_one_connection_per_check(&log, Transport::Tls);
    assert_eq!(methods_of_call(&requests, 0), ["INVITE", "ACK", "BYE"]);
}

#[test]
fn a_phone_ringing_over_tcp_is_cancelled_on_its_connection() {
    let phone_address = socket("127.0.0.87:25067");
    let Some(phone) = Baresip::start(phone_address, "201", "manual") else {
        return;
    };
    let checks = check_over(Transport::Tcp, phone_address, "direct-ip", |config| {
        config.callee = "201".to_string();
    });
    let test = checks
        .direct_ip
        .clone()
        .unwrap_or_else(|| panic!("{checks:?}"));
    assert!(
        matches!(&test.outcome, CallOutcome::Rang { ringing } if ringing.status == 180),
        "{test:?}"
    );
    assert_eq!(
        test.cleanup,
        ["CANCEL answered 200 OK", "ACK for 487 Request Terminated"],
        "{test:?}"
    );
    let log = phone.wait_closed(1);
    assert_eq!(log.matches("Incoming call from").count(), 1, "{log}");
    assert_eq!(log.matches("session closed").count(), 1, "{log}");
}
