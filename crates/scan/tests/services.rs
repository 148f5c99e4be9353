//! Service probes against real daemons on loopback addresses: OpenSSH's sshd, Net-SNMP's
//! snmpd (community public), tftpd-hpa serving a real Grandstream config, Python's http.server
//! standing in for a phone's login page (title, Basic realm, MAC on the page), and OpenSSL's
//! s_server with a self-signed and with an expired certificate, and with TLS 1.0/1.1 allowed or
//! TLS 1.2+ only. Only 127.0.0.81-85 are addressed. Needs `apt-get install -y openssh-server snmpd tftpd-hpa openssl python3`.

mod support;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::skip_requested;
use voipguard_model::{Status, Vendor};
use voipguard_parsers::{Keep, Parsed};
use voipguard_scan::services::{Found, HostServices, Service, ServiceConfig, ServiceResult};
use voipguard_scan::tls_versions::{TlsVersion, VersionAnswer};
use voipguard_scan::{Leaked, LeakedFile, Scope, Target, assess, audit_leaked, probe_services};

const PHONE: &str = "127.0.0.81";
const SELF_SIGNED: &str = "127.0.0.82";
const EXPIRED: &str = "127.0.0.83";
const LEGACY_TLS: &str = "127.0.0.84";
const MODERN_TLS: &str = "127.0.0.85";
const MAC: &str = "000b828c8f97";

/// The tools, or `false` when they are missing and skipping was asked for.
fn tools_present() -> bool {
    let missing: Vec<&str> = [
        ("/usr/sbin/sshd", "openssh-server"),
        ("/usr/bin/ssh-keygen", "openssh-client"),
        ("/usr/sbin/snmpd", "snmpd"),
        ("/usr/sbin/in.tftpd", "tftpd-hpa"),
        ("/usr/bin/openssl", "openssl"),
    ]
    .into_iter()
    .filter(|(tool, _)| !Path::new(tool).exists())
    .map(|(_, package)| package)
    .chain(
        Command::new("python3")
            .arg("--version")
            .output()
            .is_err()
            .then_some("python3"),
    )
    .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        skip_requested(),
        "these tests need: apt-get install -y {} (or set VOIPGUARD_SKIP_NETNS=1 to skip)",
        missing.join(" ")
    );
    false
}

/// A daemon started for one test, stopped by PID on drop.
struct Daemon {
    name: &'static str,
    child: Child,
}

impl Daemon {
    fn start(name: &'static str, command: &mut Command) -> Self {
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {name}: {err}"));
        Self { name, child }
    }

    fn wait_until(mut self, ready: impl Fn() -> bool) -> Self {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if ready() {
                return self;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut log = String::new();
                if let Some(mut stderr) = self.child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut stderr, &mut log);
                }
                panic!("{} exited ({status}): {log}", self.name);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{} did not come up", self.name);
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn addr(ip: &str, port: u16) -> SocketAddr {
    SocketAddr::new(ip.parse().unwrap_or(IpAddr::from([127, 0, 0, 1])), port)
}

fn tcp_ready(target: SocketAddr) -> impl Fn() -> bool {
    move || TcpStream::connect_timeout(&target, Duration::from_millis(200)).is_ok()
}

fn udp_ready(target: SocketAddr, request: Vec<u8>) -> impl Fn() -> bool {
    move || {
        let Ok(socket) = UdpSocket::bind("127.0.0.1:0") else {
            return false;
        };
        let _ = socket.set_read_timeout(Some(Duration::from_millis(200)));
        let mut buffer = [0_u8; 2048];
        socket.send_to(&request, target).is_ok() && socket.recv_from(&mut buffer).is_ok()
    }
}

fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("{command:?}: {err}"));
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
}

fn sshd(dir: &Path, listen: SocketAddr) -> Daemon {
    // sshd refuses to start without its privilege-separation directory.
    let _ = std::fs::create_dir_all("/run/sshd");
    let key = dir.join("ssh_host_ed25519_key");
    run(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key));
    let config = dir.join("sshd_config");
    write(
        &config,
        &format!(
            "HostKey {}\nPidFile none\nUsePAM no\nPasswordAuthentication no\n",
            key.display()
        ),
    );
    Daemon::start(
        "sshd",
        Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(&config)
            .arg("-o")
            .arg(format!("ListenAddress={listen}")),
    )
    .wait_until(tcp_ready(listen))
}

