//! `sip-auth` and `web-auth` against real servers on loopback (127.0.0.9x only):
//!
//! * Kamailio as a registrar authenticating against a db_text subscriber table (auth_db), with a
//!   user whose secret is its own extension, one with a dictionary word and one with a strong
//!   secret: MD5 with qop=auth (users given), then SHA-256 without qop (users found by `enum`).
//!   What stays registered is read from Kamailio's own location table (`kamcmd ul.dump`).
//!   Over TCP, the site file's SIP users are tested alongside `--users`, their secrets judged
//!   offline and never sent.
//! * Python's http.server as phone and PBX web UIs asking for Basic and Digest logins, some with
//!   the factory default, one with a strong password.
//!
//! Needs `apt-get install -y kamailio python3`.

mod support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{Kamailio, kamailio_version, required};
use voipguard_model::Status;
use voipguard_scan::intrusive::sip_auth::{SiteSecret, Trial, Weakness};
use voipguard_scan::intrusive::{Wordlist, parse_checks};
use voipguard_scan::services::Service;
use voipguard_scan::{
    Credential, CredentialKind, HostChecks, IntrusiveConfig, Scope, Secret, ServiceConfig, SipHost,
    SweepConfig, Target, Transport, judge_intrusive, judge_web_auth, probe_services, run_intrusive,
    run_web_auth, tcp_sweep, udp_sweep,
};

/// Secrets the servers hold: none may appear in any result, finding or log line.
const WEAK_WORD: &str = "qwerty";
const STRONG: &str = "Vq9#tR2!mXw7zL4$";
const SUPPLIED: &str = "Orange-Tree-42";

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

fn plan_of(address: &str) -> voipguard_scan::Plan {
    let scope = Scope::parse(&["127.0.0.0/8"], false).unwrap_or_else(|err| panic!("{err}"));
    let target = Target::parse(address).unwrap_or_else(|err| panic!("{err}"));
    scope.plan(&[target]).unwrap_or_else(|err| panic!("{err}"))
}

/// A Kamailio registrar whose subscribers live in a db_text table: 1001 (secret 1001), 1002
/// (strong), 1003 (a dictionary word), 1004 (a word only the supplied list holds). `auth_params`
/// sets the digest algorithm; `qop` is `1` for qop=auth, `0` for none. Unknown users get 404.
struct Registrar {
    kamailio: Kamailio,
    dir: tempfile::TempDir,
    address: SocketAddr,
}

