//! The forms fail2ban misses (from Asterisk's own format strings), AMI event blocks, and lines
//! where client text imitates the address field.

use std::net::IpAddr;
use std::path::PathBuf;

use voipguard_guard::{LineOutcome, Parser, Reason, Service, SshdMode, parse_ami_event};

fn corpus(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/logs")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The documentation-range peer of each synthetic line: the quoted socket address, never the
/// From/To URI host (203.0.113.1, 2001:db8::1) or the local address.
fn expected_peer(line: &str) -> Option<IpAddr> {
    if line.contains("Failed to authenticate device") {
        return None;
    }
    for candidate in [
        "198.51.100.7",
        "198.51.100.8",
        "198.51.100.9",
        "198.51.100.10",
        "198.51.100.11",
        "2001:db8::7",
        "2001:db8::8",
        "2001:db8::10",
    ] {
        let bounded = [
            format!("'{candidate}:"),
            format!("[{candidate}]"),
            format!(":{candidate}:"),
            format!("/{candidate}/"),
            format!("({candidate}:"),
            format!(" {candidate} "),
            format!("from {candidate}"),
            format!("Host {candidate}"),
        ];
        if bounded.iter().any(|b| line.contains(b.as_str())) {
            return Some(ip(candidate));
        }
    }
    panic!("no expected peer for {line}")
}

#[test]
fn every_synthetic_format_line() {
    let text = corpus("asterisk_log_formats_from_source.txt");
    let mut parser = Parser::new(2024);
    let mut lines = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        lines += 1;
        let outcome = parser.parse_line(line);
        match (expected_peer(line), outcome) {
            (Some(want), LineOutcome::Failure(f)) => assert_eq!(f.address, want, "{line}"),
            (None, LineOutcome::Ignored) => {}
            (want, other) => panic!("{line}\nwanted {want:?}, got {other:?}"),
        }
    }
    assert_eq!(lines, 28);
}

/// The six lines the reference lists as missed by fail2ban (master or Debian's 1.0.2).
#[test]
fn forms_fail2ban_misses() {
    let cases = [
        (
            "[2024-11-06 08:00:06] NOTICE[4400] chan_iax2.c: Host 198.51.100.9 denied access to register peer '100'",
            Service::Iax2,
            Reason::RegistrationDenied,
            Some("100"),
        ),
        (
            "[2024-11-06 08:00:06] NOTICE[4400] chan_iax2.c: Host 198.51.100.9 did not provide proper plaintext password for '100'",
            Service::Iax2,
            Reason::WrongPassword,
            Some("100"),
        ),
        (
            "[2024-11-06 08:00:06] NOTICE[4400] chan_iax2.c: Rejected connect attempt from 198.51.100.9:4569, request '0044123@default' does not exist",
            Service::Iax2,
            Reason::ConnectRejected,
            Some("0044123"),
        ),
        (
            "[2024-11-06 08:00:06] WARNING[4400] chan_iax2.c: Host 198.51.100.9:4569 failed to authenticate as 100",
            Service::Iax2,
            Reason::WrongPassword,
            Some("100"),
        ),
        (
            "[2024-11-06 08:00:07] NOTICE[4500] chan_sip.c: Registration from '<sip:100@203.0.113.1>' failed for '198.51.100.10:5060' - Device not configured to use this transport type",
            Service::Sip,
            Reason::WrongTransport,
            Some("100"),
        ),
        (
            "[2024-11-06 08:00:04] NOTICE[4243][C-0000002a] res_pjsip_session.c: anonymous: Call (UDP:198.51.100.7:5060) to extension '0046123456789' rejected because extension not found in context 'from-sip-external'.",
            Service::Sip,
            Reason::ExtensionNotFound,
            Some("0046123456789"),
        ),
        (
            "[2024-11-06 08:00:02] NOTICE[4242] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '<sip:101@203.0.113.1>' failed for '198.51.100.7:5060' (callid: x2) - No matching endpoint found after 5 tries in 2.500 ms",
            Service::Sip,
            Reason::UnknownAccount,
            Some("101"),
        ),
    ];
    let mut parser = Parser::new(2024);
    for (line, service, reason, account) in cases {
        let LineOutcome::Failure(f) = parser.parse_line(line) else {
            panic!("missed {line}")
        };
        assert_eq!(
            (f.service, f.reason, f.account),
            (service, reason, account),
            "{line}"
        );
        assert_eq!(f.evidence, line);
    }
}

