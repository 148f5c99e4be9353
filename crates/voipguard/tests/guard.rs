//! `voipguard guard --replay` end to end on fail2ban's asterisk and sshd test logs.

mod common;

use assert_cmd::Command;
use serde_json::Value as Json;

fn replay_json(files: &[&str]) -> Json {
    let logs = common::shared().join("corpus/logs");
    let output = Command::cargo_bin("voipguard")
        .expect("binary built")
        .arg("guard")
        .arg("--replay")
        .args(files.iter().map(|f| logs.join(f)))
        .args(["--format", "json", "--year", "2005"])
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON report")
}

#[test]
fn replay_reports_every_failing_source() {
    let asterisk = "fail2ban_tests_files_logs_asterisk.log";
    let json = replay_json(&[asterisk]);
    let text = std::fs::read_to_string(common::shared().join("corpus/logs").join(asterisk))
        .expect("corpus log");
    assert_eq!(json["lines"], text.lines().count());
    let sources = json["sources"].as_array().expect("sources");
    let find = |address: &str| {
        sources
            .iter()
            .find(|s| s["address"] == address)
            .unwrap_or_else(|| panic!("{address} missing"))
    };
    // The forged SessionID address and the server named by "hacking attempt" never appear.
    for never in ["5.6.7.8", "192.168.2.102"] {
        assert!(sources.iter().all(|s| s["address"] != never), "{never}");
    }
    let main = find("1.2.3.4");
    assert!(main["failures"]["sip"].as_u64().expect("sip count") >= 10);
    assert_eq!(main["failures"]["iax2"], 3);
    // Its failures are spread over five years: never 10 within the 10-minute window.
    assert_eq!(main["would_ban"], false);
    assert_eq!(json["bans"], 0);
    assert_eq!(main["first_seen"], "2012-02-13T17:21:54Z");
    assert_eq!(main["last_seen"], "2017-12-14T22:18:00Z");
    assert!(
        main["reasons"]
            .as_array()
            .expect("reasons")
            .contains(&Json::from("wrong-password"))
    );
    let v6 = find("2001:db8::1");
    assert_eq!(v6["failures"]["sip"], 2);
    assert_eq!(v6["would_ban"], false);
    assert_eq!(find("192.0.2.4")["failures"]["ami"], 2);
    let failures: u64 = sources
        .iter()
        .flat_map(|s| s["failures"].as_object().expect("map").values())
        .map(|n| n.as_u64().expect("count"))
        .sum();
    assert_eq!(json["failures"].as_u64(), Some(failures));
    assert_eq!(json["unparsed"], 0);
}

#[test]
fn a_burst_of_corpus_failures_would_be_banned() {
    let text = std::fs::read_to_string(
        common::shared().join("corpus/logs/fail2ban_tests_files_logs_asterisk.log"),
    )
    .expect("corpus log");
    let line = text
        .lines()
        .find(|l| l.contains("Wrong password") && l.starts_with('['))
        .expect("a chan_sip line");
    let dir = tempfile::tempdir().expect("temp dir");
    let burst = dir.path().join("burst.log");
    std::fs::write(&burst, format!("{line}\n").repeat(10)).expect("write");
    let output = Command::cargo_bin("voipguard")
        .expect("binary built")
        .args(["guard", "--format", "json", "--replay"])
        .arg(&burst)
        .output()
        .expect("runs");
    let json: Json = serde_json::from_slice(&output.stdout).expect("JSON report");
    assert_eq!(json["bans"], 1);
    assert_eq!(json["sources"][0]["address"], "1.2.3.4");
    assert_eq!(json["sources"][0]["failures"]["sip"], 10);
    assert_eq!(json["sources"][0]["would_ban"], true);
}

#[test]
fn replay_of_sshd_log_counts_ssh_failures() {
    let json = replay_json(&["fail2ban_tests_files_logs_sshd.log"]);
    let sources = json["sources"].as_array().expect("sources");
    let ssh = |address: &str| {
        sources
            .iter()
            .find(|s| s["address"] == address)
            .map(|s| s["failures"]["ssh"].clone())
    };
    assert_eq!(
        ssh("192.0.2.111"),
        Some(Json::from(3)),
        "two public keys, then too many"
    );
    assert_eq!(
        ssh("192.0.2.113"),
        None,
        "PAM failure followed by a login is no failure"
    );
    // Unparsed lines are reported with their reason (host names, a leading-zero octet).
    assert!(json["unparsed"].as_u64().expect("count") >= 5);
    let example = &json["unparsed_examples"][0];
    assert!(example["reason"].is_string() && example["line"].is_u64());
}

