//! `voipguard guard --config` end to end: the real binary follows a log file (or AMI), bans with
//! the dry-run backend, is stopped with SIGTERM and started again; `guard status` and the
//! daemon's own log are the witnesses.

mod common;

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value as Json;
use voipguard_logsource::simulator::{
    AmiSimulator, SimulatorConfig, parse_recorded_events, recorded_events_path,
};

const ATTACKER: &str = "198.51.100.66";
const SLOW_ATTACKER: &str = "198.51.100.77";
const TRUNK: &str = "203.0.113.5";
/// Inside the allowlisted 198.51.100.0/28.
const OFFICE: &str = "198.51.100.7";
const PATIENCE: Duration = Duration::from_secs(20);

/// fail2ban's chan_sip registration failures for 1.2.3.4 (each with a `# failJSON` naming that
/// address), as `address` would cause them.
fn failures_from(address: &str) -> Vec<String> {
    let log = common::shared().join("corpus/logs/fail2ban_tests_files_logs_asterisk.log");
    let text = std::fs::read_to_string(&log).expect("fail2ban's asterisk log");
    let lines: Vec<String> = text
        .lines()
        .filter(|line| line.contains("chan_sip.c: Registration from") && line.contains("'1.2.3.4'"))
        .map(|line| line.replace("'1.2.3.4'", &format!("'{address}'")))
        .collect();
    assert!(lines.len() >= 6, "the corpus has its chan_sip lines");
    lines
}

fn append(path: &Path, lines: &[String]) {
    let mut file = OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .expect("log opens");
    for line in lines {
        writeln!(file, "{line}").expect("log written");
    }
}

/// A temporary folder with a guard.toml whose sources are `sources` (TOML) and whose policy
/// bans at `sip_count` SIP failures.
struct Setup {
    folder: tempfile::TempDir,
}

impl Setup {
    fn new(sources: &str, sip_count: u32) -> Self {
        Self::with_firewall(sources, sip_count, "backend = \"dry-run\"")
    }

    fn with_firewall(sources: &str, sip_count: u32, firewall: &str) -> Self {
        let folder = tempfile::tempdir().expect("temp dir");
        let config = format!(
            r#"state_dir = "{state}"
trunks = ["{TRUNK}"]
allowlist = ["198.51.100.0/28"]
{sources}
[policy]
sip = {{ count = {sip_count}, seconds = 600 }}
account_scan = {{ count = 50, seconds = 600 }}

[firewall]
{firewall}
"#,
            state = folder.path().join("state").display(),
        );
        std::fs::write(folder.path().join("guard.toml"), config).expect("config written");
        Self { folder }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.folder.path().join(name)
    }