#[test]
fn ami_security_event_blocks() {
    let text = corpus("ami_security_events_samples.txt");
    let blocks: Vec<String> = text
        .split("\n\n")
        .map(|b| {
            b.lines()
                .filter(|l| !l.starts_with('#'))
                .collect::<Vec<_>>()
                .join("\r\n")
        })
        .filter(|b| b.starts_with("Event:"))
        .collect();
    assert_eq!(blocks.len(), 4);
    let outcomes: Vec<LineOutcome<'_>> = blocks.iter().map(|b| parse_ami_event(b)).collect();
    // The first sample's addresses were redacted to XXXXXXXX/YYYYYYYY upstream.
    assert!(
        matches!(outcomes[0], LineOutcome::Unparsed(_)),
        "{:?}",
        outcomes[0]
    );
    let LineOutcome::Failure(invalid_account) = &outcomes[1] else {
        panic!("{:?}", outcomes[1])
    };
    assert_eq!(
        (
            invalid_account.address,
            invalid_account.account,
            invalid_account.reason
        ),
        (ip("10.211.55.2"), Some("55001"), Reason::UnknownAccount)
    );
    let LineOutcome::Failure(invalid_password) = &outcomes[2] else {
        panic!("{:?}", outcomes[2])
    };
    assert_eq!(
        (invalid_password.address, invalid_password.service),
        (ip("10.211.55.2"), Service::Sip)
    );
    // The events' own times (EventTV), offsets applied: 2019-06-07T21:25:59Z and 21:17:59Z.
    assert_eq!(
        (invalid_account.time, invalid_password.time),
        (Some(1_559_942_759), Some(1_559_942_279))
    );
    assert_eq!(
        outcomes[3],
        LineOutcome::Ignored,
        "ChallengeSent is not a failure"
    );
}

#[test]
fn ami_block_with_two_remote_addresses_is_not_guessed() {
    let block = "Event: InvalidPassword\r\nService: AMI\r\nRemoteAddress: IPV4/TCP/6.6.6.6/1\r\nRemoteAddress: IPV4/TCP/198.51.100.8/40000\r\n";
    assert!(matches!(parse_ami_event(block), LineOutcome::Unparsed(_)));
    let v6 = "Event: InvalidAccountID\nService: PJSIP\nAccountID: 100\nRemoteAddress: IPV6/UDP/::ffff:198.51.100.8/5060\n";
    let LineOutcome::Failure(f) = parse_ami_event(v6) else {
        panic!("v4-mapped")
    };
    assert_eq!(f.address, ip("198.51.100.8"));
}

