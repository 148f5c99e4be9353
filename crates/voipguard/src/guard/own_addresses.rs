//! The machine's own addresses, which the guard never bans: a log line forged to name the PBX
//! itself (fail2ban's classic self-ban) must not cut the PBX off.
//!
//! Read from the kernel's `/proc/net/fib_trie` (IPv4: the `/32 host LOCAL` entries, i.e. every
//! address assigned to an interface of this network namespace) and `/proc/net/if_inet6` (IPv6),
//! once at start: no external command, no dependency. Addresses added later are not seen until
//! a restart; list them in `allowlist` if they come and go.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use voipguard_guard::IpNet;

/// The addresses of this network namespace's interfaces; unreadable files give none (and say so
/// through `tracing`).
pub fn own_addresses() -> Vec<IpNet> {
    let mut addresses = Vec::new();
    for (path, parse) in [
        ("/proc/net/fib_trie", ipv4_locals as fn(&str) -> Vec<IpAddr>),
        ("/proc/net/if_inet6", ipv6_addresses),
    ] {
        match std::fs::read_to_string(path) {
            Ok(text) => addresses.extend(parse(&text)),
            Err(error) => tracing::warn!(
                "cannot read {path} ({error}): this machine's addresses there are not \
                 allowlisted automatically; list them in `allowlist`"
            ),
        }
    }
    let mut nets: Vec<IpNet> = addresses.into_iter().map(IpNet::from).collect();
    nets.sort_unstable();
    nets.dedup();
    nets
}

/// Leaves of the trie (`|-- 192.0.2.2`) followed by a `/32 host LOCAL` line.
fn ipv4_locals(fib_trie: &str) -> Vec<IpAddr> {
    let mut leaf: Option<Ipv4Addr> = None;
    let mut locals = Vec::new();
    for line in fib_trie.lines().map(str::trim) {
        if let Some(address) = line.strip_prefix("|-- ") {
            leaf = address.trim().parse().ok();
        } else if line == "/32 host LOCAL"
            && let Some(address) = leaf
        {
            locals.push(IpAddr::V4(address));
        } else if !line.starts_with('/') {
            leaf = None;
        }
    }
    locals
}

/// The first column: 32 hexadecimal digits.
fn ipv6_addresses(if_inet6: &str) -> Vec<IpAddr> {
    if_inet6
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter_map(|hex| {
            u128::from_str_radix(hex, 16)
                .ok()
                .filter(|_| hex.len() == 32)
        })
        .map(|bits| IpAddr::V6(Ipv6Addr::from(bits)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_local_addresses_come_from_the_trie() {
        let trie = "\
Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
        |-- 127.255.255.255
           /32 link BROADCAST
     +-- 192.0.2.0/24 2 0 2
           |-- 192.0.2.0
              /24 link UNICAST
           |-- 192.0.2.2
              /32 host LOCAL
Local:
  +-- 0.0.0.0/0 3 0 5
           |-- 192.0.2.2
              /32 host LOCAL
";
        let found: Vec<String> = ipv4_locals(trie).iter().map(ToString::to_string).collect();
        assert_eq!(found, ["127.0.0.1", "192.0.2.2", "192.0.2.2"]);
    }

    #[test]
    fn ipv6_addresses_come_from_if_inet6() {
        let table = "\
fd000000000000000000000000000002 04 40 00 82     eth0
00000000000000000000000000000001 01 80 10 80       lo
garbage
";
        let found: Vec<String> = ipv6_addresses(table)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(found, ["fd00::2", "::1"]);
    }

    #[test]
    fn this_machine_has_loopback_at_least() {
        let own = own_addresses();
        assert!(own.iter().any(|net| net.addr().is_loopback()), "{own:?}");
    }
}
