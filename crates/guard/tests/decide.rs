//! The decision engine: windows, repeat offenders, account scans, distributed attempts,
//! allowlist, IPv6 prefix aggregation, persistence.

use std::net::IpAddr;

use voipguard_guard::{
    BanReason, Decision, Engine, EngineState, Failure, IpNet, Policy, Reason, Service, Threshold,
};

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn net(text: &str) -> IpNet {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn failure<'a>(address: &str, service: Service, account: Option<&'a str>) -> Failure<'a> {
    Failure {
        service,
        address: ip(address),
        account,
        reason: Reason::WrongPassword,
        time: None,
        attempts: 1,
        evidence: "evidence line",
    }
}

fn policy() -> Policy {
    Policy {
        sip: Threshold {
            count: 3,
            seconds: 60,
        },
        ssh: Threshold {
            count: 2,
            seconds: 60,
        },
        ban_seconds: 100,
        repeat_factor: 2,
        max_ban_seconds: 350,
        account_scan: Some(Threshold {
            count: 4,
            seconds: 60,
        }),
        distributed: Some(Threshold {
            count: 3,
            seconds: 60,
        }),
        ..Policy::default()
    }
}

fn bans(decisions: &[Decision]) -> Vec<(IpNet, i64, BanReason, u32)> {
    decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Ban {
                target,
                until,
                reason,
                offence,
                evidence,
            } => {
                assert_eq!(evidence, "evidence line");
                Some((*target, *until, *reason, *offence))
            }
            Decision::Alert { .. } => None,
        })
        .collect()
}

#[test]
fn sliding_window_per_service() {
    let mut engine = Engine::new(policy());
    let f = failure("198.51.100.1", Service::Sip, Some("100"));
    assert!(engine.observe(&f, 1000).is_empty());
    assert!(engine.observe(&f, 1030).is_empty());
    // The first failure has left the 60 s window: still two.
    assert!(engine.observe(&f, 1061).is_empty());
    let decided = bans(&engine.observe(&f, 1070));
    let reason = BanReason::Failures {
        service: Service::Sip,
        failures: 3,
        seconds: 60,
    };
    assert_eq!(decided, vec![(net("198.51.100.1/32"), 1170, reason, 1)]);
    // SSH has its own, smaller window; SIP failures do not count towards it.
    let ssh = failure("198.51.100.2", Service::Ssh, None);
    let sip = failure("198.51.100.2", Service::Sip, None);
    assert!(engine.observe(&sip, 1000).is_empty());
    assert!(engine.observe(&ssh, 1001).is_empty());
    assert_eq!(bans(&engine.observe(&ssh, 1002)).len(), 1);
}

#[test]
fn repeat_offenders_are_banned_longer_up_to_the_maximum() {
    let mut engine = Engine::new(policy());
    let f = failure("198.51.100.3", Service::Ssh, None);
    let mut lengths = Vec::new();
    let mut now = 0;
    for _ in 0..4 {
        now += 1000;
        engine.observe(&f, now);
        let decided = bans(&engine.observe(&f, now));
        let (_, until, _, offence) = decided[0];
        lengths.push((until - now, offence));
        assert!(
            engine.observe(&f, now + 1).is_empty(),
            "no second ban while banned"
        );
        assert_eq!(engine.expire(until), vec![net("198.51.100.3/32")]);
    }
    assert_eq!(lengths, vec![(100, 1), (200, 2), (350, 3), (350, 4)]);
}

#[test]
fn account_scan_bans_one_source_trying_many_accounts() {
    let mut engine = Engine::new(policy());
    let accounts = ["100", "101", "102", "103"];
    let mut decided = Vec::new();
    for (i, account) in accounts.iter().enumerate() {
        // Different services, each below its own threshold.
        let service = [Service::Sip, Service::Iax2, Service::Ami, Service::Sip][i];
        let mut f = failure("198.51.100.4", service, Some(account));
        f.reason = Reason::UnknownAccount;
        decided.extend(engine.observe(&f, 10 + i64::try_from(i).unwrap_or(0)));
    }
    let decided = bans(&decided);
    assert_eq!(decided.len(), 1, "{decided:?}");
    assert_eq!(
        decided[0].2,
        BanReason::AccountScan {
            accounts: 4,
            seconds: 60
        }
    );
}

