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
        let setup = Self {
            folder: tempfile::tempdir().expect("temp dir"),
        };
        setup.write_config(sources, sip_count, &[], firewall);
        setup
    }

    /// Writes guard.toml: the allowlist is 198.51.100.0/28 plus `allow`.
    fn write_config(&self, sources: &str, sip_count: u32, allow: &[&str], firewall: &str) {
        let allowlist: Vec<String> = ["198.51.100.0/28"]
            .iter()
            .chain(allow)
            .map(|net| format!("\"{net}\""))
            .collect();
        let config = format!(
            r#"state_dir = "{state}"
trunks = ["{TRUNK}"]
allowlist = [{allowlist}]
{sources}
[policy]
sip = {{ count = {sip_count}, seconds = 600 }}
account_scan = {{ count = 50, seconds = 600 }}

[firewall]
{firewall}
"#,
            state = self.path("state").display(),
            allowlist = allowlist.join(", "),
        );
        std::fs::write(self.path("guard.toml"), config).expect("config written");
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

    fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
    }

    /// SIGTERM, then the whole log once it exited successfully.
    fn terminate(mut self) -> String {
        self.signal("TERM");
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

/// chan_sip registration failures, each with a timestamp of its own: after a copytruncate the
/// file's new first bytes differ from the old ones, as they do in a real log.
#[derive(Default)]
struct Failures {
    written: u64,
}

impl Failures {
    fn lines(&mut self, address: &str, count: usize) -> Vec<String> {
        (0..count)
            .map(|_| {
                self.written += 1;
                let (minute, second) = (self.written / 60, self.written % 60);
                format!(
                    "[2024-11-06 08:{minute:02}:{second:02}] NOTICE[4500] chan_sip.c: Registration \
                     from '<sip:100@203.0.113.1>' failed for '{address}:5060' - Wrong password"
                )
            })
            .collect()
    }

    fn write(&mut self, path: &Path, address: &str, count: usize) -> Vec<String> {
        let lines = self.lines(address, count);
        append(path, &lines);
        lines
    }
}

fn named_file_source(name: &str, path: &Path) -> String {
    file_source(path).replace("name = \"messages\"", &format!("name = \"{name}\""))
}

#[test]
fn sighup_reloads_the_policy_allowlist_and_sources_keeping_counters_and_bans() {
    const BELOW: &str = "198.51.100.20"; // 2 failures before the reload, 1 after
    const BEATEN: &str = "198.51.100.21"; // banned before the reload, then allowlisted
    const SPARED: &str = "198.51.100.22"; // 3 failures while the invalid file is refused
    const NEWLY_ALLOWED: &str = "198.51.100.23";
    const ON_NEW_SOURCE: &str = "198.51.100.24";
    const ON_REMOVED_SOURCE: &str = "198.51.100.25";
    let folder = tempfile::tempdir().expect("temp dir");
    let (messages, full, old) = (
        folder.path().join("messages"),
        folder.path().join("full"),
        folder.path().join("old"),
    );
    let mut failures = Failures::default();
    let first_sources = format!(
        "{}{}",
        file_source(&messages),
        named_file_source("old", &old)
    );
    let setup = Setup::new(&first_sources, 5);
    let mut daemon = setup.start(1);
    daemon.wait_for_log("guard started");
    let mut read = 0;
    read += failures.write(&messages, BELOW, 2).len();
    read += failures.write(&messages, ATTACKER, 5).len();
    setup.wait_for_ban(&mut daemon, &format!("{ATTACKER}/32"));

    // An invalid file is refused with its place and what was expected; 5 failures still ban.
    let good = std::fs::read_to_string(setup.path("guard.toml")).expect("config");
    let invalid = good.replace("sip = { count = 5,", "sip = { count = \"three\",");
    let wrong_line = invalid
        .lines()
        .position(|line| line.contains("\"three\""))
        .map_or(0, |index| index + 1);
    std::fs::write(setup.path("guard.toml"), invalid).expect("config written");
    daemon.signal("HUP");
    daemon.wait_for_log("the configuration was not reloaded");
    let log = daemon.log();
    let refusal = log
        .lines()
        .find(|line| line.contains("the configuration was not reloaded"))
        .unwrap_or_default();
    assert!(
        refusal.contains(&format!(
            "guard.toml:{wrong_line}:17: invalid type: string \"three\", expected u32"
        )),
        "{refusal}"
    );
    // Back to the file in force (without SIGHUP), for `guard status`, which reads it too.
    std::fs::write(setup.path("guard.toml"), &good).expect("config written");
    read += failures.write(&messages, SPARED, 3).len();
    read += failures.write(&messages, BEATEN, 5).len();
    setup.wait_for_ban(&mut daemon, &format!("{BEATEN}/32"));

    // Now 3 failures ban, BEATEN and NEWLY_ALLOWED are allowlisted, `full` is read, `old` is
    // dropped, `messages` (unchanged) goes on where it was.
    let second_sources = format!(
        "{}{}",
        file_source(&messages),
        named_file_source("full", &full)
    );
    setup.write_config(
        &second_sources,
        3,
        &[BEATEN, NEWLY_ALLOWED],
        "backend = \"dry-run\"",
    );
    daemon.signal("HUP");
    daemon.wait_for_log("configuration reloaded");
    daemon.wait_for_log(&format!("ban of {BEATEN}/32 lifted"));
    failures.write(&old, ON_REMOVED_SOURCE, 3);
    read += failures.write(&full, NEWLY_ALLOWED, 5).len();
    read += failures.write(&full, ON_NEW_SOURCE, 3).len();
    setup.wait_for_ban(&mut daemon, &format!("{ON_NEW_SOURCE}/32"));
    // One more failure is the third of BELOW: its two from before the reload still count.
    read += failures.write(&messages, BELOW, 1).len();
    setup.wait_for_ban(&mut daemon, &format!("{BELOW}/32"));

    assert_eq!(
        setup.banned(),
        [
            format!("{BELOW}/32"),
            format!("{ON_NEW_SOURCE}/32"),
            format!("{ATTACKER}/32"),
        ],
        "the earlier ban stays, the allowlisted one is lifted"
    );
    let log = daemon.terminate();
    assert!(log.contains("2 source(s), 1 started, 1 stopped"), "{log}");
    assert!(
        log.contains("source stopped (removed or changed) source=old"),
        "{log}"
    );
    for never in [SPARED, NEWLY_ALLOWED, ON_REMOVED_SOURCE] {
        assert!(!log.contains(&format!("banned {never}")), "{never}:\n{log}");
    }
    // Every line of the followed files once, none of the dropped source's, none twice.
    assert_eq!(stopped_count(&log, "failures"), read as u64, "{log}");
    assert_eq!(stopped_count(&log, "bans"), 4, "{log}");
    // `messages` was opened once: the reload left it alone.
    let opened = format!("following {} from offset", messages.display());
    assert_eq!(log.matches(&opened).count(), 1, "{log}");
}

/// Follows `messages` through one rotation done by `rotate` (which returns how many failures of
/// ATTACKER it wrote to the old file after it was moved away) and a restart: every failure is
/// counted once, so ATTACKER is banned by exactly its fourth, and nothing is read again.
fn rotation_counts_every_failure_once(rotate: impl FnOnce(&Path, &mut Failures) -> usize) {
    const BEFORE: &str = "198.51.100.30";
    const AFTER: &str = "198.51.100.31";
    const RESTARTED: &str = "198.51.100.32";
    let folder = tempfile::tempdir().expect("temp dir");
    let messages = folder.path().join("messages");
    let setup = Setup::new(&file_source(&messages), 4);
    let mut failures = Failures::default();
    let mut daemon = setup.start(1);
    daemon.wait_for_log("guard started");
    let mut written = failures.write(&messages, ATTACKER, 2).len();
    written += failures.write(&messages, BEFORE, 4).len();
    setup.wait_for_ban(&mut daemon, &format!("{BEFORE}/32"));

    let late = rotate(&messages, &mut failures);
    written += late;
    let last = failures.write(&messages, ATTACKER, 2 - late);
    written += last.len();
    written += failures.write(&messages, AFTER, 4).len();
    setup.wait_for_ban(&mut daemon, &format!("{AFTER}/32"));
    let ban = setup.wait_for_ban(&mut daemon, &format!("{ATTACKER}/32"));
    assert_eq!(ban["reason"], "4 sip failures in 600 s", "{ban}");
    assert_eq!(
        ban["evidence"].as_str(),
        last.last().map(String::as_str),
        "banned by its fourth failure, not before"
    );
    let log = daemon.terminate();
    assert_eq!(stopped_count(&log, "failures"), written as u64, "{log}");
    assert_eq!(stopped_count(&log, "bans"), 3, "{log}");

    let mut daemon = setup.start(2);
    daemon.wait_for_log("from saved offset");
    failures.write(&messages, RESTARTED, 4);
    setup.wait_for_ban(&mut daemon, &format!("{RESTARTED}/32"));
    let log = daemon.terminate();
    assert_eq!(
        stopped_count(&log, "lines"),
        4,
        "nothing read twice:\n{log}"
    );
    assert_eq!(stopped_count(&log, "bans"), 1, "{log}");
}

#[test]
fn rotation_by_rename_and_create_counts_every_failure_once() {
    rotation_counts_every_failure_once(|messages, failures| {
        let rotated = messages.with_extension("1");
        std::fs::rename(messages, &rotated).expect("renamed");
        // Asterisk writes to the file it holds open until `logger reload`.
        let late = failures.write(&rotated, ATTACKER, 1).len();
        File::create(messages).expect("created");
        late
    });
}

#[test]
fn copytruncate_counts_every_failure_once() {
    rotation_counts_every_failure_once(|messages, _| {
        std::fs::copy(messages, messages.with_extension("1")).expect("copied");
        OpenOptions::new()
            .write(true)
            .open(messages)
            .and_then(|file| file.set_len(0))
            .expect("truncated");
        0
    });
}

/// A security log channel line (Asterisk's `security` logger) for `event` by `remote`.
fn security_line(n: usize, event: &str, remote: &str) -> String {
    format!(
        "[2024-03-01 10:{:02}:{:02}] SECURITY[4600] res_security_log.c: SecurityEvent=\"{event}\",\
         EventTV=\"2024-03-01T10:00:00.000+0000\",Severity=\"Informational\",Service=\"PJSIP\",\
         EventVersion=\"1\",AccountID=\"100\",SessionID=\"call-{n}\",\
         LocalAddress=\"IPV4/UDP/192.0.2.2/5060\",RemoteAddress=\"IPV4/UDP/{remote}/5060\",\
         Challenge=\"1709287200/{n:x}\"",
        n / 60,
        n % 60
    )
}

#[test]
fn challenges_never_answered_ban_the_scanner_not_the_phone() {
    const PHONE: &str = "198.51.100.40";
    let folder = tempfile::tempdir().expect("temp dir");
    let security = folder.path().join("security");
    let sources = format!(
        "unanswered_challenges = {{ count = 2, seconds = 600 }}\n{}",
        file_source(&security)
    );
    let setup = Setup::new(&sources, 3);
    // The phone is challenged for every request and answers each time; the scanner (fail2ban
    // #2532) never answers, and no failure line names it.
    let mut lines = Vec::new();
    for _ in 0..20 {
        lines.push(security_line(lines.len(), "ChallengeSent", PHONE));
        lines.push(security_line(lines.len(), "SuccessfulAuth", PHONE));
    }
    let scanner: Vec<String> = (0..5)
        .map(|n| security_line(100 + n, "ChallengeSent", ATTACKER))
        .collect();
    lines.extend(scanner.iter().cloned());
    append(&security, &lines);

    let mut daemon = setup.start(1);
    let ban = setup.wait_for_ban(&mut daemon, &format!("{ATTACKER}/32"));
    // Two challenges allowed, the next three are the three failures that ban.
    assert_eq!(ban["reason"], "3 sip failures in 600 s", "{ban}");
    // The fifth challenge (evidence is shortened to its first bytes).
    let evidence = ban["evidence"].as_str().unwrap_or_default();
    let fifth = scanner.last().map(String::as_str).unwrap_or_default();
    assert!(
        evidence.contains("SessionID=\"call-104\"")
            && fifth.starts_with(evidence.trim_end_matches('…')),
        "{evidence}"
    );
    let log = daemon.terminate();
    assert!(!log.contains(&format!("banned {PHONE}")), "{log}");
    assert_eq!(stopped_count(&log, "lines"), lines.len() as u64, "{log}");
    assert_eq!(stopped_count(&log, "failures"), 3, "{log}");
}