impl Registrar {
    fn start(address: &str, auth_params: &str, qop: &str) -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("{err}"));
        let db = dir.path().join("db");
        std::fs::create_dir(&db).unwrap_or_else(|err| panic!("{err}"));
        std::fs::write(
            db.join("subscriber"),
            format!(
                "id(int,auto) username(string) domain(string) password(string) ha1(string,null) ha1b(string,null)\n\
                 1:1001:pbx.test:1001::\n2:1002:pbx.test:{STRONG}::\n3:1003:pbx.test:{WEAK_WORD}::\n\
                 4:1004:pbx.test:{SUPPLIED}::\n"
            ),
        )
        .unwrap_or_else(|err| panic!("{err}"));
        std::fs::write(
            db.join("version"),
            "table_name(string) table_version(int)\nsubscriber:7\nlocation:9\n",
        )
        .unwrap_or_else(|err| panic!("{err}"));
        let script = format!(
            "loadmodule \"sl.so\"\nloadmodule \"textops.so\"\nloadmodule \"pv.so\"\nloadmodule \"xlog.so\"\n\
             loadmodule \"db_text.so\"\nloadmodule \"auth.so\"\nloadmodule \"auth_db.so\"\n\
             loadmodule \"usrloc.so\"\nloadmodule \"registrar.so\"\nloadmodule \"ctl.so\"\nloadmodule \"kex.so\"\n\
             modparam(\"ctl\", \"binrpc\", \"unix:{ctl}\")\n\
             modparam(\"usrloc\", \"db_mode\", 0)\n\
             modparam(\"auth_db\", \"db_url\", \"text://{db}\")\n\
             modparam(\"auth_db\", \"calculate_ha1\", 1)\n\
             modparam(\"auth_db\", \"password_column\", \"password\")\n\
             modparam(\"auth_db\", \"use_domain\", 0)\n{auth_params}\
             request_route {{\n\
               if (method==\"OPTIONS\") {{ sl_send_reply(\"200\", \"OK\"); exit; }}\n\
               if (method==\"REGISTER\") {{\n\
                 if (!($tU =~ \"^100[1-4]$\")) {{ sl_send_reply(\"404\", \"Not Found\"); exit; }}\n\
                 if (!www_authorize(\"pbx.test\", \"subscriber\")) {{ www_challenge(\"pbx.test\", \"{qop}\"); exit; }}\n\
                 xlog(\"L_ALERT\", \"REGISTER accepted for $tU expires $hdr(Expires) over $pr\\n\");\n\
                 save(\"location\"); exit;\n\
               }}\n\
               sl_send_reply(\"501\", \"Not Implemented\"); exit;\n\
             }}\n",
            ctl = dir.path().join("ctl").display(),
            db = db.display(),
        );
        let script = if auth_params.contains("route[BUSY]") {
            script.replace(
                "if (method==\"REGISTER\") {\n",
                "if (method==\"REGISTER\") {\nroute(BUSY);\n",
            )
        } else {
            script
        };
        let address = socket(address);
        let kamailio = Kamailio::start_script(
            &[&format!("udp:{address}"), &format!("tcp:{address}")],
            Some(address),
            &script,
        );
        Self {
            kamailio,
            dir,
            address,
        }
    }

    /// The AoRs Kamailio's location table holds right now.
    fn registered(&self) -> Vec<String> {
        let output = Command::new("kamcmd")
            .arg("-s")
            .arg(format!("unix:{}", self.dir.path().join("ctl").display()))
            .arg("ul.dump")
            .output()
            .unwrap_or_else(|err| panic!("apt-get install -y kamailio: cannot run kamcmd: {err}"));
        let text = String::from_utf8_lossy(&output.stdout).to_string();
        assert!(
            output.status.success() && text.contains("Domain: location"),
            "kamcmd ul.dump: {text} {}",
            String::from_utf8_lossy(&output.stderr)
        );
        text.lines()
            .filter_map(|line| line.trim().strip_prefix("AoR: "))
            .map(str::to_string)
            .collect()
    }
}

async fn sweep(transport: Transport, plan: voipguard_scan::Plan, port: u16) -> Vec<SipHost> {
    let config = SweepConfig {
        ports: vec![port],
        t1: Duration::from_millis(100),
        ..SweepConfig::default()
    };
    let started = match transport {
        Transport::Tcp => tcp_sweep(plan, config),
        _ => udp_sweep(plan, config),
    };
    let mut sweep = started.unwrap_or_else(|err| panic!("{err}"));
    let mut hosts = Vec::new();
    while let Some(host) = sweep.hosts.recv().await {
        hosts.push(host);
    }
    sweep.finish().await;
    hosts
}

fn sip_auth(target: SocketAddr, adjust: impl FnOnce(&mut IntrusiveConfig)) -> HostChecks {
    sip_auth_over(Transport::Udp, target, adjust)
}

