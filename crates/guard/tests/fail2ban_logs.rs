//! fail2ban's own test logs: every `# failJSON` expectation of the asterisk filter and of the
//! sshd filter in each of its modes, read from the shared corpus.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::PathBuf;

use serde_json::Value;
use voipguard_guard::{LineOutcome, Parser, SshdMode};

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

/// fail2ban's name of a mode.
fn mode_name(mode: SshdMode) -> &'static str {
    match mode {
        SshdMode::Normal => "normal",
        SshdMode::Ddos => "ddos",
        SshdMode::Extra => "extra",
        SshdMode::Aggressive => "aggressive",
    }
}

/// Whether a `# filterOptions:` value (one option set or a list of them, each run by fail2ban's
/// test suite) includes `mode`; a set without `mode` is fail2ban's default, normal.
fn includes_mode(options: &Value, mode: SshdMode) -> bool {
    let wanted =
        |o: &Value| o.get("mode").and_then(Value::as_str).unwrap_or("normal") == mode_name(mode);
    match options {
        Value::Array(list) => list.iter().any(wanted),
        other => wanted(other),
    }
}

/// `constraint` expressions of these two logs, evaluated for the sshd/asterisk filter in `mode`.
fn constraint_holds(constraint: &str, mode: SshdMode) -> bool {
    match constraint {
        "name == 'sshd'" => true,
        "opts.get('mode') != 'aggressive'" => mode != SshdMode::Aggressive,
        "opts.get('mode') == 'aggressive'" => mode == SshdMode::Aggressive,
        other => panic!("unknown constraint {other}"),
    }
}

struct Tally {
    /// Line numbers of the expectations checked.
    checked: BTreeSet<usize>,
    excluded: Vec<(String, &'static str)>,
    /// Expectations that belong to other modes.
    other_modes: BTreeSet<usize>,
}

/// Checks the expectations of `name` that fail2ban's test suite checks in `mode`, feeding the
/// parser the lines of the blocks run in that mode, as fail2ban does.
fn check_file(name: &str, mode: SshdMode) -> Tally {
    let text = corpus(name);
    let mut parser = Parser::new(2005).with_sshd_mode(mode);
    let mut tally = Tally {
        checked: BTreeSet::new(),
        excluded: Vec::new(),
        other_modes: BTreeSet::new(),
    };
    let mut in_mode = mode == SshdMode::Normal;
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
            in_mode = includes_mode(&options, mode);
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let Some(expected) = expectation.take() else {
            continue;
        };
        if !in_mode {
            tally.other_modes.insert(number);
            continue;
        }
        let outcome = parser.parse_line(line);
        let constraint = expected.get("constraint").and_then(Value::as_str);
        if constraint.is_some_and(|c| !constraint_holds(c, mode)) {
            tally.other_modes.insert(number);
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
        tally.checked.insert(number);
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
        "{} mismatches in {} mode:\n{}",
        failures.len(),
        mode_name(mode),
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
    let tally = check_file("fail2ban_tests_files_logs_asterisk.log", SshdMode::Normal);
    assert!(
        tally.checked.len() >= 45,
        "only {} expectations checked",
        tally.checked.len()
    );
    assert_eq!(tally.excluded.len(), 1, "{:?}", tally.excluded);
    assert!(tally.other_modes.is_empty(), "{:?}", tally.other_modes);
}

const SSHD_LOG: &str = "fail2ban_tests_files_logs_sshd.log";

/// Normal mode is fail2ban's default: the expectations of the other modes are left to them.
#[test]
fn sshd_fail_json_normal_mode() {
    let tally = check_file(SSHD_LOG, SshdMode::Normal);
    assert_eq!(tally.checked.len(), 99);
    let hosts: Vec<&str> = tally.excluded.iter().map(|(h, _)| h.as_str()).collect();
    assert_eq!(tally.excluded.len(), 5, "{hosts:?}");
    assert_eq!(
        tally.other_modes.len(),
        51,
        "ddos/extra/aggressive expectations"
    );
}

#[test]
fn sshd_fail_json_ddos_mode() {
    let tally = check_file(SSHD_LOG, SshdMode::Ddos);
    assert_eq!(tally.checked.len(), 34, "the two ddos blocks");
    assert!(tally.excluded.is_empty(), "{:?}", tally.excluded);
}

#[test]
fn sshd_fail_json_extra_mode() {
    let tally = check_file(SSHD_LOG, SshdMode::Extra);
    assert_eq!(tally.checked.len(), 15, "the extra block");
    assert!(tally.excluded.is_empty(), "{:?}", tally.excluded);
}

/// Aggressive mode runs the first block (fail2ban's default one) too, where a close in the
/// preauth phase now counts.
#[test]
fn sshd_fail_json_aggressive_mode() {
    let tally = check_file(SSHD_LOG, SshdMode::Aggressive);
    // The first block's 86 but the one for other modes, the ddos and extra blocks.
    assert_eq!(tally.checked.len(), 85 - 5 + 34 + 15);
    assert_eq!(tally.excluded.len(), 5, "{:?}", tally.excluded);
}

/// Every expectation of the sshd log is met in at least one mode, but for the excluded hosts.
#[test]
fn sshd_fail_json_every_expectation_in_some_mode() {
    let modes = [
        SshdMode::Normal,
        SshdMode::Ddos,
        SshdMode::Extra,
        SshdMode::Aggressive,
    ];
    let tallies: Vec<Tally> = modes.iter().map(|&m| check_file(SSHD_LOG, m)).collect();
    let checked: BTreeSet<usize> = tallies
        .iter()
        .flat_map(|t| t.checked.iter().copied())
        .collect();
    let excluded: BTreeSet<&str> = tallies
        .iter()
        .flat_map(|t| t.excluded.iter().map(|(h, _)| h.as_str()))
        .collect();
    let expectations = corpus(SSHD_LOG)
        .lines()
        .filter(|l| l.starts_with("# failJSON:"))
        .count();
    assert_eq!(checked.len() + excluded.len(), expectations, "{excluded:?}");
}
