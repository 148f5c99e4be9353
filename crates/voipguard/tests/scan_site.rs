//! `voipguard scan --inventory site.toml --audit FILES`: the site file's scope and rate, and
//! live hosts reported as the audited devices they are. Real Kamailio stands in for a Snom phone
//! (its OPTIONS answer carries the phone's `+sip.instance`, whose UUID node is the MAC) and for a
//! PBX nobody audited; a small login-page server on two ports stands in for a Grandstream
//! phone's web UI (the inventory gives that phone's address). Only 127.0.0.141-145 are
//! addressed. Needs `apt-get install -y kamailio`.

#[path = "../../scan/tests/support/mod.rs"]
mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{Value as Json, json};
use support::{Kamailio, kamailio_version};

const SNOM: &str = "127.0.0.141";
const PBX: &str = "127.0.0.142";
const GRANDSTREAM: &str = "127.0.0.143";
const SIP_PORT: u16 = 25141;
const SECRET: &str = "never-shown-7Qx";

/// OPTIONS answered 200; on the "phone" address with the Contact and User-Agent a Snom D785
/// sends, so its MAC is on the wire.
const PHONE_AND_PBX: &str = "loadmodule \"sl.so\"\nloadmodule \"textops.so\"\nloadmodule \"pv.so\"\n\
    request_route {\n\
      if (method==\"ACK\") { exit; }\n\
      if (method==\"OPTIONS\") {\n\
        if ($Ri == \"127.0.0.141\") {\n\
          append_to_reply(\"Contact: <sip:100@127.0.0.141:25141>;+sip.instance=\\\"<urn:uuid:00000000-0000-1000-8000-000413A1B2C3>\\\"\\r\\nUser-Agent: snomD785/10.1.54.13\\r\\n\");\n\
        }\n\
        sl_send_reply(\"200\", \"OK\"); exit;\n\
      }\n\
      sl_send_reply(\"603\", \"Decline\"); exit;\n\
    }\n";

/// A phone's login page over plain HTTP on every listener, until dropped.
struct LoginPage {
    stop: Arc<AtomicBool>,
}

impl LoginPage {
    fn serve(addresses: &[String]) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        for address in addresses {
            let listener =
                TcpListener::bind(address).unwrap_or_else(|err| panic!("bind {address}: {err}"));
            listener
                .set_nonblocking(true)
                .unwrap_or_else(|err| panic!("{err}"));
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Ok((mut stream, _)) = listener.accept() else {
                        std::thread::sleep(Duration::from_millis(10));
                        continue;
                    };
                    let _ = stream.set_nonblocking(false);
                    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                    let mut request = [0_u8; 2048];
                    let _ = stream.read(&mut request);
                    let body =
                        "<html><head><title>Grandstream Device Configuration</title></head></html>";
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nServer: lighttpd/1.4.55\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                }
            });
        }
        Self { stop }
    }
}

impl Drop for LoginPage {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// A site folder: three example configurations and a site file whose `[scan]` holds the scope.
fn site(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("{err}"));
    for file in [
        "grandstream/cfg000b82a1b2c3.xml",
        "grandstream/cfg000b82d4e5f6.xml",
        "snom/snomD785-000413a1b2c3.xml",
    ] {
        let from = examples().join(file);
        let name = from.file_name().unwrap_or_default();
        std::fs::copy(&from, dir.path().join(name))
            .unwrap_or_else(|err| panic!("{}: {err}", from.display()));
    }
    let text = format!(
        "[[device]]\nmac = \"00:0b:82:a1:b2:c3\"\naddress = \"{GRANDSTREAM}\"\n\n\
         [scan]\nscope = [\"127.0.0.128/27\"]\nrate = 2000\n{extra}"
    );
    std::fs::write(dir.path().join("site.toml"), text).unwrap_or_else(|err| panic!("{err}"));
    dir
}