fn sip_auth_over(
    transport: Transport,
    target: SocketAddr,
    adjust: impl FnOnce(&mut IntrusiveConfig),
) -> HostChecks {
    let plan = plan_of(&target.ip().to_string());
    let mut config = IntrusiveConfig {
        checks: parse_checks("sip-auth").unwrap_or_else(|err| panic!("{err}")),
        rate: 400.0,
        t1: Duration::from_millis(100),
        timeout: Duration::from_secs(2),
        backoff: Duration::from_millis(200),
        ..IntrusiveConfig::default()
    };
    adjust(&mut config);
    runtime().block_on(async move {
        let hosts = sweep(transport, plan.clone(), target.port()).await;
        assert_eq!(hosts.len(), 1, "the sweep finds the registrar");
        let mut results = run_intrusive(&plan, &hosts, &config)
            .await
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(results.len(), 1, "{results:?}");
        results.remove(0)
    })
}

fn weak_secret_finding(checks: &HostChecks) -> (Status, String) {
    let catalogue = voipguard_checks::catalogue().unwrap_or_else(|err| panic!("{err}"));
    let findings = judge_intrusive(checks, catalogue);
    let finding = findings
        .iter()
        .find(|finding| finding.check == "NET-WEAK-SIP-SECRET")
        .unwrap_or_else(|| panic!("no NET-WEAK-SIP-SECRET in {findings:?}"));
    (finding.status, format!("{finding:?}"))
}

/// Everything a run could show: its Debug form, its JSON, its findings.
fn shown(checks: &HostChecks) -> String {
    format!(
        "{checks:?}\n{}\n{}",
        serde_json::to_string(checks).unwrap_or_default(),
        weak_secret_finding(checks).1
    )
}

fn trial_of<'a>(
    checks: &'a HostChecks,
    user: &str,
) -> &'a voipguard_scan::intrusive::sip_auth::UserTrial {
    checks
        .sip_auth
        .as_ref()
        .and_then(|auth| auth.users.iter().find(|trial| trial.user == user))
        .unwrap_or_else(|| panic!("{user} not tried: {checks:?}"))
}

#[test]
fn weak_secrets_are_guessed_named_never_shown_and_unregistered() {
    if kamailio_version().is_none() {
        return;
    }
    let registrar = Registrar::start("127.0.0.91:25091", "", "1");
    let wordlist_file = registrar.dir.path().join("words.txt");
    std::fs::write(&wordlist_file, format!("letmein\n{SUPPLIED}\n"))
        .unwrap_or_else(|err| panic!("{err}"));
    let checks = sip_auth(registrar.address, |config| {
        config.auth_users = ["1001", "1002", "1003", "1004", "1009"]
            .map(String::from)
            .to_vec();
        config.wordlist = Wordlist::read(&wordlist_file).unwrap_or_else(|err| panic!("{err}"));
    });
    let auth = checks
        .sip_auth
        .clone()
        .unwrap_or_else(|| panic!("{checks:?}"));
    assert_eq!(auth.users_from, "given");
    assert_eq!(auth.digest.as_deref(), Some("MD5, qop=auth"));
    assert_eq!(auth.stopped, None);
    let same = trial_of(&checks, "1001");
    assert_eq!(
        same.trial,
        Trial::Guessed {
            weakness: Weakness::SameAsUser
        }
    );
    assert_eq!(same.tries, 1, "the user name is the first guess");
    let word = trial_of(&checks, "1003");
    assert_eq!(
        word.trial,
        Trial::Guessed {
            weakness: Weakness::Dictionary
        }
    );
    assert!(word.tries > 4 && word.tries < word.of, "{word:?}");
    let supplied = trial_of(&checks, "1004");
    assert_eq!(
        supplied.trial,
        Trial::Guessed {
            weakness: Weakness::SuppliedList
        }
    );
    assert_eq!(supplied.tries, supplied.of, "the supplied words come last");
    let strong = trial_of(&checks, "1002");
    assert_eq!(strong.trial, Trial::Resisted);
    assert_eq!(strong.tries, strong.of, "every candidate was tried");
    assert!(strong.of >= 30, "{strong:?}");
    assert!(
        matches!(&trial_of(&checks, "1009").trial, Trial::NotChallenged { answer } if answer.status == 404),
        "{checks:?}"
    );
    for user in ["1001", "1003", "1004"] {
        let cleanup = trial_of(&checks, user).cleanup.clone().unwrap_or_default();
        assert_eq!(
            cleanup,
            format!("{user}: binding removed (REGISTER Expires: 0 answered 200 OK)")
        );
    }
    assert_eq!(strong.cleanup, None);
    // Kamailio's own table: every binding made was removed.
    assert_eq!(registrar.registered(), Vec::<String>::new());
    let log = registrar.kamailio.log_text();
    for user in ["1001", "1003", "1004"] {
        assert!(
            log.contains(&format!("REGISTER accepted for {user} expires 60")),
            "{log}"
        );
        assert!(
            log.contains(&format!("REGISTER accepted for {user} expires 0")),
            "{log}"
        );
    }
    assert!(!log.contains("REGISTER accepted for 1002"), "{log}");

    let (status, finding) = weak_secret_finding(&checks);
    assert_eq!(status, Status::Fail, "{finding}");
    assert!(
        finding.contains("3 of 5 users have a guessable SIP secret: 1001 (same as the user name), 1003 (a dictionary word"),
        "{finding}"
    );
    assert!(
        finding.contains("1004 (a word of the supplied list)"),
        "{finding}"
    );
    let everything = shown(&checks);
    for secret in [WEAK_WORD, STRONG, SUPPLIED, "letmein"] {
        assert!(
            !everything.contains(secret),
            "{secret} shown in {everything}"
        );
    }
}