    fn start(&self, run: u32) -> Daemon {
        let log = self.path(&format!("daemon-{run}.log"));
        let child = Command::new(assert_cmd::cargo::cargo_bin("voipguard"))
            .arg("guard")
            .arg("--config")
            .arg(self.path("guard.toml"))
            .env("VOIPGUARD_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log).expect("log file"))
            .spawn()
            .expect("daemon starts");
        Daemon { child, log }
    }

    fn status(&self) -> Json {
        let output = Command::new(assert_cmd::cargo::cargo_bin("voipguard"))
            .args(["guard", "status", "--format", "json", "--config"])
            .arg(self.path("guard.toml"))
            .output()
            .expect("status runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("status JSON")
    }

    fn banned(&self) -> Vec<String> {
        let status = self.status();
        let bans = status["bans"].as_array().cloned().unwrap_or_default();
        bans.iter()
            .filter_map(|ban| ban["target"].as_str().map(str::to_owned))
            .collect()
    }

    fn wait_for_ban(&self, daemon: &mut Daemon, target: &str) -> Json {
        let started = Instant::now();
        loop {
            let status = self.status();
            let found = status["bans"]
                .as_array()
                .and_then(|bans| bans.iter().find(|ban| ban["target"] == target).cloned());
            if let Some(ban) = found {
                return ban;
            }
            daemon.assert_running();
            assert!(
                started.elapsed() < PATIENCE,
                "{target} not banned; status {status}; log:\n{}",
                daemon.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("the daemon exited ({status}):\n{}", self.log());
        }
    }

    fn wait_for_log(&mut self, text: &str) {
        let started = Instant::now();
        while !self.log().contains(text) {
            self.assert_running();
            assert!(
                started.elapsed() < PATIENCE,
                "no `{text}` in the log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM, then the whole log once it exited successfully.
    fn terminate(mut self) -> String {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            assert!(started.elapsed() < PATIENCE, "no exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        };
        let log = self.log();
        assert!(status.success(), "exit {status}:\n{log}");
        log
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // A failed assertion must not leave the daemon running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `name=value` from the daemon's shutdown line.
fn file_source(path: &Path) -> String {
    format!(
        "[[source]]\nkind = \"file\"\nname = \"messages\"\npath = \"{}\"\n\
         start = \"beginning\"\npoll_milliseconds = 50\n",
        path.display()
    )
}

fn stopped_count(log: &str, name: &str) -> u64 {
    let line = log
        .lines()
        .rfind(|line| line.contains("guard stopped"))
        .unwrap_or_else(|| panic!("no shutdown line in:\n{log}"));
    line.split_whitespace()
        .find_map(|field| field.strip_prefix(&format!("{name}=")))
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no {name}= in {line}"))
}

#[test]
fn bans_the_attacker_never_the_allowlist_and_survives_a_restart() {
    let folder = tempfile::tempdir().expect("temp dir");
    let messages = folder.path().join("messages");
    let setup = Setup::new(&file_source(&messages), 3);

    // The allowlisted sources fail far more than the threshold; written first, so that once the
    // attacker (written last) is banned, every line before it was judged.
    let mut first_run = Vec::new();
    first_run.extend(failures_from(TRUNK));
    first_run.extend(failures_from(OFFICE));
    first_run.extend(failures_from(SLOW_ATTACKER).into_iter().take(2));
    first_run.extend(failures_from(ATTACKER).into_iter().take(3));
    append(&messages, &first_run);

    let mut daemon = setup.start(1);
    let ban = setup.wait_for_ban(&mut daemon, &format!("{ATTACKER}/32"));
    assert_eq!(ban["reason"], "3 sip failures in 600 s");
    assert_eq!(ban["offence"], 1);
    assert_eq!(ban["source"], "messages");
    let evidence = ban["evidence"].as_str().expect("evidence");
    assert!(
        evidence.contains(&format!("failed for '{ATTACKER}'")),
        "{evidence}"
    );
    let remaining = ban["remaining_seconds"].as_i64().expect("remaining");
    assert!((590..=600).contains(&remaining), "{remaining}");
    assert_eq!(setup.banned(), [format!("{ATTACKER}/32")]);

    let log = daemon.terminate();
    assert!(
        log.contains(&format!(
            "banned {ATTACKER} for 600 s: 3 sip failures in 600 s"
        )),
        "{log}"
    );
    for never in [TRUNK, OFFICE] {
        assert!(!log.contains(&format!("banned {never}")), "{never}:\n{log}");
    }
    assert_eq!(stopped_count(&log, "lines"), first_run.len() as u64);
    assert_eq!(stopped_count(&log, "failures"), first_run.len() as u64);
    assert_eq!(stopped_count(&log, "bans"), 1);

    // Second run: the old lines are not read again (the offset), the ban is still known and
    // re-applied to the dry run (which forgot it), and the slow attacker's two earlier failures
    // still count (the engine's state).
    let mut daemon = setup.start(2);
    daemon.wait_for_log("from saved offset");
    daemon.wait_for_log(&format!("re-applied the ban of {ATTACKER}"));
    append(&messages, &failures_from(SLOW_ATTACKER)[2..3]);
    let ban = setup.wait_for_ban(&mut daemon, &format!("{SLOW_ATTACKER}/32"));
    assert_eq!(ban["reason"], "3 sip failures in 600 s");
    assert_eq!(
        setup.banned(),
        [format!("{ATTACKER}/32"), format!("{SLOW_ATTACKER}/32")]
    );
    let log = daemon.terminate();
    assert_eq!(stopped_count(&log, "lines"), 1, "{log}");
    assert_eq!(stopped_count(&log, "bans"), 1, "{log}");
    // The state files are where the config says, and nothing half-written is left.
    let mut files: Vec<String> = std::fs::read_dir(setup.path("state"))
        .expect("state dir")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    files.sort();
    assert_eq!(files, ["bans.json", "engine.json", "offsets.json"]);
}

#[test]
fn ami_security_events_ban_through_the_simulator() {
    const SECRET: &str = "ami-secret-never-logged";
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let recording = std::fs::read_to_string(recorded_events_path()).expect("AMI recording");
    let events = parse_recorded_events(&recording);
    let mut simulated = SimulatorConfig::new("voipguard", SECRET);
    simulated.events_on_login.clone_from(&events);
    let simulator = runtime
        .block_on(AmiSimulator::start(simulated))
        .expect("simulator listens");

    let folder = tempfile::tempdir().expect("temp dir");
    let secret_file = folder.path().join("ami.secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).expect("secret written");
    let source = format!(
        "[[source]]\nkind = \"ami\"\naddress = \"{}\"\nusername = \"voipguard\"\nsecret_file = \"{}\"\n",
        simulator.address(),
        secret_file.display()
    );
    // The recording holds two failures by 10.211.55.2 (InvalidAccountID, InvalidPassword).
    let setup = Setup::new(&source, 2);
    let mut daemon = setup.start(1);
    let ban = setup.wait_for_ban(&mut daemon, "10.211.55.2/32");
    assert_eq!(ban["source"], "ami");
    assert_eq!(ban["reason"], "2 sip failures in 600 s");
    assert!(
        ban["evidence"]
            .as_str()
            .is_some_and(|e| e.contains("RemoteAddress: IPV4/UDP/10.211.55.2/")),
        "{ban}"
    );
    assert_eq!(simulator.logins(), 1);
    let log = daemon.terminate();
    assert!(log.contains("logged in to AMI"), "{log}");
    assert!(!log.contains(SECRET), "the secret leaked:\n{log}");
    // Every recorded event arrived: the redacted address (YYYYYYYY) is counted as unparsed,
    // the loopback ChallengeSent is no failure.
    assert_eq!(stopped_count(&log, "lines"), events.len() as u64, "{log}");
    assert_eq!(stopped_count(&log, "failures"), 2, "{log}");
    assert_eq!(stopped_count(&log, "unparsed"), 1, "{log}");
    assert_eq!(simulator.logoffs(), 1, "the guard logs off on SIGTERM");
}

/// A network namespace of the test's own, deleted when dropped.
struct Namespace(String);

impl Namespace {
    /// `None` when `ip` or `nft` is missing and VOIPGUARD_SKIP_NETNS=1 says to skip.
    fn new() -> Option<Self> {
        let missing: Vec<&str> = [("ip", "-V"), ("nft", "--version")]
            .into_iter()
            .filter(|(program, flag)| {
                !Command::new(program)
                    .arg(flag)
                    .output()
                    .is_ok_and(|out| out.status.success())
            })
            .map(|(program, _)| program)
            .collect();
        if !missing.is_empty() {
            if std::env::var("VOIPGUARD_SKIP_NETNS").is_ok_and(|value| value == "1") {
                return None;
            }
            panic!(
                "this test needs iproute2 and nftables (missing: {}); `apt-get install -y \
                 iproute2 nftables` and run as root, or set VOIPGUARD_SKIP_NETNS=1",
                missing.join(", ")
            );
        }
        let name = format!("vg-daemon-{}", std::process::id());
        let added = Command::new("ip").args(["netns", "add", &name]).status();
        assert!(
            added.is_ok_and(|status| status.success()),
            "cannot create the network namespace {name} (root is required)"
        );
        Some(Self(name))
    }

    fn nft(&self, args: &[&str]) -> String {
        let output = Command::new("ip")
            .args(["netns", "exec", &self.0, "nft"])
            .args(args)
            .output()
            .expect("nft runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

#[test]
fn nftables_bans_inside_a_namespace_and_keep_them_across_a_restart() {
    let Some(namespace) = Namespace::new() else {
        return;
    };
    let folder = tempfile::tempdir().expect("temp dir");
    let messages = folder.path().join("messages");
    let firewall = format!(
        "backend = \"nftables\"\ncommand = [\"ip\", \"netns\", \"exec\", \"{}\", \"nft\"]",
        namespace.0
    );
    let setup = Setup::with_firewall(&file_source(&messages), 3, &firewall);
    append(&messages, &failures_from(ATTACKER)[..3]);
    let mut daemon = setup.start(1);
    let ban = setup.wait_for_ban(&mut daemon, &format!("{ATTACKER}/32"));
    assert_eq!(ban["in_firewall"], true, "{ban}");
    let set = namespace.nft(&["list", "set", "inet", "voipguard", "banned4"]);
    assert!(
        set.contains(ATTACKER) && set.contains("comment \"3 sip failures in 600 s, offence 1\""),
        "{set}"
    );
    daemon.terminate();

    // nft keeps the ban (element timeout) while the guard is down; the restart finds it there
    // and adds nothing.
    let mut daemon = setup.start(2);
    daemon.wait_for_log("1 saved ban(s) still in force in the firewall");
    let log = daemon.terminate();
    assert!(!log.contains("re-applied"), "{log}");
    let status = setup.status();
    assert_eq!(status["bans"][0]["in_firewall"], true, "{status}");
    assert_eq!(status["firewall_only"], Json::Array(Vec::new()), "{status}");
}