fn snmpd(dir: &Path, listen: SocketAddr) -> Daemon {
    let config = dir.join("snmpd.conf");
    write(&config, "rocommunity public 127.0.0.0/8\n");
    Daemon::start(
        "snmpd",
        Command::new("/usr/sbin/snmpd")
            .args(["-f", "-Lo", "-C", "-r", "-c"])
            .arg(&config)
            .arg("-p")
            .arg(dir.join("snmpd.pid"))
            .arg(format!("udp:{listen}"))
            .env("SNMP_PERSISTENT_DIR", dir),
    )
    .wait_until(udp_ready(
        listen,
        voipguard_scan::snmp::get_request(
            voipguard_scan::snmp::SnmpVersion::V2c,
            "public",
            1,
            voipguard_scan::snmp::SYS_DESCR,
        ),
    ))
}

fn corpus_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/grandstream/madridist88_cfg000b828c8f97.xml")
}

fn tftpd(dir: &Path, listen: SocketAddr) -> Daemon {
    let root = dir.join("tftp");
    std::fs::create_dir_all(&root).unwrap_or_else(|err| panic!("{err}"));
    std::fs::copy(corpus_config(), root.join(format!("cfg{MAC}.xml")))
        .unwrap_or_else(|err| panic!("{}: {err}", corpus_config().display()));
    // tftpd-hpa drops to an unprivileged user; the temporary directory must be readable by it.
    use std::os::unix::fs::PermissionsExt;
    for path in [dir, &root] {
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755));
    }
    Daemon::start(
        "in.tftpd",
        Command::new("/usr/sbin/in.tftpd")
            .args(["-L", "-s"])
            .arg(&root)
            .arg("-a")
            .arg(listen.to_string()),
    )
    .wait_until(udp_ready(
        listen,
        voipguard_scan::tftp::read_request("no-such-file"),
    ))
}

/// Python's http.server answering every GET with a 401: a phone's login page with a title,
/// a Basic realm and the phone's MAC printed on it.
fn login_page(listen: SocketAddr) -> Daemon {
    let script = format!(
        r#"
import http.server
class Login(http.server.BaseHTTPRequestHandler):
    server_version = "lighttpd/1.4.55"
    sys_version = ""
    def do_GET(self):
        body = b"<html><head><title>Grandstream Device Configuration</title></head><body>MAC Address: 00:0B:82:8C:8F:97</body></html>"
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="Grandstream GRP2612W"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("{}", {}), Login).serve_forever()
"#,
        listen.ip(),
        listen.port()
    );
    Daemon::start(
        "python3 http.server",
        Command::new("python3").arg("-c").arg(script),
    )
    .wait_until(tcp_ready(listen))
}

fn self_signed_cert(dir: &Path) -> (PathBuf, PathBuf) {
    let (key, cert) = (dir.join("self.key"), dir.join("self.pem"));
    run(Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
        ])
        .args(["-subj", "/CN=voipguard-self-signed"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert));
    (key, cert)
}

