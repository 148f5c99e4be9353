//! `voipguard scan` end to end against a real Kamailio on loopback: the scope is enforced before
//! any packet (exit 2, a listener outside the scope hears nothing), found hosts are printed with
//! their fingerprint. Only 127.0.0.0/8 is addressed. Needs `apt-get install -y kamailio`.

#[path = "../../scan/tests/support/mod.rs"]
mod support;

use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value as Json;
use support::{Kamailio, SilentListener, kamailio_version};

fn voipguard() -> Command {
    Command::cargo_bin("voipguard").expect("binary built")
}

#[test]
fn a_target_outside_the_scope_exits_2_and_sends_nothing() {
    let outside = SilentListener::bind("127.0.0.99:25190");
    let inside = SilentListener::bind("127.0.0.1:25190");
    let output = voipguard()
        .args([
            "scan",
            "--scope",
            "127.0.0.0/30",
            "127.0.0.1",
            "127.0.0.99",
            "--ports",
            "25190",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("\"127.0.0.99\"")
            && stderr.contains("127.0.0.0/30")
            && stderr.contains("nothing was sent"),
        "{stderr}"
    );
    std::thread::sleep(Duration::from_millis(200));
    assert!(outside.received().is_empty());
    // Refused as a whole: not even the in-scope target was probed.
    assert!(inside.received().is_empty());
}

#[test]
fn public_scope_needs_allow_public() {
    let output = voipguard()
        .args(["scan", "--scope", "192.0.2.0/24,8.8.8.0/24", "8.8.8.8"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("8.8.8.0/24") && stderr.contains("--allow-public"),
        "{stderr}"
    );
}

#[test]
fn scan_prints_kamailio_with_its_fingerprint() {
    let Some(version) = kamailio_version() else {
        return;
    };
    let _kamailio = Kamailio::start(
        &["udp:127.0.0.81:25160", "udp:127.0.0.82:25162"],
        Some("127.0.0.82:25162".parse().expect("address")),
    );
    let output = voipguard()
        .args([
            "scan",
            "--scope",
            "127.0.0.0/8",
            "127.0.0.80-83",
            "--ports",
            "25160,25162",
        ])
        .args([
            "--timeout-ms",
            "100",
            "--retries",
            "1",
            "--format",
            "jsonl",
            "--sip-only",
        ])
        .args(["--user-agent", "voipguard-test"])
        .output()
        .expect("runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut lines: Vec<Json> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|err| panic!("{err}: {line}")))
        .collect();
    lines.sort_by_key(|line| line["target"].as_str().unwrap_or_default().to_string());
    let targets: Vec<&str> = lines
        .iter()
        .filter_map(|line| line["target"].as_str())
        .collect();
    assert_eq!(targets, ["127.0.0.81:25160", "127.0.0.82:25162"]);
    // A discovery-only sweep sends no svmap-like second OPTIONS (that probe is tested against
    // Kamailio in crates/scan/tests/kamailio.rs).
    assert!(
        lines.iter().all(|line| line.get("scanner_probe").is_none()),
        "{stdout}"
    );
    for line in &lines {
        assert_eq!(line["status"], 200);
        assert_eq!(line["transport"], "udp");
        assert_eq!(line["fingerprint"]["vendor"], "Kamailio");
        assert_eq!(line["fingerprint"]["firmware"], version.as_str());
        assert_eq!(
            line["server"],
            format!("kamailio ({version} (x86_64/linux))")
        );
    }

    let text = voipguard()
        .args([
            "scan",
            "--scope",
            "127.0.0.81",
            "127.0.0.81",
            "--ports",
            "25160",
        ])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.starts_with(&format!("127.0.0.81:25160/udp  200 OK  Kamailio SIP proxy firmware {version} platform x86_64/linux (confidence ")),
        "{text}"
    );
    // After the SIP lines, the report: Kamailio is no make a control covers, so the host is a
    // site device whose only control (NET-PUBLIC) does not apply to a loopback address.
    assert_eq!(
        text.lines().nth(1),
        Some(
            "127.0.0.81  site/unknown (family assumed)  score n/a  from sip://127.0.0.81:25160/udp"
        ),
        "{text}"
    );
    assert!(text.contains("  1 not applicable\n"), "{text}");
}

#[test]
fn intrusive_checks_run_only_when_named_and_report_their_controls() {
    if kamailio_version().is_none() {
        return;
    }
    // A PBX that challenges 100-105, says 404 to anyone else and declines every call.
    let script = "loadmodule \"sl.so\"\nloadmodule \"textops.so\"\nloadmodule \"pv.so\"\n\
        loadmodule \"auth.so\"\n\
        request_route {\n\
          if (method==\"OPTIONS\") { sl_send_reply(\"200\", \"OK\"); exit; }\n\
          if (method==\"ACK\") { exit; }\n\
          if (method==\"INVITE\") { sl_send_reply(\"603\", \"Decline\"); exit; }\n\
          if (method==\"REGISTER\") {\n\
            if ($tU =~ \"^10[0-5]$\") { auth_challenge(\"pbx.test\", \"0\"); exit; }\n\
            sl_send_reply(\"404\", \"Not Found\"); exit;\n\
          }\n\
          sl_send_reply(\"501\", \"Not Implemented\"); exit;\n\
        }\n";
    let _pbx = Kamailio::start_script(
        &["udp:127.0.0.86:25166"],
        Some("127.0.0.86:25166".parse().expect("address")),
        script,
    );
    let scan = |extra: &[&str]| {
        voipguard()
            .args([
                "scan",
                "--scope",
                "127.0.0.86",
                "127.0.0.86",
                "--ports",
                "25166",
            ])
            .args(["--timeout-ms", "100", "--service-timeout-ms", "200"])
            .args(extra)
            .output()
            .expect("runs")
    };
    let plain = scan(&[]);
    let text = String::from_utf8_lossy(&plain.stdout);
    assert!(!text.contains("NET-SIP-ENUM"), "{text}");
    assert!(!text.contains("GS-DIRECT-IP"), "{text}");

    let output = scan(&[
        "--intrusive",
        "enum,direct-ip,anonymous",
        "--extensions",
        "99-101",
        "--intrusive-rate",
        "50",
    ]);
    let text = String::from_utf8_lossy(&output.stdout);
    let log = String::from_utf8_lossy(&output.stderr);
    // A failing control makes the scan exit 1, as an audit does (`--fail-on low` by default).
    assert_eq!(output.status.code(), Some(1), "{log}");
    assert!(
        text.contains("FAIL  medium    NET-SIP-ENUM")
            && text.contains(
                "2 of 3 extensions are answered differently from a random user (REGISTER): 100, 101"
            ),
        "{text}"
    );
    assert!(text.contains("  2 passed, 1 not applicable\n"), "{text}");
    // Every request is logged at info without asking for it.
    for user in ["99", "100", "101"] {
        assert!(
            log.contains(&format!(
                "enumeration probe target=127.0.0.86:25166 method=\"REGISTER\" user=\"{user}\""
            )),
            "{log}"
        );
    }
    assert_eq!(
        log.matches("ACK sent for the final answer").count(),
        2,
        "{log}"
    );

    let unknown = scan(&["--intrusive", "enum,svcrack"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("unknown intrusive check \"svcrack\""),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
}

#[test]
fn sip_auth_names_the_weak_user_and_logs_every_try_without_a_secret() {
    if kamailio_version().is_none() {
        return;
    }
    const STRONG: &str = "Xq7!strong-Secret-9";
    const LISTED: &str = "Blue-Lagoon-17";
    // A PBX whose users' secrets sit in the script: 100 has "100", 101 a strong one, 102 one only
    // the supplied word list holds. Accepted REGISTERs are answered 200 without a binding.
    let script = format!(
        "loadmodule \"sl.so\"\nloadmodule \"textops.so\"\nloadmodule \"pv.so\"\nloadmodule \"auth.so\"\n\
        request_route {{\n\
          if (method==\"OPTIONS\") {{ sl_send_reply(\"200\", \"OK\"); exit; }}\n\
          if (method==\"REGISTER\") {{\n\
            if ($tU == \"100\") {{ $var(pw) = \"100\"; }}\n\
            else if ($tU == \"101\") {{ $var(pw) = \"{STRONG}\"; }}\n\
            else if ($tU == \"102\") {{ $var(pw) = \"{LISTED}\"; }}\n\
            else {{ sl_send_reply(\"404\", \"Not Found\"); exit; }}\n\
            if (!pv_www_authenticate(\"pbx.test\", \"$var(pw)\", \"0\")) {{ auth_challenge(\"pbx.test\", \"1\"); exit; }}\n\
            sl_send_reply(\"200\", \"OK\"); exit;\n\
          }}\n\
          sl_send_reply(\"501\", \"Not Implemented\"); exit;\n\
        }}\n"
    );
    let _pbx = Kamailio::start_script(
        &["udp:127.0.0.87:25167"],
        Some("127.0.0.87:25167".parse().expect("address")),
        &script,
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let users = dir.path().join("users.txt");
    std::fs::write(
        &users,
        "# the PBX's extensions\n100-101\n102 # front desk\n",
    )
    .expect("write");
    let words = dir.path().join("words.txt");
    std::fs::write(&words, format!("summer2024\n{LISTED}\n")).expect("write");
    let output = voipguard()
        .args([
            "scan",
            "--scope",
            "127.0.0.87",
            "127.0.0.87",
            "--ports",
            "25167",
        ])
        .args(["--timeout-ms", "100", "--service-timeout-ms", "200"])
        .args(["--intrusive", "sip-auth", "--intrusive-rate", "200"])
        .arg("--users")
        .arg(&users)
        .arg("--wordlist")
        .arg(&words)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&output.stdout);
    let log = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{text}\n{log}");
    assert!(
        text.contains("FAIL  critical  NET-WEAK-SIP-SECRET")
            && text.contains(
                "2 of 3 users have a guessable SIP secret: 100 (same as the user name), 102 (a word of the supplied list)"
            ),
        "{text}"
    );
    assert!(
        !text.contains("NET-SIP-ENUM"),
        "users were given: enum did not run\n{text}"
    );
    // Every try is logged by number; 101 got all of them.
    let tries_101 = log
        .lines()
        .filter(|line| line.contains("for user 101"))
        .count();
    assert!(tries_101 >= 30, "{log}");
    assert!(log.contains("try 1 of"), "{log}");
    for secret in [STRONG, LISTED, "summer2024"] {
        assert!(
            !text.contains(secret) && !log.contains(secret),
            "{secret} shown"
        );
    }
}