#[test]
fn sha_256_without_qop_for_the_users_enum_finds() {
    if kamailio_version().is_none() {
        return;
    }
    let registrar = Registrar::start(
        "127.0.0.92:25092",
        "modparam(\"auth\", \"algorithm\", \"SHA-256\")\n",
        "0",
    );
    let checks = sip_auth(registrar.address, |config| {
        config.extensions = ["1000", "1001", "1002", "1003"].map(String::from).to_vec();
    });
    let enumeration = checks
        .enumeration
        .clone()
        .unwrap_or_else(|| panic!("{checks:?}"));
    let found: Vec<&str> = enumeration
        .revealed
        .iter()
        .map(|r| r.user.as_str())
        .collect();
    assert_eq!(found, ["1001", "1002", "1003"]);
    let auth = checks
        .sip_auth
        .clone()
        .unwrap_or_else(|| panic!("{checks:?}"));
    assert_eq!(auth.users_from, "enum");
    assert_eq!(auth.digest.as_deref(), Some("SHA-256, no qop"));
    assert_eq!(
        auth.users
            .iter()
            .map(|u| (u.user.as_str(), u.trial.clone()))
            .collect::<Vec<_>>(),
        [
            (
                "1001",
                Trial::Guessed {
                    weakness: Weakness::SameAsUser
                }
            ),
            ("1002", Trial::Resisted),
            (
                "1003",
                Trial::Guessed {
                    weakness: Weakness::Dictionary
                }
            ),
        ]
    );
    assert_eq!(registrar.registered(), Vec::<String>::new());
    let (status, finding) = weak_secret_finding(&checks);
    assert_eq!(status, Status::Fail, "{finding}");
    assert!(!shown(&checks).contains(WEAK_WORD));
}

