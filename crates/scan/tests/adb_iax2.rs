//! ADB on 5555 and IAX2 on 4569, on loopback addresses 127.0.0.151-155 only.
//!
//! Neither adbd nor Asterisk runs here, so both are simulated by small responders in this file
//! (see each one's comment for what it reproduces, byte for byte). Port 5555 is also ScopTEL's
//! GUI: Python's http.server stands there on another address, and must be reported as a web UI,
//! never as ADB. Needs `apt-get install -y python3`.

mod support;

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::skip_requested;
use voipguard_model::{Family, Status, Vendor};
use voipguard_scan::services::{Found, HostServices, Service, ServiceConfig};
use voipguard_scan::{Fingerprint, Scope, Target, assess, probe_services};

const PBX: &str = "127.0.0.151";
const SILENT_IAX2: &str = "127.0.0.152";
const OPEN_ADB: &str = "127.0.0.153";
const SECURE_ADB: &str = "127.0.0.154";
const SCOPTEL_GUI: &str = "127.0.0.155";

fn addr(ip: &str, port: u16) -> SocketAddr {
    SocketAddr::new(ip.parse().unwrap_or(IpAddr::from([127, 0, 0, 1])), port)
}

/// Simulates chan_iax2's answer to a POKE (RFC 5456 §6.7.1 and §8.1.1): for a full frame of
/// type 6 (IAX control), subclass 0x1e (POKE), it sends the 12-byte full-frame header chan_iax2's
/// "apathetic" reply writes, without allocating a call: source call number 0x8000 | 1 (F bit,
/// call 1), destination call number = the POKE's source call number (R bit cleared),
/// timestamp = the POKE's, outbound sequence 0, inbound sequence = the POKE's inbound + 1,
/// type 6, subclass 0x03 (PONG). Every datagram received is recorded (the ACK of the PONG
/// included).
fn iax2_responder(listen: SocketAddr) -> Arc<Mutex<Vec<Vec<u8>>>> {
    let socket = UdpSocket::bind(listen).unwrap_or_else(|err| panic!("bind {listen}: {err}"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    std::thread::spawn(move || {
        let mut buffer = [0_u8; 1500];
        while let Ok((len, from)) = socket.recv_from(&mut buffer) {
            let frame = buffer.get(..len).unwrap_or_default().to_vec();
            if let Ok(mut seen) = record.lock() {
                seen.push(frame.clone());
            }
            let is_poke =
                frame.len() >= 12 && frame[0] & 0x80 != 0 && frame[10] == 6 && frame[11] == 0x1e;
            if is_poke {
                let pong = [
                    0x80,
                    0x01,
                    frame[0] & 0x7f,
                    frame[1],
                    frame[4],
                    frame[5],
                    frame[6],
                    frame[7],
                    0,
                    frame[9].wrapping_add(1),
                    6,
                    0x03,
                ];
                let _ = socket.send_to(&pong, from);
            }
        }
    });
    seen
}

/// A UDP port that never answers, and what reached it.
fn silent(listen: SocketAddr) -> Arc<Mutex<Vec<Vec<u8>>>> {
    let socket = UdpSocket::bind(listen).unwrap_or_else(|err| panic!("bind {listen}: {err}"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    std::thread::spawn(move || {
        let mut buffer = [0_u8; 1500];
        while let Ok((len, _)) = socket.recv_from(&mut buffer) {
            if let Ok(mut seen) = record.lock() {
                seen.push(buffer.get(..len).unwrap_or_default().to_vec());
            }
        }
    });
    seen
}

fn le(bytes: &[u8], at: usize) -> u32 {
    let word: [u8; 4] = bytes
        .get(at..at + 4)
        .and_then(|w| w.try_into().ok())
        .unwrap_or_default();
    u32::from_le_bytes(word)
}

/// Simulates adbd's TCP transport (system/core/adb: `amessage`, protocol.txt): reads a 24-byte
/// little-endian header (command, arg0, arg1, data_length, data_check, magic) and its payload;
/// a header whose magic is not the command XOR 0xffffffff, or a CNXN whose version-1 payload
/// sum does not match, closes the connection as adbd does. To the host's CNXN it answers
/// either CNXN (version 0x01000000, maxdata 4096, the device banner `device::ro.product.…;
/// features=…`), as an adbd with `ro.adb.secure=0` does, or AUTH type 1 (TOKEN) with a 20-byte
/// token, as a secure adbd does. Returns the CNXN payloads it accepted.
fn adb_responder(listen: SocketAddr, secure: bool) -> Arc<Mutex<Vec<Vec<u8>>>> {
    let listener = TcpListener::bind(listen).unwrap_or_else(|err| panic!("bind {listen}: {err}"));
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&accepted);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut header = [0_u8; 24];
            if stream.read_exact(&mut header).is_err() {
                continue;
            }
            let (command, arg0, length, check, magic) = (
                le(&header, 0),
                le(&header, 4),
                le(&header, 12),
                le(&header, 16),
                le(&header, 20),
            );
            if magic != command ^ 0xffff_ffff || length > 4096 {
                continue; // not ADB: hang up
            }
            let mut payload = vec![0_u8; length as usize];
            if stream.read_exact(&mut payload).is_err() {
                continue;
            }
            let sum = payload.iter().map(|b| u32::from(*b)).sum::<u32>();
            if command != u32::from_le_bytes(*b"CNXN") || arg0 != 0x0100_0000 || sum != check {
                continue;
            }
            if let Ok(mut accepted) = record.lock() {
                accepted.push(payload);
            }
            let (command, arg0, arg1, answer): (&[u8; 4], u32, u32, Vec<u8>) = if secure {
                (b"AUTH", 1, 0, (0..20).collect())
            } else {
                (
                    b"CNXN",
                    0x0100_0000,
                    4096,
                    b"device::ro.product.name=wp820;ro.product.model=WP820;ro.product.device=wp820;features=shell_v2,cmd,stat_v2"
                        .to_vec(),
                )
            };
            let command = u32::from_le_bytes(*command);
            let mut reply = Vec::new();
            for word in [
                command,
                arg0,
                arg1,
                answer.len() as u32,
                answer.iter().map(|b| u32::from(*b)).sum::<u32>(),
                command ^ 0xffff_ffff,
            ] {
                reply.extend_from_slice(&word.to_le_bytes());
            }
            reply.extend_from_slice(&answer);
            let _ = stream.write_all(&reply);
        }
    });
    accepted
}