#[test]
fn without_replay_the_daemon_needs_its_config() {
    let output = Command::cargo_bin("voipguard")
        .expect("binary built")
        .args(["guard", "--config", "/nonexistent/guard.toml"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot read the guard configuration /nonexistent/guard.toml"),
        "{stderr}"
    );
}

#[test]
fn replay_with_a_config_uses_its_policy_and_allowlist() {
    let folder = tempfile::tempdir().expect("temp dir");
    let config = folder.path().join("guard.toml");
    // A ten-year window catches 1.2.3.4's failures spread over five years, but it is a trunk.
    std::fs::write(
        &config,
        "trunks = [\"1.2.3.4\"]\n[policy]\nsip = { count = 2, seconds = 315360000 }\n\
         [firewall]\nbackend = \"dry-run\"\n",
    )
    .expect("config written");
    let log = common::shared().join("corpus/logs/fail2ban_tests_files_logs_asterisk.log");
    let output = Command::cargo_bin("voipguard")
        .expect("binary built")
        .args(["guard", "--format", "json", "--year", "2005", "--config"])
        .arg(&config)
        .arg("--replay")
        .arg(&log)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Json = serde_json::from_slice(&output.stdout).expect("JSON report");
    let sources = json["sources"].as_array().expect("sources");
    let would_ban = |address: &str| {
        sources
            .iter()
            .find(|s| s["address"] == address)
            .map(|s| s["would_ban"].clone())
    };
    assert_eq!(would_ban("1.2.3.4"), Some(Json::Bool(false)));
    assert_eq!(would_ban("2001:db8::1"), Some(Json::Bool(true)));
}

/// The file's `[sshd] mode` and `unanswered_challenges` are the replay's too.
#[test]
fn replay_with_a_config_uses_its_sshd_mode_and_challenge_allowance() {
    let folder = tempfile::tempdir().expect("temp dir");
    let config = folder.path().join("guard.toml");
    std::fs::write(
        &config,
        "unanswered_challenges = { count = 0, seconds = 600 }\n[sshd]\nmode = \"aggressive\"\n\
         [firewall]\nbackend = \"dry-run\"\n",
    )
    .expect("config written");
    let sshd = common::shared().join("corpus/logs/fail2ban_tests_files_logs_sshd.log");
    let burst = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../guard/tests/data/security_challenge_burst.log");
    let replay = |config: Option<&std::path::Path>| {
        let mut command = Command::cargo_bin("voipguard").expect("binary built");
        command.args(["guard", "--format", "json", "--year", "2005"]);
        if let Some(config) = config {
            command.arg("--config").arg(config);
        }
        let output = command
            .arg("--replay")
            .arg(&sshd)
            .arg(&burst)
            .output()
            .expect("runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let json: Json = serde_json::from_slice(&output.stdout).expect("JSON report");
        json
    };
    let reasons = |json: &Json, address: &str| {
        json["sources"]
            .as_array()
            .expect("sources")
            .iter()
            .find(|s| s["address"] == address)
            .map(|s| s["reasons"].clone())
    };
    let defaults = replay(None);
    // A port scanner that never sent an identification string counts in ddos modes only.
    assert_eq!(reasons(&defaults, "69.61.56.114"), None);
    // The challenge scanner counts with the daemon's default allowance.
    assert_eq!(
        reasons(&defaults, "198.51.100.66"),
        Some(serde_json::json!(["authentication-failed"]))
    );
    let configured = replay(Some(&config));
    assert_eq!(
        reasons(&configured, "69.61.56.114"),
        Some(serde_json::json!(["preauth-disconnect"]))
    );
    assert_eq!(
        reasons(&configured, "192.168.2.92"),
        Some(serde_json::json!(["negotiation-failed"])),
        "no authentication method in common (extra)"
    );
    assert_eq!(reasons(&configured, "198.51.100.66"), None, "check off");
}