#[test]
fn strong_secrets_pass_and_a_refusing_registrar_is_waited_for() {
    if kamailio_version().is_none() {
        return;
    }
    // Every eighth REGISTER is refused with 503 and Retry-After: 1.
    let registrar = Registrar::start(
        "127.0.0.93:25093",
        "modparam(\"pv\", \"shvset\", \"seen=i:0\")\n\
         route[BUSY] {\n\
           $shv(seen) = $shv(seen) + 1;\n\
           if ($shv(seen) mod 8 == 0) { append_to_reply(\"Retry-After: 1\\r\\n\"); sl_send_reply(\"503\", \"Busy\"); exit; }\n\
         }\n",
        "1",
    );
    let started = Instant::now();
    let checks = sip_auth(registrar.address, |config| {
        config.auth_users = vec!["1002".to_string()];
        config.backoff = Duration::from_millis(100);
    });
    let elapsed = started.elapsed();
    let strong = trial_of(&checks, "1002");
    assert_eq!(strong.trial, Trial::Resisted, "{checks:?}");
    assert_eq!(strong.tries, strong.of);
    let log = registrar.kamailio.log_text();
    let refusals = strong.of / 8;
    assert!(
        elapsed >= Duration::from_secs(u64::try_from(refusals).unwrap_or(0)),
        "{refusals} refusals with Retry-After: 1 took only {elapsed:?}; {log}"
    );
    let (status, finding) = weak_secret_finding(&checks);
    assert_eq!(status, Status::Pass, "{finding}");
    assert!(
        finding.contains("1 users resisted every candidate secret"),
        "{finding}"
    );
    assert_eq!(registrar.registered(), Vec::<String>::new());
}

#[test]
fn over_tcp_the_site_users_are_tested_and_their_own_secrets_judged_never_sent() {
    if kamailio_version().is_none() {
        return;
    }
    let registrar = Registrar::start("127.0.0.94:25094", "", "1");
    let site = |kind, user: &str, password: &str| Credential {
        kind,
        user: user.to_string(),
        password: Secret::new(password.to_string()),
    };
    let checks = sip_auth_over(Transport::Tcp, registrar.address, |config| {
        config.auth_users = vec!["1004".to_string()];
        config.wordlist = Wordlist::parse(SUPPLIED).unwrap_or_default();
        config.credentials = vec![
            site(CredentialKind::Sip, "1001", "1001"),
            site(CredentialKind::Sip, "1002", STRONG),
            site(CredentialKind::Sip, "1003", WEAK_WORD),
            // A web login names no SIP user.
            site(CredentialKind::Web, "1009", WEAK_WORD),
        ];
    });
    assert_eq!(checks.transport, Transport::Tcp);
    let auth = checks
        .sip_auth
        .clone()
        .unwrap_or_else(|| panic!("{checks:?}"));
    assert_eq!(auth.users_from, "given and site");
    let tried: Vec<(&str, &Trial)> = auth
        .users
        .iter()
        .map(|user| (user.user.as_str(), &user.trial))
        .collect();
    // Every site user's one right secret is its site secret, never sent: each resists.
    assert_eq!(
        tried,
        [
            (
                "1004",
                &Trial::Guessed {
                    weakness: Weakness::SuppliedList
                }
            ),
            ("1001", &Trial::Resisted),
            ("1002", &Trial::Resisted),
            ("1003", &Trial::Resisted),
        ]
    );
    assert_eq!(trial_of(&checks, "1004").site_secret, None);
    assert_eq!(
        trial_of(&checks, "1001").site_secret,
        Some(SiteSecret {
            weak: true,
            judgement: "same as the user name, one of the candidates (left out of the guesses)"
                .to_string()
        })
    );
    let word = trial_of(&checks, "1003");
    assert!(
        word.site_secret
            .as_ref()
            .is_some_and(|site| site.weak && site.judgement.starts_with("a dictionary word")),
        "{word:?}"
    );
    assert_eq!(
        word.tries + 1,
        trial_of(&checks, "1002").tries,
        "the site's secret is left out of the guesses: {checks:?}"
    );
    let strong = trial_of(&checks, "1002");
    assert!(
        strong.site_secret.as_ref().is_some_and(|site| !site.weak),
        "{strong:?}"
    );
    let log = registrar.kamailio.log_text();
    assert!(
        log.contains("REGISTER accepted for 1004 expires 60 over tcp")
            && log.contains("REGISTER accepted for 1004 expires 0 over tcp"),
        "{log}"
    );
    for user in ["1001", "1002", "1003"] {
        assert!(
            !log.contains(&format!("REGISTER accepted for {user}")),
            "the site's secret of {user} was sent: {log}"
        );
    }
    assert_eq!(registrar.registered(), Vec::<String>::new());
    let (status, finding) = weak_secret_finding(&checks);
    assert_eq!(status, Status::Fail, "{finding}");
    assert!(
        finding.contains(
            "3 of 4 users have a guessable SIP secret: 1004 (a word of the supplied list), \
             1001 (the site's secret: same as the user name, one of the candidates (left out of the guesses)), \
             1003 (the site's secret: a dictionary word"
        ),
        "{finding}"
    );
    assert!(
        finding.contains("site credential of 1002")
            && finding.contains("sip://127.0.0.94:25094/tcp"),
        "{finding}"
    );
    let everything = shown(&checks);
    for secret in [WEAK_WORD, STRONG, SUPPLIED] {
        assert!(
            !everything.contains(secret),
            "{secret} shown in {everything}"
        );
    }
}