/// Client-chosen SessionID, From, To, Call-ID, extension and user-name text imitating the peer
/// field: the forged address 6.6.6.6 must never come out.
#[test]
fn injected_addresses_are_never_taken() {
    let forged = ip("6.6.6.6");
    let lines = [
        // SessionID carrying a whole fake LocalAddress/RemoteAddress pair.
        r#"[2015-05-25 07:21:48] SECURITY[6988] res_security_log.c: SecurityEvent="InvalidAccountID",EventTV="2015-05-25T07:21:48.275+0300",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="70000180",SessionID="",LocalAddress="IPV4/UDP/127.0.0.1/5060",RemoteAddress="IPV4/UDP/6.6.6.6/1111"",LocalAddress="IPV4/UDP/1.2.3.4/5060",RemoteAddress="IPV4/UDP/10.250.251.252/5061""#,
        // SessionID imitating the field followed by a known field name.
        r#"[2015-05-25 07:21:48] SECURITY[6988] res_security_log.c: SecurityEvent="ChallengeResponseFailed",EventTV="x",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="1",SessionID="",RemoteAddress="IPV4/UDP/6.6.6.6/1",Challenge="",LocalAddress="IPV4/UDP/1.2.3.4/5060",RemoteAddress="IPV4/UDP/10.250.251.252/5061",Challenge="c",Response="r",ExpectedResponse="""#,
        // Response (client text, after the real field) imitating it.
        r#"[2015-05-25 07:21:48] SECURITY[6988] res_security_log.c: SecurityEvent="ChallengeResponseFailed",EventTV="x",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="1",SessionID="s",LocalAddress="IPV4/UDP/1.2.3.4/5060",RemoteAddress="IPV4/UDP/10.250.251.252/5061",Challenge="c",Response="",RemoteAddress="IPV4/UDP/6.6.6.6/1",Challenge="",ExpectedResponse="""#,
        // AccountID imitating the field.
        r#"[2015-05-25 07:21:48] SECURITY[6988] res_security_log.c: SecurityEvent="InvalidAccountID",EventTV="x",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="",RemoteAddress="IPV4/UDP/6.6.6.6/1",SessionID="s",LocalAddress="IPV4/UDP/1.2.3.4/5060",RemoteAddress="IPV4/UDP/10.250.251.252/5061""#,
        // PJSIP From display name imitating the address field.
        "[2024-11-06 08:00:01] NOTICE[4242] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '\"x' failed for '6.6.6.6:5060' (callid: 1) - No matching endpoint found\" <sip:100@203.0.113.1>' failed for '198.51.100.7:5060' (callid: a) - Failed to authenticate",
        // PJSIP Call-ID imitating it after the real field.
        "[2024-11-06 08:00:01] NOTICE[4242] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '<sip:100@203.0.113.1>' failed for '198.51.100.7:5060' (callid: a) - Failed to authenticate' failed for '6.6.6.6:5060' (callid: b) - Failed to authenticate",
        // chan_sip To header imitating it.
        "[2024-11-06 08:00:07] NOTICE[4500] chan_sip.c: Registration from '<sip:x' failed for '6.6.6.6:5060' - Wrong password@a>' failed for '198.51.100.10:5060' - Wrong password",
        // Extension imitating the call address.
        "[2024-11-06 08:00:08] NOTICE[4500][C-00000031] chan_sip.c: Call from '' (198.51.100.10:5060) to extension 'x' (6.6.6.6:1) to extension '1' rejected because extension not found in context 'default'.",
        // From header of chan_sip's device failure: never an address to ban.
        "[2024-11-06 08:00:09] NOTICE[4500] chan_sip.c: Failed to authenticate device <sip:100@6.6.6.6>;tag=as5b3c for INVITE, code = -1",
        // sshd user names and auth info imitating the from clause.
        "Nov 11 08:04:52 redbamboo sshd[2737]: Failed password for invalid user test from 6.6.6.6 port 55555 ssh2 from 127.0.0.1 port 58946 ssh2",
        "Nov 11 08:04:52 redbamboo sshd[2738]: Failed password for invalid user test from 127.0.0.1 port 58946 ssh2: from 6.6.6.6 port 55555 ssh2",
        "Jul 20 14:42:11 localhost sshd[22708]: Invalid user x from 6.6.6.6 from 192.0.2.1 port 22",
        "Jun  7 01:11:58 host sshd[8783]: User x from 6.6.6.6 not allowed because y from 192.0.2.1 not allowed because not listed in AllowUsers",
    ];
    let mut parser = Parser::new(2024);
    for line in lines {
        match parser.parse_line(line) {
            LineOutcome::Failure(f) => assert_ne!(f.address, forged, "{line}"),
            LineOutcome::Ignored | LineOutcome::Unparsed(_) => {}
        }
    }
    // Where the imitation is misplaced, the real field is still found.
    let LineOutcome::Failure(f) = parser.parse_line(lines[3]) else {
        panic!("account injection")
    };
    assert_eq!(f.address, ip("10.250.251.252"));
}

