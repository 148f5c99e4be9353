//! The nftables backend for real, inside network namespaces the test creates: a "pbx" namespace
//! running a UDP echo service on 5060 and an "attacker" namespace, joined by a veth pair. Packets
//! never leave these namespaces; the host's own ruleset is never touched, since nft is always
//! run as `ip netns exec <pbx namespace> nft`.
//!
//! Needs root and the Debian packages iproute2, nftables and socat. Without them the tests fail,
//! unless VOIPGUARD_SKIP_NETNS=1 is set.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use voipguard_firewall::{Backend, BanOutcome, Nftables, Target, UnbanOutcome};

const PACKAGES: &str = "iproute2 nftables socat";
const PBX4: &str = "192.0.2.1";
const PBX6: &str = "2001:db8:5060::1";
const ATTACKER4: &str = "192.0.2.2";
const BYSTANDER4: &str = "192.0.2.3";
const ATTACKER6: &str = "2001:db8:5060::2";
/// A /64 apart from the link's, so that banning it whole cannot touch the pbx's own address.
const SCANNER6_A: &str = "2001:db8:bad::2";
const SCANNER6_B: &str = "2001:db8:bad::3";
const SCANNERS6: &str = "2001:db8:bad::/64";

/// A table of someone else's that voipguard must leave exactly as it was.
const OTHER_TABLE: &str = "table inet other {
    set keep {
        type ipv4_addr
        elements = { 198.51.100.9 }
    }
    chain c {
        type filter hook input priority 10; policy accept;
        tcp dport 2222 accept
        ip saddr @keep drop
    }
}
";

fn run(argv: &[&str], stdin: Option<&str>) -> Result<String, String> {
    let (program, arguments) = argv.split_first().ok_or("empty command")?;
    let mut child = Command::new(program)
        .args(arguments)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("`{}`: {e}", argv.join(" ")))?;
    if let (Some(mut pipe), Some(text)) = (child.stdin.take(), stdin) {
        pipe.write_all(text.as_bytes())
            .map_err(|e| format!("`{}`: {e}", argv.join(" ")))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| format!("`{}`: {e}", argv.join(" ")))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "`{}` failed ({}): {}",
            argv.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

fn must(argv: &[&str]) -> String {
    run(argv, None).unwrap_or_else(|e| panic!("{e}"))
}

fn target(text: &str) -> Target {
    text.parse().unwrap_or_else(|e| panic!("{e}"))
}

/// Two namespaces joined by a veth pair, an echo service in the pbx one; all of it is deleted
/// when the lab is dropped, a failed assertion included.
struct Lab {
    pbx: String,
    attacker: String,
    echo: Option<Child>,
}

impl Lab {
    /// `None` when the tools are missing and VOIPGUARD_SKIP_NETNS=1 says to skip.
    fn new(tag: &str) -> Option<Lab> {
        let missing: Vec<&str> = [["ip", "-V"], ["nft", "--version"], ["socat", "-V"]]
            .iter()
            .filter(|argv| run(argv.as_slice(), None).is_err())
            .filter_map(|argv| argv.first().copied())
            .collect();
        if !missing.is_empty() {
            if std::env::var("VOIPGUARD_SKIP_NETNS").is_ok_and(|value| value == "1") {
                return None;
            }
            panic!(
                "the network-namespace tests need {} (missing: {}); install with \
                 `apt-get install -y {PACKAGES}` and run as root, or set VOIPGUARD_SKIP_NETNS=1",
                PACKAGES,
                missing.join(", ")
            );
        }
        let pid = std::process::id();
        let mut lab = Lab {
            pbx: format!("vg-pbx-{pid}-{tag}"),
            attacker: format!("vg-atk-{pid}-{tag}"),
            echo: None,
        };
        lab.build()
            .unwrap_or_else(|e| panic!("cannot build the test namespaces (root is required): {e}"));
        Some(lab)
    }