/// A certificate valid only in January 2020: OpenSSL 3.0's `req` cannot backdate, `ca` can.
fn expired_cert(dir: &Path) -> (PathBuf, PathBuf) {
    let ca = dir.join("ca");
    std::fs::create_dir_all(&ca).unwrap_or_else(|err| panic!("{err}"));
    write(
        &ca.join("ca.cnf"),
        &format!(
            "[ca]\ndefault_ca = own\n[own]\ndatabase = {d}/index.txt\nnew_certs_dir = {d}\n\
             serial = {d}/serial\ndefault_md = sha256\npolicy = any\n[any]\ncommonName = supplied\n",
            d = ca.display()
        ),
    );
    write(&ca.join("index.txt"), "");
    write(&ca.join("serial"), "01\n");
    let (key, csr, cert) = (
        dir.join("old.key"),
        dir.join("old.csr"),
        dir.join("old.pem"),
    );
    run(Command::new("openssl")
        .args(["req", "-new", "-newkey", "rsa:2048", "-nodes"])
        .args(["-subj", "/CN=voipguard-expired"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&csr));
    run(Command::new("openssl")
        .args(["ca", "-batch", "-selfsign", "-notext", "-config"])
        .arg(ca.join("ca.cnf"))
        .arg("-keyfile")
        .arg(&key)
        .arg("-in")
        .arg(&csr)
        .arg("-out")
        .arg(&cert)
        .args([
            "-startdate",
            "20200101000000Z",
            "-enddate",
            "20200201000000Z",
        ]));
    (key, cert)
}

/// `openssl s_server -www` on `listen`, with `options` (protocol versions, ciphers).
fn s_server(listen: SocketAddr, (key, cert): (PathBuf, PathBuf), options: &[&str]) -> Daemon {
    Daemon::start(
        "openssl s_server",
        Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-accept"])
            .arg(listen.to_string())
            .arg("-key")
            .arg(key)
            .arg("-cert")
            .arg(cert)
            .args(options),
    )
    .wait_until(tcp_ready(listen))
}

fn config() -> ServiceConfig {
    let mut config = ServiceConfig {
        timeout: Duration::from_millis(800),
        ..ServiceConfig::default()
    };
    for (service, ports) in [
        (Service::Ssh, vec![22, 22222]),
        (Service::Http, vec![80, 18080]),
        (Service::Https, vec![443, 18443]),
        (Service::Snmp, vec![16161]),
        (Service::Tftp, vec![16969]),
    ] {
        config.ports.insert(service, ports);
    }
    config
}

fn scan(targets: &str) -> Vec<HostServices> {
    let scope = Scope::parse(&["127.0.0.80/29"], false).unwrap_or_else(|err| panic!("{err}"));
    let target = Target::parse(targets).unwrap_or_else(|err| panic!("{err}"));
    let plan = scope.plan(&[target]).unwrap_or_else(|err| panic!("{err}"));
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|err| panic!("runtime: {err}"))
        .block_on(probe_services(&plan, &config()))
}

fn on(host: &HostServices, service: Service, port: u16) -> &ServiceResult {
    host.services
        .iter()
        .find(|result| result.service == service && result.port == port)
        .unwrap_or_else(|| panic!("no {service} on {port}: {:#?}", host.services))
}

