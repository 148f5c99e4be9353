//! fail2ban's own test logs: every `# failJSON` expectation of the asterisk and sshd filters in
//! `normal` mode, read from the shared corpus.

use std::net::IpAddr;
use std::path::PathBuf;

use serde_json::Value;
use voipguard_guard::{LineOutcome, Parser};

fn corpus(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/logs")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Expectations this guard deliberately does not meet, with the reason.
fn excluded(host: &str) -> Option<&'static str> {
    match host {
        // sshd logs host names only with UseDNS=yes; a name is not an address to ban and
        // resolving it would let DNS decide the target.
        "example.com" => Some("host name, not an address"),
        // inet_aton would read 030 as octal (24); the text is not a canonical address.
        "192.030.0.6" => Some("non-canonical IPv4 with a leading zero"),
        // `hacking attempt detected '<ip>'` comes from a distribution patch and named the
        // server itself (fail2ban #1000, #822): the reference says never ban on it.
        "192.168.2.102" => Some("hacking attempt line names the server"),
        _ => None,
    }
}

/// Whether a `# filterOptions:` value includes fail2ban's default (normal) mode.
fn includes_normal_mode(options: &Value) -> bool {
    let normal = |o: &Value| {
        o.get("mode")
            .and_then(Value::as_str)
            .is_none_or(|m| m == "normal")
    };
    match options {
        Value::Array(list) => list.iter().any(normal),
        other => normal(other),
    }
}

/// `constraint` expressions of these two logs, evaluated for the sshd/asterisk filter in normal
/// mode.
fn constraint_holds(constraint: &str) -> bool {
    match constraint {
        "name == 'sshd'" | "opts.get('mode') != 'aggressive'" => true,
        "opts.get('mode') == 'aggressive'" => false,
        other => panic!("unknown constraint {other}"),
    }
}

struct Tally {
    checked: usize,
    excluded: Vec<(String, &'static str)>,
    skipped_modes: usize,
}

fn check_file(name: &str) -> Tally {
    let text = corpus(name);
    let mut parser = Parser::new(2005);
    let mut tally = Tally {
        checked: 0,
        excluded: Vec::new(),
        skipped_modes: 0,
    };
    let mut normal_mode = true;
    let mut expectation: Option<Value> = None;
    let mut failures = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if let Some(json) = line.strip_prefix("# failJSON:") {
            expectation =
                Some(serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}:{number}: {e}")));
            continue;
        }
        if let Some(json) = line.strip_prefix("# filterOptions:") {
            let options: Value =
                serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}:{number}: {e}"));
            normal_mode = includes_normal_mode(&options);
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let Some(expected) = expectation.take() else {
            continue;
        };
        if !normal_mode {
            tally.skipped_modes += 1;
            continue;
        }
        let outcome = parser.parse_line(line);
        let constraint = expected.get("constraint").and_then(Value::as_str);
        if constraint.is_some_and(|c| !constraint_holds(c)) {
            tally.skipped_modes += 1;
            continue;
        }
        let must_match = expected
            .get("match")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let host = expected.get("host").and_then(Value::as_str);
        if let Some(why) = host.and_then(excluded) {
            if let LineOutcome::Failure(f) = &outcome {
                failures.push(format!(
                    "{name}:{number}: excluded host yielded {}",
                    f.address
                ));
            }
            tally
                .excluded
                .push((format!("{name}:{number} {}", host.unwrap_or_default()), why));
            continue;
        }
        tally.checked += 1;
        match (&outcome, must_match, host) {
            (LineOutcome::Failure(f), false, _) => {
                failures.push(format!(
                    "{name}:{number}: unexpected failure {} in {line}",
                    f.address
                ));
            }
            (LineOutcome::Failure(f), true, Some(host)) => {
                let want: IpAddr = host.parse().unwrap_or_else(|e| panic!("{host}: {e}"));
                if f.address != want {
                    failures.push(format!("{name}:{number}: got {} want {host}", f.address));
                }
                check_time(&expected, f.time, line, &mut failures, name, number);
            }
            (LineOutcome::Failure(_), true, None) | (_, false, _) => {}
            (other, true, _) => failures.push(format!("{name}:{number}: {other:?} for {line}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    tally
}

/// Times without an offset on the line are the log's clock; compare month, day and time (the year
/// of year-less lines is fail2ban's test-suite guess).
fn check_time(
    expected: &Value,
    time: Option<i64>,
    line: &str,
    failures: &mut Vec<String>,
    name: &str,
    number: usize,
) {
    let Some(want) = expected.get("time").and_then(Value::as_str) else {
        return;
    };
    if line.starts_with('<') || line.starts_with(|c: char| c.is_ascii_digit()) {
        return;
    }
    let Some(time) = time else {
        failures.push(format!("{name}:{number}: no time read"));
        return;
    };
    let secs = time.rem_euclid(86_400);
    let clock = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if !want.ends_with(&clock) {
        failures.push(format!("{name}:{number}: time {clock} want {want}"));
    }
}

#[test]
fn asterisk_fail_json() {
    let tally = check_file("fail2ban_tests_files_logs_asterisk.log");
    assert!(
        tally.checked >= 45,
        "only {} expectations checked",
        tally.checked
    );
    assert_eq!(tally.excluded.len(), 1, "{:?}", tally.excluded);
}

#[test]
fn sshd_fail_json_normal_mode() {
    let tally = check_file("fail2ban_tests_files_logs_sshd.log");
    assert!(
        tally.checked >= 80,
        "only {} expectations checked",
        tally.checked
    );
    let hosts: Vec<&str> = tally.excluded.iter().map(|(h, _)| h.as_str()).collect();
    assert_eq!(tally.excluded.len(), 5, "{hosts:?}");
    assert!(
        tally.skipped_modes > 30,
        "ddos/extra/aggressive blocks: {}",
        tally.skipped_modes
    );
}