    fn build(&mut self) -> Result<(), String> {
        let (pbx, attacker) = (self.pbx.as_str(), self.attacker.as_str());
        run(&["ip", "netns", "add", pbx], None)?;
        run(&["ip", "netns", "add", attacker], None)?;
        let steps: [&[&str]; 13] = [
            &["ip", "-n", pbx, "link", "set", "lo", "up"],
            &["ip", "-n", attacker, "link", "set", "lo", "up"],
            &[
                "ip", "-n", pbx, "link", "add", "veth0", "type", "veth", "peer", "name", "veth1",
                "netns", attacker,
            ],
            &[
                "ip",
                "-n",
                pbx,
                "addr",
                "add",
                "192.0.2.1/24",
                "dev",
                "veth0",
            ],
            &[
                "ip",
                "-n",
                pbx,
                "addr",
                "add",
                "2001:db8:5060::1/64",
                "dev",
                "veth0",
                "nodad",
            ],
            &[
                "ip",
                "-n",
                attacker,
                "addr",
                "add",
                "192.0.2.2/24",
                "dev",
                "veth1",
            ],
            &[
                "ip",
                "-n",
                attacker,
                "addr",
                "add",
                "192.0.2.3/24",
                "dev",
                "veth1",
            ],
            &[
                "ip",
                "-n",
                attacker,
                "addr",
                "add",
                "2001:db8:5060::2/64",
                "dev",
                "veth1",
                "nodad",
            ],
            &[
                "ip",
                "-n",
                attacker,
                "addr",
                "add",
                "2001:db8:bad::2/64",
                "dev",
                "veth1",
                "nodad",
            ],
            &[
                "ip",
                "-n",
                attacker,
                "addr",
                "add",
                "2001:db8:bad::3/64",
                "dev",
                "veth1",
                "nodad",
            ],
            &["ip", "-n", pbx, "link", "set", "veth0", "up"],
            &["ip", "-n", attacker, "link", "set", "veth1", "up"],
            &[
                "ip",
                "-n",
                pbx,
                "route",
                "add",
                "2001:db8:bad::/64",
                "dev",
                "veth0",
            ],
        ];
        for step in steps {
            run(step, None)?;
        }
        Ok(())
    }