#[test]
fn a_phone_with_ssh_snmp_tftp_and_a_clear_text_login_page() {
    if !tools_present() {
        return;
    }
    assert!(
        TcpStream::connect_timeout(&addr(PHONE, 22), Duration::from_millis(200)).is_err(),
        "something listens on {PHONE}:22; this test needs that port closed"
    );
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("{err}"));
    let _sshd = sshd(dir.path(), addr(PHONE, 22222));
    let _snmpd = snmpd(dir.path(), addr(PHONE, 16161));
    let _tftpd = tftpd(dir.path(), addr(PHONE, 16969));
    let _web = login_page(addr(PHONE, 18080));

    let hosts = scan(PHONE);
    assert_eq!(hosts.len(), 1, "{hosts:#?}");
    let host = &hosts[0];
    let ssh = on(host, Service::Ssh, 22222).banner().unwrap_or_default();
    assert!(ssh.starts_with("SSH-2.0-OpenSSH_9"), "{ssh}");

    let page = on(host, Service::Http, 18080);
    let http = page.http().unwrap_or_else(|| panic!("{page:?}"));
    assert_eq!(page.tls(), None);
    assert_eq!(
        (
            http.status,
            http.server.as_deref(),
            http.title.as_deref(),
            http.realm.as_deref()
        ),
        (
            401,
            Some("lighttpd/1.4.55"),
            Some("Grandstream Device Configuration"),
            Some("Grandstream GRP2612W")
        )
    );
    assert_eq!(http.web_ui.map(|ui| ui.vendor), Some("Grandstream"));
    assert_eq!(host.macs, [MAC], "learned from the page");

    let Found::Snmp {
        community,
        sys_descr,
        ..
    } = &on(host, Service::Snmp, 16161).found
    else {
        panic!("{host:#?}");
    };
    assert_eq!(community, "public");
    assert!(
        sys_descr.as_deref().is_some_and(|d| d.starts_with("Linux")),
        "{sys_descr:?}"
    );

    let Found::Tftp { file, content, .. } = &on(host, Service::Tftp, 16969).found else {
        panic!("{host:#?}");
    };
    assert_eq!(file, &format!("cfg{MAC}.xml"));
    let original = std::fs::read(corpus_config()).unwrap_or_default();
    assert_eq!(
        content.bytes(),
        &original,
        "multi-block transfer read whole"
    );
    // Closed well-known ports are not reported, only probed.
    assert!(host.services.iter().all(|r| r.port != 22 && r.port != 80));

    let catalogue = voipguard_checks::catalogue().unwrap_or_else(|err| panic!("{err}"));
    let assessed = assess(host, None, catalogue);
    assert_eq!(assessed.device.vendor, Vendor::Grandstream);
    assert_eq!(assessed.device.mac.as_deref(), Some(MAC));
    let statuses: BTreeMap<&str, Status> = assessed
        .findings
        .iter()
        .map(|f| (f.check, f.status))
        .collect();
    let expected: BTreeMap<&str, Status> = [
        ("GS-WEB-HTTPS", Status::Fail),
        ("GS-WEB-PORT", Status::Pass),
        ("GS-WEB-EXPOSED", Status::Unknown),
        ("GS-SSH-OFF", Status::Pass),
        ("GS-SNMP-OFF", Status::Fail),
        ("GS-TR069", Status::Unknown),
        ("GS-ADB-FTP", Status::Unknown),
        ("NET-PUBLIC", Status::NotApplicable),
        ("GS-PROV-HTTPS", Status::Fail),
    ]
    .into_iter()
    .collect();
    assert_eq!(statuses, expected);
    let shown = format!("{:?}", assessed.findings)
        + &serde_json::to_string(host).unwrap_or_else(|err| panic!("{err}"));
    for secret in ["REDACTED_ADMIN_PW", "REDACTED_SIP_PW"] {
        assert!(
            original
                .windows(secret.len())
                .any(|w| w == secret.as_bytes())
        );
        assert!(!shown.contains(secret), "{secret} leaked");
    }
    assert!(
        shown.contains("community public (a factory default)"),
        "{shown}"
    );

    // The leaked file is audited as `voipguard audit` audits the same file.
    let keep = Keep::only(catalogue.settings_read());
    let leaked = audit_leaked(host, catalogue, &keep);
    let [
        LeakedFile {
            source,
            outcome: Leaked::Audited(audit),
        },
    ] = leaked.as_slice()
    else {
        panic!("{leaked:#?}");
    };
    assert_eq!(
        source.to_str(),
        Some(format!("tftp://{PHONE}:16969/cfg{MAC}.xml").as_str())
    );
    assert_eq!(audit.device.mac.as_deref(), Some(MAC));
    let Ok(Parsed::Device(from_disk)) = voipguard_parsers::parse_keeping(source, &original, &keep)
    else {
        panic!("the corpus file parses");
    };
    assert_eq!(
        audit.findings,
        voipguard_checks::evaluate(catalogue, &*from_disk),
        "the leaked file is judged as the file itself"
    );
    let admin = audit.findings.iter().find(|f| f.check == "GS-ADMIN-PASS");
    assert_eq!(admin.map(|f| f.status), Some(Status::Fail));
    let shown = format!("{leaked:?}");
    for secret in ["REDACTED_ADMIN_PW", "REDACTED_SIP_PW"] {
        assert!(!shown.contains(secret), "{secret} leaked");
    }
}

#[test]
fn tls_certificates_self_signed_and_expired() {
    if !tools_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("{err}"));
    let _fresh = s_server(addr(SELF_SIGNED, 18443), self_signed_cert(dir.path()), &[]);
    let _old = s_server(addr(EXPIRED, 18443), expired_cert(dir.path()), &[]);

    let hosts = scan("127.0.0.82-83");
    assert_eq!(hosts.len(), 2, "{hosts:#?}");
    let leaf = |host: &HostServices| {
        let result = on(host, Service::Https, 18443);
        let tls = result.tls().unwrap_or_else(|| panic!("{result:?}")).clone();
        assert!(tls.protocol.starts_with("TLSv1_"), "{tls:?}");
        assert_eq!(
            result.http().map(|http| http.status),
            Some(200),
            "s_server -www answers GET /"
        );
        tls.leaf().cloned().unwrap_or_else(|| panic!("{tls:?}"))
    };
    let fresh = leaf(&hosts[0]);
    assert_eq!(fresh.subject, "CN=voipguard-self-signed");
    assert!(fresh.self_signed && !fresh.expired, "{fresh:?}");
    assert_eq!(fresh.key_bits, Some(2048));
    let old = leaf(&hosts[1]);
    assert_eq!(
        (old.subject.as_str(), old.not_after.as_str()),
        ("CN=voipguard-expired", "2020-02-01T00:00:00Z")
    );
    assert!(old.expired && old.self_signed, "{old:?}");

    // Neither host says what it is: only NET-PUBLIC applies, and a private address is out of
    // its reach.
    let catalogue = voipguard_checks::catalogue().unwrap_or_else(|err| panic!("{err}"));
    let assessed = assess(&hosts[1], None, catalogue);
    assert_eq!(assessed.device.vendor, Vendor::Site);
    assert_eq!(
        assessed
            .findings
            .iter()
            .map(|f| (f.check, f.status))
            .collect::<Vec<_>>(),
        [("NET-PUBLIC", Status::NotApplicable)]
    );
    assert_eq!(
        assessed
            .device
            .sources
            .iter()
            .map(|s| s.display().to_string())
            .collect::<Vec<_>>(),
        ["https://127.0.0.83:18443"]
    );
}