#[test]
fn ipv6_and_mapped_forms() {
    let mut parser = Parser::new(2024);
    let cases = [
        (
            "[2024-11-06 08:00:03] NOTICE[1] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '<sip:100@[2001:db8::1]>' failed for '[::ffff:198.51.100.7]:5060' (callid: x3) - Failed to authenticate",
            "198.51.100.7",
        ),
        (
            "[2024-11-06 08:00:05] NOTICE[1] manager.c: 2001:db8::8 failed to authenticate as 'admin'",
            "2001:db8::8",
        ),
        (
            "Jan  5 01:31:41 www sshd[1643]: ROOT LOGIN REFUSED FROM ::ffff:1.2.3.4",
            "1.2.3.4",
        ),
    ];
    for (line, want) in cases {
        let LineOutcome::Failure(f) = parser.parse_line(line) else {
            panic!("{line}")
        };
        assert_eq!(f.address, ip(want));
    }
    let ambiguous = "[2013-11-11 14:33:38] WARNING[1][C-1] Ext. s: \"Rejecting unknown SIP connection from 2001:db8::1:1234\"";
    assert!(matches!(
        parser.parse_line(ambiguous),
        LineOutcome::Unparsed(_)
    ));
}

#[test]
fn unparsed_lines_carry_a_reason() {
    let mut parser = Parser::new(2024);
    let line = "[2024-11-06 08:00:07] NOTICE[4500] chan_sip.c: Registration from '<sip:1@a>' failed for 'pbx.example.com:5060' - Wrong password";
    assert!(matches!(parser.parse_line(line), LineOutcome::Unparsed(r) if r.contains("not an IP")));
    let ignored = "[2024-03-01 00:00:00] ERROR[1] res_pjsip_outbound_registration.c: Endpoint 'trunk-out' failed to register (403 Forbidden)";
    assert_eq!(parser.parse_line(ignored), LineOutcome::Ignored);
}

/// In ddos mode the peer is still the field sshd writes: after a user name (client text) that
/// imitates an address, and never a host name (counted as unparsed). Normal mode ignores all
/// of these lines.
#[test]
fn sshd_ddos_lines_take_the_peer_field() {
    let forged = ip("6.6.6.6");
    let lines = [
        (
            "Mar  1 18:59:50 host sshd[71906]: ssh_dispatch_run_fatal: Connection from authenticating user 6.6.6.6 port 1 198.51.100.20 port 52452: message authentication code incorrect [preauth]",
            Some("198.51.100.20"),
        ),
        (
            "Mar  1 18:59:51 host sshd[71907]: Disconnected from invalid user 6.6.6.6 198.51.100.21 port 40000 [preauth]",
            Some("198.51.100.21"),
        ),
        (
            "Mar  1 18:59:52 host sshd[71908]: Bad protocol version identification '' from 6.6.6.6 port 1' from 198.51.100.22 port 40001",
            Some("198.51.100.22"),
        ),
        (
            "Mar  1 18:59:53 host sshd[71909]: Did not receive identification string from scanner.example.com port 40002",
            None,
        ),
    ];
    for (line, want) in lines {
        let mut normal = Parser::new(2024);
        assert_eq!(normal.parse_line(line), LineOutcome::Ignored, "{line}");
        let mut ddos = Parser::new(2024).with_sshd_mode(SshdMode::Ddos);
        match (ddos.parse_line(line), want) {
            (LineOutcome::Failure(f), Some(want)) => {
                assert_eq!(f.address, ip(want), "{line}");
                assert_eq!(f.reason, Reason::PreauthDisconnect);
                assert_ne!(f.address, forged);
            }
            (LineOutcome::Unparsed(_), None) => {}
            (other, _) => panic!("{other:?} for {line}"),
        }
    }
}
