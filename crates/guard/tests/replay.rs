//! Replays of the real logs: the hand-written JSON report is byte for byte what serde writes,
//! and reading lines in place from a reader's buffer gives the same report as whole lines.

use std::io::BufReader;
use std::path::PathBuf;

use serde_json::Value;
use voipguard_guard::{Parser, Policy, Replay, ReplayReport, Threshold};

const LOGS: [&str; 4] = [
    "fail2ban_tests_files_logs_asterisk.log",
    "asterisk_log_formats_from_source.txt",
    "fail2ban_tests_files_logs_sshd.log",
    "fail2ban_tests_files_logs_freeswitch.log",
];

fn corpus(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/logs")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Strict enough that the corpus's repeated attackers are banned.
fn policy(ipv6_prefix: Option<u8>) -> Policy {
    Policy {
        sip: Threshold {
            count: 3,
            seconds: 3600,
        },
        ipv6_prefix,
        ..Policy::default()
    }
}

/// A failure before any line with a time: its source has no first or last time.
const UNTIMED: &str = "NOTICE[566]: chan_sip.c:28926 handle_request_register: Registration \
                       from '<sip:7@x>' failed for '203.0.113.99:5060' - Wrong password\n";

fn replay(ipv6_prefix: Option<u8>, capacity: usize) -> ReplayReport {
    let mut replay = Replay::new(policy(ipv6_prefix), Parser::new(2024));
    replay
        .read("untimed", UNTIMED.as_bytes())
        .unwrap_or_else(|e| panic!("untimed: {e}"));
    for name in LOGS {
        let bytes = corpus(name);
        replay
            .read(name, BufReader::with_capacity(capacity, bytes.as_slice()))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    replay.finish()
}

fn json(report: &ReplayReport) -> (Vec<u8>, Vec<u8>) {
    let by_serde = serde_json::to_vec(report).unwrap_or_else(|e| panic!("serde: {e}"));
    let mut by_hand = Vec::new();
    report
        .write_json(&mut by_hand)
        .unwrap_or_else(|e| panic!("write_json: {e}"));
    (by_serde, by_hand)
}

#[test]
fn hand_written_json_is_what_serde_writes() {
    for prefix in [None, Some(64)] {
        let report = replay(prefix, 1 << 16);
        let (by_serde, by_hand) = json(&report);
        assert_eq!(
            String::from_utf8_lossy(&by_hand),
            String::from_utf8_lossy(&by_serde)
        );
        let value: Value = serde_json::from_slice(&by_hand).unwrap_or_else(|e| panic!("{e}"));
        let sources = value["sources"]
            .as_array()
            .unwrap_or_else(|| panic!("no sources"));
        assert_eq!(sources.len(), report.source_count());
        // The corpus exercises every shape a row can take.
        let has = |test: &dyn Fn(&Value) -> bool| sources.iter().any(test);
        assert!(has(&|s| s["address"]
            .as_str()
            .is_some_and(|a| a.contains(':'))));
        assert!(has(&|s| s["would_ban"] == true));
        assert!(has(&|s| s["first_seen"].is_null()));
        assert!(has(&|s| s["first_seen"] != s["last_seen"]));
        assert!(has(&|s| s["reasons"]
            .as_array()
            .is_some_and(|r| r.len() > 1)));
        assert!(has(&|s| s["failures"]["ssh"].is_u64()));
    }
}

#[test]
fn lines_cut_by_the_read_buffer_read_the_same() {
    // A 7-byte buffer cuts almost every line, and multi-byte characters, in pieces.
    let (whole, _) = json(&replay(None, 1 << 16));
    let (cut, _) = json(&replay(None, 7));
    assert_eq!(
        String::from_utf8_lossy(&cut),
        String::from_utf8_lossy(&whole)
    );
}

/// A security log where a scanner is challenged 25 times and never answers, a phone answers
/// every challenge rightly and a guesser every one wrongly. `None`: the default allowance.
fn challenge_burst(allowance: Option<Threshold>) -> ReplayReport {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/security_challenge_burst.log");
    let log = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut replay = Replay::new(Policy::default(), Parser::new(2024));
    if let Some(allowance) = allowance {
        replay = replay.with_unanswered_challenges(allowance);
    }
    replay
        .read("security", log.as_slice())
        .unwrap_or_else(|e| panic!("{e}"));
    replay.finish()
}

#[test]
fn unanswered_challenges_count_beyond_the_allowance() {
    // The daemon's default (10 in a run), which a replay without a configuration file uses.
    let report = challenge_burst(None);
    let sources: Vec<Value> = report
        .sources()
        .map(|s| serde_json::to_value(s).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let source = |address: &str| sources.iter().find(|s| s["address"] == address);
    let scanner = source("198.51.100.66").unwrap_or_else(|| panic!("scanner not reported"));
    // 25 challenges 2 s apart: the 11th (at 08:00:20) and every one after it count.
    assert_eq!(scanner["failures"]["sip"], 15);
    assert_eq!(
        scanner["reasons"],
        serde_json::json!(["authentication-failed"])
    );
    assert_eq!(scanner["first_seen"], "2024-11-06T08:00:20Z");
    assert_eq!(scanner["last_seen"], "2024-11-06T08:00:48Z");
    assert_eq!(scanner["would_ban"], true, "10 SIP failures in 600 s");
    // Wrong answers count as themselves, and each ends the guesser's run of challenges.
    let guesser = source("192.0.2.30").unwrap_or_else(|| panic!("guesser not reported"));
    assert_eq!(guesser["failures"]["sip"], 25);
    assert_eq!(guesser["reasons"], serde_json::json!(["wrong-password"]));
    assert!(source("192.0.2.20").is_none(), "the phone answers rightly");
    assert_eq!(report.failures, 15 + 25);
    assert_eq!(report.unparsed, 0);

    let off = challenge_burst(Some(Threshold {
        count: 0,
        seconds: 600,
    }));
    assert_eq!(off.failures, 25);
    assert!(off.sources().all(|s| s.address.to_string() == "192.0.2.30"));
}