#[test]
fn distributed_attempts_alert_without_banning() {
    let mut engine = Engine::new(policy());
    let mut decisions = Vec::new();
    for source in ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"] {
        decisions.extend(engine.observe(&failure(source, Service::Sip, Some("200")), 50));
    }
    assert!(bans(&decisions).is_empty());
    let alerts: Vec<_> = decisions
        .iter()
        .filter(|d| matches!(d, Decision::Alert { .. }))
        .collect();
    assert_eq!(alerts.len(), 1, "one alert per window: {alerts:?}");
    let Decision::Alert {
        account,
        sources,
        service,
        ..
    } = alerts[0]
    else {
        unreachable!()
    };
    assert_eq!(
        (account.as_str(), *sources, *service),
        ("200", 3, Service::Sip)
    );
}

#[test]
fn allowlisted_sources_are_never_banned() {
    let mut policy = policy();
    policy.allowlist = vec![net("203.0.113.0/24"), net("2001:db8:1::5/128")];
    let mut engine = Engine::new(policy);
    let f = failure("203.0.113.9", Service::Ssh, None);
    for t in 0..50 {
        assert!(engine.observe(&f, t).is_empty());
    }
    assert!(engine.bans(10).is_empty());
}

#[test]
fn ipv6_prefix_aggregation_spares_allowlisted_neighbours() {
    let mut policy = policy();
    policy.ipv6_prefix = Some(64);
    policy.allowlist = vec![net("2001:db8:1::5/128")];
    let mut engine = Engine::new(policy);
    // Two addresses of one /64 add up to one source.
    engine.observe(&failure("2001:db8:2::1", Service::Ssh, None), 5);
    let decided = bans(&engine.observe(&failure("2001:db8:2::2", Service::Ssh, None), 6));
    assert_eq!(decided[0].0, net("2001:db8:2::/64"));
    // A /64 holding an allowlisted address is banned address by address.
    engine.observe(&failure("2001:db8:1::7", Service::Ssh, None), 5);
    let decided = bans(&engine.observe(&failure("2001:db8:1::7", Service::Ssh, None), 6));
    assert_eq!(decided[0].0, net("2001:db8:1::7/128"));
    assert_eq!(engine.bans(7).len(), 2);
}

#[test]
fn state_survives_a_restart() {
    let mut engine = Engine::new(policy());
    let f = failure("198.51.100.5", Service::Ssh, None);
    engine.observe(&f, 100);
    engine.observe(&f, 101);
    let half = failure("198.51.100.6", Service::Ssh, None);
    engine.observe(&half, 101);
    let saved = serde_json::to_string(&engine.state()).unwrap_or_else(|e| panic!("{e}"));
    let state: EngineState = serde_json::from_str(&saved).unwrap_or_else(|e| panic!("{e}"));
    let mut restarted = Engine::restore(policy(), state);
    assert_eq!(restarted.bans(150).len(), 1);
    // The counter of the second source continues where it was.
    assert_eq!(bans(&restarted.observe(&half, 102)).len(), 1);
    // The first source's offence count too: its next ban is twice as long.
    restarted.expire(201);
    restarted.observe(&f, 300);
    let decided = bans(&restarted.observe(&f, 300));
    assert_eq!((decided[0].1, decided[0].3), (500, 2));
}

#[test]
fn expired_state_is_dropped() {
    let mut engine = Engine::new(policy());
    for i in 0..1000u32 {
        let address = format!("10.0.{}.{}", i / 256, i % 256);
        engine.observe(&failure(&address, Service::Sip, None), 10);
    }
    assert_eq!(engine.tracked_sources(), 1000);
    // Kept while inside the longest window (IAX2 and AMI keep the default 600 s)…
    engine.expire(10 + 599);
    assert_eq!(engine.tracked_sources(), 1000);
    // …and dropped after it.
    engine.expire(10 + 600);
    assert_eq!(engine.tracked_sources(), 0);
}