/// A Python web server asking for a login, stopped on drop.
struct WebServer {
    child: Child,
}

/// The server: `mode` basic or digest, the one login it accepts, the realm and page title.
const WEB_SERVER: &str = r#"
import hashlib, http.server, os, secrets, sys
host, port, mode, user, password, realm = sys.argv[1:7]
port = int(port)
nonce = secrets.token_hex(8)
def h(text): return hashlib.md5(text.encode()).hexdigest()
def params(value):
    out = {}
    for part in value.split(","):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip()] = v.strip().strip('"')
    return out
class Handler(http.server.BaseHTTPRequestHandler):
    def ok(self):
        auth = self.headers.get("Authorization", "")
        if mode == "basic":
            import base64
            return auth == "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        if not auth.startswith("Digest "):
            return False
        p = params(auth[7:])
        ha1 = h(f"{user}:{realm}:{password}")
        ha2 = h(f"GET:{p.get('uri', '')}")
        want = h(f"{ha1}:{nonce}:{p.get('nc')}:{p.get('cnonce')}:auth:{ha2}")
        return p.get("username") == user and p.get("nonce") == nonce and p.get("response") == want
    def do_GET(self):
        sys.stderr.write(f"login {'accepted' if self.ok() else 'refused'}\n")
        if self.ok():
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<html><title>Status</title></html>")
            return
        self.send_response(401)
        if mode == "basic":
            self.send_header("WWW-Authenticate", f'Basic realm="{realm}"')
        else:
            self.send_header("WWW-Authenticate", f'Digest realm="{realm}", nonce="{nonce}", qop="auth", algorithm=MD5')
        self.end_headers()
        self.wfile.write(f"<html><title>{realm}</title></html>".encode())
    def log_message(self, *args): pass
http.server.HTTPServer((host, port), Handler).serve_forever()
"#;