/// A daemon started for one test, stopped by PID on drop.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Python's http.server answering `GET /` with ScopTEL's login page title, on `listen`.
fn scoptel_gui(listen: SocketAddr) -> Option<Daemon> {
    let script = format!(
        r#"
import http.server
class Gui(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<html><head><title>ScopServ Admin</title></head><body>login</body></html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("{}", {}), Gui).serve_forever()
"#,
        listen.ip(),
        listen.port()
    );
    let child = match Command::new("python3")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(err) => {
            assert!(
                skip_requested(),
                "this test needs python3: apt-get install -y python3 ({err}); set VOIPGUARD_SKIP_NETNS=1 to skip"
            );
            return None;
        }
    };
    let daemon = Daemon(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect_timeout(&listen, Duration::from_millis(200)).is_err() {
        assert!(Instant::now() < deadline, "http.server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(daemon)
}

fn probe(config: &ServiceConfig) -> Vec<HostServices> {
    let scope = Scope::parse(&["127.0.0.144/28"], false).unwrap_or_else(|err| panic!("{err}"));
    let target = Target::parse("127.0.0.151-127.0.0.155").unwrap_or_else(|err| panic!("{err}"));
    let plan = scope.plan(&[target]).unwrap_or_else(|err| panic!("{err}"));
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|err| panic!("runtime: {err}"))
        .block_on(probe_services(&plan, config))
}

fn host<'a>(hosts: &'a [HostServices], ip: &str) -> &'a HostServices {
    hosts
        .iter()
        .find(|host| host.address.to_string() == ip)
        .unwrap_or_else(|| panic!("{ip} not found: {hosts:#?}"))
}

fn catalogue() -> &'static voipguard_checks::Catalogue {
    voipguard_checks::catalogue().unwrap_or_else(|err| panic!("{err}"))
}

