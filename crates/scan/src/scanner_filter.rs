//! Does a SIP host drop what scanners send? The stock Kamailio configuration, fail2ban filters
//! and vendor firewalls silently drop requests whose User-Agent is SIPVicious' `friendly-scanner`
//! (or whose From is `sipvicious`), so a host that answered voipguard's honest OPTIONS but stays
//! silent for svmap's is filtering scanners: a hardening observation, never "host absent".
//!
//! Each host that answered over UDP gets one more OPTIONS, identical to the sweep's but for the
//! User-Agent (`friendly-scanner`) and From (`"sipvicious" <sip:sipvicious@…>`) svmap sends,
//! retransmitted on RFC 3261 timer A like the sweep's, a bounded number of hosts at a time.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use serde::Serialize;
use tokio::net::UdpSocket;
use tokio::task::JoinSet;

use crate::sip::{Correlator, OptionsRequest, Response, Transport};
use crate::sweep::{SipHost, SweepConfig};

/// The User-Agent SIPVicious svmap sends, blocklisted by scanner filters everywhere.
pub const SCANNER_USER_AGENT: &str = "friendly-scanner";
/// The From user (and display name) svmap sends.
pub const SCANNER_FROM: &str = "sipvicious";
/// Hosts asked at once.
const AT_ONCE: usize = 64;

/// How a host treated the scanner-like OPTIONS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ScannerOutcome {
    /// Silent through every retransmission, though it answered voipguard's OPTIONS: it filters
    /// scanners (hardening).
    Dropped {
        /// Transmissions sent.
        transmissions: u32,
    },
    /// It answered the scanner as it answers anyone.
    Answered {
        /// Status code.
        status: u16,
        /// Reason phrase.
        reason: String,
    },
}

/// The scanner-like probe of one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScannerProbe {
    /// The address and port that answered voipguard's OPTIONS.
    pub target: SocketAddr,
    /// What the scanner-like OPTIONS got.
    #[serde(flatten)]
    pub outcome: ScannerOutcome,
}

impl ScannerProbe {
    /// True when the host drops scanner-like requests.
    pub fn filters_scanners(&self) -> bool {
        matches!(self.outcome, ScannerOutcome::Dropped { .. })
    }

    /// One sentence for reports.
    pub fn note(&self) -> String {
        match &self.outcome {
            ScannerOutcome::Dropped { transmissions } => format!(
                "drops scanner-like OPTIONS (User-Agent {SCANNER_USER_AGENT}, From {SCANNER_FROM}; {transmissions} sent) while answering voipguard's: a scanner filter (hardening)"
            ),
            ScannerOutcome::Answered { status, reason } => format!(
                "answers scanner-like OPTIONS (User-Agent {SCANNER_USER_AGENT}) with {status} {reason}: no scanner filter"
            ),
        }
    }
}

/// Asks every host that answered over UDP the scanner-like OPTIONS (hosts answering over TCP
/// or TLS only are not asked: svmap speaks UDP). Returns one result per host, in target order.
pub async fn probe_scanner_filter<'h>(
    hosts: impl IntoIterator<Item = &'h SipHost>,
    config: &SweepConfig,
) -> Vec<ScannerProbe> {
    let mut targets: Vec<SocketAddr> = hosts
        .into_iter()
        .filter(|host| host.transport == Transport::Udp)
        .map(|host| host.target)
        .collect();
    targets.sort();
    targets.dedup();
    let correlator = Correlator::random();
    let spacing = Duration::from_secs_f64(1.0 / f64::from(config.rate.max(1)));
    let started = tokio::time::Instant::now();
    let mut running = JoinSet::new();
    let mut probes = Vec::new();
    for (seq, target) in (0_u64..).zip(targets) {
        while running.len() >= AT_ONCE {
            if let Some(Ok(Some(probe))) = running.join_next().await {
                probes.push(probe);
            }
        }
        let config = config.clone();
        running.spawn(async move { ask(target, &config, correlator, seq).await });
        // Paced against the schedule, not by a sleep per probe: a timer sleeps a millisecond at
        // least, which would hold a /16 to 1,000 probes a second whatever `rate` says.
        let due = started + spacing.saturating_mul(u32::try_from(seq + 1).unwrap_or(u32::MAX));
        if due > tokio::time::Instant::now() + Duration::from_millis(1) {
            tokio::time::sleep_until(due).await;
        }
    }
    while let Some(done) = running.join_next().await {
        if let Ok(Some(probe)) = done {
            probes.push(probe);
        }
    }
    probes.sort_by_key(|probe| probe.target);
    probes
}