fn scan(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut command = Command::cargo_bin("voipguard").expect("binary built");
    command
        .current_dir(dir)
        .args(["scan", "--inventory", "site.toml"])
        .args(["--ports", &SIP_PORT.to_string()])
        .args(["--timeout-ms", "100", "--retries", "1"])
        .args(["--service-timeout-ms", "300"])
        .args(["--service-ports", "http=18143,18144"]);
    for silent in [
        "https", "ssh", "telnet", "ftp", "tr069", "ami", "snmp", "tftp",
    ] {
        command.args(["--service-ports", &format!("{silent}=")]);
    }
    command.args(args).output().expect("runs")
}

/// A device as a few readable lines: identity, sources, and each finding's verdict, message
/// and where its evidence came from.
fn condensed(device: &Json) -> Json {
    let findings: Vec<Json> = device["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|finding| {
            let from: Vec<String> = finding["evidence"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|item| {
                    format!(
                        "{} {}",
                        item["file"].as_str().unwrap_or("(default)"),
                        item["setting"].as_str().unwrap_or_default()
                    )
                })
                .collect();
            json!({
                "check": finding["check"],
                "status": finding["status"],
                "message": finding["message"],
                "evidence": from,
            })
        })
        .collect();
    json!({
        "id": device["id"],
        "vendor": device["vendor"],
        "model": device["model"],
        "mac": device["mac"],
        "sources": device["sources"],
        "findings": findings,
    })
}