#[test]
fn tls_1_0_and_1_1_acceptance_is_probed_and_reported_on_the_https_control() {
    if !tools_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("{err}"));
    // OpenSSL 3 refuses TLS 1.0/1.1 at its default security level whatever the minimum says.
    let _legacy = s_server(
        addr(LEGACY_TLS, 18443),
        self_signed_cert(dir.path()),
        &["-min_protocol", "TLSv1", "-cipher", "DEFAULT@SECLEVEL=0"],
    );
    let _modern = s_server(
        addr(MODERN_TLS, 18443),
        self_signed_cert(dir.path()),
        &["-min_protocol", "TLSv1.2"],
    );

    let hosts = scan("127.0.0.84-85");
    assert_eq!(hosts.len(), 2, "{hosts:#?}");
    let tls = |host: &HostServices| {
        let result = on(host, Service::Https, 18443);
        result.tls().unwrap_or_else(|| panic!("{result:?}")).clone()
    };
    let (legacy, modern) = (tls(&hosts[0]), tls(&hosts[1]));
    let answers = |tls: &voipguard_scan::tls::TlsInfo| {
        tls.versions
            .iter()
            .map(|probe| (probe.offered, probe.answer))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        answers(&legacy),
        [
            (
                TlsVersion::Tls10,
                VersionAnswer::Accepted {
                    version: TlsVersion::Tls10
                }
            ),
            (
                TlsVersion::Tls11,
                VersionAnswer::Accepted {
                    version: TlsVersion::Tls11
                }
            ),
        ]
    );
    // protocol_version (70): the alert OpenSSL sends below its minimum.
    assert_eq!(
        answers(&modern),
        [
            (TlsVersion::Tls10, VersionAnswer::Refused { alert: 70 }),
            (TlsVersion::Tls11, VersionAnswer::Refused { alert: 70 }),
        ]
    );
    assert!(
        legacy.protocol.starts_with("TLSv1_"),
        "rustls still gets 1.2+: {legacy:?}"
    );

    // A Snom phone's web UI over HTTPS only: SN-WEB-HTTPS passes either way (no control is about
    // versions), and says so when TLS 1.0/1.1 are still accepted.
    let catalogue = voipguard_checks::catalogue().unwrap_or_else(|err| panic!("{err}"));
    let snom = voipguard_scan::Fingerprint {
        vendor: "Snom".to_string(),
        product: "IP phone".to_string(),
        model: Some("D785".to_string()),
        firmware: None,
        platform: None,
        confidence: 0.7,
        signals: vec!["agent"],
        disagreement: None,
    };
    let judged = |host: &HostServices| {
        assess(host, Some(&snom), catalogue)
            .findings
            .into_iter()
            .find(|finding| finding.check == "SN-WEB-HTTPS")
            .unwrap_or_else(|| panic!("no SN-WEB-HTTPS"))
    };
    let (old, new) = (judged(&hosts[0]), judged(&hosts[1]));
    assert_eq!((old.status, new.status), (Status::Pass, Status::Pass));
    assert!(
        old.message.ends_with(
            "; https://127.0.0.84:18443 still accepts TLS 1.0, TLS 1.1 (deprecated by RFC 8996)"
        ),
        "{}",
        old.message
    );
    assert!(!new.message.contains("TLS 1.0"), "{}", new.message);
    let versions = |finding: &voipguard_model::Finding| {
        finding
            .evidence
            .iter()
            .find(|e| e.setting == "protocol versions")
            .map(|e| e.value.clone())
    };
    assert_eq!(
        versions(&old).as_deref(),
        Some("still accepts TLS 1.0, TLS 1.1 (deprecated by RFC 8996)")
    );
    assert_eq!(
        versions(&new).as_deref(),
        Some("refuses TLS 1.0 and TLS 1.1 (hand-made ClientHellos)")
    );
}