#[test]
fn adb_iax2_and_the_scoptel_gui_on_5555_are_told_apart() {
    let pbx = iax2_responder(addr(PBX, 4569));
    let quiet = silent(addr(SILENT_IAX2, 4569));
    let open_adb = adb_responder(addr(OPEN_ADB, 5555), false);
    let secure_adb = adb_responder(addr(SECURE_ADB, 5555), true);
    let Some(_gui) = scoptel_gui(addr(SCOPTEL_GUI, 5555)) else {
        return;
    };
    let mut config = ServiceConfig {
        timeout: Duration::from_millis(700),
        rate: 200,
        ..ServiceConfig::default()
    };
    config.ports = [
        (Service::Http, vec![5555]),
        (Service::Adb, vec![5555]),
        (Service::Iax2, vec![4569]),
    ]
    .into_iter()
    .collect();
    let started = Instant::now();
    let hosts = probe(&config);
    let elapsed = started.elapsed();

    // IAX2: the PONG is recognised and acknowledged; the silent port got one retransmission.
    let pbx_host = host(&hosts, PBX);
    assert_eq!(pbx_host.services.len(), 1, "{pbx_host:#?}");
    assert_eq!(
        pbx_host
            .services
            .first()
            .map(|r| (r.service, r.port, &r.found)),
        Some((
            Service::Iax2,
            4569,
            &Found::Iax2 {
                reply: "PONG".to_string(),
                responder: None
            }
        ))
    );
    let pbx_seen = pbx.lock().map(|seen| seen.clone()).unwrap_or_default();
    assert_eq!(pbx_seen.len(), 2, "a POKE, then the ACK of the PONG");
    let (poke, ack) = (&pbx_seen[0], &pbx_seen[1]);
    assert_eq!(&poke[2..4], &[0, 0], "POKE: no destination call yet");
    assert_eq!(&poke[8..12], &[0, 0, 6, 0x1e]);
    assert_eq!(&ack[0..2], &poke[0..2], "ACK from the same call");
    assert_eq!(&ack[2..4], &[0x00, 0x01], "ACK to chan_iax2's call 1");
    assert_eq!(&ack[4..8], &poke[4..8], "the PONG's (echoed) timestamp");
    assert_eq!(&ack[8..12], &[1, 1, 6, 0x04]);
    assert!(hosts.iter().all(|h| h.address.to_string() != SILENT_IAX2));
    let quiet_seen = quiet.lock().map(|seen| seen.clone()).unwrap_or_default();
    assert_eq!(quiet_seen.len(), 2, "one POKE and one retransmission");
    assert_eq!(quiet_seen[0][2] & 0x80, 0);
    assert_eq!(
        quiet_seen[1][2] & 0x80,
        0x80,
        "the R bit on the retransmission"
    );
    assert_eq!(quiet_seen[0][..2], quiet_seen[1][..2], "same call number");
    assert!(
        elapsed < Duration::from_secs(5),
        "POKE waits are bounded: {elapsed:?}"
    );

    // ADB: the device banner is read; the web probe's hang-up on 5555 is not a second service.
    let phone = host(&hosts, OPEN_ADB);
    assert_eq!(phone.services.len(), 1, "{phone:#?}");
    let adb = phone
        .services
        .first()
        .and_then(|r| r.adb())
        .unwrap_or_else(|| panic!("{phone:#?}"));
    assert_eq!(
        (adb.command.as_str(), adb.model.as_deref()),
        ("CNXN", Some("WP820"))
    );
    let accepted = open_adb.lock().map(|a| a.clone()).unwrap_or_default();
    assert_eq!(
        accepted,
        [b"host::\0".to_vec()],
        "one well-formed host CNXN"
    );
    let secure = host(&hosts, SECURE_ADB);
    assert_eq!(
        secure
            .services
            .first()
            .and_then(|r| r.adb())
            .map(|a| (a.command.as_str(), a.banner.is_none())),
        Some(("AUTH", true))
    );
    assert_eq!(secure_adb.lock().map(|a| a.len()).unwrap_or_default(), 1);

    // The ScopTEL GUI on 5555 is a web page, never ADB.
    let gui = host(&hosts, SCOPTEL_GUI);
    assert!(gui.services.iter().all(|r| r.adb().is_none()), "{gui:#?}");
    let page = gui
        .services
        .iter()
        .find(|r| r.service == Service::Http && r.port == 5555)
        .and_then(|r| r.http())
        .unwrap_or_else(|| panic!("{gui:#?}"));
    assert_eq!(page.title.as_deref(), Some("ScopServ Admin"));

    // Judged: the WP820 fails GS-ADB-FTP on its own banner's word; the secure adbd fails it
    // too on a WP820 the SIP fingerprint names; chan_iax2 makes an Asterisk host.
    let statuses = |assessed: &voipguard_scan::Assessed| {
        assessed
            .findings
            .iter()
            .map(|f| (f.check, f.status))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let phone = assess(phone, None, catalogue());
    assert_eq!(
        (phone.device.vendor, phone.device.family),
        (Vendor::Grandstream, Family::Wp820)
    );
    let adb_finding = phone
        .findings
        .iter()
        .find(|f| f.check == "GS-ADB-FTP")
        .unwrap_or_else(|| panic!("{:#?}", phone.findings));
    assert_eq!(adb_finding.status, Status::Fail);
    assert_eq!(adb_finding.message, "ADB answers on 5555");
    assert!(
        adb_finding
            .evidence
            .iter()
            .any(|e| e.value.starts_with("ADB answers on 5555 (CNXN")),
        "{:#?}",
        adb_finding.evidence
    );
    let wp820 = Fingerprint {
        vendor: "Grandstream".to_string(),
        product: "IP phone".to_string(),
        model: Some("WP820".to_string()),
        firmware: None,
        platform: None,
        confidence: 0.7,
        signals: vec!["agent"],
        disagreement: None,
    };
    let secure = assess(secure, Some(&wp820), catalogue());
    assert_eq!(statuses(&secure).get("GS-ADB-FTP"), Some(&Status::Fail));
    let pbx = assess(pbx_host, None, catalogue());
    assert_eq!(pbx.device.vendor, Vendor::Asterisk);
    assert_eq!(
        statuses(&pbx).get("NET-PUBLIC"),
        Some(&Status::NotApplicable)
    );
    let gui = assess(gui, None, catalogue());
    assert_eq!(gui.device.vendor, Vendor::Asterisk, "ScopTEL's GUI");
    let gui_statuses = statuses(&gui);
    assert_eq!(gui_statuses.get("AST-FACT-03"), Some(&Status::Fail));
    assert_eq!(gui_statuses.get("GS-ADB-FTP"), None);
}