/// `None` when no socket could be opened or nothing could be sent: nothing was learnt.
async fn ask(
    target: SocketAddr,
    config: &SweepConfig,
    correlator: Correlator,
    seq: u64,
) -> Option<ScannerProbe> {
    let unspecified = match target.ip() {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    // The source address the route to `target` takes, for Via and Contact; the socket itself
    // stays unconnected: a host may answer from another of its addresses (a wildcard-bound
    // server answers 127.0.0.9 from 127.0.0.1), as the sweep saw, and the tag tells ours.
    let route = std::net::UdpSocket::bind(SocketAddr::new(unspecified, 0)).ok()?;
    route.connect(target).ok()?;
    let source = route.local_addr().ok()?.ip();
    let socket = UdpSocket::bind(SocketAddr::new(source, 0)).await.ok()?;
    let local = socket.local_addr().ok()?;
    let request = scanner_like(&OptionsRequest {
        target,
        local,
        transport: Transport::Udp,
        user_agent: SCANNER_USER_AGENT,
        correlator,
        seq,
    });
    let mut buffer = vec![0_u8; 65_536];
    let mut transmissions = 0;
    let mut wait = config.t1;
    while transmissions <= config.retransmissions {
        socket.send_to(request.as_bytes(), target).await.ok()?;
        transmissions += 1;
        let deadline = tokio::time::Instant::now() + wait;
        // A closed port answers with ICMP, a receive error: that is silence too.
        while let Ok(Ok((len, _))) =
            tokio::time::timeout_at(deadline, socket.recv_from(&mut buffer)).await
        {
            let Ok(response) = Response::parse(buffer.get(..len).unwrap_or_default()) else {
                continue;
            };
            if correlator.probe_of(&response) == Some(seq) && response.status >= 200 {
                return Some(ScannerProbe {
                    target,
                    outcome: ScannerOutcome::Answered {
                        status: response.status,
                        reason: response.reason,
                    },
                });
            }
        }
        wait = wait.saturating_mul(2);
    }
    Some(ScannerProbe {
        target,
        outcome: ScannerOutcome::Dropped { transmissions },
    })
}

/// The sweep's OPTIONS with svmap's From: `"sipvicious" <sip:sipvicious@host>` (tag kept, so
/// the answer is still ours).
fn scanner_like(request: &OptionsRequest<'_>) -> String {
    request
        .render()
        .split_inclusive("\r\n")
        .map(|line| match line.strip_prefix("From: <sip:") {
            Some(rest) => {
                let host_and_tag = rest.split_once('@').map_or(rest, |(_, after)| after);
                format!("From: \"{SCANNER_FROM}\" <sip:{SCANNER_FROM}@{host_and_tag}")
            }
            None => line.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_looks_like_svmap_but_stays_ours() {
        let request = OptionsRequest {
            target: SocketAddr::from(([192, 168, 1, 20], 5060)),
            local: SocketAddr::from(([192, 168, 1, 2], 40000)),
            transport: Transport::Udp,
            user_agent: SCANNER_USER_AGENT,
            correlator: Correlator::with_nonce(7),
            seq: 3,
        };
        let text = scanner_like(&request);
        let tag = Correlator::with_nonce(7).from_tag(3);
        assert!(
            text.contains(&format!(
                "\r\nFrom: \"sipvicious\" <sip:sipvicious@192.168.1.2>;tag={tag}\r\n"
            )),
            "{text}"
        );
        assert!(
            text.contains("\r\nUser-Agent: friendly-scanner\r\n"),
            "{text}"
        );
        assert!(!text.contains("voipguard@192.168.1.2>;tag"), "{text}");
        assert!(text.ends_with("\r\n\r\n"));
        let response = Response::parse(
            format!(
                "SIP/2.0 200 OK\r\nFrom: \"sipvicious\" <sip:sipvicious@192.168.1.2>;tag={tag}\r\nCall-ID: x\r\n\r\n"
            )
            .as_bytes(),
        );
        assert_eq!(
            response
                .ok()
                .and_then(|r| Correlator::with_nonce(7).probe_of(&r)),
            Some(3)
        );
    }
}