    /// Starts the SIP-port echo service: every datagram to 5060 (IPv4 or IPv6) comes back.
    fn start_echo(&mut self) {
        let child = Command::new("ip")
            .args(["netns", "exec", &self.pbx, "socat", "-T", "1"])
            .args(["UDP6-RECVFROM:5060,ipv6only=0,fork", "EXEC:cat"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start socat in {}: {e}", self.pbx));
        self.echo = Some(child);
    }

    fn nft_command(&self) -> Vec<String> {
        ["ip", "netns", "exec", &self.pbx, "nft"]
            .map(str::to_owned)
            .to_vec()
    }

    fn nft(&self, arguments: &[&str]) -> Result<String, String> {
        let mut argv = vec!["ip", "netns", "exec", &self.pbx, "nft"];
        argv.extend_from_slice(arguments);
        run(&argv, None)
    }

    fn load_other_table(&self) {
        run(
            &["ip", "netns", "exec", &self.pbx, "nft", "-f", "-"],
            Some(OTHER_TABLE),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Whether a datagram from `source` to the pbx's SIP port gets its echo within a second.
    fn answered(&self, source: &str) -> bool {
        let (peer, bind) = if source.contains(':') {
            (format!("UDP6:[{PBX6}]:5060"), format!("bind=[{source}]"))
        } else {
            (format!("UDP4:{PBX4}:5060"), format!("bind={source}"))
        };
        let payload = format!("OPTIONS sip:probe@{source} {:?}\n", Instant::now());
        let address = format!("{peer},{bind}");
        let argv = [
            "ip",
            "netns",
            "exec",
            &self.attacker,
            "socat",
            "-t",
            "1",
            "-",
            &address,
        ];
        run(&argv, Some(&payload)).is_ok_and(|echo| echo == payload)
    }

    /// Waits (up to 10 s) for `source` to be answered: the service may still be starting, or
    /// the machine busy.
    fn eventually_answered(&self, source: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.answered(source) {
                return true;
            }
        }
        false
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(mut echo) = self.echo.take() {
            let _ = echo.kill();
            let _ = echo.wait();
        }
        let _ = run(&["ip", "netns", "del", &self.pbx], None);
        let _ = run(&["ip", "netns", "del", &self.attacker], None);
    }
}

#[test]
fn banned_sources_are_dropped_until_the_ban_expires_or_is_lifted() {
    let Some(mut lab) = Lab::new("drop") else {
        return;
    };
    lab.load_other_table();
    let ruleset_before = must(&["ip", "netns", "exec", &lab.pbx, "nft", "list", "ruleset"]);
    lab.start_echo();
    let mut nft = Nftables::new(lab.nft_command()).unwrap_or_else(|e| panic!("{e}"));
    nft.ensure().unwrap_or_else(|e| panic!("{e}"));

    for source in [ATTACKER4, BYSTANDER4, ATTACKER6, SCANNER6_A, SCANNER6_B] {
        assert!(
            lab.eventually_answered(source),
            "{source} is not answered before any ban"
        );
    }

    // A ban drops the source, on IPv4 and IPv6, and only it; nft expires it by itself.
    let banned_at = Instant::now();
    let ban_time = Duration::from_secs(5);
    for source in [ATTACKER4, ATTACKER6] {
        assert_eq!(
            nft.ban(target(source), ban_time, "test: 5 failed REGISTER")
                .ok(),
            Some(BanOutcome::Added { superseded: vec![] })
        );
    }
    assert!(
        !lab.answered(ATTACKER4),
        "banned {ATTACKER4} still answered"
    );
    assert!(
        !lab.answered(ATTACKER6),
        "banned {ATTACKER6} still answered"
    );
    assert!(
        lab.answered(BYSTANDER4),
        "unbanned {BYSTANDER4} no longer answered"
    );
    let bans = nft.bans().unwrap_or_else(|e| panic!("{e}"));
    let listed: Vec<(String, Option<&str>)> = bans
        .iter()
        .map(|ban| (ban.target.to_string(), ban.reason.as_deref()))
        .collect();
    assert_eq!(
        listed,
        [
            (ATTACKER4.to_owned(), Some("test: 5 failed REGISTER")),
            (ATTACKER6.to_owned(), Some("test: 5 failed REGISTER")),
        ]
    );
    assert!(
        bans.iter()
            .all(|ban| ban.remaining.is_some_and(|left| left <= ban_time))
    );
    assert!(bans.iter().all(|ban| ban.timeout == Some(ban_time)));
    sleep(
        (banned_at + ban_time + Duration::from_millis(500))
            .saturating_duration_since(Instant::now()),
    );
    assert!(
        lab.answered(ATTACKER4),
        "{ATTACKER4} still dropped after its ban expired"
    );
    assert!(
        lab.answered(ATTACKER6),
        "{ATTACKER6} still dropped after its ban expired"
    );
    assert_eq!(nft.bans().map(|bans| bans.len()).ok(), Some(0));

    // Banning again restarts the timeout.
    let first_ban = Instant::now();
    assert!(
        nft.ban(target(ATTACKER4), Duration::from_secs(3), "first")
            .is_ok()
    );
    sleep(Duration::from_secs(2));
    assert_eq!(
        nft.ban(target(ATTACKER4), Duration::from_secs(4), "again")
            .ok(),
        Some(BanOutcome::Refreshed)
    );
    sleep((first_ban + Duration::from_millis(3500)).saturating_duration_since(Instant::now()));
    assert!(
        !lab.answered(ATTACKER4),
        "refreshed ban expired at its first timeout"
    );
    let reasons: Vec<Option<String>> = nft
        .bans()
        .unwrap_or_default()
        .into_iter()
        .map(|ban| ban.reason)
        .collect();
    assert_eq!(reasons, [Some("again".to_owned())]);

    // An unban lifts the ban at once.
    assert_eq!(
        nft.unban(target(ATTACKER4)).ok(),
        Some(UnbanOutcome::Removed(vec![target(ATTACKER4)]))
    );
    assert!(
        lab.answered(ATTACKER4),
        "{ATTACKER4} still dropped after unban"
    );
    assert_eq!(
        nft.unban(target(ATTACKER4)).ok(),
        Some(UnbanOutcome::NotBanned)
    );

    // A /64 ban replaces the address bans inside it and drops the whole prefix.
    let hour = Duration::from_secs(3600);
    assert!(nft.ban(target(SCANNER6_A), hour, "scan").is_ok());
    assert_eq!(
        nft.ban(target(SCANNERS6), hour, "aggregated /64").ok(),
        Some(BanOutcome::Added {
            superseded: vec![target(SCANNER6_A)]
        })
    );
    assert!(
        !lab.answered(SCANNER6_B),
        "{SCANNER6_B} answered inside a banned /64"
    );
    assert!(matches!(
        nft.ban(target(SCANNER6_B), hour, "scan"),
        Ok(BanOutcome::CoveredBy(ban)) if ban.target == target(SCANNERS6)
    ));
    assert!(matches!(
        nft.unban(target(SCANNER6_A)),
        Ok(UnbanOutcome::CoveredBy(ban)) if ban.target == target(SCANNERS6)
    ));
    assert!(
        lab.answered(ATTACKER6),
        "{ATTACKER6} outside the /64 dropped"
    );
    assert_eq!(
        nft.unban(target(SCANNERS6)).ok(),
        Some(UnbanOutcome::Removed(vec![target(SCANNERS6)]))
    );
    assert!(
        lab.answered(SCANNER6_B),
        "{SCANNER6_B} still dropped after the /64 was lifted"
    );

    // Removing voipguard's table, with a ban still in it, restores the ruleset exactly.
    assert!(nft.ban(target(ATTACKER4), hour, "left over").is_ok());
    nft.remove().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        lab.answered(ATTACKER4),
        "{ATTACKER4} still dropped after remove"
    );
    let ruleset_after = must(&["ip", "netns", "exec", &lab.pbx, "nft", "list", "ruleset"]);
    assert_eq!(ruleset_after, ruleset_before);
    assert_eq!(nft.bans().map(|bans| bans.len()).ok(), Some(0));
    nft.remove()
        .unwrap_or_else(|e| panic!("remove is not idempotent: {e}"));
}

#[test]
fn ensure_is_idempotent_keeps_bans_and_leaves_other_tables_alone() {
    let Some(lab) = Lab::new("ensure") else {
        return;
    };
    lab.load_other_table();
    let other_before = lab.nft(&["list", "table", "inet", "other"]);
    let mut nft = Nftables::new(lab.nft_command())
        .unwrap_or_else(|e| panic!("{e}"))
        .with_forward_chain(true);

    // Before the table exists there is nothing to list, and a ban says what failed.
    assert_eq!(nft.bans().map(|bans| bans.len()).ok(), Some(0));
    let error = nft
        .ban(target(ATTACKER4), Duration::from_secs(60), "no table")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.starts_with(&format!(
            "`ip netns exec {} nft -j list set inet voipguard banned4` failed (exit status: 1): Error:",
            lab.pbx
        )),
        "{error}"
    );

    nft.ensure().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        nft.ban(target(ATTACKER4), Duration::from_secs(600), "kept")
            .is_ok()
    );
    let table_once = lab.nft(&["list", "chains", "inet"]);
    nft.ensure().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(lab.nft(&["list", "chains", "inet"]), table_once);
    let rules = lab
        .nft(&["list", "table", "inet", "voipguard"])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        rules.matches("ip saddr @banned4 drop").count(),
        2,
        "{rules}"
    );
    assert!(rules.contains("hook forward"), "{rules}");
    let kept: Vec<String> = nft
        .bans()
        .unwrap_or_default()
        .iter()
        .map(|ban| ban.target.to_string())
        .collect();
    assert_eq!(kept, [ATTACKER4], "ensure lost a ban");

    // Turning the forward chain off deletes it and keeps the rest.
    let mut without_forward = Nftables::new(lab.nft_command()).unwrap_or_else(|e| panic!("{e}"));
    without_forward.ensure().unwrap_or_else(|e| panic!("{e}"));
    let rules = lab
        .nft(&["list", "table", "inet", "voipguard"])
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!rules.contains("hook forward"), "{rules}");
    assert_eq!(
        rules.matches("ip saddr @banned4 drop").count(),
        1,
        "{rules}"
    );
    assert_eq!(without_forward.bans().map(|bans| bans.len()).ok(), Some(1));

    assert_eq!(lab.nft(&["list", "table", "inet", "other"]), other_before);
    without_forward.remove().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(lab.nft(&["list", "table", "inet", "other"]), other_before);
    assert!(lab.nft(&["list", "table", "inet", "voipguard"]).is_err());
}