impl WebServer {
    fn start(address: &str, mode: &str, user: &str, password: &str, realm: &str) -> Option<Self> {
        let address = socket(address);
        let spawned = Command::new("python3")
            .args(["-c", WEB_SERVER])
            .arg(address.ip().to_string())
            .arg(address.port().to_string())
            .args([mode, user, password, realm])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = required(spawned, "python3", "python3")?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the web server on {address} did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Self { child })
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn factory_default_web_logins_fail_their_vendor_control_and_strong_ones_pass() {
    let servers = [
        (
            "127.0.0.95:28080",
            "basic",
            "admin",
            "admin",
            "Grandstream GRP2612",
        ),
        (
            "127.0.0.96:28080",
            "basic",
            "admin",
            STRONG,
            "Grandstream GRP2614",
        ),
        (
            "127.0.0.97:28080",
            "digest",
            "admin",
            "Allworx",
            "Allworx 6x",
        ),
        (
            "127.0.0.98:28080",
            "digest",
            "admin",
            "admin",
            "Kamailio web",
        ),
    ];
    let mut running = Vec::new();
    for (address, mode, user, password, realm) in servers {
        match WebServer::start(address, mode, user, password, realm) {
            Some(server) => running.push(server),
            None => return,
        }
    }
    let scope = Scope::parse(&["127.0.0.0/8"], false).unwrap_or_else(|err| panic!("{err}"));
    let target = Target::parse("127.0.0.95-127.0.0.98").unwrap_or_else(|err| panic!("{err}"));
    let plan = scope.plan(&[target]).unwrap_or_else(|err| panic!("{err}"));
    let service_config = ServiceConfig {
        ports: [(Service::Http, vec![28080])].into_iter().collect(),
        ..ServiceConfig::default()
    };
    let config = IntrusiveConfig {
        checks: parse_checks("web-auth").unwrap_or_else(|err| panic!("{err}")),
        rate: 50.0,
        ..IntrusiveConfig::default()
    };
    let results = runtime().block_on(async {
        let hosts = probe_services(&plan, &service_config).await;
        assert_eq!(hosts.len(), 4, "{hosts:?}");
        run_web_auth(&plan, &hosts, &HashMap::new(), &config)
            .await
            .unwrap_or_else(|err| panic!("{err}"))
    });
    assert_eq!(
        results
            .iter()
            .map(|r| r.address.to_string())
            .collect::<Vec<_>>(),
        ["127.0.0.95", "127.0.0.96", "127.0.0.97", "127.0.0.98"]
    );
    let catalogue = voipguard_checks::catalogue().unwrap_or_else(|err| panic!("{err}"));
    let judged: Vec<Vec<(String, Status, String)>> = results
        .iter()
        .map(|host| {
            judge_web_auth(host, catalogue)
                .into_iter()
                .map(|f| (f.check.to_string(), f.status, format!("{f:?}")))
                .collect()
        })
        .collect();
    let summary = |host: usize| -> Vec<(String, Status)> {
        judged
            .get(host)
            .map(|findings| {
                findings
                    .iter()
                    .map(|(id, status, _)| (id.clone(), *status))
                    .collect()
            })
            .unwrap_or_default()
    };
    // Grandstream with admin/admin: the admin control fails, the end-user default was refused.
    assert_eq!(
        summary(0),
        [
            ("GS-ADMIN-PASS".to_string(), Status::Fail),
            ("GS-USER-PASS".to_string(), Status::Pass)
        ]
    );
    let admin = &judged[0][0].2;
    assert!(
        admin.contains(
            "the factory-default admin login (user admin) works on http://127.0.0.95:28080"
        ),
        "{admin}"
    );
    assert!(admin.contains("Basic login as admin"), "{admin}");
    // Grandstream with a strong password: both defaults refused.
    assert_eq!(
        summary(1),
        [
            ("GS-ADMIN-PASS".to_string(), Status::Pass),
            ("GS-USER-PASS".to_string(), Status::Pass)
        ]
    );
    // Allworx over Digest with "Allworx" as password.
    assert_eq!(summary(2), [("AW-PASS-STRONG".to_string(), Status::Fail)]);
    assert!(
        judged[2][0].2.contains("Digest MD5 login as admin"),
        "{:?}",
        judged[2]
    );
    // An unknown make: the common defaults are tried and the working one recorded, with no
    // baseline control to fail.
    assert_eq!(summary(3), []);
    let unknown = &results[3].logins[0];
    assert_eq!(unknown.vendor, "*");
    assert_eq!(
        unknown
            .attempts
            .iter()
            .filter(|a| a.accepted)
            .map(|a| a.user.as_str())
            .collect::<Vec<_>>(),
        ["admin"]
    );
    let everything = format!(
        "{results:?}{}{judged:?}",
        serde_json::to_string(&results).unwrap_or_default()
    );
    assert!(!everything.contains(STRONG), "{everything}");
}
