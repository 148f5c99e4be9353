//! The per-account SIP ports of multi-account phones, probed on the hosts that answered.
//!
//! The Grandstream guides give each account its own local port: UDP/TCP 5060 for account 1,
//! 5062 for account 2, 5064, … (2 apart), and the account's TLS port one above (5061, 5063, …).
//! A phone whose account 1 is off, or which uses TLS on account 2, answers only there.
//!
//! Sweeping every port on every address would multiply a /16's cost by the number of ports, so
//! the extra ports are asked only of the addresses that answered the first sweep: a handful of
//! hosts × a dozen ports, whatever the size of the range.

use std::net::IpAddr;

use crate::scope::Plan;
use crate::sip::Transport;

/// Accounts probed by default: the most a GRP phone of the guides has (GRP2615/2616).
pub const DEFAULT_ACCOUNTS: u16 = 6;

/// The first account's UDP/TCP port.
const FIRST_ACCOUNT_PORT: u16 = 5060;

/// The ports of accounts `1..=accounts` over `transport`: 5060, 5062, … for UDP and TCP;
/// 5061, 5063, … for TLS.
pub fn account_ports(transport: Transport, accounts: u16) -> Vec<u16> {
    let offset = u16::from(transport == Transport::Tls);
    (0..accounts)
        .map_while(|account| {
            account
                .checked_mul(2)
                .and_then(|step| FIRST_ACCOUNT_PORT.checked_add(step + offset))
        })
        .collect()
}

/// The TLS port of each UDP/TCP port (one above, as the guides give it), for a TLS sweep of
/// the ports the operator named.
pub fn tls_ports(ports: &[u16]) -> Vec<u16> {
    ports
        .iter()
        .filter_map(|port| port.checked_add(1))
        .collect()
}

/// One sweep still to run: `ports` over `transport` on the addresses of `plan`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// The transport.
    pub transport: Transport,
    /// The addresses that answered, as a plan (still inside the scope).
    pub plan: Plan,
    /// The account ports not probed yet over this transport.
    pub ports: Vec<u16>,
}

/// The sweeps that complete the account ports on the addresses that answered the first
/// sweeps: for each transport swept (`swept`, each with the ports it probed) and for TLS
/// whether swept or not, the account ports of `accounts` accounts not probed yet. Nothing when
/// no address answered or every port was probed.
pub fn account_follow_ups(
    plan: &Plan,
    answered: impl IntoIterator<Item = IpAddr>,
    swept: &[(Transport, Vec<u16>)],
    accounts: u16,
) -> Vec<FollowUp> {
    let hosts = plan.only(answered);
    if hosts.is_empty() {
        return Vec::new();
    }
    let probed = |transport: Transport| {
        swept
            .iter()
            .filter(|(swept, _)| *swept == transport)
            .flat_map(|(_, ports)| ports.iter().copied())
            .collect::<Vec<u16>>()
    };
    let mut transports: Vec<Transport> = Vec::new();
    for transport in swept.iter().map(|(transport, _)| *transport) {
        if !transports.contains(&transport) {
            transports.push(transport);
        }
    }
    if !transports.contains(&Transport::Tls) {
        transports.push(Transport::Tls);
    }
    transports
        .into_iter()
        .filter_map(|transport| {
            let done = probed(transport);
            let ports: Vec<u16> = account_ports(transport, accounts)
                .into_iter()
                .filter(|port| !done.contains(port))
                .collect();
            (!ports.is_empty()).then(|| FollowUp {
                transport,
                plan: hosts.clone(),
                ports,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::{Scope, Target};

    #[test]
    fn ports_per_account_as_the_guides_give_them() {
        assert_eq!(
            account_ports(Transport::Udp, 6),
            [5060, 5062, 5064, 5066, 5068, 5070]
        );
        assert_eq!(account_ports(Transport::Tcp, 2), [5060, 5062]);
        assert_eq!(account_ports(Transport::Tls, 3), [5061, 5063, 5065]);
        assert!(account_ports(Transport::Udp, 0).is_empty());
        // Never past the last port, whatever is asked.
        assert_eq!(
            account_ports(Transport::Tls, u16::MAX).last(),
            Some(&65_535)
        );
        assert_eq!(tls_ports(&[5060, 65_535]), [5061]);
    }

    #[test]
    fn follow_ups_cover_the_missing_account_ports_of_the_hosts_that_answered() {
        let scope = Scope::parse(&["10.0.0.0/16"], false).unwrap_or_else(|err| panic!("{err}"));
        let target = Target::parse("10.0.0.0/16").unwrap_or_else(|err| panic!("{err}"));
        let plan = scope.plan(&[target]).unwrap_or_else(|err| panic!("{err}"));
        let ip = |text: &str| text.parse::<IpAddr>().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let answered = [
            ip("10.0.3.7"),
            ip("10.0.0.20"),
            ip("10.0.3.7"),
            ip("10.9.0.1"),
        ];
        let follow_ups = account_follow_ups(
            &plan,
            answered,
            &[(Transport::Udp, vec![5060]), (Transport::Tcp, vec![5060])],
            3,
        );
        let summary: Vec<(Transport, Vec<u16>, u128)> = follow_ups
            .iter()
            .map(|f| (f.transport, f.ports.clone(), f.plan.len()))
            .collect();
        assert_eq!(
            summary,
            [
                (Transport::Udp, vec![5062, 5064], 2),
                (Transport::Tcp, vec![5062, 5064], 2),
                (Transport::Tls, vec![5061, 5063, 5065], 2),
            ],
            "two in-scope hosts (10.9.0.1 is outside the plan), 7 probes each, not 65,536 × 7"
        );
        let tls_swept = account_follow_ups(
            &plan,
            [ip("10.0.0.20")],
            &[(Transport::Udp, vec![5060]), (Transport::Tls, vec![5061])],
            2,
        );
        assert_eq!(
            tls_swept
                .iter()
                .map(|f| (f.transport, f.ports.clone()))
                .collect::<Vec<_>>(),
            [(Transport::Udp, vec![5062]), (Transport::Tls, vec![5063])]
        );
        assert!(account_follow_ups(&plan, [], &[(Transport::Udp, vec![5060])], 6).is_empty());
        assert!(
            account_follow_ups(&plan, [ip("10.0.0.20")], &[(Transport::Udp, vec![5060])], 1)
                .iter()
                .all(|f| f.transport == Transport::Tls && f.ports == [5061])
        );
    }
}