#[test]
fn hosts_and_audited_devices_are_one_device_each() {
    if kamailio_version().is_none() {
        return;
    }
    let listen: Vec<String> = [SNOM, PBX]
        .iter()
        .map(|ip| format!("udp:{ip}:{SIP_PORT}"))
        .collect();
    let listen: Vec<&str> = listen.iter().map(String::as_str).collect();
    let _kamailio = Kamailio::start_script(
        &listen,
        Some(format!("{PBX}:{SIP_PORT}").parse().expect("address")),
        PHONE_AND_PBX,
    );
    let _web = LoginPage::serve(&[
        format!("{GRANDSTREAM}:18143"),
        format!("{GRANDSTREAM}:18144"),
    ]);
    let dir = site("");
    // No --scope: the site file's. The configurations are audited as `voipguard audit` does.
    let output = scan(
        dir.path(),
        &[
            "127.0.0.141-127.0.0.143",
            "--audit",
            "cfg000b82a1b2c3.xml",
            "--audit",
            "cfg000b82d4e5f6.xml",
            "--audit",
            "snomD785-000413a1b2c3.xml",
            "--format",
            "json",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let report: Json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("{err}: {}", String::from_utf8_lossy(&output.stdout)));
    let devices: Vec<Json> = report["devices"]
        .as_array()
        .into_iter()
        .flatten()
        .map(condensed)
        .collect();
    let ids: Vec<&str> = devices.iter().filter_map(|d| d["id"].as_str()).collect();
    // Hosts in address order (the Snom joined by the MAC in its Contact, the Grandstream by
    // the inventory's address), then the configuration no host matched.
    assert_eq!(
        ids,
        ["000413a1b2c3", PBX, "000b82a1b2c3", "000b82d4e5f6"],
        "{devices:#?}"
    );
    let finding = |device: usize, check: &str| -> Vec<Json> {
        devices[device]["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["check"] == check)
            .cloned()
            .collect()
    };
    // Two web ports, one finding: the wire's plain HTTP, the file's P1650 beside it.
    let web = finding(2, "GS-WEB-HTTPS");
    assert_eq!(web.len(), 1, "{web:#?}");
    assert_eq!(web[0]["status"], "fail");
    let evidence: Vec<&str> = web[0]["evidence"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .collect();
    for from in [
        "http://127.0.0.143:18143 title",
        "http://127.0.0.143:18144 title",
        "cfg000b82a1b2c3.xml P1650",
    ] {
        assert!(evidence.contains(&from), "{from}: {evidence:#?}");
    }
    assert_eq!(
        devices[0]["sources"],
        json!(["snomD785-000413a1b2c3.xml", "sip://127.0.0.141:25141/udp"])
    );
    assert_eq!(report["summary"]["devices"], 4);
    insta::assert_json_snapshot!("scan_site_devices", devices);
}

#[test]
fn the_command_line_wins_and_a_scope_is_never_implied() {
    let dir = site("");
    // The file's scope admits 127.0.0.143; --scope given replaces it, so the target is refused.
    let narrowed = scan(dir.path(), &[GRANDSTREAM, "--scope", SNOM]);
    assert_eq!(narrowed.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&narrowed.stderr);
    assert!(
        stderr.contains(GRANDSTREAM) && stderr.contains("nothing was sent"),
        "{stderr}"
    );
    // A site file without [scan] grants no scope.
    std::fs::write(
        dir.path().join("site.toml"),
        "[[device]]\nmac = \"000b82a1b2c3\"\nmodel = \"GRP2612W\"\n",
    )
    .unwrap_or_else(|err| panic!("{err}"));
    let unscoped = scan(dir.path(), &[GRANDSTREAM]);
    assert_eq!(unscoped.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unscoped.stderr);
    assert!(stderr.contains("no scope: give --scope"), "{stderr}");
}

#[test]
fn credentials_reach_the_intrusive_checks_unseen() {
    if kamailio_version().is_none() {
        return;
    }
    let _kamailio = Kamailio::start_script(
        &["udp:127.0.0.145:25145"],
        Some("127.0.0.145:25145".parse().expect("address")),
        PHONE_AND_PBX,
    );
    let credentials = |password: &str| {
        format!("\n[[scan.credentials]]\nkind = \"sip\"\nuser = \"100\"\n{password}\n")
    };
    let intrusive = [
        "127.0.0.145",
        "--ports",
        "25145",
        "--intrusive",
        "direct-ip",
        "--intrusive-rate",
        "50",
        "--format",
        "json",
        "-vv",
    ];
    let missing = site(&credentials("password_file = \"secrets/100.txt\""));
    let output = scan(missing.path(), &intrusive);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("site.toml:9: cannot read password_file")
            && stderr.contains("secrets/100.txt"),
        "{stderr}"
    );

    let inline = site(&credentials(&format!("password = \"{SECRET}\"")));
    let output = scan(inline.path(), &intrusive);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Kamailio declines the test call: GS-DIRECT-IP passes, nothing failed.
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let report: Json = serde_json::from_str(&stdout).unwrap_or_else(|err| panic!("{err}"));
    let direct = report["devices"][0]["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["check"] == "GS-DIRECT-IP")
        .cloned();
    assert_eq!(
        direct.map(|f| f["status"].clone()),
        Some(json!("pass")),
        "{stdout}"
    );
    assert!(
        stderr.contains("INVITE"),
        "the intrusive requests are logged: {stderr}"
    );
    assert!(
        !stdout.contains(SECRET) && !stderr.contains(SECRET),
        "{stdout}\n{stderr}"
    );
}

/// tftpd-hpa serving `files` (name, content) on `listen`, stopped on drop.
struct Tftpd {
    child: std::process::Child,
    _root: tempfile::TempDir,
}

impl Tftpd {
    /// `None` when tftpd-hpa is missing and skipping was asked for.
    fn serve(listen: &str, files: &[(&str, String)]) -> Option<Self> {
        let binary = Path::new("/usr/sbin/in.tftpd");
        if !binary.exists() {
            assert!(
                support::skip_requested(),
                "this test needs: apt-get install -y tftpd-hpa (or set VOIPGUARD_SKIP_NETNS=1 to skip)"
            );
            return None;
        }
        let root = tempfile::tempdir().unwrap_or_else(|err| panic!("{err}"));
        for (name, content) in files {
            std::fs::write(root.path().join(name), content).unwrap_or_else(|err| panic!("{err}"));
        }
        // tftpd-hpa drops to an unprivileged user: the folder must be readable by it.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|err| panic!("{err}"));
        let child = std::process::Command::new(binary)
            .args(["-L", "-s"])
            .arg(root.path())
            .args(["-a", listen])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("apt-get install -y tftpd-hpa: {err}"));
        let tftpd = Self { child, _root: root };
        // Ready once a read request of a missing file gets an error packet back.
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap_or_else(|err| panic!("{err}"));
        let _ = socket.set_read_timeout(Some(Duration::from_millis(100)));
        let mut buffer = [0_u8; 512];
        for _ in 0..50 {
            let _ = socket.send_to(b"\x00\x01no-such-file\x00octet\x00", listen);
            if socket.recv(&mut buffer).is_ok() {
                return Some(tftpd);
            }
        }
        panic!("tftpd on {listen} did not answer");
    }
}

impl Drop for Tftpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_served_copy_of_an_audited_configuration_joins_that_device() {
    let example = |name: &str| {
        std::fs::read_to_string(examples().join("grandstream").join(name))
            .unwrap_or_else(|err| panic!("{name}: {err}"))
    };
    const SERVED_PASSWORD: &str = "Zr5!kTq9#wLm";
    // An identical copy, served by the phone the inventory places at 127.0.0.147 under its
    // own name; a copy whose admin password was changed, served as cfg.xml by another host.
    let Some(_same) = Tftpd::serve(
        "127.0.0.147:16947",
        &[("cfg000b82d4e5f6.xml", example("cfg000b82d4e5f6.xml"))],
    ) else {
        return;
    };
    let changed = example("cfg000b82a1b2c3.xml")
        .replace("<P2>admin</P2>", &format!("<P2>{SERVED_PASSWORD}</P2>"));
    let Some(_changed) = Tftpd::serve("127.0.0.148:16948", &[("cfg.xml", changed)]) else {
        return;
    };
    let dir = site("\n[[device]]\nmac = \"000b82d4e5f6\"\naddress = \"127.0.0.147\"\n");
    let output = scan(
        dir.path(),
        &[
            "127.0.0.147-127.0.0.148",
            "--service-ports",
            "tftp=16947,16948",
            "--audit",
            "cfg000b82a1b2c3.xml",
            "--audit",
            "cfg000b82d4e5f6.xml",
            "--format",
            "json",
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        !stdout.contains(SERVED_PASSWORD) && !stdout.contains("Tq8!vRz#4mWp"),
        "{stdout}"
    );
    let report: Json = serde_json::from_str(&stdout).unwrap_or_else(|err| panic!("{err}"));
    let devices: Vec<Json> = report["devices"]
        .as_array()
        .into_iter()
        .flatten()
        .map(condensed)
        .collect();
    let ids: Vec<&str> = devices.iter().filter_map(|d| d["id"].as_str()).collect();
    // No device of its own for either copy: the host that leaked cfg.xml, then the audited
    // device nothing on the wire matched, with its copy.
    assert_eq!(
        ids,
        ["000b82d4e5f6", "127.0.0.148", "000b82a1b2c3"],
        "{devices:#?}"
    );
    assert_eq!(
        devices[0]["sources"],
        json!([
            "cfg000b82d4e5f6.xml",
            "tftp://127.0.0.147:16947/cfg000b82d4e5f6.xml",
            "tftp://127.0.0.147:16947"
        ]),
        "{:#}",
        devices[0]
    );
    // The identical copy repeats nothing: no finding names it.
    let text = devices[0]["findings"].to_string();
    assert!(!text.contains("tftp://127.0.0.147:16947/cfg"), "{text}");
    assert_eq!(
        devices[2]["sources"],
        json!(["cfg000b82a1b2c3.xml", "tftp://127.0.0.148:16948/cfg.xml"])
    );
    let admin: Vec<&Json> = devices[2]["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["check"] == "GS-ADMIN-PASS")
        .collect();
    assert_eq!(admin.len(), 1, "{admin:#?}");
    assert_eq!(
        admin[0]["status"], "fail",
        "the audited file's default leads"
    );
    let message = admin[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("; tftp://127.0.0.148:16948/cfg.xml: "),
        "{message}"
    );
    let evidence: Vec<&str> = admin[0]["evidence"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .collect();
    assert_eq!(
        evidence,
        [
            "cfg000b82a1b2c3.xml P2",
            "tftp://127.0.0.148:16948/cfg.xml P2"
        ]
    );
    // Findings both copies share stay single.
    let text = devices[2]["findings"].to_string();
    assert_eq!(
        text.matches("tftp://127.0.0.148:16948/cfg.xml: ").count(),
        1,
        "{text}"
    );
}
